package web

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
)

func TestWebPagesRenderInBothLanguages(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		page string
		data any
		want map[i18n.Lang][]string
	}{
		{"web/error", ErrorPage{Status: 400, Code: errs.Invalid, Message: "MSG",
			Fields: []i18n.FieldMessage{{Field: "a", Code: "required", Message: "FIELDMSG"}}},
			map[i18n.Lang][]string{
				i18n.ZH: {"出错了", "MSG", "FIELDMSG", "请检查以下内容"},
				i18n.EN: {"Something went wrong", "MSG", "FIELDMSG", "Please check the following"},
			}},
		{"web/notfound", nil, map[i18n.Lang][]string{
			i18n.ZH: {"页面不存在"},
			i18n.EN: {"Page not found"},
		}},
	}
	for _, tt := range tests {
		for _, lang := range i18n.Supported {
			t.Run(tt.page+"/"+string(lang), func(t *testing.T) {
				srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					e.rd.Render(w, r, http.StatusTeapot, tt.page, tt.data)
				}))
				got := get(t, srv.URL+"/x?lang="+string(lang))
				if got.status != http.StatusTeapot {
					t.Errorf("status = %d, want 418", got.status)
				}
				site := map[i18n.Lang]string{i18n.ZH: "人民法院在线服务", i18n.EN: "Court Online Services"}[lang]
				mustContain(t, got.body, append(tt.want[lang], `<html lang="`+string(lang)+`">`,
					`name="viewport"`, site, `href="#main"`, `/static/app.`, `/static/htmx.min.`,
					`class="demo-banner"`, `?lang=en`, `?elderly=1`)...)
				if strings.Contains(got.body, "style=") || strings.Contains(got.body, "<script>") {
					t.Errorf("page has inline style or script")
				}
			})
		}
	}
}

func TestRenderViewHelpers(t *testing.T) {
	e := newTestEnv(t)
	when := time.Date(2025, 3, 1, 17, 30, 0, 0, time.UTC) // 01:30 next day in CST
	data := map[string]any{
		"Err":  errs.Fields(errs.Field("name", "required")),
		"Fee":  int64(123456789),
		"When": when,
	}
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(WithViewer(r.Context(), Viewer{SignedIn: true, Name: "张三", Elderly: true,
			Nav: []NavItem{{Href: "/cases", Key: "test.nav"}}}))
		e.rd.Render(w, r, http.StatusOK, "test/form", data)
	}), CSRF)
	tests := []struct {
		lang i18n.Lang
		want []string
	}{
		{i18n.ZH, []string{"测试表单", "此项为必填项。", "2025年3月2日 01:30", "当前用户：张三", "我的案件", `aria-current="page"`}},
		{i18n.EN, []string{"Test form", "This field is required.", "2 Mar 2025 01:30", "Signed in as 张三", "My cases"}},
	}
	for _, tt := range tests {
		got := get(t, srv.URL+"/cases", "Accept-Language", string(tt.lang))
		mustContain(t, got.body, tt.want...)
		mustContain(t, got.body, `<p id="fee">1,234,567.89</p>`, `<body class="elderly"`,
			`name="csrf_token" value="`, `hx-headers="{&#34;X-CSRF-Token&#34;:&#34;`)
		if got.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got.header.Get("Cache-Control"))
		}
	}
	// The elderly cookie overrides the viewer's setting.
	got := get(t, srv.URL+"/cases", "Cookie", "elderly=0")
	if strings.Contains(got.body, `class="elderly"`) {
		t.Errorf("elderly=0 cookie did not switch elderly mode off")
	}
}

func TestRenderTemplateErrorIsClean500(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.rd.Render(w, r, http.StatusOK, "test/broken", "Missing")
	}))
	got := get(t, srv.URL+"/", "Accept-Language", "en")
	if got.status != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", got.status)
	}
	if n := strings.Count(got.body, "<html"); n != 1 {
		t.Errorf("body has %d documents, want exactly the error page", n)
	}
	mustContain(t, got.body, "Something went wrong on our side")
	if strings.Contains(got.body, "Missing") || strings.Contains(got.body, "before") {
		t.Errorf("the template error leaked to the user")
	}
	mustContain(t, e.logs.String(), "render test/broken")
}

func TestNewRendererRejectsBadPages(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"parse error", fstest.MapFS{"p.html": {Data: []byte(`{{define "title"}}{{.T}{{end}}`)}}, "page x/p"},
		{"no content", fstest.MapFS{"p.html": {Data: []byte(`{{define "title"}}t{{end}}`)}}, `"content"`},
		{"duplicate", fstest.MapFS{
			"a/p.html": {Data: []byte(`{{define "title"}}t{{end}}{{define "content"}}c{{end}}`)},
			"b/p.html": {Data: []byte(`{{define "title"}}t{{end}}{{define "content"}}c{{end}}`)},
		}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRenderer(RendererConfig{Catalog: e.rd.cat, Assets: e.assets,
				Pages: []PageSet{{Namespace: "x", FS: tt.fs}}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewRenderer() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if !e.rd.Has("test/plain") {
		t.Errorf("page in a subfolder not named by its basename")
	}
}

func TestFen(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{int64(0), "0.00"}, {int64(5), "0.05"}, {int64(100), "1.00"}, {int64(123456), "1,234.56"},
		{int64(-123456), "-1,234.56"}, {100000000, "1,000,000.00"},
		{int64(-9223372036854775808), "-92,233,720,368,547,758.08"},
	}
	for _, tt := range tests {
		got, err := fen(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("fen(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := fen(1.5); err == nil {
		t.Errorf("fen(float) did not fail")
	}
}

func TestFlash(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.rd.Render(w, r, http.StatusOK, "test/plain", nil)
	}))
	got := get(t, srv.URL+"/", "Cookie", "ecourt_flash=test.title", "Accept-Language", "en")
	mustContain(t, got.body, `<p class="flash" role="status">Test form</p>`)
	if c := got.header.Get("Set-Cookie"); !strings.Contains(c, "ecourt_flash=;") {
		t.Errorf("flash cookie not cleared: %q", c)
	}
	got = get(t, srv.URL+"/", "Cookie", "ecourt_flash=not.a.key")
	if strings.Contains(got.body, "not.a.key") {
		t.Errorf("unknown flash key shown")
	}
}
