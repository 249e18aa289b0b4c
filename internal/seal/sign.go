package seal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Reason is the signature's stated reason: the court's electronic seal.
const Reason = "电子印章"

// Placement is where the visible seal is printed, so that the signature
// field lies over it: a 1-based page number and a rectangle in PDF points
// (1/72 inch) in the page's user space, origin at the bottom left. The
// signature draws nothing itself (its appearance is transparent): the
// renderer has printed the seal image.
type Placement struct {
	Page int     `json:"page"`
	X1   float64 `json:"x1"` // lower left
	Y1   float64 `json:"y1"`
	X2   float64 `json:"x2"` // upper right
	Y2   float64 `json:"y2"`
}

func (p Placement) valid() bool {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 && v < 14400 }
	return p.Page >= 1 && ok(p.X1) && ok(p.Y1) && ok(p.X2) && ok(p.Y2) && p.X2-p.X1 >= 1 && p.Y2-p.Y1 >= 1
}

// SignOptions are the optional parts of a signature.
type SignOptions struct {
	// Placement puts the signature field over the printed seal; nil makes
	// an invisible signature.
	Placement *Placement
	// Location is the signature's stated place (default: the court's name).
	Location string
}

// Signed is a sealed PDF.
type Signed struct {
	PDF         []byte
	Certificate Certificate // the seal that signed it
	SignedAt    time.Time   // the claimed signing time (/M), whole seconds, UTC
}

// Sign seals pdfBytes with the court's active seal: a PAdES baseline
// signature (SubFilter ETSI.CAdES.detached, ETSI EN 319 142-1) added as an
// incremental update, signer name the court's name, reason 电子印章,
// signing time now from the injected clock, covering the whole file. The
// court's first seal is created on first use and renewed when it nears
// expiry. Errors: invalid (field "pdf", codes "not_pdf", "unreadable";
// field "placement" "invalid") for input that is not a PDF the signer can
// update, not_found for an unknown court, unavailable when the seal's key
// file is missing.
func (s *Service) Sign(ctx context.Context, courtID string, pdfBytes []byte, o SignOptions) (Signed, error) {
	if !LooksLikePDF(pdfBytes) {
		return Signed{}, errs.Fields(errs.FieldError{Field: "pdf", Code: "not_pdf", Key: "seal.error.not_pdf"})
	}
	if o.Placement != nil && !o.Placement.valid() {
		return Signed{}, errs.Fields(errs.FieldError{Field: "placement", Code: "invalid", Key: "seal.error.placement"})
	}
	rec, kp, err := s.signingKey(ctx, courtID)
	if err != nil {
		return Signed{}, err
	}
	now := s.clock.Now().UTC().Truncate(time.Second)
	loc := o.Location
	if loc == "" {
		loc = rec.Name
	}
	out, err := signPDF(pdfBytes, kp, []*x509.Certificate{s.root.cert}, rec.Name, loc, now, o.Placement)
	if err != nil {
		return Signed{}, err
	}
	return Signed{PDF: out, Certificate: rec, SignedAt: now}, nil
}

// signPDF adds a PAdES signature by kp to in. digitorus/pdfsign writes the
// incremental update (signature dictionary, widget, catalog, xref) but
// knows only the SubFilter adbe.pkcs7.detached and writes non-ASCII text
// strings without escaping the bytes of their UTF-16 form ("山" is 0x5C71, a
// backslash), so it is given same-length ASCII placeholders and a signer
// that makes a throw-away signature; the placeholders are then replaced
// byte for byte (SubFilter ETSI.CAdES.detached has the same length as
// adbe.pkcs7.detached; names become <FEFF…> hex strings), and the CMS
// signature is computed here over the final bytes (buildCMS).
func signPDF(in []byte, kp keyPair, chain []*x509.Certificate, name, location string, at time.Time, place *Placement) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil { // the PDF reader panics on some malformed files
			out, err = nil, unreadable(fmt.Errorf("seal: pdf reader: %v", r))
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, unreadable(err)
	}
	texts := []string{name, location, Reason}
	holders := make([]string, len(texts))
	for i, t := range texts {
		if holders[i], err = placeholder(len(hexText(t)) - 2); err != nil {
			return nil, err
		}
	}
	sd := sign.SignData{
		Signature: sign.SignDataSignature{
			CertType: sign.ApprovalSignature,
			Info:     sign.SignDataSignatureInfo{Name: holders[0], Location: holders[1], Reason: holders[2], Date: at.In(clock.China)},
		},
		Signer:            throwaway{kp.key.Public()},
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       kp.cert,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{kp.cert}, chain...)},
	}
	if place != nil {
		sd.Appearance = sign.Appearance{Visible: true, Page: uint32(place.Page),
			LowerLeftX: place.X1, LowerLeftY: place.Y1, UpperRightX: place.X2, UpperRightY: place.Y2, Image: transparentPNG}
	}
	var buf bytes.Buffer
	if err := sign.Sign(bytes.NewReader(in), &buf, rdr, int64(len(in)), sd); err != nil {
		return nil, unreadable(err)
	}
	out = buf.Bytes()
	for i, t := range texts {
		if err := replaceOnce(out, "("+holders[i]+")", hexText(t)); err != nil {
			return nil, err
		}
	}
	if err := replaceOnce(out, "/SubFilter /adbe.pkcs7.detached", "/SubFilter /ETSI.CAdES.detached"); err != nil {
		return nil, err
	}
	var field *sigField
	for _, f := range findSignatures(out) {
		if f.coversAll(len(out)) {
			field = &f
		}
	}
	if field == nil {
		return nil, errors.New("seal: signed output has no signature over the whole file")
	}
	cms, err := buildCMS(field.signedBytes(out), kp.cert, chain, kp.key)
	if err != nil {
		return nil, err
	}
	hole := out[field.byteRange[1]+1 : field.byteRange[2]-1]
	enc := hex.EncodeToString(cms)
	if len(enc) > len(hole) {
		return nil, fmt.Errorf("seal: signature of %d bytes does not fit its %d-byte placeholder", len(cms), len(hole)/2)
	}
	copy(hole, enc)
	for i := len(enc); i < len(hole); i++ {
		hole[i] = '0'
	}
	return out, nil
}

func unreadable(cause error) error {
	e := errs.Fields(errs.FieldError{Field: "pdf", Code: "unreadable", Key: "seal.error.unreadable"})
	e.Cause = cause
	return e
}

// hexText encodes s as a PDF text string in UTF-16BE with a byte-order
// mark, written as a hex string: <FEFF…>.
func hexText(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// placeholder returns n random letters and digits, unique in the signed
// output in practice (replaceOnce checks it).
func placeholder(n int) (string, error) {
	if n < 4 {
		return "", errors.New("seal: text too short for a placeholder")
	}
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// replaceOnce overwrites the only occurrence of old in b with repl, which
// must have the same length.
func replaceOnce(b []byte, old, repl string) error {
	if len(old) != len(repl) {
		return fmt.Errorf("seal: replacement of %q changes the length", old)
	}
	i := bytes.Index(b, []byte(old))
	if i < 0 || bytes.Contains(b[i+len(old):], []byte(old)) {
		return fmt.Errorf("seal: %q not found exactly once in the signed output", old)
	}
	copy(b[i:], repl)
	return nil
}

// throwaway is the signer given to pdfsign: its signature is replaced by
// buildCMS, so it only needs the right public key and a plausible size.
type throwaway struct{ pub crypto.PublicKey }

func (t throwaway) Public() crypto.PublicKey { return t.pub }

func (t throwaway) Sign(_ io.Reader, _ []byte, _ crypto.SignerOpts) ([]byte, error) {
	if _, ok := t.pub.(*ecdsa.PublicKey); ok {
		return make([]byte, 72), nil
	}
	return make([]byte, 256), nil
}

// transparentPNG is the appearance image of a visible signature field: one
// fully transparent pixel, so the field shows the seal printed beneath.
var transparentPNG = func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.NRGBA{})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()
