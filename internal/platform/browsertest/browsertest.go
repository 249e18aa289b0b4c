// Package browsertest runs end-to-end tests in a real headless Chromium, driven
// through github.com/chromedp/chromedp.
//
// New starts one browser for one test and stops it when the test ends:
//
//	func TestFilingForm(t *testing.T) {
//		ctx := browsertest.New(t, browsertest.Phone())
//		browsertest.FailOnConsoleErrors(ctx, t)
//		err := chromedp.Do(ctx,
//			chromedp.Navigate(srv.URL+"/filing/new"),
//			chromedp.Click(chromedp.CSS("#submit")),
//		)
//		...
//		browsertest.Screenshot(ctx, t, "filing-form")
//	}
//
// The browser is Debian's chromium: ECOURT_TEST_CHROMIUM, else /usr/bin/chromium,
// else chromium on PATH. scripts/test.sh installs it and sets the variable.
// Without a browser the test skips, except when CI=true, where it fails, so
// that a CI run without a browser cannot pass by skipping.
//
// The machine has no network but loopback: serve pages with net/http/httptest
// or the real app on 127.0.0.1, and ship every asset (no CDN).
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Environment variables that the package reads.
const (
	// EnvChromium names the browser executable.
	EnvChromium = "ECOURT_TEST_CHROMIUM"
	// EnvScreenshots names a directory; Screenshot writes its PNG files there,
	// and New writes one for each failed test.
	EnvScreenshots = "ECOURT_TEST_SCREENSHOTS"
)

// PhoneUserAgent is the user agent of Phone: Chrome on an Android phone.
const PhoneUserAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"

// startTimeout bounds the start of the browser and the setup of its tab.
const startTimeout = 60 * time.Second

type config struct {
	width, height int64
	scale         float64
	mobile        bool
	userAgent     string
	lang          string
	timezone      string
	fakeMedia     bool
}

// Option changes the browser that New starts.
type Option func(*config)

// Desktop gives a 1280x900 viewport at device scale 1, with the browser's own
// user agent. It is the default.
func Desktop() Option {
	return func(c *config) {
		c.width, c.height, c.scale, c.mobile, c.userAgent = 1280, 900, 1, false, ""
	}
}

// Phone emulates a phone: a 360x740 viewport at device scale 2, mobile layout
// (the meta viewport applies), touch events, and PhoneUserAgent.
func Phone() Option {
	return func(c *config) {
		c.width, c.height, c.scale, c.mobile, c.userAgent = 360, 740, 2, true, PhoneUserAgent
	}
}

// PhoneSize is Phone with another viewport, e.g. 390x844 (a common
// current phone).
func PhoneSize(width, height int64) Option {
	return func(c *config) {
		c.width, c.height, c.scale, c.mobile, c.userAgent = width, height, 2, true, PhoneUserAgent
	}
}

// Lang sets the language that the page sees, as a BCP 47 tag such as "en" or
// "zh-CN": the Accept-Language header, navigator.language and the locale of
// Intl. The default is "zh-CN", the product's default language.
func Lang(tag string) Option {
	return func(c *config) { c.lang = tag }
}

// Timezone sets the IANA time zone of the page's clock and Date. The default
// is "Asia/Shanghai", so that dates render the same on every machine.
func Timezone(name string) Option {
	return func(c *config) { c.timezone = name }
}

// FakeMedia lets pages use the camera and microphone without a prompt, with
// Chromium's fake devices (a test pattern and a beep), for tests of capture.
func FakeMedia() Option {
	return func(c *config) { c.fakeMedia = true }
}

// New starts a headless Chromium for the test, with a fresh profile in
// t.TempDir(), and returns a chromedp context for its one tab: pass it to
// chromedp.Do and chromedp.Run. The browser stops when the test ends; its
// cleanup runs after the cleanups that the test registers later, which can
// still use the browser. With no browser installed New skips the test, or
// fails it when CI=true.
//
// Do not set a timeout on the returned context itself (it would stop the
// browser); derive one with context.WithTimeout for a single action.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	c := config{lang: "zh-CN", timezone: "Asia/Shanghai"}
	Desktop()(&c)
	for _, o := range opts {
		o(&c)
	}

	path, err := findChromium(os.Getenv, exec.LookPath)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browsertest: %v (CI=true: a missing browser fails)", err)
		}
		t.Skipf("browsertest: %v", err)
	}

	// The profile, and Chromium's temporary files (TMPDIR), live in the
	// test's temporary directory and go with it.
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile")
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	out := &syncBuffer{}
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(out),
		chromedp.WindowSize(int(c.width), int(c.height)),
		chromedp.Flag("lang", c.lang),
		chromedp.Flag("accept-lang", c.lang),
		chromedp.Env("TZ="+c.timezone, "TMPDIR="+tmp),
	}
	for _, f := range chromiumFlags(c) {
		allocOpts = append(allocOpts, chromedp.Flag(f, true))
	}
	// DefaultExecAllocatorOptions adds Puppeteer's quiet flags; ours follow
	// and win where both set one.
	allocOpts = append(chromedp.DefaultExecAllocatorOptions[:], allocOpts...)

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	stop := func() {
		cancelCtx()
		cancelAlloc()
		// Chromium's helpers can outlive the main process by a moment and
		// still write into the profile; remove it before TempDir's cleanup
		// does, retrying, so that its cleanup does not fail the test.
		removeRetry(profile, 5*time.Second)
		removeRetry(tmp, 5*time.Second)
	}
	t.Cleanup(func() {
		if t.Failed() && os.Getenv(EnvScreenshots) != "" && ctx.Err() == nil {
			if p, err := saveScreenshot(ctx, t.Name()+"-failed"); err != nil {
				t.Logf("browsertest: screenshot of the failed test: %v", err)
			} else {
				t.Logf("browsertest: screenshot of the failed test: %s", p)
			}
		}
		stop()
	})

	if err := setup(ctx, c); err != nil {
		stop()
		t.Fatalf("browsertest: start %s: %v\n%s", path, err, tail(out.String(), 2000))
	}
	return ctx
}

// chromiumFlags returns the boolean command line flags for c. Without the
// network flags Chromium keeps trying to reach Google's hosts, which this
// machine refuses.
func chromiumFlags(c config) []string {
	flags := []string{
		"headless",
		"no-sandbox", // root in CI; the sandbox needs user namespaces
		"disable-gpu",
		"disable-quic",
		"no-first-run",
		"disable-background-networking",
		"disable-component-update",
		"disable-sync",
		"disable-dev-shm-usage",
		"disable-crash-reporter",
		"disable-default-apps",
		"disable-extensions",
		"no-default-browser-check",
		"mute-audio",
		"hide-scrollbars",
	}
	if c.fakeMedia {
		flags = append(flags, "use-fake-ui-for-media-stream", "use-fake-device-for-media-stream")
	}
	return flags
}

// setup starts the browser and sets the emulation of its tab.
func setup(ctx context.Context, c config) error {
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout here
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	ua := c.userAgent
	if ua == "" {
		v, err := chromedp.CallBrowser(tctx, browser.GetVersion, cdp.Empty{})
		if err != nil {
			return fmt.Errorf("browser version: %w", err)
		}
		// Pages see a normal Chrome, not "HeadlessChrome".
		ua = strings.ReplaceAll(v.UserAgent, "HeadlessChrome", "Chrome")
	}
	if _, err := chromedp.Call(tctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent:      ua,
		AcceptLanguage: c.lang,
	}); err != nil {
		return fmt.Errorf("user agent: %w", err)
	}
	if _, err := chromedp.Call(tctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{
		Locale: strings.ReplaceAll(c.lang, "-", "_"),
	}); err != nil {
		return fmt.Errorf("locale %q: %w", c.lang, err)
	}
	if _, err := chromedp.Call(tctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{
		TimezoneID: c.timezone,
	}); err != nil {
		return fmt.Errorf("time zone %q: %w", c.timezone, err)
	}
	viewport := []chromedp.EmulateViewportOption{chromedp.EmulateScale(c.scale), chromedp.EmulatePortrait}
	if c.width > c.height {
		viewport[1] = chromedp.EmulateLandscape
	}
	if c.mobile {
		viewport = append(viewport, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.Do(tctx, chromedp.EmulateViewport(c.width, c.height, viewport...))
}

// findChromium returns the browser to start: EnvChromium when set (it must
// then exist), else /usr/bin/chromium, else chromium or chromium-browser on
// PATH.
func findChromium(getenv func(string) string, lookPath func(string) (string, error)) (string, error) {
	if p := getenv(EnvChromium); p != "" {
		if !isExecutable(p) {
			return "", fmt.Errorf("%s=%s is not an executable file", EnvChromium, p)
		}
		return p, nil
	}
	if isExecutable("/usr/bin/chromium") {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := lookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium: set " + EnvChromium + ", or install Debian's chromium (scripts/test.sh does)")
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Screenshot takes a PNG of the whole page in the browser of ctx, and writes
// it as name (".png" is added when missing) in the directory that
// ECOURT_TEST_SCREENSHOTS names, creating it. It returns the path of the file,
// or "" when the variable is empty: the picture is still taken, so a page that
// cannot be captured fails the test on every machine. Screenshot fails the test
// when capture or writing fails. Use names that tell a person what they see,
// such as "filing-form-phone"; slashes in name make subdirectories.
func Screenshot(ctx context.Context, t testing.TB, name string) string {
	t.Helper()
	p, err := saveScreenshot(ctx, name)
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	if p != "" {
		t.Logf("browsertest: screenshot %s", p)
	}
	return p
}

func saveScreenshot(ctx context.Context, name string) (string, error) {
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", err
	}
	dir := os.Getenv(EnvScreenshots)
	if dir == "" {
		return "", nil
	}
	p := filepath.Join(dir, screenshotName(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, png, 0o644)
}

var unsafeName = regexp.MustCompile(`[^\p{L}\p{N}._/-]+`)

// screenshotName turns name, which may be a test name with spaces and
// slashes, into a relative file name that ends in .png and stays inside the
// directory.
func screenshotName(name string) string {
	var parts []string
	for _, part := range strings.Split(unsafeName.ReplaceAllString(name, "_"), "/") {
		if part != "" && part != "." && part != ".." {
			parts = append(parts, part)
		}
	}
	n := filepath.Join(parts...)
	if n == "" {
		n = "screenshot"
	}
	if !strings.HasSuffix(n, ".png") {
		n += ".png"
	}
	return n
}

// FailOnConsoleErrors makes the test fail, when it ends, if the page in the
// browser of ctx wrote an error to its console from now on: console.error, an
// uncaught exception or unhandled promise rejection, or an error of the
// browser log such as a Content-Security-Policy violation or a failed load
// of a script or style. Call it right after New, before the first Navigate.
// Each error is reported with its source and place.
func FailOnConsoleErrors(ctx context.Context, t testing.TB) {
	t.Helper()
	w := watchConsole(ctx)
	t.Cleanup(func() {
		for _, m := range w.errors() {
			t.Errorf("browsertest: console %s", m)
		}
	})
}

// consoleWatch collects the error messages of a tab's console.
type consoleWatch struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
	seen map[string]bool // sync markers that came through
	done chan struct{}
	next int
	err  error // why the subscription ended early, if it did
}

// syncMarker starts the text of the console.debug calls that errors uses to
// know that every earlier message has been read.
const syncMarker = "browsertest-sync-"

func watchConsole(ctx context.Context) *consoleWatch {
	w := &consoleWatch{ctx: ctx, seen: map[string]bool{}, done: make(chan struct{})}
	messages := chromedp.Console(ctx) // subscribes now, before any navigation
	go func() {
		defer close(w.done)
		for m, err := range messages {
			if err != nil {
				if ctx.Err() == nil {
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
				}
				return
			}
			w.mu.Lock()
			if strings.HasPrefix(m.Text, syncMarker) {
				w.seen[m.Text] = true
			} else if isError(m) {
				w.errs = append(w.errs, describe(m))
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// errors returns the errors so far. It first writes a marker to the console
// and waits for it, so that messages of the page's last actions, already on
// their way, are counted too.
func (w *consoleWatch) errors() []string {
	w.mu.Lock()
	w.next++
	marker := fmt.Sprintf("%s%d", syncMarker, w.next)
	w.mu.Unlock()
	if w.ctx.Err() == nil {
		tctx, cancel := context.WithTimeout(w.ctx, 5*time.Second)
		err := chromedp.Do(tctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", marker)))
	wait:
		for err == nil {
			w.mu.Lock()
			ok := w.seen[marker]
			w.mu.Unlock()
			if ok {
				break
			}
			select {
			case <-w.done:
				break wait
			case <-tctx.Done():
				break wait
			case <-time.After(10 * time.Millisecond):
			}
		}
		cancel()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	errs := append([]string(nil), w.errs...)
	if w.err != nil {
		errs = append(errs, "watch ended: "+w.err.Error())
	}
	return errs
}

// isError reports whether m makes FailOnConsoleErrors fail the test.
func isError(m chromedp.ConsoleMessage) bool {
	switch m.Type {
	case chromedp.ConsoleError, chromedp.ConsoleException, "assert":
		return true
	}
	// A CSP violation is an error entry of the browser log; a report-only
	// policy logs it at a lower level, and it counts too.
	return (m.Source == "security" && m.Type != chromedp.ConsoleDebug) ||
		strings.Contains(m.Text, "Content Security Policy")
}

// describe renders m for a test failure.
func describe(m chromedp.ConsoleMessage) string {
	var b strings.Builder
	b.WriteString(string(m.Type))
	if m.Source != "" {
		b.WriteString(" (" + m.Source + ")")
	}
	b.WriteString(": " + m.Text)
	if m.URL != "" {
		fmt.Fprintf(&b, " at %s:%d:%d", m.URL, m.Line+1, m.Column+1)
	}
	return b.String()
}

// syncBuffer is a bytes.Buffer that the browser's output goroutine and the
// test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// removeRetry removes dir, retrying while processes that are still exiting
// write into it.
func removeRetry(dir string, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
