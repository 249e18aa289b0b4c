package seal

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// oidEKUDocumentSigning is id-kp-documentSigning (RFC 9336).
var oidEKUDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// backdate is how far before "now" a new certificate's validity starts, so
// that a verifier whose clock is a little behind still accepts it.
const backdate = 5 * time.Minute

// newSerial returns a random positive 128-bit serial number (RFC 5280
// §4.1.2.2 allows up to 20 octets; random serials make them unguessable).
func newSerial() (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // a fixed length of 32 hex digits
	return new(big.Int).SetBytes(b), nil
}

// serialHex formats a serial number as the database and the file names
// keep it: uppercase hex.
func serialHex(n *big.Int) string { return strings.ToUpper(n.Text(16)) }

// Fingerprint returns the SHA-256 of a certificate's DER, lowercase hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// newRoot creates the self-signed platform root: a CA that may sign only
// end-entity certificates (path length 0).
func newRoot(alg Algorithm, name string, now time.Time, validity time.Duration) (keyPair, error) {
	key, err := alg.generate()
	if err != nil {
		return keyPair{}, err
	}
	serial, err := newSerial()
	if err != nil {
		return keyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Country: []string{"CN"}, Organization: []string{name}, CommonName: name},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	return issue(tmpl, tmpl, key, key)
}

// newCourtCert creates a seal certificate for a court, issued by root. The
// subject carries the court's name (CN and O) and its court code (法院代字,
// in the serialNumber attribute); key usage is digital signature and
// non-repudiation, extended key usage document signing (RFC 9336) and
// e-mail protection, which NSS (pdfsig, Firefox) requires of document
// signers.
func newCourtCert(alg Algorithm, root keyPair, courtName, courtCode string, now time.Time, validity time.Duration) (keyPair, error) {
	key, err := alg.generate()
	if err != nil {
		return keyPair{}, err
	}
	serial, err := newSerial()
	if err != nil {
		return keyPair{}, err
	}
	notAfter := now.Add(validity)
	if notAfter.After(root.cert.NotAfter) {
		notAfter = root.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{Country: []string{"CN"}, Organization: []string{courtName},
			OrganizationalUnit: []string{"电子印章"}, CommonName: courtName, SerialNumber: courtCode},
		NotBefore:             now.Add(-backdate),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{oidEKUDocumentSigning},
		BasicConstraintsValid: true,
	}
	return issue(tmpl, root.cert, key, root.key)
}

func issue(tmpl, parent *x509.Certificate, key, parentKey crypto.Signer) (keyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return keyPair{}, fmt.Errorf("seal: create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, fmt.Errorf("seal: parse certificate: %w", err)
	}
	return keyPair{key: key, cert: cert}, nil
}

func algorithmOf(c *x509.Certificate) Algorithm {
	switch c.PublicKeyAlgorithm {
	case x509.ECDSA:
		return ECDSAP256
	case x509.RSA:
		return RSA2048
	}
	return Algorithm(strings.ToLower(c.PublicKeyAlgorithm.String()))
}
