package fees

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Receipt is the payment receipt (缴费凭证) of a paid bill. AmountUpper is
// the amount in Chinese financial uppercase (大写).
type Receipt struct {
	ReceiptNo   string    `json:"receipt_no"`
	BillID      string    `json:"bill_id"`
	CaseID      string    `json:"case_id"`
	CaseNumber  string    `json:"case_number"`
	CourtID     string    `json:"court_id"`
	PayerName   string    `json:"payer_name"`
	Kind        Kind      `json:"kind"`
	AmountFen   money.Fen `json:"amount_fen"`
	AmountUpper string    `json:"amount_upper"`
	PaidAt      time.Time `json:"paid_at"`
	OrderID     string    `json:"order_id"`
	Gateway     string    `json:"gateway"`
	GatewayRef  string    `json:"gateway_ref"`
	RefundedFen money.Fen `json:"refunded_fen"`
	Status      Status    `json:"status"`
}

// Receipt returns the receipt of a paid bill to those who may see the
// bill (see FindBill). Errors as FindBill, and not_found
// "fees.error.no_receipt" while the bill is unpaid.
func (s *Service) Receipt(ctx context.Context, billID string) (Receipt, error) {
	b, _, err := s.readBill(ctx, billID, false)
	if err != nil {
		return Receipt{}, err
	}
	if b.ReceiptNo == "" || b.PaidAt == nil {
		return Receipt{}, errs.New(errs.NotFound, "fees.error.no_receipt")
	}
	o, err := paidOrder(ctx, s.db, b)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{
		ReceiptNo: b.ReceiptNo, BillID: b.ID, CaseID: b.CaseID, CaseNumber: b.CaseNumber, CourtID: b.CourtID,
		PayerName: b.PayerName, Kind: b.Kind, AmountFen: b.PaidFen, AmountUpper: money.Uppercase(b.PaidFen),
		PaidAt: *b.PaidAt, OrderID: o.ID, Gateway: o.Gateway, GatewayRef: o.GatewayRef, RefundedFen: b.RefundedFen,
		Status: b.Status,
	}, nil
}
