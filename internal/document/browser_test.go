package document_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/platform/browsertest"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// TestBrowserVerifyOnPhone drives the public verification page in Chromium
// on a 360 px phone, behind the platform's security and CSRF middleware: a
// code link, the large-text mode, a code typed by hand in lower case
// without hyphens, and the upload of a changed copy. The page never
// scrolls sideways.
func TestBrowserVerifyOnPhone(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk)
	c := f.newCase(t)
	d := f.issue(t, c, "")
	bad := f.download(t, d.ID, "u-judge")
	bad[len(bad)/2] ^= 1
	badPath := filepath.Join(t.TempDir(), "judgment.pdf")
	if err := os.WriteFile(badPath, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.handler(t, true))
	t.Cleanup(srv.Close)

	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.FailOnConsoleErrors(ctx, t)
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, actions...); err != nil {
			t.Fatalf("browser: %v", err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(tctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("browser: %s: %v", expr, err)
		}
		return fmt.Sprint(v)
	}
	// verdict waits for a new page's verdict and checks it and the width.
	verdict := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for eval(`window.__old === undefined && document.readyState === "complete" && document.querySelector("#verdict") !== null`) != "true" {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no verdict at %s", what, eval(`location.href`))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := eval(`document.querySelector("#verdict").dataset.status`); got != want {
			t.Errorf("%s: verdict %q, want %q: %s", what, got, want, eval(`document.querySelector("#verdict").innerText`))
		}
		if v := eval(`document.documentElement.scrollWidth - document.documentElement.clientWidth`); v != "0" {
			t.Errorf("%s: the page is %s px wider than the 360 px screen", what, v)
		}
		browsertest.Screenshot(ctx, t, "document/"+strings.ReplaceAll(what, " ", "-"))
	}

	do(chromedp.Navigate(srv.URL + document.PagePath + "?code=" + url.QueryEscape(d.Code)))
	verdict("code link", "valid")
	do(chromedp.Navigate(srv.URL + document.PagePath + "?elderly=1&code=" + url.QueryEscape(d.Code)))
	verdict("code link large text", "valid")
	if eval(`document.body.classList.contains("elderly")`) != "true" {
		t.Error("the large-text mode is not on")
	}

	do(chromedp.Navigate(srv.URL + document.PagePath + "?elderly=0"))
	eval(`window.__old = true`)
	do(chromedp.SendKeys("#code", strings.ToLower(strings.ReplaceAll(d.Code, "-", ""))),
		chromedp.Submit("#code"))
	verdict("typed code", "valid")

	do(chromedp.Navigate(srv.URL + document.PagePath))
	eval(`window.__old = true`)
	do(chromedp.SetUploadFiles("#file", []string{badPath}), chromedp.Submit("#file"))
	verdict("changed upload", "invalid")
	if !strings.Contains(eval(`document.querySelector("#signature").innerText`), "改动") {
		t.Errorf("the page does not say the file was changed: %s", eval(`document.querySelector("#result").innerText`))
	}
}
