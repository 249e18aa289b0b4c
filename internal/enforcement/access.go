package enforcement

import (
	"context"
	"slices"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// standing is what the caller may do in an enforcement case.
type standing struct {
	c      casefile.Case
	userID string
	// audiences the caller belongs to: applicant, respondent, staff.
	audiences []string
	staff     bool // court staff of the case's court (or platform administrator)
	officer   bool // an officer assigned to the case, a court administrator, a platform administrator
	own       map[string]bool
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

// staffRoles are the court roles that see the staff view of a case.
var staffRoles = []auth.Role{auth.EnforcementOfficer, auth.CourtAdmin, auth.FilingOfficer, auth.Judge, auth.JudgeAssistant, auth.Clerk}

// authorize passes the casefile's access check for need (audited there)
// and works out the caller's standing. officers is the case's officers
// (nil when the case has no enforcement record yet).
func (s *Service) authorize(ctx context.Context, caseID string, need casefile.Need, officers []Officer) (standing, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return standing{}, err
	}
	c, err := s.deps.Cases.Authorize(ctx, caseID, need)
	if err != nil {
		return standing{}, err
	}
	st := standing{c: c, userID: p.UserID, own: map[string]bool{}}
	if p.Has("", auth.PlatformAdmin) {
		st.staff, st.officer = true, true
	} else {
		st.staff = p.Has(c.CourtID, staffRoles...)
		st.officer = p.Has(c.CourtID, auth.CourtAdmin) ||
			(p.Has(c.CourtID, auth.EnforcementOfficer) && slices.ContainsFunc(officers, func(o Officer) bool { return o.AccountID == p.UserID }))
	}
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
	for id := range st.own {
		pt, _ := c.Party(id)
		if a := audienceOf(pt.Role); a != "" && !slices.Contains(st.audiences, a) {
			st.audiences = append(st.audiences, a)
		}
	}
	if st.staff {
		st.audiences = append(st.audiences, Staff)
	}
	slices.Sort(st.audiences)
	return st, nil
}

// audienceOf maps a party role of an enforcement case to its audience.
func audienceOf(r casefile.PartyRole) string {
	switch r {
	case casefile.JudgmentCreditor, casefile.Applicant:
		return Applicant
	case casefile.JudgmentDebtor, casefile.Respondent:
		return Respondent
	}
	return ""
}

// is reports whether the caller belongs to audience a.
func (st standing) is(a string) bool { return slices.Contains(st.audiences, a) }

// best is the widest audience of the caller: staff, then applicant, then
// respondent ("" for none).
func (st standing) best() string {
	for _, a := range []string{Staff, Applicant, Respondent} {
		if st.is(a) {
			return a
		}
	}
	return ""
}

func (st standing) requireOfficer() error {
	if !st.officer {
		return errs.New(errs.Forbidden, "enforcement.error.officer_only")
	}
	return nil
}

// applicantParty returns the applicant party the caller acts for: partyID
// when given (it must be an own party on the applicant's side), else the
// caller's only own applicant party.
func (st standing) applicantParty(partyID string) (casefile.Party, error) {
	var mine []casefile.Party
	for _, pt := range st.c.Parties {
		if st.own[pt.ID] && audienceOf(pt.Role) == Applicant {
			mine = append(mine, pt)
		}
	}
	if len(mine) == 0 {
		return casefile.Party{}, errs.New(errs.Forbidden, "enforcement.error.applicant_only")
	}
	if partyID == "" {
		if len(mine) > 1 {
			return casefile.Party{}, errs.Fields(errs.Field("party_id", "required"))
		}
		return mine[0], nil
	}
	for _, pt := range mine {
		if pt.ID == partyID {
			return pt, nil
		}
	}
	return casefile.Party{}, errs.Fields(errs.Field("party_id", "enforcement_party_unknown"))
}

// recipients returns the accounts of the case's parties and their
// representatives in audience a, with their SMS choice.
func recipients(c casefile.Case, a string, sms map[string]bool) []Recipient {
	var out []Recipient
	seen := map[string]bool{}
	add := func(acc string) {
		if acc != "" && !seen[acc] {
			seen[acc] = true
			out = append(out, Recipient{AccountID: acc, SMS: sms[acc]})
		}
	}
	for _, pt := range c.Parties {
		if audienceOf(pt.Role) != a {
			continue
		}
		add(pt.AccountID)
		for _, r := range c.Representatives {
			if r.PartyID == pt.ID {
				add(r.AccountID)
			}
		}
	}
	return out
}
