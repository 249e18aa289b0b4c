// Package auth carries the signed-in principal through a request and
// defines the platform's role vocabulary. Identity resolves sessions and API
// tokens into a Principal; every context reads it from the request context
// with From or Require. Roles are scoped to a court.
package auth

import (
	"context"
	"slices"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Role is a role a person holds at a court.
type Role string

// The platform's roles. Litigant and lawyer are held platform-wide (court ""),
// staff roles at one court; PlatformAdmin at court "".
const (
	Litigant            Role = "litigant"
	Lawyer              Role = "lawyer"
	FilingOfficer       Role = "filing_officer"
	Judge               Role = "judge"
	JudgeAssistant      Role = "judge_assistant"
	Clerk               Role = "clerk"
	EnforcementOfficer  Role = "enforcement_officer"
	Mediator            Role = "mediator"
	BankruptcyAdmin     Role = "bankruptcy_administrator"
	SharedCourtDirector Role = "shared_court_director"
	CourtAdmin          Role = "court_admin"
	PlatformAdmin       Role = "platform_admin"
)

// AllRoles lists every role in display order.
var AllRoles = []Role{Litigant, Lawyer, FilingOfficer, Judge, JudgeAssistant, Clerk,
	EnforcementOfficer, Mediator, BankruptcyAdmin, SharedCourtDirector, CourtAdmin, PlatformAdmin}

// StaffRoles are the roles that make a person court staff.
var StaffRoles = []Role{FilingOfficer, Judge, JudgeAssistant, Clerk, EnforcementOfficer, Mediator, SharedCourtDirector, CourtAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// CourtScoped reports whether the role is held at a particular court.
func (r Role) CourtScoped() bool {
	return r != Litigant && r != Lawyer && r != PlatformAdmin
}

// Grant is one role held at one court ("" for platform-wide roles).
type Grant struct {
	CourtID string `json:"court_id,omitempty"`
	Role    Role   `json:"role"`
	Licence string `json:"licence,omitempty"` // a lawyer's licence number
}

// Principal is the signed-in person.
type Principal struct {
	UserID   string
	Name     string
	Mobile   string
	Lang     string
	Elderly  bool
	Verified bool   // real-name verified (development or national provider)
	Via      string // "web" (a browser session) or "api" (an API token)
	Session  string // the session or token ID
	Grants   []Grant
}

// Has reports whether the principal holds role at courtID ("" matches a
// platform-wide grant).
func (p Principal) Has(courtID string, roles ...Role) bool {
	for _, g := range p.Grants {
		if g.CourtID == courtID && slices.Contains(roles, g.Role) {
			return true
		}
	}
	return false
}

// HasAnywhere reports whether the principal holds any of roles at any court.
func (p Principal) HasAnywhere(roles ...Role) bool {
	for _, g := range p.Grants {
		if slices.Contains(roles, g.Role) {
			return true
		}
	}
	return false
}

// Courts returns the courts at which the principal holds any of roles.
func (p Principal) Courts(roles ...Role) []string {
	var out []string
	for _, g := range p.Grants {
		if g.CourtID != "" && slices.Contains(roles, g.Role) && !slices.Contains(out, g.CourtID) {
			out = append(out, g.CourtID)
		}
	}
	return out
}

// IsStaff reports whether the principal holds a staff role anywhere.
func (p Principal) IsStaff() bool { return p.HasAnywhere(StaffRoles...) || p.Has("", PlatformAdmin) }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal in ctx and whether there is one.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.UserID != ""
}

// Require returns the principal in ctx, or an unauthenticated error.
func Require(ctx context.Context) (Principal, error) {
	p, ok := From(ctx)
	if !ok {
		return Principal{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	return p, nil
}

// RequireRole returns the principal when it holds one of roles at courtID
// (or is a platform administrator), else forbidden.
func RequireRole(ctx context.Context, courtID string, roles ...Role) (Principal, error) {
	p, err := Require(ctx)
	if err != nil {
		return p, err
	}
	if p.Has(courtID, roles...) || p.Has("", PlatformAdmin) {
		return p, nil
	}
	return p, errs.New(errs.Forbidden, "error.forbidden")
}

// RequireVerified returns the principal when its real name has been
// verified; unverified accounts can look but not file or act in a case
// (forbidden, message "error.unverified").
func RequireVerified(ctx context.Context) (Principal, error) {
	p, err := Require(ctx)
	if err != nil {
		return p, err
	}
	if !p.Verified {
		return p, errs.New(errs.Forbidden, "error.unverified")
	}
	return p, nil
}
