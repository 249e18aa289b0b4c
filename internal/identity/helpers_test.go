package identity_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// sets are the migrations an identity database needs, in order.
var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, identity.Migrations}

// t0 is 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// secret keys the one-time-code hashes of the tests (32 bytes).
var secret = []byte("ecourt-identity-test-secret-0032")

// password is the password of every seeded account; it passes the rules.
const password = "Secret2026"

type fixture struct {
	db  *sqldb.DB
	clk *clock.Fixed
	sms *identity.DevSMS
	s   *identity.Service
}

// forEachDB runs fn on SQLite and, when configured, on PostgreSQL, each
// with a fresh database, a fresh development SMS gateway and the clock at t0.
func forEachDB(t *testing.T, fn func(t *testing.T, f fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		sms := identity.NewDevSMS(nil)
		fn(t, fixture{db: db, clk: clk, sms: sms, s: identity.New(db, sms, identity.DevProvider{}, secret)})
	})
}

// codeRE finds the six-digit code in a message.
var codeRE = regexp.MustCompile(`(?:^|\D)(\d{6})(?:\D|$)`)

// lastCode returns the six-digit code of the newest SMS sent to mobile.
func (f fixture) lastCode(t *testing.T, mobile string) string {
	t.Helper()
	m, ok := f.sms.Last(mobile)
	if !ok {
		t.Fatalf("no SMS sent to %s", mobile)
	}
	sub := codeRE.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("SMS to %s has no six-digit code: %q", mobile, m.Text)
	}
	return sub[1]
}

// requestCode asks for a code and returns the code the SMS carried.
func (f fixture) requestCode(t *testing.T, mobile string, p identity.Purpose) string {
	t.Helper()
	if err := f.s.RequestCode(context.Background(), mobile, p); err != nil {
		t.Fatalf("RequestCode(%s, %s): %v", mobile, p, err)
	}
	return f.lastCode(t, mobile)
}

// register registers mobile through the SMS flow and returns the account
// and its session token.
func (f fixture) register(t *testing.T, mobile string) (identity.Account, string) {
	t.Helper()
	code := f.requestCode(t, mobile, identity.PurposeRegister)
	a, tok, err := f.s.Register(context.Background(), identity.Registration{Mobile: mobile, Password: password, Code: code},
		identity.ClientMeta{IP: "192.0.2.10", UserAgent: "test"})
	if err != nil {
		t.Fatalf("Register(%s): %v", mobile, err)
	}
	return a, tok
}

// seed creates an account directly, with the test password.
func (f fixture) seed(t *testing.T, sd identity.Seed) identity.Account {
	t.Helper()
	if sd.Password == "" {
		sd.Password = password
	}
	a, err := f.s.SeedAccount(context.Background(), sd)
	if err != nil {
		t.Fatalf("SeedAccount(%s): %v", sd.Mobile, err)
	}
	return a
}

// signIn starts a session for login (without a password) and returns a
// context carrying its principal, as the HTTP middleware would, and the token.
func (f fixture) signIn(t *testing.T, login string) (context.Context, string) {
	t.Helper()
	tok, err := f.s.SignInAs(context.Background(), login, identity.ClientMeta{IP: "192.0.2.20", UserAgent: "test"})
	if err != nil {
		t.Fatalf("SignInAs(%s): %v", login, err)
	}
	return f.ctxFor(t, tok), tok
}

// ctxFor returns a context carrying the principal of token.
func (f fixture) ctxFor(t *testing.T, tok string) context.Context {
	t.Helper()
	p, err := f.s.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	ctx := auth.WithPrincipal(context.Background(), p)
	return audit.WithActor(ctx, audit.Actor{UserID: p.UserID, IP: "192.0.2.20"})
}

// fields returns err's field errors as sorted "field:code" strings.
func fields(err error) []string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	slices.Sort(out)
	return out
}

// checkErr fails unless err has code want (want "" means no error) and,
// when wantFields is given, exactly those field errors ("field:code").
func checkErr(t *testing.T, err error, want errs.Code, wantFields ...string) {
	t.Helper()
	if got := errs.CodeOf(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
	if len(wantFields) == 0 {
		return
	}
	slices.Sort(wantFields)
	if got := fields(err); !slices.Equal(got, wantFields) {
		t.Fatalf("fields = %v, want %v", got, wantFields)
	}
}

// residentID completes a 17-digit body with its GB 11643-1999 (ISO 7064
// MOD 11-2) check character.
func residentID(body string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// wrongCheck returns id with a different (wrong) check character.
func wrongCheck(id string) string {
	last := id[17]
	for _, c := range "0123456789X" {
		if byte(c) != last {
			return id[:17] + string(c)
		}
	}
	panic("unreachable")
}

// scalar reads one value with a query in the portable SQL subset.
func scalar[T any](t *testing.T, db *sqldb.DB, query string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(context.Background(), query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", strings.Join(strings.Fields(query), " "), err)
	}
	return v
}
