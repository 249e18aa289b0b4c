package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, court.Migrations, casefile.Migrations, delivery.Migrations}

// china returns the instant of a court-local wall-clock time.
func china(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.China).UTC()
}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = china(2026, 3, 2, 10, 0)

func day(s string) calendar.Date { return calendar.MustParseDate(s) }

// notifier is the fake Notifier: it keeps what was committed, like the
// notify context's outbox would.
type notifier struct {
	mu   sync.Mutex
	sent []delivery.Outgoing
	fail error
}

func (n *notifier) Notify(ctx context.Context, tx *sqldb.Tx, o delivery.Outgoing) error {
	if n.fail != nil {
		return n.fail
	}
	if o.ID == "" || o.Ref == "" || len(o.Channels) == 0 || len(o.Channels) != len(o.Addresses) {
		return fmt.Errorf("notifier: malformed outgoing %+v", o)
	}
	tx.AfterCommit(func() {
		n.mu.Lock()
		n.sent = append(n.sent, o)
		n.mu.Unlock()
	})
	return nil
}

func (n *notifier) all() []delivery.Outgoing {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]delivery.Outgoing(nil), n.sent...)
}

// certifier is the fake Certifier: idempotent on the key, like the
// document context must be.
type certifier struct {
	mu    sync.Mutex
	calls int
	byKey map[string]delivery.DocumentRef
	last  delivery.Certificate
}

func (c *certifier) IssueCertificate(ctx context.Context, cert delivery.Certificate) (delivery.DocumentRef, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.last = cert
	if c.byKey == nil {
		c.byKey = map[string]delivery.DocumentRef{}
	}
	if ref, ok := c.byKey[cert.Key]; ok {
		return ref, nil
	}
	ref := delivery.DocumentRef{ID: fmt.Sprintf("doc-%d", len(c.byKey)+1), Code: fmt.Sprintf("CERT%04d", len(c.byKey)+1)}
	c.byKey[cert.Key] = ref
	return ref, nil
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

// staff implements casefile.Staff from the fixture's people.
type staff map[string][]auth.Grant

func (st staff) HasRole(_ context.Context, account, courtID string, role auth.Role) (bool, error) {
	for _, g := range st[account] {
		if g.CourtID == courtID && g.Role == role {
			return true, nil
		}
	}
	return false, nil
}

type fixture struct {
	db      *sqldb.DB
	clk     *clock.Fixed
	courts  *court.Service
	cases   *casefile.Service
	s       *delivery.Service
	n       *notifier
	cert    *certifier
	runner  *jobs.Runner
	srv     *httptest.Server
	courtID string
	people  staff
}

// forEachDB builds the real court and casefile services and delivery with
// fake notifier and certifier, on SQLite and, when configured, PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		fn(t, newFixture(t, db, clk))
	})
}

// benchFixture runs fn on a fixture over SQLite.
func benchFixture(b *testing.B, fn func(tb testing.TB, f *fixture)) {
	clk := clock.NewFixed(t0)
	fn(b, newFixture(b, sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...), clk))
}

func newFixture(t testing.TB, db *sqldb.DB, clk *clock.Fixed) *fixture {
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
	f := &fixture{db: db, clk: clk, courts: cs, courtID: ct.ID, n: &notifier{}, cert: &certifier{}}
	f.people = staff{
		"u-filer":      {{CourtID: ct.ID, Role: auth.FilingOfficer}},
		"u-judge":      {{CourtID: ct.ID, Role: auth.Judge}},
		"u-clerk":      {{CourtID: ct.ID, Role: auth.Clerk}},
		"u-otherjudge": {{CourtID: ct.ID, Role: auth.Judge}},
		"u-party":      {{Role: auth.Litigant}},
		"u-lawyer":     {{Role: auth.Lawyer}},
		"u-defendant":  {{Role: auth.Litigant}},
		"u-stranger":   {{Role: auth.Litigant}},
	}
	f.cases = casefile.New(db, courtAdapter{cs}, casefile.WithStaff(f.people))
	f.s = delivery.New(db, delivery.Deps{Cases: f.cases, Courts: cs, Notifier: f.n, Certifier: f.cert})
	f.runner = jobs.NewRunner(db, jobs.RunnerOptions{})
	f.s.RegisterJobs(f.runner)
	f.srv = httptest.NewServer(f.handler(t))
	t.Cleanup(f.srv.Close)
	return f
}

func catalog(t testing.TB) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.New(i18n.Platform(), delivery.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func (f *fixture) handler(t testing.TB) http.Handler {
	cat := catalog(t)
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{
		{Namespace: "delivery", FS: delivery.Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.s.Routes(mux)
	f.s.Pages(mux, rd)
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

// newCase creates a civil case at 象山 (procedure proc) whose plaintiff is
// u-party (with u-lawyer) and whose defendant is u-defendant, and assigns
// u-judge and u-clerk.
func (f *fixture) newCase(t testing.TB, proc casefile.Procedure) casefile.Case {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: proc,
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
	if c, err = f.cases.Assign(f.as("u-filer"), c.ID, casefile.Assignment{JudgeID: "u-judge", ClerkID: "u-clerk"}); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	return c
}

func plaintiff(c casefile.Case) string { return c.Parties[0].ID }
func defendant(c casefile.Case) string { return c.Parties[1].ID }

// consent signs a 送达地址确认书 for the defendant (as u-defendant).
func (f *fixture) consent(t *testing.T, c casefile.Case, electronic, judgments bool, channels ...delivery.Address) delivery.Consent {
	t.Helper()
	k, err := f.s.SignConsent(f.as("u-defendant"), c.ID, delivery.ConsentForm{Electronic: electronic, Judgments: judgments,
		Channels: channels, PostalAddress: "浙江省宁波市象山县石浦镇", Acknowledged: true})
	if err != nil {
		t.Fatalf("SignConsent: %v", err)
	}
	return k
}

var (
	smsAddr   = delivery.Address{Channel: delivery.SMS, Address: "13800001234"}
	emailAddr = delivery.Address{Channel: delivery.Email, Address: "lisi@example.com"}
	inboxAddr = delivery.Address{Channel: delivery.Inbox}
)

var docSeq int

// doc returns a new document of kind.
func doc(kind delivery.DocumentKind, appealable bool) delivery.Document {
	docSeq++
	titles := map[delivery.DocumentKind]string{delivery.DocJudgment: "民事判决书", delivery.DocRuling: "民事裁定书",
		delivery.DocComplaintCopy: "起诉状副本及应诉通知书", delivery.DocNotice: "举证通知书", delivery.DocMediation: "民事调解书"}
	title := titles[kind]
	if title == "" {
		title = "诉讼文书"
	}
	return delivery.Document{ID: fmt.Sprintf("doc-%d", docSeq), Kind: kind, Title: title, Code: fmt.Sprintf("V%06d", docSeq), Appealable: appealable}
}

// serve serves d on the defendant as the clerk and returns the record.
func (f *fixture) serve(t *testing.T, c casefile.Case, d delivery.Document, foreign bool) delivery.Record {
	t.Helper()
	recs, err := f.s.Serve(f.as("u-clerk"), delivery.ServeRequest{CaseID: c.ID, Document: d,
		Recipients: []delivery.RecipientSpec{{PartyID: defendant(c), ForeignDomicile: foreign}}})
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if len(recs) != 1 {
		t.Fatalf("Serve returned %d records", len(recs))
	}
	return recs[0]
}

// record reloads a record as the clerk.
func (f *fixture) record(t *testing.T, id string) delivery.Record {
	t.Helper()
	r, err := f.s.FindService(f.as("u-clerk"), id)
	if err != nil {
		t.Fatalf("FindService: %v", err)
	}
	return r
}

// ref returns the ref of the record's attempt seq (1-based).
func ref(t *testing.T, r delivery.Record, seq int) string {
	t.Helper()
	for _, a := range r.Attempts {
		if a.Seq == seq {
			return a.Ref
		}
	}
	t.Fatalf("record %s has no attempt %d", r.ID, seq)
	return ""
}

func (f *fixture) sent(t *testing.T, ref string, ch delivery.Channel, at time.Time) {
	t.Helper()
	if err := f.s.ChannelSent(context.Background(), ref, ch, at, "prov-"+string(ch)); err != nil {
		t.Fatalf("ChannelSent(%s): %v", ch, err)
	}
}

func (f *fixture) failed(t *testing.T, ref string, ch delivery.Channel, reason string) {
	t.Helper()
	if err := f.s.ChannelFailed(context.Background(), ref, ch, reason); err != nil {
		t.Fatalf("ChannelFailed(%s): %v", ch, err)
	}
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

// runJobs runs every due job.
func (f *fixture) runJobs(t *testing.T) {
	t.Helper()
	for range 10 {
		n, err := f.runner.RunDue(context.Background())
		if err != nil {
			t.Fatalf("RunDue: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

// tasks lists the case's tasks as the clerk.
func (f *fixture) tasks(t *testing.T, c casefile.Case) []delivery.Task {
	t.Helper()
	ts, err := f.s.ListTasks(f.as("u-clerk"), c.ID)
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	return ts
}

func (f *fixture) periods(t *testing.T, c casefile.Case, user string) []delivery.Period {
	t.Helper()
	ps, err := f.s.ListPeriods(f.as(user), c.ID)
	if err != nil {
		t.Fatalf("ListPeriods: %v", err)
	}
	return ps
}

// wantCode fails unless err has the code (and, when key is given, the key).
func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

// wantField fails unless err is invalid naming field with code.
func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if ok {
		for _, fe := range e.Fields {
			if fe.Field == field && fe.Code == code {
				return
			}
		}
	}
	t.Fatalf("error = %v, want field %s:%s", err, field, code)
}

// do sends a request as user to the test server and decodes a JSON answer
// into out (when not nil).
func (f *fixture) do(t *testing.T, method, path, user, body string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if !strings.HasPrefix(body, "{") {
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
