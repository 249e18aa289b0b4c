package fees

import (
	"context"
	"errors"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// AcceptedEvent is the event type whose consumption issues the fee notice.
const AcceptedEvent = "ecourt.filing.application.accepted"

// consumerAccepted is the durable consumer name and the bus.Once consumer.
const consumerAccepted = "fees-filing-accepted"

// AcceptedPayload is the payload the filing context must put into
// ecourt.filing.application.accepted for the fee notice to be issued:
//
//	{
//	  "case_id":          "<casefile case ID>",
//	  "court_id":         "<court ID of the case>",
//	  "payer_account_id": "<account ID of the payer, or \"\" for the party's linked account>",
//	  "payer_party_id":   "<casefile party ID of the payer (the plaintiff/applicant)>",
//	  "fee_kind":         "<a Kind: property, divorce, …, preservation, payment_order, …>",
//	  "amount_fen":       <the amount the fee is computed on, in fen (the claim; 0 where none)>,
//	  "procedure":        "ordinary" | "simplified" | "small_claims"
//	}
//
// amount_fen is the amount in dispute (诉讼请求金额), not the fee: the fees
// context computes the fee on the schedule in force on the notice day.
type AcceptedPayload struct {
	CaseID         string    `json:"case_id"`
	CourtID        string    `json:"court_id"`
	PayerAccountID string    `json:"payer_account_id"`
	PayerPartyID   string    `json:"payer_party_id"`
	FeeKind        Kind      `json:"fee_kind"`
	AmountFen      money.Fen `json:"amount_fen"`
	Procedure      string    `json:"procedure"`
}

// HandleAccepted issues the fee notice of a case the filing context has
// accepted (event ecourt.filing.application.accepted with an
// AcceptedPayload; see there). It is idempotent: the bill and the bus.Once
// mark of the event commit together, so a redelivered event changes
// nothing. No bill is issued when the fee is not prepaid: the enforcement
// fee is paid after enforcement and the bankruptcy fee after liquidation
// (Art. 20 para 2), and a fee of nothing needs no notice. A malformed
// payload is an errs.Invalid error (the bus retries, then gives up and logs
// it as dead).
func (s *Service) HandleAccepted(ctx context.Context, ev bus.Event) error {
	var p AcceptedPayload
	if err := ev.Decode(&p); err != nil {
		return err
	}
	day := s.today()
	if ver, ok := s.sched.At(day); ok {
		if later, _ := ver.PayableLater(p.FeeKind); later {
			return nil
		}
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: "system:fees"})
	_, err := s.issue(ctx, NewBill{
		CaseID: p.CaseID, CourtID: p.CourtID, PayerAccountID: p.PayerAccountID, PayerPartyID: p.PayerPartyID,
		Kind: p.FeeKind, AmountFen: p.AmountFen, Procedure: p.Procedure,
	}, ev.ID)
	if errors.Is(err, errDuplicate) {
		return nil
	}
	if e, ok := asErr(err); ok && e.Key == "fees.error.no_fee" {
		return nil
	}
	return err
}

// Subscribe registers the durable consumer "fees-filing-accepted" on
// ecourt.filing.application.accepted with HandleAccepted. Call it once at
// start-up; stop it at shutdown (the bus also stops it when closed).
func (s *Service) Subscribe(ctx context.Context, b *bus.Bus) (stop func(), err error) {
	return b.Subscribe(ctx, consumerAccepted, AcceptedEvent, s.HandleAccepted)
}
