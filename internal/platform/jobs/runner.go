package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Handler runs one job. It must be idempotent (see the package comment) and
// should make its effect in one transaction that also calls Done with the
// ctx it was given. A returned error schedules a retry or, after the last
// attempt, fails the job. A panic counts as an error.
type Handler func(ctx context.Context, j Job) error

// RunnerOptions tune a Runner. The zero value is valid.
type RunnerOptions struct {
	// Owner names this runner in lease_owner (default "<hostname>:<pid>").
	Owner string
	// Poll is how often the runner looks for due jobs written by other
	// processes or left by crashed runners (default 1 s). Jobs scheduled in
	// this process wake it at once.
	Poll time.Duration
	// Lease is how long a claim lasts without renewal (default 1 min). The
	// runner renews the lease of a running handler every third of it, so
	// only a crashed or stuck runner loses a job to another.
	Lease time.Duration
	// Concurrency is the number of handlers run at once (default 2).
	Concurrency int
	// Logger receives retries (warn) and failures (error); default slog.Default().
	Logger *slog.Logger
	// Clock is the time compared with run_at and lease_until (default the
	// database's clock, so tests that move the clock move the runner too).
	Clock clock.Clock
	// Backoff is the wait before the retry that follows failed attempt n
	// (1-based); default 10 s doubling per attempt, at most 1 h.
	Backoff func(attempt int) time.Duration
}

// DefaultBackoff waits 10 s after the first failed attempt, doubling per
// attempt, at most 1 h.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Runner runs due jobs of the kinds registered with it. It is safe for
// concurrent use; several runners (in one process or many) may share one
// table.
type Runner struct {
	db    *sqldb.DB
	opts  RunnerOptions
	log   *slog.Logger
	clock clock.Clock

	mu       sync.RWMutex
	handlers map[string]Handler
	kinds    []string

	slots   chan struct{} // one token per running handler
	freed   chan struct{} // signalled when a handler finishes
	wake    chan struct{} // signalled when a job is scheduled in this process
	running sync.WaitGroup

	// hctx is the handlers' context; Stop cancels it only when its own
	// context ends before the handlers do.
	hctx    context.Context
	hcancel context.CancelFunc

	startMu  sync.Mutex
	cancel   context.CancelFunc
	loopDone chan struct{}

	stats struct {
		due                   atomic.Int64
		running               atomic.Int64
		done, retried, failed atomic.Uint64
	}
}

// NewRunner returns a runner on db. Register handlers, then Start it.
func NewRunner(db *sqldb.DB, opts RunnerOptions) *Runner {
	if opts.Owner == "" {
		host, _ := os.Hostname()
		opts.Owner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 2
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = db.Clock()
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	hctx, hcancel := context.WithCancel(context.Background())
	return &Runner{
		db: db, opts: opts, log: opts.Logger.With("component", "jobs", "owner", opts.Owner), clock: opts.Clock,
		handlers: map[string]Handler{},
		slots:    make(chan struct{}, opts.Concurrency),
		freed:    make(chan struct{}, 1),
		wake:     make(chan struct{}, 1),
		hctx:     hctx, hcancel: hcancel,
	}
}

// Register makes the runner run jobs of kind with fn. It panics when kind
// is empty or already registered, which is a wiring mistake.
func (r *Runner) Register(kind string, fn Handler) {
	if kind == "" || fn == nil {
		panic("jobs: Register with an empty kind or a nil handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[kind]; dup {
		panic("jobs: kind " + kind + " registered twice")
	}
	r.handlers[kind] = fn
	r.kinds = append(r.kinds, kind)
	sort.Strings(r.kinds)
}

func (r *Runner) kindList() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]string(nil), r.kinds...)
}

func (r *Runner) handler(kind string) Handler {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.handlers[kind]
}

func (r *Runner) now() time.Time { return r.clock.Now().UTC().Truncate(time.Microsecond) }

// Start starts the runner's loop: it claims due jobs as handler slots are
// free, wakes when a job due before its next poll is scheduled in this
// process, and otherwise polls every Poll. The loop ends when ctx is done or
// Stop is called; running handlers are not cancelled by ctx (Stop waits for
// them). Calling Start on a started runner does nothing.
func (r *Runner) Start(ctx context.Context) {
	r.startMu.Lock()
	defer r.startMu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, r.cancel = context.WithCancel(ctx)
	r.loopDone = make(chan struct{})
	addWaker(r, r.wakeFor)
	go r.loop(ctx)
}

// Stop stops claiming jobs and waits for the running handlers to return. If
// ctx ends first, it cancels the handlers' context and returns ctx's error
// without waiting further; their jobs run again after their leases expire.
// Call it at shutdown before closing the database.
func (r *Runner) Stop(ctx context.Context) error {
	r.startMu.Lock()
	cancel, done := r.cancel, r.loopDone
	r.cancel = nil
	r.startMu.Unlock()
	if cancel != nil {
		removeWaker(r)
		cancel()
		<-done
	}
	idle := make(chan struct{})
	go func() {
		r.running.Wait()
		close(idle)
	}()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		r.hcancel()
		return ctx.Err()
	}
}

// wakeFor wakes the loop when runAt comes before its next poll.
func (r *Runner) wakeFor(runAt time.Time) {
	if runAt.After(r.clock.Now().Add(r.opts.Poll)) {
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Runner) loop(ctx context.Context) {
	defer close(r.loopDone)
	timer := time.NewTimer(0)
	defer timer.Stop()
	fails := 0
	for {
		wait := r.opts.Poll
		if err := r.fill(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			fails++
			wait = min(r.opts.Poll<<min(fails, 6), time.Minute)
			r.log.Warn("jobs: claiming failed; retrying", "err", err, "retry_in", wait)
		} else {
			fails = 0
			if next, ok := r.nextRunAt(ctx); ok {
				if d := next.Sub(r.clock.Now()); d > 0 && d < wait {
					wait = d
				}
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-r.freed:
		case <-timer.C:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// fill claims due jobs for the free handler slots and starts them.
func (r *Runner) fill(ctx context.Context) error {
	for {
		n := r.acquire(ctx, false)
		if n == 0 {
			return nil
		}
		cs, err := r.claim(ctx, n)
		r.release(n - len(cs))
		if err != nil {
			return err
		}
		for _, c := range cs {
			r.start(c, nil)
		}
		if len(cs) < n {
			return nil
		}
	}
}

// acquire takes free handler slots: all that are free, waiting for the
// first one when wait is set.
func (r *Runner) acquire(ctx context.Context, wait bool) int {
	n := 0
	if wait {
		select {
		case r.slots <- struct{}{}:
			n++
		case <-ctx.Done():
			return 0
		}
	}
	for n < cap(r.slots) {
		select {
		case r.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

func (r *Runner) release(n int) {
	for range n {
		<-r.slots
	}
}

// start runs a claimed job's handler in a goroutine holding one slot; wg,
// when not nil, is told when it ends.
func (r *Runner) start(c claimed, wg *sync.WaitGroup) {
	r.running.Add(1)
	r.stats.running.Add(1)
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		defer func() {
			r.stats.running.Add(-1)
			r.release(1)
			select {
			case r.freed <- struct{}{}:
			default:
			}
			if wg != nil {
				wg.Done()
			}
			r.running.Done()
		}()
		r.run(c)
	}()
}

func (r *Runner) run(c claimed) {
	stop := make(chan struct{})
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		r.heartbeat(c, stop)
	}()
	err := r.call(c)
	close(stop)
	<-beat
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.finish(ctx, c, err)
}

func (r *Runner) call(c claimed) (err error) {
	fn := r.handler(c.job.Kind)
	if fn == nil { // cannot happen: only registered kinds are claimed
		return fmt.Errorf("jobs: no handler for kind %q", c.job.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("jobs: handler for %s panicked: %v\n%s", c.job.Kind, p, debug.Stack())
		}
	}()
	ctx := context.WithValue(r.hctx, claimKey{}, claim{id: c.job.ID, token: c.token})
	return fn(ctx, c.job)
}

// RunDue runs every job of the registered kinds that is due now (including
// jobs whose lease expired, and jobs that the handlers schedule for now),
// waits for their handlers and returns how many ran. It is for tests and
// for a manual tick; it may run alongside Start. A handler's error is not
// RunDue's error: it is recorded on the job (retry or failed).
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n := r.acquire(ctx, true)
		if n == 0 {
			return total, ctx.Err()
		}
		cs, err := r.claim(ctx, n)
		r.release(n - len(cs))
		if err != nil {
			return total, err
		}
		if len(cs) == 0 {
			r.countDue(ctx)
			return total, nil
		}
		var wg sync.WaitGroup
		for _, c := range cs {
			r.start(c, &wg)
		}
		wg.Wait()
		total += len(cs)
	}
}

// nextRunAt returns the earliest run_at of a scheduled job of the
// registered kinds, and refreshes the due gauge.
func (r *Runner) nextRunAt(ctx context.Context) (time.Time, bool) {
	r.countDue(ctx)
	kinds := r.kindList()
	if len(kinds) == 0 {
		return time.Time{}, false
	}
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	var t dbTime
	err := r.db.QueryRow(ctx, `SELECT run_at FROM jobs_job WHERE state = 'scheduled' AND kind IN (`+
		placeholders(len(kinds))+`) ORDER BY run_at LIMIT 1`, args...).Scan(&t)
	if err != nil {
		return time.Time{}, false
	}
	return t.t, true
}

func (r *Runner) countDue(ctx context.Context) {
	var n int64
	if err := r.db.QueryRow(ctx, "SELECT COUNT(*) FROM jobs_job WHERE state = 'scheduled' AND run_at <= ?", r.now()).Scan(&n); err == nil {
		r.stats.due.Store(n)
	}
}

// Stats are a runner's metrics. Due is a gauge of the table (all kinds),
// refreshed at every poll; Running is a gauge of this runner; Done,
// Retried and Failed count this runner's outcomes since it was made.
type Stats struct {
	Due     int64 // scheduled jobs whose run_at has come, at the last poll
	Running int64 // handlers running now
	Done    uint64
	Retried uint64
	Failed  uint64
}

// Stats returns the runner's metrics.
func (r *Runner) Stats() Stats {
	return Stats{
		Due:     r.stats.due.Load(),
		Running: r.stats.running.Load(),
		Done:    r.stats.done.Load(),
		Retried: r.stats.retried.Load(),
		Failed:  r.stats.failed.Load(),
	}
}

// wakers holds the wake-up functions of the started runners of this
// process. Schedule only has the transaction, not the runner, so a commit
// offers its run_at to every runner; each wakes only when the job is due
// before its next poll.
var wakers struct {
	sync.Mutex
	m map[*Runner]func(time.Time)
}

func addWaker(r *Runner, fn func(time.Time)) {
	wakers.Lock()
	defer wakers.Unlock()
	if wakers.m == nil {
		wakers.m = map[*Runner]func(time.Time){}
	}
	wakers.m[r] = fn
}

func removeWaker(r *Runner) {
	wakers.Lock()
	defer wakers.Unlock()
	delete(wakers.m, r)
}

func wakeRunners(runAt time.Time) {
	wakers.Lock()
	defer wakers.Unlock()
	for _, fn := range wakers.m {
		fn(runAt)
	}
}
