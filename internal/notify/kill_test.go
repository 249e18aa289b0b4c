//go:build unix

package notify

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/pgtest"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// Environment of the child processes of TestKill9.
const (
	envKillMode = "ECOURT_NOTIFY_KILL_MODE" // "hook", "burst" or "finish"
	envKillDB   = "ECOURT_NOTIFY_KILL_DB"
	envKillDir  = "ECOURT_NOTIFY_KILL_DIR"  // the bus's data directory
	envKillSMS  = "ECOURT_NOTIFY_KILL_SMS"  // the gateway's URL, in the parent
	envKillAcks = "ECOURT_NOTIFY_KILL_ACKS" // committed message IDs, one a line
	envKillSeq  = "ECOURT_NOTIFY_KILL_SEQ"  // first message number of this child
)

const (
	killRecipients = 3  // SMS recipients per message
	killMessages   = 30 // messages per burst
	killAfterSends = 12 // "hook": die after the gateway accepted this many
)

// TestKill9 kills processes running the pipeline with SIGKILL during a
// burst of notifications, restarts them on the same database and bus
// directory, and checks that the SMS gateway — a separate HTTP server in
// this process, outside the killed ones — received every acknowledged
// notification exactly once:
//
//  1. "hook": the child enqueues a burst (acknowledging each committed
//     message in a file) while its dispatcher sends, and kills itself
//     right after the gateway accepted the 12th message and before the
//     outcome was recorded;
//  2. "burst": the next child resolves what the first left "sending",
//     enqueues another burst and is killed by this process at an
//     arbitrary moment, once the gateway has seen more messages;
//  3. "finish": the last child runs until every acknowledged message is
//     sent, and exits.
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
	db, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, sets...); err != nil {
		t.Fatal(err)
	}
	gw := NewDevSMS(DevSMSOptions{Name: "gateway"})
	srv := httptest.NewServer(gw.Handler())
	defer srv.Close()
	dir, acks := t.TempDir(), filepath.Join(t.TempDir(), "acks")
	env := []string{envKillDB + "=" + dbURL, envKillDir + "=" + dir, envKillSMS + "=" + srv.URL, envKillAcks + "=" + acks}

	// 1. Killed by its own hook at the delicate point.
	out, err := childCmd("hook", 0, env).CombinedOutput()
	mustBeKilled(t, "hook", err, out)
	if n := len(gw.Sent()); n < killAfterSends {
		t.Fatalf("the first child was killed after %d sends, want ≥ %d", n, killAfterSends)
	}
	sendingLeft := count(t, db, `SELECT COUNT(*) FROM notify_delivery WHERE status = 'sending'`)
	if sendingLeft == 0 {
		t.Fatal("the first child left nothing in \"sending\"; the test did not hit the delicate point")
	}

	// 2. Killed by this process, mid-burst.
	base := len(gw.Sent())
	cmd := childCmd("burst", killMessages, env)
	var buf syncBuffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitTimeout)
	// Mid-burst: some of its own messages committed, and the gateway busy.
	for (len(gw.Sent()) < base+killAfterSends || countLines(acks) < killMessages+killMessages/3) && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	mustBeKilled(t, "burst", cmd.Wait(), buf.Bytes())

	// 3. Runs to the end.
	if out, err := childCmd("finish", 0, env).CombinedOutput(); err != nil {
		t.Fatalf("finish: %v\n%s", err, out)
	}

	acked := readAcks(t, acks)
	if len(acked) <= killMessages {
		t.Fatalf("only %d messages acknowledged; the second burst did not start", len(acked))
	}
	t.Logf("%d messages acknowledged, %d left sending by the hook, %d SMS accepted", len(acked), sendingLeft, len(gw.Sent()))
	// Every acknowledged message: each recipient's SMS sent, and
	// accepted by the gateway exactly once, with the gateway's own ID.
	byRef := map[string][]DevText{}
	for _, s := range gw.Sent() {
		byRef[s.ClientRef] = append(byRef[s.ClientRef], s)
	}
	for _, id := range acked {
		rows, err := db.Query(ctx, `SELECT id, status, provider_message_id FROM notify_delivery WHERE message_id = ? AND channel = 'sms'`, id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var did, status, pid string
			if err := rows.Scan(&did, &status, &pid); err != nil {
				t.Fatal(err)
			}
			n++
			got := byRef[did]
			switch {
			case status != string(StatusSent):
				t.Errorf("message %s delivery %s is %s", id, did, status)
			case len(got) != 1:
				t.Errorf("message %s delivery %s reached the gateway %d times", id, did, len(got))
			case got[0].ID != pid:
				t.Errorf("delivery %s recorded provider ID %q, the gateway gave %q", did, pid, got[0].ID)
			}
		}
		rows.Close()
		if n != killRecipients {
			t.Errorf("message %s has %d SMS deliveries, want %d", id, n, killRecipients)
		}
		if k := count(t, db, `SELECT COUNT(*) FROM notify_inbox WHERE message_id = ?`, id); k != killRecipients {
			t.Errorf("message %s has %d inbox rows, want %d", id, k, killRecipients)
		}
	}
	for ref, got := range byRef {
		if len(got) != 1 {
			t.Errorf("client reference %s accepted %d times", ref, len(got))
		}
	}
}

func childCmd(mode string, seq int, env []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), env...), envKillMode+"="+mode, envKillSeq+"="+strconv.Itoa(seq))
	return cmd
}

func mustBeKilled(t *testing.T, mode string, err error, out []byte) {
	t.Helper()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child %s was not killed (err %v):\n%s", mode, err, out)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child %s ended with %v, want SIGKILL:\n%s", mode, err, out)
	}
}

func count(t *testing.T, db *sqldb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func readAcks(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b...)
}

// killDirectory gives every test account a phone.
func killDirectory() MapDirectory {
	d := MapDirectory{}
	for i := range 100 {
		d[fmt.Sprintf("k-%02d", i)] = Contact{Language: []string{"zh-CN", "en"}[i%2], Phone: fmt.Sprintf("138000000%02d", i)}
	}
	return d
}

// TestKill9Child is a child process of TestKill9; it does nothing in a
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
	b, err := bus.Open(ctx, bus.Config{DataDir: os.Getenv(envKillDir), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	smsc, err := NewSMSChannel(SMSOptions{Logger: testLogger(t)},
		SMSRoute{Provider: &HTTPSMS{ProviderName: "gateway", URL: os.Getenv(envKillSMS)}, Rate: 2000, Burst: 50})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{DB: db, Bus: b, Directory: killDirectory(), Logger: testLogger(t)},
		Options{SMS: smsc, SendTimeout: 500 * time.Millisecond, SweepInterval: 50 * time.Millisecond,
			QueuedGrace: 300 * time.Millisecond, RetryBase: 50 * time.Millisecond, RetryMax: 500 * time.Millisecond,
			FanoutBatch: 2, DispatchBatch: 4, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	kill := func() {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL cannot be caught; wait for it
	}
	if mode == "hook" {
		var mu sync.Mutex
		sends := 0
		h := func(string) {
			mu.Lock()
			sends++
			n := sends
			mu.Unlock()
			if n == killAfterSends {
				kill()
			}
			if n > killAfterSends {
				select {} // the process is going; record nothing more
			}
		}
		testHooks.afterSend.Store(&h)
	}
	b.StartRelay(ctx, db)
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if mode == "finish" {
		deadline := time.Now().Add(waitTimeout)
		for time.Now().Before(deadline) {
			var open int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_delivery WHERE status <> 'sent'`).Scan(&open); err != nil {
				t.Fatal(err)
			}
			var pending int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_message WHERE fanned_out_at IS NULL`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if open == 0 && pending == 0 {
				s.Stop()
				b.Close()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		rows, _ := db.Query(ctx, `SELECT status, error_code, COUNT(*) FROM notify_delivery GROUP BY status, error_code`)
		for rows.Next() {
			var st, code string
			var n int
			_ = rows.Scan(&st, &code, &n)
			t.Logf("%s %s: %d", st, code, n)
		}
		rows.Close()
		var pending int
		_ = db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_message WHERE fanned_out_at IS NULL`).Scan(&pending)
		t.Fatalf("not everything was sent in time (%d messages not fanned out)", pending)
	}
	acks, err := os.OpenFile(os.Getenv(envKillAcks), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := strconv.Atoi(os.Getenv(envKillSeq))
	var ackMu sync.Mutex
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < killMessages; i += 3 {
				n := seq + i
				m := Message{ID: fmt.Sprintf("kill-%04d", n), Ref: "kill", Channels: []Channel{Inbox, SMS}, Template: "filing.accepted", Data: sample}
				for j := range killRecipients {
					m.Recipients = append(m.Recipients, fmt.Sprintf("k-%02d", (n*killRecipients+j)%100))
				}
				err := db.Tx(ctx, func(tx *sqldb.Tx) error { return Enqueue(ctx, tx, m) })
				if err != nil {
					t.Error(err)
					return
				}
				// Acknowledged: written down only after the commit.
				ackMu.Lock()
				_, _ = acks.WriteString(m.ID + "\n")
				_ = acks.Sync()
				ackMu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	time.Sleep(waitTimeout) // until killed
	t.Fatalf("child %s survived", mode)
}
