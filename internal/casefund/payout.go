package casefund

import (
	"context"
	"strings"

	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// payable returns, per party, what allocations gave them (principal,
// interest, delay interest, surplus) less what was paid out.
func payable(allocs []Allocation, payouts []Payout) map[string]money.Fen {
	out := map[string]money.Fen{}
	for _, a := range allocs {
		for _, l := range a.Lines {
			if l.PartyID != "" {
				out[l.PartyID] += l.Amount
			}
		}
	}
	for _, p := range payouts {
		out[p.PartyID] -= p.Amount
	}
	return out
}

// RecordPayout records money paid out of the case account to a party (an
// applicant's allocated share, or a surplus returned to the debtor) and
// emits EventPaid with the payee account masked. Only the case court's
// enforcement officers and court administrators may. The amount may not
// exceed what allocations gave the party and is not yet paid
// ("amount": "casefund_exceeds_payable", with the payable amount); the
// bank reference is unique per court ("reference": "casefund_reference_used").
// Other bad input is errs.Invalid with fields "party_id", "paid_on",
// "payee_name", "payee_account", "payee_bank". Audited as
// "casefund.payout.record".
func (s *Service) RecordPayout(ctx context.Context, caseID string, in PayoutInput) (Payout, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Payout{}, err
	}
	if err := st.requireMoney(); err != nil {
		return Payout{}, err
	}
	in.PayeeName, in.PayeeBank, in.Reference = strings.TrimSpace(in.PayeeName), strings.TrimSpace(in.PayeeBank), strings.TrimSpace(in.Reference)
	in.PayeeAccount = strings.ReplaceAll(strings.TrimSpace(in.PayeeAccount), " ", "")
	var v errs.Collector
	if _, ok := st.c.Party(in.PartyID); !ok {
		v.Add("party_id", "casefund_party_unknown")
	}
	if in.Amount <= 0 || in.Amount > delay.MaxAmount {
		v.Add("amount", "casefund_amount")
	}
	switch {
	case !in.PaidOn.Valid():
		v.Add("paid_on", "date")
	case in.PaidOn.After(s.today()):
		v.Add("paid_on", "future")
	}
	checkText(&v, "payee_name", in.PayeeName, true, 200)
	checkText(&v, "payee_bank", in.PayeeBank, false, 200)
	checkText(&v, "reference", in.Reference, true, 64)
	if !validAccount(in.PayeeAccount) {
		v.Add("payee_account", "casefund_account_number")
	}
	if err := v.Err(); err != nil {
		return Payout{}, err
	}
	var out Payout
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		allocs, err := loadAllocations(ctx, tx, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		paid, err := loadPayouts(ctx, tx, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		if left := payable(allocs, paid)[in.PartyID]; in.Amount > left {
			return errs.Fields(errs.Field("amount", "casefund_exceeds_payable", left.String()))
		}
		p := Payout{ID: ids.New(), CaseID: st.c.ID, PartyID: in.PartyID, Amount: in.Amount, PaidOn: in.PaidOn, PayeeName: in.PayeeName,
			PayeeAccount: in.PayeeAccount, PayeeBank: in.PayeeBank, BankRef: in.Reference, RecordedBy: audit.ActorFrom(ctx).UserID,
			RecordedAt: tx.Now}
		if err := insertPayout(ctx, tx, st.c.CourtID, p); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return errs.Fields(errs.Field("reference", "casefund_reference_used"))
			}
			return err
		}
		if err := enqueue(ctx, tx, st.c.CourtID, st.c.ID, EventPaid, map[string]any{"payout_id": p.ID, "case_id": p.CaseID,
			"court_id": st.c.CourtID, "party_id": p.PartyID, "amount": p.Amount, "paid_on": p.PaidOn.String(),
			"payee_account": maskAccount(p.PayeeAccount)}); err != nil {
			return err
		}
		out = p
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.payout.record", CourtID: st.c.CourtID, CaseID: st.c.ID, Target: p.ID,
			Detail: map[string]any{"party_id": p.PartyID, "amount": p.Amount, "paid_on": p.PaidOn.String(), "payee_account": maskAccount(p.PayeeAccount)}})
	})
	if err != nil {
		return Payout{}, err
	}
	out.PartyName = partyName(st.c, out.PartyID)
	out.PayeeAccount = maskAccount(out.PayeeAccount)
	return out, nil
}

// validAccount accepts a bank account number of 8 to 32 digits (some
// banks add letters to corporate accounts: ASCII letters are allowed too).
func validAccount(s string) bool {
	if len(s) < 8 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}
