package casefile

import (
	"context"
	"slices"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Need is what a caller wants to do with a case; Authorize grants or refuses it.
type Need string

// The needs.
const (
	// NeedRead: see the case, its timeline and its consents.
	NeedRead Need = "read"
	// NeedRecord: add timeline events (hearing scheduled, document served…).
	NeedRecord Need = "record"
	// NeedConsent: record consent to online proceedings. Parties and
	// representatives hold it only for themselves / the party they act for;
	// SetConsent checks that against the party.
	NeedConsent Need = "consent"
	// NeedParties: add parties and representatives, link accounts.
	NeedParties Need = "parties"
	// NeedStatus: change the case's status (Transition).
	NeedStatus Need = "status"
	// NeedAssign: assign the judge, assistant and clerk.
	NeedAssign Need = "assign"
)

// staffNeeds is the table of what each court role may do with the cases of
// its own court. A judge, assistant or clerk may change a case's status only
// when assigned to it (see allowStaff); filing officers and court
// administrators may for every case of the court. Roles not listed
// (bankruptcy administrators, shared-court directors, litigants, lawyers)
// have no standing as court staff.
var staffNeeds = map[auth.Role][]Need{
	auth.FilingOfficer:      {NeedRead, NeedRecord, NeedConsent, NeedParties, NeedStatus, NeedAssign},
	auth.CourtAdmin:         {NeedRead, NeedRecord, NeedConsent, NeedParties, NeedStatus, NeedAssign},
	auth.Judge:              {NeedRead, NeedRecord, NeedConsent, NeedParties, NeedStatus},
	auth.JudgeAssistant:     {NeedRead, NeedRecord, NeedConsent, NeedParties, NeedStatus},
	auth.Clerk:              {NeedRead, NeedRecord, NeedConsent, NeedStatus},
	auth.EnforcementOfficer: {NeedRead, NeedRecord, NeedConsent, NeedStatus},
	auth.Mediator:           {NeedRead, NeedRecord, NeedConsent},
}

// assignedOnly lists needs that judges, assistants and clerks hold only on
// cases assigned to them, and enforcement officers only on enforcement
// cases.
var assignedOnly = []Need{NeedStatus}

// partyNeeds is what a party (through a linked account) or a representative
// may do.
var partyNeeds = []Need{NeedRead, NeedConsent}

// appealNeeds is what staff of a higher court may do with a lower court's
// case that is on appeal before them: read it.
var appealNeeds = []Need{NeedRead}

// caseRoles are the court roles that count as case-handling staff for the
// court-wide list (Search) and the dashboard (Counts).
var caseRoles = []auth.Role{auth.FilingOfficer, auth.CourtAdmin, auth.Judge, auth.JudgeAssistant,
	auth.Clerk, auth.EnforcementOfficer, auth.Mediator}

type systemKey struct{}

// AsSystem returns a context in which the casefile treats the caller as the
// platform itself: every Need is granted and audit entries carry the actor
// of ctx (the system when none). It is for other contexts' background work
// (the filing context creating the case after acceptance, timers, event
// consumers); request handlers must never use it.
func AsSystem(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// withActor makes the signed-in principal the audit actor when the request
// did not set one, so that no case read is recorded without its reader.
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

func isSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}

// grant is the outcome of the access check: the case, and the standing that
// let the caller in.
type grant struct {
	c      Case
	staff  bool            // sees unmasked data: court staff, appeal court, platform, system
	own    map[string]bool // party IDs the caller is or represents
	viewer string
}

// Authorize is the one access check of the casefile: it loads the case and
// returns it when the principal in ctx may do need with it, and records the
// access as an audit entry "casefile.case.read" (detail: the need) in the
// same transaction. Every other read of case data goes through the same
// check. A principal may:
//
//   - as a party whose account is linked, or as a representative of a
//     party: read the case and record consent for that party;
//   - as staff of the case's court: what staffNeeds gives their roles
//     (status changes for judges, assistants and clerks only on cases
//     assigned to them, for enforcement officers only on enforcement cases);
//   - as case-handling staff of a higher court (Courts.IsAbove) in which
//     a case exists whose ParentCaseID is this case (an appeal): read it;
//   - as platform administrator, or in an AsSystem context: everything.
//
// Errors: errs.Unauthenticated without a principal; errs.NotFound when the
// case does not exist or the principal has no standing in it at all (so an
// outsider cannot probe which cases exist); errs.Forbidden when the
// principal has some standing (party, representative, court or appeal-court
// staff) but not for need. Refusals are audited as "casefile.case.denied"
// when the case exists.
func (s *Service) Authorize(ctx context.Context, caseID string, need Need) (Case, error) {
	ctx = withActor(ctx)
	var c Case
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		g, err := s.authorize(ctx, tx, caseID, need)
		if err != nil {
			return err
		}
		c = g.finish()
		return s.auditRead(ctx, tx, c, map[string]any{"need": need, "via": "authorize"})
	})
	if err != nil {
		s.auditDenied(ctx, caseID, need, err)
		return Case{}, err
	}
	return c, nil
}

// authorize loads the case inside tx and applies the access rules. The
// returned case is masked for the caller.
func (s *Service) authorize(ctx context.Context, tx *sqldb.Tx, caseID string, need Need) (grant, error) {
	system := isSystem(ctx)
	p, ok := auth.From(ctx)
	if !ok && !system {
		return grant{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	if caseID == "" {
		return grant{}, errs.New(errs.NotFound, "casefile.error.not_found")
	}
	c, err := loadCase(ctx, tx, caseID)
	if err != nil {
		return grant{}, err
	}
	g := grant{c: c, own: map[string]bool{}, viewer: p.UserID}
	if system || p.Has("", auth.PlatformAdmin) {
		g.staff = true
		return g, nil
	}
	standing := false
	// Parties and representatives.
	for _, pt := range c.Parties {
		if pt.AccountID != "" && pt.AccountID == p.UserID {
			g.own[pt.ID] = true
		}
	}
	for _, r := range c.Representatives {
		if r.AccountID != "" && r.AccountID == p.UserID {
			g.own[r.PartyID] = true
		}
	}
	if len(g.own) > 0 {
		standing = true
		if slices.Contains(partyNeeds, need) {
			return g, nil
		}
	}
	// Staff of the case's court.
	if roles := rolesAt(p, c.CourtID); len(roles) > 0 {
		standing = true
		if allowStaff(p, c, roles, need) {
			g.staff = true
			return g, nil
		}
	}
	// Staff of a higher court with an appeal of this case before them.
	if courts := p.Courts(caseRoles...); len(courts) > 0 && !slices.Contains(courts, c.CourtID) {
		appealCourts, err := appealCourtsOf(ctx, tx, c.ID)
		if err != nil {
			return grant{}, err
		}
		for _, ac := range appealCourts {
			if !slices.Contains(courts, ac) {
				continue
			}
			above, err := s.courts.IsAbove(ctx, ac, c.CourtID)
			if err != nil {
				return grant{}, err
			}
			if above {
				standing = true
				if slices.Contains(appealNeeds, need) {
					g.staff = true
					return g, nil
				}
			}
		}
	}
	if standing {
		return grant{}, errs.New(errs.Forbidden, "casefile.error.forbidden")
	}
	return grant{}, errs.New(errs.NotFound, "casefile.error.not_found")
}

// rolesAt returns the case-handling roles p holds at court.
func rolesAt(p auth.Principal, court string) []auth.Role {
	var out []auth.Role
	for _, r := range caseRoles {
		if p.Has(court, r) {
			out = append(out, r)
		}
	}
	return out
}

// allowStaff applies staffNeeds and the assigned-only restriction.
func allowStaff(p auth.Principal, c Case, roles []auth.Role, need Need) bool {
	for _, r := range roles {
		if !slices.Contains(staffNeeds[r], need) {
			continue
		}
		if !slices.Contains(assignedOnly, need) {
			return true
		}
		switch r {
		case auth.Judge:
			if c.Assignment.JudgeID == p.UserID {
				return true
			}
		case auth.JudgeAssistant:
			if c.Assignment.AssistantID == p.UserID {
				return true
			}
		case auth.Clerk:
			if c.Assignment.ClerkID == p.UserID {
				return true
			}
		case auth.EnforcementOfficer:
			if c.TypeClass == ClassEnforcement {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// finish masks the case for the caller's standing.
func (g grant) finish() Case {
	c := g.c
	c.Parties = slices.Clone(c.Parties)
	c.Representatives = slices.Clone(c.Representatives)
	for i, pt := range c.Parties {
		if !g.staff && !g.own[pt.ID] {
			c.Parties[i] = maskParty(pt)
		}
	}
	for i, r := range c.Representatives {
		if !g.staff && !g.own[r.PartyID] && r.AccountID != g.viewer {
			// A representative's phone is professional contact data but
			// still personal: only staff and their own client see it whole.
			c.Representatives[i].Phone = maskPhone(r.Phone)
		}
	}
	return c
}

// auditRead appends the read entry of one case inside tx.
func (s *Service) auditRead(ctx context.Context, tx *sqldb.Tx, c Case, detail any) error {
	return audit.Append(ctx, tx, audit.Record{Action: "casefile.case.read", CourtID: c.CourtID, CaseID: c.ID, Detail: detail})
}

// auditDenied records a refused access to an existing case in a
// transaction of its own (the refused one rolled back). Failures to record
// are not reported: the caller already gets the refusal.
func (s *Service) auditDenied(ctx context.Context, caseID string, need Need, err error) {
	code := errs.CodeOf(err)
	if code != errs.Forbidden && code != errs.NotFound || caseID == "" {
		return
	}
	courtID, qerr := courtOfCase(ctx, s.db, caseID)
	if qerr != nil {
		return // the case does not exist: nothing to record against
	}
	_ = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "casefile.case.denied", CourtID: courtID, CaseID: caseID,
			Detail: map[string]any{"need": need, "code": code}})
	})
}
