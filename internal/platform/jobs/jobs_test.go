package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(Migrations); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lite, err := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, Migrations).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !sqldbtest.PostgresConfigured() {
		return
	}
	pg, err := sqldbtest.OpenPostgres(t, sqldbtest.Options{}, Migrations).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(pg), fmt.Sprint(lite); got != want {
		t.Errorf("postgres columns\n%s\nwant (sqlite)\n%s", got, want)
	}
}

type notice struct {
	Case string `json:"case"`
}

func TestScheduleRunsWhenDueAndNotBefore(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		r := newRunner(t, db, RunnerOptions{})
		var got []string
		r.Register("test.notice", func(ctx context.Context, j Job) error {
			var n notice
			if err := j.Decode(&n); err != nil {
				return err
			}
			got = append(got, n.Case)
			return nil
		})
		later := New("test.notice", "", t0.Add(time.Hour), notice{Case: "later"})
		later.ID = ids.New()
		later.CourtID, later.CaseID = "court-1", "case-1"
		now := New("test.notice", "", time.Time{}, notice{Case: "now"})
		now.ID = ids.New()
		schedule(t, db, later, now)

		if n := runDue(t, r); n != 1 {
			t.Fatalf("RunDue at t0 ran %d jobs, want 1 (the job due now)", n)
		}
		clk.Advance(59 * time.Minute)
		if n := runDue(t, r); n != 0 {
			t.Fatalf("RunDue before run_at ran %d jobs, want 0", n)
		}
		if j := find(t, db, later.ID); j.State != StateScheduled || j.Attempts != 0 {
			t.Fatalf("before run_at: state %s attempts %d, want scheduled 0", j.State, j.Attempts)
		}
		clk.Advance(time.Minute)
		if n := runDue(t, r); n != 1 {
			t.Fatalf("RunDue at run_at ran %d jobs, want 1", n)
		}
		if got, want := strings.Join(got, ","), "now,later"; got != want {
			t.Errorf("handled %s, want %s", got, want)
		}
		j := find(t, db, later.ID)
		if j.State != StateDone || j.Attempts != 1 || !j.DoneAt.Equal(t0.Add(time.Hour)) ||
			!j.RunAt.Equal(t0.Add(time.Hour)) || j.CourtID != "court-1" || j.CaseID != "case-1" {
			t.Errorf("after run: %+v", j)
		}
		if s := r.Stats(); s.Done != 2 || s.Due != 0 || s.Running != 0 {
			t.Errorf("Stats = %+v, want 2 done", s)
		}
	})
}

func TestRolledBackTxSchedulesNothing(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		ran := 0
		r := newRunner(t, db, RunnerOptions{})
		r.Register("test.rollback", func(context.Context, Job) error { ran++; return nil })
		boom := errors.New("boom")
		err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			if err := Schedule(context.Background(), tx, New("test.rollback", "k", time.Time{}, nil)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM jobs_job"); n != 0 {
			t.Errorf("%d jobs after rollback, want 0", n)
		}
		if n := runDue(t, r); n != 0 || ran != 0 {
			t.Errorf("RunDue ran %d (handler %d), want 0", n, ran)
		}
	})
}

func TestScheduleValidates(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		for _, j := range []Job{{}, {Kind: "test.bad", Payload: []byte("{nope")}} {
			err := db.Tx(context.Background(), func(tx *sqldb.Tx) error { return Schedule(context.Background(), tx, j) })
			if got := errs.CodeOf(err); got != errs.Invalid {
				t.Errorf("Schedule(%+v) code %q (%v), want invalid", j, got, err)
			}
		}
		j := New("test.dup", "", time.Time{}, nil)
		j.ID = ids.New()
		schedule(t, db, j)
		err := db.Tx(context.Background(), func(tx *sqldb.Tx) error { return Schedule(context.Background(), tx, j) })
		if got := errs.CodeOf(err); got != errs.Conflict {
			t.Errorf("Schedule same ID: code %q (%v), want conflict", got, err)
		}
	})
}

func TestIdempotentKeyMovesTheJob(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		var got []string
		r := newRunner(t, db, RunnerOptions{})
		r.Register("test.default", func(ctx context.Context, j Job) error {
			var n notice
			if err := j.Decode(&n); err != nil {
				return err
			}
			got = append(got, n.Case)
			return nil
		})
		first := New("test.default", "application-1", t0.Add(time.Hour), notice{Case: "first"})
		first.ID = ids.New()
		schedule(t, db, first)
		schedule(t, db, New("test.default", "application-1", t0.Add(2*time.Hour), notice{Case: "moved"}))
		// The same key of another kind is another job.
		other := New("test.other", "application-1", t0, nil)
		other.ID = ids.New()
		schedule(t, db, other)

		if n := count(t, db, "SELECT COUNT(*) FROM jobs_job WHERE kind = 'test.default'"); n != 1 {
			t.Fatalf("%d test.default jobs, want 1", n)
		}
		j, err := FindByKey(context.Background(), db, "test.default", "application-1")
		if err != nil {
			t.Fatal(err)
		}
		if j.ID != first.ID || !j.RunAt.Equal(t0.Add(2*time.Hour)) || string(j.Payload) != `{"case":"moved"}` {
			t.Fatalf("after the second Schedule: id %s run_at %v payload %s; want id %s, run_at t0+2h, the new payload",
				j.ID, j.RunAt, j.Payload, first.ID)
		}
		clk.Advance(time.Hour)
		if n := runDue(t, r); n != 0 {
			t.Fatalf("RunDue at the old run_at ran %d, want 0", n)
		}
		clk.Advance(time.Hour)
		if n := runDue(t, r); n != 1 {
			t.Fatalf("RunDue at the new run_at ran %d, want 1", n)
		}
		// Scheduling a done job again changes nothing.
		schedule(t, db, New("test.default", "application-1", clk.Now(), notice{Case: "again"}))
		if n := runDue(t, r); n != 0 {
			t.Errorf("RunDue after rescheduling a done job ran %d, want 0", n)
		}
		if j := find(t, db, first.ID); j.State != StateDone || string(j.Payload) != `{"case":"moved"}` {
			t.Errorf("done job changed: %s %s", j.State, j.Payload)
		}
		if got, want := strings.Join(got, ","), "moved"; got != want {
			t.Errorf("handled %s, want %s", got, want)
		}
	})
}

func TestCancelAndReschedule(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		ctx := context.Background()
		ran := 0
		r := newRunner(t, db, RunnerOptions{})
		r.Register("test.cancel", func(context.Context, Job) error { ran++; return nil })
		j := New("test.cancel", "case-7", t0.Add(time.Hour), nil)
		j.ID = ids.New()
		schedule(t, db, j)
		tx := func(fn func(tx *sqldb.Tx) error) error { return db.Tx(ctx, fn) }

		if err := tx(func(tx *sqldb.Tx) error { return Cancel(ctx, tx, "test.cancel", "case-7") }); err != nil {
			t.Fatal(err)
		}
		if err := tx(func(tx *sqldb.Tx) error { return Cancel(ctx, tx, "test.cancel", "no-such-key") }); err != nil {
			t.Errorf("Cancel of a missing job = %v, want nil", err)
		}
		clk.Advance(2 * time.Hour)
		if n := runDue(t, r); n != 0 || ran != 0 {
			t.Fatalf("cancelled job ran (%d)", n)
		}
		if got := find(t, db, j.ID).State; got != StateCancelled {
			t.Fatalf("state %s, want cancelled", got)
		}

		// Reschedule revives it at a new time.
		at := clk.Now().Add(30 * time.Minute)
		if err := tx(func(tx *sqldb.Tx) error { return Reschedule(ctx, tx, "test.cancel", "case-7", at) }); err != nil {
			t.Fatal(err)
		}
		if n := runDue(t, r); n != 0 {
			t.Fatalf("rescheduled job ran early (%d)", n)
		}
		clk.Advance(30 * time.Minute)
		if n := runDue(t, r); n != 1 || ran != 1 {
			t.Fatalf("rescheduled job: RunDue %d, handler %d; want 1, 1", n, ran)
		}
		err := tx(func(tx *sqldb.Tx) error { return Reschedule(ctx, tx, "test.cancel", "case-7", at) })
		if got := errs.CodeOf(err); got != errs.NotFound {
			t.Errorf("Reschedule of a done job: code %q (%v), want not_found", got, err)
		}
		err = tx(func(tx *sqldb.Tx) error { return Reschedule(ctx, tx, "test.cancel", "missing", at) })
		if got := errs.CodeOf(err); got != errs.NotFound {
			t.Errorf("Reschedule of a missing job: code %q (%v), want not_found", got, err)
		}
	})
}

func TestRetryWithBackoffThenFailed(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		calls := 0
		r := newRunner(t, db, RunnerOptions{})
		r.Register("test.flaky", func(_ context.Context, j Job) error {
			calls++
			if j.Attempts == 2 {
				panic("second attempt panics")
			}
			return fmt.Errorf("attempt %d failed", j.Attempts)
		})
		j := New("test.flaky", "", time.Time{}, nil)
		j.ID = ids.New()
		j.MaxAttempts = 3
		schedule(t, db, j)

		steps := []struct {
			advance   time.Duration
			ran       int
			state     State
			attempts  int
			runAt     time.Duration // since t0
			lastError string
		}{
			{0, 1, StateScheduled, 1, 10 * time.Second, "attempt 1 failed"},
			{9 * time.Second, 0, StateScheduled, 1, 10 * time.Second, "attempt 1 failed"},
			{time.Second, 1, StateScheduled, 2, 30 * time.Second, "second attempt panics"},
			{19 * time.Second, 0, StateScheduled, 2, 30 * time.Second, "second attempt panics"},
			{time.Second, 1, StateFailed, 3, 30 * time.Second, "attempt 3 failed"},
			{24 * time.Hour, 0, StateFailed, 3, 30 * time.Second, "attempt 3 failed"},
		}
		for i, s := range steps {
			clk.Advance(s.advance)
			if n := runDue(t, r); n != s.ran {
				t.Fatalf("step %d: RunDue ran %d, want %d", i, n, s.ran)
			}
			got := find(t, db, j.ID)
			if got.State != s.state || got.Attempts != s.attempts || !got.RunAt.Equal(t0.Add(s.runAt)) ||
				!strings.Contains(got.LastError, s.lastError) {
				t.Fatalf("step %d: state %s attempts %d run_at t0+%v last_error %q; want %s %d t0+%v %q",
					i, got.State, got.Attempts, got.RunAt.Sub(t0), got.LastError, s.state, s.attempts, s.runAt, s.lastError)
			}
		}
		if calls != 3 {
			t.Errorf("handler called %d times, want 3", calls)
		}
		if s := r.Stats(); s.Retried != 2 || s.Failed != 1 || s.Done != 0 {
			t.Errorf("Stats = %+v, want 2 retried, 1 failed", s)
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {9, 2560 * time.Second}, {10, time.Hour}, {50, time.Hour}} {
		if got := DefaultBackoff(c.attempt); got != c.want {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", c.attempt, got, c.want)
		}
	}
}

// TestLeaseExpiryReclaims simulates a crashed runner: it claims jobs and
// never finishes them. Another runner takes them over once the lease has
// expired, and the crashed runner's late writes change nothing.
func TestLeaseExpiryReclaims(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		ctx := context.Background()
		createEffects(t, db)
		handler := func(owner string) Handler {
			return func(ctx context.Context, j Job) error {
				return db.Tx(ctx, func(tx *sqldb.Tx) error {
					if err := addEffect(ctx, tx, j, owner); err != nil {
						return err
					}
					return Done(ctx, tx, j.ID)
				})
			}
		}
		crashed := newRunner(t, db, RunnerOptions{Owner: "crashed"})
		crashed.Register("test.lease", handler("crashed"))
		survivor := newRunner(t, db, RunnerOptions{Owner: "survivor"})
		survivor.Register("test.lease", handler("survivor"))

		retried := New("test.lease", "retried", time.Time{}, nil)
		retried.ID = ids.New()
		last := New("test.lease", "last", time.Time{}, nil)
		last.ID = ids.New()
		last.MaxAttempts = 1
		schedule(t, db, retried, last)
		held, err := crashed.claim(ctx, 10)
		if err != nil || len(held) != 2 {
			t.Fatalf("crashed runner claimed %d jobs (%v), want 2", len(held), err)
		}

		if n := runDue(t, survivor); n != 0 {
			t.Fatalf("RunDue under a live lease ran %d, want 0", n)
		}
		clk.Advance(time.Minute - time.Microsecond)
		if n := runDue(t, survivor); n != 0 {
			t.Fatalf("RunDue just before the lease ends ran %d, want 0", n)
		}
		clk.Advance(time.Microsecond)
		if n := runDue(t, survivor); n != 1 {
			t.Fatalf("RunDue after the lease ran %d, want 1", n)
		}
		if j := find(t, db, retried.ID); j.State != StateDone || j.Attempts != 2 {
			t.Errorf("reclaimed job: state %s attempts %d, want done 2", j.State, j.Attempts)
		}
		// The job whose only attempt crashed is failed, not run again.
		if j := find(t, db, last.ID); j.State != StateFailed || !strings.Contains(j.LastError, "lease expired") {
			t.Errorf("job whose last attempt crashed: state %s last_error %q, want failed, lease expired", j.State, j.LastError)
		}
		if s := survivor.Stats(); s.Failed != 1 || s.Done != 1 {
			t.Errorf("survivor Stats = %+v, want 1 done, 1 failed", s)
		}

		// The crashed runner wakes up: its Done and its mark are fenced off.
		for _, c := range held {
			hctx := context.WithValue(ctx, claimKey{}, claim{id: c.job.ID, token: c.token})
			err := handler("crashed")(hctx, c.job)
			if got := errs.CodeOf(err); got != errs.Conflict {
				t.Errorf("late handler of %s: code %q (%v), want conflict", c.job.Key, got, err)
			}
			crashed.finish(ctx, c, nil)
			crashed.finish(ctx, c, errors.New("late failure"))
		}
		if j := find(t, db, retried.ID); j.State != StateDone || j.Attempts != 2 || j.LastError != "" {
			t.Errorf("after the late writes: %+v", j)
		}
		if j := find(t, db, last.ID); j.State != StateFailed {
			t.Errorf("after the late writes the failed job is %s", j.State)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM test_effect"); got != 1 {
			t.Errorf("%d effects, want 1", got)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM test_effect WHERE owner = 'survivor' AND job_id = ?", retried.ID); got != 1 {
			t.Errorf("survivor's effect missing")
		}
	})
}

func TestDoneInsideTheHandlersTx(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		ctx := context.Background()
		createEffects(t, db)
		r := newRunner(t, db, RunnerOptions{Owner: "r"})
		r.Register("test.effect", func(ctx context.Context, j Job) error {
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				if err := addEffect(ctx, tx, j, "r"); err != nil {
					return err
				}
				return Done(ctx, tx, j.ID)
			})
			if err != nil {
				return err
			}
			// Done committed: an error now (or a crash) does not run the effect again.
			return errors.New("failure after the effect")
		})
		j := New("test.effect", "", time.Time{}, nil)
		j.ID = ids.New()
		schedule(t, db, j)
		if n := runDue(t, r); n != 1 {
			t.Fatalf("RunDue ran %d, want 1", n)
		}
		clk.Advance(24 * time.Hour)
		if n := runDue(t, r); n != 0 {
			t.Fatalf("RunDue ran %d again, want 0", n)
		}
		got := find(t, db, j.ID)
		if got.State != StateDone || !got.DoneAt.Equal(t0) || got.LastError != "" {
			t.Errorf("job: state %s done_at %v last_error %q, want done at t0", got.State, got.DoneAt, got.LastError)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM test_effect"); n != 1 {
			t.Errorf("%d effects, want 1", n)
		}

		// Outside a handler, Done completes a pending job, which then never runs.
		p := New("test.effect", "", clk.Now(), nil)
		p.ID = ids.New()
		schedule(t, db, p)
		for range 2 { // the second time it is already done: nil
			if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return Done(ctx, tx, p.ID) }); err != nil {
				t.Fatalf("Done outside a handler: %v", err)
			}
		}
		if n := runDue(t, r); n != 0 {
			t.Errorf("a job marked done ran (%d)", n)
		}
		err := db.Tx(ctx, func(tx *sqldb.Tx) error { return Done(ctx, tx, ids.New()) })
		if got := errs.CodeOf(err); got != errs.NotFound {
			t.Errorf("Done of a missing job: code %q (%v), want not_found", got, err)
		}
	})
}

// TestStartWakesAndStopWaits checks that a job scheduled for now wakes a
// started runner (its poll is an hour), and that Stop waits for the
// running handler.
func TestStartWakesAndStopWaits(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		r := newRunner(t, db, RunnerOptions{Poll: time.Hour})
		started, release := make(chan string, 1), make(chan struct{})
		r.Register("test.slow", func(ctx context.Context, j Job) error {
			started <- j.ID
			<-release
			return nil
		})
		r.Start(context.Background())
		j := New("test.slow", "", time.Time{}, nil)
		j.ID = ids.New()
		schedule(t, db, j)
		select {
		case id := <-started:
			if id != j.ID {
				t.Fatalf("started %s, want %s", id, j.ID)
			}
		case <-time.After(waitTimeout):
			t.Fatal("a job due now did not start")
		}
		if got := r.Stats().Running; got != 1 {
			t.Errorf("Stats.Running = %d, want 1", got)
		}
		stopped := make(chan error, 1)
		go func() { stopped <- r.Stop(context.Background()) }()
		close(release)
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		if got := find(t, db, j.ID).State; got != StateDone {
			t.Errorf("after Stop the job is %s, want done", got)
		}
	})
}

func TestStopCancelsHandlersWhenItsContextEnds(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		r := NewRunner(db, RunnerOptions{Logger: testLogger(t)})
		started := make(chan struct{})
		r.Register("test.stuck", func(ctx context.Context, j Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		r.Start(context.Background())
		j := New("test.stuck", "", time.Time{}, nil)
		j.ID = ids.New()
		schedule(t, db, j)
		<-started
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := r.Stop(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Stop = %v, want context.Canceled", err)
		}
		// The cancelled handler's failure is recorded as a retry.
		if err := r.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := find(t, db, j.ID); got.State != StateScheduled || got.Attempts != 1 {
			t.Errorf("stuck job: state %s attempts %d, want scheduled 1", got.State, got.Attempts)
		}
	})
}
