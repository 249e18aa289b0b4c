package browsertest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// page is a small filing form in Chinese. Its script is a separate file, as
// the app's CSP (script-src 'self') demands, and posts the form with fetch.
const page = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>网上立案</title>
<style>
  body { font-family: sans-serif; margin: 16px; }
  label, input, button { display: block; box-sizing: border-box; width: 100%; font-size: 18px; margin: 8px 0; }
  #result { color: #0a5; font-size: 20px; }
</style>
</head>
<body>
<h1>网上立案</h1>
<p>请填写当事人姓名，然后提交。</p>
<form id="f">
  <label for="name">当事人姓名</label>
  <input id="name" name="name" autocomplete="off">
  <button id="submit" type="submit">提交</button>
</form>
<p id="result" hidden></p>
<script src="/app.js"></script>
</body>
</html>`

const script = `
document.getElementById('f').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/greet', {method: 'POST', body: new URLSearchParams(new FormData(e.target))});
  const out = document.getElementById('result');
  out.textContent = await res.text();
  out.hidden = false;
});
`

// server serves page, script and /api/greet with the app's strict CSP, and
// records the Accept-Language of the page request.
func server(t *testing.T) (*httptest.Server, func() string) {
	var mu sync.Mutex
	var acceptLang string
	mux := http.NewServeMux()
	csp := func(w http.ResponseWriter) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		acceptLang = r.Header.Get("Accept-Language")
		mu.Unlock()
		csp(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		io.WriteString(w, script)
	})
	mux.HandleFunc("POST /api/greet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "已收到：%s", r.PostFormValue("name"))
	})
	// Pages that break the rules, for TestFailOnConsoleErrors.
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		csp(w)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><meta charset="utf-8"><title>bad</title>
<script>document.title = "inline ran";</script>
<script src="/throw.js"></script>`)
	})
	mux.HandleFunc("GET /throw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		io.WriteString(w, `throw new Error("boom from throw.js");`)
	})
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, func() string {
		mu.Lock()
		defer mu.Unlock()
		return acceptLang
	}
}

// pageEnv is what a page sees of its browser.
type pageEnv struct {
	Width     int     `json:"width"`
	Ratio     float64 `json:"ratio"`
	Touch     bool    `json:"touch"`
	Lang      string  `json:"lang"`
	UserAgent string  `json:"ua"`
	TZ        string  `json:"tz"`
}

// TestPhoneForm proves the harness: a phone viewport, Chinese text, a form
// filled in and submitted with a click, a fetch to the server, the result read
// back, and a screenshot for people to look at.
func TestPhoneForm(t *testing.T) {
	if os.Getenv(EnvScreenshots) == "" {
		t.Setenv(EnvScreenshots, t.TempDir())
	}
	srv, acceptLang := server(t)
	ctx := New(t, Phone())
	FailOnConsoleErrors(ctx, t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "张三"),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#result")),
	)
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#result")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "已收到：张三"; got != want {
		t.Errorf("result = %q, want %q", got, want)
	}
	env, err := chromedp.Run(ctx, chromedp.Evaluate[pageEnv](`({width: innerWidth, ratio: devicePixelRatio, touch: navigator.maxTouchPoints > 0,
	      lang: navigator.language, ua: navigator.userAgent,
	      tz: Intl.DateTimeFormat().resolvedOptions().timeZone})`))
	if err != nil {
		t.Fatal(err)
	}
	if env.Width != 360 || env.Ratio != 2 || !env.Touch {
		t.Errorf("viewport = %d px at %v, touch %v; want 360 px at 2, touch true", env.Width, env.Ratio, env.Touch)
	}
	if !strings.Contains(env.UserAgent, "Mobile") {
		t.Errorf("user agent %q is not a mobile one", env.UserAgent)
	}
	if got, want := env.Lang, "zh-CN"; got != want {
		t.Errorf("navigator.language = %q, want %q", got, want)
	}
	if got, want := acceptLang(), "zh-CN"; !strings.HasPrefix(got, want) {
		t.Errorf("Accept-Language = %q, want it to start with %q", got, want)
	}
	if got, want := env.TZ, "Asia/Shanghai"; got != want {
		t.Errorf("time zone = %q, want %q", got, want)
	}

	p := Screenshot(ctx, t, "browsertest/phone-form")
	png, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG", p)
	}
}

// TestDesktopEnglish checks the viewport and the language options.
func TestDesktopEnglish(t *testing.T) {
	srv, acceptLang := server(t)
	ctx := New(t, Desktop(), Lang("en"), Timezone("UTC"))
	FailOnConsoleErrors(ctx, t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[innerWidth, innerHeight, devicePixelRatio, navigator.language,
		  Intl.DateTimeFormat().resolvedOptions().timeZone, navigator.userAgent.includes("Headless")].join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "1280 900 1 en UTC false"; got != want {
		t.Errorf("width height ratio lang tz headless-ua = %q, want %q", got, want)
	}
	if got, want := acceptLang(), "en"; !strings.HasPrefix(got, want) {
		t.Errorf("Accept-Language = %q, want it to start with %q", got, want)
	}
}

// TestFakeMedia checks that a page gets a camera without a prompt.
func TestFakeMedia(t *testing.T) {
	srv, _ := server(t)
	ctx := New(t, FakeMedia())
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`navigator.mediaDevices.getUserMedia({video: true, audio: true}).then(s => s.getTracks().length)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if want := 2; got != want {
		t.Errorf("tracks = %d, want %d", got, want)
	}
}

// recorder is a testing.TB whose failures and cleanups the test reads.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func (r *recorder) runCleanups() {
	for _, f := range slices.Backward(r.cleanups) {
		f()
	}
}

// TestFailOnConsoleErrors loads a page that breaks its CSP with an inline
// script and throws from another, and checks that both fail the test.
func TestFailOnConsoleErrors(t *testing.T) {
	srv, _ := server(t)
	ctx := New(t)
	rec := &recorder{TB: t}
	FailOnConsoleErrors(ctx, rec)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title == "inline ran" {
		t.Fatalf("the inline script ran despite the CSP")
	}
	rec.runCleanups()
	all := strings.Join(rec.errs, "\n")
	t.Logf("reported:\n%s", all)
	for _, want := range []string{"Content Security Policy", "boom from throw.js"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors do not mention %q:\n%s", want, all)
		}
	}
}

func TestScreenshotName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"phone-form", "phone-form.png"},
		{"a/b.png", "a/b.png"},
		{"TestX/sub case-failed", "TestX/sub_case-failed.png"},
		{"../../etc/passwd", "etc/passwd.png"},
		{"网上立案", "网上立案.png"},
		{"", "screenshot.png"},
	}
	for _, tt := range tests {
		if got := screenshotName(tt.in); got != filepath.FromSlash(tt.want) {
			t.Errorf("screenshotName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFindChromium(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvChromium {
				return v
			}
			return ""
		}
	}
	got, err := findChromium(env(exe), notFound)
	if err != nil || got != exe {
		t.Errorf("with %s set: %q, %v; want %q", EnvChromium, got, err, exe)
	}
	if _, err := findChromium(env(filepath.Join(t.TempDir(), "missing")), notFound); err == nil {
		t.Errorf("a missing %s gave no error", EnvChromium)
	}
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		if _, err := findChromium(env(""), notFound); err == nil {
			t.Errorf("no browser anywhere gave no error")
		}
		got, err := findChromium(env(""), func(string) (string, error) { return exe, nil })
		if err != nil || got != exe {
			t.Errorf("on PATH: %q, %v; want %q", got, err, exe)
		}
	}
}
