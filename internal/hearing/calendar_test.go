package hearing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/hearing"
)

func TestVEventExact(t *testing.T) {
	h := hearing.Hearing{ID: "0190f0a0-0000-7000-8000-000000000001", CaseNumber: "（2026）浙0225民初1号",
		StartsAt: time.Date(2026, 3, 6, 1, 0, 0, 0, time.UTC), EndsAt: time.Date(2026, 3, 6, 3, 0, 0, 0, time.UTC),
		Courtroom: "第一法庭", Mode: hearing.Offline, Status: hearing.Scheduled, Seq: 2}
	got := hearing.VEvent(h, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	want := "BEGIN:VEVENT\r\n" +
		"UID:0190f0a0-0000-7000-8000-000000000001@hearing.ecourt\r\n" +
		"DTSTAMP:20260302T020000Z\r\n" +
		"DTSTART:20260306T010000Z\r\n" +
		"DTEND:20260306T030000Z\r\n" +
		"SEQUENCE:2\r\n" +
		"SUMMARY:（2026）浙0225民初1号 开庭\r\n" +
		"LOCATION:第一法庭\r\n" +
		"STATUS:CONFIRMED\r\n" +
		"END:VEVENT\r\n"
	if got != want {
		t.Errorf("VEvent =\n%q\nwant\n%q", got, want)
	}
	h.Status, h.Mode = hearing.Cancelled, hearing.Online
	got = hearing.VEvent(h, time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	if !strings.Contains(got, "\r\nSTATUS:CANCELLED\r\n") || !strings.Contains(got, "\r\nLOCATION:在线庭审\r\n") {
		t.Errorf("cancelled online VEvent = %q", got)
	}
}

func TestICalendarFolding(t *testing.T) {
	// A long courtroom name forces folding; every physical line is at most
	// 75 octets, no UTF-8 character is split, and unfolding restores it.
	room := strings.Repeat("第一审判庭", 8) + ", A;B"
	h := hearing.Hearing{ID: "x", CaseNumber: "（2026）浙0225民初1号", StartsAt: time.Unix(0, 0), EndsAt: time.Unix(3600, 0),
		Courtroom: room, Mode: hearing.Offline, Status: hearing.Scheduled, Seq: 1}
	got := hearing.ICalendar([]hearing.Hearing{h}, time.Unix(0, 0))
	if !strings.HasPrefix(got, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") || !strings.HasSuffix(got, "END:VCALENDAR\r\n") {
		t.Errorf("calendar frame: %q", got)
	}
	for _, line := range strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if !utf8Valid(line) {
			t.Errorf("split character in %q", line)
		}
	}
	unfolded := strings.ReplaceAll(got, "\r\n ", "")
	if !strings.Contains(unfolded, "\r\nLOCATION:"+strings.Repeat("第一审判庭", 8)+`\, A\;B`+"\r\n") {
		t.Errorf("unfolded location missing: %q", unfolded)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestCalendarFeed(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		h := f.online(t, c)
		rec := f.do("POST", "/api/v1/calendar/token", "u-lawyer", "")
		if rec.Code != 201 {
			t.Fatalf("token: %d %s", rec.Code, rec.Body)
		}
		tok, err := f.s.CreateCalendarToken(f.as("u-lawyer")) // rotation: the first stops working
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Calendar(t.Context(), "nope"); err == nil {
			t.Error("unknown token accepted")
		}
		rec = f.do("GET", "/calendar/"+tok+".ics", "", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Fatalf("feed: %d %s", rec.Code, rec.Header())
		}
		body := rec.Body.String()
		if !strings.Contains(body, "UID:"+h.ID+"@hearing.ecourt\r\n") || !strings.Contains(body, "LOCATION:在线庭审\r\n") ||
			!strings.Contains(body, "SUMMARY:"+c.Number+" 开庭\r\n") {
			t.Errorf("feed body = %q", body)
		}
		if _, err := f.s.Cancel(f.as("u-clerk"), h.ID, "原告撤诉"); err != nil {
			t.Fatal(err)
		}
		body, err = f.s.Calendar(t.Context(), tok)
		if err != nil || !strings.Contains(body, "STATUS:CANCELLED\r\n") {
			t.Errorf("after cancel: %q %v", body, err)
		}
		// The token is stored hashed.
		var n int
		if err := f.db.QueryRow(t.Context(), `SELECT COUNT(*) FROM hearing_calendar_token WHERE token_hash = ?`, tok).Scan(&n); err != nil || n != 0 {
			t.Errorf("token stored in clear (%d, %v)", n, err)
		}
		// A stranger's feed is empty.
		st, _ := f.s.CreateCalendarToken(f.as("u-stranger"))
		if body, _ := f.s.Calendar(t.Context(), st); strings.Contains(body, "VEVENT") {
			t.Errorf("stranger's feed lists hearings")
		}
	})
}
