package fees_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/fees/sandbox"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, court.Migrations, casefile.Migrations, fees.Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

var secret = []byte("sandbox-test-secret")

type fixture struct {
	db      *sqldb.DB
	clk     *clock.Fixed
	courts  *court.Service
	cases   *casefile.Service
	s       *fees.Service
	sb      *sandbox.Sandbox
	srv     *httptest.Server
	courtID string
	people  map[string][]auth.Grant
}

type courtAdapter struct{ c *court.Service }

func (a courtAdapter) CaseCourt(ctx context.Context, id string) (casefile.CourtRef, error) {
	ct, err := a.c.CaseCourt(ctx, id)
	if err != nil {
		return casefile.CourtRef{}, err
	}
	return casefile.CourtRef{ID: ct.ID, Code: ct.Code}, nil
}

func (a courtAdapter) IsAbove(ctx context.Context, upper, lower string) (bool, error) {
	return a.c.IsAbove(ctx, upper, lower)
}

// forEachDB builds the real court, casefile and fees services with the
// sandbox gateway (notifications held for the test to deliver) behind a
// real HTTP server, on SQLite and, when configured, PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		ctx := context.Background()
		cs := court.New(db, nil)
		if _, err := cs.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		ct, err := cs.Resolve(ctx, "浙0225")
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{db: db, clk: clk, courts: cs, cases: casefile.New(db, courtAdapter{cs}), courtID: ct.ID}
		f.people = map[string][]auth.Grant{
			"u-filer":     {{CourtID: ct.ID, Role: auth.FilingOfficer}},
			"u-judge":     {{CourtID: ct.ID, Role: auth.Judge}},
			"u-clerk":     {{CourtID: ct.ID, Role: auth.Clerk}},
			"u-party":     {{Role: auth.Litigant}},
			"u-lawyer":    {{Role: auth.Lawyer}},
			"u-defendant": {{Role: auth.Litigant}},
			"u-stranger":  {{Role: auth.Litigant}},
		}
		f.sb = sandbox.New(sandbox.Options{Secret: secret, Manual: true, Clock: clk})
		t.Cleanup(f.sb.Close)
		f.s = fees.New(db, f.cases, cs, fees.WithGateway(sandbox.Name, f.sb))
		f.srv = httptest.NewServer(f.handler(t))
		t.Cleanup(f.srv.Close)
		f.s.SetBaseURL(f.srv.URL)
		fn(t, f)
	})
}

func (f *fixture) handler(t *testing.T) http.Handler {
	cat, err := i18n.New(i18n.Platform(), fees.Messages, sandbox.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{
		{Namespace: "fees", FS: fees.Templates}, {Namespace: "sandbox", FS: sandbox.Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.s.Routes(mux)
	f.s.Pages(mux, rd)
	f.sb.Routes(mux, rd)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(f.asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	return web.Chain(signIn, web.Configure(web.Options{Renderer: rd}))
}

// as returns a context signed in as user.
func (f *fixture) as(user string) context.Context { return f.asCtx(context.Background(), user) }

func (f *fixture) asCtx(ctx context.Context, user string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: true, Grants: f.people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// newCase creates a civil case at 象山 whose plaintiff is u-party (with
// u-lawyer) and whose defendant is u-defendant; it returns the case.
func (f *fixture) newCase(t *testing.T) casefile.Case {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: casefile.Ordinary,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: "13800005678", Address: "浙江省宁波市象山县丹东街道", AccountID: "u-party"},
			{Role: casefile.Defendant, Kind: casefile.Person, Name: "李四", IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: "13800001234", AccountID: "u-defendant"},
		},
		Representatives: []casefile.NewRepresentative{
			{PartyIndex: 0, Kind: casefile.Lawyer, Name: "王律师", AccountID: "u-lawyer", LicenceNo: "13302201010123456",
				Firm: "浙江某律师事务所", Phone: "13900001111"},
		},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return c
}

// accepted returns the filing context's accepted event for case c.
func accepted(c casefile.Case, kind fees.Kind, amountFen int64, procedure string) bus.Event {
	ev := bus.NewEvent(fees.AcceptedEvent, map[string]any{
		"case_id": c.ID, "court_id": c.CourtID, "payer_account_id": "", "payer_party_id": c.Parties[0].ID,
		"fee_kind": kind, "amount_fen": amountFen, "procedure": procedure,
	})
	ev.ID, ev.Time, ev.CourtID, ev.CaseID = ids.New(), t0, c.CourtID, c.ID
	return ev
}

// bill issues the bill of a new case (property, 100,000 yuan, ordinary:
// 2,300 yuan) through the accepted event and returns case and bill.
func (f *fixture) bill(t *testing.T) (casefile.Case, fees.Bill) {
	t.Helper()
	c := f.newCase(t)
	if err := f.s.HandleAccepted(context.Background(), accepted(c, fees.Property, 10_000_000, "ordinary")); err != nil {
		t.Fatalf("HandleAccepted: %v", err)
	}
	bills, err := f.s.ListCaseBills(f.as("u-filer"), c.ID)
	if err != nil || len(bills) != 1 {
		t.Fatalf("ListCaseBills = %v, %v", bills, err)
	}
	return c, bills[0]
}

// do sends a request as user to the test server and decodes a JSON answer
// into out (when not nil).
func (f *fixture) do(t *testing.T, method, path, user, body string, out any) *http.Response {
	t.Helper()
	u := path
	if !strings.HasPrefix(u, "http") {
		u = f.srv.URL + path
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if strings.HasPrefix(body, "action=") {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp
}

func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// pay opens a payment as user and presses action ("pay" or "fail") on the
// sandbox cashier; it returns the payment.
func (f *fixture) pay(t *testing.T, billID, user string, actions ...string) fees.Payment {
	t.Helper()
	var p fees.Payment
	if resp := f.do(t, "POST", "/api/v1/fees/bills/"+billID+"/payments", user, "", &p); resp.StatusCode != 201 {
		t.Fatalf("start payment: %d %s", resp.StatusCode, bodyOf(resp))
	}
	for _, a := range actions {
		resp := f.do(t, "POST", p.PayURL, "", "action="+url.QueryEscape(a), nil)
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != 200 {
			t.Fatalf("cashier %s: %d %s", a, resp.StatusCode, bodyOf(resp))
		}
	}
	return p
}

// deliver delivers held notifications in the given order and returns the
// statuses.
func (f *fixture) deliver(t *testing.T, ns ...sandbox.Notification) []int {
	t.Helper()
	var out []int
	for _, n := range ns {
		st, err := f.sb.Deliver(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) events(t *testing.T, typ, caseID string) int {
	return f.count(t, `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND case_id = ?`, typ, caseID)
}

func (f *fixture) mustBill(t *testing.T, id string) fees.Bill {
	t.Helper()
	b, err := f.s.FindBill(f.as("u-filer"), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newRequest(u string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
