package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// TestHearingScheduledSummonsServedAndCalendar schedules a hearing in the
// demo loan case as its judge and checks what follows on its own: a sealed
// 传票 for each party on the case, the hearing in the parties' iCalendar
// feeds, and the refusal of a second hearing that would clash with the
// first for the same judge.
func TestHearingScheduledSummonsServedAndCalendar(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ta := startDialect(t, d, true)
			ctx := context.Background()
			var caseID string
			if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_case WHERE type_code = '民初' AND cause = '民间借贷纠纷' ORDER BY created_at LIMIT 1`).Scan(&caseID); err != nil {
				t.Fatal(err)
			}
			judge := newClient(t, ta.URL)
			judge = judge.withToken(loginAPI(t, judge, "judge", DemoPassword))
			lit := newClient(t, ta.URL)
			lit = lit.withToken(loginAPI(t, lit, "litigant", DemoPassword))

			start := time.Now().In(clock.China).AddDate(0, 0, 5).Truncate(time.Hour).Add(time.Hour)
			body := map[string]any{"starts_at": start, "duration_minutes": 90, "courtroom": "第三法庭", "public": true}
			r := must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", body), http.StatusCreated)
			h := decode[struct {
				ID string `json:"id"`
			}](t, r)
			if h.ID == "" {
				t.Fatalf("no hearing: %s", r)
			}
			// Two days' notice is too short (CPL Art. 139).
			soon := map[string]any{"starts_at": time.Now().Add(48 * time.Hour), "duration_minutes": 60, "courtroom": "第四法庭", "public": true}
			must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", soon), http.StatusBadRequest)
			// The same judge at the same time: a conflict.
			clash := map[string]any{"starts_at": start.Add(30 * time.Minute), "duration_minutes": 60, "courtroom": "第四法庭", "public": true}
			if r := judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", clash); r.StatusCode < 400 {
				t.Errorf("a clashing hearing was scheduled: %s", r)
			}
			// A party may not schedule.
			if r := lit.do("POST", "/api/v1/cases/"+caseID+"/hearings", body); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
				t.Errorf("a party scheduled a hearing: %s", r)
			}

			// The summonses are issued and sealed for both parties.
			deadline := time.Now().Add(30 * time.Second)
			for {
				r = must(t, judge.get("/api/v1/cases/"+caseID+"/documents"), http.StatusOK)
				if strings.Count(string(r.Body), `"kind":"summons"`) == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("summonses: %s", truncate(r.String(), 800))
				}
				time.Sleep(200 * time.Millisecond)
			}

			// The hearing is in the litigant's calendar feed.
			r = must(t, lit.do("POST", "/api/v1/calendar/token", nil), http.StatusCreated)
			feed := decode[struct {
				URL string `json:"url"`
			}](t, r).URL
			anon := newClient(t, ta.URL)
			ics := string(must(t, anon.get(feed), http.StatusOK).Body)
			if !strings.Contains(ics, "BEGIN:VEVENT") || !strings.Contains(ics, "UID:") || !strings.Contains(ics, start.UTC().Format("20060102T150405Z")) {
				t.Errorf("calendar feed: %s", truncate(ics, 800))
			}
		})
	}
}
