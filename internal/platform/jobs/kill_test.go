//go:build unix

package jobs

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/pgtest"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// Environment of the child process of TestKill9.
const (
	envKillMode = "ECOURT_JOBS_KILL_MODE" // "before" or "after" (the commit of the handler's effect)
	envKillDB   = "ECOURT_JOBS_KILL_DB"
)

// TestKill9 really kills a runner process with SIGKILL inside a handler,
// twice:
//
//  1. "before": the handler is killed inside its transaction, before the
//     effect commits;
//  2. "after": the handler commits its effect together with Done and is
//     killed before the runner marks the job done.
//
// Then this process opens the same database and, once the child's lease
// has expired, runs what is due: the first job runs again (its effect was
// lost with the transaction), the second does not (Done committed with the
// effect). Each effect exists exactly once.
func TestKill9(t *testing.T) {
	if os.Getenv(envKillMode) != "" {
		t.Skip("in the child")
	}
	t.Run("sqlite", func(t *testing.T) {
		testKill9(t, "sqlite://"+filepath.Join(t.TempDir(), "kill.db"))
	})
	if sqldbtest.PostgresConfigured() || os.Getenv("CI") == "true" {
		t.Run("postgres", func(t *testing.T) { testKill9(t, pgtest.Fresh(t)) })
	}
}

func testKill9(t *testing.T, dbURL string) {
	ctx := context.Background()
	// The children use the system clock; this process starts at its time.
	clk := clock.NewFixed(time.Now())
	db, err := sqldb.Open(ctx, dbURL, sqldb.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, Migrations); err != nil {
		t.Fatal(err)
	}
	createEffects(t, db)

	before := New("test.kill.before", "", time.Time{}, nil)
	before.ID = ids.New()
	after := New("test.kill.after", "", time.Time{}, nil)
	after.ID = ids.New()
	schedule(t, db, before, after)
	runKillChild(t, "before", dbURL)
	runKillChild(t, "after", dbURL)

	// The state the kills left.
	if j := find(t, db, before.ID); j.State != StateRunning || j.Attempts != 1 {
		t.Fatalf("job killed before its commit: state %s attempts %d, want running 1", j.State, j.Attempts)
	}
	if j := find(t, db, after.ID); j.State != StateDone || j.Attempts != 1 {
		t.Fatalf("job killed after its commit: state %s attempts %d, want done 1", j.State, j.Attempts)
	}

	r := newRunner(t, db, RunnerOptions{Owner: "survivor"})
	for _, kind := range []string{"test.kill.before", "test.kill.after"} {
		r.Register(kind, effectOnce(db, "survivor"))
	}
	if n := runDue(t, r); n != 0 {
		t.Fatalf("RunDue under the dead child's lease ran %d, want 0", n)
	}
	clk.Advance(2 * time.Minute)
	// On PostgreSQL the server may take a moment to notice the dead
	// connection and release its row locks.
	ran := 0
	waitUntil(t, "the killed job runs again", func() bool {
		ran += runDue(t, r)
		return ran >= 1
	})
	if ran != 1 {
		t.Errorf("RunDue ran %d jobs, want 1", ran)
	}
	for _, c := range []struct {
		id, owner string
		attempts  int
	}{{before.ID, "survivor", 2}, {after.ID, "child", 1}} {
		if j := find(t, db, c.id); j.State != StateDone || j.Attempts != c.attempts {
			t.Errorf("job %s: state %s attempts %d, want done %d", j.Kind, j.State, j.Attempts, c.attempts)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM test_effect WHERE job_id = ?", c.id); got != 1 {
			t.Errorf("job %s: %d effects, want 1", c.id, got)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM test_effect WHERE job_id = ? AND owner = ?", c.id, c.owner); got != 1 {
			t.Errorf("job %s: effect not made by %s", c.id, c.owner)
		}
	}
}

// effectOnce is the exactly-once handler: effect and Done in one transaction.
func effectOnce(db *sqldb.DB, owner string) Handler {
	return func(ctx context.Context, j Job) error {
		return db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := addEffect(ctx, tx, j, owner); err != nil {
				return err
			}
			return Done(ctx, tx, j.ID)
		})
	}
}

func runKillChild(t *testing.T, mode, dbURL string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillMode+"="+mode, envKillDB+"="+dbURL)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child %s was not killed (err %v):\n%s", mode, err, out)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %s ended with %v, want SIGKILL:\n%s", mode, err, out)
	}
}

// TestKill9Child is the child process of TestKill9; it does nothing in a
// normal run.
func TestKill9Child(t *testing.T) {
	mode := os.Getenv(envKillMode)
	if mode == "" {
		t.Skip("only run as TestKill9's child")
	}
	ctx := context.Background()
	db, err := sqldb.Open(ctx, os.Getenv(envKillDB), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kill := func() {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL cannot be caught; wait for it
	}
	r := NewRunner(db, RunnerOptions{Owner: "child", Logger: testLogger(t)})
	switch mode {
	case "before":
		r.Register("test.kill.before", func(ctx context.Context, j Job) error {
			return db.Tx(ctx, func(tx *sqldb.Tx) error {
				if err := addEffect(ctx, tx, j, "child"); err != nil {
					return err
				}
				kill()
				return nil
			})
		})
	case "after":
		once := effectOnce(db, "child")
		r.Register("test.kill.after", func(ctx context.Context, j Job) error {
			if err := once(ctx, j); err != nil {
				return err
			}
			kill()
			return nil
		})
	}
	_, _ = r.RunDue(ctx)
	t.Fatalf("child %s survived", mode)
}
