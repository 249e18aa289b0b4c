package casefund

import (
	"context"
	"slices"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Allocate allocates every receipt of the case not yet allocated, oldest
// first, each as of the day it arrived (2014 interpretation Art. 3 para 2:
// the delay of the part paid ends on the day the money is taken), in the
// order of distribute: the court's deductions, then principal and general
// interest, then doubled delay interest (delay.Compute with the principal
// paid by earlier allocations as payments), several applicants pro rata,
// any surplus back to the debtor. Each allocation is stored with its lines
// and the delay computation that explains them, emits EventAllocated and is
// audited as "casefund.allocation.create". Only the case court's
// enforcement officers and court administrators may. Without claims it is
// errs.Conflict ("casefund.error.no_claims"); with nothing to allocate it
// returns an empty list.
func (s *Service) Allocate(ctx context.Context, caseID string) ([]Allocation, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if err := st.requireMoney(); err != nil {
		return nil, err
	}
	out := []Allocation{}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a, err := loadAccount(ctx, tx, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		if len(a.Claims) == 0 {
			return errs.New(errs.Conflict, "casefund.error.no_claims")
		}
		pending, err := queryReceipts(ctx, tx, `court_id = ? AND case_id = ? AND NOT EXISTS (SELECT 1 FROM casefund_allocation a
			WHERE a.court_id = casefund_receipt.court_id AND a.receipt_id = casefund_receipt.id)`, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		done, err := loadAllocations(ctx, tx, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		for _, r := range pending {
			al, err := allocateReceipt(st.c, a, done, r)
			if err != nil {
				return err
			}
			al.ID, al.CaseID, al.Seq, al.AllocatedBy, al.AllocatedAt = ids.New(), st.c.ID, len(done)+1, audit.ActorFrom(ctx).UserID, tx.Now
			if err := insertAllocation(ctx, tx, st.c.CourtID, al); err != nil {
				return err
			}
			lines := make([]map[string]any, 0, len(al.Lines))
			for _, l := range al.Lines {
				lines = append(lines, map[string]any{"kind": l.Kind, "party_id": l.PartyID, "amount": l.Amount})
			}
			if err := enqueue(ctx, tx, st.c.CourtID, st.c.ID, EventAllocated, map[string]any{"allocation_id": al.ID,
				"case_id": st.c.ID, "court_id": st.c.CourtID, "receipt_id": r.ID, "amount": al.Amount, "as_of": al.AsOf.String(),
				"lines": lines}); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, audit.Record{Action: "casefund.allocation.create", CourtID: st.c.CourtID, CaseID: st.c.ID,
				Target: al.ID, Detail: map[string]any{"receipt_id": r.ID, "amount": al.Amount, "lines": lines}}); err != nil {
				return err
			}
			done = append(done, al)
			out = append(out, al)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// allocateReceipt computes the allocation of receipt r given the account a
// and the allocations done before it.
func allocateReceipt(c casefile.Case, a Account, done []Allocation, r Receipt) (Allocation, error) {
	sums := map[string]money.Fen{} // kind|party → allocated so far
	for _, d := range done {
		for _, l := range d.Lines {
			sums[l.Kind+"|"+l.PartyID] += l.Amount
		}
	}
	in := split{Fee: max(a.FeeDue-sums[KindFee+"|"], 0), Costs: max(a.CostsDue-sums[KindCosts+"|"], 0)}
	al := Allocation{ReceiptID: r.ID, AsOf: r.On, Amount: r.Amount, Delay: []DelayExplanation{}, RateVersion: delay.Rates().Version}
	for _, cl := range a.Claims {
		o := owedNow{PartyID: cl.PartyID, Name: partyName(c, cl.PartyID),
			Principal: max(cl.Principal-sums[KindPrincipal+"|"+cl.PartyID], 0),
			Interest:  max(cl.GeneralInterest-sums[KindInterest+"|"+cl.PartyID], 0)}
		din := delay.Input{Payments: delayPayments(done, cl.PartyID), Until: r.On}
		if len(cl.Instalments) > 0 {
			din.Instalments = cl.Instalments
		} else {
			din.Principal, din.Due = cl.Principal, cl.Due
		}
		res, err := delay.Compute(din)
		if err != nil {
			return Allocation{}, err
		}
		o.Delay = max(res.Interest-sums[KindDelay+"|"+cl.PartyID], 0)
		al.Delay = append(al.Delay, DelayExplanation{PartyID: cl.PartyID, Result: res})
		in.Claims = append(in.Claims, o)
	}
	// A surplus goes back to the (first) debtor of the case.
	if i := slices.IndexFunc(c.Parties, func(p casefile.Party) bool { return isDebtor(p.Role) }); i >= 0 {
		in.SurplusParty, in.SurplusName = c.Parties[i].ID, c.Parties[i].Name
	}
	al.Lines = distribute(r.Amount, in)
	return al, nil
}
