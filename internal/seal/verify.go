package seal

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Problem says why a PDF's seal is not valid. The values are also message
// keys: "seal.problem.<code>".
type Problem string

// The problems, from the most to the least fundamental.
const (
	// ProblemNone: the seal is valid.
	ProblemNone Problem = ""
	// ProblemNotPDF: the file is not a PDF.
	ProblemNotPDF Problem = "not_pdf"
	// ProblemUnsigned: the PDF carries no signature.
	ProblemUnsigned Problem = "unsigned"
	// ProblemMalformed: a signature is there but cannot be read.
	ProblemMalformed Problem = "malformed"
	// ProblemModified: the file was changed after it was sealed (a byte of
	// the signed content differs, or something was added or removed).
	ProblemModified Problem = "modified"
	// ProblemBadSignature: the signature value does not verify with the
	// signer's certificate.
	ProblemBadSignature Problem = "bad_signature"
	// ProblemUntrusted: the signer's certificate does not chain to this
	// platform's root, or was not valid at the signing time.
	ProblemUntrusted Problem = "untrusted"
	// ProblemRetired: the signing time is after the seal was retired.
	ProblemRetired Problem = "retired"
)

// Verification is the outcome of checking a PDF's seal.
type Verification struct {
	// Valid: the PDF is sealed by one of this platform's court seals, the
	// signature is intact and covers the whole file, and the seal was in
	// force at the signing time.
	Valid   bool    `json:"valid"`
	Problem Problem `json:"problem,omitempty"`
	// Signed: the file carries a readable signature.
	Signed bool `json:"signed"`
	// Intact: the signature verifies and covers every byte of the file
	// except its own value, so nothing was changed after signing.
	Intact bool `json:"intact"`
	// Trusted: the signer's certificate chains to this platform's root and
	// was valid at the signing time.
	Trusted bool `json:"trusted"`
	// The seal, when Trusted: its court and certificate. CourtID is ""
	// when the certificate chains to the root but is not in the database.
	CourtID     string    `json:"court_id,omitempty"`
	CourtCode   string    `json:"court_code,omitempty"`
	CourtName   string    `json:"court_name,omitempty"`
	Serial      string    `json:"serial,omitempty"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	SealStatus  Status    `json:"seal_status,omitempty"`
	SignedAt    time.Time `json:"signed_at,omitzero"` // the claimed time (/M)
	SubFilter   string    `json:"sub_filter,omitempty"`
	// Signatures is how many signatures the file holds.
	Signatures int `json:"signatures"`
}

// Verify checks the seal of a PDF: the signature covering the whole file
// (or, when none does, the last one) must be a CMS signature whose digest
// matches the signed bytes, whose value verifies with the signer's
// certificate, and whose certificate chains to this platform's root and
// was valid at the claimed signing time; a court seal must not have been
// retired before that time. Garbage input gives a Verification with its
// Problem, never an error or a panic; errors are only the database's.
func (s *Service) Verify(ctx context.Context, pdfBytes []byte) (Verification, error) {
	v := verifyBytes(pdfBytes, s.roots, s.clock.Now())
	if !v.Trusted {
		return v, nil
	}
	rec, err := certByFingerprint(ctx, s.db, v.Fingerprint)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return v, nil // issued by our root but not recorded (a restored database)
	case err != nil:
		return Verification{}, err
	}
	v.CourtID, v.CourtCode, v.SealStatus = rec.CourtID, rec.CourtCode, rec.Status
	if rec.RetiredAt != nil && !v.SignedAt.IsZero() && v.SignedAt.After(*rec.RetiredAt) {
		v.Valid, v.Problem = false, ProblemRetired
	}
	return v, nil
}

// verifyBytes is Verify without the database: the cryptographic checks
// against the roots in pool. now is the validation time when the signature
// has no signing time.
func verifyBytes(b []byte, roots *x509.CertPool, now time.Time) (v Verification) {
	defer func() {
		if r := recover(); r != nil { // belt and braces: never let a file crash the server
			v = Verification{Problem: ProblemMalformed}
		}
	}()
	if !LooksLikePDF(b) {
		return Verification{Problem: ProblemNotPDF}
	}
	fields := findSignatures(b)
	v.Signatures = len(fields)
	if len(fields) == 0 {
		return Verification{Problem: ProblemUnsigned}
	}
	// The signature over the whole file is the document's seal; without
	// one, the last signature shows what was changed after it.
	f := fields[len(fields)-1]
	covers := false
	for _, c := range fields {
		if c.coversAll(len(b)) {
			f, covers = c, true
		}
	}
	v.SubFilter, v.SignedAt = f.subFilter, f.signedAt
	sd, rest, err := parseCMS(f.contents)
	if err != nil || !allZero(rest) {
		v.Problem = ProblemMalformed
		return v
	}
	v.Signed = true
	leaf := sd.signer()
	if leaf == nil {
		v.Problem = ProblemMalformed
		return v
	}
	v.CourtName, v.Fingerprint, v.Serial = leaf.Subject.CommonName, Fingerprint(leaf), serialHex(leaf.SerialNumber)
	if len(leaf.Subject.SerialNumber) > 0 {
		v.CourtCode = leaf.Subject.SerialNumber
	}
	at := f.signedAt
	if at.IsZero() {
		at = now
	}
	v.Trusted = trusted(leaf, sd.certs, roots, at)
	contentOK := covers && sd.checkContent(f.signedBytes(b))
	sigOK := sd.checkSignature(leaf)
	v.Intact = contentOK && sigOK
	switch {
	case !contentOK:
		v.Problem = ProblemModified
	case !sigOK:
		v.Problem = ProblemBadSignature
	case !v.Trusted:
		v.Problem = ProblemUntrusted
	default:
		v.Valid = true
	}
	if !v.Trusted {
		v.CourtCode, v.CourtName = "", "" // a foreign certificate's claims mean nothing
	}
	return v
}

// trusted reports whether leaf chains to one of roots at time at, with the
// other certificates of the signature as intermediates.
func trusted(leaf *x509.Certificate, certs []*x509.Certificate, roots *x509.CertPool, at time.Time) bool {
	inter := x509.NewCertPool()
	for _, c := range certs {
		if c != leaf {
			inter.AddCert(c)
		}
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err == nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// String describes the outcome for logs.
func (v Verification) String() string {
	if v.Valid {
		return fmt.Sprintf("valid seal of %s (%s) at %s", v.CourtName, v.Serial, v.SignedAt.Format(time.RFC3339))
	}
	return fmt.Sprintf("invalid: %s", v.Problem)
}
