package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The SQL of tasks and periods.

// Tasks.

const taskColumns = `court_id, id, case_id, service_id, kind, reason, options, assignee_id, status, outcome,
	created_at, closed_at, closed_by`

func insertTask(ctx context.Context, tx *sqldb.Tx, t Task) error {
	opts, err := toJSON(t.Options)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO delivery_task (`+taskColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.CourtID, t.ID, t.CaseID, t.ServiceID, t.Kind, t.Reason, opts, t.AssigneeID, t.Status, t.Outcome,
		t.CreatedAt, nullTime(t.ClosedAt), t.ClosedBy)
	return err
}

func closeTask(ctx context.Context, tx *sqldb.Tx, t Task) error {
	_, err := tx.Exec(ctx, `UPDATE delivery_task SET status = ?, outcome = ?, closed_at = ?, closed_by = ?
		WHERE court_id = ? AND id = ?`, t.Status, t.Outcome, nullTime(t.ClosedAt), t.ClosedBy, t.CourtID, t.ID)
	return err
}

func scanTask(sc scanner) (Task, error) {
	var t Task
	var opts string
	var closed sql.NullTime
	err := sc.Scan(&t.CourtID, &t.ID, &t.CaseID, &t.ServiceID, &t.Kind, &t.Reason, &opts, &t.AssigneeID, &t.Status,
		&t.Outcome, &t.CreatedAt, &closed, &t.ClosedBy)
	if err != nil {
		return Task{}, err
	}
	if err := json.Unmarshal([]byte(opts), &t.Options); err != nil {
		return Task{}, fmt.Errorf("delivery: task %s options: %w", t.ID, err)
	}
	t.CreatedAt, t.ClosedAt = t.CreatedAt.UTC(), timePtr(closed)
	return t, nil
}

func queryTasks(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Task, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func loadTask(ctx context.Context, q sqldb.Querier, id string) (Task, error) {
	t, err := scanTask(q.QueryRow(ctx, `SELECT `+taskColumns+` FROM delivery_task WHERE id = ?`, id))
	if isNoRows(err) {
		return Task{}, errs.New(errs.NotFound, "delivery.error.task_not_found")
	}
	return t, err
}

func openTasksOf(ctx context.Context, q sqldb.Querier, courtID, serviceID, kind string) ([]Task, error) {
	return queryTasks(ctx, q, `SELECT `+taskColumns+` FROM delivery_task
		WHERE court_id = ? AND service_id = ? AND kind = ? AND status = ? ORDER BY created_at, id`,
		courtID, serviceID, kind, TaskOpen)
}

// Periods.

const periodColumns = `court_id, id, case_id, service_id, party_id, recipient_name, kind, rules_version, days,
	foreign_rule, article, start_date, nominal_end, end_date, provisional, skipped, created_at, updated_at`

func upsertPeriod(ctx context.Context, tx *sqldb.Tx, p Period) error {
	skipped, err := toJSON(p.Skipped)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO delivery_period (`+periodColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (court_id, service_id, kind) DO UPDATE SET rules_version = excluded.rules_version,
			days = excluded.days, foreign_rule = excluded.foreign_rule, article = excluded.article,
			start_date = excluded.start_date, nominal_end = excluded.nominal_end, end_date = excluded.end_date,
			provisional = excluded.provisional, skipped = excluded.skipped, updated_at = excluded.updated_at`,
		p.CourtID, p.ID, p.CaseID, p.ServiceID, p.PartyID, p.RecipientName, p.Kind, p.RulesVersion, p.Days,
		boolInt(p.Foreign), p.Article, p.Start.String(), p.NominalEnd.String(), p.End.String(), boolInt(p.Provisional),
		skipped, p.CreatedAt, p.UpdatedAt)
	return err
}

func scanPeriod(sc scanner) (Period, error) {
	var p Period
	var foreign, prov int
	var start, nominal, end, skipped string
	err := sc.Scan(&p.CourtID, &p.ID, &p.CaseID, &p.ServiceID, &p.PartyID, &p.RecipientName, &p.Kind, &p.RulesVersion,
		&p.Days, &foreign, &p.Article, &start, &nominal, &end, &prov, &skipped, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return Period{}, err
	}
	p.Foreign, p.Provisional = foreign != 0, prov != 0
	if p.Start, err = calendar.ParseDate(start); err == nil {
		if p.NominalEnd, err = calendar.ParseDate(nominal); err == nil {
			p.End, err = calendar.ParseDate(end)
		}
	}
	if err != nil {
		return Period{}, fmt.Errorf("delivery: period %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(skipped), &p.Skipped); err != nil {
		return Period{}, fmt.Errorf("delivery: period %s skipped: %w", p.ID, err)
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, nil
}

func queryPeriods(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Period, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Period{}
	for rows.Next() {
		p, err := scanPeriod(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func periodsOfService(ctx context.Context, q sqldb.Querier, courtID, serviceID string) ([]Period, error) {
	return queryPeriods(ctx, q, `SELECT `+periodColumns+` FROM delivery_period WHERE court_id = ? AND service_id = ? ORDER BY kind`,
		courtID, serviceID)
}

func loadPeriod(ctx context.Context, q sqldb.Querier, id string) (Period, error) {
	p, err := scanPeriod(q.QueryRow(ctx, `SELECT `+periodColumns+` FROM delivery_period WHERE id = ?`, id))
	if isNoRows(err) {
		return Period{}, errs.New(errs.NotFound, "delivery.error.not_found")
	}
	return p, err
}
