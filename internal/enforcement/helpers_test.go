package enforcement_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/live"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, court.Migrations, casefile.Migrations,
	enforcement.Migrations}

func china(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.China).UTC()
}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = china(2026, 3, 2, 10, 0)

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

type staff map[string][]auth.Grant

func (st staff) HasRole(_ context.Context, account, courtID string, role auth.Role) (bool, error) {
	for _, g := range st[account] {
		if g.CourtID == courtID && g.Role == role {
			return true, nil
		}
	}
	return false, nil
}

// titles is the test double of the document context's effective titles.
type titles map[string]enforcement.Title

func (t titles) EffectiveTitle(_ context.Context, id string) (enforcement.Title, error) {
	tt, ok := t[id]
	if !ok {
		return enforcement.Title{}, errs.New(errs.NotFound, "")
	}
	return tt, nil
}

// notices records what would go to notify.Enqueue, inside the transaction:
// a notice of a rolled-back transaction is dropped like the real one.
type notices struct {
	mu  sync.Mutex
	all []enforcement.Notice
}

func (n *notices) Notify(_ context.Context, tx *sqldb.Tx, x enforcement.Notice) error {
	tx.AfterCommit(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.all = append(n.all, x)
	})
	return nil
}

func (n *notices) take() []enforcement.Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.all
	n.all = nil
	return out
}

type fixture struct {
	db       *sqldb.DB
	clk      *clock.Fixed
	courts   *court.Service
	cases    *casefile.Service
	blobs    blob.Store
	s        *enforcement.Service
	hub      *live.Hub
	runner   *jobs.Runner
	titles   titles
	notices  *notices
	courtID  string
	higherID string
	people   staff
	h        http.Handler
}

func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		fn(t, newFixture(t, db, clk))
	})
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
	blobs, err := blob.NewLocal(t.TempDir(), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clk: clk, courts: cs, courtID: ct.ID, higherID: ct.ParentID, blobs: blobs, titles: titles{},
		notices: &notices{}, hub: live.NewHub(live.Options{})}
	f.people = staff{
		"u-filer":     {{CourtID: ct.ID, Role: auth.FilingOfficer}},
		"u-officer":   {{CourtID: ct.ID, Role: auth.EnforcementOfficer}},
		"u-officer2":  {{CourtID: ct.ID, Role: auth.EnforcementOfficer}},
		"u-officer3":  {{CourtID: ct.ID, Role: auth.EnforcementOfficer}},
		"u-admin":     {{CourtID: ct.ID, Role: auth.CourtAdmin}},
		"u-judge":     {{CourtID: ct.ID, Role: auth.Judge}},
		"u-applicant": {{Role: auth.Litigant}},
		"u-lawyer":    {{Role: auth.Lawyer}},
		"u-debtor":    {{Role: auth.Litigant}},
		"u-stranger":  {{Role: auth.Litigant}},
	}
	f.cases = casefile.New(db, courtAdapter{cs}, casefile.WithStaff(f.people))
	f.s = enforcement.New(db, enforcement.Deps{Cases: f.cases, Courts: cs, Blobs: blobs, Roles: f.people, Titles: f.titles,
		Notifier: f.notices, Hub: f.hub}, enforcement.Options{TempDir: t.TempDir()})
	f.runner = jobs.NewRunner(db, jobs.RunnerOptions{})
	f.s.RegisterJobs(f.runner)
	f.h = f.handler()
	return f
}

func (f *fixture) handler() http.Handler {
	mux := http.NewServeMux()
	f.s.Routes(mux)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(f.asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	return web.Chain(signIn, web.Configure(web.Options{}))
}

func (f *fixture) as(user string) context.Context { return f.asCtx(context.Background(), user) }

func (f *fixture) asCtx(ctx context.Context, user string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: true, Grants: f.people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// sourceCase creates a decided civil case (plaintiff 张三 = u-applicant
// with lawyer u-lawyer, defendant 李四 = u-debtor) and registers its
// judgment "doc-<case id>" as an effective title ordering 100,000 yuan to
// be paid by 2026-02-15 (effective 2026-01-31).
func (f *fixture) sourceCase(t testing.TB) (casefile.Case, string) {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", Procedure: casefile.Ordinary,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: "13800005678", Address: "浙江省宁波市象山县丹东街道1号", AccountID: "u-applicant"},
			{Role: casefile.Defendant, Kind: casefile.Person, Name: "李四", IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: "13800001234", Address: "浙江省宁波市象山县石浦镇2号", AccountID: "u-debtor"},
		},
		Representatives: []casefile.NewRepresentative{{PartyIndex: 0, Kind: casefile.Lawyer, Name: "王律师", AccountID: "u-lawyer",
			LicenceNo: "13302201010123456", Firm: "浙江某律师事务所"}},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	due := calendar.MustParseDate("2026-02-15")
	doc := "doc-" + c.ID
	f.titles[doc] = enforcement.Title{DocumentID: doc, CaseID: c.ID, CourtID: f.courtID, Kind: enforcement.TitleJudgment,
		Number: c.Number, Issuer: "浙江省象山县人民法院", Cause: "民间借贷纠纷", Effective: calendar.MustParseDate("2026-01-31"),
		Due: &due, AmountFen: 10_000_000, Parties: []enforcement.TitleParty{
			{Side: enforcement.SideCreditor, Kind: casefile.Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: "13800005678", AccountID: "u-applicant"},
			{Side: enforcement.SideDebtor, Kind: casefile.Person, Name: "李四", IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: "13800001234", Address: "浙江省宁波市象山县石浦镇2号", AccountID: "u-debtor"},
		}}
	return c, doc
}

// opened applies for enforcement of a source case's judgment (as
// u-applicant, SMS chosen) and accepts it (u-officer leads, u-officer2
// helps). It returns the record.
func (f *fixture) opened(t testing.TB) enforcement.Record {
	t.Helper()
	_, doc := f.sourceCase(t)
	a, err := f.s.Apply(f.as("u-applicant"), enforcement.ApplyInput{CourtID: f.courtID, DocumentID: doc,
		Claim: "请求强制被执行人李四支付借款本金100000元及迟延履行期间的债务利息", SMS: true})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	r, err := f.s.Accept(f.as("u-filer"), a.ID, enforcement.AcceptInput{Lead: "u-officer", Officers: []string{"u-officer2"}})
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	f.notices.take()
	return r
}

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

// outbox returns the events in the outbox whose type starts with prefix.
func (f *fixture) outbox(t *testing.T, prefix string) []bus.Event {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT id, type, case_id, payload FROM bus_outbox ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []bus.Event
	for rows.Next() {
		var ev bus.Event
		var payload string
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.CaseID, &payload); err != nil {
			t.Fatal(err)
		}
		ev.Payload = []byte(payload)
		if strings.HasPrefix(ev.Type, prefix) {
			out = append(out, ev)
		}
	}
	return out
}

// count returns the number of rows of table.
func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// do runs an API request through the real router.
func (f *fixture) do(method, path, user, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// fieldCodes returns the field → code pairs of an errs.Invalid error.
func fieldCodes(err error) map[string]string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, fe := range e.Fields {
		out[fe.Field] = fe.Code
	}
	return out
}
