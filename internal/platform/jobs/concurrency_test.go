package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// TestTwoRunnersRunEachJobOnce starts two runners on one table and checks
// that each of 200 jobs ran exactly once and never on both at the same
// time. On PostgreSQL the runners really claim concurrently (FOR UPDATE
// SKIP LOCKED); on SQLite the single writer serialises the claims.
func TestTwoRunnersRunEachJobOnce(t *testing.T) {
	forEach(t, func(t *testing.T, db *sqldb.DB, clk *clock.Fixed) {
		const jobs = 200
		createEffects(t, db)
		var (
			mu      sync.Mutex
			running = map[string]bool{}
			overlap []string
		)
		handler := func(owner string) Handler {
			return func(ctx context.Context, j Job) error {
				mu.Lock()
				if running[j.ID] {
					overlap = append(overlap, j.ID)
				}
				running[j.ID] = true
				mu.Unlock()
				defer func() {
					mu.Lock()
					delete(running, j.ID)
					mu.Unlock()
				}()
				// No Done here: exclusivity must come from the claims alone.
				return db.Tx(ctx, func(tx *sqldb.Tx) error { return addEffect(ctx, tx, j, owner) })
			}
		}
		var runners []*Runner
		for _, owner := range []string{"a", "b"} {
			r := newRunner(t, db, RunnerOptions{Owner: owner, Poll: 10 * time.Millisecond, Concurrency: 4})
			r.Register("test.once", handler(owner))
			r.Start(context.Background())
			runners = append(runners, r)
		}
		var all []Job
		for range jobs {
			j := New("test.once", "", time.Time{}, nil)
			j.ID = ids.New()
			all = append(all, j)
		}
		// Several transactions, so the runners are already busy while jobs arrive.
		for i := 0; i < jobs; i += 20 {
			schedule(t, db, all[i:i+20]...)
		}
		waitUntil(t, "all jobs done", func() bool {
			return count(t, db, "SELECT COUNT(*) FROM jobs_job WHERE state = 'done'") == jobs
		})
		for _, r := range runners {
			if err := r.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if len(overlap) > 0 {
			t.Errorf("jobs run by both runners at once: %v", overlap)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM test_effect"); got != jobs {
			t.Errorf("%d executions, want %d", got, jobs)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM (SELECT job_id FROM test_effect GROUP BY job_id HAVING COUNT(*) <> 1) x"); got != 0 {
			t.Errorf("%d jobs not executed exactly once", got)
		}
		a, b := runners[0].Stats(), runners[1].Stats()
		if got := a.Done + b.Done; got != jobs {
			t.Errorf("Stats.Done %d + %d, want %d", a.Done, b.Done, jobs)
		}
		t.Logf("runner a ran %d, runner b ran %d", a.Done, b.Done)
	})
}
