package hearing_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// TestRoomEvents opens the room's SSE stream on a real embedded bus: the
// first event is the snapshot, then a control action arrives as a room
// event; a stranger gets no stream.
func TestRoomEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SyncInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	b.StartRelay(context.Background(), db)
	f := newFixture(t, db, clk)
	f.s = hearing.New(db, hearing.Deps{Cases: f.cases, Rooms: f.rooms, Staff: f.people, Bus: b})
	f.h = f.handler(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close)
	h := f.online(t, f.newCase(t))
	if rec := f.do("GET", "/api/v1/hearings/"+h.ID+"/events", "u-stranger", ""); rec.Code != 404 {
		t.Errorf("stranger's stream: %d", rec.Code)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/hearings/"+h.ID+"/events", nil)
	req.Header.Set("X-Test-User", "u-party")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan hearing.RoomChange, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var c hearing.RoomChange
				if json.Unmarshal([]byte(d), &c) == nil {
					events <- c
				}
			}
		}
	}()
	next := func() hearing.RoomChange {
		select {
		case c := <-events:
			return c
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return hearing.RoomChange{}
	}
	if c := next(); c.Action != "snapshot" || c.Status != hearing.Scheduled || c.HearingID != h.ID {
		t.Fatalf("first event %+v", c)
	}
	f.clk.Set(start)
	ctl(t, f, "u-judge", h.ID, "open", "")
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		c := next()
		if c.Action == "open" {
			if c.Status != hearing.Open {
				t.Errorf("open event %+v", c)
			}
			break
		}
	}
}
