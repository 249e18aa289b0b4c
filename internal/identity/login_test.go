package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestLoginPassword(t *testing.T) {
	tests := []struct {
		name     string
		login    string
		password string
		want     string // the account's mobile, or "" for a refusal
	}{
		{"mobile", "13800000021", password, "13800000021"},
		{"mobile with prefix and spaces", " +86 138 0000 0021 ", password, "13800000021"},
		{"login name", "judge.wang", password, "13800000022"},
		{"login name's mobile", "13800000022", password, "13800000022"},
		{"wrong password", "13800000021", "Secret2027", ""},
		{"unknown number", "13800000029", password, ""},
		{"unknown login name", "judge.li", password, ""},
		{"empty", "", "", ""},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Mobile: "13800000021", Name: "张三"})
		f.seed(t, identity.Seed{Login: "judge.wang", Mobile: "13800000022", Name: "王法官"})
		var refusals []string
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tok, err := f.s.LoginPassword(context.Background(), tt.login, tt.password, identity.ClientMeta{IP: "192.0.2.30"})
				if tt.want == "" {
					checkErr(t, err, errs.Unauthenticated)
					refusals = append(refusals, err.Error())
					return
				}
				if err != nil {
					t.Fatalf("LoginPassword: %v", err)
				}
				p, err := f.s.Authenticate(context.Background(), tok)
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if p.Mobile != tt.want {
					t.Errorf("signed in as %s, want %s", p.Mobile, tt.want)
				}
			})
		}
		// A wrong password and an unknown account look the same.
		for i := 1; i < len(refusals); i++ {
			if r := refusals[i]; r != refusals[0] {
				t.Errorf("refusals differ: %q and %q", r, refusals[0])
			}
		}
	})
}

func TestLoginLockout(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const mobile = "13800000031"
		f.seed(t, identity.Seed{Mobile: mobile, Name: "张三"})
		for i := 1; i <= identity.MaxFailedLogins; i++ {
			_, err := f.s.LoginPassword(ctx, mobile, "Wrong2026", identity.ClientMeta{})
			checkErr(t, err, errs.Unauthenticated)
		}
		// Locked: even the right password, or a one-time code, is refused.
		_, err := f.s.LoginPassword(ctx, mobile, password, identity.ClientMeta{})
		checkErr(t, err, errs.RateLimited)
		f.clk.Advance(identity.LockDuration - time.Minute)
		_, err = f.s.LoginPassword(ctx, mobile, password, identity.ClientMeta{})
		checkErr(t, err, errs.RateLimited)
		code := f.requestCode(t, mobile, identity.PurposeLogin)
		_, err = f.s.LoginCode(ctx, mobile, code, identity.ClientMeta{})
		checkErr(t, err, errs.RateLimited)

		// The lock lasts LockDuration.
		f.clk.Advance(time.Minute)
		tok, err := f.s.LoginPassword(ctx, mobile, password, identity.ClientMeta{})
		if err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		if _, err := f.s.Authenticate(ctx, tok); err != nil {
			t.Errorf("Authenticate: %v", err)
		}
		if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, "identity.account.locked"); n != 1 {
			t.Errorf("%d identity.account.locked entries, want 1", n)
		}
	})
}

func TestLoginSuccessResetsFailures(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const mobile = "13800000032"
		f.seed(t, identity.Seed{Mobile: mobile, Name: "张三"})
		fail := func(n int) {
			t.Helper()
			for range n {
				_, err := f.s.LoginPassword(ctx, mobile, "Wrong2026", identity.ClientMeta{})
				checkErr(t, err, errs.Unauthenticated)
			}
		}
		fail(identity.MaxFailedLogins - 1)
		if got := scalar[int](t, f.db, `SELECT failed_logins FROM identity_account WHERE mobile = ?`, mobile); got != identity.MaxFailedLogins-1 {
			t.Fatalf("failed_logins = %d, want %d", got, identity.MaxFailedLogins-1)
		}
		if _, err := f.s.LoginPassword(ctx, mobile, password, identity.ClientMeta{}); err != nil {
			t.Fatalf("right password: %v", err)
		}
		if got := scalar[int](t, f.db, `SELECT failed_logins FROM identity_account WHERE mobile = ?`, mobile); got != 0 {
			t.Fatalf("failed_logins after success = %d, want 0", got)
		}
		fail(identity.MaxFailedLogins - 1)
		if _, err := f.s.LoginPassword(ctx, mobile, password, identity.ClientMeta{}); err != nil {
			t.Errorf("right password after %d more failures: %v", identity.MaxFailedLogins-1, err)
		}
	})
}

func TestLoginCode(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		const mobile = "13800000041"
		a := f.seed(t, identity.Seed{Mobile: mobile, Name: "张三"})
		code := f.requestCode(t, mobile, identity.PurposeLogin)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}

		_, err := f.s.LoginCode(ctx, mobile, wrong, identity.ClientMeta{})
		checkErr(t, err, errs.Unauthenticated)
		if got := scalar[int](t, f.db, `SELECT failed_logins FROM identity_account WHERE id = ?`, a.ID); got != 1 {
			t.Errorf("failed_logins after a wrong code = %d, want 1", got)
		}
		_, err = f.s.LoginCode(ctx, "13800000049", code, identity.ClientMeta{})
		checkErr(t, err, errs.Unauthenticated)
		_, err = f.s.LoginCode(ctx, "abc", code, identity.ClientMeta{})
		checkErr(t, err, errs.Invalid, "mobile:format")

		tok, err := f.s.LoginCode(ctx, "+86"+mobile, code, identity.ClientMeta{IP: "192.0.2.40"})
		if err != nil {
			t.Fatalf("LoginCode: %v", err)
		}
		p, err := f.s.Authenticate(ctx, tok)
		if err != nil || p.UserID != a.ID {
			t.Fatalf("Authenticate = %+v, %v; want account %s", p, err, a.ID)
		}
		if got := scalar[int](t, f.db, `SELECT failed_logins FROM identity_account WHERE id = ?`, a.ID); got != 0 {
			t.Errorf("failed_logins after success = %d, want 0", got)
		}
		// A code signs in once.
		_, err = f.s.LoginCode(ctx, mobile, code, identity.ClientMeta{})
		checkErr(t, err, errs.Invalid, "code:code_expired")
	})
}

func TestLoginCodeExpires(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		const mobile = "13800000042"
		f.seed(t, identity.Seed{Mobile: mobile, Name: "张三"})
		code := f.requestCode(t, mobile, identity.PurposeLogin)
		f.clk.Advance(identity.CodeTTL + time.Second)
		_, err := f.s.LoginCode(context.Background(), mobile, code, identity.ClientMeta{})
		checkErr(t, err, errs.Invalid, "code:code_expired")
	})
}
