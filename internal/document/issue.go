package document

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/digitorus/pdf"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/seal"
)

// IssueRequest asks to issue a document.
type IssueRequest struct {
	CourtID string // the issuing court; required
	CaseID  string // the case, or "" for a document outside any case
	// Kind is the document type: a lowercase code such as "judgment" or
	// "acceptance_notice" (see Kinds).
	Kind  string
	Title string // e.g. "民事判决书"; up to 200 characters
	// PDF is the finished, unsealed document (as the renderer made it).
	PDF []byte
	// SealPlacement is where the renderer printed the seal image; the
	// signature field is laid over it. nil: an invisible signature.
	SealPlacement *seal.Placement
	// Code is the verification code printed on the document, obtained
	// from ReserveCode before rendering; "" lets Issue make one (then the
	// paper carries none, and the document is verified by upload).
	Code string
	// IdempotencyKey, when set, makes Issue return the document already
	// issued under the same key by the same court instead of issuing
	// another, e.g. "filing:<application id>:acceptance_notice".
	IdempotencyKey string
	// IssuedBy is the account that issues the document ("" for the
	// platform itself); it defaults to the actor in ctx.
	IssuedBy string
}

var kindRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

const maxTitle = 200

func (r IssueRequest) validate() (code string, err error) {
	var v errs.Collector
	if r.CourtID == "" {
		v.Add("court_id", "required")
	}
	if !kindRE.MatchString(r.Kind) {
		v.Add("kind", "format")
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(r.Title)); {
	case n == 0:
		v.Add("title", "required")
	case n > maxTitle:
		v.Add("title", "too_long", maxTitle)
	}
	switch {
	case len(r.PDF) == 0:
		v.Add("pdf", "required")
	case len(r.PDF) > MaxIssue:
		v.AddField(errs.FieldError{Field: "pdf", Code: "too_large", Key: "field.too_large"})
	case !seal.LooksLikePDF(r.PDF):
		v.AddField(errs.FieldError{Field: "pdf", Code: "not_pdf", Key: "document.field.not_pdf"})
	}
	if r.Code != "" {
		c, perr := ParseCode(r.Code)
		if perr != nil {
			e, _ := errs.As(perr)
			v.AddField(e.Fields[0])
		}
		code = c
	}
	if len(r.IdempotencyKey) > 200 {
		v.Add("idempotency_key", "too_long", 200)
	}
	return code, v.Err()
}

// Issue seals the PDF with the court's seal, stores it in the blob store
// and records the document: in one transaction its row, its verification
// code, the outbox event EventIssued and the audit entry
// "document.document.issue". When CaseID is set, the caller needs
// NeedRecord on the case (case-handling staff, or casefile.AsSystem for
// background work), the case must belong to CourtID, and the document is
// added to the case's timeline ("document.issued") after the commit.
// Without a case Issue checks no permission: it is not reachable over HTTP,
// and the calling context answers for it.
//
// A retried Issue with the same IdempotencyKey returns the first document
// (conflict "document.error.key_reused" if its kind differs). When the
// document was issued but its timeline entry could not be written, Issue
// returns the document together with the error; a retry with the same key
// writes the missing entry.
//
// Errors: invalid for bad fields (including a PDF the seal cannot update,
// a code that is malformed, not reserved for the court
// ("code"/"not_reserved") or already used ("code"/"used"), and a case of
// another court ("case_id"/"court_mismatch")); the case's access errors;
// not_found for an unknown court.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (Document, error) {
	code, err := req.validate()
	if err != nil {
		return Document{}, err
	}
	req.Title = strings.TrimSpace(req.Title)
	if req.IssuedBy == "" {
		req.IssuedBy = audit.ActorFrom(ctx).UserID
	}
	if req.IdempotencyKey != "" {
		d, err := docByKey(ctx, s.db, req.CourtID, req.IdempotencyKey)
		if err == nil {
			return s.again(ctx, d, req)
		}
		if errs.CodeOf(err) != errs.NotFound {
			return Document{}, err
		}
	}
	var caseNumber string
	if req.CaseID != "" {
		c, err := s.cases.Authorize(ctx, req.CaseID, casefile.NeedRecord)
		if err != nil {
			return Document{}, err
		}
		if c.CourtID != req.CourtID {
			return Document{}, errs.Fields(errs.FieldError{Field: "case_id", Code: "court_mismatch", Key: "document.field.court_mismatch"})
		}
		caseNumber = c.Number
	}
	if code != "" {
		if err := checkReserved(ctx, s.db, code, req.CourtID); err != nil {
			return Document{}, err
		}
	}
	signed, err := s.seals.Sign(ctx, req.CourtID, req.PDF, seal.SignOptions{Placement: req.SealPlacement})
	if err != nil {
		return Document{}, err
	}
	sum := sha256.Sum256(signed.PDF)
	ref, err := s.blobs.Put(ctx, bytes.NewReader(signed.PDF))
	if err != nil {
		return Document{}, err
	}
	d := Document{
		ID: ids.New(), CourtID: req.CourtID, CaseID: req.CaseID, CaseNumber: caseNumber, Kind: req.Kind,
		Title: req.Title, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(signed.PDF)), Pages: countPages(signed.PDF),
		SealSerial: signed.Certificate.Serial, IssuedBy: req.IssuedBy, blobKey: ref.SHA256, idempotencyKey: req.IdempotencyKey,
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		d.IssuedAt = tx.Now
		if d.CaseID != "" {
			d.timelineEventID = newClaim(tx.Now) // this call writes the timeline entry
		}
		c := code
		if c == "" {
			var err error
			if c, err = s.freshCode(ctx, tx, d); err != nil {
				return err
			}
		} else {
			ok, err := useCode(ctx, tx, c, d.CourtID, d.ID)
			if err != nil {
				return err
			}
			if !ok {
				return codeFieldError("used")
			}
		}
		d.Code = FormatCode(c)
		if err := insertDoc(ctx, tx, d, c); err != nil {
			return err
		}
		ev := bus.NewEvent(EventIssued, IssuedPayload{DocumentID: d.ID, CourtID: d.CourtID, CaseID: d.CaseID, Kind: d.Kind, SHA256: d.SHA256})
		ev.CourtID, ev.CaseID, ev.Actor = d.CourtID, d.CaseID, audit.ActorFrom(ctx).UserID
		if err := bus.Enqueue(ctx, tx, ev); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "document.document.issue", CourtID: d.CourtID, CaseID: d.CaseID,
			Target: d.ID, Detail: map[string]any{"kind": d.Kind, "sha256": d.SHA256, "seal_serial": d.SealSerial}})
	})
	if errs.CodeOf(err) == errs.Conflict && req.IdempotencyKey != "" {
		// A concurrent Issue with the same key won the race.
		if first, ferr := docByKey(ctx, s.db, req.CourtID, req.IdempotencyKey); ferr == nil {
			return s.again(ctx, first, req)
		}
	}
	if err != nil {
		return Document{}, err
	}
	if d.CaseID == "" {
		return d, nil
	}
	return s.writeTimeline(ctx, d, d.timelineEventID)
}

// again answers a repeated Issue with the document issued first.
func (s *Service) again(ctx context.Context, d Document, req IssueRequest) (Document, error) {
	if d.Kind != req.Kind || d.CaseID != req.CaseID {
		return Document{}, errs.New(errs.Conflict, "document.error.key_reused")
	}
	if d.CaseID != "" {
		// The same access check as the first time, and the repair of a
		// missing timeline entry.
		if _, err := s.cases.Authorize(ctx, d.CaseID, casefile.NeedRecord); err != nil {
			return Document{}, err
		}
	}
	return s.onTimeline(ctx, d)
}

// onTimeline adds an issued document to its case's timeline once. The
// document's timeline_event_id is claimed first (compare and swap), so
// that concurrent retries of the same Issue write one entry; a claim left
// by a process that died before writing is taken over after claimTimeout.
func (s *Service) onTimeline(ctx context.Context, d Document) (Document, error) {
	cur := d.timelineEventID
	if d.CaseID == "" || cur != "" && !staleClaim(cur, s.db.Now()) {
		return d, nil
	}
	claim := newClaim(s.db.Now())
	ok, err := s.swapTimeline(ctx, d, cur, claim)
	if err != nil || !ok {
		return d, err // another call is writing (or wrote) the entry
	}
	return s.writeTimeline(ctx, d, claim)
}

// writeTimeline writes the timeline entry of d, whose claim the caller
// holds, and records the entry's ID in place of the claim.
func (s *Service) writeTimeline(ctx context.Context, d Document, claim string) (Document, error) {
	detail, _ := json.Marshal(map[string]any{"document_id": d.ID, "kind": d.Kind, "sha256": d.SHA256, "code": d.Code})
	ev, err := s.cases.AddEvent(ctx, d.CaseID, casefile.Event{Type: "document.issued", At: d.IssuedAt, Note: d.Title, Detail: detail})
	if err != nil {
		s.swapTimeline(context.WithoutCancel(ctx), d, claim, "") //nolint:errcheck // a stale claim is taken over later
		return d, fmt.Errorf("document: %s issued, but not put on the timeline of case %s: %w", d.ID, d.CaseID, err)
	}
	if _, err := s.swapTimeline(ctx, d, claim, ev.ID); err != nil {
		return d, err
	}
	d.timelineEventID = ev.ID
	return d, nil
}

func newClaim(now time.Time) string { return claimPrefix + now.Format(time.RFC3339Nano) }

const (
	claimPrefix  = "claim:"
	claimTimeout = 2 * time.Minute
)

func staleClaim(v string, now time.Time) bool {
	at, ok := strings.CutPrefix(v, claimPrefix)
	if !ok {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	return err != nil || now.Sub(t) > claimTimeout
}

func (s *Service) swapTimeline(ctx context.Context, d Document, from, to string) (bool, error) {
	var ok bool
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		ok, err = swapTimelineEvent(ctx, tx, d, from, to)
		return err
	})
	return ok, err
}

// freshCode makes a new code for d inside tx.
func (s *Service) freshCode(ctx context.Context, tx *sqldb.Tx, d Document) (string, error) {
	for {
		c, err := newCode()
		if err != nil {
			return "", err
		}
		// A collision (2^-75) would fail the whole transaction on
		// PostgreSQL, so check before inserting.
		if _, _, err := codeState(ctx, tx, c); errs.CodeOf(err) != errs.NotFound {
			if err != nil {
				return "", err
			}
			continue
		}
		return c, insertCode(ctx, tx, c, d.CourtID, d.ID, d.IssuedBy)
	}
}

// checkReserved reports whether code is reserved for the court and unused,
// before the seal is spent on the document.
func checkReserved(ctx context.Context, q sqldb.Querier, code, courtID string) error {
	court, doc, err := codeState(ctx, q, code)
	switch {
	case errs.CodeOf(err) == errs.NotFound, err == nil && court != courtID:
		return codeFieldError("not_reserved")
	case err != nil:
		return err
	case doc != "":
		return codeFieldError("used")
	}
	return nil
}

func codeFieldError(code string) error {
	return errs.Fields(errs.FieldError{Field: "code", Code: code, Key: "document.field.code_" + code})
}

// countPages returns the number of pages of a PDF, or 0 when it cannot
// tell.
func countPages(b []byte) (n int) {
	defer func() {
		if recover() != nil { // the reader panics on some malformed files
			n = 0
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0
	}
	return r.NumPage()
}
