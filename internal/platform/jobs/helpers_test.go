package jobs

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// waitTimeout bounds every wait for an asynchronous outcome; it is a
// failure deadline, not a timing assertion.
const waitTimeout = 15 * time.Second

// t0 is the tests' starting time.
var t0 = time.Date(2025, 3, 3, 1, 0, 0, 0, time.UTC)

// forEach runs fn on both dialects with a fixed clock set to t0 at the
// start of each subtest.
func forEach(t *testing.T, fn func(t *testing.T, db *sqldb.DB, clk *clock.Fixed)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, []sqldb.MigrationSet{Migrations}, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		fn(t, db, clk)
	})
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func newRunner(t testing.TB, db *sqldb.DB, opts RunnerOptions) *Runner {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	r := NewRunner(db, opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return r
}

// schedule commits js in one transaction.
func schedule(t testing.TB, db *sqldb.DB, js ...Job) {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		for _, j := range js {
			if err := Schedule(context.Background(), tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("schedule: %v", err)
	}
}

func runDue(t testing.TB, r *Runner) int {
	t.Helper()
	n, err := r.RunDue(context.Background())
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	return n
}

func find(t testing.TB, db *sqldb.DB, id string) Job {
	t.Helper()
	j, err := Find(context.Background(), db, id)
	if err != nil {
		t.Fatalf("Find %s: %v", id, err)
	}
	return j
}

func count(t testing.TB, db *sqldb.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
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

// createEffects makes the table in which test handlers record their
// effects, one row per execution.
func createEffects(t testing.TB, db *sqldb.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `CREATE TABLE test_effect (
		job_id TEXT NOT NULL, owner TEXT NOT NULL, attempt INTEGER NOT NULL)`); err != nil {
		t.Fatalf("create test_effect: %v", err)
	}
}

func addEffect(ctx context.Context, tx *sqldb.Tx, j Job, owner string) error {
	_, err := tx.Exec(ctx, "INSERT INTO test_effect (job_id, owner, attempt) VALUES (?, ?, ?)", j.ID, owner, j.Attempts)
	return err
}
