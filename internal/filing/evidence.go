package filing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Evidence roles: what an uploaded file is.
const (
	RoleEvidence        = "evidence"          // an item of evidence, with its purpose of proof
	RolePowerOfAttorney = "power_of_attorney" // 授权委托书 of a lawyer or agent
	RoleConsent         = "consent"           // the signed consent of an assisted filing, scanned
)

// Roles lists the evidence roles.
var Roles = []string{RoleEvidence, RolePowerOfAttorney, RoleConsent}

// Evidence is one uploaded file, stored in the blob store by its SHA-256.
type Evidence struct {
	ID         string    `json:"id"`
	Position   int       `json:"position"`
	Role       string    `json:"role"`
	Name       string    `json:"name"`
	Purpose    string    `json:"purpose"`
	Source     string    `json:"source"`
	FileName   string    `json:"file_name"`
	Kind       string    `json:"kind"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Pages      int       `json:"pages"` // 0 when unknown (audio, video, PDFs whose pages are compressed)
	UploadedBy string    `json:"uploaded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// ContentType returns the media type the evidence is served with.
func (e Evidence) ContentType() string { return contentTypes[e.Kind] }

// Upload is a file to add to an application.
type Upload struct {
	Role     string
	Name     string // e.g. 借条
	Purpose  string // the purpose of proof (证明目的)
	Source   string // where it comes from (证据来源), optional
	FileName string // as sent; shown only, never trusted
	Body     io.Reader
}

// AddEvidence checks and stores a file of an application that the filer
// may still change (draft or correction requested). The file's kind is
// decided by its content (Sniff), its size checked against the kind's
// limit, a PDF checked for encryption and corruption (CheckPDF); each
// refusal is an errs.Invalid error on the field "file" whose message says
// plainly what is wrong and what to do. The file is hashed and stored in
// the blob store, and the evidence row, the timeline entry and the audit
// entry are written in one transaction.
func (s *Service) AddEvidence(ctx context.Context, appID string, up Upload) (Evidence, error) {
	a, err := s.loadForEdit(ctx, appID)
	if err != nil {
		return Evidence{}, err
	}
	var v errs.Collector
	checkUpload(&v, "", &up)
	if n := len(a.Evidence); n >= s.cfg.MaxItems {
		v.Add("file", "filing_evidence_too_many", s.cfg.MaxItems)
	}
	if up.Body == nil {
		v.Add("file", "required")
	}
	if err := v.Err(); err != nil {
		return Evidence{}, err
	}
	c, kind, size, pages, _, err := s.spool(up.Body)
	if err != nil {
		return Evidence{}, err
	}
	defer c.close()
	r, err := c.reader()
	if err != nil {
		return Evidence{}, err
	}
	ref, err := s.deps.Blobs.Put(ctx, r)
	if err != nil {
		return Evidence{}, err
	}
	e := newEvidence(ctx, up, kind, ref.SHA256, size, pages)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var pos int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM filing_evidence WHERE court_id = ? AND application_id = ?`,
			a.CourtID, a.ID).Scan(&pos); err != nil {
			return err
		}
		e.Position, e.CreatedAt = pos, tx.Now
		// Re-check the status inside the transaction: the application may
		// have been submitted since it was loaded.
		if err := checkEditable(ctx, tx, a); err != nil {
			return err
		}
		rec, err := s.insertEvidence(ctx, tx, a, e)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, rec)
	})
	if err != nil {
		return Evidence{}, err
	}
	return e, nil
}

// insertEvidence writes an evidence row of a, its timeline entry and its
// outbox event in tx, and returns the audit record the caller appends.
func (s *Service) insertEvidence(ctx context.Context, tx *sqldb.Tx, a *Application, e Evidence) (audit.Record, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO filing_evidence (court_id, id, application_id, position, role, name, purpose, source,
		file_name, kind, sha256, size, pages, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.CourtID, e.ID, a.ID, e.Position, e.Role, e.Name, e.Purpose, e.Source, e.FileName, e.Kind, e.SHA256, e.Size,
		e.Pages, e.UploadedBy, tx.Now); err != nil {
		return audit.Record{}, err
	}
	detail := map[string]any{"evidence_id": e.ID, "role": e.Role, "kind": e.Kind, "sha256": e.SHA256, "size": e.Size}
	if err := addEvent(ctx, tx, a, "evidence_added", detail); err != nil {
		return audit.Record{}, err
	}
	// The evidence ledger (Online Litigation Rules Art. 16–19) appends the
	// file's SHA-256 when it sees this event.
	if err := s.enqueue(ctx, tx, a, EventEvidenceAdded, map[string]any{"evidence_id": e.ID, "application_id": a.ID,
		"court_id": a.CourtID, "sha256": e.SHA256, "size": e.Size}); err != nil {
		return audit.Record{}, err
	}
	return audit.Record{Action: "filing.evidence.add", CourtID: a.CourtID, Target: a.ID, Detail: detail}, nil
}

// checkUpload checks the text fields of an upload (field names prefixed
// with pre) and trims them.
func checkUpload(v *errs.Collector, pre string, up *Upload) {
	if !slices.Contains(Roles, up.Role) {
		v.Add(pre+"role", "filing_evidence_role")
	}
	up.Name, up.Purpose, up.Source = strings.TrimSpace(up.Name), strings.TrimSpace(up.Purpose), strings.TrimSpace(up.Source)
	// 民诉法 Art. 124(四): an item of evidence states what it proves.
	required := up.Role == RoleEvidence
	checkText(v, pre+"name", up.Name, required, 100)
	checkText(v, pre+"purpose", up.Purpose, required, 500)
	checkText(v, pre+"source", up.Source, false, 200)
}

// newEvidence is the evidence row of a checked, stored upload.
func newEvidence(ctx context.Context, up Upload, kind, sha string, size int64, pages int) Evidence {
	if up.Name == "" {
		up.Name = defaultName(up.Role)
	}
	fileName := up.FileName
	if !utf8.ValidString(fileName) || utf8.RuneCountInString(fileName) > 200 {
		fileName = ""
	}
	return Evidence{ID: ids.New(), Role: up.Role, Name: up.Name, Purpose: up.Purpose, Source: up.Source, FileName: fileName,
		Kind: kind, SHA256: sha, Size: size, Pages: pages, UploadedBy: audit.ActorFrom(ctx).UserID}
}

func defaultName(role string) string {
	switch role {
	case RolePowerOfAttorney:
		return "授权委托书"
	case RoleConsent:
		return "代为网上立案同意书"
	}
	return ""
}

// spoolInMemory is the size up to which an upload is held in memory
// instead of a temporary file: most evidence sent from a phone (a photo, a
// short PDF) is smaller, and a temporary file costs several system calls
// per upload on the request path.
const spoolInMemory = 1 << 20

// spooled is an upload's content, in memory or in a temporary file.
type spooled struct {
	mem []byte
	f   *os.File
}

// reader returns the content from its start.
func (c *spooled) reader() (io.Reader, error) {
	if c.f == nil {
		return bytes.NewReader(c.mem), nil
	}
	if _, err := c.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return c.f, nil
}

func (c *spooled) readAt(p []byte, off int64) (int, error) {
	if c.f == nil {
		if off >= int64(len(c.mem)) {
			return 0, io.EOF
		}
		n := copy(p, c.mem[off:])
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	return c.f.ReadAt(p, off)
}

// close removes the temporary file, if any.
func (c *spooled) close() {
	if c != nil && c.f != nil {
		c.f.Close()
		os.Remove(c.f.Name())
		c.f = nil
	}
}

// spool reads body, no larger than the largest limit, into memory (up to
// spoolInMemory) or a temporary file, and checks it: kind by content, size
// by kind, PDF structure. sum is its SHA-256 (hex). The caller closes c.
func (s *Service) spool(body io.Reader) (c *spooled, kind string, size int64, pages int, sum string, err error) {
	var maxAll int64
	for _, n := range s.cfg.EvidenceLimits {
		maxAll = max(maxAll, n)
	}
	c = &spooled{}
	fail := func(err error) (*spooled, string, int64, int, string, error) {
		c.close()
		return nil, "", 0, 0, "", err
	}
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(body, maxAll+1), h)
	readErr := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fileError("filing_file_too_large", maxAll/(1<<20))
		}
		return errs.Wrap(errs.Invalid, "filing.error.upload", err)
	}
	// The buffer grows with the content: a small file costs a small one.
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, src, spoolInMemory+1)
	switch {
	case err == io.EOF:
		c.mem, size = buf.Bytes(), n
	case err != nil:
		return fail(readErr(err))
	default: // larger: to a temporary file
		if c.f, err = os.CreateTemp(s.deps.TempDir, "filing-upload-*"); err != nil {
			return fail(err)
		}
		if _, err := c.f.Write(buf.Bytes()); err != nil {
			return fail(err)
		}
		rest, err := io.Copy(c.f, src)
		if err != nil {
			return fail(readErr(err))
		}
		size = n + rest
	}
	if size == 0 {
		return fail(fileError("filing_file_empty"))
	}
	head := make([]byte, SniffLen)
	hn, _ := c.readAt(head, 0)
	kind = Sniff(head[:hn])
	if kind == "" {
		return fail(fileError("filing_file_type"))
	}
	if limit := s.cfg.EvidenceLimits[kind]; size > limit {
		return fail(fileError("filing_file_too_large", limit/(1<<20)))
	}
	switch kind {
	case KindJPEG, KindPNG:
		pages = 1
	case KindPDF:
		data := c.mem
		if c.f != nil {
			data = make([]byte, size)
			if _, err := c.f.ReadAt(data, 0); err != nil && err != io.EOF {
				return fail(err)
			}
		}
		switch CheckPDF(data) {
		case PDFEncrypted:
			return fail(fileError("filing_pdf_encrypted"))
		case PDFTruncated:
			return fail(fileError("filing_pdf_truncated"))
		case PDFCorrupt:
			return fail(fileError("filing_pdf_corrupt"))
		}
		pages = CountPDFPages(data)
	}
	return c, kind, size, pages, hex.EncodeToString(h.Sum(nil)), nil
}

func fileError(code string, args ...any) error {
	return errs.Fields(errs.Field("file", code, args...))
}

// DeleteEvidence removes a file from an application the filer may still
// change. The blob stays in the store (it is content-addressed and may be
// shared).
func (s *Service) DeleteEvidence(ctx context.Context, appID, evidenceID string) error {
	a, err := s.loadForEdit(ctx, appID)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := checkEditable(ctx, tx, a); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM filing_evidence WHERE court_id = ? AND application_id = ? AND id = ?`, a.CourtID, a.ID, evidenceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "filing.error.evidence_not_found")
		}
		detail := map[string]any{"evidence_id": evidenceID}
		if err := addEvent(ctx, tx, a, "evidence_removed", detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "filing.evidence.remove", CourtID: a.CourtID, Target: a.ID, Detail: detail})
	})
}

// OpenEvidence returns a file of an application and its content, which
// the caller must close. Only the filer, their client (by linked account),
// the clerk of an assisted filing and the court's filing staff may fetch
// it; every fetch is audited ("filing.evidence.read"), and so is every
// refusal ("filing.evidence.denied").
func (s *Service) OpenEvidence(ctx context.Context, appID, evidenceID string) (Evidence, io.ReadCloser, error) {
	var e Evidence
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a, err := s.authorize(ctx, tx, appID, needRead)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(a.Evidence, func(x Evidence) bool { return x.ID == evidenceID })
		if i < 0 {
			return errs.New(errs.NotFound, "filing.error.evidence_not_found")
		}
		e = a.Evidence[i]
		return audit.Append(ctx, tx, audit.Record{Action: "filing.evidence.read", CourtID: a.CourtID, CaseID: a.CaseID, Target: a.ID,
			Detail: map[string]any{"evidence_id": e.ID, "sha256": e.SHA256}})
	})
	if err != nil {
		s.auditDenied(ctx, appID, "filing.evidence.denied", err)
		return Evidence{}, nil, err
	}
	rc, err := s.deps.Blobs.Open(ctx, e.SHA256)
	if err != nil {
		return Evidence{}, nil, err
	}
	return e, rc, nil
}

// checkText records required and too_long problems of a text field.
func checkText(v *errs.Collector, field, s string, required bool, maxLen int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "required")
	case utf8.RuneCountInString(s) > maxLen:
		v.Add(field, "too_long", maxLen)
	}
}
