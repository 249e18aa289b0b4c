package hearing_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// sseEvent is one event read from a room stream.
type sseEvent struct {
	ID string
	C  hearing.RoomChange
}

// roomStream opens the room's SSE stream as user with the given
// Last-Event-ID header (none when "") and query, and returns its events
// and a function that hangs up.
func roomStream(t *testing.T, ctx context.Context, srv *httptest.Server, hearingID, user, lastID, query string) (<-chan sseEvent, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/hearings/"+hearingID+"/events"+query, nil)
	req.Header.Set("X-Test-User", user)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		cancel()
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "id: "); ok {
				ev.ID = v
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				_ = json.Unmarshal([]byte(d), &ev.C)
			}
			if line == "" && ev.C.HearingID != "" {
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out, cancel
}

// TestRoomEventsReplay: every room event carries its number in the
// record as its SSE ID; a page that reconnects with the last ID it saw
// gets exactly the changes it missed, in order, then the live ones, none
// twice.
func TestRoomEventsReplay(t *testing.T) {
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SyncInterval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		relayCtx, stopRelay := context.WithCancel(context.Background())
		defer stopRelay()
		b.StartRelay(relayCtx, db)
		f := newFixture(t, db, clk)
		f.s = hearing.New(db, hearing.Deps{Cases: f.cases, Rooms: f.rooms, Staff: f.people, Bus: b})
		f.h = f.handler(t)
		srv := httptest.NewServer(f.h)
		t.Cleanup(srv.Close)
		h := f.online(t, f.newCase(t))
		party, defendant := who(t, h, "u-party"), who(t, h, "u-defendant")
		flush := func() {
			t.Helper()
			if err := b.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		next := func(evs <-chan sseEvent) sseEvent {
			t.Helper()
			select {
			case ev, ok := <-evs:
				if !ok {
					t.Fatal("stream closed")
				}
				return ev
			case <-ctx.Done():
				t.Fatal("no event")
			}
			return sseEvent{}
		}
		// want reads len(actions) events and checks their IDs and actions.
		want := func(name string, evs <-chan sseEvent, firstID int, actions ...string) {
			t.Helper()
			for i, a := range actions {
				ev := next(evs)
				if id := fmt.Sprint(firstID + i); ev.ID != id || ev.C.Action != a || ev.C.Seq != int64(firstID+i) {
					t.Fatalf("%s: event %d = id %q %+v, want id %s action %s", name, i, ev.ID, ev.C, id, a)
				}
			}
		}

		// A first connection: the snapshot, numbered with the last change.
		f.clk.Set(start)
		evs, hangUp := roomStream(t, ctx, srv, h.ID, "u-party", "", "")
		if ev := next(evs); ev.C.Action != "snapshot" || ev.ID != "0" || ev.C.Status != hearing.Scheduled {
			t.Fatalf("first event id %q %+v", ev.ID, ev.C)
		}
		ctl(t, f, "u-judge", h.ID, "open", "")
		flush()
		want("live", evs, 1, "open")
		hangUp()

		// While the page is away: the party enters, is admitted and muted,
		// the defendant enters.
		if _, err := f.s.Enter(f.as("u-party"), h.ID); err != nil {
			t.Fatal(err)
		}
		ctl(t, f, "u-judge", h.ID, "admit", party.Identity)
		ctl(t, f, "u-judge", h.ID, "mute", party.Identity)
		if _, err := f.s.Enter(f.as("u-defendant"), h.ID); err != nil {
			t.Fatal(err)
		}
		flush()

		// Back with the last ID it saw: exactly the missed changes, in order
		// (with what the page needs of each), then the live ones.
		evs, hangUp = roomStream(t, ctx, srv, h.ID, "u-party", "1", "")
		ev := next(evs)
		if ev.ID != "2" || ev.C.Action != "enter" || ev.C.Target != party.Identity || ev.C.State != hearing.Waiting || ev.C.Status != hearing.Open {
			t.Fatalf("first replayed event id %q %+v", ev.ID, ev.C)
		}
		ev = next(evs)
		if ev.ID != "3" || ev.C.Action != "admit" || ev.C.State != hearing.Admitted || ev.C.Target != party.Identity {
			t.Fatalf("second replayed event id %q %+v", ev.ID, ev.C)
		}
		want("replay", evs, 4, "mute", "enter")
		ctl(t, f, "u-judge", h.ID, "hold", party.Identity)
		flush()
		want("live after replay", evs, 6, "hold")
		ctl(t, f, "u-judge", h.ID, "admit", defendant.Identity)
		flush()
		want("live after replay", evs, 7, "admit")
		hangUp()

		// A new stream resumes with ?last_event_id=; the header wins over it.
		evs, hangUp = roomStream(t, ctx, srv, h.ID, "u-party", "", "?last_event_id=5")
		want("query", evs, 6, "hold", "admit")
		hangUp()
		evs, hangUp = roomStream(t, ctx, srv, h.ID, "u-party", "6", "?last_event_id=0")
		want("header and query", evs, 7, "admit")
		hangUp()
		// Up to date: nothing, then the next live change.
		evs, hangUp = roomStream(t, ctx, srv, h.ID, "u-party", "7", "")
		ctl(t, f, "u-judge", h.ID, "recess", "")
		flush()
		if ev := next(evs); ev.ID != "8" || ev.C.Action != "recess" || ev.C.Status != hearing.Recessed {
			t.Fatalf("live event id %q %+v", ev.ID, ev.C)
		}
		hangUp()
		// An ID beyond the record (a page older than a restored database)
		// starts over from the snapshot.
		evs, hangUp = roomStream(t, ctx, srv, h.ID, "u-party", "99", "")
		if ev := next(evs); ev.ID != "8" || ev.C.Action != "snapshot" || ev.C.Status != hearing.Recessed {
			t.Fatalf("after an unknown ID: id %q %+v", ev.ID, ev.C)
		}
		hangUp()

		// A live event lost on the way (here: its outbox row never
		// published) is sent from the record before the next one.
		evs, hangUp = roomStream(t, ctx, srv, h.ID, "u-party", "8", "")
		stopRelay()
		ctl(t, f, "u-judge", h.ID, "resume", "")
		if _, err := db.Exec(ctx, `UPDATE bus_outbox SET published_at = ? WHERE published_at IS NULL`, start); err != nil {
			t.Fatal(err)
		}
		ctl(t, f, "u-judge", h.ID, "unmute", party.Identity)
		flush()
		want("after a lost event", evs, 9, "resume", "unmute")
		hangUp()

		for _, bad := range []string{"x", "-1", "1.5"} {
			req := httptest.NewRequest("GET", "/api/v1/hearings/"+h.ID+"/events", nil)
			req.Header.Set("X-Test-User", "u-party")
			req.Header.Set("Last-Event-ID", bad)
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), "last_event_id") {
				t.Errorf("Last-Event-ID %q: %d %s", bad, rec.Code, rec.Body)
			}
		}
		if rec := f.do("GET", "/api/v1/hearings/"+h.ID+"/events?last_event_id=abc", "u-party", ""); rec.Code != 400 {
			t.Errorf("last_event_id=abc: %d", rec.Code)
		}
	})
}

// TestRecordNumbers: actions taken at the same time on one hearing get the
// numbers 1, 2, 3… of its record without gaps or repeats, and the control
// record lists them in that order.
func TestRecordNumbers(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		h := f.online(t, f.newCase(t))
		f.clk.Set(start)
		ctl(t, f, "u-judge", h.ID, "open", "")
		var targets []string
		for _, p := range h.Participants {
			if p.AccountID != "u-judge" {
				targets = append(targets, p.Identity)
			}
		}
		var wg sync.WaitGroup
		errc := make(chan error, len(targets))
		for _, id := range targets {
			wg.Go(func() {
				if _, err := f.s.Control(f.as("u-judge"), h.ID, hearing.Control{Action: "mute", Target: id}); err != nil {
					errc <- err
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		got, acts, err := f.s.Participants(f.as("u-judge"), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != len(targets)+1 || got.EventSeq != int64(len(acts)) {
			t.Fatalf("%d actions, last number %d; want %d", len(acts), got.EventSeq, len(targets)+1)
		}
		for i, a := range acts {
			if a.Seq != int64(i+1) {
				t.Errorf("action %d (%s %s) has number %d", i, a.Action, a.Target, a.Seq)
			}
		}
	})
}
