package delivery

import (
	"context"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

type systemKey struct{}

// AsSystem returns a context in which delivery acts for the platform
// itself, with actor (e.g. "system:filing") as the audit actor when ctx has
// none: another context's event consumer serving its notices (Serve), or
// recording the electronic address a party gave in its complaint
// (RecordBasis). The casefile check is passed as system too
// (casefile.AsSystem). Request handlers must never use it.
func AsSystem(ctx context.Context, actor string) context.Context {
	ctx = casefile.AsSystem(context.WithValue(ctx, systemKey{}, true))
	if audit.ActorFrom(ctx).UserID == "" {
		ctx = audit.WithActor(ctx, audit.Actor{UserID: actor})
	}
	return ctx
}

func isSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
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

// systemActor is the audit actor of work no person started (channel
// outcomes, timers).
func systemActor(ctx context.Context, name string) context.Context {
	if audit.ActorFrom(ctx).UserID != "" {
		return ctx
	}
	return audit.WithActor(ctx, audit.Actor{UserID: name})
}

// staffRoles are the court roles that see every service record, task and
// consent of their court's cases.
var staffRoles = []auth.Role{auth.FilingOfficer, auth.CourtAdmin, auth.Judge, auth.JudgeAssistant, auth.Clerk,
	auth.EnforcementOfficer, auth.Mediator}

// standing is what the caller may do in a case.
type standing struct {
	c      casefile.Case
	system bool
	staff  bool            // court staff of the case's court, platform administrator or system
	server bool            // may serve, resend, record fallbacks and bases
	own    map[string]bool // party IDs the caller is, or represents
	userID string
}

// canServe reports whether p may serve documents in case c: the judge,
// judge's assistant and clerk assigned to the case ("clerks and judges of
// the case"), the court's filing officers (acceptance notices) and
// administrators, enforcement officers on enforcement cases, platform
// administrators.
func canServe(p auth.Principal, c casefile.Case) bool {
	switch {
	case p.Has("", auth.PlatformAdmin), p.Has(c.CourtID, auth.FilingOfficer, auth.CourtAdmin):
		return true
	case p.Has(c.CourtID, auth.Judge) && c.Assignment.JudgeID == p.UserID:
		return true
	case p.Has(c.CourtID, auth.JudgeAssistant) && c.Assignment.AssistantID == p.UserID:
		return true
	case p.Has(c.CourtID, auth.Clerk) && c.Assignment.ClerkID == p.UserID:
		return true
	case p.Has(c.CourtID, auth.EnforcementOfficer) && c.TypeClass == casefile.ClassEnforcement:
		return true
	}
	return false
}

// authorize passes the casefile's access check for need (audited there) and
// works out the caller's standing. Errors: unauthenticated without a
// principal (outside AsSystem); the casefile's not_found / forbidden.
func (s *Service) authorize(ctx context.Context, caseID string, need casefile.Need) (standing, error) {
	system := isSystem(ctx)
	var p auth.Principal
	if !system {
		var err error
		if p, err = auth.Require(ctx); err != nil {
			return standing{}, err
		}
	}
	c, err := s.deps.Cases.Authorize(ctx, caseID, need)
	if err != nil {
		return standing{}, err
	}
	st := standing{c: c, system: system, own: map[string]bool{}, userID: p.UserID}
	if system || p.Has("", auth.PlatformAdmin) {
		st.staff, st.server = true, true
		return st, nil
	}
	st.staff = p.Has(c.CourtID, staffRoles...)
	st.server = canServe(p, c)
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

// requireServer refuses callers who may not serve in the case.
func (st standing) requireServer() error {
	if !st.server {
		return errs.New(errs.Forbidden, "delivery.error.not_case_staff")
	}
	return nil
}

// requireStaff refuses callers who are not court staff of the case.
func (st standing) requireStaff() error {
	if !st.staff {
		return errs.New(errs.Forbidden, "delivery.error.staff_only")
	}
	return nil
}

// sees reports whether the caller may see what concerns party partyID.
func (st standing) sees(partyID string) bool { return st.staff || st.own[partyID] }
