package bus

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// waitTimeout bounds every wait for an asynchronous outcome; it is a
// failure deadline, not a timing assertion.
const waitTimeout = 15 * time.Second

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openBus(t testing.TB, dir string) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	b, err := Open(ctx, Config{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// enqueue commits evs in one transaction and returns them with their IDs.
func enqueue(t testing.TB, db *sqldb.DB, evs ...Event) []Event {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		for i := range evs {
			if evs[i].ID == "" {
				evs[i].ID = ids.New()
			}
			if err := Enqueue(context.Background(), tx, evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return evs
}

// recorder is a durable subscriber that counts deliveries per event ID.
type recorder struct {
	mu    sync.Mutex
	order []string
	count map[string]int
	evs   map[string]Event
	seen  chan struct{}
}

func subscribe(t testing.TB, b *Bus, durable, filter string) *recorder {
	t.Helper()
	r := &recorder{count: map[string]int{}, evs: map[string]Event{}, seen: make(chan struct{}, 1)}
	stop, err := b.Subscribe(context.Background(), durable, filter, func(_ context.Context, ev Event) error {
		r.mu.Lock()
		r.order = append(r.order, ev.ID)
		r.count[ev.ID]++
		r.evs[ev.ID] = ev
		r.mu.Unlock()
		select {
		case r.seen <- struct{}{}:
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(stop)
	return r
}

// waitFor waits until the recorder has seen id.
func (r *recorder) waitFor(t testing.TB, id string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		r.mu.Lock()
		n := r.count[id]
		r.mu.Unlock()
		if n > 0 {
			return
		}
		select {
		case <-r.seen:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("event %s not delivered within %v", id, waitTimeout)
		}
	}
}

func (r *recorder) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.count {
		out[k] = v
	}
	return out
}

// sentinel enqueues and publishes one more event and waits until r has it.
// Because a consumer receives a stream's messages in order, every copy of
// an earlier event stored in the stream has been delivered by then, so
// counts taken afterwards are final (no sleeping needed).
func sentinel(t testing.TB, b *Bus, db *sqldb.DB, r *recorder) string {
	t.Helper()
	ev := enqueue(t, db, NewEvent("ecourt.test.sentinel.sent", nil))[0]
	if err := b.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	r.waitFor(t, ev.ID)
	return ev.ID
}

func streamMsgs(t testing.TB, b *Bus) uint64 {
	t.Helper()
	info, err := b.stream.Info(context.Background())
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Msgs
}

func publishedAt(t testing.TB, db *sqldb.DB, id string) (published bool, attempts int) {
	t.Helper()
	var n int
	err := db.QueryRow(context.Background(),
		"SELECT CASE WHEN published_at IS NULL THEN 0 ELSE 1 END, attempts FROM bus_outbox WHERE id = ?", id).Scan(&n, &attempts)
	if err != nil {
		t.Fatalf("outbox row %s: %v", id, err)
	}
	return n == 1, attempts
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
