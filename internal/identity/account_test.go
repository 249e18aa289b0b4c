package identity_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Resident ID numbers with correct check characters: a Beijing man born
// 1949-12-31 and a Ningbo woman born 1985-06-15.
var (
	idBeijing = residentID("11010519491231002")
	idNingbo  = residentID("33020319850615004")
)

const uscc = "91350100M000100Y43"

func TestVerifyIdentity(t *testing.T) {
	tests := []struct {
		name      string
		claim     identity.Claim
		want      errs.Code
		fields    []string
		wantID    string
		wantReal  string
		wantOrg   string
		wantLevel identity.Verification
	}{
		{name: "resident ID", claim: identity.Claim{Kind: identity.Person, Name: " 张三 ", IDType: identity.ResidentIDCard, IDNumber: " " + strings.ToLower(idBeijing) + " "},
			wantID: idBeijing, wantReal: "张三", wantLevel: identity.VerifiedDevelopment},
		{name: "wrong check digit", claim: identity.Claim{Kind: identity.Person, Name: "张三", IDType: identity.ResidentIDCard, IDNumber: wrongCheck(idBeijing)},
			want: errs.Invalid, fields: []string{"id_number:checksum"}},
		{name: "no name, bad number", claim: identity.Claim{Kind: identity.Person, Name: " ", IDType: identity.ResidentIDCard, IDNumber: "1101051949"},
			want: errs.Invalid, fields: []string{"name:required", "id_number:format"}},
		{name: "passport", claim: identity.Claim{Kind: identity.Person, Name: "John Smith", IDType: identity.Passport, IDNumber: "x1234567", Country: "usa"},
			wantID: "X1234567", wantReal: "John Smith", wantLevel: identity.VerifiedDevelopment},
		{name: "passport without country", claim: identity.Claim{Kind: identity.Person, Name: "John Smith", IDType: identity.Passport, IDNumber: "X1234567"},
			want: errs.Invalid, fields: []string{"country:country"}},
		{name: "person with a credit code", claim: identity.Claim{Kind: identity.Person, Name: "张三", IDType: identity.USCCCode, IDNumber: uscc},
			want: errs.Invalid, fields: []string{"id_type:unknown"}},
		{name: "organisation", claim: identity.Claim{Kind: identity.Organisation, Name: "福州某科技有限公司", IDType: identity.USCCCode,
			IDNumber: strings.ToLower(uscc), LegalRep: "李四", LegalRepID: idNingbo},
			wantID: uscc, wantReal: "李四", wantOrg: "福州某科技有限公司", wantLevel: identity.VerifiedDevelopment},
		{name: "organisation without representative", claim: identity.Claim{Kind: identity.Organisation, Name: "福州某科技有限公司", IDType: identity.USCCCode,
			IDNumber: uscc, LegalRepID: wrongCheck(idNingbo)},
			want: errs.Invalid, fields: []string{"legal_rep:required", "legal_rep_id:checksum"}},
		{name: "organisation with a bad code", claim: identity.Claim{Kind: identity.Organisation, Name: "某公司", IDType: identity.USCCCode,
			IDNumber: "91350100M000100", LegalRep: "李四", LegalRepID: idNingbo},
			want: errs.Invalid, fields: []string{"id_number:format"}},
		{name: "unknown kind", claim: identity.Claim{Kind: "robot", Name: "R2", IDType: identity.ResidentIDCard, IDNumber: idBeijing},
			want: errs.Invalid, fields: []string{"kind:unknown"}},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mobile := "138000002" + string(rune('0'+i/10)) + string(rune('0'+i%10))
				f.seed(t, identity.Seed{Mobile: mobile, Name: "待认证"})
				ctx, _ := f.signIn(t, mobile)
				a, _, err := f.s.VerifyIdentity(ctx, tt.claim)
				if tt.want != "" {
					checkErr(t, err, tt.want, tt.fields...)
					me, _ := f.s.Me(ctx)
					if me.Verified() {
						t.Errorf("account verified after a refusal: %+v", me)
					}
					return
				}
				if err != nil {
					t.Fatalf("VerifyIdentity: %v", err)
				}
				if a.Verification != tt.wantLevel || !a.Verified() || a.IDNumber != tt.wantID || a.RealName != tt.wantReal ||
					a.OrgName != tt.wantOrg || a.Kind != tt.claim.Kind || a.IDType != tt.claim.IDType || a.VerifiedAt == nil || !a.VerifiedAt.Equal(t0) {
					t.Errorf("account = %+v", a)
				}
				// The session sees it at once.
				p, _ := auth.From(f.ctxFor(t, mustToken(t, f, mobile)))
				if !p.Verified {
					t.Errorf("principal not verified: %+v", p)
				}
			})
		}
	})
}

func mustToken(t *testing.T, f fixture, login string) string {
	t.Helper()
	_, tok := f.signIn(t, login)
	return tok
}

func TestVerifyIdentityOnePersonOneAccount(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Mobile: "13800000301", Name: "甲"})
		f.seed(t, identity.Seed{Mobile: "13800000302", Name: "乙"})
		first, _ := f.signIn(t, "13800000301")
		second, _ := f.signIn(t, "13800000302")
		claim := identity.Claim{Kind: identity.Person, Name: "张三", IDType: identity.ResidentIDCard, IDNumber: idBeijing}

		if _, _, err := f.s.VerifyIdentity(first, claim); err != nil {
			t.Fatalf("first: %v", err)
		}
		// The same account may verify again (e.g. after a name change).
		if _, _, err := f.s.VerifyIdentity(first, claim); err != nil {
			t.Fatalf("first again: %v", err)
		}
		// VerifyIdentity's contract: an ID number verified for another
		// account is a conflict, reported on the id_number field.
		claim.IDNumber = strings.ToLower(idBeijing)
		_, _, err := f.s.VerifyIdentity(second, claim)
		checkErr(t, err, errs.Conflict, "id_number:id_taken")
		if me, _ := f.s.Me(second); me.Verified() {
			t.Errorf("second account verified: %+v", me)
		}
	})
}

func TestVerifyIdentitySignedOut(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		_, _, err := f.s.VerifyIdentity(context.Background(), identity.Claim{Kind: identity.Person, Name: "张三", IDType: identity.ResidentIDCard, IDNumber: idBeijing})
		checkErr(t, err, errs.Unauthenticated)
	})
}

func TestUpdateSettings(t *testing.T) {
	tests := []struct {
		name   string
		set    identity.Settings
		fields []string
	}{
		{"english, elderly", identity.Settings{Lang: "en", Elderly: true, DisplayName: " Zhang "}, nil},
		{"chinese", identity.Settings{Lang: "zh-CN", DisplayName: "张三"}, nil},
		{"all wrong", identity.Settings{Lang: "fr", DisplayName: " "}, []string{"lang:unknown", "display_name:required"}},
		{"long name", identity.Settings{Lang: "en", DisplayName: strings.Repeat("长", 51)}, []string{"display_name:too_long"}},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Mobile: "13800000311", Name: "张三"})
		ctx, _ := f.signIn(t, "13800000311")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a, err := f.s.UpdateSettings(ctx, tt.set)
				if tt.fields != nil {
					checkErr(t, err, errs.Invalid, tt.fields...)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if a.Lang != tt.set.Lang || a.Elderly != tt.set.Elderly || a.DisplayName != strings.TrimSpace(tt.set.DisplayName) {
					t.Errorf("account = %+v, want settings %+v", a, tt.set)
				}
			})
		}
		_, err := f.s.UpdateSettings(context.Background(), identity.Settings{Lang: "en", DisplayName: "x"})
		checkErr(t, err, errs.Unauthenticated)
	})
}

func TestGrantRole(t *testing.T) {
	const licence = "13501201810123456"
	type step struct {
		name  string
		actor string // login of the actor, "" signed out
		to    string // login of the account
		grant auth.Grant
		want  errs.Code
		field []string
	}
	steps := []step{
		{"court admin grants judge at own court", "admin.a", "u.one", auth.Grant{CourtID: "court-a", Role: auth.Judge}, "", nil},
		{"court admin grants clerk at own court", "admin.a", "u.two", auth.Grant{CourtID: "court-a", Role: auth.Clerk}, "", nil},
		{"court admin at another court", "admin.a", "u.one", auth.Grant{CourtID: "court-b", Role: auth.Judge}, errs.Forbidden, nil},
		{"court admin grants platform admin", "admin.a", "u.one", auth.Grant{Role: auth.PlatformAdmin}, errs.Forbidden, nil},
		{"court admin grants platform admin at own court", "admin.a", "u.one", auth.Grant{CourtID: "court-a", Role: auth.PlatformAdmin}, errs.Forbidden, nil},
		{"court admin grants lawyer", "admin.a", "u.one", auth.Grant{Role: auth.Lawyer, Licence: licence}, errs.Forbidden, nil},
		{"judge grants judge", "u.one", "u.two", auth.Grant{CourtID: "court-a", Role: auth.Judge}, errs.Forbidden, nil},
		{"litigant grants", "u.three", "u.three", auth.Grant{CourtID: "court-a", Role: auth.CourtAdmin}, errs.Forbidden, nil},
		{"signed out", "", "u.one", auth.Grant{CourtID: "court-a", Role: auth.Judge}, errs.Unauthenticated, nil},
		{"unknown account", "admin.a", "no-such-account", auth.Grant{CourtID: "court-a", Role: auth.Judge}, errs.NotFound, nil},
		{"platform admin grants platform admin", "root", "u.two", auth.Grant{Role: auth.PlatformAdmin}, "", nil},
		{"platform admin grants judge elsewhere", "root", "u.one", auth.Grant{CourtID: "court-b", Role: auth.Judge}, "", nil},
		{"lawyer with short licence", "root", "u.three", auth.Grant{Role: auth.Lawyer, Licence: "1350120181012345"}, errs.Invalid, []string{"licence:licence_format"}},
		{"lawyer with letters", "root", "u.three", auth.Grant{Role: auth.Lawyer, Licence: "1350120181012345X"}, errs.Invalid, []string{"licence:licence_format"}},
		{"lawyer", "root", "u.three", auth.Grant{Role: auth.Lawyer, Licence: licence}, "", nil},
		{"court role without court", "root", "u.one", auth.Grant{Role: auth.Judge}, errs.Invalid, []string{"court_id:required"}},
		{"unknown role", "root", "u.one", auth.Grant{CourtID: "court-a", Role: "wizard"}, errs.Invalid, []string{"role:unknown"}},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		ids := map[string]string{}
		for i, sd := range []identity.Seed{
			{Login: "root", Grants: []auth.Grant{{Role: auth.PlatformAdmin}}},
			{Login: "admin.a", Grants: []auth.Grant{{CourtID: "court-a", Role: auth.CourtAdmin}}},
			{Login: "u.one", Name: "甲法官"},
			{Login: "u.two", Name: "乙书记员"},
			{Login: "u.three", Name: "丙律师", Grants: []auth.Grant{{Role: auth.Litigant}}},
		} {
			sd.Mobile = "1380000040" + string(rune('0'+i))
			if sd.Name == "" {
				sd.Name = sd.Login
			}
			ids[sd.Login] = f.seed(t, sd).ID
		}
		ids["no-such-account"] = "no-such-account"
		ctxs := map[string]context.Context{"": context.Background()}
		for _, l := range []string{"root", "admin.a", "u.one", "u.three"} {
			ctxs[l], _ = f.signIn(t, l)
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				err := f.s.GrantRole(ctxs[st.actor], ids[st.to], st.grant)
				checkErr(t, err, st.want, st.field...)
				if st.want != "" {
					return
				}
				courtID := st.grant.CourtID
				if !st.grant.Role.CourtScoped() {
					courtID = ""
				}
				if ok, err := f.s.HasRole(context.Background(), ids[st.to], courtID, st.grant.Role); err != nil || !ok {
					t.Errorf("HasRole after the grant = %v, %v", ok, err)
				}
			})
		}

		// HasRole is exact about the court and the role.
		for _, tc := range []struct {
			account, court string
			role           auth.Role
			want           bool
		}{
			{"u.one", "court-a", auth.Judge, true},
			{"u.one", "court-b", auth.Judge, true},
			{"u.one", "court-c", auth.Judge, false},
			{"u.one", "court-a", auth.Clerk, false},
			{"u.two", "", auth.PlatformAdmin, true},
			{"u.three", "", auth.Lawyer, true},
			{"u.three", "court-a", auth.CourtAdmin, false},
			{"no-such-account", "court-a", auth.Judge, false},
		} {
			got, err := f.s.HasRole(context.Background(), ids[tc.account], tc.court, tc.role)
			if err != nil || got != tc.want {
				t.Errorf("HasRole(%s, %q, %s) = %v, %v; want %v", tc.account, tc.court, tc.role, got, err, tc.want)
			}
		}

		// A new sign-in carries the new roles; the licence is kept.
		ctx, _ := f.signIn(t, "u.three")
		p, _ := auth.From(ctx)
		if !p.Has("", auth.Lawyer) || !slices.Contains(p.Grants, auth.Grant{Role: auth.Lawyer, Licence: licence}) {
			t.Errorf("grants = %+v, want the lawyer grant with its licence", p.Grants)
		}

		if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ?`, "identity.role.granted", ids["admin.a"]); n != 2 {
			t.Errorf("%d identity.role.granted entries by the court admin, want 2", n)
		}
		if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM bus_outbox WHERE type = ?`, "ecourt.identity.role.granted"); n != 5 {
			t.Errorf("%d role.granted events, want 5", n)
		}
	})
}

func TestRevokeRoleAndStaff(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		admin := f.seed(t, identity.Seed{Login: "admin.a", Mobile: "13800000411", Name: "管理员", Grants: []auth.Grant{{CourtID: "court-a", Role: auth.CourtAdmin}}})
		judge := f.seed(t, identity.Seed{Login: "judge.a", Mobile: "13800000412", Name: "法官",
			Grants: []auth.Grant{{CourtID: "court-a", Role: auth.Judge}, {CourtID: "court-a", Role: auth.Mediator}, {CourtID: "court-b", Role: auth.Judge}}})
		f.seed(t, identity.Seed{Login: "party", Mobile: "13800000413", Name: "当事人", Grants: []auth.Grant{{Role: auth.Litigant}}})
		adminCtx, _ := f.signIn(t, "admin.a")
		judgeCtx, _ := f.signIn(t, "judge.a")
		partyCtx, _ := f.signIn(t, "party")

		staff, err := f.s.Staff(judgeCtx, "court-a")
		if err != nil {
			t.Fatalf("Staff: %v", err)
		}
		want := []identity.StaffMember{
			{AccountID: judge.ID, Name: "法官", Mobile: "138****0412", Roles: []auth.Role{auth.Judge, auth.Mediator}},
			{AccountID: admin.ID, Name: "管理员", Mobile: "138****0411", Roles: []auth.Role{auth.CourtAdmin}},
		}
		if !sameStaff(staff, want) {
			t.Errorf("Staff = %+v, want %+v", staff, want)
		}
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			court string
			want  errs.Code
		}{
			{"litigant", partyCtx, "court-a", errs.Forbidden},
			{"admin of another court", adminCtx, "court-b", errs.Forbidden},
			{"signed out", context.Background(), "court-a", errs.Unauthenticated},
		} {
			_, err := f.s.Staff(tc.ctx, tc.court)
			if errs.CodeOf(err) != tc.want {
				t.Errorf("Staff(%s, %s) = %v, want %s", tc.name, tc.court, err, tc.want)
			}
		}

		checkErr(t, f.s.RevokeRole(adminCtx, judge.ID, auth.Grant{CourtID: "court-b", Role: auth.Judge}), errs.Forbidden)
		checkErr(t, f.s.RevokeRole(judgeCtx, admin.ID, auth.Grant{CourtID: "court-a", Role: auth.CourtAdmin}), errs.Forbidden)
		if err := f.s.RevokeRole(adminCtx, judge.ID, auth.Grant{CourtID: "court-a", Role: auth.Mediator}); err != nil {
			t.Fatalf("RevokeRole: %v", err)
		}
		checkErr(t, f.s.RevokeRole(adminCtx, judge.ID, auth.Grant{CourtID: "court-a", Role: auth.Mediator}), errs.NotFound)
		if ok, _ := f.s.HasRole(context.Background(), judge.ID, "court-a", auth.Mediator); ok {
			t.Error("mediator role still held after revoke")
		}
		if ok, _ := f.s.HasRole(context.Background(), judge.ID, "court-b", auth.Judge); !ok {
			t.Error("judge role at court-b lost")
		}
	})
}

func sameStaff(got, want []identity.StaffMember) bool {
	return slices.EqualFunc(got, want, func(a, b identity.StaffMember) bool {
		return a.AccountID == b.AccountID && a.Name == b.Name && a.Mobile == b.Mobile && slices.Equal(a.Roles, b.Roles)
	})
}

func TestAuditTrail(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		a, _ := f.register(t, "13800000501") // IP 192.0.2.10
		if _, err := f.s.LoginPassword(ctx, "13800000501", password, identity.ClientMeta{IP: "192.0.2.77"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.LoginPassword(ctx, "13800000501", "Wrong2026", identity.ClientMeta{IP: "198.51.100.9"}); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatal(err)
		}
		uctx, _ := f.signIn(t, "13800000501")
		if _, _, err := f.s.VerifyIdentity(uctx, identity.Claim{Kind: identity.Person, Name: "张三", IDType: identity.ResidentIDCard, IDNumber: idNingbo}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Logout(uctx); err != nil {
			t.Fatal(err)
		}

		rep, err := audit.Verify(ctx, f.db)
		if err != nil || !rep.OK() {
			t.Fatalf("audit.Verify = %+v, %v", rep, err)
		}
		for _, tc := range []struct{ action, ip, detail string }{
			{"identity.account.registered", "192.0.2.10", ""},
			{"identity.login", "192.0.2.77", `"how":"password"`},
			{"identity.login.failed", "198.51.100.9", `"how":"password"`},
			{"identity.login", "192.0.2.20", `"how":"demo_switch"`},
			{"identity.account.verified", "192.0.2.20", `"level":"development"`},
			{"identity.session.logout", "192.0.2.20", ""},
		} {
			n := scalar[int](t, f.db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ? AND ip = ? AND detail LIKE ?`,
				tc.action, a.ID, tc.ip, "%"+tc.detail+"%")
			if n != 1 {
				t.Errorf("%d entries %s by %s from %s with %s, want 1", n, tc.action, a.ID, tc.ip, tc.detail)
			}
		}
		// Personal data stays out of the log.
		if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM audit_log WHERE detail LIKE ? OR detail LIKE ?`, "%"+idNingbo+"%", "%"+password+"%"); n != 0 {
			t.Errorf("%d audit entries hold the ID number or password", n)
		}
		for _, typ := range []string{"ecourt.identity.account.registered", "ecourt.identity.account.verified"} {
			if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND actor = ?`, typ, a.ID); n != 1 {
				t.Errorf("%d %s events, want 1", n, typ)
			}
		}
	})
}
