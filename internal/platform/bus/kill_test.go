//go:build unix

package bus

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/pgtest"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// Environment of the child process of TestKill9.
const (
	envKillMode = "ECOURT_BUS_KILL_MODE" // "marked", "commit" or "publish"
	envKillDB   = "ECOURT_BUS_KILL_DB"
	envKillDir  = "ECOURT_BUS_KILL_DIR"
	envKillID   = "ECOURT_BUS_KILL_ID"
)

// TestKill9 really kills a process running the outbox with SIGKILL, three
// times:
//
//  0. "marked": the child's bus fsyncs only once a minute (SyncInterval,
//     as at synchronous=NORMAL); its relay publishes an event, JetStream
//     acknowledges it, the row is marked published, and the child is
//     killed long before any fsync: the event must still be in the stream,
//     since nothing else would ever publish it again;
//  1. "publish": the child's relay publishes an event, JetStream stores
//     and acknowledges it, and the child is killed before the row is
//     marked published;
//  2. "commit": the next child commits an event and is killed before any
//     relay ran (between commit and publish).
//
// Then this process opens the same database and the same JetStream data
// directory, starts a relay and a durable subscriber, and each event
// arrives exactly once.
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
	db := openURL(t, dbURL)
	dir := t.TempDir()
	marked, committed, published := ids.New(), ids.New(), ids.New()
	// "marked" and "publish" first, or their relays would publish the
	// other children's events too.
	runChild(t, "marked", dbURL, dir, marked)
	runChild(t, "publish", dbURL, dir, published)
	runChild(t, "commit", dbURL, dir, committed)

	b := openBus(t, dir)
	// The state the kills left: one event marked published and in the
	// stream, one only in the database, one in the stream as well, neither
	// of the last two marked published.
	if got := streamMsgs(t, b); got != 2 {
		t.Fatalf("after the kills the stream holds %d messages, want 2", got)
	}
	if ok, _ := publishedAt(t, db, marked); !ok {
		t.Fatalf("row %s not marked published", marked)
	}
	for _, id := range []string{committed, published} {
		if ok, _ := publishedAt(t, db, id); ok {
			t.Fatalf("row %s marked published by a killed process", id)
		}
	}

	rec := subscribe(t, b, "survivor", "ecourt.>")
	b.StartRelay(ctx, db)
	rec.waitFor(t, committed)
	rec.waitFor(t, published)
	sentinel(t, b, db, rec)
	counts := rec.counts()
	for _, id := range []string{marked, committed, published} {
		if counts[id] != 1 {
			t.Errorf("event %s delivered %d times, want 1", id, counts[id])
		}
	}
	if got := streamMsgs(t, b); got != 4 {
		t.Errorf("stream holds %d messages, want 4", got)
	}
	if got := b.Stats().Duplicates; got != 1 {
		t.Errorf("Stats.Duplicates = %d, want 1 (the killed relay's event, republished)", got)
	}
}

func runChild(t *testing.T, mode, dbURL, dir, id string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillMode+"="+mode, envKillDB+"="+dbURL, envKillDir+"="+dir, envKillID+"="+id)
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
	ev := NewEvent("ecourt.test.process.killed", map[string]string{"mode": mode})
	ev.ID = os.Getenv(envKillID)
	kill := func() error {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL cannot be caught; wait for it
	}
	switch mode {
	case "marked":
		b, err := Open(ctx, Config{DataDir: os.Getenv(envKillDir), Logger: testLogger(t), SyncInterval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		enqueue(t, db, ev)
		b.StartRelay(ctx, db)
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := publishedAt(t, db, ev.ID); !ok {
			t.Fatal("not marked published after Flush")
		}
		kill()
	case "commit":
		enqueue(t, db, ev)
		kill()
	case "publish":
		b, err := Open(ctx, Config{DataDir: os.Getenv(envKillDir), Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		relayHooks.afterPublish.Store(&kill)
		enqueue(t, db, ev)
		b.StartRelay(ctx, db)
		_ = b.Flush(ctx)
	}
	t.Fatalf("child %s survived", mode)
}

func openURL(t *testing.T, url string) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, url, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, Migrations); err != nil {
		t.Fatal(err)
	}
	return db
}
