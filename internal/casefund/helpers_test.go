package casefund_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, court.Migrations, casefile.Migrations, casefund.Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, clock.China).UTC()

func day(s string) calendar.Date { return calendar.MustParseDate(s) }

func yuan(y int64) money.Fen { return money.Fen(y * 100) }

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

// fees is the fake fee record: the enforcement fee per case.
type fees map[string]money.Fen

func (f fees) EnforcementFee(_ context.Context, caseID string) (money.Fen, bool, error) {
	v, ok := f[caseID]
	return v, ok, nil
}

type fixture struct {
	db      *sqldb.DB
	clk     *clock.Fixed
	cases   *casefile.Service
	s       *casefund.Service
	h       http.Handler
	fees    fees
	courtID string
	people  staff
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
	f := &fixture{db: db, clk: clk, courtID: ct.ID, fees: fees{}}
	f.people = staff{
		"u-filer":    {{CourtID: ct.ID, Role: auth.FilingOfficer}},
		"u-officer":  {{CourtID: ct.ID, Role: auth.EnforcementOfficer}},
		"u-judge":    {{CourtID: ct.ID, Role: auth.Judge}},
		"u-station":  {{CourtID: "shared-station-1", Role: auth.SharedCourtDirector}},
		"u-creditor": {{Role: auth.Litigant}},
		"u-second":   {{Role: auth.Litigant}},
		"u-debtor":   {{Role: auth.Litigant}},
		"u-stranger": {{Role: auth.Litigant}},
	}
	f.cases = casefile.New(db, courtAdapter{cs}, casefile.WithStaff(f.people))
	f.s = casefund.New(db, casefund.Deps{Cases: f.cases, Fees: f.fees}, casefund.Options{})
	f.h = f.handler(t)
	return f
}

func catalog(t testing.TB) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.New(i18n.Platform(), casefund.Messages, casefile.Messages)
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
		{Namespace: "casefund", FS: casefund.Templates}}})
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

func (f *fixture) as(user string) context.Context { return f.asCtx(context.Background(), user) }

func (f *fixture) asCtx(ctx context.Context, user string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: true, Grants: f.people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// newCase creates an enforcement case (执): applicant 张三 (u-creditor),
// respondent 李四 (u-debtor); with two applicants, 王五 (u-second) too.
func (f *fixture) newCase(t testing.TB, twoApplicants bool) casefile.Case {
	t.Helper()
	parties := []casefile.NewParty{
		{Role: casefile.JudgmentCreditor, Kind: casefile.Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
			Phone: "13800005678", AccountID: "u-creditor"},
		{Role: casefile.JudgmentDebtor, Kind: casefile.Person, Name: "李四", IDType: "resident_id", IDNumber: "330225198001011234",
			Phone: "13800001234", AccountID: "u-debtor"},
	}
	if twoApplicants {
		parties = append(parties, casefile.NewParty{Role: casefile.JudgmentCreditor, Kind: casefile.Person, Name: "王五",
			IDType: "resident_id", IDNumber: "330225198002021236", Phone: "13800009999", AccountID: "u-second"})
	}
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "执", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: casefile.Enforcement, Parties: parties,
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return c
}

func creditor(c casefile.Case) string { return c.Parties[0].ID }
func debtor(c casefile.Case) string   { return c.Parties[1].ID }

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

func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

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

// do sends a request as user through the real router.
func (f *fixture) do(t *testing.T, method, path, user, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode: %v\n%s", err, rec.Body)
	}
}

func newRequest(method, path, body string) *http.Request {
	return httptest.NewRequest(method, path, bytes.NewReader([]byte(body)))
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
