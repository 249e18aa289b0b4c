package exhibit_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

func openAPICheck(t *testing.T) *openapitest.Validator { return openapitest.New(t, openAPIDoc(t)) }

// roomAudits counts the audit entries of action by actor on exhibit,
// naming hearing hid.
func (f *fixture) roomAudits(t *testing.T, action, actor, exhibitID, hid string) int {
	t.Helper()
	return f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ? AND target = ? AND detail LIKE ?`,
		action, actor, exhibitID, `%"hearing_id":"`+hid+`"%`)
}

// TestRoomWitness: a witness brought into the hearing room sees the one
// exhibit presented now, and only while brought in (Online Litigation Rules
// Art. 14 para 2, Art. 26); each view is audited.
func TestRoomWitness(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := f.as("u-witness")
		c := f.newCase(t, casefile.Ordinary)
		f.hear["h-1"], f.hear["h-2"] = c.ID, c.ID
		p1 := f.submit(t, c, "u-party", "借条")
		p2 := f.submit(t, c, "u-party", "转账记录")
		d1 := f.submit(t, c, "u-defendant", "收条")

		// Called but kept out (witness_out): nothing.
		f.seat("h-1", "u-witness", "witness", false)
		_, err := f.s.RoomPresented(ctx, "h-1")
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_in_room")

		// Brought in, nothing presented yet.
		f.seat("h-1", "u-witness", "witness", true)
		_, err = f.s.RoomPresented(ctx, "h-1")
		wantCode(t, err, errs.NotFound, "exhibit.error.nothing_presented")
		_, _, err = f.s.OpenRoomExhibit(ctx, "h-1", p1.ID)
		wantCode(t, err, errs.NotFound, "exhibit.error.not_presented")

		if _, err := f.s.Present(f.as("u-judge"), "h-1", p1.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.RoomPresented(ctx, "h-1")
		if err != nil {
			t.Fatalf("RoomPresented: %v", err)
		}
		want := exhibit.RoomExhibit{ID: p1.ID, Label: "原告证据1", Name: "借条", Kind: "pdf", Size: p1.Size, SHA256: p1.SHA256,
			FileURL: "/api/v1/hearings/h-1/room/exhibits/" + p1.ID + "/file"}
		if got.Exhibit != want || got.HearingID != "h-1" || !got.PresentedAt.Equal(t0) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		e, rc, err := f.s.OpenRoomExhibit(ctx, "h-1", p1.ID)
		if err != nil {
			t.Fatalf("OpenRoomExhibit: %v", err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if e.ID != p1.ID || !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("% 借条")) {
			t.Errorf("file of %s: %d bytes", e.ID, len(b))
		}
		// Not another exhibit, of the same party or the other's.
		for _, other := range []string{p2.ID, d1.ID, "nope"} {
			_, _, err = f.s.OpenRoomExhibit(ctx, "h-1", other)
			wantCode(t, err, errs.NotFound, "exhibit.error.not_presented")
		}
		// Nothing of the case file: not the list, the exhibit, its
		// opinions, its file through the case, the reader's presentation.
		if _, err := f.s.List(ctx, c.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("List as the witness: %v", err)
		}
		if _, err := f.s.Find(ctx, p1.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Find as the witness: %v", err)
		}
		if _, err := f.s.History(ctx, p1.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("History as the witness: %v", err)
		}
		if _, _, err := f.s.Open(ctx, p1.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Open as the witness: %v", err)
		}
		if _, err := f.s.Presented(ctx, "h-1"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Presented as the witness: %v", err)
		}
		// Not another hearing's room, where the witness is not called.
		_, err = f.s.RoomPresented(ctx, "h-2")
		wantCode(t, err, errs.NotFound, "exhibit.error.hearing_not_found")
		_, err = f.s.RoomPresented(ctx, "h-404")
		wantCode(t, err, errs.NotFound, "exhibit.error.hearing_not_found")
		// What another hearing shows changes nothing here.
		f.clk.Set(t0.Add(time.Minute))
		if _, err := f.s.Present(f.as("u-judge"), "h-2", d1.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.RoomPresented(ctx, "h-1"); err != nil || got.Exhibit.ID != p1.ID {
			t.Errorf("after h-2's presentation: %v %+v", err, got)
		}
		// The next exhibit shown replaces the first: the first is gone.
		f.clk.Set(t0.Add(2 * time.Minute))
		if _, err := f.s.Present(f.as("u-lawyer"), "h-1", p2.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.RoomPresented(ctx, "h-1"); err != nil || got.Exhibit.ID != p2.ID || got.Exhibit.Label != "原告证据2" {
			t.Errorf("after the next presentation: %v %+v", err, got)
		}
		_, _, err = f.s.OpenRoomExhibit(ctx, "h-1", p1.ID)
		wantCode(t, err, errs.NotFound, "exhibit.error.not_presented")
		if _, rc, err := f.s.OpenRoomExhibit(ctx, "h-1", p2.ID); err != nil {
			t.Errorf("OpenRoomExhibit(p2): %v", err)
		} else {
			rc.Close()
		}

		// Sent out (witness_out): nothing any more.
		f.seat("h-1", "u-witness", "witness", false)
		_, err = f.s.RoomPresented(ctx, "h-1")
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_in_room")
		_, _, err = f.s.OpenRoomExhibit(ctx, "h-1", p2.ID)
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_in_room")
		// Brought in again, but the hearing is closed.
		a := f.seats["h-1/u-witness"]
		a.Admitted, a.Ended = true, true
		f.seats["h-1/u-witness"] = a
		_, _, err = f.s.OpenRoomExhibit(ctx, "h-1", p2.ID)
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_in_room")

		// A non-participant never: a stranger, and a reader of the case who
		// is no participant (the filing officer); nobody signed out.
		for _, u := range []string{"u-stranger", "u-filer"} {
			_, err = f.s.RoomPresented(f.as(u), "h-1")
			wantCode(t, err, errs.NotFound, "exhibit.error.hearing_not_found")
			_, _, err = f.s.OpenRoomExhibit(f.as(u), "h-1", p2.ID)
			wantCode(t, err, errs.NotFound, "exhibit.error.hearing_not_found")
		}
		_, err = f.s.RoomPresented(context.Background(), "h-1")
		wantCode(t, err, errs.Unauthenticated, "")
		// Every participant admitted sees it the same way; one waiting does not.
		f.seat("h-1", "u-defendant", "party", true)
		f.seat("h-1", "u-party", "party", false)
		if got, err := f.s.RoomPresented(f.as("u-defendant"), "h-1"); err != nil || got.Exhibit.ID != p2.ID {
			t.Errorf("the admitted defendant: %v %+v", err, got)
		}
		_, err = f.s.RoomPresented(f.as("u-party"), "h-1")
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_in_room")

		// Audited: each view by the witness, naming the hearing and the
		// exhibit; refusals read nothing and write no view.
		for _, c := range []struct {
			action, exhibit string
			want            int
		}{
			{"exhibit.room.view", p1.ID, 2},
			{"exhibit.room.view", p2.ID, 1},
			{"exhibit.room.file", p1.ID, 1},
			{"exhibit.room.file", p2.ID, 1},
			{"exhibit.room.file", d1.ID, 0},
		} {
			if n := f.roomAudits(t, c.action, "u-witness", c.exhibit, "h-1"); n != c.want {
				t.Errorf("%s of %s by the witness: %d audit entries, want %d", c.action, c.exhibit, n, c.want)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'exhibit.room.file' AND actor_id = 'u-witness' AND detail LIKE ?`,
			`%"sha256":"`+p1.SHA256+`"%`); n != 1 {
			t.Errorf("file audit without its hash: %d", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'exhibit.room.%' AND actor_id IN ('u-stranger', 'u-filer', 'u-party')`); n != 0 {
			t.Errorf("%d views audited for refused callers", n)
		}
	})
}

// TestRoomWatch: the room's stream follows the hearing's presentations
// while the witness is in the room, and closes once the witness is sent
// out, without showing the next exhibit.
func TestRoomWatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		lb := &liveBus{}
		s := exhibit.New(f.db, exhibit.Deps{Cases: f.cases, Blobs: f.blobs, Hearings: f.hearings(), Live: lb, TempDir: t.TempDir()})
		c := f.newCase(t, casefile.Ordinary)
		f.hear["h-1"], f.hear["h-2"] = c.ID, c.ID
		p1 := f.submit(t, c, "u-party", "借条")
		p2 := f.submit(t, c, "u-party", "转账记录")
		f.seat("h-1", "u-witness", "witness", false)
		if _, _, err := s.WatchRoom(f.as("u-witness"), "h-1"); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("a witness kept out watches: %v", err)
		}
		if _, _, err := s.WatchRoom(f.as("u-stranger"), "h-1"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("a stranger watches: %v", err)
		}
		f.seat("h-1", "u-witness", "witness", true)
		ctx, cancel := context.WithTimeout(f.as("u-witness"), 10*time.Second)
		defer cancel()
		updates, stop, err := s.WatchRoom(ctx, "h-1")
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		next := func() (exhibit.RoomUpdate, bool) {
			t.Helper()
			select {
			case u, ok := <-updates:
				return u, ok
			case <-ctx.Done():
				t.Fatal("no update")
				return exhibit.RoomUpdate{}, false
			}
		}
		seen := map[string]bool{}
		if _, err := s.Present(f.as("u-judge"), "h-2", p2.ID); err != nil { // another hearing: not sent
			t.Fatal(err)
		}
		f.clk.Set(t0.Add(time.Minute))
		if _, err := s.Present(f.as("u-judge"), "h-1", p1.ID); err != nil {
			t.Fatal(err)
		}
		lb.relay(t, f, seen)
		if u, ok := next(); !ok || u.Closed || u.Presentation.Exhibit.ID != p1.ID || u.Presentation.Exhibit.Label != "原告证据1" {
			t.Fatalf("first update: %+v %v", u, ok)
		}
		if n := f.roomAudits(t, "exhibit.room.view", "u-witness", p1.ID, "h-1"); n != 1 {
			t.Errorf("%d view audits for the streamed exhibit, want 1", n)
		}
		// Sent out; the next exhibit shown does not reach the witness.
		f.seat("h-1", "u-witness", "witness", false)
		f.clk.Set(t0.Add(2 * time.Minute))
		if _, err := s.Present(f.as("u-judge"), "h-1", p2.ID); err != nil {
			t.Fatal(err)
		}
		lb.relay(t, f, seen)
		if u, ok := next(); !ok || !u.Closed || u.Presentation.Exhibit.ID != "" {
			t.Fatalf("update after witness_out: %+v %v", u, ok)
		}
		if _, ok := next(); ok {
			t.Fatal("the stream goes on after witness_out")
		}
		if n := f.roomAudits(t, "exhibit.room.view", "u-witness", p2.ID, "h-1"); n != 0 {
			t.Errorf("%d views of the exhibit shown after witness_out", n)
		}
	})
}

// TestRoomHTTP drives the room's routes through the real router and checks
// them against the OpenAPI fragment, and the event stream over HTTP.
func TestRoomHTTP(t *testing.T) {
	check := openAPICheck(t)
	forEachDB(t, func(t *testing.T, f *fixture) {
		lb := &liveBus{}
		f.s = exhibit.New(f.db, exhibit.Deps{Cases: f.cases, Blobs: f.blobs, Hearings: f.hearings(), Live: lb, TempDir: t.TempDir()})
		f.h = f.handler(t)
		c := f.newCase(t, casefile.Ordinary)
		f.hear["h-1"] = c.ID
		p1 := f.submit(t, c, "u-party", "借条")
		p2 := f.submit(t, c, "u-party", "转账记录")
		f.seat("h-1", "u-witness", "witness", true)
		base := "/api/v1/hearings/h-1/room/exhibit"
		file := func(id string) string { return "/api/v1/hearings/h-1/room/exhibits/" + id + "/file" }
		type step struct {
			path, user string
			want       int
		}
		run := func(steps []step) {
			t.Helper()
			for _, st := range steps {
				rec := f.do(t, "GET", st.path, st.user, "", nil)
				if rec.Code != st.want {
					t.Errorf("GET %s as %q: status %d, want %d: %s", st.path, st.user, rec.Code, st.want, rec.Body)
					continue
				}
				h := http.Header{}
				if st.user != "" {
					h.Set("X-Test-User", st.user)
				}
				check.Check(t, "GET", st.path, h, nil, rec)
			}
		}
		run([]step{
			{base, "u-witness", 404}, // nothing presented
			{file(p1.ID), "u-witness", 404},
		})
		if _, err := f.s.Present(f.as("u-judge"), "h-1", p1.ID); err != nil {
			t.Fatal(err)
		}
		run([]step{
			{base, "u-witness", 200},
			{file(p1.ID), "u-witness", 200},
			{file(p2.ID), "u-witness", 404},
			{"/api/v1/exhibits/" + p1.ID + "/file", "u-witness", 404},
			{"/api/v1/cases/" + c.ID + "/exhibits", "u-witness", 404},
			{"/api/v1/hearings/h-1/exhibit", "u-witness", 404},
			{base, "u-stranger", 404},
			{file(p1.ID), "u-stranger", 404},
			{base, "", 401},
			{"/api/v1/hearings/h-404/room/exhibit", "u-witness", 404},
		})
		rec := f.do(t, "GET", file(p1.ID), "u-witness", "", nil)
		if ct := rec.Header().Get("Content-Type"); ct != "application/pdf" || rec.Header().Get("Cache-Control") != "private, no-store" ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "inline") || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
			t.Errorf("file: %s %v", ct, rec.Header())
		}
		var p exhibit.RoomPresentation
		decode(t, f.do(t, "GET", base, "u-witness", "", nil), &p)
		if p.Exhibit.ID != p1.ID || p.Exhibit.FileURL != file(p1.ID) {
			t.Errorf("presentation: %+v", p)
		}
		// The body names nothing of the proceedings.
		body := f.do(t, "GET", base, "u-witness", "", nil).Body.String()
		for _, leak := range []string{"purpose", "opinions", "dispute", "证明借款事实", "party_id"} {
			if strings.Contains(body, leak) {
				t.Errorf("the room's view contains %q: %s", leak, body)
			}
		}
		// English message for a witness kept out.
		f.seat("h-1", "u-witness", "witness", false)
		rec = f.do(t, "GET", base+"?lang=en", "u-witness", "", nil)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), "not in the hearing room") {
			t.Errorf("witness out: %d %s", rec.Code, rec.Body)
		}
		run([]step{{base, "u-witness", 403}, {file(p1.ID), "u-witness", 403}, {base + "/events", "u-witness", 403}})
		f.seat("h-1", "u-witness", "witness", true)

		// The stream over HTTP: the current exhibit first, then "closed"
		// once the witness is sent out, and the end of the stream.
		srv := httptest.NewServer(f.h)
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+base+"/events", nil)
		req.Header.Set("X-Test-User", "u-witness")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		next := func() (string, string) {
			t.Helper()
			name := ""
			for sc.Scan() {
				if n, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
					name = n
				}
				if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					return name, data
				}
			}
			return "", ""
		}
		if name, data := next(); name != "exhibit" || !strings.Contains(data, p1.ID) {
			t.Fatalf("first event %q: %s", name, data)
		}
		waitListeners(t, lb, 1)
		f.seat("h-1", "u-witness", "witness", false)
		f.clk.Set(t0.Add(time.Minute))
		if _, err := f.s.Present(f.as("u-judge"), "h-1", p2.ID); err != nil {
			t.Fatal(err)
		}
		lb.relay(t, f, map[string]bool{})
		if name, data := next(); name != "closed" || strings.Contains(data, p2.ID) {
			t.Fatalf("after witness_out: event %q: %s", name, data)
		}
		if name, data := next(); name != "" {
			t.Fatalf("the stream goes on: %q %s", name, data)
		}
	})
}

// waitListeners waits until the fake bus has n listeners.
func waitListeners(t *testing.T, lb *liveBus, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for lb.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d listeners, want %d", lb.count(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
