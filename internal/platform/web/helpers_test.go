package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ecourt/ecourt/internal/platform/i18n"
	webstatic "github.com/ecourt/ecourt/web"
)

// testPages is a small context's page set, used to exercise the template
// functions and the View's methods.
var testPages = fstest.MapFS{
	"form.html": {Data: []byte(`{{define "title"}}{{.T "test.title"}}{{end}}
{{define "content"}}
{{- $fe := .FieldErrors .Data.Err}}
<form method="post" action="/form">{{.CSRFField}}
<label for="name">{{.T "test.name"}}</label>
<input id="name" name="name">
{{- with index $fe "name"}}<p class="field-error" id="name-error">{{.}}</p>{{end}}
</form>
<p id="fee">{{fen .Data.Fee}}</p>
<p id="when">{{.DateTime .Data.When}}</p>
{{end}}`)},
	"sub/plain.html": {Data: []byte(`{{define "title"}}plain{{end}}{{define "content"}}<p id="path">{{.Path}}</p>{{end}}`)},
	"broken.html":    {Data: []byte(`{{define "title"}}x{{end}}{{define "content"}}<p>before</p>{{fen .Data}}{{end}}`)},
}

var testBundle = fstest.MapFS{
	"zh-CN.json": {Data: []byte(`{"test.title":"测试表单","test.name":"姓名","test.nav":"我的案件"}`)},
	"en.json":    {Data: []byte(`{"test.title":"Test form","test.name":"Name","test.nav":"My cases"}`)},
}

type testEnv struct {
	rd     *Renderer
	assets *Assets
	logs   *bytes.Buffer
	opts   Options
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	cat, err := i18n.New(i18n.Platform(), testBundle)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := NewAssets(webstatic.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewRenderer(RendererConfig{
		Catalog: cat, Assets: assets, Demo: true,
		Pages: []PageSet{{Namespace: "test", FS: testPages}},
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := new(bytes.Buffer)
	return &testEnv{rd: rd, assets: assets, logs: logs,
		opts: Options{Renderer: rd, Logger: slog.New(slog.NewTextHandler(logs, nil))}}
}

// server runs h behind the standard middleware on a real HTTP server.
func (e *testEnv) server(t *testing.T, h http.Handler, extra ...func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	mws := append([]func(http.Handler) http.Handler{RequestID, Configure(e.opts), Recover, SecurityHeaders}, extra...)
	srv := httptest.NewServer(Chain(h, mws...))
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func get(t *testing.T, url string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, req)
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q:\n%s", w, body)
		}
	}
}
