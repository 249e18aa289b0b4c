package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssets(t *testing.T) {
	fsys := fstest.MapFS{
		"static/app.css":      {Data: []byte("body{}")},
		"static/htmx.min.js":  {Data: []byte("var htmx")},
		"static/img/logo.svg": {Data: []byte("<svg/>")},
	}
	a, err := NewAssets(fsys)
	if err != nil {
		t.Fatal(err)
	}
	url := a.URL("htmx.min.js")
	if !regexp.MustCompile(`^/static/htmx\.min\.[0-9a-f]{10}\.js$`).MatchString(url) {
		t.Fatalf("URL = %q", url)
	}
	if u := a.URL("img/logo.svg"); !regexp.MustCompile(`^/static/img/logo\.[0-9a-f]{10}\.svg$`).MatchString(u) {
		t.Errorf("URL = %q", u)
	}

	// The hash changes with the content.
	fsys["static/htmx.min.js"] = &fstest.MapFile{Data: []byte("var htmx2")}
	b, err := NewAssets(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if b.URL("htmx.min.js") == url {
		t.Errorf("hash did not change with content")
	}
	if a.URL("app.css") != b.URL("app.css") {
		t.Errorf("hash changed without a change of content")
	}

	e := newTestEnv(t)
	mux := http.NewServeMux()
	mux.Handle("GET /static/", a.Handler())
	srv := e.server(t, mux)
	tests := []struct {
		path, ctype, cache string
		status             int
		body               string
	}{
		{url, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", 200, "var htmx"},
		{"/static/htmx.min.js", "text/javascript; charset=utf-8", "public, max-age=300", 200, "var htmx"},
		{a.URL("app.css"), "text/css; charset=utf-8", "public, max-age=31536000, immutable", 200, "body{}"},
		{a.URL("img/logo.svg"), "image/svg+xml", "public, max-age=31536000, immutable", 200, "<svg/>"},
		{"/static/nope.js", "", "", 404, ""},
		{b.URL("htmx.min.js"), "", "", 404, ""}, // another build's hash
	}
	for _, tt := range tests {
		got := get(t, srv.URL+tt.path)
		if got.status != tt.status {
			t.Errorf("%s: status = %d, want %d", tt.path, got.status, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got.header.Get("Content-Type") != tt.ctype || got.header.Get("Cache-Control") != tt.cache || got.body != tt.body {
			t.Errorf("%s: %q %q %q", tt.path, got.header.Get("Content-Type"), got.header.Get("Cache-Control"), got.body)
		}
	}
}

func TestRealAssets(t *testing.T) {
	e := newTestEnv(t)
	for _, name := range []string{"htmx.min.js", "htmx.LICENSE", "app.css", "app.js"} {
		if u := e.assets.URL(name); u == "/static/"+name {
			t.Errorf("asset %s missing", name)
		}
	}
	srv := e.server(t, e.assets.Handler())
	got := get(t, srv.URL+e.assets.URL("htmx.min.js"))
	if got.status != 200 || !strings.Contains(got.body, "htmx") {
		t.Errorf("htmx not served: %d", got.status)
	}
}

func TestAssetsGzip(t *testing.T) {
	a, err := NewAssets(fstest.MapFS{
		"static/app.js":  {Data: []byte(strings.Repeat("console.log('ecourt');\n", 200))},
		"static/pic.png": {Data: []byte("\x89PNG\r\n\x1a\n" + "\x00\x01\x02\x03\x04\x05\x06\x07")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, accept, wantEnc string
	}{
		{"app.js", "gzip, deflate, br", "gzip"},
		{"app.js", "", ""},
		{"app.js", "gzip;q=0", ""},
		{"pic.png", "gzip", ""},
	} {
		req := httptest.NewRequest("GET", a.URL(c.name), nil)
		if c.accept != "" {
			req.Header.Set("Accept-Encoding", c.accept)
		}
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding"); got != c.wantEnc || rec.Code != 200 {
			t.Errorf("%s with %q: %d, encoding %q, want %q", c.name, c.accept, rec.Code, got, c.wantEnc)
		}
		if c.wantEnc == "gzip" {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(zr)
			if !strings.HasPrefix(string(plain), "console.log") {
				t.Errorf("gunzipped body %.40q", plain)
			}
		}
	}
}
