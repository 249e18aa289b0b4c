package app

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/browsertest"
)

// TestBrowserCaseTimelineIsLive opens a case page as the demo litigant on a
// phone and changes the case on the court's side: the new timeline entry
// appears on the open page without a reload, pushed over server-sent
// events from the outbox through the bus.
func TestBrowserCaseTimelineIsLive(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.FailOnConsoleErrors(ctx, t)
	b := &browser{t: t, ctx: ctx}

	var caseID string
	if err := ta.DB.QueryRow(context.Background(), `SELECT id FROM casefile_case WHERE number LIKE '%浙0225民初%'`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate(ta.URL + "/demo"))
	b.waitFor(`document.querySelector('button[data-login="litigant"]') !== null`)
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS(`button[data-login="litigant"]`)))
	b.waitNewPage("/cases")
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/cases/" + caseID))
	b.waitNewPage("/cases/" + caseID)
	b.waitFor(`document.querySelector("#timeline") !== null`)
	before := b.eval(`document.querySelectorAll("#timeline li").length`)
	// Give the page's EventSource a moment to connect before the change.
	b.waitFor(`document.querySelector("#timeline").getAttribute("data-connected") === "1"`)

	const note = "已排期开庭（实时推送测试）"
	if _, err := ta.svc.casefile.Transition(casefile.AsSystem(context.Background()), caseID, casefile.InTrial, note); err != nil {
		t.Fatal(err)
	}
	b.waitFor(`document.querySelector("#timeline").innerText.includes("` + note + `")`)
	after := b.eval(`document.querySelectorAll("#timeline li").length`)
	if after == before {
		t.Errorf("timeline entries: before %s, after %s", before, after)
	}
	if !strings.Contains(b.text("#timeline"), note) {
		t.Error("the new entry is not shown")
	}
	browsertest.Screenshot(ctx, t, "live/case-timeline")
}
