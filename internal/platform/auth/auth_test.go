package auth

import (
	"context"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestRoleChecks(t *testing.T) {
	judge := Principal{UserID: "j", Grants: []Grant{{CourtID: "c1", Role: Judge}, {Role: Litigant}}}
	admin := Principal{UserID: "a", Verified: true, Grants: []Grant{{Role: PlatformAdmin}}}
	cases := []struct {
		name  string
		p     *Principal
		court string
		roles []Role
		want  errs.Code
	}{
		{"judge at own court", &judge, "c1", []Role{Judge}, ""},
		{"judge at other court", &judge, "c2", []Role{Judge}, errs.Forbidden},
		{"wrong role", &judge, "c1", []Role{Clerk}, errs.Forbidden},
		{"platform admin anywhere", &admin, "c9", []Role{Clerk}, ""},
		{"nobody", nil, "c1", []Role{Judge}, errs.Unauthenticated},
	}
	for _, c := range cases {
		ctx := context.Background()
		if c.p != nil {
			ctx = WithPrincipal(ctx, *c.p)
		}
		_, err := RequireRole(ctx, c.court, c.roles...)
		if got := errs.CodeOf(err); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if !judge.IsStaff() || (Principal{Grants: []Grant{{Role: Litigant}}}).IsStaff() {
		t.Error("IsStaff wrong")
	}
	if got := judge.Courts(StaffRoles...); len(got) != 1 || got[0] != "c1" {
		t.Errorf("Courts = %v", got)
	}
	if _, err := RequireVerified(WithPrincipal(context.Background(), judge)); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("unverified: got %v", err)
	}
	if _, err := RequireVerified(WithPrincipal(context.Background(), admin)); err != nil {
		t.Errorf("verified: got %v", err)
	}
	for _, r := range AllRoles {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if Role("emperor").Valid() {
		t.Error("unknown role valid")
	}
}
