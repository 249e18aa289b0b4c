package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/google/go-cmp/cmp"
)

var sets = []sqldb.MigrationSet{Migrations}

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(Migrations); err != nil {
		t.Fatal(err)
	}
	var got [][]sqldb.Column
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		cols, err := db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mine []sqldb.Column
		for _, c := range cols {
			if c.Table == "bus_outbox" || c.Table == "bus_processed" {
				mine = append(mine, c)
			}
		}
		if len(mine) != 15 {
			t.Errorf("got %d bus columns, want 15: %v", len(mine), mine)
		}
		got = append(got, mine)
	})
	if len(got) == 2 {
		if d := cmp.Diff(got[0], got[1]); d != "" {
			t.Errorf("sqlite and postgres columns differ (-sqlite +postgres):\n%s", d)
		}
	}
}

func TestValidType(t *testing.T) {
	tests := []struct {
		typ string
		ok  bool
	}{
		{"ecourt.filing.application.accepted", true},
		{"ecourt.delivery.notice.served_by_post", true},
		{"ecourt.a.b.c.d", true},
		{"ecourt.filing.accepted", false},
		{"ecourt.Filing.application.accepted", false},
		{"ecourt.filing.application.*", false},
		{"ecourt.filing..accepted", false},
		{"court.filing.application.accepted", false},
		{"ecourt.filing.application.accepted ", false},
		{"ecourt.filing.1st.accepted", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidType(tt.typ) == nil; got != tt.ok {
			t.Errorf("ValidType(%q) ok = %v, want %v", tt.typ, got, tt.ok)
		}
	}
	filters := []struct {
		f  string
		ok bool
	}{
		{"ecourt.>", true},
		{"ecourt.filing.>", true},
		{"ecourt.*.case.closed", true},
		{"ecourt.>.x", false},
		{">", false},
	}
	for _, tt := range filters {
		if got := checkSubject(tt.f, true) == nil; got != tt.ok {
			t.Errorf("checkSubject(%q, true) ok = %v, want %v", tt.f, got, tt.ok)
		}
	}
}

func TestEnqueueInvalid(t *testing.T) {
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, sets...)
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		return Enqueue(context.Background(), tx, NewEvent("filing.accepted", nil))
	})
	if got, want := errs.CodeOf(err), errs.Invalid; got != want {
		t.Errorf("Enqueue(bad type) code = %q, want %q (err %v)", got, want, err)
	}
}

type accepted struct {
	ApplicationID string `json:"application_id"`
	FeeFen        int64  `json:"fee_fen"`
}

// TestCommitAndRollback: an event enqueued in a committed transaction
// arrives exactly once, with every field intact; one enqueued in a
// rolled-back transaction is never published.
func TestCommitAndRollback(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 2, 3, 456789000, time.UTC)
	opts := sqldbtest.Options{Clock: clock.NewFixed(now)}
	sqldbtest.ForEach(t, opts, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		b := openBus(t, t.TempDir())
		rec := subscribe(t, b, "commit", "ecourt.>")
		b.StartRelay(ctx, db)

		ev := NewEvent("ecourt.filing.application.accepted", accepted{ApplicationID: "A-1", FeeFen: 5000})
		ev.CourtID, ev.CaseID, ev.Actor = "court-1", "case-1", "clerk-7"
		var committed Event
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := Enqueue(ctx, tx, ev); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT id FROM bus_outbox").Scan(&committed.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		errRollback := errors.New("rollback")
		var rolledBack string
		err = db.Tx(ctx, func(tx *sqldb.Tx) error {
			e := NewEvent("ecourt.filing.application.rejected", nil)
			e.ID = "0190aaaa-0000-7000-8000-000000000001"
			rolledBack = e.ID
			if err := Enqueue(ctx, tx, e); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("rollback tx: %v", err)
		}

		// No Flush: the commit wakes the relay.
		rec.waitFor(t, committed.ID)
		sentinel(t, b, db, rec)

		counts := rec.counts()
		if got := counts[committed.ID]; got != 1 {
			t.Errorf("committed event delivered %d times, want 1", got)
		}
		if got := counts[rolledBack]; got != 0 {
			t.Errorf("rolled-back event delivered %d times, want 0", got)
		}
		if got, want := streamMsgs(t, b), uint64(2); got != want {
			t.Errorf("stream holds %d messages, want %d (event + sentinel)", got, want)
		}
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM bus_outbox WHERE id = ?", rolledBack).Scan(&n); err != nil || n != 0 {
			t.Errorf("rolled-back outbox rows = %d (%v), want 0", n, err)
		}
		if ok, attempts := publishedAt(t, db, committed.ID); !ok || attempts != 1 {
			t.Errorf("outbox row published=%v attempts=%d, want true 1", ok, attempts)
		}

		rec.mu.Lock()
		got := rec.evs[committed.ID]
		rec.mu.Unlock()
		want := Event{ID: committed.ID, Type: ev.Type, CourtID: "court-1", CaseID: "case-1", Actor: "clerk-7",
			Time: now.Truncate(time.Microsecond), Version: 1, Payload: json.RawMessage(`{"application_id":"A-1","fee_fen":5000}`)}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("delivered event (-want +got):\n%s", d)
		}
		var p accepted
		if err := got.Decode(&p); err != nil || p.FeeFen != 5000 {
			t.Errorf("Decode = %+v, %v", p, err)
		}
		st := b.Stats()
		if st.Published != 2 || st.Pending != 0 || st.Failed != 0 {
			t.Errorf("Stats = %+v, want 2 published, 0 pending, 0 failed", st)
		}
	})
}

// TestCrashAfterCommitBeforePublish: the process committed the event and
// died before any relay published it. A relay started later publishes it,
// and it arrives once.
func TestCrashAfterCommitBeforePublish(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ev := enqueue(t, db, NewEvent("ecourt.hearing.session.scheduled", map[string]string{"room": "3"}))[0]

		b := openBus(t, t.TempDir())
		rec := subscribe(t, b, "late", "ecourt.hearing.>")
		b.StartRelay(context.Background(), db)
		rec.waitFor(t, ev.ID)
		if err := b.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		ev2 := enqueue(t, db, NewEvent("ecourt.hearing.session.opened", nil))[0]
		if err := b.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.waitFor(t, ev2.ID)
		if got := rec.counts(); got[ev.ID] != 1 || got[ev2.ID] != 1 {
			t.Errorf("deliveries = %v, want each event once", got)
		}
	})
}

// TestCrashAfterPublishBeforeMark: JetStream acknowledged the event but the
// relay died before marking the row. The next relay republishes it, and
// JetStream drops the copy by message ID: the subscriber sees it once.
func TestCrashAfterPublishBeforeMark(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		b := openBus(t, t.TempDir())
		rec := subscribe(t, b, "crash", "ecourt.>")

		crash := errors.New("relay crashed")
		hook := func() error { return crash }
		relayHooks.afterPublish.Store(&hook)
		t.Cleanup(func() { relayHooks.afterPublish.Store(nil) })

		ev := enqueue(t, db, NewEvent("ecourt.casefile.case.registered", nil))[0]
		b.StartRelay(ctx, db)
		if err := b.Flush(ctx); !errors.Is(err, crash) {
			t.Fatalf("Flush with crashing relay: %v, want %v", err, crash)
		}
		if got := streamMsgs(t, b); got != 1 {
			t.Fatalf("after the crash the stream holds %d messages, want 1", got)
		}
		if ok, _ := publishedAt(t, db, ev.ID); ok {
			t.Fatal("row marked published although the relay crashed before marking")
		}

		relayHooks.afterPublish.Store(nil) // the relay "restarts"
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := publishedAt(t, db, ev.ID); !ok {
			t.Error("row not marked published after the restart")
		}
		sentinel(t, b, db, rec)
		if got := rec.counts()[ev.ID]; got != 1 {
			t.Errorf("event delivered %d times, want 1", got)
		}
		if got := streamMsgs(t, b); got != 2 {
			t.Errorf("stream holds %d messages, want 2 (event + sentinel)", got)
		}
		if got := b.Stats().Duplicates; got < 1 {
			t.Errorf("Stats.Duplicates = %d, want ≥ 1 (the republish)", got)
		}
	})
}

// TestRestart closes the bus (the embedded server) and reopens it on the
// same data directory: the stream keeps its messages, and a durable
// consumer resumes after the events it acknowledged.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, sets...)
	dir := t.TempDir()

	b1 := openBus(t, dir)
	rec1 := subscribe(t, b1, "resume", "ecourt.>")
	b1.StartRelay(ctx, db)
	first := enqueue(t, db,
		NewEvent("ecourt.test.thing.created", 1),
		NewEvent("ecourt.test.thing.created", 2),
		NewEvent("ecourt.test.thing.created", 3))
	if err := b1.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, ev := range first {
		rec1.waitFor(t, ev.ID)
	}
	b1.Close()

	b2 := openBus(t, dir)
	if got := streamMsgs(t, b2); got != 3 {
		t.Errorf("after restart the stream holds %d messages, want 3", got)
	}
	rec2 := subscribe(t, b2, "resume", "ecourt.>")
	b2.StartRelay(ctx, db)
	last := sentinel(t, b2, db, rec2)
	if got, want := rec2.counts(), map[string]int{last: 1}; !cmp.Equal(got, want) {
		t.Errorf("after restart the durable got %v, want only the new event %v", got, want)
	}
	// A new durable starts at the beginning of the stream.
	fresh := subscribe(t, b2, "fresh", "ecourt.>")
	fresh.waitFor(t, last)
	if got := len(fresh.counts()); got != 4 {
		t.Errorf("new durable got %d events, want 4", got)
	}
}

// TestOnceOnRedelivery: the handler commits its effect and its Once mark,
// then fails (as if the ack had been lost); the redelivery finds the mark
// and does nothing.
func TestOnceOnRedelivery(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if _, err := db.Exec(ctx, "CREATE TABLE bus_test_effect (event_id TEXT NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		b := openBus(t, t.TempDir())
		calls := make(chan bool, 10)
		stop, err := b.Subscribe(ctx, "once", "ecourt.>", func(ctx context.Context, ev Event) error {
			var first bool
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				var err error
				first, err = Once(ctx, tx, "once", ev.ID)
				if err != nil || !first {
					return err
				}
				_, err = tx.Exec(ctx, "INSERT INTO bus_test_effect (event_id) VALUES (?)", ev.ID)
				return err
			})
			calls <- first
			if err != nil {
				return err
			}
			if first {
				return errors.New("ack lost")
			}
			return nil
		}, Retry(5, 10*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		b.StartRelay(ctx, db)
		enqueue(t, db, NewEvent("ecourt.delivery.notice.sent", nil))

		var got []bool
		for len(got) < 2 {
			select {
			case f := <-calls:
				got = append(got, f)
			case <-time.After(waitTimeout):
				t.Fatalf("handler calls = %v, want 2", got)
			}
		}
		if want := []bool{true, false}; !cmp.Equal(got, want) {
			t.Errorf("Once results = %v, want %v", got, want)
		}
		waitUntil(t, "ack", func() bool { return b.Stats().Handled == 1 })
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM bus_test_effect").Scan(&n); err != nil || n != 1 {
			t.Errorf("effects = %d (%v), want 1", n, err)
		}
		if st := b.Stats(); st.Redelivered != 1 || st.Dead != 0 {
			t.Errorf("Stats = %+v, want 1 redelivered, 0 dead", st)
		}
	})
}

func TestOnce(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		once := func(consumer string, rollback bool) bool {
			var first bool
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				var err error
				first, err = Once(ctx, tx, consumer, "ev-1")
				if err == nil && rollback {
					err = errors.New("rollback")
				}
				return err
			})
			if err != nil && !rollback {
				t.Fatal(err)
			}
			return first
		}
		steps := []struct {
			consumer string
			rollback bool
			want     bool
		}{
			{"a", true, true},   // marked, but rolled back
			{"a", false, true},  // so still the first
			{"a", false, false}, // now a repeat
			{"b", false, true},  // other consumers are independent
		}
		for i, s := range steps {
			if got := once(s.consumer, s.rollback); got != s.want {
				t.Errorf("step %d: Once(%s) = %v, want %v", i, s.consumer, got, s.want)
			}
		}
	})
}

func TestDeadLetter(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, sets...)
	b := openBus(t, t.TempDir())
	calls := make(chan struct{}, 10)
	stop, err := b.Subscribe(ctx, "dead", "ecourt.>", func(context.Context, Event) error {
		calls <- struct{}{}
		panic("handler bug")
	}, Retry(3, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	b.StartRelay(ctx, db)
	enqueue(t, db, NewEvent("ecourt.test.thing.broken", nil))
	waitUntil(t, "dead letter", func() bool { return b.Stats().Dead == 1 })
	if got := len(calls); got != 3 {
		t.Errorf("handler called %d times, want 3 (MaxDeliver)", got)
	}
	if st := b.Stats(); st.Redelivered != 2 || st.Handled != 0 {
		t.Errorf("Stats = %+v, want 2 redelivered, 0 handled", st)
	}
}

// TestLive: two listeners; the slow one never reads, fills its buffer and
// loses the rest, while the other receives everything.
func TestLive(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, sets...)
	b := openBus(t, t.TempDir())
	b.StartRelay(ctx, db)
	fast, stopFast := b.Live(ctx, "ecourt.hearing.>")
	slow, stopSlow := b.Live(ctx, "ecourt.>")
	other, stopOther := b.Live(ctx, "ecourt.filing.>")
	defer stopOther()

	received := make(chan Event, 2*LiveBuffer)
	go func() {
		for ev := range fast {
			received <- ev
		}
		close(received)
	}()
	publish := func(n int) {
		evs := make([]Event, n)
		for i := range evs {
			evs[i] = NewEvent("ecourt.hearing.session.updated", i)
		}
		enqueue(t, db, evs...)
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	take := func(n int) {
		for i := 0; i < n; i++ {
			select {
			case <-received:
			case <-time.After(waitTimeout):
				t.Fatalf("fast listener got %d of %d events", i, n)
			}
		}
	}
	publish(LiveBuffer) // fills the slow listener's buffer
	take(LiveBuffer)
	publish(10) // the slow listener must drop these; the fast one gets them
	take(10)
	waitUntil(t, "drops", func() bool { return b.Stats().LiveDropped == 10 })
	if got := len(slow); got != LiveBuffer {
		t.Errorf("slow listener holds %d events, want %d", got, LiveBuffer)
	}
	if got := len(other); got != 0 {
		t.Errorf("listener on another subject got %d events", got)
	}

	stopFast()
	if _, ok := <-received; ok {
		t.Error("event after stop")
	}
	stopSlow()
	n := 0
	for range slow { // closed after its buffer
		n++
	}
	if n != LiveBuffer {
		t.Errorf("slow listener drained %d, want %d", n, LiveBuffer)
	}

	lctx, cancel := context.WithCancel(ctx)
	c, _ := b.Live(lctx, "ecourt.>")
	cancel()
	waitUntil(t, "close on ctx", func() bool {
		select {
		case _, ok := <-c:
			return !ok
		default:
			return false
		}
	})
}

// TestConcurrentRelays runs two relays on one database while events are
// enqueued: each event is published once (no duplicates at JetStream
// level) — on PostgreSQL thanks to FOR UPDATE SKIP LOCKED.
func TestConcurrentRelays(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		b := openBus(t, t.TempDir())
		b.StartRelay(ctx, db)
		b.StartRelay(ctx, db)
		const txs, per = 20, 50
		for i := 0; i < txs; i++ {
			evs := make([]Event, per)
			for j := range evs {
				evs[j] = NewEvent("ecourt.test.thing.created", fmt.Sprint(i, j))
			}
			enqueue(t, db, evs...)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "all published", func() bool { return streamMsgs(t, b) == txs*per })
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		st := b.Stats()
		if st.Published != txs*per || st.Duplicates != 0 || st.Pending != 0 {
			t.Errorf("Stats = %+v, want %d published, 0 duplicates, 0 pending", st, txs*per)
		}
	})
}

func TestPingClose(t *testing.T) {
	b := openBus(t, t.TempDir())
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	b.Close()
	b.Close()
	if err := b.Ping(context.Background()); errs.CodeOf(err) != errs.Unavailable {
		t.Errorf("Ping after Close = %v, want unavailable", err)
	}
	if _, err := Open(context.Background(), Config{}); err == nil {
		t.Error("Open without DataDir succeeded")
	}
}

// TestPublishFailure: while JetStream has no stream for the subject, the
// publish fails, the row keeps its place with attempts and last_error, and
// a later pass publishes it.
func TestPublishFailure(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		b := openBus(t, t.TempDir())
		cfg, err := b.stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.js.DeleteStream(ctx, StreamName); err != nil {
			t.Fatal(err)
		}
		b.StartRelay(ctx, db)
		ev := enqueue(t, db, NewEvent("ecourt.test.thing.created", nil))[0]
		if err := b.Flush(ctx); err == nil {
			t.Fatal("Flush without a stream succeeded")
		}
		var attempts int
		var lastErr string
		if err := db.QueryRow(ctx, "SELECT attempts, last_error FROM bus_outbox WHERE id = ? AND published_at IS NULL", ev.ID).Scan(&attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		if attempts < 1 || lastErr == "" {
			t.Errorf("after a failed publish attempts=%d last_error=%q, want ≥1 and a message", attempts, lastErr)
		}
		if st := b.Stats(); st.Failed < 1 || st.Pending != 1 {
			t.Errorf("Stats = %+v, want ≥1 failed, 1 pending", st)
		}

		if b.stream, err = b.js.CreateOrUpdateStream(ctx, cfg.Config); err != nil {
			t.Fatal(err)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := publishedAt(t, db, ev.ID); !ok {
			t.Error("row not published after the stream came back")
		}
	})
}

func TestPrune(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		evs := enqueue(t, db, NewEvent("ecourt.test.thing.created", 1), NewEvent("ecourt.test.thing.created", 2))
		old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE bus_outbox SET published_at = ? WHERE id = ?", old, evs[0].ID); err != nil {
				return err
			}
			_, err := Once(ctx, tx, "c", evs[0].ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := Prune(ctx, db, time.Now().Add(time.Hour))
		if err != nil || n != 2 {
			t.Errorf("Prune = %d, %v; want 2 (one published row, one mark)", n, err)
		}
		var left string
		if err := db.QueryRow(ctx, "SELECT id FROM bus_outbox").Scan(&left); err != nil || left != evs[1].ID {
			t.Errorf("left in outbox %q (%v), want the unpublished %s", left, err, evs[1].ID)
		}
	})
}
