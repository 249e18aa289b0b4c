package fees

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

const billColumns = `court_id, id, case_id, case_number, court_code, payer_account_id, payer_party_id, payer_name,
	kind, procedure, claim_fen, original_fen, amount_fen, quote, schedule_version, notice_date, due_date, status,
	paid_fen, refunded_fen, receipt_no, paid_at, flagged, created_by, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanBill(r scanner) (Bill, error) {
	var b Bill
	var quote, notice, due string
	var paidAt sql.NullTime
	var flagged int
	err := r.Scan(&b.CourtID, &b.ID, &b.CaseID, &b.CaseNumber, &b.courtCode, &b.PayerAccountID, &b.PayerPartyID, &b.PayerName,
		&b.Kind, &b.Procedure, &b.ClaimFen, &b.OriginalFen, &b.AmountFen, &quote, &b.ScheduleVersion, &notice, &due, &b.Status,
		&b.PaidFen, &b.RefundedFen, &b.ReceiptNo, &paidAt, &flagged, &b.createdBy, &b.CreatedAt, &b.UpdatedAt)
	if err != nil {
		return Bill{}, err
	}
	if err := json.Unmarshal([]byte(quote), &b.Quote); err != nil {
		return Bill{}, fmt.Errorf("fees: bill %s quote: %w", b.ID, err)
	}
	if b.NoticeDate, err = calendar.ParseDate(notice); err != nil {
		return Bill{}, fmt.Errorf("fees: bill %s notice date: %w", b.ID, err)
	}
	if b.DueDate, err = calendar.ParseDate(due); err != nil {
		return Bill{}, fmt.Errorf("fees: bill %s due date: %w", b.ID, err)
	}
	if paidAt.Valid {
		t := paidAt.Time.UTC()
		b.PaidAt = &t
	}
	b.flagged = flagged != 0
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func insertBill(ctx context.Context, tx *sqldb.Tx, b Bill) error {
	quote, err := json.Marshal(b.Quote)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO fees_bill (`+billColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.CourtID, b.ID, b.CaseID, b.CaseNumber, b.courtCode, b.PayerAccountID, b.PayerPartyID, b.PayerName,
		b.Kind, b.Procedure, b.ClaimFen, b.OriginalFen, b.AmountFen, string(quote), b.ScheduleVersion,
		b.NoticeDate.String(), b.DueDate.String(), b.Status, b.PaidFen, b.RefundedFen, b.ReceiptNo,
		nullTime(b.PaidAt), boolInt(b.flagged), b.createdBy, b.CreatedAt, b.UpdatedAt)
	return err
}

// updateBill writes the mutable fields of b.
func updateBill(ctx context.Context, tx *sqldb.Tx, b Bill) error {
	_, err := tx.Exec(ctx, `UPDATE fees_bill SET amount_fen = ?, due_date = ?, status = ?, paid_fen = ?, refunded_fen = ?,
		receipt_no = ?, paid_at = ?, flagged = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
		b.AmountFen, b.DueDate.String(), b.Status, b.PaidFen, b.RefundedFen, b.ReceiptNo, nullTime(b.PaidAt),
		boolInt(b.flagged), b.UpdatedAt, b.CourtID, b.ID)
	return err
}

func notFound() error { return errs.New(errs.NotFound, "fees.error.not_found") }

func loadBill(ctx context.Context, q sqldb.Querier, id string) (Bill, error) {
	b, err := scanBill(q.QueryRow(ctx, `SELECT `+billColumns+` FROM fees_bill WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound || err == sql.ErrNoRows {
		return Bill{}, notFound()
	}
	return b, err
}

// lockBill loads a bill inside tx for update (PostgreSQL row lock; SQLite
// serialises writers anyway).
func lockBill(ctx context.Context, tx *sqldb.Tx, courtID, id string) (Bill, error) {
	q := `SELECT ` + billColumns + ` FROM fees_bill WHERE court_id = ? AND id = ?`
	if tx.Dialect() == sqldb.Postgres {
		q += ` FOR UPDATE`
	}
	b, err := scanBill(tx.QueryRow(ctx, q, courtID, id))
	if errs.CodeOf(err) == errs.NotFound || err == sql.ErrNoRows {
		return Bill{}, notFound()
	}
	return b, err
}

func queryBills(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Bill, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bill
	for rows.Next() {
		b, err := scanBill(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func listBills(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Bill, error) {
	return queryBills(ctx, q, `SELECT `+billColumns+` FROM fees_bill WHERE court_id = ? AND case_id = ? ORDER BY created_at, id`, courtID, caseID)
}

// nextReceipt allocates the next receipt sequence number of a court's year;
// the upsert's row lock serialises concurrent payments.
func nextReceipt(ctx context.Context, tx *sqldb.Tx, courtID string, year int) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `INSERT INTO fees_receipt_seq (court_id, year, seq) VALUES (?, ?, 1)
		ON CONFLICT (court_id, year) DO UPDATE SET seq = fees_receipt_seq.seq + 1 RETURNING seq`, courtID, year).Scan(&seq)
	return seq, err
}
