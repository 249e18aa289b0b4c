package fees

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Gateway is an online payment provider (UnionPay, WeChat Pay, Alipay, or
// the built-in sandbox). An adapter translates these calls into the
// provider's API and its signed notifications into a Callback.
type Gateway interface {
	// CreatePayment opens an order at the provider and returns where the
	// payer goes to pay: a URL to redirect a browser to (PayURL) and/or a
	// QR code's content (QRContent). The provider later POSTs the outcome,
	// signed, to req.NotifyURL, possibly more than once and out of order.
	CreatePayment(ctx context.Context, req PaymentRequest) (Payment, error)
	// Refund asks the provider to pay back part or all of a paid order.
	// The synchronous answer says whether the refund was accepted (Status
	// RefundProcessing) or already done (CallbackRefunded); the final
	// outcome also arrives as a signed callback to req.NotifyURL.
	Refund(ctx context.Context, req RefundRequest) (RefundResult, error)
	// VerifyCallback checks the provider's signature over a notification
	// (the raw body and its headers) and parses it. A missing or wrong
	// signature is an errs.Unauthenticated error. Freshness (SentAt) and
	// replay (Nonce) are checked by the fees service, which keeps the
	// nonces it has seen.
	VerifyCallback(ctx context.Context, header http.Header, body []byte) (Callback, error)
}

// PaymentRequest opens an order at a gateway.
type PaymentRequest struct {
	OrderID     string
	AmountFen   money.Fen
	Description string
	NotifyURL   string // where the gateway POSTs the signed outcome
	ReturnURL   string // where the browser goes after the cashier
}

// Payment is an open order: where to pay it.
type Payment struct {
	OrderID    string `json:"order_id"`
	GatewayRef string `json:"gateway_ref"`
	PayURL     string `json:"pay_url"`
	QRContent  string `json:"qr_content"`
}

// RefundRequest asks a gateway to refund RefundFen of a paid order.
type RefundRequest struct {
	RefundID   string
	OrderID    string
	GatewayRef string
	AmountFen  money.Fen // the refund
	TotalFen   money.Fen // the order's amount
	Reason     string
	NotifyURL  string
}

// RefundResult is a gateway's synchronous answer to a refund.
type RefundResult struct {
	GatewayRef string
	Status     CallbackStatus // RefundProcessing or CallbackRefunded
}

// CallbackStatus is the outcome a gateway reports.
type CallbackStatus string

// The outcomes.
const (
	CallbackPaid         CallbackStatus = "paid"
	CallbackFailed       CallbackStatus = "failed"
	CallbackRefunded     CallbackStatus = "refunded"
	CallbackRefundFailed CallbackStatus = "refund_failed"
	RefundProcessing     CallbackStatus = "processing"
)

// Callback is a verified gateway notification. RefundID is set for refund
// outcomes. SentAt and Nonce are the signed timestamp and nonce.
type Callback struct {
	OrderID    string
	GatewayRef string
	Status     CallbackStatus
	AmountFen  money.Fen // the order's amount (payments) or the refund's (refunds)
	PaidAt     time.Time
	RefundID   string
	Nonce      string
	SentAt     time.Time
}

// OrderStatus is the state of one payment attempt.
type OrderStatus string

// The order statuses.
const (
	OrderPending OrderStatus = "pending"
	OrderPaid    OrderStatus = "paid"
	OrderFailed  OrderStatus = "failed"
	OrderError   OrderStatus = "error" // the gateway refused to open it
)

// Order is one payment attempt of a bill at a gateway.
type Order struct {
	ID         string      `json:"id"`
	BillID     string      `json:"bill_id"`
	CourtID    string      `json:"court_id"`
	CaseID     string      `json:"case_id"`
	Gateway    string      `json:"gateway"`
	GatewayRef string      `json:"gateway_ref"`
	AmountFen  money.Fen   `json:"amount_fen"`
	Status     OrderStatus `json:"status"`
	PayURL     string      `json:"pay_url"`
	QRContent  string      `json:"qr_content"`
	CreatedAt  time.Time   `json:"created_at"`
	PaidAt     *time.Time  `json:"paid_at,omitempty"`
}

// pendingReuse is how long an open order is offered again instead of
// opening a new one (a payer pressing "Pay" twice gets the same order).
const pendingReuse = 30 * time.Minute

// StartPayment opens (or, within 30 minutes, reuses) an order for the
// amount due on a bill at the default gateway and returns where to pay.
// Only the payer or the payer party's representative may pay. Errors:
// unauthenticated; not_found; forbidden (anyone else, staff included);
// conflict "fees.error.not_payable" when the bill is not payable (paid,
// waived, refunded); unavailable when no gateway is configured or the
// gateway refuses.
func (s *Service) StartPayment(ctx context.Context, billID string) (Payment, error) {
	b, _, err := s.readBill(ctx, billID, true)
	if err != nil {
		return Payment{}, err
	}
	if !slices.Contains(payable, b.Status) || b.AmountFen <= 0 {
		return Payment{}, errs.New(errs.Conflict, "fees.error.not_payable")
	}
	if len(s.gatewayOrder) == 0 {
		return Payment{}, errs.New(errs.Unavailable, "fees.error.gateway")
	}
	name := s.gatewayOrder[0]
	g := s.gateways[name]
	var o Order
	reused := false
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		reused = false
		prev, err := openOrder(ctx, tx, b, name, tx.Now.Add(-pendingReuse))
		if err == nil {
			o, reused = prev, true
			return nil
		}
		if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		o = Order{ID: ids.New(), BillID: b.ID, CourtID: b.CourtID, CaseID: b.CaseID, Gateway: name,
			AmountFen: b.AmountFen, Status: OrderPending, CreatedAt: tx.Now}
		if err := insertOrder(ctx, tx, o, audit.ActorFrom(ctx).UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "fees.payment.start", CourtID: b.CourtID, CaseID: b.CaseID, Target: o.ID,
			Detail: map[string]any{"bill_id": b.ID, "amount_fen": o.AmountFen, "gateway": name}})
	})
	if err != nil {
		return Payment{}, err
	}
	if reused {
		return Payment{OrderID: o.ID, GatewayRef: o.GatewayRef, PayURL: o.PayURL, QRContent: o.QRContent}, nil
	}
	base := s.base()
	p, gerr := g.CreatePayment(ctx, PaymentRequest{
		OrderID: o.ID, AmountFen: o.AmountFen,
		Description: fmt.Sprintf("%s %s", b.CaseNumber, b.Kind),
		NotifyURL:   base + "/api/v1/fees/callbacks/" + name,
		ReturnURL:   base + "/fees/bills/" + b.ID,
	})
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if gerr != nil {
			_, err := tx.Exec(ctx, `UPDATE fees_payment SET status = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
				OrderError, tx.Now, o.CourtID, o.ID)
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE fees_payment SET gateway_ref = ?, pay_url = ?, qr_content = ?, updated_at = ?
			WHERE court_id = ? AND id = ?`, p.GatewayRef, p.PayURL, p.QRContent, tx.Now, o.CourtID, o.ID)
		return err
	})
	if gerr != nil {
		return Payment{}, errs.Wrap(errs.Unavailable, "fees.error.gateway", gerr)
	}
	if err != nil {
		return Payment{}, err
	}
	p.OrderID = o.ID
	return p, nil
}

// HandleCallback processes a gateway notification: the gateway verifies
// its signature; the service rejects it when its timestamp is outside the
// window (unauthenticated "fees.error.callback_stale") or its nonce was
// seen before (conflict "fees.error.callback_replayed"), when the order is
// unknown (not_found) or the amount differs from the order's (invalid
// "fees.error.callback_amount"). A valid notification is applied once:
// a duplicate (same outcome again) changes nothing, and outcomes that
// arrive out of order never step back (a "failed" after "paid" does not
// un-pay). Payment success marks the bill paid, allocates its receipt
// number and emits ecourt.fees.payment.succeeded; failure emits
// ecourt.fees.payment.failed; a confirmed refund emits
// ecourt.fees.bill.refunded.
func (s *Service) HandleCallback(ctx context.Context, gateway string, header http.Header, body []byte) error {
	g, ok := s.gateways[gateway]
	if !ok {
		return errs.New(errs.NotFound, "fees.error.gateway_unknown")
	}
	a := audit.ActorFrom(ctx)
	a.UserID = "gateway:" + gateway
	ctx = audit.WithActor(ctx, a)
	cb, err := g.VerifyCallback(ctx, header, body)
	if err != nil {
		if errs.CodeOf(err) == errs.Internal {
			return errs.Wrap(errs.Unauthenticated, "fees.error.callback_signature", err)
		}
		return err
	}
	now := s.clock().Now()
	if cb.SentAt.IsZero() || cb.Nonce == "" || now.Sub(cb.SentAt) > s.window || cb.SentAt.Sub(now) > s.window {
		return errs.New(errs.Unauthenticated, "fees.error.callback_stale")
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		o, err := lockOrder(ctx, tx, cb.OrderID)
		if err != nil {
			return err
		}
		if o.Gateway != gateway {
			return errs.New(errs.NotFound, "fees.error.not_found")
		}
		outcome, err := s.apply(ctx, tx, o, cb)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO fees_callback (gateway, nonce, court_id, order_id, status, outcome, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, gateway, cb.Nonce, o.CourtID, o.ID, cb.Status, outcome, tx.Now)
		if errs.CodeOf(err) == errs.Conflict {
			return errs.New(errs.Conflict, "fees.error.callback_replayed")
		}
		return err
	})
	if e, ok := asErr(err); ok && e.Key == "fees.error.callback_amount" {
		s.auditRejected(ctx, cb, "amount")
	}
	return err
}

// auditRejected records a correctly signed but inconsistent callback, in a
// transaction of its own (the callback's rolled back).
func (s *Service) auditRejected(ctx context.Context, cb Callback, why string) {
	_ = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		o, err := lockOrder(ctx, tx, cb.OrderID)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "fees.callback.reject", CourtID: o.CourtID, CaseID: o.CaseID, Target: o.ID,
			Detail: map[string]any{"why": why, "status": cb.Status, "amount_fen": cb.AmountFen, "order_fen": o.AmountFen}})
	})
}

// apply applies a verified callback to its order and bill and returns the
// outcome recorded with the nonce ("applied" or "duplicate").
func (s *Service) apply(ctx context.Context, tx *sqldb.Tx, o Order, cb Callback) (string, error) {
	switch cb.Status {
	case CallbackPaid, CallbackFailed:
		if cb.AmountFen != o.AmountFen {
			return "", errs.New(errs.Invalid, "fees.error.callback_amount")
		}
	case CallbackRefunded, CallbackRefundFailed:
		return s.applyRefund(ctx, tx, o, cb)
	default:
		return "", errs.New(errs.Invalid, "fees.error.callback_status")
	}
	b, err := lockBill(ctx, tx, o.CourtID, o.BillID)
	if err != nil {
		return "", err
	}
	if cb.Status == CallbackFailed {
		// Only a pending order fails: a "failed" arriving after "paid" (or
		// twice) changes nothing.
		if o.Status != OrderPending {
			return "duplicate", nil
		}
		if err := setOrderStatus(ctx, tx, o, OrderFailed, cb.GatewayRef, nil); err != nil {
			return "", err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "fees.payment.fail", CourtID: b.CourtID, CaseID: b.CaseID, Target: o.ID}); err != nil {
			return "", err
		}
		return "applied", enqueue(ctx, tx, "ecourt.fees.payment.failed", b, map[string]any{
			"bill_id": b.ID, "order_id": o.ID, "case_id": b.CaseID, "amount_fen": o.AmountFen})
	}
	if o.Status == OrderPaid {
		return "duplicate", nil
	}
	paidAt := cb.PaidAt.UTC()
	if cb.PaidAt.IsZero() {
		paidAt = tx.Now
	}
	if err := setOrderStatus(ctx, tx, o, OrderPaid, cb.GatewayRef, &paidAt); err != nil {
		return "", err
	}
	if !slices.Contains(payable, b.Status) {
		// A second order of an already paid bill succeeded too: record the
		// money (it must be refunded by staff) without touching the bill.
		return "applied", audit.Append(ctx, tx, audit.Record{Action: "fees.payment.surplus", CourtID: b.CourtID, CaseID: b.CaseID, Target: o.ID,
			Detail: map[string]any{"bill_id": b.ID, "amount_fen": o.AmountFen, "bill_status": b.Status}})
	}
	if err := checkTransition(b.Status, Paid); err != nil {
		return "", err
	}
	year := calendar.DateOf(paidAt).Y
	seq, err := nextReceipt(ctx, tx, b.CourtID, year)
	if err != nil {
		return "", err
	}
	b.Status, b.PaidFen, b.PaidAt, b.UpdatedAt = Paid, o.AmountFen, &paidAt, tx.Now
	b.ReceiptNo = fmt.Sprintf("%s-%d-%06d", b.courtCode, year, seq)
	if err := updateBill(ctx, tx, b); err != nil {
		return "", err
	}
	if err := s.cancelOverdue(ctx, tx, b); err != nil {
		return "", err
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "fees.payment.succeed", CourtID: b.CourtID, CaseID: b.CaseID, Target: o.ID,
		Detail: map[string]any{"bill_id": b.ID, "amount_fen": o.AmountFen, "receipt_no": b.ReceiptNo}}); err != nil {
		return "", err
	}
	return "applied", enqueue(ctx, tx, "ecourt.fees.payment.succeeded", b, map[string]any{
		"bill_id": b.ID, "order_id": o.ID, "case_id": b.CaseID, "court_id": b.CourtID, "payer_party_id": b.PayerPartyID,
		"amount_fen": o.AmountFen, "receipt_no": b.ReceiptNo, "paid_at": paidAt})
}

const orderColumns = `court_id, id, bill_id, case_id, gateway, gateway_ref, amount_fen, status, pay_url, qr_content, created_at, paid_at`

func scanOrder(r scanner) (Order, error) {
	var o Order
	var paidAt sql.NullTime
	err := r.Scan(&o.CourtID, &o.ID, &o.BillID, &o.CaseID, &o.Gateway, &o.GatewayRef, &o.AmountFen, &o.Status,
		&o.PayURL, &o.QRContent, &o.CreatedAt, &paidAt)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return Order{}, notFound()
		}
		return Order{}, err
	}
	o.CreatedAt = o.CreatedAt.UTC()
	if paidAt.Valid {
		t := paidAt.Time.UTC()
		o.PaidAt = &t
	}
	return o, nil
}

func insertOrder(ctx context.Context, tx *sqldb.Tx, o Order, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO fees_payment (court_id, id, bill_id, case_id, gateway, gateway_ref, amount_fen, status,
		pay_url, qr_content, created_by, created_at, paid_at, updated_at) VALUES (?, ?, ?, ?, ?, '', ?, ?, '', '', ?, ?, NULL, ?)`,
		o.CourtID, o.ID, o.BillID, o.CaseID, o.Gateway, o.AmountFen, o.Status, by, o.CreatedAt, o.CreatedAt)
	return err
}

// openOrder returns the bill's newest pending order for the current amount
// opened after since at gateway, or not_found.
func openOrder(ctx context.Context, tx *sqldb.Tx, b Bill, gateway string, since time.Time) (Order, error) {
	return scanOrder(tx.QueryRow(ctx, `SELECT `+orderColumns+` FROM fees_payment
		WHERE court_id = ? AND bill_id = ? AND gateway = ? AND status = ? AND amount_fen = ? AND created_at > ? AND pay_url <> ''
		ORDER BY created_at DESC LIMIT 1`, b.CourtID, b.ID, gateway, OrderPending, b.AmountFen, since))
}

func lockOrder(ctx context.Context, tx *sqldb.Tx, id string) (Order, error) {
	q := `SELECT ` + orderColumns + ` FROM fees_payment WHERE id = ?`
	if tx.Dialect() == sqldb.Postgres {
		q += ` FOR UPDATE`
	}
	return scanOrder(tx.QueryRow(ctx, q, id))
}

// paidOrder returns the bill's paid order (the one whose payment the bill
// records), or not_found.
func paidOrder(ctx context.Context, q sqldb.Querier, b Bill) (Order, error) {
	return scanOrder(q.QueryRow(ctx, `SELECT `+orderColumns+` FROM fees_payment
		WHERE court_id = ? AND bill_id = ? AND status = ? ORDER BY paid_at, id LIMIT 1`, b.CourtID, b.ID, OrderPaid))
}

func setOrderStatus(ctx context.Context, tx *sqldb.Tx, o Order, to OrderStatus, ref string, paidAt *time.Time) error {
	if ref == "" {
		ref = o.GatewayRef
	}
	_, err := tx.Exec(ctx, `UPDATE fees_payment SET status = ?, gateway_ref = ?, paid_at = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
		to, ref, nullTime(paidAt), tx.Now, o.CourtID, o.ID)
	return err
}
