package hearing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, court.Migrations, casefile.Migrations, hearing.Migrations}

func china(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.China).UTC()
}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = china(2026, 3, 2, 10, 0)

// call is one recorded call on the Rooms double.
type call struct {
	Method, Room, Identity string
	Perms                  hearing.Perms
	Muted                  bool
}

func (c call) String() string {
	return fmt.Sprintf("%s %s %s %+v muted=%v", c.Method, c.Room, c.Identity, c.Perms, c.Muted)
}

// rooms is the recording test double of the Rooms interface.
type rooms struct {
	mu     sync.Mutex
	calls  []call
	tokens []hearing.TokenRequest
	fail   error
}

func (r *rooms) add(c call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.calls = append(r.calls, c)
	return nil
}

func (r *rooms) URL() string { return "ws://127.0.0.1:7880" }
func (r *rooms) CreateRoom(_ context.Context, room string) error {
	return r.add(call{Method: "CreateRoom", Room: room})
}
func (r *rooms) DeleteRoom(_ context.Context, room string) error {
	return r.add(call{Method: "DeleteRoom", Room: room})
}
func (r *rooms) Token(_ context.Context, req hearing.TokenRequest) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return "", r.fail
	}
	r.tokens = append(r.tokens, req)
	return fmt.Sprintf("tok-%s-%d", req.Identity, len(r.tokens)), nil
}
func (r *rooms) Admit(_ context.Context, room, id string, p hearing.Perms) error {
	return r.add(call{Method: "Admit", Room: room, Identity: id, Perms: p})
}
func (r *rooms) Hold(_ context.Context, room, id string) error {
	return r.add(call{Method: "Hold", Room: room, Identity: id})
}
func (r *rooms) Mute(_ context.Context, room, id string, muted bool) error {
	return r.add(call{Method: "Mute", Room: room, Identity: id, Muted: muted})
}
func (r *rooms) Remove(_ context.Context, room, id string) error {
	return r.add(call{Method: "Remove", Room: room, Identity: id})
}

// take returns the calls since the last take, excluding CreateRoom.
func (r *rooms) take() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if c.Method != "CreateRoom" {
			out = append(out, c)
		}
	}
	r.calls = nil
	return out
}

func (r *rooms) lastToken() hearing.TokenRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tokens[len(r.tokens)-1]
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
	db         *sqldb.DB
	clk        *clock.Fixed
	cases      *casefile.Service
	s          *hearing.Service
	rooms      *rooms
	runner     *jobs.Runner
	courtID    string
	people     staff
	unverified map[string]bool
	h          http.Handler
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
	f := &fixture{db: db, clk: clk, courtID: ct.ID, rooms: &rooms{}, unverified: map[string]bool{}}
	f.people = staff{
		"u-filer":      {{CourtID: ct.ID, Role: auth.FilingOfficer}},
		"u-judge":      {{CourtID: ct.ID, Role: auth.Judge}},
		"u-judge2":     {{CourtID: ct.ID, Role: auth.Judge}},
		"u-judge3":     {{CourtID: ct.ID, Role: auth.Judge}},
		"u-clerk":      {{CourtID: ct.ID, Role: auth.Clerk}},
		"u-otherjudge": {{CourtID: ct.ID, Role: auth.Judge}},
		"u-party":      {{Role: auth.Litigant}},
		"u-lawyer":     {{Role: auth.Lawyer}},
		"u-defendant":  {{Role: auth.Litigant}},
		"u-witness":    {{Role: auth.Litigant}},
		"u-stranger":   {{Role: auth.Litigant}},
		"u-party2":     {{Role: auth.Litigant}},
		"u-defendant2": {{Role: auth.Litigant}},
	}
	f.cases = casefile.New(db, courtAdapter{cs}, casefile.WithStaff(f.people))
	f.s = hearing.New(db, hearing.Deps{Cases: f.cases, Rooms: f.rooms, Staff: f.people})
	f.runner = jobs.NewRunner(db, jobs.RunnerOptions{})
	f.s.RegisterJobs(f.runner)
	f.h = f.handler(t)
	return f
}

func (f *fixture) handler(t testing.TB) http.Handler {
	cat, err := i18n.New(i18n.Platform(), hearing.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	_ = cat
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
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: !f.unverified[user], Grants: f.people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// newCase creates a civil case whose plaintiff is u-party (with lawyer
// u-lawyer) and defendant u-defendant, assigned to u-judge and u-clerk.
func (f *fixture) newCase(t testing.TB) casefile.Case {
	return f.newCaseWith(t, "u-party", "u-defendant", "u-lawyer")
}

func (f *fixture) newCaseWith(t testing.TB, party, def, lawyer string) casefile.Case {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: casefile.Ordinary,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: "13800005678", Address: "浙江省宁波市象山县丹东街道", AccountID: party},
			{Role: casefile.Defendant, Kind: casefile.Person, Name: "李四", IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: "13800001234", AccountID: def},
		},
		Representatives: []casefile.NewRepresentative{
			{PartyIndex: 0, Kind: casefile.Lawyer, Name: "王律师", AccountID: lawyer, LicenceNo: "13302201010123456",
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

// consent records the party's hearing-stage consent (as the clerk).
func (f *fixture) consent(t testing.TB, c casefile.Case, partyID string, yes bool) {
	t.Helper()
	if _, err := f.cases.SetConsent(f.as("u-clerk"), c.ID, partyID, casefile.StageHearing, yes, casefile.HowWritten); err != nil {
		t.Fatalf("SetConsent: %v", err)
	}
}

// start is Friday 2026-03-06 09:00 China time: four days after t0.
var start = china(2026, 3, 6, 9, 0)

// online schedules an all-online hearing of c with a witness (both
// parties consenting), as the clerk.
func (f *fixture) online(t testing.TB, c casefile.Case) hearing.Hearing {
	t.Helper()
	f.consent(t, c, c.Parties[0].ID, true)
	f.consent(t, c, c.Parties[1].ID, true)
	h, err := f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c.ID, StartsAt: start, Duration: 2 * time.Hour,
		Modes:    map[string]hearing.Mode{c.Parties[0].ID: hearing.Online, c.Parties[1].ID: hearing.Online},
		JudgeIDs: []string{"u-judge", "u-judge2", "u-judge3"}, Public: true,
		Witnesses: []hearing.NewWitness{{Name: "赵证人", AccountID: "u-witness", PartyID: c.Parties[0].ID, Mode: hearing.Online}}})
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	return h
}

// who returns the participant of h with the account.
func who(t testing.TB, h hearing.Hearing, account string) hearing.Participant {
	t.Helper()
	for _, p := range h.Participants {
		if p.AccountID == account {
			return p
		}
	}
	t.Fatalf("no participant %s in %+v", account, h.Participants)
	return hearing.Participant{}
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

// outbox returns the types of the events in the outbox, in order.
func (f *fixture) outbox(t *testing.T, prefix string) []string {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT type FROM bus_outbox ORDER BY created_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ string
		if err := rows.Scan(&typ); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(typ, prefix) {
			out = append(out, typ)
		}
	}
	return out
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
