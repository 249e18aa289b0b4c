package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/platform/browsertest"
)

// TestBrowserPhoneJourney walks a new litigant through the site on a 360 px
// phone in real Chromium: register with an SMS code, verify their identity,
// land on "my cases", switch the account to English and to elderly mode.
// Any console error (a CSP violation, a failed asset) fails the test.
func TestBrowserPhoneJourney(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.FailOnConsoleErrors(ctx, t)
	b := &browser{t: t, ctx: ctx}
	shot := func(name string) { browsertest.Screenshot(ctx, t, "phone-journey/"+name) }

	b.do(chromedp.Navigate(ta.URL + "/"))
	b.waitFor(`document.querySelector("#start-register") !== null`)
	b.noHorizontalScroll("/")
	shot("01-home")

	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#start-register")))
	b.waitNewPage("/register")
	mobile := newMobile()
	b.do(chromedp.SendKeys(chromedp.CSS("#mobile"), mobile))
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#send-code")))
	b.waitNewPage("/register")
	b.waitFor(`document.querySelector("#code-sent") !== null`)
	b.noHorizontalScroll("/register")
	shot("02-register-code-sent")

	code := ta.codeFor(t, mobile)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#code"), code),
		chromedp.SendKeys(chromedp.CSS("#password"), "secret123"),
	)
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#register")))
	b.waitNewPage("/verify")
	b.noHorizontalScroll("/verify")
	shot("03-verify")

	b.do(
		chromedp.SendKeys(chromedp.CSS("#name"), "测试 王五"),
		chromedp.SendKeys(chromedp.CSS("#id_number"), newResidentID()),
	)
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#verify")))
	b.waitNewPage("/cases")
	if h1 := b.text("h1"); h1 != "我的案件" {
		t.Errorf("after verification the page says %q, want 我的案件", h1)
	}
	shot("04-my-cases")

	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/settings"))
	b.waitNewPage("/settings")
	b.do(chromedp.SetValue(chromedp.CSS("#lang"), "en"))
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#save-settings")))
	b.waitNewPage("/settings")
	if nav := b.text(".site-nav"); !strings.Contains(nav, "My cases") {
		t.Errorf("after switching to English the navigation says %q, want My cases", nav)
	}
	if lang := b.eval(`document.documentElement.lang`); lang != "en" {
		t.Errorf("html lang %q, want en", lang)
	}
	b.noHorizontalScroll("/settings (en)")
	shot("05-settings-english")

	b.do(chromedp.Click(chromedp.CSS("#elderly")))
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#save-settings")))
	b.waitNewPage("/settings")
	if cls := b.eval(`document.body.className`); !strings.Contains(cls, "elderly") {
		t.Errorf("body class %q, want elderly", cls)
	}
	fs := b.eval(`getComputedStyle(document.body).fontSize`)
	if size, err := strconv.ParseFloat(strings.TrimSuffix(fs, "px"), 64); err != nil || size < 20 {
		t.Errorf("elderly body font-size %s (%v), want 20px or more", fs, err)
	}
	b.noHorizontalScroll("/settings (elderly)")
	shot("06-settings-elderly")

	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/cases"))
	b.waitNewPage("/cases")
	b.waitFor(`(function(){const e = document.querySelector("#no-cases") || document.querySelector("#my-cases"); return e !== null && e.offsetParent !== null})()`)
	b.noHorizontalScroll("/cases (elderly)")
	shot("07-cases-elderly")
}

// browser wraps the chromedp context of one test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// do runs actions, failing the test on error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression and returns it as a string.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return fmt.Sprint(v)
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(b.eval(fmt.Sprintf(`(document.querySelector(%q) || {innerText: ""}).innerText`, sel)))
}

// markPage marks the current document, so waitNewPage can tell a new page
// (after a form submission or a redirect) from the old one.
func (b *browser) markPage() {
	b.t.Helper()
	b.eval(`window.__e2eOld = true`)
}

// waitFor waits until a JavaScript condition holds in the current page,
// riding out navigations (an evaluation during one fails and is retried).
func (b *browser) waitFor(cond string) {
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

// waitNewPage waits for a new, fully loaded document at path.
func (b *browser) waitNewPage(path string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf(`window.__e2eOld === undefined && document.readyState === "complete" && location.pathname === %q`, path))
}

// noHorizontalScroll checks that the page fits the phone's width.
func (b *browser) noHorizontalScroll(what string) {
	b.t.Helper()
	if v := b.eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`); v != "0" {
		b.t.Errorf("%s: the page is %s px wider than the 360 px screen", what, v)
	}
}
