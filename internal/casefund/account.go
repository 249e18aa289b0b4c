package casefund

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Open opens the case account of a case (idempotent), so that statement
// lines naming its number are matched to it. Only the case court's
// enforcement officers and court administrators may; the first opening is
// audited as "casefund.account.open".
func (s *Service) Open(ctx context.Context, caseID string) (Account, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Account{}, err
	}
	if err := st.requireMoney(); err != nil {
		return Account{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error { return s.open(ctx, tx, st.c) })
	if err != nil {
		return Account{}, err
	}
	return s.account(ctx, st.c)
}

func (s *Service) open(ctx context.Context, tx *sqldb.Tx, c casefile.Case) error {
	created, err := ensureAccount(ctx, tx, c.CourtID, c.ID, c.Number, audit.ActorFrom(ctx).UserID)
	if err != nil || !created {
		return err
	}
	return audit.Append(ctx, tx, audit.Record{Action: "casefund.account.open", CourtID: c.CourtID, CaseID: c.ID,
		Detail: map[string]any{"case_number": c.Number}})
}

func (s *Service) account(ctx context.Context, c casefile.Case) (Account, error) {
	a, err := loadAccount(ctx, s.db, c.CourtID, c.ID)
	if err != nil {
		return Account{}, err
	}
	for i := range a.Claims {
		a.Claims[i].PartyName = partyName(c, a.Claims[i].PartyID)
	}
	return a, nil
}

// SetClaims sets what the money of a case pays: the enforcement fee and
// costs the court deducts first, and each applicant's claim (replacing the
// earlier ones; allocations already made stay as they were). It opens the
// account if needed. Only the case court's enforcement officers and court
// administrators may. Bad input is errs.Invalid with fields "fee",
// "costs", "costs_note", "claims.<i>.<field>"; a claim must name an
// applicant of the case (申请执行人) once, with a positive principal and a
// due date, or instalments adding up to the principal. Audited as
// "casefund.claims.set".
func (s *Service) SetClaims(ctx context.Context, caseID string, in ClaimsInput) (Account, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Account{}, err
	}
	if err := st.requireMoney(); err != nil {
		return Account{}, err
	}
	claims, err := validateClaims(st.c, in)
	if err != nil {
		return Account{}, err
	}
	fee := in.Fee
	if fee == nil && s.deps.Fees != nil {
		f, ok, err := s.deps.Fees.EnforcementFee(ctx, st.c.ID)
		if err != nil {
			return Account{}, err
		}
		if ok {
			fee = &f
		}
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.open(ctx, tx, st.c); err != nil {
			return err
		}
		a, err := loadAccount(ctx, tx, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		if fee != nil {
			a.FeeDue = *fee
		}
		a.CostsDue, a.CostsNote = in.Costs, strings.TrimSpace(in.CostsNote)
		if err := updateDeductions(ctx, tx, a, audit.ActorFrom(ctx).UserID); err != nil {
			return err
		}
		if err := replaceClaims(ctx, tx, st.c.CourtID, st.c.ID, claims); err != nil {
			return err
		}
		detail := map[string]any{"fee": a.FeeDue, "costs": a.CostsDue, "claims": len(claims)}
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.claims.set", CourtID: st.c.CourtID, CaseID: st.c.ID, Detail: detail})
	})
	if err != nil {
		return Account{}, err
	}
	return s.account(ctx, st.c)
}

func validateClaims(c casefile.Case, in ClaimsInput) ([]Claim, error) {
	var v errs.Collector
	if in.Fee != nil && (*in.Fee < 0 || *in.Fee > delay.MaxAmount) {
		v.Add("fee", "casefund_amount")
	}
	if in.Costs < 0 || in.Costs > delay.MaxAmount {
		v.Add("costs", "casefund_amount")
	}
	if in.Costs > 0 && strings.TrimSpace(in.CostsNote) == "" {
		v.Add("costs_note", "required")
	}
	if utf8.RuneCountInString(in.CostsNote) > 500 {
		v.Add("costs_note", "too_long", 500)
	}
	if len(in.Claims) == 0 {
		v.Add("claims", "required")
	}
	if len(in.Claims) > 100 {
		v.Add("claims", "casefund_too_many", 100)
	}
	seen := map[string]bool{}
	var out []Claim
	for i, ci := range in.Claims {
		f := fmt.Sprintf("claims.%d.", i)
		pt, ok := c.Party(ci.PartyID)
		switch {
		case !ok:
			v.Add(f+"party_id", "casefund_party_unknown")
		case !isApplicant(pt.Role):
			v.Add(f+"party_id", "casefund_not_applicant")
		case seen[ci.PartyID]:
			v.Add(f+"party_id", "casefund_party_twice")
		}
		seen[ci.PartyID] = true
		cl := Claim{PartyID: ci.PartyID, Principal: ci.Principal, GeneralInterest: ci.GeneralInterest, Due: ci.Due, Instalments: ci.Instalments}
		if ci.GeneralInterest < 0 || ci.GeneralInterest > delay.MaxAmount {
			v.Add(f+"general_interest", "casefund_amount")
		}
		if len(ci.Instalments) > 0 {
			var sum money.Fen
			for j, in := range ci.Instalments {
				if !in.Due.Valid() {
					v.Add(fmt.Sprintf("%sinstalments.%d.due", f, j), "date")
				}
				if in.Amount <= 0 || in.Amount > delay.MaxAmount {
					v.Add(fmt.Sprintf("%sinstalments.%d.amount", f, j), "casefund_amount")
				} else {
					sum += in.Amount
				}
			}
			if cl.Principal == 0 {
				cl.Principal = sum
			} else if cl.Principal != sum {
				v.Add(f+"principal", "casefund_instalments_sum")
			}
			if ci.Due != (calendar.Date{}) {
				v.Add(f+"due", "casefund_due_with_instalments")
			}
			cl.Due = calendar.Date{}
		} else if !ci.Due.Valid() {
			v.Add(f+"due", "date")
		}
		if cl.Principal <= 0 || cl.Principal > delay.MaxAmount {
			v.Add(f+"principal", "casefund_amount")
		}
		out = append(out, cl)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// enqueue writes a casefund event of case c to the outbox.
func enqueue(ctx context.Context, tx *sqldb.Tx, courtID, caseID, typ string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID, ev.Actor = courtID, caseID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}
