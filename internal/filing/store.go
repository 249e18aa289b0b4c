package filing

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The SQL of the filing context. It stores and loads; it decides nothing.

const appColumns = `court_id, id, account_id, filed_as, client_account_id, template_id, template_version, answers, parties,
	representative, assisted, status, claim_total_fen, submitted_at, period_start, deadline, corrections, decided_at,
	decided_by, procedure, reject_reason, accept_started_at, accept_kind, case_id, case_number, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanApp(r scanner) (*Application, error) {
	var (
		a                                         Application
		answers, parties, rep, assisted           string
		submitted, decided, acceptStarted         sql.NullTime
		periodStart, deadline, acceptKind, status string
	)
	err := r.Scan(&a.CourtID, &a.ID, &a.AccountID, &a.FiledAs, &a.ClientAccountID, &a.TemplateID, &a.TemplateVersion,
		&answers, &parties, &rep, &assisted, &status, &a.ClaimTotalFen, &submitted, &periodStart, &deadline,
		&a.Corrections, &decided, &a.decidedBy, &a.Procedure, &a.RejectReason, &acceptStarted, &acceptKind,
		&a.CaseID, &a.CaseNumber, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return nil, err
	}
	a.Status, a.acceptKind = Status(status), Status(acceptKind)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	a.SubmittedAt, a.DecidedAt, a.acceptStarted = nullTime(submitted), nullTime(decided), nullTime(acceptStarted)
	a.Accepting = a.acceptStarted != nil && a.CaseID == ""
	if err := json.Unmarshal([]byte(answers), &a.Answers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(parties), &a.Parties); err != nil {
		return nil, err
	}
	if rep != "" && rep != "null" {
		a.Representative = new(Representative)
		if err := json.Unmarshal([]byte(rep), a.Representative); err != nil {
			return nil, err
		}
	}
	if assisted != "" && assisted != "null" {
		a.Assisted = new(Assisted)
		if err := json.Unmarshal([]byte(assisted), a.Assisted); err != nil {
			return nil, err
		}
	}
	if a.Answers == nil {
		a.Answers = map[string]string{}
	}
	if a.Parties == nil {
		a.Parties = []Party{}
	}
	if periodStart != "" {
		if a.periodStart, err = calendar.ParseDate(periodStart); err != nil {
			return nil, err
		}
	}
	if deadline != "" {
		if a.deadline, err = calendar.ParseDate(deadline); err != nil {
			return nil, err
		}
	}
	a.Evidence, a.Notices = []Evidence{}, []Notice{}
	return &a, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs and maps are stored
	}
	return string(b)
}

func dateText(d calendar.Date) string {
	if d == (calendar.Date{}) {
		return ""
	}
	return d.String()
}

// insertApp writes a new application.
func insertApp(ctx context.Context, tx *sqldb.Tx, a *Application) error {
	_, err := tx.Exec(ctx, `INSERT INTO filing_application (court_id, id, account_id, filed_as, client_account_id, template_id,
		template_version, answers, parties, representative, assisted, status, claim_total_fen, submitted_at, period_start,
		deadline, corrections, decided_at, decided_by, procedure, reject_reason, accept_started_at, accept_lease,
		accept_attempts, accept_kind, case_id, case_number, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, '', '', 0, NULL, '', '', '', NULL, NULL, 0, '', '', '', ?, ?)`,
		a.CourtID, a.ID, a.AccountID, a.FiledAs, a.ClientAccountID, a.TemplateID, a.TemplateVersion, jsonText(a.Answers),
		jsonText(a.Parties), jsonText(a.Representative), jsonText(a.Assisted), a.Status, a.CreatedAt, a.UpdatedAt)
	return err
}

// saveContent writes what the filer edits: answers, parties, representative.
func saveContent(ctx context.Context, tx *sqldb.Tx, a *Application) error {
	_, err := tx.Exec(ctx, `UPDATE filing_application SET answers = ?, parties = ?, representative = ?, client_account_id = ?,
		updated_at = ? WHERE court_id = ? AND id = ?`,
		jsonText(a.Answers), jsonText(a.Parties), jsonText(a.Representative), a.ClientAccountID, tx.Now, a.CourtID, a.ID)
	return err
}

// courtOfApp returns the court of an application; errs.NotFound when none.
func courtOfApp(ctx context.Context, q sqldb.Querier, id string) (string, error) {
	var court string
	err := q.QueryRow(ctx, `SELECT court_id FROM filing_application WHERE id = ?`, id).Scan(&court)
	if errs.CodeOf(err) == errs.NotFound {
		return "", notFound()
	}
	return court, err
}

func notFound() error { return errs.New(errs.NotFound, "filing.error.not_found") }

// loadApp reads an application with its evidence and notices.
func loadApp(ctx context.Context, q sqldb.Querier, id string) (*Application, error) {
	a, err := scanApp(q.QueryRow(ctx, `SELECT `+appColumns+` FROM filing_application WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	if a.Evidence, err = loadEvidence(ctx, q, a.CourtID, a.ID); err != nil {
		return nil, err
	}
	if a.Notices, err = loadNotices(ctx, q, a.CourtID, a.ID); err != nil {
		return nil, err
	}
	return a, nil
}

// loadApps reads the applications a query selects (appColumns), without
// evidence and notices.
func loadApps(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]*Application, error) {
	rows, err := q.Query(ctx, `SELECT `+appColumns+` FROM filing_application `+query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func loadEvidence(ctx context.Context, q sqldb.Querier, courtID, appID string) ([]Evidence, error) {
	rows, err := q.Query(ctx, `SELECT id, position, role, name, purpose, source, file_name, kind, sha256, size, pages, uploaded_by, created_at
		FROM filing_evidence WHERE court_id = ? AND application_id = ? ORDER BY position, id`, courtID, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Evidence{}
	for rows.Next() {
		var e Evidence
		if err := rows.Scan(&e.ID, &e.Position, &e.Role, &e.Name, &e.Purpose, &e.Source, &e.FileName, &e.Kind, &e.SHA256,
			&e.Size, &e.Pages, &e.UploadedBy, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

func loadNotices(ctx context.Context, q sqldb.Querier, courtID, appID string) ([]Notice, error) {
	rows, err := q.Query(ctx, `SELECT id, items, note, due, requested_at, completed_at FROM filing_notice
		WHERE court_id = ? AND application_id = ? ORDER BY requested_at, id`, courtID, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Notice{}
	for rows.Next() {
		var n Notice
		var items string
		var done sql.NullTime
		if err := rows.Scan(&n.ID, &items, &n.Note, &n.Due, &n.RequestedAt, &done); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(items), &n.Items); err != nil {
			return nil, err
		}
		n.RequestedAt, n.CompletedAt = n.RequestedAt.UTC(), nullTime(done)
		out = append(out, n)
	}
	return out, rows.Err()
}

func loadTimeline(ctx context.Context, q sqldb.Querier, courtID, appID string) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT type, at, actor_id, detail FROM filing_event WHERE court_id = ? AND application_id = ?
		ORDER BY at, id`, courtID, appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var d string
		if err := rows.Scan(&e.Type, &e.At, &e.ActorID, &d); err != nil {
			return nil, err
		}
		e.At, e.Detail = e.At.UTC(), json.RawMessage(d)
		out = append(out, e)
	}
	return out, rows.Err()
}
