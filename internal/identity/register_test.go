package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(identity.Migrations); err != nil {
		t.Fatal(err)
	}
}

func TestRegister(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const mobile = "13800000001"
		if err := f.s.RequestCode(ctx, "+86 138-0000-0001", identity.PurposeRegister); err != nil {
			t.Fatalf("RequestCode: %v", err)
		}
		sent := f.sms.Sent()
		if len(sent) != 1 || sent[0].Mobile != mobile {
			t.Fatalf("sent = %+v, want one SMS to %s", sent, mobile)
		}
		code := f.lastCode(t, mobile)

		a, tok, err := f.s.Register(ctx, identity.Registration{Mobile: mobile, Password: password, Code: " " + code + " ", Name: "张三"},
			identity.ClientMeta{IP: "192.0.2.10", UserAgent: "test"})
		if err != nil {
			t.Fatalf("Register: %v", err)
		}
		if a.Verified() || a.Verification != identity.Unverified {
			t.Errorf("Verification = %q, want unverified", a.Verification)
		}
		if a.Login != mobile || a.Mobile != mobile || a.DisplayName != "张三" || a.Lang != "zh-CN" || a.Kind != identity.Person {
			t.Errorf("account = %+v", a)
		}
		if got, want := a.Grants, []auth.Grant{{Role: auth.Litigant}}; len(got) != 1 || got[0] != want[0] {
			t.Errorf("Grants = %v, want %v", got, want)
		}
		if !strings.HasPrefix(tok, "ecs_") {
			t.Errorf("token = %q, want an ecs_ session token", tok)
		}

		p, err := f.s.Authenticate(ctx, tok)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if p.UserID != a.ID || p.Via != identity.WebSession || p.Verified || !p.Has("", auth.Litigant) || p.Mobile != mobile {
			t.Errorf("principal = %+v", p)
		}
		me, err := f.s.Me(f.ctxFor(t, tok))
		if err != nil || me.ID != a.ID || len(me.Grants) != 1 {
			t.Errorf("Me = %+v, %v", me, err)
		}

		// The code is spent: it cannot register a second time.
		_, _, err = f.s.Register(ctx, identity.Registration{Mobile: mobile, Password: password, Code: code}, identity.ClientMeta{})
		checkErr(t, err, errs.Invalid, "code:code_expired")
	})
}

func TestRegisterDefaults(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		const mobile = "13800000002"
		code := f.requestCode(t, mobile, identity.PurposeRegister)
		a, _, err := f.s.Register(context.Background(), identity.Registration{Mobile: mobile, Password: password, Code: code, Lang: "en"}, identity.ClientMeta{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := a.DisplayName, "138****0002"; got != want {
			t.Errorf("DisplayName = %q, want %q", got, want)
		}
		if got, want := a.Lang, "en"; got != want {
			t.Errorf("Lang = %q, want %q", got, want)
		}
	})
}

func TestRegisterInvalidFields(t *testing.T) {
	tests := []struct {
		name string
		reg  identity.Registration
		want []string
	}{
		{"everything wrong", identity.Registration{Mobile: "12345", Password: "abc1", Code: ""},
			[]string{"mobile:format", "password:too_short", "code:required"}},
		{"letters only", identity.Registration{Mobile: "13800000003", Password: "abcdefghij", Code: "123456"},
			[]string{"password:weak_password"}},
		{"digits only", identity.Registration{Mobile: "13800000003", Password: "1234567890", Code: "123456"},
			[]string{"password:weak_password"}},
		{"no password, blank code", identity.Registration{Mobile: "13800000003", Password: "", Code: "   "},
			[]string{"password:required", "code:required"}},
		{"long password", identity.Registration{Mobile: "13800000003", Password: "a1" + strings.Repeat("x", 127), Code: "123456"},
			[]string{"password:too_long"}},
		{"long name", identity.Registration{Mobile: "13800000003", Password: password, Code: "123456", Name: strings.Repeat("名", 51)},
			[]string{"name:too_long"}},
		{"+86 landline", identity.Registration{Mobile: "+86 10 12345678", Password: password, Code: "123456"},
			[]string{"mobile:format"}},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := f.s.Register(context.Background(), tt.reg, identity.ClientMeta{})
				checkErr(t, err, errs.Invalid, tt.want...)
			})
		}
	})
}

func TestRegisterWrongCode(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const mobile = "13800000004"
		code := f.requestCode(t, mobile, identity.PurposeRegister)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		reg := identity.Registration{Mobile: mobile, Password: password, Code: wrong}
		for i := 1; i <= identity.CodeAttempts; i++ {
			_, _, err := f.s.Register(ctx, reg, identity.ClientMeta{})
			checkErr(t, err, errs.Invalid, "code:code_wrong")
			// The attempt counts although the registration rolled back.
			if got := scalar[int](t, f.db, `SELECT attempts FROM identity_code WHERE mobile = ?`, mobile); got != i {
				t.Fatalf("after %d wrong codes attempts = %d", i, got)
			}
		}
		reg.Code = code
		_, _, err := f.s.Register(ctx, reg, identity.ClientMeta{})
		checkErr(t, err, errs.Invalid, "code:code_expired")
		if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM identity_account`); n != 0 {
			t.Errorf("%d accounts, want 0", n)
		}
	})
}

func TestRegisterCodeLife(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		want  errs.Code
	}{
		{"just in time", identity.CodeTTL - time.Second, ""},
		{"at expiry", identity.CodeTTL, errs.Invalid},
		{"expired", identity.CodeTTL + time.Second, errs.Invalid},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mobile := "1380000010" + string(rune('0'+i))
				code := f.requestCode(t, mobile, identity.PurposeRegister)
				f.clk.Advance(tt.after)
				_, _, err := f.s.Register(context.Background(), identity.Registration{Mobile: mobile, Password: password, Code: code}, identity.ClientMeta{})
				if tt.want == "" {
					checkErr(t, err, "")
					return
				}
				checkErr(t, err, tt.want, "code:code_expired")
			})
		}
	})
}

func TestRegisterCodeForOtherPurpose(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		// A login code for one account does not register another number,
		// nor does a register code of one number register another.
		f.seed(t, identity.Seed{Mobile: "13800000005", Name: "李四"})
		login := f.requestCode(t, "13800000005", identity.PurposeLogin)
		reg := f.requestCode(t, "13800000006", identity.PurposeRegister)
		for _, tc := range []struct{ mobile, code string }{{"13800000006", login}, {"13800000007", reg}} {
			if tc.mobile == "13800000006" && login == reg {
				continue // the same six digits by chance
			}
			_, _, err := f.s.Register(context.Background(), identity.Registration{Mobile: tc.mobile, Password: password, Code: tc.code}, identity.ClientMeta{})
			if errs.CodeOf(err) != errs.Invalid || len(fields(err)) != 1 || !strings.HasPrefix(fields(err)[0], "code:") {
				t.Errorf("Register(%s) with another code: %v, want a field error on code", tc.mobile, err)
			}
		}
	})
}

func TestRequestCodeRateLimits(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const mobile = "13800000008"
		f.requestCode(t, mobile, identity.PurposeRegister)

		// A second code within the minute is refused, whatever the purpose.
		f.clk.Advance(identity.CodeResendAfter - time.Second)
		checkErr(t, f.s.RequestCode(ctx, mobile, identity.PurposeRegister), errs.RateLimited)
		if got := len(f.sms.Sent()); got != 1 {
			t.Errorf("%d SMS sent, want 1", got)
		}

		// Nine more, a minute apart, make ten in a day: the eleventh is refused.
		for i := 2; i <= identity.CodesPerDay; i++ {
			f.clk.Advance(identity.CodeResendAfter + time.Second)
			if err := f.s.RequestCode(ctx, mobile, identity.PurposeRegister); err != nil {
				t.Fatalf("code %d: %v", i, err)
			}
		}
		f.clk.Advance(time.Hour)
		checkErr(t, f.s.RequestCode(ctx, mobile, identity.PurposeRegister), errs.RateLimited)
		if got := len(f.sms.Sent()); got != identity.CodesPerDay {
			t.Errorf("%d SMS sent, want %d", got, identity.CodesPerDay)
		}
		// Another number is not affected.
		f.requestCode(t, "13800000009", identity.PurposeRegister)

		// A day after the first code, one slot is free again.
		f.clk.Set(t0.Add(24*time.Hour + time.Second))
		code := f.requestCode(t, mobile, identity.PurposeRegister)
		if _, _, err := f.s.Register(ctx, identity.Registration{Mobile: mobile, Password: password, Code: code}, identity.ClientMeta{}); err != nil {
			t.Errorf("Register with the newest code: %v", err)
		}
	})
}

func TestRequestCodeRefusals(t *testing.T) {
	tests := []struct {
		name    string
		mobile  string
		purpose identity.Purpose
		down    bool
		want    errs.Code
		fields  []string
	}{
		{"registered number", "13900000001", identity.PurposeRegister, false, errs.Invalid, []string{"mobile:taken"}},
		{"registered number, other spelling", "0086 139 0000 0001", identity.PurposeRegister, false, errs.Invalid, []string{"mobile:taken"}},
		{"login code for unknown number", "13900000002", identity.PurposeLogin, false, errs.Invalid, []string{"mobile:unknown_account"}},
		{"bad number", "1390000", identity.PurposeRegister, false, errs.Invalid, []string{"mobile:format"}},
		{"unknown purpose", "13900000003", identity.Purpose("reset"), false, errs.Invalid, []string{"purpose:unknown"}},
		{"unreachable number", "19999990001", identity.PurposeRegister, false, errs.Invalid, []string{"mobile:unreachable"}},
		{"gateway down", "13900000004", identity.PurposeRegister, true, errs.Unavailable, nil},
		{"gateway down, login code", "13900000001", identity.PurposeLogin, true, errs.Unavailable, nil},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Mobile: "13900000001", Name: "王五"})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f.sms.Fail(tt.down)
				defer f.sms.Fail(false)
				err := f.s.RequestCode(context.Background(), tt.mobile, tt.purpose)
				checkErr(t, err, tt.want, tt.fields...)
			})
		}
		if sent := f.sms.Sent(); len(sent) != 0 {
			t.Errorf("sent = %+v, want nothing", sent)
		}
	})
}

func TestRegisterTakenNumber(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		// Two people ask for codes for the same number before either
		// registers (or a seeded account appears in between).
		const mobile = "13800000011"
		code := f.requestCode(t, mobile, identity.PurposeRegister)
		f.seed(t, identity.Seed{Mobile: mobile, Name: "先到者"})
		_, _, err := f.s.Register(context.Background(), identity.Registration{Mobile: mobile, Password: password, Code: code}, identity.ClientMeta{})
		checkErr(t, err, errs.Invalid, "mobile:taken")
	})
}

// TestAccountCodes sends a signing code to an account's own mobile and
// checks it: only for its purpose, once, with wrong tries counted; a
// sign-in purpose is refused.
func TestAccountCodes(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		a, _ := f.register(t, "13900000077")
		if err := f.s.SendAccountCode(ctx, a.ID, "login"); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("a sign-in purpose: %v, want invalid", err)
		}
		f.clk.Advance(2 * identity.CodeResendAfter)
		if err := f.s.SendAccountCode(ctx, a.ID, "transcript.sign:h1:1"); err != nil {
			t.Fatal(err)
		}
		code := f.lastCode(t, "13900000077")
		for _, tc := range []struct {
			purpose, code string
			want          bool
		}{
			{"transcript.sign:h1:2", code, false}, // another purpose
			{"transcript.sign:h1:1", "000000", code == "000000"},
			{"transcript.sign:h1:1", code, true},
			{"transcript.sign:h1:1", code, false}, // used
		} {
			ok, err := f.s.CheckAccountCode(ctx, a.ID, tc.purpose, tc.code)
			if err != nil || ok != tc.want {
				t.Errorf("CheckAccountCode(%s, %s) = %v, %v; want %v", tc.purpose, tc.code, ok, err, tc.want)
			}
		}
		if _, err := f.s.CheckAccountCode(ctx, "no-such-account", "transcript.sign:h1:1", code); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("unknown account: %v", err)
		}
	})
}
