package enforcement

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// This file and node_store.go hold the SQL: they store and load, and
// decide nothing.

type scanner interface{ Scan(dest ...any) error }

func dateText(d *calendar.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func parseOptDate(s string) (*calendar.Date, error) {
	if s == "" {
		return nil, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const applicationCols = `court_id, id, applicant_account, type_code, title_source, title_kind, document_id, source_case_id,
	prior_case_id, title_number, title_issuer, title_sha256, title_file_kind, title_size, effective_on, due_on, instalments,
	suspended, amount_fen, claim, sms, cause, parties, period_start, period_last, state, reason, case_id, submitted_at, decided_by, decided_at`

func insertApplication(ctx context.Context, tx *sqldb.Tx, a Application) error {
	inst, _ := json.Marshal(a.Instalments)
	susp, _ := json.Marshal(a.Suspended)
	parties, _ := json.Marshal(a.Parties)
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_application (`+applicationCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.CourtID, a.ID, a.ApplicantAccount, a.TypeCode, a.TitleSource, a.TitleKind, a.DocumentID, a.SourceCaseID,
		a.PriorCaseID, a.TitleNumber, a.TitleIssuer, a.TitleSHA256, a.TitleFileKind, a.TitleSize, a.Effective.String(),
		dateText(a.Due), string(inst), string(susp), a.AmountFen, a.Claim, a.SMS, a.Cause, string(parties), a.PeriodStart.String(),
		a.PeriodLast.String(), a.State, a.Reason, a.CaseID, a.SubmittedAt, a.DecidedBy, a.DecidedAt)
	return err
}

func scanApplication(r scanner) (Application, error) {
	var a Application
	var eff, due, inst, susp, parties, pstart, plast string
	var decided *time.Time
	err := r.Scan(&a.CourtID, &a.ID, &a.ApplicantAccount, &a.TypeCode, &a.TitleSource, &a.TitleKind, &a.DocumentID,
		&a.SourceCaseID, &a.PriorCaseID, &a.TitleNumber, &a.TitleIssuer, &a.TitleSHA256, &a.TitleFileKind, &a.TitleSize,
		&eff, &due, &inst, &susp, &a.AmountFen, &a.Claim, &a.SMS, &a.Cause, &parties, &pstart, &plast, &a.State, &a.Reason,
		&a.CaseID, &a.SubmittedAt, &a.DecidedBy, &decided)
	if err != nil {
		return a, err
	}
	if a.Effective, err = calendar.ParseDate(eff); err != nil {
		return a, err
	}
	if a.Due, err = parseOptDate(due); err != nil {
		return a, err
	}
	if a.PeriodStart, err = calendar.ParseDate(pstart); err != nil {
		return a, err
	}
	if a.PeriodLast, err = calendar.ParseDate(plast); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(inst), &a.Instalments); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(susp), &a.Suspended); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(parties), &a.Parties); err != nil {
		return a, err
	}
	a.Late = a.SubmittedDate().After(a.PeriodLast)
	a.SubmittedAt, a.DecidedAt = a.SubmittedAt.UTC(), utcPtr(decided)
	return a, nil
}

// SubmittedDate is the China-time day the application was received.
func (a Application) SubmittedDate() calendar.Date { return calendar.DateOf(a.SubmittedAt) }

func loadApplication(ctx context.Context, q sqldb.Querier, id string) (Application, error) {
	a, err := scanApplication(q.QueryRow(ctx, `SELECT `+applicationCols+` FROM enforcement_application WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return a, errs.New(errs.NotFound, "enforcement.error.application_not_found")
	}
	return a, err
}

func listApplications(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]Application, error) {
	rows, err := q.Query(ctx, `SELECT `+applicationCols+` FROM enforcement_application WHERE `+where+` ORDER BY submitted_at DESC, id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Application{}
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func decideApplication(ctx context.Context, tx *sqldb.Tx, a Application) error {
	_, err := tx.Exec(ctx, `UPDATE enforcement_application SET state = ?, reason = ?, case_id = ?, decided_by = ?, decided_at = ?
		WHERE court_id = ? AND id = ?`, a.State, a.Reason, a.CaseID, a.DecidedBy, a.DecidedAt, a.CourtID, a.ID)
	return err
}

const recordCols = `court_id, case_id, application_id, number, type_code, filed_on, deadline, extended_to, extension_reason,
	extension_approver, amount_fen, fee_fen, fee_payable_later, fee_version, enforced_fen, concluded_on, created_at`

func insertRecord(ctx context.Context, tx *sqldb.Tx, r Record) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_case (`+recordCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CourtID, r.CaseID, r.ApplicationID, r.Number, r.TypeCode, r.FiledOn.String(), r.Deadline.String(), dateText(r.ExtendedTo),
		r.ExtensionReason, r.ExtensionApprover, r.AmountFen, r.FeeFen, r.FeePayableLater, r.FeeVersion, r.EnforcedFen,
		dateText(r.ConcludedOn), r.CreatedAt)
	return err
}

func scanRecord(sc scanner) (Record, error) {
	var r Record
	var filed, deadline, ext, concl string
	err := sc.Scan(&r.CourtID, &r.CaseID, &r.ApplicationID, &r.Number, &r.TypeCode, &filed, &deadline, &ext, &r.ExtensionReason,
		&r.ExtensionApprover, &r.AmountFen, &r.FeeFen, &r.FeePayableLater, &r.FeeVersion, &r.EnforcedFen, &concl, &r.CreatedAt)
	if err != nil {
		return r, err
	}
	if r.FiledOn, err = calendar.ParseDate(filed); err != nil {
		return r, err
	}
	if r.Deadline, err = calendar.ParseDate(deadline); err != nil {
		return r, err
	}
	if r.ExtendedTo, err = parseOptDate(ext); err != nil {
		return r, err
	}
	if r.ConcludedOn, err = parseOptDate(concl); err != nil {
		return r, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// loadRecord returns the enforcement record of a case with its officers,
// or errs.NotFound.
func loadRecord(ctx context.Context, q sqldb.Querier, caseID string) (Record, error) {
	r, err := scanRecord(q.QueryRow(ctx, `SELECT `+recordCols+` FROM enforcement_case WHERE case_id = ?`, caseID))
	if errs.CodeOf(err) == errs.NotFound {
		return r, errs.New(errs.NotFound, "enforcement.error.case_not_found")
	}
	if err != nil {
		return r, err
	}
	r.Officers, err = loadOfficers(ctx, q, r.CourtID, r.CaseID)
	return r, err
}

func updateRecord(ctx context.Context, tx *sqldb.Tx, r Record) error {
	_, err := tx.Exec(ctx, `UPDATE enforcement_case SET extended_to = ?, extension_reason = ?, extension_approver = ?,
		enforced_fen = ?, concluded_on = ? WHERE court_id = ? AND case_id = ?`, dateText(r.ExtendedTo), r.ExtensionReason,
		r.ExtensionApprover, r.EnforcedFen, dateText(r.ConcludedOn), r.CourtID, r.CaseID)
	return err
}

func insertOfficer(ctx context.Context, tx *sqldb.Tx, courtID, caseID string, o Officer, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_officer (court_id, case_id, account_id, lead, assigned_by, assigned_at)
		VALUES (?, ?, ?, ?, ?, ?)`, courtID, caseID, o.AccountID, o.Lead, by, o.AssignedAt)
	return err
}

func loadOfficers(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Officer, error) {
	rows, err := q.Query(ctx, `SELECT account_id, lead, assigned_at FROM enforcement_officer WHERE court_id = ? AND case_id = ?
		ORDER BY lead DESC, assigned_at, account_id`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Officer{}
	for rows.Next() {
		var o Officer
		if err := rows.Scan(&o.AccountID, &o.Lead, &o.AssignedAt); err != nil {
			return nil, err
		}
		o.AssignedAt = o.AssignedAt.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// casesOfOfficer returns the records of the cases account is assigned to.
func casesOfOfficer(ctx context.Context, q sqldb.Querier, account string) ([]Record, error) {
	rows, err := q.Query(ctx, `SELECT `+prefixed("c.", recordCols)+` FROM enforcement_case c
		JOIN enforcement_officer o ON o.court_id = c.court_id AND o.case_id = c.case_id
		WHERE o.account_id = ? ORDER BY c.deadline, c.case_id LIMIT 500`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	var b []byte
	start := true
	for i := 0; i < len(cols); i++ {
		c := cols[i]
		if start && c != ' ' && c != '\t' && c != '\n' {
			b = append(b, alias...)
			start = false
		}
		b = append(b, c)
		if c == ',' {
			start = true
		}
	}
	return string(b)
}

func leadAnswerDays(ctx context.Context, q sqldb.Querier, courtID string) (int, bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT lead_answer_days FROM enforcement_setting WHERE court_id = ?`, courtID).Scan(&n)
	if errs.CodeOf(err) == errs.NotFound {
		return 0, false, nil
	}
	return n, err == nil, err
}

func upsertSetting(ctx context.Context, tx *sqldb.Tx, courtID string, days int, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_setting (court_id, lead_answer_days, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (court_id) DO UPDATE SET lead_answer_days = excluded.lead_answer_days, updated_by = excluded.updated_by,
		updated_at = excluded.updated_at`, courtID, days, by, tx.Now)
	return err
}

func upsertContact(ctx context.Context, tx *sqldb.Tx, courtID, caseID, account string, sms bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_contact (court_id, case_id, account_id, sms, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (court_id, case_id, account_id) DO UPDATE SET sms = excluded.sms, updated_at = excluded.updated_at`,
		courtID, caseID, account, sms, tx.Now)
	return err
}

// smsChoices returns the accounts of a case that chose SMS.
func smsChoices(ctx context.Context, q sqldb.Querier, courtID, caseID string) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT account_id, sms FROM enforcement_contact WHERE court_id = ? AND case_id = ?`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a string
		var sms bool
		if err := rows.Scan(&a, &sms); err != nil {
			return nil, err
		}
		out[a] = sms
	}
	return out, rows.Err()
}

const escalationCols = `court_id, id, case_id, case_court_id, party_id, reason, supervision_case_id, requested_by, requested_at`

func insertEscalation(ctx context.Context, tx *sqldb.Tx, caseCourt string, e Escalation) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_escalation (`+escalationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.HigherCourtID, e.ID, e.CaseID, caseCourt, e.PartyID, e.Reason, e.SupervisionCaseID, e.RequestedBy, e.RequestedAt)
	return err
}

func loadEscalation(ctx context.Context, q sqldb.Querier, caseID string) (*Escalation, error) {
	var e Escalation
	var caseCourt string
	err := q.QueryRow(ctx, `SELECT `+escalationCols+` FROM enforcement_escalation WHERE case_id = ?`, caseID).Scan(
		&e.HigherCourtID, &e.ID, &e.CaseID, &caseCourt, &e.PartyID, &e.Reason, &e.SupervisionCaseID, &e.RequestedBy, &e.RequestedAt)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e.RequestedAt = e.RequestedAt.UTC()
	return &e, nil
}
