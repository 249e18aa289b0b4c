package exhibit

import (
	"context"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// staffRoles are the court roles that see every exhibit of their court's
// cases.
var staffRoles = []auth.Role{auth.FilingOfficer, auth.CourtAdmin, auth.Judge, auth.JudgeAssistant, auth.Clerk, auth.Mediator}

// standing is what the caller may do in a case.
type standing struct {
	c      casefile.Case
	staff  bool            // court staff of the case's court, platform administrator
	judge  bool            // the judge or judge's assistant of the case, a court administrator, a platform administrator
	clerk  bool            // may act for the court in a hearing: judge, assistant or clerk of the case, or judge above
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

// authorize passes the casefile's access check (audited there as a read of
// the case) and works out the caller's standing. Errors: unauthenticated
// without a principal; the casefile's not_found (no standing at all, or no
// such case) and forbidden.
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
		st.staff, st.judge, st.clerk = true, true, true
		return st, nil
	}
	st.staff = p.Has(c.CourtID, staffRoles...)
	switch {
	case p.Has(c.CourtID, auth.CourtAdmin):
		st.judge, st.clerk = true, true
	case p.Has(c.CourtID, auth.Judge) && c.Assignment.JudgeID == p.UserID,
		p.Has(c.CourtID, auth.JudgeAssistant) && c.Assignment.AssistantID == p.UserID:
		st.judge, st.clerk = true, true
	case p.Has(c.CourtID, auth.Clerk) && c.Assignment.ClerkID == p.UserID:
		st.clerk = true
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
	return st, nil
}

// requireJudge refuses callers who are not the judge (or assistant) of the
// case.
func (st standing) requireJudge() error {
	if !st.judge {
		return errs.New(errs.Forbidden, "exhibit.error.judge_only")
	}
	return nil
}

// party resolves the party a caller acts for: partyID when given (it must
// be one the caller is or represents, or any party for the case's court
// staff acting for it: Online Litigation Rules Art. 11 para 3), else the
// caller's only own party.
func (st standing) party(partyID string) (casefile.Party, error) {
	if partyID == "" {
		if len(st.own) != 1 {
			return casefile.Party{}, errs.Fields(errs.Field("party_id", "required"))
		}
		for id := range st.own {
			partyID = id
		}
	}
	pt, ok := st.c.Party(partyID)
	if !ok {
		return casefile.Party{}, errs.Fields(errs.Field("party_id", "exhibit_party_unknown"))
	}
	if !st.own[partyID] && !st.clerk {
		return casefile.Party{}, errs.New(errs.Forbidden, "exhibit.error.not_your_party")
	}
	return pt, nil
}

// side groups the party roles into the two sides of a dispute. Roles on no
// side (third parties, objectors, others) oppose everybody but themselves.
func side(r casefile.PartyRole) string {
	switch r {
	case casefile.Plaintiff, casefile.Applicant, casefile.Appellant, casefile.Creditor, casefile.JudgmentCreditor,
		casefile.PrivateProsecut, casefile.Victim:
		return "a"
	case casefile.Defendant, casefile.Respondent, casefile.Appellee, casefile.Debtor, casefile.JudgmentDebtor, casefile.Accused:
		return "b"
	}
	return ""
}

// opposing reports whether party q opposes party p: CPL Art. 71 and 民诉法解释
// Art. 103 have evidence examined by the parties "互相", that is by the other
// side; co-plaintiffs do not cross-examine each other's exhibits.
func opposing(p, q casefile.Party) bool {
	if p.ID == q.ID {
		return false
	}
	sp, sq := side(p.Role), side(q.Role)
	return sp == "" || sq == "" || sp != sq
}

// opponents returns the parties of c opposing party p, in case order.
func opponents(c casefile.Case, p casefile.Party) []casefile.Party {
	var out []casefile.Party
	for _, q := range c.Parties {
		if opposing(p, q) {
			out = append(out, q)
		}
	}
	return out
}
