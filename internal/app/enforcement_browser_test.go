package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/platform/browsertest"
)

// TestBrowserEnforcementOnPhones runs on the demo's enforcement case in
// the whole app (sign-in, middleware, CSP, assets): the applicant opens
// the case page on a phone in large-text mode and sees the steps so far
// (the freeze with the account number masked, the money received from the
// case account, the lead waiting for an answer); the officer, on another
// phone with a fake camera and an emulated position, records a site visit
// with a photo from the node form; the applicant's page shows it without
// reloading.
func TestBrowserEnforcementOnPhones(t *testing.T) {
	ta := startApp(t, testConfig(t, true))
	var caseID string
	if err := ta.DB.QueryRow(context.Background(), `SELECT id FROM casefile_case WHERE type_code = '执'`).Scan(&caseID); err != nil {
		t.Fatalf("demo enforcement case: %v", err)
	}
	casePath := "/enforcement/cases/" + caseID
	open := func(login string, opts ...browsertest.Option) *browser {
		bctx := browsertest.New(t, append([]browsertest.Option{browsertest.Phone()}, opts...)...)
		browsertest.FailOnConsoleErrors(bctx, t)
		b := &browser{t: t, ctx: bctx}
		b.do(chromedp.Navigate(ta.URL + "/demo"))
		b.waitFor(`document.querySelector('button[data-login="` + login + `"]') !== null`)
		b.markPage()
		b.do(chromedp.Click(chromedp.CSS(`button[data-login="` + login + `"]`)))
		b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
		return b
	}

	app := open("litigant")
	app.do(chromedp.Navigate(ta.URL + casePath))
	app.waitFor(`document.querySelector("#timeline[data-connected='1']") !== null`)
	app.waitFor(`document.querySelector("#timeline li[data-kind='money_received']") !== null`)
	text := app.text("#timeline")
	for _, want := range []string{"冻结", "执行款到账", "20000.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("applicant's timeline lacks %q: %s", want, text)
		}
	}
	if strings.Contains(app.eval(`document.body.innerText`), "6228480000012345678") {
		t.Errorf("the debtor's account number is shown to the applicant unmasked")
	}
	app.noHorizontalScroll("applicant's enforcement page")
	browsertest.Screenshot(app.ctx, t, "enforcement-app/01-applicant")
	app.do(chromedp.Navigate(ta.URL + casePath + "?elderly=1"))
	app.waitFor(`document.body.classList.contains("elderly") && document.querySelector("#timeline[data-connected='1']") !== null`)
	app.noHorizontalScroll("applicant's enforcement page, large text")
	browsertest.Screenshot(app.ctx, t, "enforcement-app/01-applicant-large-text")
	before := app.eval(`document.querySelectorAll("#timeline li.enf-node").length`)

	off := open("enforcer", browsertest.FakeMedia())
	if err := browsertest.Geolocation(off.ctx, 30.171234, 121.266789, 8); err != nil {
		t.Fatal(err)
	}
	off.do(chromedp.Navigate(ta.URL + casePath + "/record"))
	off.waitFor(`document.querySelector("#node-form[data-located='1']") !== null`)
	off.noHorizontalScroll("officer's node form")
	off.eval(`(function(){var s=document.querySelector("#kind"); s.value="site_visit"; s.dispatchEvent(new Event("change")); return s.value})()`)
	off.do(chromedp.SendKeys(chromedp.CSS("#text"), "到被执行人住所地现场调查，查看车辆"))
	off.do(chromedp.Click(chromedp.CSS("#camera-start")))
	off.waitFor(`(function(){var v=document.querySelector("#camera-preview"); return v.videoWidth > 0 && !v.hidden})()`)
	off.do(chromedp.Click(chromedp.CSS("#camera-shot")))
	off.waitFor(`document.querySelector("#photos").files.length === 1`)
	off.markPage()
	off.do(chromedp.Click(chromedp.CSS("#node-submit")))
	off.waitFor(fmt.Sprintf(`window.__e2eOld === undefined && document.readyState === "complete" && (location.pathname === %q || document.querySelector(".form-error") !== null)`, casePath))
	if e := off.eval(`document.querySelector(".form-error") ? document.querySelector("#node-form").innerText : ""`); e != "" {
		t.Fatalf("the node form was refused: %s", e)
	}

	app.waitFor(`document.querySelector("#timeline li[data-kind='site_visit'].enf-new img.enf-thumb") !== null`)
	if got := app.eval(`document.querySelectorAll("#timeline li.enf-node").length`); got == before {
		t.Errorf("timeline length unchanged: %s", got)
	}
	if got := app.text("#timeline li[data-kind='site_visit']"); !strings.Contains(got, "查看车辆") {
		t.Errorf("live node: %s", got)
	}
	browsertest.Screenshot(app.ctx, t, "enforcement-app/02-applicant-live")
}
