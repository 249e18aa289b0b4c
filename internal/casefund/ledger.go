package casefund

import (
	"context"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Ledger returns a case's account as the caller may see it: arrivals,
// allocations with their explanation, payouts, per-party balances, and
// the shared-court consents. Anyone the casefile lets read the case may
// read it (the read is audited there): court staff see everything; a party
// or representative sees every arrival and allocation, their own payouts
// whole and other parties' payouts with the payee's name masked, and only
// their own consents. Payer and payee account numbers are always masked.
// A case without an account gives a ledger with Opened false.
func (s *Service) Ledger(ctx context.Context, caseID string) (Ledger, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Ledger{}, err
	}
	return s.ledger(ctx, st)
}

func (s *Service) ledger(ctx context.Context, st standing) (Ledger, error) {
	c := st.c
	l := Ledger{CaseID: c.ID, CourtID: c.CourtID, CaseNumber: c.Number, Staff: st.staff, Money: st.money, Own: st.ownParties(),
		Parties: []PartyBalance{}, Receipts: []Receipt{}, Allocations: []Allocation{}, Payouts: []Payout{}, Consents: []Consent{}}
	a, err := s.account(ctx, c)
	if errs.CodeOf(err) == errs.NotFound {
		return l, nil
	}
	if err != nil {
		return Ledger{}, err
	}
	l.Opened, l.Account = true, &a
	if l.Receipts, err = queryReceipts(ctx, s.db, `court_id = ? AND case_id = ?`, c.CourtID, c.ID); err != nil {
		return Ledger{}, err
	}
	if l.Allocations, err = loadAllocations(ctx, s.db, c.CourtID, c.ID); err != nil {
		return Ledger{}, err
	}
	payouts, err := loadPayouts(ctx, s.db, c.CourtID, c.ID)
	if err != nil {
		return Ledger{}, err
	}
	consents, err := loadConsents(ctx, s.db, c.CourtID, c.ID)
	if err != nil {
		return Ledger{}, err
	}
	today := s.today()
	for _, cs := range consents {
		if st.staff || st.own[cs.PartyID] {
			cs.Active = cs.RevokedAt == nil && !today.Before(cs.GrantedOn) && !today.After(cs.ExpiresOn)
			l.Consents = append(l.Consents, cs)
		}
	}
	for i := range l.Receipts {
		l.Receipts[i] = maskReceipt(l.Receipts[i])
		l.Received += l.Receipts[i].Amount
	}
	allocated := map[string]money.Fen{}
	for i, al := range l.Allocations {
		l.Allocated += al.Amount
		for j, ln := range al.Lines {
			if ln.PartyID != "" {
				l.Allocations[i].Lines[j].PartyName = partyName(c, ln.PartyID)
				allocated[ln.PartyID] += ln.Amount
			}
			if ln.Kind == KindFee || ln.Kind == KindCosts {
				l.Deducted += ln.Amount
			}
		}
	}
	paid := map[string]money.Fen{}
	for _, p := range payouts {
		p.PartyName = partyName(c, p.PartyID)
		p.PayeeAccount = maskAccount(p.PayeeAccount)
		if !st.staff && !st.own[p.PartyID] {
			p.PayeeName, p.PayeeBank, p.BankRef = maskName(p.PayeeName), "", ""
		}
		paid[p.PartyID] += p.Amount
		l.PaidOut += p.Amount
		l.Payouts = append(l.Payouts, p)
	}
	for _, pt := range c.Parties {
		if allocated[pt.ID] == 0 && paid[pt.ID] == 0 {
			continue
		}
		l.Parties = append(l.Parties, PartyBalance{PartyID: pt.ID, PartyName: pt.Name, Role: string(pt.Role), Allocated: allocated[pt.ID],
			Paid: paid[pt.ID], Payable: allocated[pt.ID] - paid[pt.ID]})
	}
	l.Unallocated = l.Received - l.Allocated
	// What the account still holds for the case: money not allocated, and
	// money allocated to parties not yet paid out (deductions go to the
	// court's revenue).
	l.Balance = l.Received - l.Deducted - l.PaidOut
	return l, nil
}
