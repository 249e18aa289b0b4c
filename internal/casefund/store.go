package casefund

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// This file holds the SQL: it stores and loads, and decides nothing.

type scanner interface{ Scan(dest ...any) error }

func parseDate(s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	return calendar.ParseDate(s)
}

func dateText(d calendar.Date) string {
	if d == (calendar.Date{}) {
		return ""
	}
	return d.String()
}

// loadAccount returns the account of a case, or errs.NotFound.
func loadAccount(ctx context.Context, q sqldb.Querier, courtID, caseID string) (Account, error) {
	var a Account
	err := q.QueryRow(ctx, `SELECT court_id, case_id, case_number, fee_due, costs_due, costs_note, opened_at
		FROM casefund_account WHERE court_id = ? AND case_id = ?`, courtID, caseID).
		Scan(&a.CourtID, &a.CaseID, &a.CaseNumber, &a.FeeDue, &a.CostsDue, &a.CostsNote, &a.OpenedAt)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return Account{}, errs.New(errs.NotFound, "casefund.error.no_account")
		}
		return Account{}, err
	}
	a.OpenedAt = a.OpenedAt.UTC()
	rows, err := q.Query(ctx, `SELECT party_id, principal, general_interest, due_date, instalments FROM casefund_claim
		WHERE court_id = ? AND case_id = ? ORDER BY seq`, courtID, caseID)
	if err != nil {
		return Account{}, err
	}
	defer rows.Close()
	a.Claims = []Claim{}
	for rows.Next() {
		var c Claim
		var due, inst string
		if err := rows.Scan(&c.PartyID, &c.Principal, &c.GeneralInterest, &due, &inst); err != nil {
			return Account{}, err
		}
		if c.Due, err = parseDate(due); err != nil {
			return Account{}, err
		}
		if inst != "" && inst != "null" {
			if err := json.Unmarshal([]byte(inst), &c.Instalments); err != nil {
				return Account{}, err
			}
		}
		a.Claims = append(a.Claims, c)
	}
	return a, rows.Err()
}

// ensureAccount opens the account of a case if it has none.
func ensureAccount(ctx context.Context, tx *sqldb.Tx, courtID, caseID, number, actor string) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO casefund_account (court_id, case_id, case_number, fee_due, costs_due, costs_note,
		opened_by, opened_at, updated_by, updated_at) VALUES (?, ?, ?, 0, 0, '', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		courtID, caseID, number, actor, tx.Now, actor, tx.Now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func updateDeductions(ctx context.Context, tx *sqldb.Tx, a Account, actor string) error {
	_, err := tx.Exec(ctx, `UPDATE casefund_account SET fee_due = ?, costs_due = ?, costs_note = ?, updated_by = ?, updated_at = ?
		WHERE court_id = ? AND case_id = ?`, a.FeeDue, a.CostsDue, a.CostsNote, actor, tx.Now, a.CourtID, a.CaseID)
	return err
}

func replaceClaims(ctx context.Context, tx *sqldb.Tx, courtID, caseID string, claims []Claim) error {
	if _, err := tx.Exec(ctx, `DELETE FROM casefund_claim WHERE court_id = ? AND case_id = ?`, courtID, caseID); err != nil {
		return err
	}
	for i, c := range claims {
		inst := ""
		if len(c.Instalments) > 0 {
			b, err := json.Marshal(c.Instalments)
			if err != nil {
				return err
			}
			inst = string(b)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO casefund_claim (court_id, case_id, party_id, seq, principal, general_interest, due_date, instalments)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, courtID, caseID, c.PartyID, i+1, c.Principal, c.GeneralInterest, dateText(c.Due), inst); err != nil {
			return err
		}
	}
	return nil
}

// caseByNumber finds the account with a case number at any court.
func caseByNumber(ctx context.Context, q sqldb.Querier, number string) (courtID, caseID string, err error) {
	err = q.QueryRow(ctx, `SELECT court_id, case_id FROM casefund_account WHERE case_number = ? ORDER BY opened_at LIMIT 1`, number).
		Scan(&courtID, &caseID)
	if errs.CodeOf(err) == errs.NotFound {
		return "", "", errs.New(errs.NotFound, "casefund.error.no_account")
	}
	return courtID, caseID, err
}

// caseByNumberAt finds the account with a case number at one court.
func caseByNumberAt(ctx context.Context, q sqldb.Querier, courtID, number string) (string, bool, error) {
	var caseID string
	err := q.QueryRow(ctx, `SELECT case_id FROM casefund_account WHERE court_id = ? AND case_number = ?`, courtID, number).Scan(&caseID)
	if errs.CodeOf(err) == errs.NotFound {
		return "", false, nil
	}
	return caseID, err == nil, err
}

const receiptCols = `court_id, id, bank_ref, case_id, source, statement_id, line_no, received_on, amount, payer, payer_account,
	remark, matched_by, matched_at, recorded_by, recorded_at`

func insertReceipt(ctx context.Context, tx *sqldb.Tx, r Receipt) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefund_receipt (`+receiptCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CourtID, r.ID, r.BankRef, r.CaseID, r.Source, r.StatementID, r.Line, r.On.String(), r.Amount, r.Payer, r.PayerAccount,
		r.Remark, r.MatchedBy, r.MatchedAt, r.RecordedBy, r.RecordedAt)
	return err
}

func scanReceipt(r scanner) (Receipt, error) {
	var x Receipt
	var on string
	var matched *time.Time
	err := r.Scan(&x.CourtID, &x.ID, &x.BankRef, &x.CaseID, &x.Source, &x.StatementID, &x.Line, &on, &x.Amount, &x.Payer,
		&x.PayerAccount, &x.Remark, &x.MatchedBy, &matched, &x.RecordedBy, &x.RecordedAt)
	if err != nil {
		return x, err
	}
	if matched != nil {
		t := matched.UTC()
		x.MatchedAt = &t
	}
	x.RecordedAt = x.RecordedAt.UTC()
	x.On, err = calendar.ParseDate(on)
	return x, err
}

func queryReceipts(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]Receipt, error) {
	rows, err := q.Query(ctx, `SELECT `+receiptCols+`, EXISTS (SELECT 1 FROM casefund_allocation a
		WHERE a.court_id = casefund_receipt.court_id AND a.receipt_id = casefund_receipt.id)
		FROM casefund_receipt WHERE `+where+` ORDER BY received_on, recorded_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Receipt{}
	for rows.Next() {
		var x Receipt
		var on string
		var matched *time.Time
		if err := rows.Scan(&x.CourtID, &x.ID, &x.BankRef, &x.CaseID, &x.Source, &x.StatementID, &x.Line, &on, &x.Amount, &x.Payer,
			&x.PayerAccount, &x.Remark, &x.MatchedBy, &matched, &x.RecordedBy, &x.RecordedAt, &x.Allocated); err != nil {
			return nil, err
		}
		if matched != nil {
			t := matched.UTC()
			x.MatchedAt = &t
		}
		x.RecordedAt = x.RecordedAt.UTC()
		if x.On, err = calendar.ParseDate(on); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

func receiptByRef(ctx context.Context, q sqldb.Querier, courtID, ref string) (Receipt, error) {
	return scanReceipt(q.QueryRow(ctx, `SELECT `+receiptCols+` FROM casefund_receipt WHERE court_id = ? AND bank_ref = ?`, courtID, ref))
}

func receiptByID(ctx context.Context, q sqldb.Querier, id string) (Receipt, error) {
	r, err := scanReceipt(q.QueryRow(ctx, `SELECT `+receiptCols+` FROM casefund_receipt WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return Receipt{}, errs.New(errs.NotFound, "casefund.error.receipt_not_found")
	}
	return r, err
}

func matchReceipt(ctx context.Context, tx *sqldb.Tx, r Receipt) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE casefund_receipt SET case_id = ?, matched_by = ?, matched_at = ? WHERE court_id = ? AND id = ? AND case_id = ''`,
		r.CaseID, r.MatchedBy, r.MatchedAt, r.CourtID, r.ID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func insertStatement(ctx context.Context, tx *sqldb.Tx, st Statement) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefund_statement (court_id, id, sha256, file_name, lines, added, duplicates, skipped, matched,
		imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.CourtID, st.ID, st.SHA256, st.FileName, st.Lines, st.Added,
		st.Duplicates, st.Skipped, st.Matched, st.ImportedBy, st.ImportedAt)
	return err
}

func insertAllocation(ctx context.Context, tx *sqldb.Tx, courtID string, a Allocation) error {
	expl, err := json.Marshal(a.Delay)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO casefund_allocation (court_id, id, case_id, seq, receipt_id, as_of, amount, rate_version,
		explanation, allocated_by, allocated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, courtID, a.ID, a.CaseID, a.Seq, a.ReceiptID,
		a.AsOf.String(), a.Amount, a.RateVersion, string(expl), a.AllocatedBy, a.AllocatedAt); err != nil {
		return err
	}
	for _, l := range a.Lines {
		if _, err := tx.Exec(ctx, `INSERT INTO casefund_allocation_line (court_id, allocation_id, seq, case_id, kind, party_id, owed, amount, basis)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, courtID, a.ID, l.Seq, a.CaseID, l.Kind, l.PartyID, l.Owed, l.Amount, l.Basis); err != nil {
			return err
		}
	}
	return nil
}

func loadAllocations(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Allocation, error) {
	rows, err := q.Query(ctx, `SELECT id, case_id, seq, receipt_id, as_of, amount, rate_version, explanation, allocated_by, allocated_at
		FROM casefund_allocation WHERE court_id = ? AND case_id = ? ORDER BY seq`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	out := []Allocation{}
	idx := map[string]int{}
	for rows.Next() {
		var a Allocation
		var asOf, expl string
		if err := rows.Scan(&a.ID, &a.CaseID, &a.Seq, &a.ReceiptID, &asOf, &a.Amount, &a.RateVersion, &expl, &a.AllocatedBy, &a.AllocatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		if a.AsOf, err = calendar.ParseDate(asOf); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(expl), &a.Delay); err != nil {
			rows.Close()
			return nil, err
		}
		if a.Delay == nil {
			a.Delay = []DelayExplanation{}
		}
		a.AllocatedAt = a.AllocatedAt.UTC()
		a.Lines = []AllocationLine{}
		idx[a.ID] = len(out)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lrows, err := q.Query(ctx, `SELECT allocation_id, seq, kind, party_id, owed, amount, basis FROM casefund_allocation_line
		WHERE court_id = ? AND case_id = ? ORDER BY allocation_id, seq`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer lrows.Close()
	for lrows.Next() {
		var id string
		var l AllocationLine
		if err := lrows.Scan(&id, &l.Seq, &l.Kind, &l.PartyID, &l.Owed, &l.Amount, &l.Basis); err != nil {
			return nil, err
		}
		if i, ok := idx[id]; ok {
			out[i].Lines = append(out[i].Lines, l)
		}
	}
	return out, lrows.Err()
}

const payoutCols = `id, case_id, party_id, amount, paid_on, payee_name, payee_account, payee_bank, bank_ref, recorded_by, recorded_at`

func insertPayout(ctx context.Context, tx *sqldb.Tx, courtID string, p Payout) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefund_payout (court_id, `+payoutCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, p.ID, p.CaseID, p.PartyID, p.Amount, p.PaidOn.String(), p.PayeeName, p.PayeeAccount, p.PayeeBank, p.BankRef,
		p.RecordedBy, p.RecordedAt)
	return err
}

func loadPayouts(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Payout, error) {
	rows, err := q.Query(ctx, `SELECT `+payoutCols+` FROM casefund_payout WHERE court_id = ? AND case_id = ? ORDER BY paid_on, recorded_at, id`,
		courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Payout{}
	for rows.Next() {
		var p Payout
		var on string
		if err := rows.Scan(&p.ID, &p.CaseID, &p.PartyID, &p.Amount, &on, &p.PayeeName, &p.PayeeAccount, &p.PayeeBank, &p.BankRef,
			&p.RecordedBy, &p.RecordedAt); err != nil {
			return nil, err
		}
		if p.PaidOn, err = calendar.ParseDate(on); err != nil {
			return nil, err
		}
		p.RecordedAt = p.RecordedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

const consentCols = `id, case_id, party_id, station, how, granted_on, expires_on, recorded_by, recorded_at, revoked_at`

func insertConsent(ctx context.Context, tx *sqldb.Tx, courtID string, c Consent) error {
	_, err := tx.Exec(ctx, `INSERT INTO casefund_consent (court_id, `+consentCols+`, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`,
		courtID, c.ID, c.CaseID, c.PartyID, c.Station, c.How, c.GrantedOn.String(), c.ExpiresOn.String(), c.RecordedBy, c.RecordedAt, c.RevokedAt)
	return err
}

func loadConsents(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Consent, error) {
	rows, err := q.Query(ctx, `SELECT `+consentCols+` FROM casefund_consent WHERE court_id = ? AND case_id = ? ORDER BY recorded_at, id`,
		courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Consent{}
	for rows.Next() {
		var c Consent
		var from, to string
		var rev *time.Time
		if err := rows.Scan(&c.ID, &c.CaseID, &c.PartyID, &c.Station, &c.How, &from, &to, &c.RecordedBy, &c.RecordedAt, &rev); err != nil {
			return nil, err
		}
		if c.GrantedOn, err = calendar.ParseDate(from); err != nil {
			return nil, err
		}
		if c.ExpiresOn, err = calendar.ParseDate(to); err != nil {
			return nil, err
		}
		if rev != nil {
			t := rev.UTC()
			c.RevokedAt = &t
		}
		c.RecordedAt = c.RecordedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

func revokeConsent(ctx context.Context, tx *sqldb.Tx, courtID, id, actor string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE casefund_consent SET revoked_by = ?, revoked_at = ? WHERE court_id = ? AND id = ? AND revoked_at IS NULL`,
		actor, tx.Now, courtID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func consentCase(ctx context.Context, q sqldb.Querier, id string) (string, error) {
	var caseID string
	err := q.QueryRow(ctx, `SELECT case_id FROM casefund_consent WHERE id = ?`, id).Scan(&caseID)
	if errs.CodeOf(err) == errs.NotFound {
		return "", errs.New(errs.NotFound, "casefund.error.consent_not_found")
	}
	return caseID, err
}

// delayPayments turns earlier principal allocations into delay payments.
func delayPayments(allocs []Allocation, partyID string) []delay.Payment {
	var out []delay.Payment
	for _, a := range allocs {
		for _, l := range a.Lines {
			if l.Kind == KindPrincipal && l.PartyID == partyID && l.Amount > 0 {
				out = append(out, delay.Payment{On: a.AsOf, Amount: l.Amount})
			}
		}
	}
	return out
}
