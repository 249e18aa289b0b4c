package document

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/seal"
)

// Status is the verdict of a public verification.
type Status string

// The verdicts.
const (
	// StatusValid: the document was issued by this platform and its seal
	// verifies (for an upload: the file is byte for byte the one issued).
	StatusValid Status = "valid"
	// StatusInvalid: the file carries this platform's seal but was changed
	// after sealing, or is not a document on record.
	StatusInvalid Status = "invalid"
	// StatusNotIssued: the file carries no seal of this platform.
	StatusNotIssued Status = "not_issued"
)

// Verification is what anyone may learn about a document without signing
// in: nothing beyond what the document itself shows, and less (no title, no
// parties, the case number's sequence masked).
type Verification struct {
	Status    Status          `json:"status"`
	Document  *PublicDocument `json:"document,omitempty"`
	Signature SignatureCheck  `json:"signature"`
	Upload    *UploadCheck    `json:"upload,omitempty"`
	Ledger    *LedgerCheck    `json:"ledger,omitempty"`
}

// PublicDocument is the public part of an issued document's record.
type PublicDocument struct {
	CourtName   string `json:"court_name"`
	CourtNameEN string `json:"court_name_en"`
	CourtCode   string `json:"court_code"`
	Kind        string `json:"kind"`
	// CaseNumber is the case number with its sequence masked:
	// （2026）浙0225民初***号; "" for a document outside any case.
	CaseNumber string    `json:"case_number"`
	IssuedAt   time.Time `json:"issued_at"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Pages      int       `json:"pages"`
}

// SignatureCheck is the outcome of the seal check (seal.Verify).
type SignatureCheck struct {
	Valid   bool         `json:"valid"`
	Problem seal.Problem `json:"problem,omitempty"`
	// SealedBy is the court named in the seal certificate, when the
	// certificate is this platform's.
	SealedBy   string     `json:"sealed_by,omitempty"`
	SealSerial string     `json:"seal_serial,omitempty"`
	SignedAt   *time.Time `json:"signed_at,omitempty"`
}

// UploadCheck describes an uploaded file.
type UploadCheck struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Matches: the file is byte for byte an issued document.
	Matches bool `json:"matches"`
}

// The ledger states.
const (
	LedgerIncluded    = "included"
	LedgerPending     = "pending"
	LedgerUnavailable = "unavailable"
)

// LedgerCheck is the document's inclusion in the ledger: "included" (with
// the leaf, the tree size and the proof's address), "pending" (not yet
// appended) or "unavailable" (no ledger, or it did not answer).
type LedgerCheck struct {
	State     string `json:"state"`
	LeafIndex int64  `json:"leaf_index,omitempty"`
	TreeSize  int64  `json:"tree_size,omitempty"`
	ProofURL  string `json:"proof_url,omitempty"`
}

// VerifyCode verifies the document with the given verification code (as
// typed: see ParseCode): its record, its seal (checked on the stored file)
// and its ledger inclusion. No login is needed. Errors: invalid "code"
// ("format", "checksum"); not_found "document.error.code_unknown".
func (s *Service) VerifyCode(ctx context.Context, typed string) (Verification, error) {
	code, err := ParseCode(typed)
	if err != nil {
		return Verification{}, err
	}
	d, err := docByCode(ctx, s.db, code)
	if errs.CodeOf(err) == errs.NotFound {
		return Verification{}, errs.New(errs.NotFound, "document.error.code_unknown")
	}
	if err != nil {
		return Verification{}, err
	}
	b, err := s.stored(ctx, d)
	if err != nil {
		return Verification{}, err
	}
	var sig seal.Verification
	if b != nil {
		if sig, err = s.seals.Verify(ctx, b); err != nil {
			return Verification{}, err
		}
	} else {
		sig.Problem = seal.ProblemModified // the stored copy no longer has its hash
	}
	v := Verification{Status: StatusInvalid, Signature: signatureCheck(sig)}
	if sig.Valid {
		v.Status = StatusValid
	}
	if v.Document, err = s.public(ctx, d); err != nil {
		return Verification{}, err
	}
	v.Ledger = s.ledgerCheck(ctx, d.SHA256)
	return v, nil
}

// VerifyUpload verifies an uploaded file: whether it is byte for byte a
// document this platform issued, whether its seal verifies, and the
// ledger inclusion of the issued document. No login is needed. Errors:
// invalid "file" ("not_pdf", "too_large").
func (s *Service) VerifyUpload(ctx context.Context, file []byte) (Verification, error) {
	if int64(len(file)) > s.maxUpload {
		return Verification{}, fileError("too_large", s.maxUpload>>20)
	}
	if !seal.LooksLikePDF(file) {
		return Verification{}, fileError("not_pdf")
	}
	sum := sha256.Sum256(file)
	up := &UploadCheck{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(file))}
	sig, err := s.seals.Verify(ctx, file)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{Status: StatusNotIssued, Signature: signatureCheck(sig), Upload: up}
	d, err := docBySHA256(ctx, s.db, up.SHA256)
	switch {
	case err == nil:
		up.Matches = true
		if v.Document, err = s.public(ctx, d); err != nil {
			return Verification{}, err
		}
		v.Ledger = s.ledgerCheck(ctx, d.SHA256)
		v.Status = StatusInvalid
		if sig.Valid {
			v.Status = StatusValid
		}
	case errs.CodeOf(err) != errs.NotFound:
		return Verification{}, err
	case sig.Trusted:
		v.Status = StatusInvalid // our seal, but not a file we issued
	}
	return v, nil
}

func fileError(code string, args ...any) error {
	return errs.Fields(errs.FieldError{Field: "file", Code: code, Key: "document.field.file_" + code, Args: args})
}

// stored reads a document's file and returns it when its hash is still
// the recorded one, nil otherwise.
func (s *Service) stored(ctx context.Context, d Document) ([]byte, error) {
	rc, err := s.blobs.Open(ctx, d.blobKey)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(rc, MaxIssue+1)); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	if hex.EncodeToString(sum[:]) != d.SHA256 {
		return nil, nil
	}
	return buf.Bytes(), nil
}

func signatureCheck(v seal.Verification) SignatureCheck {
	c := SignatureCheck{Valid: v.Valid, Problem: v.Problem}
	if v.Trusted {
		c.SealedBy, c.SealSerial = v.CourtName, v.Serial
		if !v.SignedAt.IsZero() {
			t := v.SignedAt
			c.SignedAt = &t
		}
	}
	return c
}

// public makes the public record of d.
func (s *Service) public(ctx context.Context, d Document) (*PublicDocument, error) {
	ct, err := s.courts.Find(ctx, d.CourtID)
	if err != nil {
		return nil, err
	}
	return &PublicDocument{CourtName: ct.NameZH, CourtNameEN: ct.NameEN, CourtCode: ct.Code, Kind: d.Kind,
		CaseNumber: MaskCaseNumber(d.CaseNumber), IssuedAt: d.IssuedAt, SHA256: d.SHA256, Size: d.Size, Pages: d.Pages}, nil
}

// MaskCaseNumber hides the sequence (案件编号) of a case number and keeps
// the year, the court code, the special-trial and type codes (案号规定
// Art. 2–3, 法〔2015〕137号 as amended): （2026）浙0225民初123号 becomes
// （2026）浙0225民初***号. The rules in force do not make a case number
// secret (审判流程公开规定 Art. 7 discloses it to the parties, and the
// document shows it), but with its sequence anyone who learns a code could
// look the case up elsewhere; the court, year and type are enough to tell a
// genuine document. A number that does not parse is masked whole.
func MaskCaseNumber(number string) string {
	if number == "" {
		return ""
	}
	n, err := casefile.ParseNumber(number)
	if err != nil {
		return strings.Repeat("*", 6)
	}
	var b strings.Builder
	b.WriteString("（")
	b.WriteString(strconv.Itoa(n.Year))
	b.WriteString("）")
	b.WriteString(n.CourtCode)
	b.WriteString(n.SpecCode)
	b.WriteString(n.TypeCode)
	b.WriteString("***号")
	return b.String()
}

func (s *Service) ledgerCheck(ctx context.Context, sum string) *LedgerCheck {
	if s.ledger == nil {
		return &LedgerCheck{State: LedgerUnavailable}
	}
	raw, err := hex.DecodeString(sum)
	if err != nil {
		return &LedgerCheck{State: LedgerUnavailable}
	}
	st, err := s.ledger.Inclusion(ctx, raw)
	switch {
	case errs.CodeOf(err) == errs.NotFound, err == nil && !st.Included:
		// Issued documents are always logged (EventIssued); one the
		// ledger has not seen yet is on its way.
		return &LedgerCheck{State: LedgerPending}
	case err != nil:
		return &LedgerCheck{State: LedgerUnavailable}
	}
	return &LedgerCheck{State: LedgerIncluded, LeafIndex: st.LeafIndex, TreeSize: st.TreeSize, ProofURL: st.ProofURL}
}
