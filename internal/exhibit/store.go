package exhibit

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// This file holds the SQL: it stores and loads, and decides nothing.

const exhibitCols = `court_id, id, case_id, party_id, seq, name, purpose, source, origin, filing_evidence_id, file_name, kind,
	sha256, size, submitted_by, submitted_at`

func insertExhibit(ctx context.Context, tx *sqldb.Tx, e Exhibit) error {
	_, err := tx.Exec(ctx, `INSERT INTO exhibit_exhibit (`+exhibitCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.CourtID, e.ID, e.CaseID, e.PartyID, e.Seq, e.Name, e.Purpose, e.Source, e.Origin, e.FilingEvidenceID, e.FileName,
		e.Kind, e.SHA256, e.Size, e.SubmittedBy, e.SubmittedAt)
	return err
}

type scanner interface{ Scan(dest ...any) error }

func scanExhibit(r scanner) (Exhibit, error) {
	var e Exhibit
	err := r.Scan(&e.CourtID, &e.ID, &e.CaseID, &e.PartyID, &e.Seq, &e.Name, &e.Purpose, &e.Source, &e.Origin, &e.FilingEvidenceID,
		&e.FileName, &e.Kind, &e.SHA256, &e.Size, &e.SubmittedBy, &e.SubmittedAt)
	e.SubmittedAt = e.SubmittedAt.UTC()
	return e, err
}

// caseOfExhibit returns the case of an exhibit, or errs.NotFound.
func caseOfExhibit(ctx context.Context, q sqldb.Querier, id string) (string, error) {
	var caseID string
	err := q.QueryRow(ctx, `SELECT case_id FROM exhibit_exhibit WHERE id = ?`, id).Scan(&caseID)
	if errs.CodeOf(err) == errs.NotFound {
		return "", errs.New(errs.NotFound, "exhibit.error.not_found")
	}
	return caseID, err
}

func loadExhibits(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Exhibit, error) {
	rows, err := q.Query(ctx, `SELECT `+exhibitCols+` FROM exhibit_exhibit WHERE court_id = ? AND case_id = ? ORDER BY party_id, seq`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Exhibit
	for rows.Next() {
		e, err := scanExhibit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const opinionCols = `id, exhibit_id, party_id, version, authenticity, authenticity_reason, legality, legality_reason,
	relevance, relevance_reason, recorded_by, recorded_at`

func scanOpinion(r scanner) (Opinion, error) {
	var o Opinion
	err := r.Scan(&o.ID, &o.ExhibitID, &o.PartyID, &o.Version, &o.Authenticity, &o.AuthenticityReason, &o.Legality,
		&o.LegalityReason, &o.Relevance, &o.RelevanceReason, &o.RecordedBy, &o.RecordedAt)
	o.RecordedAt = o.RecordedAt.UTC()
	return o, err
}

// loadOpinions returns every version of every opinion of the case (or of
// one exhibit when exhibitID is set), oldest first.
func loadOpinions(ctx context.Context, q sqldb.Querier, courtID, caseID, exhibitID string) ([]Opinion, error) {
	query := `SELECT ` + opinionCols + ` FROM exhibit_opinion WHERE court_id = ? AND case_id = ?`
	args := []any{courtID, caseID}
	if exhibitID != "" {
		query += ` AND exhibit_id = ?`
		args = append(args, exhibitID)
	}
	rows, err := q.Query(ctx, query+` ORDER BY exhibit_id, party_id, version`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Opinion
	for rows.Next() {
		o, err := scanOpinion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func insertOpinion(ctx context.Context, tx *sqldb.Tx, courtID, caseID string, o Opinion) error {
	_, err := tx.Exec(ctx, `INSERT INTO exhibit_opinion (court_id, case_id, `+opinionCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, courtID, caseID, o.ID, o.ExhibitID, o.PartyID, o.Version,
		o.Authenticity, o.AuthenticityReason, o.Legality, o.LegalityReason, o.Relevance, o.RelevanceReason, o.RecordedBy, o.RecordedAt)
	return err
}

// loadDisputes returns the newest marks of each exhibit of the case.
func loadDisputes(ctx context.Context, q sqldb.Querier, courtID, caseID string) (map[string]*Dispute, error) {
	rows, err := q.Query(ctx, `SELECT exhibit_id, version, authenticity, legality, relevance, note, marked_by, marked_at
		FROM exhibit_dispute WHERE court_id = ? AND case_id = ? ORDER BY exhibit_id, version`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*Dispute{}
	for rows.Next() {
		var id string
		d := &Dispute{}
		if err := rows.Scan(&id, &d.Version, &d.Authenticity, &d.Legality, &d.Relevance, &d.Note, &d.MarkedBy, &d.MarkedAt); err != nil {
			return nil, err
		}
		d.MarkedAt = d.MarkedAt.UTC()
		out[id] = d // ordered by version: the newest wins
	}
	return out, rows.Err()
}

const exchangeCols = `id, case_id, start_date, end_date, note, opened_by, opened_at, extended_by, extended_at`

func loadExchanges(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Exchange, error) {
	rows, err := q.Query(ctx, `SELECT `+exchangeCols+` FROM exhibit_exchange WHERE court_id = ? AND case_id = ? ORDER BY start_date, opened_at`,
		courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Exchange
	for rows.Next() {
		var x Exchange
		var start, end string
		var ext *time.Time
		if err := rows.Scan(&x.ID, &x.CaseID, &start, &end, &x.Note, &x.OpenedBy, &x.OpenedAt, &x.ExtendedBy, &ext); err != nil {
			return nil, err
		}
		if x.Start, err = calendar.ParseDate(start); err != nil {
			return nil, err
		}
		if x.End, err = calendar.ParseDate(end); err != nil {
			return nil, err
		}
		x.OpenedAt = x.OpenedAt.UTC()
		if ext != nil {
			t := ext.UTC()
			x.ExtendedAt = &t
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// presentedIDs returns the exhibits of the case shown in some hearing.
func presentedIDs(ctx context.Context, q sqldb.Querier, courtID, caseID string) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT exhibit_id FROM exhibit_presentation WHERE court_id = ? AND case_id = ?`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// shown is the row of the exhibit presented last in a hearing.
type shown struct {
	ExhibitID   string
	CaseID      string
	Label       string
	PresentedAt time.Time
}

// currentPresentation returns the exhibit presented last in a hearing, or
// errs.NotFound when none has been.
func currentPresentation(ctx context.Context, q sqldb.Querier, courtID, hearingID string) (shown, error) {
	var r shown
	err := q.QueryRow(ctx, `SELECT exhibit_id, case_id, label, presented_at FROM exhibit_presentation
		WHERE court_id = ? AND hearing_id = ? ORDER BY presented_at DESC LIMIT 1`, courtID, hearingID).Scan(&r.ExhibitID, &r.CaseID, &r.Label, &r.PresentedAt)
	r.PresentedAt = r.PresentedAt.UTC()
	return r, err
}

// loadExhibit returns one exhibit of a court, or errs.NotFound.
func loadExhibit(ctx context.Context, q sqldb.Querier, courtID, id string) (Exhibit, error) {
	return scanExhibit(q.QueryRow(ctx, `SELECT `+exhibitCols+` FROM exhibit_exhibit WHERE court_id = ? AND id = ?`, courtID, id))
}
