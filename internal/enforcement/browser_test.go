package enforcement_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/browsertest"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// tab is one browser tab of the test.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (b tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func (b tab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return fmt.Sprint(v)
}

// waitFor polls a JavaScript condition; the 30 s bound is a failure
// deadline, not a timing assertion.
func (b tab) waitFor(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(b.ctx, chromedp.Location())
			b.t.Fatalf("browser: %s did not hold within 30 s (at %s, last error %v)", cond, loc, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b tab) noHorizontalScroll(what string) {
	b.t.Helper()
	if v := b.eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`); v != "0" {
		b.t.Errorf("%s: the page is %s px wider than the phone's screen", what, v)
	}
}

// TestBrowserNodeLive: on a phone with a fake camera and an emulated
// position, an officer opens the camera, takes a photo and records an
// on-site node; the applicant, whose case page is open on another phone,
// sees it arrive live over server-sent events with the photo and the
// rounded position — through the real path: outbox row, relay, JetStream,
// the hub's one feed, SSE.
func TestBrowserNodeLive(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk)
	r := f.opened(t)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	octx, ocancel := context.WithTimeout(ctx, 30*time.Second)
	b, err := bus.Open(octx, bus.Config{DataDir: t.TempDir()})
	ocancel()
	if err != nil {
		t.Fatalf("bus: %v", err)
	}
	t.Cleanup(b.Close)
	b.StartRelay(ctx, db)
	stop := f.hub.Feed(ctx, b, enforcement.NodeSubjects, enforcement.RouteNode)
	t.Cleanup(stop)
	srv := httptest.NewServer(f.pages(t))
	t.Cleanup(srv.Close)
	casePath := "/enforcement/cases/" + r.CaseID

	app := tab{t, browsertest.New(t, browsertest.Phone())}
	browsertest.FailOnConsoleErrors(app.ctx, t)
	app.do(chromedp.Navigate(srv.URL + "/test-login?u=u-applicant&next=" + casePath))
	app.waitFor(`document.querySelector("#timeline[data-connected='1']") !== null`)
	app.noHorizontalScroll("applicant's case page")
	before := app.eval(`document.querySelectorAll("#timeline li.enf-node").length`)

	off := tab{t, browsertest.New(t, browsertest.Phone(), browsertest.FakeMedia())}
	browsertest.FailOnConsoleErrors(off.ctx, t)
	if err := browsertest.Geolocation(off.ctx, 29.476543, 121.869876, 12); err != nil {
		t.Fatal(err)
	}
	off.do(chromedp.Navigate(srv.URL + "/test-login?u=u-officer&next=" + casePath + "/record"))
	off.waitFor(`document.querySelector("#node-form[data-located='1']") !== null`)
	off.noHorizontalScroll("officer's node form")
	off.eval(`(function(){var s=document.querySelector("#kind"); s.value="site_visit"; s.dispatchEvent(new Event("change")); return s.value})()`)
	off.do(chromedp.SendKeys(chromedp.CSS("#text"), "执行人员到被执行人住所现场执行，张贴公告"))
	off.do(chromedp.Click(chromedp.CSS("#camera-start")))
	off.waitFor(`(function(){var v=document.querySelector("#camera-preview"); return v.videoWidth > 0 && !v.hidden})()`)
	off.do(chromedp.Click(chromedp.CSS("#camera-shot")))
	off.waitFor(`document.querySelector("#photos").files.length === 1`)
	browsertest.Screenshot(off.ctx, t, "enforcement/01-officer-node-form")
	// The phone stamps its own clock; the server's must be near it.
	f.clk.Set(time.Now())
	off.do(chromedp.Click(chromedp.CSS("#node-submit")))
	off.waitFor(fmt.Sprintf(`(location.pathname === %q || document.querySelector(".form-error") !== null) && document.readyState === "complete"`, casePath))
	if e := off.eval(`document.querySelector(".form-error") ? document.querySelector("#node-form").innerText : ""`); e != "" {
		t.Fatalf("the node form was refused: %s", e)
	}
	if got := off.eval(`document.querySelector(".flash") ? document.querySelector(".flash").textContent : ""`); !strings.Contains(got, "已记录") {
		t.Errorf("officer's flash = %q", got)
	}

	// The applicant's open page gets the node without reloading.
	app.waitFor(`document.querySelector("#timeline li[data-kind='site_visit'].enf-new img.enf-thumb") !== null`)
	app.waitFor(`document.querySelector("#timeline li[data-kind='site_visit'] img.enf-thumb").naturalWidth > 0`)
	if got := app.eval(`document.querySelectorAll("#timeline li.enf-node").length`); got == before {
		t.Errorf("timeline length unchanged: %s", got)
	}
	text := app.eval(`document.querySelector("#timeline li[data-kind='site_visit']").innerText`)
	for _, want := range []string{"现场执行", "张贴公告", "29.477000, 121.870000", "±100 m"} {
		if !strings.Contains(text, want) {
			t.Errorf("live node lacks %q: %s", want, text)
		}
	}
	app.noHorizontalScroll("applicant's case page with the live node")
	browsertest.Screenshot(app.ctx, t, "enforcement/02-applicant-live-node")

	// What was stored: the photo as a JPEG, the phone's position whole.
	vs, err := f.s.Nodes(f.as("u-officer"), r.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	last := vs[len(vs)-1]
	if last.Kind != "site_visit" || len(last.Attachments) != 1 || last.Attachments[0].Kind != "jpeg" || last.Position == nil ||
		last.Position.LatE6 != 29_476_543 || last.DeviceAt == nil {
		t.Errorf("stored node = %+v (position %+v)", last, last.Position)
	}
}
