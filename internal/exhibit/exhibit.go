package exhibit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Upload is a new file submitted as an exhibit.
type Upload struct {
	PartyID  string // the submitting party; may be empty when the caller acts for one party only
	Name     string // e.g. 借条
	Purpose  string // the purpose of proof (证明目的)
	Source   string // where it comes from (证据来源), optional
	FileName string // as sent; shown only, never trusted
	Body     io.Reader
}

// Reference submits an item of the case's filed evidence as an exhibit.
// Name, Purpose and Source default to the filed item's.
type Reference struct {
	PartyID          string `json:"party_id,omitempty"`
	FilingEvidenceID string `json:"filing_evidence_id"`
	Name             string `json:"name,omitempty"`
	Purpose          string `json:"purpose,omitempty"`
	Source           string `json:"source,omitempty"`
}

// Submit checks and stores an uploaded exhibit of a party: the caller is
// the party, its representative, or staff of the case (the judge, assistant
// or clerk digitising paper evidence: Online Litigation Rules Art. 11 para
// 3). The file's kind is decided by its content (filing.Sniff: PDF,
// JPEG/PNG, MP3/WAV/MP4), never by its name; its size is checked against
// the kind's limit and a PDF for encryption and corruption
// (filing.CheckPDF). Refusals are errs.Invalid on the field "file" (or the
// text field) and change nothing. The exhibit is numbered next for its
// party (原告证据1, 2 …) and its SHA-256 is announced with
// EventSubmitted for the evidence ledger.
func (s *Service) Submit(ctx context.Context, caseID string, up Upload) (Exhibit, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Exhibit{}, err
	}
	pt, err := st.party(up.PartyID)
	if err != nil {
		return Exhibit{}, err
	}
	var v errs.Collector
	up.Name, up.Purpose, up.Source = strings.TrimSpace(up.Name), strings.TrimSpace(up.Purpose), strings.TrimSpace(up.Source)
	checkText(&v, "name", up.Name, true, 100)
	checkText(&v, "purpose", up.Purpose, true, 500)
	checkText(&v, "source", up.Source, false, 200)
	if up.Body == nil {
		v.Add("file", "required")
	}
	if err := v.Err(); err != nil {
		return Exhibit{}, err
	}
	f, kind, size, err := s.spool(up.Body, nil)
	if err != nil {
		return Exhibit{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ref, err := s.deps.Blobs.Put(ctx, f)
	if err != nil {
		return Exhibit{}, err
	}
	fileName := up.FileName
	if !utf8.ValidString(fileName) || utf8.RuneCountInString(fileName) > 200 {
		fileName = ""
	}
	e := Exhibit{Name: up.Name, Purpose: up.Purpose, Source: up.Source, Origin: OriginUpload, FileName: fileName,
		Kind: kind, SHA256: ref.SHA256, Size: size}
	return s.insert(ctx, st, pt, e)
}

// SubmitFiled submits an item of the evidence filed with the case (the
// complaint's evidence, through Filings) as an exhibit of a party, without
// uploading it again. The item must be one Filings returns for the case
// and not already an exhibit; errors: field "filing_evidence_id" with
// "exhibit_filed_unknown" or "exhibit_filed_twice"; errs.Unavailable
// without Filings.
func (s *Service) SubmitFiled(ctx context.Context, caseID string, ref Reference) (Exhibit, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Exhibit{}, err
	}
	pt, err := st.party(ref.PartyID)
	if err != nil {
		return Exhibit{}, err
	}
	if s.deps.Filings == nil {
		return Exhibit{}, errs.New(errs.Unavailable, "exhibit.error.no_filings")
	}
	items, err := s.deps.Filings.FiledEvidence(ctx, st.c.ID)
	if err != nil {
		return Exhibit{}, err
	}
	var item *FiledItem
	for i := range items {
		if items[i].ID == ref.FilingEvidenceID && ref.FilingEvidenceID != "" {
			item = &items[i]
		}
	}
	if item == nil || !validKind(item.Kind) {
		return Exhibit{}, errs.Fields(errs.Field("filing_evidence_id", "exhibit_filed_unknown"))
	}
	// The blob must really be there: the exhibit is served from it.
	br, err := s.deps.Blobs.Stat(ctx, item.SHA256)
	if err != nil {
		return Exhibit{}, err
	}
	e := Exhibit{Name: firstNonEmpty(ref.Name, item.Name), Purpose: firstNonEmpty(ref.Purpose, item.Purpose),
		Source: firstNonEmpty(ref.Source, item.Source), Origin: OriginFiling, FilingEvidenceID: item.ID,
		FileName: item.FileName, Kind: item.Kind, SHA256: item.SHA256, Size: br.Size}
	var v errs.Collector
	e.Name, e.Purpose, e.Source = strings.TrimSpace(e.Name), strings.TrimSpace(e.Purpose), strings.TrimSpace(e.Source)
	checkText(&v, "name", e.Name, true, 100)
	checkText(&v, "purpose", e.Purpose, true, 500)
	checkText(&v, "source", e.Source, false, 200)
	if err := v.Err(); err != nil {
		return Exhibit{}, err
	}
	return s.insert(ctx, st, pt, e)
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

func validKind(k string) bool { return slices.Contains(filing.Kinds, k) }

// insert numbers e for its party and writes it with its event and audit
// entry in one transaction.
func (s *Service) insert(ctx context.Context, st standing, pt casefile.Party, e Exhibit) (Exhibit, error) {
	e.ID, e.CourtID, e.CaseID, e.PartyID = ids.New(), st.c.CourtID, st.c.ID, pt.ID
	e.PartyRole, e.PartyName, e.SubmittedBy = string(pt.Role), pt.Name, audit.ActorFrom(ctx).UserID
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if e.FilingEvidenceID != "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM exhibit_exhibit WHERE court_id = ? AND case_id = ? AND filing_evidence_id = ?`,
				e.CourtID, e.CaseID, e.FilingEvidenceID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errs.Fields(errs.Field("filing_evidence_id", "exhibit_filed_twice"))
			}
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM exhibit_exhibit WHERE court_id = ? AND case_id = ? AND party_id = ?`,
			e.CourtID, e.CaseID, e.PartyID).Scan(&e.Seq); err != nil {
			return err
		}
		e.SubmittedAt = tx.Now
		if err := insertExhibit(ctx, tx, e); err != nil {
			return err
		}
		// The evidence ledger (Online Litigation Rules Art. 16–19) appends
		// the file's SHA-256 when it sees this event.
		if err := enqueue(ctx, tx, st.c, EventSubmitted, map[string]any{"exhibit_id": e.ID, "evidence_id": e.ID,
			"case_id": e.CaseID, "court_id": e.CourtID, "sha256": e.SHA256, "size": e.Size, "kind": e.Kind}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.exhibit.submit", CourtID: e.CourtID, CaseID: e.CaseID, Target: e.ID,
			Detail: map[string]any{"party_id": e.PartyID, "seq": e.Seq, "origin": e.Origin, "sha256": e.SHA256, "kind": e.Kind}})
	})
	if err != nil {
		return Exhibit{}, err
	}
	e.Label = label(st.c, pt, e.Seq)
	e.Opinions = s.states(st.c, e, nil)
	return e, nil
}

// enqueue writes an exhibit event of case c to the outbox.
func enqueue(ctx context.Context, tx *sqldb.Tx, c casefile.Case, typ string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID, ev.Actor = c.CourtID, c.ID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}

// spool copies body into a temporary file and checks it: kind by content
// (only kinds in allowed when not nil), size by kind, PDF structure. The
// returned file is positioned at its start; the caller removes it.
func (s *Service) spool(body io.Reader, allowed []string) (*os.File, string, int64, error) {
	maxAll := s.MaxUpload()
	f, err := os.CreateTemp(s.deps.TempDir, "exhibit-upload-*")
	if err != nil {
		return nil, "", 0, err
	}
	fail := func(err error) (*os.File, string, int64, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, "", 0, err
	}
	size, err := io.Copy(f, io.LimitReader(body, maxAll+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(fileError("exhibit_file_too_large", maxAll>>20))
		}
		return fail(errs.Wrap(errs.Invalid, "exhibit.error.upload", err))
	}
	if size == 0 {
		return fail(fileError("exhibit_file_empty"))
	}
	head := make([]byte, filing.SniffLen)
	n, _ := f.ReadAt(head, 0)
	kind := filing.Sniff(head[:n])
	if kind == "" {
		return fail(fileError("exhibit_file_type"))
	}
	if allowed != nil && !slices.Contains(allowed, kind) {
		return fail(fileError("exhibit_statement_type"))
	}
	if limit := s.limits[kind]; size > limit {
		return fail(fileError("exhibit_file_too_large", limit>>20))
	}
	if kind == filing.KindPDF {
		data := make([]byte, size)
		if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
			return fail(err)
		}
		switch filing.CheckPDF(data) {
		case filing.PDFEncrypted:
			return fail(fileError("exhibit_pdf_encrypted"))
		case filing.PDFTruncated, filing.PDFCorrupt:
			return fail(fileError("exhibit_pdf_corrupt"))
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return f, kind, size, nil
}

func fileError(code string, args ...any) error {
	return errs.Fields(errs.Field("file", code, args...))
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
