package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCSRF(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Write([]byte(CSRFToken(r)))
			return
		}
		w.Write([]byte("done"))
	}), CSRF)

	// A first visit mints the token and its cookie.
	first := get(t, srv.URL+"/")
	token := first.body
	setCookie := first.header.Get("Set-Cookie")
	if len(token) != csrfTokenLen || !strings.Contains(setCookie, CSRFCookie+"="+token) ||
		!strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") {
		t.Fatalf("token %q, Set-Cookie %q", token, setCookie)
	}
	cookie := CSRFCookie + "=" + token
	// The cookie is kept on later visits.
	if again := get(t, srv.URL+"/", "Cookie", cookie); again.body != token || again.header.Get("Set-Cookie") != "" {
		t.Errorf("token not stable: %q, Set-Cookie %q", again.body, again.header.Get("Set-Cookie"))
	}

	form := func(tok string) string { return url.Values{CSRFFormField: {tok}, "x": {"1"}}.Encode() }
	tests := []struct {
		name   string
		body   string
		header map[string]string
		want   int
	}{
		{"no token", form(""), map[string]string{"Cookie": cookie}, 403},
		{"wrong token", form(strings.Repeat("A", csrfTokenLen)), map[string]string{"Cookie": cookie}, 403},
		{"no cookie", form(token), nil, 403},
		{"form token", form(token), map[string]string{"Cookie": cookie}, 200},
		{"header token", "", map[string]string{"Cookie": cookie, CSRFHeader: token}, 200},
		{"same-origin fetch", form(token), map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin"}, 200},
		{"cross-site", form(token), map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}, 403},
		{"cross origin header", form(token), map[string]string{"Cookie": cookie, "Origin": "https://evil.example"}, 403},
		{"bearer without cookies", "", map[string]string{"Authorization": "Bearer abc"}, 200},
		{"bearer with cookie", "", map[string]string{"Authorization": "Bearer abc", "Cookie": cookie}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/submit", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Language", "en")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			got := do(t, req)
			if got.status != tt.want {
				t.Fatalf("status = %d, want %d; body %s", got.status, tt.want, got.body)
			}
			if tt.want == 403 {
				mustContain(t, got.body, "This page has expired or the request came from another site")
			}
		})
	}
}

func TestCSRFJSONRejection(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), CSRF)
	// A browser holding a session cookie, without the token: refused.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/x", strings.NewReader("{}"))
	req.Header.Set("Accept-Language", "zh-CN")
	req.Header.Set("Cookie", "ecourt_session=abc")
	got := do(t, req)
	if got.status != 403 || !strings.Contains(got.body, `"code":"forbidden"`) || !strings.Contains(got.body, "页面已过期") {
		t.Errorf("got %d %s", got.status, got.body)
	}
	// A script without any cookie (no ambient credentials) may post any
	// content type to the API, e.g. a PDF to the public verification.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/api/v1/x", strings.NewReader("%PDF-1.7"))
	req.Header.Set("Content-Type", "application/pdf")
	if got := do(t, req); got.status != 200 {
		t.Errorf("cookieless API upload: got %d %s", got.status, got.body)
	}
	// The same without cookies to a page (not /api/): refused.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/documents/verify", strings.NewReader("%PDF-1.7"))
	req.Header.Set("Content-Type", "application/pdf")
	if got := do(t, req); got.status != 403 {
		t.Errorf("cookieless page post: got %d, want 403", got.status)
	}
}
