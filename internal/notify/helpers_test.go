package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, Migrations}

// waitTimeout bounds every wait for an asynchronous outcome; it is a
// failure deadline, not a timing assertion.
const waitTimeout = 20 * time.Second

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
}

// fixture is a running pipeline on a real database and an embedded bus,
// with the development SMS gateway, the .eml sink and a webhook sender.
type fixture struct {
	db   *sqldb.DB
	bus  *bus.Bus
	s    *Service
	dir  MapDirectory
	sms  *DevSMS
	sms2 *DevSMS
	eml  *EMLSink
	srv  *httptest.Server
}

type fixtureOpts struct {
	opts      Options
	noStart   bool
	smsRoutes func(f *fixture) []SMSRoute
}

// testOptions are fast retries and sweeps for tests.
func testOptions() Options {
	return Options{RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond, SweepInterval: 25 * time.Millisecond,
		SendTimeout: 2 * time.Second, QueuedGrace: 200 * time.Millisecond, MaxAttempts: 4}
}

func forEachDB(t *testing.T, fo fixtureOpts, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		fn(t, newFixture(t, db, fo))
	})
}

func newFixture(t *testing.T, db *sqldb.DB, fo fixtureOpts) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), Logger: testLogger(t), SyncInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	b.StartRelay(context.Background(), db)
	f := &fixture{db: db, bus: b, dir: MapDirectory{},
		sms: NewDevSMS(DevSMSOptions{Name: "primary"}), sms2: NewDevSMS(DevSMSOptions{Name: "secondary"}),
		eml: &EMLSink{Dir: t.TempDir()}}
	routes := []SMSRoute{{Provider: f.sms, Rate: 1000, Burst: 100}, {Provider: f.sms2, Rate: 1000, Burst: 100}}
	if fo.smsRoutes != nil {
		routes = fo.smsRoutes(f)
	}
	smsc, err := NewSMSChannel(SMSOptions{Logger: testLogger(t)}, routes...)
	if err != nil {
		t.Fatal(err)
	}
	o := fo.opts
	if o == (Options{}) {
		o = testOptions()
	}
	o.SMS, o.Email = smsc, f.eml
	o.Webhook = &WebhookSender{Secret: []byte("webhook-secret"), AllowHTTP: true}
	f.s, err = New(Deps{DB: db, Bus: b, Directory: f.dir, Logger: testLogger(t)}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !fo.noStart {
		if err := f.s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(f.s.Stop)
	}
	f.srv = httptest.NewServer(f.handler(t))
	t.Cleanup(f.srv.Close)
	return f
}

// people are the test principals.
var people = map[string][]auth.Grant{
	"u-zh":          {{Role: auth.Litigant}},
	"u-en":          {{Role: auth.Litigant}},
	"u-platform":    {{Role: auth.PlatformAdmin}},
	"u-court-admin": {{CourtID: "court-1", Role: auth.CourtAdmin}},
	"u-other-admin": {{CourtID: "court-2", Role: auth.CourtAdmin}},
	"u-judge":       {{CourtID: "court-1", Role: auth.Judge}},
}

func as(user string) context.Context { return asCtx(context.Background(), user) }

func asCtx(ctx context.Context, user string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: true, Grants: people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

func (f *fixture) handler(t *testing.T) http.Handler {
	cat, err := i18n.New(i18n.Platform(), Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{{Namespace: "notify", FS: Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.s.Routes(mux)
	f.s.Pages(mux, rd)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	return web.Chain(signIn, web.Configure(web.Options{Renderer: rd}))
}

// enqueue commits messages in one transaction.
func (f *fixture) enqueue(t testing.TB, ms ...Message) {
	t.Helper()
	err := f.db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		for _, m := range ms {
			if err := Enqueue(context.Background(), tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

func (f *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// delivery returns the one delivery of message msg on ch to recipient.
func (f *fixture) delivery(t testing.TB, msg string, ch Channel, rkey string) Delivery {
	t.Helper()
	d, err := scanDelivery(f.db.QueryRow(context.Background(), `SELECT `+deliveryColumns+` FROM notify_delivery
		WHERE message_id = ? AND channel = ? AND rkey = ?`, msg, string(ch), rkey))
	if err != nil {
		t.Fatalf("delivery %s %s %s: %v", msg, ch, rkey, err)
	}
	return d
}

// waitStatus waits until the delivery reaches status.
func (f *fixture) waitStatus(t testing.TB, msg string, ch Channel, rkey string, want Status) Delivery {
	t.Helper()
	var d Delivery
	waitUntil(t, fmt.Sprintf("%s delivery of %s to %s %s", ch, msg, rkey, want), func() bool {
		var n int
		_ = f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM notify_delivery WHERE message_id = ? AND channel = ? AND rkey = ?`,
			msg, string(ch), rkey).Scan(&n)
		if n == 0 {
			return false
		}
		d = f.delivery(t, msg, ch, rkey)
		return d.Status == want
	})
	return d
}

// events returns the payloads of the outbox events of type typ.
func (f *fixture) events(t testing.TB, typ string) []Outcome {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT payload FROM bus_outbox WHERE type = ? ORDER BY created_at, id`, typ)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		var o Outcome
		if err := json.Unmarshal([]byte(p), &o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// do sends a request as user to the test server.
func (f *fixture) do(t testing.TB, method, path, user string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// countingLimiter counts how often it is consulted and lets everything pass.
type countingLimiter struct {
	mu sync.Mutex
	n  int
}

func (c *countingLimiter) Wait(ctx context.Context) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return ctx.Err()
}

func (c *countingLimiter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
