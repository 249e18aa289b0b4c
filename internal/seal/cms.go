package seal

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The CMS (RFC 5652) object identifiers a PAdES signature uses.
var (
	oidData              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	// id-aa-signingCertificateV2 (RFC 5035): the ESS attribute that binds
	// the signer certificate into the signed attributes, required by
	// ETSI EN 319 122-1 for CAdES and therefore PAdES baseline signatures.
	oidAttrSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidECDSAWithSHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidRSAEncryption     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

var tagContext0 = cbasn1.Tag(0).ContextSpecific().Constructed()

// buildCMS returns a detached CMS SignedData over content, signed by signer
// with leaf, carrying leaf and chain (the issuers, up to the root). The
// signed attributes are those of a PAdES baseline (B-B) signature, ETSI EN
// 319 142-1 §6.3: content-type, message-digest and signing-certificate-v2;
// no signing-time attribute (the claimed signing time is the /M entry of the
// signature dictionary).
func buildCMS(content []byte, leaf *x509.Certificate, chain []*x509.Certificate, signer crypto.Signer) ([]byte, error) {
	digest := sha256.Sum256(content)
	certHash := sha256.Sum256(leaf.Raw)
	attrs := [][]byte{
		attribute(oidAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attribute(oidAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest[:]) }),
		attribute(oidAttrSigningCertV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2, hashAlgorithm SHA-256 by default
						b.AddASN1OctetString(certHash[:])
					})
				})
			})
		}),
	}
	for _, a := range attrs {
		if a == nil {
			return nil, errors.New("seal: encode signed attributes")
		}
	}
	// DER: the elements of a SET OF are sorted by their encodings.
	slices.SortFunc(attrs, bytes.Compare)
	attrContent := bytes.Join(attrs, nil)
	// The signature covers the attributes encoded as a SET (RFC 5652 §5.4).
	toSign := derSet(attrContent)
	h := sha256.Sum256(toSign)
	sig, err := signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("seal: sign: %w", err)
	}
	var sigAlg asn1.ObjectIdentifier
	switch signer.Public().(type) {
	case *ecdsa.PublicKey:
		sigAlg = oidECDSAWithSHA256
	case *rsa.PublicKey:
		sigAlg = oidRSAEncryption
	default:
		return nil, fmt.Errorf("seal: unsupported key type %T", signer.Public())
	}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(tagContext0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					algorithmID(b, oidSHA256, false)
				})
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncapsulatedContentInfo, detached
					b.AddASN1ObjectIdentifier(oidData)
				})
				b.AddASN1(tagContext0, func(b *cryptobyte.Builder) { // certificates
					b.AddBytes(leaf.Raw)
					for _, c := range chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { // signerInfos
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(leaf.RawIssuer)
							b.AddASN1BigInt(leaf.SerialNumber)
						})
						algorithmID(b, oidSHA256, false)
						b.AddASN1(tagContext0, func(b *cryptobyte.Builder) { b.AddBytes(attrContent) })
						algorithmID(b, sigAlg, sigAlg.Equal(oidRSAEncryption))
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	return b.Bytes()
}

// attribute encodes one CMS Attribute with a single value; nil on failure.
func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil
	}
	return out
}

func algorithmID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, nullParams bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if nullParams {
			b.AddASN1NULL()
		}
	})
}

func derSet(content []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(content) })
	out, _ := b.Bytes()
	return out
}

// signedData is the part of a parsed CMS SignedData that verification needs.
type signedData struct {
	certs         []*x509.Certificate
	issuer        []byte // raw Name
	serial        *big.Int
	digestAlg     asn1.ObjectIdentifier
	attrs         []byte // content of the signed attributes
	contentType   asn1.ObjectIdentifier
	messageDigest []byte
	certHash      []byte // from signing-certificate-v2, nil when absent
	sigAlg        asn1.ObjectIdentifier
	signature     []byte
}

var errMalformed = errors.New("seal: malformed CMS signature")

// parseCMS parses a DER CMS ContentInfo holding a SignedData with exactly
// one signer. rest is what follows the DER value (the zero padding of the
// signature placeholder).
func parseCMS(der []byte) (sd signedData, rest []byte, err error) {
	in := cryptobyte.String(der)
	var ci, content, signed cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oidSignedData) ||
		!ci.ReadASN1(&content, tagContext0) || !content.ReadASN1(&signed, cbasn1.SEQUENCE) {
		return sd, nil, errMalformed
	}
	rest = []byte(in)
	var version int64
	var digestAlgs, encap, signerInfos cryptobyte.String
	if !signed.ReadASN1Integer(&version) || !signed.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!signed.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return sd, nil, errMalformed
	}
	var certsRaw cryptobyte.String
	var hasCerts bool
	if !signed.ReadOptionalASN1(&certsRaw, &hasCerts, tagContext0) {
		return sd, nil, errMalformed
	}
	for hasCerts && !certsRaw.Empty() {
		var c cryptobyte.String
		if !certsRaw.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return sd, nil, errMalformed
		}
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return sd, nil, errMalformed
		}
		sd.certs = append(sd.certs, cert)
	}
	// CRLs ([1]) are not used by the platform; skip them if present.
	var crls cryptobyte.String
	if !signed.ReadOptionalASN1(&crls, nil, cbasn1.Tag(1).ContextSpecific().Constructed()) ||
		!signed.ReadASN1(&signerInfos, cbasn1.SET) {
		return sd, nil, errMalformed
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) || !signerInfos.Empty() {
		return sd, nil, errMalformed // exactly one signer
	}
	var sid, issuer cryptobyte.String
	sd.serial = new(big.Int)
	if !si.ReadASN1Integer(&version) || !si.ReadASN1(&sid, cbasn1.SEQUENCE) ||
		!sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !sid.ReadASN1Integer(sd.serial) {
		return sd, nil, errMalformed
	}
	sd.issuer = []byte(issuer)
	var dalg cryptobyte.String
	if !si.ReadASN1(&dalg, cbasn1.SEQUENCE) || !dalg.ReadASN1ObjectIdentifier(&sd.digestAlg) {
		return sd, nil, errMalformed
	}
	var attrs cryptobyte.String
	if !si.ReadASN1(&attrs, tagContext0) {
		return sd, nil, errMalformed // a PAdES signature always has signed attributes
	}
	sd.attrs = []byte(attrs)
	var salg cryptobyte.String
	if !si.ReadASN1(&salg, cbasn1.SEQUENCE) || !salg.ReadASN1ObjectIdentifier(&sd.sigAlg) {
		return sd, nil, errMalformed
	}
	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return sd, nil, errMalformed
	}
	sd.signature = []byte(sig)
	for !attrs.Empty() {
		var a, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) || !a.ReadASN1(&values, cbasn1.SET) {
			return sd, nil, errMalformed
		}
		switch {
		case oid.Equal(oidAttrContentType):
			if !values.ReadASN1ObjectIdentifier(&sd.contentType) {
				return sd, nil, errMalformed
			}
		case oid.Equal(oidAttrMessageDigest):
			var d cryptobyte.String
			if !values.ReadASN1(&d, cbasn1.OCTET_STRING) {
				return sd, nil, errMalformed
			}
			sd.messageDigest = []byte(d)
		case oid.Equal(oidAttrSigningCertV2):
			var scv2, ids, id, h cryptobyte.String
			if values.ReadASN1(&scv2, cbasn1.SEQUENCE) && scv2.ReadASN1(&ids, cbasn1.SEQUENCE) &&
				ids.ReadASN1(&id, cbasn1.SEQUENCE) {
				// An explicit hashAlgorithm other than SHA-256 is not one of ours.
				if id.PeekASN1Tag(cbasn1.SEQUENCE) {
					var alg cryptobyte.String
					var aoid asn1.ObjectIdentifier
					if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&aoid) || !aoid.Equal(oidSHA256) {
						return sd, nil, errMalformed
					}
				}
				if id.ReadASN1(&h, cbasn1.OCTET_STRING) {
					sd.certHash = []byte(h)
				}
			}
		}
	}
	if sd.messageDigest == nil || sd.contentType == nil {
		return sd, nil, errMalformed
	}
	return sd, rest, nil
}

// hashFor returns the hash of a digest algorithm OID.
func hashFor(oid asn1.ObjectIdentifier) (func() hash.Hash, crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return sha256.New, crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return sha512.New384, crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return sha512.New, crypto.SHA512, true
	}
	return nil, 0, false
}

// signatureAlgorithm maps the signer info's algorithms to x509's.
func signatureAlgorithm(sigAlg asn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, bool) {
	switch {
	case sigAlg.Equal(oidECDSAWithSHA256):
		return x509.ECDSAWithSHA256, true
	case sigAlg.Equal(oidECDSAWithSHA384):
		return x509.ECDSAWithSHA384, true
	case sigAlg.Equal(oidECDSAWithSHA512):
		return x509.ECDSAWithSHA512, true
	case sigAlg.Equal(oidSHA256WithRSA):
		return x509.SHA256WithRSA, true
	case sigAlg.Equal(oidSHA384WithRSA):
		return x509.SHA384WithRSA, true
	case sigAlg.Equal(oidSHA512WithRSA):
		return x509.SHA512WithRSA, true
	case sigAlg.Equal(oidRSAEncryption):
		switch h {
		case crypto.SHA256:
			return x509.SHA256WithRSA, true
		case crypto.SHA384:
			return x509.SHA384WithRSA, true
		case crypto.SHA512:
			return x509.SHA512WithRSA, true
		}
	}
	return 0, false
}

// signer returns the certificate of sd's signer, or nil.
func (sd signedData) signer() *x509.Certificate {
	for _, c := range sd.certs {
		if bytes.Equal(c.RawIssuer, sd.issuer) && c.SerialNumber.Cmp(sd.serial) == 0 {
			return c
		}
	}
	return nil
}

// checkContent reports whether the signed attributes bind content: the
// message digest matches and the content type is id-data.
func (sd signedData) checkContent(content []byte) bool {
	newHash, _, ok := hashFor(sd.digestAlg)
	if !ok || !sd.contentType.Equal(oidData) {
		return false
	}
	h := newHash()
	h.Write(content)
	return bytes.Equal(h.Sum(nil), sd.messageDigest)
}

// checkSignature verifies the signature over the signed attributes with
// leaf's public key, and the signing-certificate-v2 binding when present.
func (sd signedData) checkSignature(leaf *x509.Certificate) bool {
	_, h, ok := hashFor(sd.digestAlg)
	if !ok {
		return false
	}
	alg, ok := signatureAlgorithm(sd.sigAlg, h)
	if !ok {
		return false
	}
	if sd.certHash != nil {
		sum := sha256.Sum256(leaf.Raw)
		if !bytes.Equal(sum[:], sd.certHash) {
			return false
		}
	}
	return leaf.CheckSignature(alg, derSet(sd.attrs), sd.signature) == nil
}
