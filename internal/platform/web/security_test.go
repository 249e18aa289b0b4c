package web

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.rd.Render(w, r, http.StatusOK, "test/plain", nil)
	}))
	got := get(t, srv.URL+"/")
	want := map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	for k, v := range want {
		if got.header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.header.Get(k), v)
		}
	}
	for _, part := range []string{"script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(got.header.Get("Content-Security-Policy"), part) {
			t.Errorf("CSP lacks %q", part)
		}
	}
	if pp := got.header.Get("Permissions-Policy"); !strings.Contains(pp, "camera=(self)") || !strings.Contains(pp, "microphone=(self)") {
		t.Errorf("Permissions-Policy = %q", pp)
	}
	if got.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("HSTS sent over plain HTTP")
	}
	if len(got.header.Get(RequestIDHeader)) != 36 {
		t.Errorf("X-Request-ID = %q, want a UUID", got.header.Get(RequestIDHeader))
	}

	tlsSrv := httptest.NewTLSServer(Chain(http.NotFoundHandler(), SecurityHeaders))
	defer tlsSrv.Close()
	resp, err := tlsSrv.Client().Get(tlsSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("no HSTS over TLS")
	}
}

func TestRateLimit(t *testing.T) {
	e := newTestEnv(t)
	lim := NewRateLimiter(rate.Every(time.Hour), 2)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), lim.Limit(ClientIP))
	for i, want := range []int{200, 200, 429, 429} {
		got := get(t, srv.URL+"/api/v1/login")
		if got.status != want {
			t.Fatalf("request %d: status = %d, want %d", i+1, got.status, want)
		}
		if want == 429 {
			mustContain(t, got.body, `"code":"rate_limited"`)
			if ra := got.header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Errorf("Retry-After = %q", ra)
			}
		}
	}
}

func TestRateLimiterBoundedMemory(t *testing.T) {
	lim := NewRateLimiter(rate.Every(time.Hour), 1)
	lim.maxKeys = 100
	for i := range 1000 {
		lim.Allow(strings.Repeat("k", i%50) + string(rune('a'+i%26)))
	}
	if n := lim.Len(); n > 100 {
		t.Errorf("Len() = %d, want at most 100", n)
	}
	// Full buckets are forgotten at the next sweep.
	fast := NewRateLimiter(rate.Inf, 1)
	for i := range 2048 {
		fast.Allow(string(rune(0x4e00 + i)))
	}
	if n := fast.Len(); n > 1024 {
		t.Errorf("Len() = %d after sweeps of full buckets", n)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct {
		trust bool
		xff   string
		want  string
	}{
		{false, "", "192.0.2.1"},
		{false, "203.0.113.9", "192.0.2.1"},
		{true, "203.0.113.9", "203.0.113.9"},
		{true, "198.51.100.1, 203.0.113.9", "203.0.113.9"},
		{true, "garbage", "192.0.2.1"},
	}
	for _, tt := range tests {
		var got string
		h := Configure(Options{TrustProxy: tt.trust})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = ClientIP(r)
		}))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.1:5555"
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != tt.want {
			t.Errorf("ClientIP(trust=%v, xff=%q) = %q, want %q", tt.trust, tt.xff, got, tt.want)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	tests := []struct {
		name       string
		tls, force bool
		wantSecure bool
	}{
		{"plain", false, false, false},
		{"tls", true, false, true},
		{"forced", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h := Configure(Options{ForceSecureCookies: tt.force})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				SetSessionCookie(w, r, "tok123", time.Now().Add(time.Hour))
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			h.ServeHTTP(rec, r)
			c := rec.Result().Cookies()
			if len(c) != 1 || c[0].Name != SessionCookieName || c[0].Value != "tok123" || !c[0].HttpOnly ||
				c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" || c[0].Secure != tt.wantSecure {
				t.Errorf("cookie = %+v", c)
			}
		})
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: SessionCookieName, Value: "abc"})
	if got := SessionCookie(r); got != "abc" {
		t.Errorf("SessionCookie = %q", got)
	}
	rec := httptest.NewRecorder()
	ClearSessionCookie(rec, r)
	if c := rec.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("clear cookie = %+v", c)
	}
}

func TestPreferenceQueryParamsSetCookies(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	got := get(t, srv.URL+"/?lang=en&elderly=1")
	cookies := strings.Join(got.header.Values("Set-Cookie"), "\n")
	mustContain(t, cookies, "lang=en", "elderly=1")

	srv = e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.rd.Render(w, r, http.StatusOK, "test/plain", nil)
	}))
	mustContain(t, get(t, srv.URL+"/?elderly=1").body, `<body class="elderly"`)
}

func TestRecover(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("kaboom")
	}))
	got := get(t, srv.URL+"/api/x")
	if got.status != 500 || strings.Contains(got.body, "kaboom") {
		t.Errorf("got %d %s", got.status, got.body)
	}
	mustContain(t, e.logs.String(), "kaboom")
}

func TestAccessLogAndRequestID(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}), AccessLog(e.opts.Logger))
	got := get(t, srv.URL+"/logged", RequestIDHeader, "proxy-id-1")
	if got.header.Get(RequestIDHeader) != "proxy-id-1" {
		t.Errorf("request ID not kept: %q", got.header.Get(RequestIDHeader))
	}
	mustContain(t, e.logs.String(), "path=/logged", "status=202", "request_id=proxy-id-1")
	got = get(t, srv.URL+"/", RequestIDHeader, "bad id<script>")
	if strings.Contains(got.header.Get(RequestIDHeader), "<") {
		t.Errorf("unsafe request ID echoed")
	}
}

func TestAllowConnect(t *testing.T) {
	rec := httptest.NewRecorder()
	AllowConnect(rec, "ws://127.0.0.1:7890", "http://127.0.0.1:7890")
	got := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(got, "connect-src 'self' ws://127.0.0.1:7890 http://127.0.0.1:7890;") || !strings.Contains(got, "script-src 'self';") {
		t.Errorf("policy %q", got)
	}
}
