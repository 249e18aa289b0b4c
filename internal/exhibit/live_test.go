package exhibit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/bus"
)

// liveBus is a fake of the bus's live fan-out: the test publishes the
// outbox rows to every listener, as the relay would after commit.
type liveBus struct {
	mu        sync.Mutex
	listeners []chan bus.Event
}

func (l *liveBus) Live(ctx context.Context, filter string) (<-chan bus.Event, func()) {
	ch := make(chan bus.Event, bus.LiveBuffer)
	l.mu.Lock()
	l.listeners = append(l.listeners, ch)
	l.mu.Unlock()
	return ch, func() {}
}

func (l *liveBus) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.listeners)
}

// relay publishes the outbox's presented events not yet published.
func (l *liveBus) relay(t *testing.T, f *fixture, seen map[string]bool) {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT id, type, case_id, payload FROM bus_outbox WHERE type = ? ORDER BY id`, exhibit.EventPresented)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ev bus.Event
		var payload string
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.CaseID, &payload); err != nil {
			t.Fatal(err)
		}
		if seen[ev.ID] {
			continue
		}
		seen[ev.ID] = true
		ev.Payload = json.RawMessage(payload)
		l.mu.Lock()
		for _, ch := range l.listeners {
			ch <- ev
		}
		l.mu.Unlock()
	}
}

// TestPresentLive: a hearing page's stream receives every exhibit shown in
// its hearing (and not those of another hearing).
func TestPresentLive(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		lb := &liveBus{}
		s := exhibit.New(f.db, exhibit.Deps{Cases: f.cases, Blobs: f.blobs, Hearings: f.hearings(), Live: lb, TempDir: t.TempDir()})
		c := f.newCase(t, casefile.Ordinary)
		f.hear["h-1"], f.hear["h-2"] = c.ID, c.ID
		p1 := f.submit(t, c, "u-party", "借条")
		p2 := f.submit(t, c, "u-party", "转账记录")
		if _, _, err := s.Watch(f.as("u-stranger"), "h-1"); err == nil {
			t.Fatal("a stranger watches the hearing")
		}
		if _, err := s.Present(f.as("u-judge"), "h-1", p1.ID); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		s.Routes(mux)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mux.ServeHTTP(w, r.WithContext(f.asCtx(r.Context(), "u-defendant")))
		}))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/hearings/h-1/exhibit/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		next := func() exhibit.Presentation {
			t.Helper()
			for sc.Scan() {
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					var p exhibit.Presentation
					if err := json.Unmarshal([]byte(data), &p); err != nil {
						t.Fatal(err)
					}
					return p
				}
			}
			t.Fatalf("stream ended: %v", sc.Err())
			return exhibit.Presentation{}
		}
		if p := next(); p.Exhibit.ID != p1.ID {
			t.Fatalf("first event shows %s, want the current %s", p.Exhibit.ID, p1.ID)
		}
		// Watch subscribed before the first event was sent.
		if lb.count() != 1 {
			t.Fatalf("%d listeners, want 1", lb.count())
		}
		seen := map[string]bool{}
		lb.relay(t, f, seen)
		if p := next(); p.Exhibit.ID != p1.ID { // the earlier event, relayed late: harmless, same exhibit
			t.Fatalf("relayed event shows %s", p.Exhibit.ID)
		}
		// Another hearing's exhibit is not sent; this hearing's next one is.
		if _, err := s.Present(f.as("u-judge"), "h-2", p2.ID); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(t0.Add(time.Minute))
		if _, err := s.Present(f.as("u-lawyer"), "h-1", p2.ID); err != nil {
			t.Fatal(err)
		}
		lb.relay(t, f, seen)
		if p := next(); p.Exhibit.ID != p2.ID || p.HearingID != "h-1" || p.PresentedBy != "u-lawyer" {
			t.Fatalf("live event: %+v", p)
		}
	})
}
