package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		const mobile = "13800000051"
		a := f.seed(t, identity.Seed{Mobile: mobile, Name: "张三"})
		f.seed(t, identity.Seed{Mobile: "13800000052", Name: "李四"})

		phone, err := f.s.LoginPassword(context.Background(), mobile, password, identity.ClientMeta{IP: "192.0.2.51", UserAgent: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Minute)
		ctx, laptop := f.signIn(t, mobile)
		otherCtx, other := f.signIn(t, "13800000052")

		list, err := f.s.Sessions(ctx)
		if err != nil {
			t.Fatalf("Sessions: %v", err)
		}
		if len(list) != 2 {
			t.Fatalf("%d sessions, want 2: %+v", len(list), list)
		}
		var phoneID, laptopID string
		for _, s := range list {
			if s.AccountID != a.ID || s.Kind != identity.WebSession {
				t.Errorf("session %+v is not a web session of %s", s, a.ID)
			}
			switch s.UserAgent {
			case "phone":
				phoneID = s.ID
				if s.Current || s.IP != "192.0.2.51" {
					t.Errorf("phone session = %+v, want not current, IP 192.0.2.51", s)
				}
			case "test":
				laptopID = s.ID
				if !s.Current {
					t.Errorf("laptop session = %+v, want current", s)
				}
			}
			if got, want := s.ExpiresAt.Sub(s.CreatedAt), identity.SessionTTL; got != want {
				t.Errorf("session lasts %v, want %v", got, want)
			}
		}
		if phoneID == "" || laptopID == "" {
			t.Fatalf("sessions = %+v", list)
		}

		// Another account's session is not found, and stays valid.
		otherList, err := f.s.Sessions(otherCtx)
		if err != nil || len(otherList) != 1 {
			t.Fatalf("other's sessions = %+v, %v", otherList, err)
		}
		checkErr(t, f.s.RevokeSession(ctx, otherList[0].ID), errs.NotFound)
		checkErr(t, f.s.RevokeSession(ctx, "no-such-session"), errs.NotFound)
		if _, err := f.s.Authenticate(context.Background(), other); err != nil {
			t.Errorf("other's session after a foreign revoke: %v", err)
		}

		// Revoking the phone's session signs the phone out.
		if err := f.s.RevokeSession(ctx, phoneID); err != nil {
			t.Fatalf("RevokeSession: %v", err)
		}
		_, err = f.s.Authenticate(context.Background(), phone)
		checkErr(t, err, errs.Unauthenticated)
		checkErr(t, f.s.RevokeSession(ctx, phoneID), errs.NotFound)
		if list, _ := f.s.Sessions(ctx); len(list) != 1 || list[0].ID != laptopID {
			t.Errorf("sessions after revoke = %+v", list)
		}

		// Logout ends the current session.
		if err := f.s.Logout(ctx); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		_, err = f.s.Authenticate(context.Background(), laptop)
		checkErr(t, err, errs.Unauthenticated)

		// Nothing of this works signed out.
		bg := context.Background()
		checkErr(t, f.s.Logout(bg), errs.Unauthenticated)
		_, err = f.s.Sessions(bg)
		checkErr(t, err, errs.Unauthenticated)
		checkErr(t, f.s.RevokeSession(bg, laptopID), errs.Unauthenticated)
		_, err = f.s.Me(bg)
		checkErr(t, err, errs.Unauthenticated)
	})
}

func TestAuthenticateRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Mobile: "13800000053", Name: "张三"})
		_, tok := f.signIn(t, "13800000053")
		for _, bad := range []string{"", "ecs_nonsense", tok + "x", strings.ToUpper(tok)} {
			_, err := f.s.Authenticate(context.Background(), bad)
			checkErr(t, err, errs.Unauthenticated)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.seed(t, identity.Seed{Mobile: "13800000054", Name: "张三"})
		_, tok := f.signIn(t, "13800000054")

		// Use marks the session seen (at most every few minutes).
		f.clk.Advance(10 * time.Minute)
		p, err := f.s.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		seen := scalar[time.Time](t, f.db, `SELECT last_seen_at FROM identity_session WHERE id = ?`, p.Session)
		if want := t0.Add(10 * time.Minute); !seen.Equal(want) {
			t.Errorf("last_seen_at = %v, want %v", seen, want)
		}

		// The session lasts SessionTTL from sign-in, however much it is used.
		f.clk.Set(t0.Add(identity.SessionTTL - time.Second))
		if _, err := f.s.Authenticate(ctx, tok); err != nil {
			t.Errorf("just before expiry: %v", err)
		}
		f.clk.Set(t0.Add(31 * 24 * time.Hour))
		_, err = f.s.Authenticate(ctx, tok)
		checkErr(t, err, errs.Unauthenticated)
		if list, err := f.s.Sessions(auth.WithPrincipal(ctx, p)); err != nil || len(list) != 0 {
			t.Errorf("Sessions lists %+v, %v; want no expired session", list, err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		a := f.seed(t, identity.Seed{Login: "ops.bot", Mobile: "13800000061", Name: "运维"})
		tests := []struct {
			login, name string
			ttl         time.Duration
			wantName    string
			wantTTL     time.Duration
		}{
			{"13800000061", "ci", time.Hour, "ci", time.Hour},
			{"ops.bot", "", 0, "api", 365 * 24 * time.Hour},
			{"+86 138 0000 0061", "backup", 24 * time.Hour, "backup", 24 * time.Hour},
		}
		for _, tt := range tests {
			tok, sess, err := f.s.CreateToken(ctx, tt.login, tt.name, tt.ttl)
			if err != nil {
				t.Errorf("CreateToken(%q): %v", tt.login, err)
				continue
			}
			if !strings.HasPrefix(tok, "ect_") || sess.Kind != identity.APIToken || sess.Name != tt.wantName ||
				sess.AccountID != a.ID || !sess.ExpiresAt.Equal(t0.Add(tt.wantTTL)) {
				t.Errorf("CreateToken(%q) = %q, %+v", tt.login, tok, sess)
			}
			p, err := f.s.Authenticate(ctx, tok)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if p.UserID != a.ID || p.Via != identity.APIToken || p.Session != sess.ID {
				t.Errorf("principal = %+v, want account %s via api, session %s", p, a.ID, sess.ID)
			}
			// Stored hashed: the table never holds the token itself.
			hash := scalar[string](t, f.db, `SELECT token_hash FROM identity_session WHERE id = ?`, sess.ID)
			if hash == tok || strings.Contains(hash, tok[4:]) || len(hash) != 64 {
				t.Errorf("token_hash = %q for token %q, want a 64-character hash", hash, tok)
			}
			if n := scalar[int](t, f.db, `SELECT COUNT(*) FROM identity_session WHERE token_hash = ? OR name = ? OR id = ?`, tok, tok, tok); n != 0 {
				t.Errorf("token found in %d rows", n)
			}

			if err := f.s.RevokeToken(ctx, sess.ID); err != nil {
				t.Fatalf("RevokeToken: %v", err)
			}
			_, err = f.s.Authenticate(ctx, tok)
			checkErr(t, err, errs.Unauthenticated)
			checkErr(t, f.s.RevokeToken(ctx, sess.ID), errs.NotFound)
		}

		_, _, err := f.s.CreateToken(ctx, "13800000069", "", 0)
		checkErr(t, err, errs.NotFound)
		// RevokeToken does not end web sessions.
		uctx, _ := f.signIn(t, "ops.bot")
		p, _ := auth.From(uctx)
		checkErr(t, f.s.RevokeToken(ctx, p.Session), errs.NotFound)
	})
}

func TestTokenExpiry(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := context.Background()
		f.seed(t, identity.Seed{Mobile: "13800000062", Name: "张三"})
		tok, _, err := f.s.CreateToken(ctx, "13800000062", "short", time.Hour)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		f.clk.Advance(time.Hour)
		_, err = f.s.Authenticate(ctx, tok)
		checkErr(t, err, errs.Unauthenticated)
	})
}

// TestLongUserAgent checks that a long User-Agent is cut to at most 300
// bytes of valid UTF-8: PostgreSQL refuses invalid UTF-8 in a text column,
// which would make the sign-in itself fail.
func TestLongUserAgent(t *testing.T) {
	tests := []struct{ name, ua string }{
		{"ascii", strings.Repeat("a", 400)},
		{"cut inside a character", strings.Repeat("a", 299) + "浏览器"},
		{"chinese", strings.Repeat("浏", 150)},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Mobile: "13800000071", Name: "张三"})
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tok, err := f.s.SignInAs(context.Background(), "13800000071", identity.ClientMeta{IP: "192.0.2.1", UserAgent: tt.ua})
				if err != nil {
					t.Fatalf("SignInAs: %v", err)
				}
				p, err := f.s.Authenticate(context.Background(), tok)
				if err != nil {
					t.Fatal(err)
				}
				ua := scalar[string](t, f.db, `SELECT user_agent FROM identity_session WHERE id = ?`, p.Session)
				if len(ua) > 300 || !utf8.ValidString(ua) || !strings.HasPrefix(tt.ua, ua) || len(ua) < 297 {
					t.Errorf("stored User-Agent = %q (%d bytes), want a valid prefix of at most 300 bytes", ua, len(ua))
				}
			})
		}
	})
}
