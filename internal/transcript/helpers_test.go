package transcript_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/ecourt/ecourt/internal/document/render"
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
	"github.com/ecourt/ecourt/internal/transcript"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, court.Migrations, casefile.Migrations, transcript.Migrations}

// t0 is Thursday 2026-11-26 09:30 China time.
var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, clock.China).UTC()

// codes is the fake SMS code service: like identity's, a code is six
// digits, single use, and void after five wrong attempts.
type codes struct {
	mu       sync.Mutex
	seq      int
	current  map[string]string // account|purpose → code
	attempts map[string]int
	sent     []string // account|purpose, in order
}

func newCodes() *codes { return &codes{current: map[string]string{}, attempts: map[string]int{}} }

func (c *codes) Send(ctx context.Context, account, purpose string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	k := account + "|" + purpose
	c.current[k] = fmt.Sprintf("%06d", 100000+c.seq)
	c.attempts[k] = 0
	c.sent = append(c.sent, k)
	return nil
}

func (c *codes) Check(ctx context.Context, account, purpose, code string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := account + "|" + purpose
	want, ok := c.current[k]
	if !ok || c.attempts[k] >= 5 {
		return false, nil
	}
	if want != code {
		c.attempts[k]++
		return false, nil
	}
	delete(c.current, k)
	return true, nil
}

// code returns the last code sent to account (any purpose).
func (c *codes) code(t *testing.T, account string) string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.sent) - 1; i >= 0; i-- {
		if strings.HasPrefix(c.sent[i], account+"|") {
			if code, ok := c.current[c.sent[i]]; ok {
				return code
			}
		}
	}
	t.Fatalf("no code sent to %s", account)
	return ""
}

func (c *codes) sentTo(account string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.sent {
		if strings.HasPrefix(k, account+"|") {
			n++
		}
	}
	return n
}

// issuer is the fake Issuer: it renders the document like the document
// context does and is idempotent on the key; fail makes the next calls
// fail (after rendering), as a document service that is down would.
type issuer struct {
	mu    sync.Mutex
	calls int
	fail  int
	byKey map[string]transcript.DocumentRef
	pdf   []byte
	doc   render.Document
}

func (is *issuer) IssueRecord(ctx context.Context, caseID, courtID string, doc render.Document, key string) (transcript.DocumentRef, error) {
	res, err := render.PDF(doc, render.Options{})
	if err != nil {
		return transcript.DocumentRef{}, err
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.calls++
	if is.fail > 0 {
		is.fail--
		return transcript.DocumentRef{}, errors.New("document service down")
	}
	if is.byKey == nil {
		is.byKey = map[string]transcript.DocumentRef{}
	}
	is.pdf, is.doc = res.PDF, doc
	if ref, ok := is.byKey[key]; ok {
		return ref, nil
	}
	ref := transcript.DocumentRef{ID: fmt.Sprintf("doc-%d", len(is.byKey)+1), Code: fmt.Sprintf("REC%04d", len(is.byKey)+1)}
	is.byKey[key] = ref
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
	cases   *casefile.Service
	s       *transcript.Service
	codes   *codes
	issuer  *issuer
	runner  *jobs.Runner
	srv     *httptest.Server
	courtID string
	people  staff
	c       casefile.Case
}

type fixtureOpts struct {
	transcriber transcript.Transcriber
	live        transcript.Live
}

func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	forEachDBOpts(t, fixtureOpts{}, fn)
}

func forEachDBOpts(t *testing.T, o fixtureOpts, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		fn(t, newFixture(t, db, clk, o))
	})
}

func newFixture(t testing.TB, db *sqldb.DB, clk *clock.Fixed, o fixtureOpts) *fixture {
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
	f := &fixture{db: db, clk: clk, courtID: ct.ID, codes: newCodes(), issuer: &issuer{}}
	f.people = staff{
		"u-filer":      {{CourtID: ct.ID, Role: auth.FilingOfficer}},
		"u-judge":      {{CourtID: ct.ID, Role: auth.Judge}},
		"u-clerk":      {{CourtID: ct.ID, Role: auth.Clerk}},
		"u-otherclerk": {{CourtID: ct.ID, Role: auth.Clerk}},
		"u-party":      {{Role: auth.Litigant}},
		"u-lawyer":     {{Role: auth.Lawyer}},
		"u-defendant":  {{Role: auth.Litigant}},
		"u-stranger":   {{Role: auth.Litigant}},
	}
	f.cases = casefile.New(db, courtAdapter{cs}, casefile.WithStaff(f.people))
	f.s = transcript.New(db, transcript.Deps{Cases: f.cases, Courts: cs, Codes: f.codes, Issuer: f.issuer,
		Transcriber: o.transcriber, Live: o.live})
	f.runner = jobs.NewRunner(db, jobs.RunnerOptions{})
	f.s.RegisterJobs(f.runner)
	f.c = f.newCase(t)
	f.srv = httptest.NewServer(f.handler(t))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) handler(t testing.TB) http.Handler {
	cat, err := i18n.New(i18n.Platform(), transcript.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{
		{Namespace: "transcript", FS: transcript.Templates}}})
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

// newCase creates a civil case whose plaintiff is u-party (with u-lawyer)
// and whose defendant is u-defendant, assigned to u-judge and u-clerk.
func (f *fixture) newCase(t testing.TB) casefile.Case {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: casefile.Simplified,
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

const hearing = "hearing-1"

// start opens the record of hearing as the clerk.
func (f *fixture) start(t testing.TB) transcript.Record {
	t.Helper()
	r, err := f.s.Start(f.as("u-clerk"), transcript.StartRequest{HearingID: hearing, CaseID: f.c.ID, Place: "本院第三法庭", Mode: "在线庭审"})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return r
}

func (f *fixture) add(t testing.TB, speaker, text string) transcript.Entry {
	t.Helper()
	e, err := f.s.Append(f.as("u-clerk"), hearing, transcript.NewEntry{Speaker: speaker, Text: text})
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return e
}

func (f *fixture) find(t testing.TB, user string) transcript.Record {
	t.Helper()
	r, err := f.s.Find(f.as(user), hearing)
	if err != nil {
		t.Fatalf("Find as %s: %v", user, err)
	}
	return r
}

var signers = []transcript.SignerSpec{
	{AccountID: "u-judge", Role: "审判员", Name: "陈立新"},
	{AccountID: "u-clerk", Role: "书记员", Name: "吴小丽"},
	{AccountID: "u-party", Role: "原告", Name: "张三"},
	{AccountID: "u-lawyer", Role: "原告代理人", Name: "王律师"},
	{AccountID: "u-defendant", Role: "被告", Name: "李四"},
}

func (f *fixture) runJobs(t testing.TB) {
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

func (f *fixture) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) events(t testing.TB, typ string) int {
	return f.count(t, `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND case_id = ?`, typ, f.c.ID)
}

func wantCode(t testing.TB, err error, code errs.Code, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

func wantField(t testing.TB, err error, field, code string) {
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

// do sends a request as user and decodes a JSON answer into out.
func (f *fixture) do(t testing.TB, method, path, user, body string, out any) *http.Response {
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
	resp.Body = io.NopCloser(bytes.NewReader(b))
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
