package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/pgtest"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// testApp is a real App listening on a free loopback port.
type testApp struct {
	*App
	URL  string
	Cfg  Config
	done chan error
}

// dialect names a database the end-to-end tests run on.
type dialect struct {
	name string
	url  func(t *testing.T) string // "" means the default SQLite in the data directory
}

// dialects are SQLite (the default) and PostgreSQL (pgtest.Fresh, skipped or
// failed as pgtest decides when ECOURT_TEST_POSTGRES is unset).
var dialects = []dialect{
	{name: "sqlite", url: func(t *testing.T) string { return "" }},
	{name: "postgres", url: func(t *testing.T) string { return pgtest.Fresh(t) }},
}

// testLogger sends the app's log to the test log only when -v is given, so
// that failures are explained without flooding normal runs.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testConfig is a Config for a test: a temporary data directory, port 0.
func testConfig(t testing.TB, demo bool) Config {
	return Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: demo, Logger: testLogger(t)}
}

// startApp builds, listens and runs the app of cfg until the test ends.
func startApp(t testing.TB, cfg Config, opts ...Option) *testApp {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, opts...)
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	u, err := a.Listen()
	if err != nil {
		a.Close()
		cancel()
		t.Fatalf("Listen: %v", err)
	}
	ta := &testApp{App: a, URL: u, Cfg: a.cfg, done: make(chan error, 1)}
	go func() { ta.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ta.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return within 30 s of cancel")
		}
		a.Close()
	})
	return ta
}

// startDialect starts a demo or plain app on the dialect d.
func startDialect(t *testing.T, d dialect, demo bool) *testApp {
	t.Helper()
	cfg := testConfig(t, demo)
	cfg.DatabaseURL = d.url(t)
	return startApp(t, cfg)
}

// client is an HTTP client of the app: a cookie jar (a browser) and,
// optionally, a bearer token (an API client).
type client struct {
	t     testing.TB
	base  string
	hc    *http.Client
	token string
	xff   string // X-Forwarded-For to send, if any
	// rawAPI makes the client a pure API client: no CSRF dance for
	// requests without a token (see TestAPIClientWithoutCookies).
	rawAPI bool
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

var lastAddr atomic.Int64

// addr is the client address the request claims through X-Forwarded-For
// (which the app honours only with Config.TrustProxy): c.xff when set,
// else a new address for every request, so that the many sign-ins of a
// scenario do not share one login rate-limit bucket. The rate-limit test
// sets c.xff.
func (c *client) addr() string {
	if c.xff != "" {
		return c.xff
	}
	n := lastAddr.Add(1)
	return fmt.Sprintf("198.18.%d.%d", (n>>8)&255, n&255)
}

// withToken returns a copy of c without cookies that sends token.
func (c *client) withToken(token string) *client {
	n := newClient(c.t, c.base)
	n.token = token
	return n
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	Body []byte
}

func (r response) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, truncate(string(r.Body), 600))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// do sends a request; body, when not nil, is encoded as JSON.
func (c *client) do(method, path string, body any, hdr ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else if !c.rawAPI && method != "GET" && method != "HEAD" {
		// Without a bearer token the request is a browser's as far as
		// web.CSRF is concerned: echo the CSRF cookie in the header, as
		// the layout's htmx requests do.
		req.Header.Set(web.CSRFHeader, c.csrf())
	}
	req.Header.Set("X-Forwarded-For", c.addr())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.send(req)
}

func (c *client) send(req *http.Request) response {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{Response: resp, Body: b}
}

// get is do("GET", path, nil).
func (c *client) get(path string) response { c.t.Helper(); return c.do("GET", path, nil) }

// csrf returns the CSRF token in the jar, fetching / first if there is none.
func (c *client) csrf() string {
	c.t.Helper()
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == web.CSRFCookie {
			return ck.Value
		}
	}
	c.get("/")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == web.CSRFCookie {
			return ck.Value
		}
	}
	c.t.Fatal("no CSRF cookie after GET /")
	return ""
}

// postForm posts a form as a browser would, with the CSRF token unless
// withCSRF is false.
func (c *client) postForm(path string, v url.Values, withCSRF bool) response {
	c.t.Helper()
	if withCSRF {
		v.Set(web.CSRFFormField, c.csrf())
	}
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base) // same-origin, as a browser sends it
	req.Header.Set("X-Forwarded-For", c.addr())
	return c.send(req)
}

// must checks the status of r.
func must(t testing.TB, r response, want int) response {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, want, r)
	}
	return r
}

// decode unmarshals the JSON body of r into v.
func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", r, err)
	}
	return v
}

// randDigits returns n random decimal digits.
func randDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// newMobile returns a fresh mainland mobile number outside the demo and
// "unreachable" ranges.
func newMobile() string { return "137" + randDigits(8) }

// newResidentID returns a valid, random GB 11643 resident ID number (born
// 1990-01-01 in 象山县).
func newResidentID() string { return residentID("33022519900101" + randDigits(3)) }

var smsCode = regexp.MustCompile(`\b(\d{6})\b`)

// codeFor returns the one-time code last sent to mobile by the development
// SMS provider.
func (a *testApp) codeFor(t testing.TB, mobile string) string {
	t.Helper()
	m, ok := a.svc.sms.Last(mobile)
	if !ok {
		t.Fatalf("no SMS sent to %s", mobile)
	}
	c := smsCode.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no code in SMS %q", m.Text)
	}
	return c[1]
}

// account is the subset of the API's Account the tests read.
type account struct {
	ID           string `json:"id"`
	Mobile       string `json:"mobile"`
	DisplayName  string `json:"display_name"`
	Lang         string `json:"lang"`
	Elderly      bool   `json:"elderly"`
	Verification string `json:"verification"`
	RealName     string `json:"real_name"`
	IDNumber     string `json:"id_number"`
}

// registerAPI registers a new account through the API and returns it and
// its session token.
func (a *testApp) registerAPI(t testing.TB, c *client, mobile, password string) (account, string) {
	t.Helper()
	must(t, c.do("POST", "/api/v1/accounts/codes", map[string]string{"mobile": mobile, "purpose": "register"}), http.StatusAccepted)
	r := must(t, c.do("POST", "/api/v1/accounts", map[string]string{
		"mobile": mobile, "password": password, "code": a.codeFor(t, mobile), "name": "测试用户",
	}), http.StatusCreated)
	out := decode[struct {
		Account account `json:"account"`
		Token   string  `json:"token"`
	}](t, r)
	if out.Token == "" || out.Account.ID == "" {
		t.Fatalf("register: no token or account: %s", r)
	}
	return out.Account, out.Token
}

// loginAPI signs in with a password and returns the session token.
func loginAPI(t testing.TB, c *client, login, password string) string {
	t.Helper()
	r := must(t, c.do("POST", "/api/v1/sessions", map[string]string{"login": login, "password": password}), http.StatusCreated)
	tok := decode[struct {
		Token string `json:"token"`
	}](t, r).Token
	if tok == "" {
		t.Fatalf("login %s: no token: %s", login, r)
	}
	return tok
}

// countAudit counts the audit entries with action.
func (a *testApp) countAudit(t testing.TB, action string) int {
	t.Helper()
	var n int
	if err := a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatalf("count audit %s: %v", action, err)
	}
	return n
}

// auditOK fails the test unless every audit chain verifies.
func auditOK(t testing.TB, a *App) {
	t.Helper()
	rep, err := a.VerifyAudit(context.Background())
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("audit chains broken: %v", rep.Broken)
	}
	if rep.Entries == 0 {
		t.Fatalf("audit log is empty")
	}
}
