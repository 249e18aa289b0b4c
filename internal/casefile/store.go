package casefile

import (
	"context"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The SQL of the casefile. It stores and loads; it decides nothing.

const caseColumns = `c.court_id, c.id, c.court_code, c.number, c.year, c.seq, c.spec_code, c.type_code, c.type_class,
	c.cause, c.cause_code, c.procedure, c.status, c.parent_case_id, c.judge_id, c.assistant_id, c.clerk_id,
	c.created_by, c.created_at, c.updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanCase(r scanner) (Case, error) {
	var c Case
	err := r.Scan(&c.CourtID, &c.ID, &c.CourtCode, &c.Number, &c.Year, &c.Seq, &c.SpecCode, &c.TypeCode, &c.TypeClass,
		&c.Cause, &c.CauseCode, &c.Procedure, &c.Status, &c.ParentCaseID, &c.Assignment.JudgeID, &c.Assignment.AssistantID,
		&c.Assignment.ClerkID, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func (c Case) summary() Summary {
	return Summary{ID: c.ID, CourtID: c.CourtID, Number: c.Number, TypeCode: c.TypeCode, Cause: c.Cause,
		Procedure: c.Procedure, Status: c.Status, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// loadCase reads a case with its parties and representatives. A missing
// case is errs.NotFound with key casefile.error.not_found.
func loadCase(ctx context.Context, q sqldb.Querier, id string) (Case, error) {
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseColumns+` FROM casefile_case c WHERE c.id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return Case{}, errs.New(errs.NotFound, "casefile.error.not_found")
	}
	if err != nil {
		return Case{}, err
	}
	rows, err := q.Query(ctx, `SELECT id, role, kind, name, id_type, id_number, phone, address, account_id
		FROM casefile_party WHERE court_id = ? AND case_id = ? ORDER BY position, id`, c.CourtID, c.ID)
	if err != nil {
		return Case{}, err
	}
	c.Parties = []Party{}
	for rows.Next() {
		var p Party
		if err := rows.Scan(&p.ID, &p.Role, &p.Kind, &p.Name, &p.IDType, &p.IDNumber, &p.Phone, &p.Address, &p.AccountID); err != nil {
			rows.Close()
			return Case{}, err
		}
		c.Parties = append(c.Parties, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Case{}, err
	}
	rows, err = q.Query(ctx, `SELECT id, party_id, kind, name, account_id, licence_no, firm, phone
		FROM casefile_representative WHERE court_id = ? AND case_id = ? ORDER BY created_at, id`, c.CourtID, c.ID)
	if err != nil {
		return Case{}, err
	}
	defer rows.Close()
	c.Representatives = []Representative{}
	for rows.Next() {
		var r Representative
		if err := rows.Scan(&r.ID, &r.PartyID, &r.Kind, &r.Name, &r.AccountID, &r.LicenceNo, &r.Firm, &r.Phone); err != nil {
			return Case{}, err
		}
		c.Representatives = append(c.Representatives, r)
	}
	return c, rows.Err()
}

func courtOfCase(ctx context.Context, q sqldb.Querier, id string) (string, error) {
	var court string
	err := q.QueryRow(ctx, `SELECT court_id FROM casefile_case WHERE id = ?`, id).Scan(&court)
	return court, err
}

// appealCourtsOf returns the courts of the cases whose parent is caseID.
func appealCourtsOf(ctx context.Context, q sqldb.Querier, caseID string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT court_id FROM casefile_case WHERE parent_case_id = ?`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func insertCase(ctx context.Context, tx *sqldb.Tx, c Case, origin string) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefile_case (court_id, id, court_code, number, year, seq, spec_code, type_code,
		type_class, cause, cause_code, procedure, status, parent_case_id, judge_id, assistant_id, clerk_id, created_by,
		created_at, updated_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.CourtID, c.ID, c.CourtCode, c.Number, c.Year, c.Seq, c.SpecCode, c.TypeCode, c.TypeClass, c.Cause, c.CauseCode,
		c.Procedure, c.Status, c.ParentCaseID, c.Assignment.JudgeID, c.Assignment.AssistantID, c.Assignment.ClerkID,
		c.CreatedBy, c.CreatedAt, c.UpdatedAt, origin)
	return err
}

func insertParty(ctx context.Context, tx *sqldb.Tx, courtID, caseID string, pos int, p Party) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefile_party (court_id, id, case_id, position, role, kind, name, id_type,
		id_number, phone, address, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, p.ID, caseID, pos, p.Role, p.Kind, p.Name, p.IDType, p.IDNumber, p.Phone, p.Address, p.AccountID, tx.Now)
	return err
}

func insertRepresentative(ctx context.Context, tx *sqldb.Tx, courtID, caseID string, r Representative) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefile_representative (court_id, id, case_id, party_id, kind, name, account_id,
		licence_no, firm, phone, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, r.ID, caseID, r.PartyID, r.Kind, r.Name, r.AccountID, r.LicenceNo, r.Firm, r.Phone, tx.Now)
	return err
}

func countParties(ctx context.Context, tx *sqldb.Tx, courtID, caseID string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM casefile_party WHERE court_id = ? AND case_id = ?`, courtID, caseID).Scan(&n)
	return n, err
}

func insertEvent(ctx context.Context, tx *sqldb.Tx, courtID string, e Event) error {
	detail := string(e.Detail)
	if detail == "" {
		detail = "{}"
	}
	_, err := tx.Exec(ctx, `INSERT INTO casefile_event (court_id, id, case_id, type, at, actor_id, staff_only, note,
		detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, e.ID, e.CaseID, e.Type, e.At.UTC(), e.ActorID, e.StaffOnly, e.Note, detail, tx.Now)
	return err
}

// nextSeq allocates the next number of a sequence inside tx. The upsert
// takes the sequence row's lock until commit, so concurrent creations in
// the same sequence queue behind each other and a rollback gives the
// number back: the sequence is gap-free (法〔2015〕137号 Art. 10: 顺位自然数).
func nextSeq(ctx context.Context, tx *sqldb.Tx, courtID, courtCode, spec, typ string, year int) (int64, error) {
	var last int64
	err := tx.QueryRow(ctx, `INSERT INTO casefile_sequence (court_id, court_code, spec_code, type_code, year, last)
		VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT (court_id, court_code, spec_code, type_code, year) DO UPDATE SET last = casefile_sequence.last + 1
		RETURNING last`, courtID, courtCode, spec, typ, year).Scan(&last)
	return last, err
}

// reserveRandom reserves a random number; false when it was already taken.
// ON CONFLICT DO NOTHING keeps the transaction usable after a collision.
func reserveRandom(ctx context.Context, tx *sqldb.Tx, courtID, courtCode, spec, typ string, year int, seq int64) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO casefile_random_number (court_id, court_code, spec_code, type_code, year, seq)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, courtID, courtCode, spec, typ, year, seq)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// updateStatus moves the case from → to; errs.Conflict when its status is
// no longer from (a concurrent change).
func updateStatus(ctx context.Context, tx *sqldb.Tx, c Case, to Status) error {
	res, err := tx.Exec(ctx, `UPDATE casefile_case SET status = ?, updated_at = ? WHERE court_id = ? AND id = ? AND status = ?`,
		to, tx.Now, c.CourtID, c.ID, c.Status)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errs.Wrap(errs.Conflict, "", err)
	}
	return nil
}

func updateAssignment(ctx context.Context, tx *sqldb.Tx, c Case, a Assignment) error {
	_, err := tx.Exec(ctx, `UPDATE casefile_case SET judge_id = ?, assistant_id = ?, clerk_id = ?, updated_at = ?
		WHERE court_id = ? AND id = ?`, a.JudgeID, a.AssistantID, a.ClerkID, tx.Now, c.CourtID, c.ID)
	return err
}

func touchCase(ctx context.Context, tx *sqldb.Tx, c Case) error {
	_, err := tx.Exec(ctx, `UPDATE casefile_case SET updated_at = ? WHERE court_id = ? AND id = ?`, tx.Now, c.CourtID, c.ID)
	return err
}

func linkPartyAccount(ctx context.Context, tx *sqldb.Tx, courtID, partyID, accountID string) error {
	_, err := tx.Exec(ctx, `UPDATE casefile_party SET account_id = ? WHERE court_id = ? AND id = ?`, accountID, courtID, partyID)
	return err
}

func queryCases(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Case, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// listByAccount lists the cases in which accountID is a party or a
// representative, newest first (UUIDv7 IDs sort by creation time).
func listByAccount(ctx context.Context, q sqldb.Querier, accountID string, p Page) ([]Case, error) {
	query := `SELECT ` + caseColumns + ` FROM casefile_case c
		WHERE (EXISTS (SELECT 1 FROM casefile_party p WHERE p.court_id = c.court_id AND p.case_id = c.id AND p.account_id = ?)
		    OR EXISTS (SELECT 1 FROM casefile_representative r WHERE r.court_id = c.court_id AND r.case_id = c.id AND r.account_id = ?))`
	args := []any{accountID, accountID}
	if p.Before != "" {
		query += ` AND c.id < ?`
		args = append(args, p.Before)
	}
	query += ` ORDER BY c.id DESC LIMIT ?`
	args = append(args, p.limit()+1)
	return queryCases(ctx, q, query, args...)
}

// likePattern escapes s for LIKE … ESCAPE '\' and wraps it in %.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// searchCases lists the court's cases matching every non-empty field of qy.
func searchCases(ctx context.Context, q sqldb.Querier, courtID string, qy Query, p Page) ([]Case, error) {
	query := `SELECT ` + caseColumns + ` FROM casefile_case c WHERE c.court_id = ?`
	args := []any{courtID}
	partyMatch := `EXISTS (SELECT 1 FROM casefile_party p WHERE p.court_id = c.court_id AND p.case_id = c.id AND p.name LIKE ? ESCAPE '\')`
	if qy.Number != "" {
		query += ` AND c.number LIKE ? ESCAPE '\'`
		args = append(args, likePattern(normalizeBrackets(qy.Number)))
	}
	if qy.Party != "" {
		query += ` AND ` + partyMatch
		args = append(args, likePattern(qy.Party))
	}
	if qy.Cause != "" {
		query += ` AND c.cause LIKE ? ESCAPE '\'`
		args = append(args, likePattern(qy.Cause))
	}
	if qy.Status != "" {
		query += ` AND c.status = ?`
		args = append(args, qy.Status)
	}
	if qy.Text != "" {
		query += ` AND (c.number LIKE ? ESCAPE '\' OR c.cause LIKE ? ESCAPE '\' OR ` + partyMatch + `)`
		args = append(args, likePattern(normalizeBrackets(qy.Text)), likePattern(qy.Text), likePattern(qy.Text))
	}
	if p.Before != "" {
		query += ` AND c.id < ?`
		args = append(args, p.Before)
	}
	query += ` ORDER BY c.id DESC LIMIT ?`
	args = append(args, p.limit()+1)
	return queryCases(ctx, q, query, args...)
}

// normalizeBrackets writes ASCII brackets of a typed case number full-width,
// as numbers are stored.
func normalizeBrackets(s string) string {
	return strings.NewReplacer("(", "（", ")", "）").Replace(strings.TrimSpace(s))
}

func loadTimeline(ctx context.Context, q sqldb.Querier, c Case, withStaffOnly bool) ([]Event, error) {
	query := `SELECT id, case_id, type, at, actor_id, staff_only, note, detail FROM casefile_event
		WHERE court_id = ? AND case_id = ?`
	if !withStaffOnly {
		query += ` AND staff_only = ?`
	}
	query += ` ORDER BY at, id`
	args := []any{c.CourtID, c.ID}
	if !withStaffOnly {
		args = append(args, false)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var detail string
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Type, &e.At, &e.ActorID, &e.StaffOnly, &e.Note, &detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		e.Detail = []byte(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}

func insertConsent(ctx context.Context, tx *sqldb.Tx, courtID string, c Consent) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefile_consent (court_id, id, case_id, party_id, stage, consent, how,
		recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, c.ID, c.CaseID, c.PartyID, c.Stage, c.Consent, c.How, c.RecordedBy, c.RecordedAt)
	return err
}

// loadConsents returns the latest record per party and stage; with history,
// every record, oldest first.
func loadConsents(ctx context.Context, q sqldb.Querier, c Case, history bool) ([]Consent, error) {
	rows, err := q.Query(ctx, `SELECT id, case_id, party_id, stage, consent, how, recorded_by, recorded_at
		FROM casefile_consent WHERE court_id = ? AND case_id = ? ORDER BY recorded_at, id`, c.CourtID, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []Consent
	for rows.Next() {
		var k Consent
		if err := rows.Scan(&k.ID, &k.CaseID, &k.PartyID, &k.Stage, &k.Consent, &k.How, &k.RecordedBy, &k.RecordedAt); err != nil {
			return nil, err
		}
		k.RecordedAt = k.RecordedAt.UTC()
		all = append(all, k)
	}
	if err := rows.Err(); err != nil || history {
		return all, err
	}
	type key struct {
		party string
		stage Stage
	}
	latest := map[key]int{}
	out := []Consent{}
	for _, k := range all {
		if i, ok := latest[key{k.PartyID, k.Stage}]; ok {
			out[i] = k
			continue
		}
		latest[key{k.PartyID, k.Stage}] = len(out)
		out = append(out, k)
	}
	return out, nil
}

func countByStatus(ctx context.Context, q sqldb.Querier, courtID string) (map[Status]int, error) {
	rows, err := q.Query(ctx, `SELECT status, COUNT(*) FROM casefile_case WHERE court_id = ? AND status <> ? GROUP BY status`,
		courtID, Closed)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Status]int{}
	for _, s := range Statuses {
		if s.Open() {
			out[s] = 0
		}
	}
	for rows.Next() {
		var s Status
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// orNow returns t in UTC, or now when t is zero (an event whose time the
// caller did not give).
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// hasChildCase reports whether a case names caseID as its parent
// (casefile_case_parent index).
func hasChildCase(ctx context.Context, q sqldb.Querier, caseID string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM casefile_case WHERE parent_case_id = ? LIMIT 1) AS t`, caseID).Scan(&n)
	return n > 0, err
}
