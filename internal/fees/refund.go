package fees

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// RefundStatus is the state of a refund.
type RefundStatus string

// The refund statuses.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
)

// Refund is money paid back on a bill (Art. 21(二), 25, 27, 53; 民诉法解释
// Art. 199, 207).
type Refund struct {
	ID         string       `json:"id"`
	BillID     string       `json:"bill_id"`
	OrderID    string       `json:"order_id"`
	AmountFen  money.Fen    `json:"amount_fen"`
	Status     RefundStatus `json:"status"`
	Reason     string       `json:"reason"`
	GatewayRef string       `json:"gateway_ref"`
	CreatedAt  time.Time    `json:"created_at"`

	courtID string
}

// refundRoles may order refunds.
var refundRoles = []auth.Role{auth.FilingOfficer, auth.CourtAdmin, auth.Judge}

// RefundBill pays back amount of a paid bill through the gateway that took
// the payment, for the reason given (the ruling that requires it; Art. 53:
// within 15 days of the document taking effect). The caller must be a
// filing officer, court administrator or judge of the bill's court. The
// refund is pending until the gateway confirms it (synchronously or by
// callback); the bill then becomes partly_refunded or refunded and
// ecourt.fees.bill.refunded is emitted. Errors: forbidden; not_found;
// conflict "fees.error.not_refundable" when the bill has no payment left to
// refund; invalid for an amount that is not positive or exceeds what is
// left, or an empty reason; unavailable when the gateway refuses.
func (s *Service) RefundBill(ctx context.Context, billID string, amount money.Fen, reason string) (Refund, error) {
	b, err := loadBill(ctx, s.db, billID)
	if err != nil {
		return Refund{}, err
	}
	if _, err := auth.RequireRole(ctx, b.CourtID, refundRoles...); err != nil {
		return Refund{}, err
	}
	var v errs.Collector
	if reason == "" {
		v.Add("reason", "required")
	} else if utf8.RuneCountInString(reason) > 1000 {
		v.Add("reason", "too_long", 1000)
	}
	if amount <= 0 {
		v.AddField(fieldErr("amount_fen", "positive"))
	}
	if err := v.Err(); err != nil {
		return Refund{}, err
	}
	var rf Refund
	var o Order
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		b, err := lockBill(ctx, tx, b.CourtID, b.ID)
		if err != nil {
			return err
		}
		if b.Status != Paid && b.Status != PartlyRefunded {
			return errs.New(errs.Conflict, "fees.error.not_refundable")
		}
		if o, err = paidOrder(ctx, tx, b); err != nil {
			return errs.New(errs.Conflict, "fees.error.not_refundable")
		}
		var pending money.Fen
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM fees_refund WHERE court_id = ? AND bill_id = ? AND status <> ?`,
			b.CourtID, b.ID, RefundFailed).Scan(&pending); err != nil {
			return err
		}
		if amount > b.PaidFen-pending {
			return errs.Fields(fieldErr("amount_fen", "refund_too_large"))
		}
		rf = Refund{ID: ids.New(), BillID: b.ID, OrderID: o.ID, AmountFen: amount, Status: RefundPending, Reason: reason,
			CreatedAt: tx.Now, courtID: b.CourtID}
		if _, err := tx.Exec(ctx, `INSERT INTO fees_refund (court_id, id, bill_id, payment_id, amount_fen, status, reason, gateway_ref,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`,
			b.CourtID, rf.ID, b.ID, o.ID, amount, rf.Status, reason, audit.ActorFrom(ctx).UserID, tx.Now, tx.Now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "fees.refund.request", CourtID: b.CourtID, CaseID: b.CaseID, Target: rf.ID,
			Detail: map[string]any{"bill_id": b.ID, "amount_fen": amount, "reason": reason}})
	})
	if err != nil {
		return Refund{}, err
	}
	g, ok := s.gateways[o.Gateway]
	if !ok {
		return Refund{}, errs.New(errs.Unavailable, "fees.error.gateway")
	}
	res, gerr := g.Refund(ctx, RefundRequest{RefundID: rf.ID, OrderID: o.ID, GatewayRef: o.GatewayRef, AmountFen: amount,
		TotalFen: o.AmountFen, Reason: reason, NotifyURL: s.base() + "/api/v1/fees/callbacks/" + o.Gateway})
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if gerr != nil {
			rf.Status = RefundFailed
			_, err := tx.Exec(ctx, `UPDATE fees_refund SET status = ?, updated_at = ? WHERE court_id = ? AND id = ? AND status = ?`,
				RefundFailed, tx.Now, rf.courtID, rf.ID, RefundPending)
			return err
		}
		rf.GatewayRef = res.GatewayRef
		if _, err := tx.Exec(ctx, `UPDATE fees_refund SET gateway_ref = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
			res.GatewayRef, tx.Now, rf.courtID, rf.ID); err != nil {
			return err
		}
		if res.Status == CallbackRefunded {
			o2, err := lockOrder(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			_, err = s.applyRefund(ctx, tx, o2, Callback{OrderID: o.ID, GatewayRef: res.GatewayRef, Status: CallbackRefunded,
				AmountFen: amount, RefundID: rf.ID})
			if err == nil {
				rf.Status = RefundSucceeded
			}
			return err
		}
		return nil
	})
	if gerr != nil {
		return rf, errs.Wrap(errs.Unavailable, "fees.error.gateway", gerr)
	}
	return rf, err
}

// applyRefund applies a refund outcome once: only a pending refund moves.
func (s *Service) applyRefund(ctx context.Context, tx *sqldb.Tx, o Order, cb Callback) (string, error) {
	var rf Refund
	err := tx.QueryRow(ctx, `SELECT id, amount_fen, status FROM fees_refund WHERE court_id = ? AND id = ? AND payment_id = ?`,
		o.CourtID, cb.RefundID, o.ID).Scan(&rf.ID, &rf.AmountFen, &rf.Status)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return "", notFound()
		}
		return "", err
	}
	if cb.AmountFen != rf.AmountFen {
		return "", errs.New(errs.Invalid, "fees.error.callback_amount")
	}
	if rf.Status != RefundPending {
		return "duplicate", nil
	}
	b, err := lockBill(ctx, tx, o.CourtID, o.BillID)
	if err != nil {
		return "", err
	}
	if cb.Status == CallbackRefundFailed {
		if _, err := tx.Exec(ctx, `UPDATE fees_refund SET status = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
			RefundFailed, tx.Now, o.CourtID, rf.ID); err != nil {
			return "", err
		}
		return "applied", audit.Append(ctx, tx, audit.Record{Action: "fees.refund.fail", CourtID: b.CourtID, CaseID: b.CaseID, Target: rf.ID})
	}
	if _, err := tx.Exec(ctx, `UPDATE fees_refund SET status = ?, gateway_ref = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
		RefundSucceeded, cb.GatewayRef, tx.Now, o.CourtID, rf.ID); err != nil {
		return "", err
	}
	to := PartlyRefunded
	if b.RefundedFen+rf.AmountFen >= b.PaidFen {
		to = Refunded
	}
	if err := checkTransition(b.Status, to); err != nil {
		return "", err
	}
	b.Status, b.RefundedFen, b.UpdatedAt = to, b.RefundedFen+rf.AmountFen, tx.Now
	if err := updateBill(ctx, tx, b); err != nil {
		return "", err
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "fees.refund.succeed", CourtID: b.CourtID, CaseID: b.CaseID, Target: rf.ID,
		Detail: map[string]any{"bill_id": b.ID, "amount_fen": rf.AmountFen, "refunded_fen": b.RefundedFen}}); err != nil {
		return "", err
	}
	return "applied", enqueue(ctx, tx, "ecourt.fees.bill.refunded", b, map[string]any{
		"bill_id": b.ID, "refund_id": rf.ID, "case_id": b.CaseID, "amount_fen": rf.AmountFen,
		"refunded_fen": b.RefundedFen, "status": b.Status})
}
