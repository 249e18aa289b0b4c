package casefund

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// moneyRoles are the court roles that record money in, allocations and
// payouts: the enforcement officers and court administrators of the case's
// court (执行局 and 财务 work through court administrator accounts).
var moneyRoles = []auth.Role{auth.EnforcementOfficer, auth.CourtAdmin}

// staffRoles are the court roles that see a case account whole.
var staffRoles = []auth.Role{auth.FilingOfficer, auth.CourtAdmin, auth.Judge, auth.JudgeAssistant, auth.Clerk, auth.EnforcementOfficer}

// standing is what the caller may do with a case's account.
type standing struct {
	c      casefile.Case
	staff  bool            // sees every party's details
	money  bool            // records money
	own    map[string]bool // party IDs the caller is, or represents
	userID string
}

// withActor makes the signed-in principal the audit actor when the request
// did not set one.
func withActor(ctx context.Context) context.Context {
	if audit.ActorFrom(ctx).UserID != "" {
		return ctx
	}
	if p, ok := auth.From(ctx); ok {
		a := audit.ActorFrom(ctx)
		a.UserID = p.UserID
		return audit.WithActor(ctx, a)
	}
	return ctx
}

// authorize passes the casefile's access check (audited there) and works
// out the caller's standing. Errors: unauthenticated; the casefile's
// not_found and forbidden.
func (s *Service) authorize(ctx context.Context, caseID string) (standing, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return standing{}, err
	}
	c, err := s.deps.Cases.Authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return standing{}, err
	}
	st := standing{c: c, own: map[string]bool{}, userID: p.UserID}
	if p.Has("", auth.PlatformAdmin) {
		st.staff, st.money = true, true
		return st, nil
	}
	st.staff = p.Has(c.CourtID, staffRoles...)
	st.money = p.Has(c.CourtID, moneyRoles...)
	for _, pt := range c.Parties {
		if pt.AccountID != "" && pt.AccountID == p.UserID {
			st.own[pt.ID] = true
		}
	}
	for _, r := range c.Representatives {
		if r.AccountID != "" && r.AccountID == p.UserID {
			st.own[r.PartyID] = true
		}
	}
	return st, nil
}

// requireMoney refuses callers who may not record money for the case.
func (st standing) requireMoney() error {
	if !st.money {
		return errs.New(errs.Forbidden, "casefund.error.money_only")
	}
	return nil
}

// requireCourtMoney checks that the caller records money at court courtID
// (statement imports, which concern no single case).
func requireCourtMoney(ctx context.Context, courtID string) (auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return p, err
	}
	if courtID == "" || !(p.Has(courtID, moneyRoles...) || p.Has("", auth.PlatformAdmin)) {
		return p, errs.New(errs.Forbidden, "casefund.error.money_only")
	}
	return p, nil
}

// isApplicant reports whether a party is on the receiving side.
func isApplicant(r casefile.PartyRole) bool {
	return r == casefile.JudgmentCreditor || r == casefile.Applicant || r == casefile.Creditor || r == casefile.Plaintiff
}

// isDebtor reports whether a party is on the paying side.
func isDebtor(r casefile.PartyRole) bool {
	return r == casefile.JudgmentDebtor || r == casefile.Respondent || r == casefile.Debtor || r == casefile.Defendant
}

// maskAccount keeps the last four characters of a bank account number:
// 6222 0200 1234 5678 → ****5678.
func maskAccount(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return "****" + string(r[len(r)-4:])
}

// maskName keeps a name's first character: 张三 → 张*; 某某有限公司 stays
// recognisable only by its first character.
func maskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 1 {
		return string(r)
	}
	return string(r[0]) + strings.Repeat("*", min(len(r)-1, 3))
}

// ownParties lists the caller's own party IDs, in case order.
func (st standing) ownParties() []string {
	out := []string{}
	for _, p := range st.c.Parties {
		if st.own[p.ID] {
			out = append(out, p.ID)
		}
	}
	return out
}

func partyName(c casefile.Case, id string) string {
	i := slices.IndexFunc(c.Parties, func(p casefile.Party) bool { return p.ID == id })
	if i < 0 {
		return ""
	}
	return c.Parties[i].Name
}
