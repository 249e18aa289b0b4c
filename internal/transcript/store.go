package transcript

import (
	"context"
	"database/sql"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

type scanner interface{ Scan(dest ...any) error }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

const recordColumns = `court_id, hearing_id, case_id, place, mode, state, round, version, document_id, document_code,
	created_at, updated_at, final_at`

func scanRecord(r scanner) (Record, error) {
	var rec Record
	var docID, docCode string
	var final sql.NullTime
	err := r.Scan(&rec.CourtID, &rec.HearingID, &rec.CaseID, &rec.Place, &rec.Mode, &rec.State, &rec.Round, &rec.Version,
		&docID, &docCode, &rec.CreatedAt, &rec.UpdatedAt, &final)
	if errs.CodeOf(err) == errs.NotFound {
		return rec, errs.New(errs.NotFound, "transcript.error.not_found")
	}
	if err != nil {
		return rec, err
	}
	rec.CreatedAt, rec.UpdatedAt, rec.FinalAt = rec.CreatedAt.UTC(), rec.UpdatedAt.UTC(), timePtr(final)
	if docID != "" {
		rec.Document = &DocumentRef{ID: docID, Code: docCode}
	}
	return rec, nil
}

func loadRecord(ctx context.Context, q sqldb.Querier, hearingID string) (Record, error) {
	if hearingID == "" {
		return Record{}, errs.New(errs.NotFound, "transcript.error.not_found")
	}
	return scanRecord(q.QueryRow(ctx, `SELECT `+recordColumns+` FROM transcript_record WHERE hearing_id = ?`, hearingID))
}

// lockRecord bumps the record's version, which takes its row lock in both
// dialects, and returns it with the new version.
func lockRecord(ctx context.Context, tx *sqldb.Tx, hearingID string) (Record, error) {
	if _, err := tx.Exec(ctx, `UPDATE transcript_record SET version = version + 1, updated_at = ? WHERE hearing_id = ?`,
		tx.Now, hearingID); err != nil {
		return Record{}, err
	}
	return loadRecord(ctx, tx, hearingID)
}

func insertRecord(ctx context.Context, tx *sqldb.Tx, r Record) error {
	_, err := tx.Exec(ctx, `INSERT INTO transcript_record (`+recordColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, NULL)`,
		r.CourtID, r.HearingID, r.CaseID, r.Place, r.Mode, r.State, r.Round, r.Version, r.CreatedAt, r.UpdatedAt)
	return err
}

func updateRecordState(ctx context.Context, tx *sqldb.Tx, r Record) error {
	var doc DocumentRef
	if r.Document != nil {
		doc = *r.Document
	}
	_, err := tx.Exec(ctx, `UPDATE transcript_record SET state = ?, round = ?, document_id = ?, document_code = ?,
		final_at = ?, updated_at = ? WHERE court_id = ? AND hearing_id = ?`,
		r.State, r.Round, doc.ID, doc.Code, r.FinalAt, tx.Now, r.CourtID, r.HearingID)
	return err
}

const entryColumns = `id, seq, kind, speaker, text, at, revision, deleted, created_by, updated_at`

func scanEntry(r scanner) (Entry, error) {
	var e Entry
	var deleted int
	err := r.Scan(&e.ID, &e.Seq, &e.Kind, &e.Speaker, &e.Text, &e.At, &e.Revision, &deleted, &e.CreatedBy, &e.UpdatedAt)
	e.Deleted, e.At, e.UpdatedAt = deleted != 0, e.At.UTC(), e.UpdatedAt.UTC()
	return e, err
}

func listEntries(ctx context.Context, q sqldb.Querier, courtID, hearingID string) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM transcript_entry WHERE court_id = ? AND hearing_id = ? ORDER BY seq`,
		courtID, hearingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func loadEntry(ctx context.Context, q sqldb.Querier, courtID, hearingID, id string) (Entry, error) {
	e, err := scanEntry(q.QueryRow(ctx, `SELECT `+entryColumns+` FROM transcript_entry WHERE court_id = ? AND hearing_id = ? AND id = ?`,
		courtID, hearingID, id))
	if errs.CodeOf(err) == errs.NotFound {
		return e, errs.New(errs.NotFound, "transcript.error.entry_not_found")
	}
	return e, err
}

func nextSeq(ctx context.Context, tx *sqldb.Tx, courtID, hearingID string) (int, error) {
	var n sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT MAX(seq) FROM transcript_entry WHERE court_id = ? AND hearing_id = ?`, courtID, hearingID).Scan(&n)
	return int(n.Int64) + 1, err
}

func insertEntry(ctx context.Context, tx *sqldb.Tx, courtID, hearingID string, e Entry) error {
	_, err := tx.Exec(ctx, `INSERT INTO transcript_entry (court_id, hearing_id, `+entryColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, hearingID, e.ID, e.Seq, e.Kind, e.Speaker, e.Text, e.At, e.Revision, boolInt(e.Deleted), e.CreatedBy, e.UpdatedAt)
	return err
}

func updateEntry(ctx context.Context, tx *sqldb.Tx, courtID string, e Entry) error {
	_, err := tx.Exec(ctx, `UPDATE transcript_entry SET speaker = ?, text = ?, revision = ?, deleted = ?, updated_at = ?
		WHERE court_id = ? AND id = ?`, e.Speaker, e.Text, e.Revision, boolInt(e.Deleted), e.UpdatedAt, courtID, e.ID)
	return err
}

func insertRevision(ctx context.Context, tx *sqldb.Tx, courtID, hearingID, action string, e Entry) error {
	_, err := tx.Exec(ctx, `INSERT INTO transcript_revision (court_id, entry_id, revision, hearing_id, action, speaker, text, by_account, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, e.ID, e.Revision, hearingID, action, e.Speaker, e.Text, audit.ActorFrom(ctx).UserID, tx.Now)
	return err
}

func listRevisions(ctx context.Context, q sqldb.Querier, courtID, entryID string) ([]Revision, error) {
	rows, err := q.Query(ctx, `SELECT revision, action, speaker, text, by_account, at FROM transcript_revision
		WHERE court_id = ? AND entry_id = ? ORDER BY revision`, courtID, entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Revision{}
	for rows.Next() {
		var v Revision
		if err := rows.Scan(&v.Revision, &v.Action, &v.Speaker, &v.Text, &v.By, &v.At); err != nil {
			return nil, err
		}
		v.At = v.At.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

func listSigners(ctx context.Context, q sqldb.Querier, courtID, hearingID string, round int) ([]Signer, error) {
	rows, err := q.Query(ctx, `SELECT account_id, role, name, state, signed_at, reason, recorded_by FROM transcript_signer
		WHERE court_id = ? AND hearing_id = ? AND round = ? ORDER BY ord`, courtID, hearingID, round)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Signer{}
	for rows.Next() {
		var sg Signer
		var at sql.NullTime
		if err := rows.Scan(&sg.AccountID, &sg.Role, &sg.Name, &sg.State, &at, &sg.Reason, &sg.RecordedBy); err != nil {
			return nil, err
		}
		sg.SignedAt = timePtr(at)
		out = append(out, sg)
	}
	return out, rows.Err()
}

func insertSigner(ctx context.Context, tx *sqldb.Tx, r Record, ord int, sg Signer) error {
	_, err := tx.Exec(ctx, `INSERT INTO transcript_signer (court_id, hearing_id, round, account_id, role, name, ord, state,
		signed_at, reason, recorded_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, '', '', ?)`,
		r.CourtID, r.HearingID, r.Round, sg.AccountID, sg.Role, sg.Name, ord, sg.State, tx.Now)
	return err
}

func updateSigner(ctx context.Context, tx *sqldb.Tx, r Record, sg Signer) error {
	_, err := tx.Exec(ctx, `UPDATE transcript_signer SET state = ?, signed_at = ?, reason = ?, recorded_by = ?, updated_at = ?
		WHERE court_id = ? AND hearing_id = ? AND round = ? AND account_id = ?`,
		sg.State, sg.SignedAt, sg.Reason, sg.RecordedBy, tx.Now, r.CourtID, r.HearingID, r.Round, sg.AccountID)
	return err
}

func listObjections(ctx context.Context, q sqldb.Querier, courtID, hearingID string) ([]Objection, error) {
	rows, err := q.Query(ctx, `SELECT id, round, account_id, role, name, text, at FROM transcript_objection
		WHERE court_id = ? AND hearing_id = ? ORDER BY at, id`, courtID, hearingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Objection{}
	for rows.Next() {
		var o Objection
		if err := rows.Scan(&o.ID, &o.Round, &o.AccountID, &o.Role, &o.Name, &o.Text, &o.At); err != nil {
			return nil, err
		}
		o.At = o.At.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

func insertObjection(ctx context.Context, tx *sqldb.Tx, r Record, o Objection) error {
	_, err := tx.Exec(ctx, `INSERT INTO transcript_objection (court_id, id, hearing_id, round, account_id, role, name, text, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.CourtID, o.ID, r.HearingID, o.Round, o.AccountID, o.Role, o.Name, o.Text, o.At)
	return err
}

// loadFull loads the record with its entries, current signers and every
// objection.
func loadFull(ctx context.Context, q sqldb.Querier, hearingID string) (Record, error) {
	r, err := loadRecord(ctx, q, hearingID)
	if err != nil {
		return r, err
	}
	if r.Entries, err = listEntries(ctx, q, r.CourtID, r.HearingID); err != nil {
		return r, err
	}
	if r.Signers, err = listSigners(ctx, q, r.CourtID, r.HearingID, r.Round); err != nil {
		return r, err
	}
	r.Objections, err = listObjections(ctx, q, r.CourtID, r.HearingID)
	return r, err
}

// Event types. EventChanged is emitted by every change of a record (the
// live page listens to it); EventFinal when the last signature makes it
// final; EventIssued when its PDF was issued.
const (
	EventChanged = "ecourt.transcript.record.changed"
	EventFinal   = "ecourt.transcript.record.finalized"
	EventIssued  = "ecourt.transcript.record.issued"
)

// Change is the payload of EventChanged.
type Change struct {
	HearingID string `json:"hearing_id"`
	What      string `json:"what"` // started, entry_added, entry_edited, entry_deleted, mark, closed_for_signing, reopened, signed, objected, refused, final, issued
	EntryID   string `json:"entry_id,omitempty"`
	Version   int    `json:"version"`
	State     State  `json:"state"`
}

// changed writes the change's audit entry and its event.
func changed(ctx context.Context, tx *sqldb.Tx, r Record, what, entryID string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["hearing_id"] = r.HearingID
	if entryID != "" {
		detail["entry_id"] = entryID
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "transcript.record." + what, CourtID: r.CourtID, CaseID: r.CaseID,
		Target: r.HearingID, Detail: detail}); err != nil {
		return err
	}
	ev := bus.NewEvent(EventChanged, Change{HearingID: r.HearingID, What: what, EntryID: entryID, Version: r.Version, State: r.State})
	ev.CourtID, ev.CaseID, ev.Actor = r.CourtID, r.CaseID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}

func enqueue(ctx context.Context, tx *sqldb.Tx, typ string, r Record, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID, ev.Actor = r.CourtID, r.CaseID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}
