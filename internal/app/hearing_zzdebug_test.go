package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/platform/browsertest"
	"github.com/ecourt/ecourt/internal/platform/clock"
)

func TestZZDebugRoom(t *testing.T) {
	clk := clock.NewFixed(time.Now())
	ta := startApp(t, testConfig(t, true), WithClock(clk))
	ctx := context.Background()
	var caseID, plaintiff string
	ta.DB.QueryRow(ctx, `SELECT id FROM casefile_case WHERE type_code = '民初' AND cause = '民间借贷纠纷' ORDER BY created_at LIMIT 1`).Scan(&caseID)
	ta.DB.QueryRow(ctx, `SELECT id FROM casefile_party WHERE case_id = ? AND role = 'plaintiff'`, caseID).Scan(&plaintiff)
	judge := newClient(t, ta.URL)
	judge = judge.withToken(loginAPI(t, judge, "judge", DemoPassword))
	start := clk.Now().AddDate(0, 0, 4)
	r := must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", map[string]any{"starts_at": start, "duration_minutes": 60,
		"courtroom": "第三法庭", "public": true, "modes": map[string]string{plaintiff: "online"}}), http.StatusCreated)
	hid := decode[struct{ ID string `json:"id"` }](t, r).ID
	clk.Set(start.Add(-15 * time.Minute))
	bctx := browsertest.New(t, browsertest.Phone(), browsertest.FakeMedia())
	b := &browser{t: t, ctx: bctx}
	b.do(chromedp.Navigate(ta.URL + "/demo"))
	b.waitFor(`document.querySelector('button[data-login="judge"]') !== null`)
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS(`button[data-login="judge"]`)))
	b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/hearings/" + hid + "/room"))
	b.waitNewPage("/hearings/" + hid + "/room")
	t0 := time.Now()
	b.do(chromedp.Click(chromedp.CSS("#room-enter")))
	for i := 0; i < 40; i++ {
		t.Logf("%v err=%q panel=%s lk=%s", time.Since(t0).Round(time.Millisecond), b.text("#room-error"), b.eval(`document.querySelector("#room-panel") ? document.querySelector("#room-panel").hidden : "none"`), b.eval(`typeof window.LivekitClient`))
		time.Sleep(time.Second)
	}
}
