package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/app"
	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/live"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// The node mode of the server process (-target node): the real
// enforcement service on a SQLite database (synchronous=FULL, the
// default) with the schemas the app migrates for it, the embedded bus and
// its relay, the jobs runner (the nodes' timeline jobs), the notification
// pipeline (notify.New + Start: each node's notices are fanned out to
// inbox rows) and one live.Hub fed from the bus with enforcement.RouteNode,
// as internal/app wires them.
//
// Before it listens, the server seeds -cases enforcement cases through the
// services' own paths: an applicant and a respondent account per case
// (identity.SeedAccount), the source civil case (casefile.Create, as the
// filing officer), the application for enforcement of its judgment
// (enforcement.Apply, as the applicant; the judgment is the bench's
// Titles: an effective title whose creditor is the applicant) and its
// acceptance (enforcement.Accept, as the filing officer: 执 case opened
// through casefile.Create, fee, deadline, a lead officer and a second
// officer, nodes "case filed" and "officers assigned"). It then waits
// until the outbox, the timeline jobs and the notices of the seeding have
// drained, so that a round measures only its own nodes.
//
//   - GET /live?case=<i>&n=<k> is subscriber k (0…5) of case i, signed in
//     as the applicant (k%3 = 0), the respondent (1) or an officer (2: the
//     lead officer, then the second officer): the request goes to the real
//     GET /api/v1/enforcement/live?case=<id> (LiveTopics with the
//     casefile's audited check, hub.Subscribe, live.Serve);
//   - POST /save {"cases","seq","writers"} records one node per case
//     (enforcement.RecordNode as the case's lead officer) from writers
//     goroutines; each node's text carries "sent_ns=<time RecordNode was
//     called>";
//   - GET /inbox is the number of notify_inbox rows;
//   - GET /seed tells how the seeding went.

type benchCase struct {
	id, applicant, respondent, lead, helper string
}

type nodeServer struct {
	db      *sqldb.DB
	b       *bus.Bus
	hub     *live.Hub
	court   *court.Service
	ids     *identity.Service
	cases   *casefile.Service
	enf     *enforcement.Service
	nfy     *notify.Service
	runner  *jobs.Runner
	api     http.Handler
	courtID string
	filer   string
	titles  *benchTitles
	table   []benchCase
	seed    seedStats
}

type seedStats struct {
	Cases     int     `json:"cases"`
	Accounts  int     `json:"accounts"`
	SeedS     float64 `json:"seed_s"`     // accounts, source cases, applications, acceptances
	QuiesceS  float64 `json:"quiesce_s"`  // until the seeding's outbox, jobs and notices drained
	InboxRows int     `json:"inbox_rows"` // after the seeding
	Cached    bool    `json:"cached"`     // loaded from -seed-cache (seed_s is the original seeding's)
	DBBytes   int64   `json:"db_bytes"`
}

func nodeMigrations() []sqldb.MigrationSet {
	// The sets internal/app migrates, in its order, that the enforcement
	// service and the notification pipeline need.
	return []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, identity.Migrations, court.Migrations,
		casefile.Migrations, notify.Migrations, enforcement.Migrations}
}

// startNode builds the services, seeds and drains; the returned stop ends
// the background work.
func startNode(ctx context.Context, f serverFlags, mux *http.ServeMux, h *live.Hub, log *slog.Logger) (func(), error) {
	var cached *seedCache
	if f.seedCache != "" {
		var err error
		if cached, err = loadCache(f.seedCache, f.cases, filepath.Join(f.dir, "bench.db")); err != nil {
			return nil, fmt.Errorf("seed cache: %w", err)
		}
	}
	db, err := sqldb.Open(ctx, "sqlite://"+filepath.Join(f.dir, "bench.db"), sqldb.Options{})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, nodeMigrations()...); err != nil {
		return nil, err
	}
	var every time.Duration
	if f.jsFsync != "always" {
		if every, err = time.ParseDuration(f.jsFsync); err != nil {
			return nil, fmt.Errorf("-jsfsync: %w", err)
		}
	}
	b, err := bus.Open(ctx, bus.Config{DataDir: f.dir, Logger: log, SyncInterval: every})
	if err != nil {
		return nil, err
	}
	blobs, err := blob.NewLocal(filepath.Join(f.dir, "blobs"), blob.Options{})
	if err != nil {
		return nil, err
	}
	s := &nodeServer{db: db, b: b, hub: h, titles: &benchTitles{m: map[string]enforcement.Title{}}}
	s.court = court.New(db, nil)
	if _, err := s.court.Seed(ctx); err != nil {
		return nil, err
	}
	ct, err := s.court.Resolve(ctx, "浙0225")
	if err != nil {
		return nil, err
	}
	s.courtID = ct.ID
	if cached != nil {
		s.table, s.filer, s.seed = cached.table(), cached.Filer, cached.Seed
		s.seed.Cached = true
	}
	s.ids = identity.New(db, identity.NewDevSMS(log), identity.DevProvider{}, []byte("fanout-bench-secret-0123456789abcdef"))
	s.cases = casefile.New(db, app.CasefileCourts(s.court), casefile.WithStaff(s.ids))
	// The notification pipeline as the app builds it (development SMS
	// gateway; no e-mail or webhook: enforcement sends neither).
	sms, err := notify.NewSMSChannel(notify.SMSOptions{Logger: log},
		notify.SMSRoute{Provider: notify.NewDevSMS(notify.DevSMSOptions{Name: "devsms"}), Rate: 50, Burst: 10})
	if err != nil {
		return nil, err
	}
	if s.nfy, err = notify.New(notify.Deps{DB: db, Bus: b, Directory: app.ContactDirectory(s.ids), Logger: log},
		notify.Options{SMS: sms}); err != nil {
		return nil, err
	}
	s.enf = enforcement.New(db, enforcement.Deps{Cases: s.cases, Courts: s.court, Blobs: blobs, Roles: s.ids, Titles: s.titles,
		Notifier: app.EnforcementNotifier(), Hub: h, Logger: log}, enforcement.Options{TempDir: f.dir})
	s.runner = jobs.NewRunner(db, jobs.RunnerOptions{Logger: log})
	s.enf.RegisterJobs(s.runner)

	bg, cancel := context.WithCancel(context.Background())
	b.StartRelay(bg, db)
	s.runner.Start(bg)
	if err := s.nfy.Start(bg); err != nil {
		cancel()
		return nil, err
	}
	stopFeed := h.Feed(bg, b, enforcement.NodeSubjects, enforcement.RouteNode)
	stop := func() {
		stopFeed()
		cancel()
		_ = s.runner.Stop(context.Background())
		b.Close()
		db.Close()
	}

	api := http.NewServeMux()
	s.enf.Routes(api)
	s.api = web.Chain(api, web.Configure(web.Options{}))

	if cached == nil {
		t0 := time.Now()
		if err := s.seedAll(ctx, f.cases, max(f.seedConc, 1)); err != nil {
			stop()
			return nil, fmt.Errorf("seed: %w", err)
		}
		s.seed.SeedS = time.Since(t0).Seconds()
	}
	t1 := time.Now()
	if err := s.quiesce(ctx, 30*time.Minute); err != nil {
		stop()
		return nil, err
	}
	s.seed.QuiesceS = time.Since(t1).Seconds()
	if f.seedCache != "" && cached == nil {
		if err := s.saveCache(ctx, f.seedCache); err != nil {
			stop()
			return nil, fmt.Errorf("seed cache: %w", err)
		}
	}
	s.seed.InboxRows = s.inboxRows(ctx)
	if fi, err := os.Stat(filepath.Join(f.dir, "bench.db")); err == nil {
		s.seed.DBBytes = fi.Size()
	}
	how := "seeded"
	if cached != nil {
		how = "loaded from the seed cache, seeded originally"
	}
	fmt.Fprintf(os.Stderr, "node: %d cases (%d accounts) %s in %.1f s; seeding's outbox, jobs and notices drained in %.1f s; %d inbox rows\n",
		s.seed.Cases, s.seed.Accounts, how, s.seed.SeedS, s.seed.QuiesceS, s.seed.InboxRows)

	mux.HandleFunc("GET /live", s.handleLive)
	mux.HandleFunc("POST /save", s.handleSave)
	mux.HandleFunc("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"rows":%d}`, s.inboxRows(r.Context()))
	})
	mux.HandleFunc("GET /seed", func(w http.ResponseWriter, r *http.Request) { _ = json.NewEncoder(w).Encode(s.seed) })
	mux.HandleFunc("GET /busstats", func(w http.ResponseWriter, r *http.Request) { _ = json.NewEncoder(w).Encode(b.Stats()) })
	return stop, nil
}

// principals.

func litigant(ctx context.Context, account string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: account, Verified: true, Via: "web",
		Grants: []auth.Grant{{Role: auth.Litigant}}})
	return audit.WithActor(ctx, audit.Actor{UserID: account, IP: "127.0.0.1"})
}

func staffer(ctx context.Context, account, courtID string, role auth.Role) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: account, Verified: true, Via: "web",
		Grants: []auth.Grant{{CourtID: courtID, Role: role}}})
	return audit.WithActor(ctx, audit.Actor{UserID: account, IP: "127.0.0.1"})
}

// seeding.

// officersFor is the number of enforcement officers: one per 250 cases,
// at least 2.
func officersFor(cases int) int { return max(2, (cases+249)/250) }

func (s *nodeServer) seedAll(ctx context.Context, n, conc int) error {
	filer, err := s.ids.SeedAccount(ctx, identity.Seed{Login: "bench-filer", Mobile: "13700000000", Password: "bench-password-filer",
		Name: "立案庭", Grants: []auth.Grant{{CourtID: s.courtID, Role: auth.FilingOfficer}}})
	if err != nil {
		return err
	}
	s.filer = filer.ID
	officers := make([]string, officersFor(n))
	for i := range officers {
		a, err := s.ids.SeedAccount(ctx, identity.Seed{Login: fmt.Sprintf("bench-officer-%d", i), Mobile: fmt.Sprintf("1370001%04d", i),
			Password: "bench-password-officer", Name: fmt.Sprintf("执行员%d", i),
			Grants: []auth.Grant{{CourtID: s.courtID, Role: auth.EnforcementOfficer}}})
		if err != nil {
			return err
		}
		officers[i] = a.ID
	}
	s.table = make([]benchCase, n)
	next := make(chan int)
	var done atomic.Int64
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	start := time.Now()
	var wg sync.WaitGroup
	errc := make(chan error, conc)
	for range conc {
		wg.Go(func() {
			for i := range next {
				if err := s.seedCase(ctx, i, officers); err != nil {
					errc <- fmt.Errorf("case %d: %w", i, err)
					for range next {
					}
					return
				}
				if d := done.Add(1); d%1000 == 0 {
					fmt.Fprintf(os.Stderr, "node: seeded %d/%d cases (%.0f s)\n", d, n, time.Since(start).Seconds())
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	s.seed.Cases, s.seed.Accounts = n, 2*n+len(officers)+1
	return nil
}

func (s *nodeServer) seedCase(ctx context.Context, i int, officers []string) error {
	app, err := s.ids.SeedAccount(ctx, identity.Seed{Login: fmt.Sprintf("bench-applicant-%d", i), Mobile: fmt.Sprintf("138%08d", i),
		Password: "bench-password-applicant", Name: fmt.Sprintf("申请人%d", i)})
	if err != nil {
		return err
	}
	resp, err := s.ids.SeedAccount(ctx, identity.Seed{Login: fmt.Sprintf("bench-respondent-%d", i), Mobile: fmt.Sprintf("139%08d", i),
		Password: "bench-password-respondent", Name: fmt.Sprintf("被执行人%d", i)})
	if err != nil {
		return err
	}
	appName, respName := fmt.Sprintf("张%d", i), fmt.Sprintf("李%d", i)
	src, err := s.cases.Create(staffer(ctx, s.filer, s.courtID, auth.FilingOfficer), casefile.NewCase{
		CourtID: s.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", Procedure: casefile.Ordinary,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: appName, IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: app.Mobile, Address: "浙江省宁波市象山县丹东街道1号", AccountID: app.ID},
			{Role: casefile.Defendant, Kind: casefile.Person, Name: respName, IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: resp.Mobile, Address: "浙江省宁波市象山县石浦镇2号", AccountID: resp.ID},
		},
	})
	if err != nil {
		return fmt.Errorf("source case: %w", err)
	}
	// The judgment: effective 60 days ago, to be paid within 15 days.
	today := calendar.DateOf(time.Now().In(clock.China))
	due := today.Plus(-45)
	doc := "bench-judgment-" + src.ID
	s.titles.put(enforcement.Title{DocumentID: doc, CaseID: src.ID, CourtID: s.courtID, Kind: enforcement.TitleJudgment,
		Number: src.Number, Issuer: "浙江省象山县人民法院", Cause: "民间借贷纠纷", Effective: today.Plus(-60), Due: &due,
		AmountFen: 10_000_000, Parties: []enforcement.TitleParty{
			{Side: enforcement.SideCreditor, Kind: casefile.Person, Name: appName, IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: app.Mobile, AccountID: app.ID},
			{Side: enforcement.SideDebtor, Kind: casefile.Person, Name: respName, IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: resp.Mobile, Address: "浙江省宁波市象山县石浦镇2号", AccountID: resp.ID},
		}})
	a, err := s.enf.Apply(litigant(ctx, app.ID), enforcement.ApplyInput{CourtID: s.courtID, DocumentID: doc,
		Claim: "请求强制被执行人支付借款本金100000元及迟延履行期间的债务利息"})
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	lead, helper := officers[i%len(officers)], officers[(i+1)%len(officers)]
	r, err := s.enf.Accept(staffer(ctx, s.filer, s.courtID, auth.FilingOfficer), a.ID,
		enforcement.AcceptInput{Lead: lead, Officers: []string{helper}})
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	s.table[i] = benchCase{id: r.CaseID, applicant: app.ID, respondent: resp.ID, lead: lead, helper: helper}
	return nil
}

// quiesce waits until the outbox is relayed, every notice fanned out and
// the due jobs run (the count of scheduled jobs stays put: the deadline
// warnings are months ahead).
func (s *nodeServer) quiesce(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last, stable := -1, 0
	for time.Now().Before(deadline) {
		var outbox, msgs, pending int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM bus_outbox WHERE published_at IS NULL`).Scan(&outbox); err != nil {
			return err
		}
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_message WHERE fanned_out_at IS NULL`).Scan(&msgs); err != nil {
			return err
		}
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs_job WHERE state IN ('scheduled', 'running')`).Scan(&pending); err != nil {
			return err
		}
		if outbox == 0 && msgs == 0 && pending == last {
			if stable++; stable >= 3 {
				return nil
			}
		} else {
			stable = 0
		}
		last = pending
		time.Sleep(time.Second)
	}
	return errors.New("node: the seeding's outbox, jobs and notices did not drain")
}

func (s *nodeServer) inboxRows(ctx context.Context) int {
	var n int
	_ = s.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_inbox`).Scan(&n)
	return n
}

// handlers.

func (s *nodeServer) handleLive(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	i, err1 := strconv.Atoi(q.Get("case"))
	k, err2 := strconv.Atoi(q.Get("n"))
	if err1 != nil || err2 != nil || i < 0 || i >= len(s.table) || k < 0 {
		http.Error(w, "case and n required", http.StatusBadRequest)
		return
	}
	c := s.table[i]
	var ctx context.Context
	switch k % 3 {
	case 0:
		ctx = litigant(r.Context(), c.applicant)
	case 1:
		ctx = litigant(r.Context(), c.respondent)
	default:
		officer := c.lead
		if (k/3)%2 == 1 {
			officer = c.helper
		}
		ctx = staffer(r.Context(), officer, s.courtID, auth.EnforcementOfficer)
	}
	r2 := r.Clone(ctx)
	r2.URL.Path, r2.URL.RawQuery, r2.RequestURI = "/api/v1/enforcement/live", "case="+c.id, ""
	s.api.ServeHTTP(w, r2)
}

func (s *nodeServer) handleSave(w http.ResponseWriter, r *http.Request) {
	var req struct{ Cases, Seq, Writers int }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.Cases <= 0 || req.Cases > len(s.table) {
		req.Cases = len(s.table)
	}
	start := time.Now()
	if err := s.record(context.Background(), req.Cases, req.Seq, max(req.Writers, 1)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, `{"saved":%d,"start_ns":%d,"end_ns":%d}`, req.Cases, start.UnixNano(), time.Now().UnixNano())
}

// record records one node per case 0…cases-1 from writers goroutines, each
// as the case's lead officer: a freezing of a bank deposit, carried out
// (so the parties see it at once), with the account number the parties'
// views mask.
func (s *nodeServer) record(ctx context.Context, cases, seq, writers int) error {
	return parallel(cases, 1, writers, func(i int) error {
		c := s.table[i]
		sent := time.Now().UnixNano()
		in := enforcement.NodeInput{Kind: "freeze", CarriedOut: true, AmountFen: 1_000_000,
			Text: fmt.Sprintf("冻结被执行人在工商银行的存款 10000 元（第 %d 轮）sent_ns=%d", seq, sent),
			Fields: map[string]string{"bank": "中国工商银行象山支行", "account_no": "6222021234567890123",
				"document_no": fmt.Sprintf("（2026）浙0225执%d号之%d", i+1, seq)}}
		if _, err := s.enf.RecordNode(staffer(ctx, c.lead, s.courtID, auth.EnforcementOfficer), c.id, in); err != nil {
			return fmt.Errorf("RecordNode case %d: %w", i, err)
		}
		return nil
	})
}

// benchTitles answers the enforcement context's title lookups from the
// judgments the bench seeds; the other adapters are internal/app's own
// (app.CasefileCourts, app.ContactDirectory, app.EnforcementNotifier).
type benchTitles struct {
	mu sync.Mutex
	m  map[string]enforcement.Title
}

func (t *benchTitles) put(x enforcement.Title) {
	t.mu.Lock()
	t.m[x.DocumentID] = x
	t.mu.Unlock()
}

// EffectiveTitle stands in for the document context: the seeded
// judgments, taken as effective.
func (t *benchTitles) EffectiveTitle(_ context.Context, id string) (enforcement.Title, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	x, ok := t.m[id]
	if !ok {
		return enforcement.Title{}, errs.New(errs.NotFound, "enforcement.error.not_effective")
	}
	return x, nil
}

// The seed cache (-seed-cache DIR): seeding 10,000 cases through the
// services takes minutes (two argon2id password hashes and about eight
// transactions per case), so the seeded and drained database is kept as
// DIR/node-<cases>.db (VACUUM INTO) with DIR/node-<cases>.json (the
// cases, their accounts and officers) and copied into the next run's
// fresh data directory. The JetStream state is not kept: every outbox row
// of the copy is already relayed. The performance periods and deadline
// warnings are relative to the seeding day: reseed (delete the files)
// after a few weeks.

type seedCache struct {
	Cases []struct{ ID, Applicant, Respondent, Lead, Helper string } `json:"cases"`
	Filer string                                                     `json:"filer"`
	Seed  seedStats                                                  `json:"seed"`
}

func (c *seedCache) table() []benchCase {
	out := make([]benchCase, len(c.Cases))
	for i, x := range c.Cases {
		out[i] = benchCase{id: x.ID, applicant: x.Applicant, respondent: x.Respondent, lead: x.Lead, helper: x.Helper}
	}
	return out
}

func cachePaths(dir string, cases int) (db, meta string) {
	base := filepath.Join(dir, fmt.Sprintf("node-%d", cases))
	return base + ".db", base + ".json"
}

// loadCache copies the cached database for cases to dbPath and returns
// the cached table; nil when there is none.
func loadCache(dir string, cases int, dbPath string) (*seedCache, error) {
	dbFile, metaFile := cachePaths(dir, cases)
	b, err := os.ReadFile(metaFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c seedCache
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	if len(c.Cases) != cases {
		return nil, fmt.Errorf("%s has %d cases, want %d", metaFile, len(c.Cases), cases)
	}
	src, err := os.Open(dbFile)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := os.Create(dbPath)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return nil, err
	}
	if err := dst.Close(); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "node: %d seeded cases loaded from %s\n", cases, dbFile)
	return &c, nil
}

// saveCache writes the drained database and the table to dir.
func (s *nodeServer) saveCache(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	dbFile, metaFile := cachePaths(dir, len(s.table))
	_ = os.Remove(dbFile + ".tmp")
	if _, err := s.db.Exec(ctx, `VACUUM INTO '`+strings.ReplaceAll(dbFile+".tmp", "'", "''")+`'`); err != nil {
		return err
	}
	if err := os.Rename(dbFile+".tmp", dbFile); err != nil {
		return err
	}
	c := seedCache{Filer: s.filer, Seed: s.seed}
	for _, x := range s.table {
		c.Cases = append(c.Cases, struct{ ID, Applicant, Respondent, Lead, Helper string }{x.id, x.applicant, x.respondent, x.lead, x.helper})
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return os.WriteFile(metaFile, b, 0o644)
}
