package document_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/time/rate"

	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

// openAPIDoc wraps the fragment into a whole OpenAPI 3.1 document.
func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc := openapitest.Fragment(t, document.OpenAPI(), "document")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Document") {
			t.Errorf("schema %s is not named Document…", name)
		}
	}
	return doc
}

type call struct {
	method, path, user string
	ctype              string
	body               []byte
	want               int
}

func (f *fixture) serve(c call) *httptest.ResponseRecorder {
	req := httptest.NewRequest(c.method, c.path, bytes.NewReader(c.body))
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	if c.user != "" {
		req.Header.Set("X-Test-User", c.user)
	}
	req.RemoteAddr = "198.51.100.9:4711"
	rec := httptest.NewRecorder()
	f.srv.Config.Handler.ServeHTTP(rec, req)
	return rec
}

func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openAPIDoc(t)
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		d := f.issue(t, c, "")
		file := f.download(t, d.ID, "u-judge")
		bad := bytes.Clone(file)
		bad[len(bad)/2] ^= 1
		mp, body := multipartBody(t, "file", file)
		mpBad, bodyBad := multipartBody(t, "file", bad)
		mpNone, bodyNone := multipartBody(t, "", nil)
		mpGIF, bodyGIF := multipartBody(t, "file", []byte("GIF89a"))
		code := url.QueryEscape(d.Code)
		tests := []call{
			{"GET", "/api/v1/cases/" + c.ID + "/documents", "u-party", "", nil, 200},
			{"GET", "/api/v1/cases/" + c.ID + "/documents", "u-stranger", "", nil, 404},
			{"GET", "/api/v1/cases/" + c.ID + "/documents", "", "", nil, 401},
			{"GET", "/api/v1/documents/" + d.ID, "u-lawyer", "", nil, 200},
			{"GET", "/api/v1/documents/" + d.ID, "u-stranger", "", nil, 404},
			{"GET", "/api/v1/documents/" + d.ID, "", "", nil, 401},
			{"GET", "/api/v1/documents/nope", "u-judge", "", nil, 404},
			{"GET", "/api/v1/documents/" + d.ID + "/pdf", "u-defendant", "", nil, 200},
			{"GET", "/api/v1/documents/" + d.ID + "/pdf", "u-other", "", nil, 404},
			{"GET", "/api/v1/documents/verify?code=" + code, "", "", nil, 200},
			{"GET", "/api/v1/documents/verify?code=" + strings.ToLower(code), "", "", nil, 200},
			{"GET", "/api/v1/documents/verify?code=0000-0000-0000-0000", "", "", nil, 404},
			{"GET", "/api/v1/documents/verify?code=0000-0000-0000-0001", "", "", nil, 400},
			{"GET", "/api/v1/documents/verify?code=x", "", "", nil, 400},
			{"POST", "/api/v1/documents/verify", "", mp, body, 200},
			{"POST", "/api/v1/documents/verify", "", mpBad, bodyBad, 200},
			{"POST", "/api/v1/documents/verify", "", "application/pdf", file, 200},
			{"POST", "/api/v1/documents/verify", "", mpNone, bodyNone, 400},
			{"POST", "/api/v1/documents/verify", "", mpGIF, bodyGIF, 400},
		}
		for _, tt := range tests {
			rec := f.serve(tt)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q: status %d, want %d: %.300s", tt.method, tt.path, tt.user, rec.Code, tt.want, rec.Body)
				continue
			}
			h := http.Header{}
			if tt.ctype != "" {
				h.Set("Content-Type", tt.ctype)
			}
			if tt.method == "POST" { // the validator cannot read binary multipart parts
				h.Set("Content-Type", "application/pdf")
				check.Check(t, tt.method, tt.path, h, file, rec)
				continue
			}
			check.Check(t, tt.method, tt.path, h, tt.body, rec)
		}
		// The verdicts of the API.
		var v document.Verification
		rec := f.serve(call{"POST", "/api/v1/documents/verify", "", mpBad, bodyBad, 200})
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Status != document.StatusInvalid || v.Upload.Matches {
			t.Errorf("changed upload: %s", rec.Body)
		}
		rec = f.serve(call{"GET", "/api/v1/documents/verify?code=" + code, "", "", nil, 200})
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Status != document.StatusValid || v.Document.CaseNumber != "（2026）浙0225民初***号" {
			t.Errorf("by code: %s", rec.Body)
		}
		// Nothing personal in the public answers: no party, no ID or phone
		// number, not even the title.
		for _, body := range []string{rec.Body.String(), f.serve(call{"POST", "/api/v1/documents/verify", "", mp, body, 200}).Body.String()} {
			for _, secret := range []string{"张三", "李四", "33022519800101123X", "13800005678", "民事判决书", c.Number, c.ID} {
				if strings.Contains(body, secret) {
					t.Errorf("public verification shows %q: %s", secret, body)
				}
			}
		}
		// The download is the sealed file, named after the title.
		rec = f.serve(call{"GET", "/api/v1/documents/" + d.ID + "/pdf", "u-party", "", nil, 200})
		if !bytes.Equal(rec.Body.Bytes(), file) || rec.Header().Get("Content-Type") != "application/pdf" ||
			!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("download: %v", rec.Header())
		}
		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

func TestUploadLimit(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk, document.WithMaxUpload(4<<10))
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 8<<10)...)
	big = append(big, "\n%%EOF\n"...)
	mp, body := multipartBody(t, "file", big)
	for _, c := range []call{
		{"POST", "/api/v1/documents/verify", "", mp, body, 400},
		{"POST", "/api/v1/documents/verify", "", "application/pdf", big, 400},
	} {
		rec := f.serve(c)
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), `"too_large"`) {
			t.Errorf("%s: %d %s", c.ctype, rec.Code, rec.Body)
		}
	}
}

func TestRateLimit(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk, document.WithLimiter(web.NewRateLimiter(rate.Every(time.Hour), 3)))
	paths := []string{"/api/v1/documents/verify?code=0000-0000-0000-0000", document.PagePath + "?code=0000-0000-0000-0000",
		"/api/v1/documents/verify?code=x"}
	for i, p := range paths {
		if rec := f.serve(call{"GET", p, "", "", nil, 0}); rec.Code == http.StatusTooManyRequests {
			t.Fatalf("request %d limited too early", i)
		}
	}
	rec := f.serve(call{"GET", paths[0], "", "", nil, 0})
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("fourth verification: %d %v", rec.Code, rec.Header())
	}
	// The empty form is not limited, nor are other clients.
	if rec := f.serve(call{"GET", document.PagePath, "", "", nil, 0}); rec.Code != 200 {
		t.Errorf("the form: %d", rec.Code)
	}
	req := httptest.NewRequest("GET", paths[0], nil)
	req.RemoteAddr = "203.0.113.1:1"
	rec = httptest.NewRecorder()
	f.srv.Config.Handler.ServeHTTP(rec, req)
	if rec.Code == http.StatusTooManyRequests {
		t.Error("another client was limited")
	}
}

func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		d := f.issue(t, c, "")
		file := f.download(t, d.ID, "u-judge")

		get := func(path, lang, user string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Accept-Language", lang)
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			rec := httptest.NewRecorder()
			f.srv.Config.Handler.ServeHTTP(rec, req)
			return rec
		}
		// The form, in both languages and in the elderly (large-text) mode.
		if rec := get(document.PagePath, "zh-CN", ""); rec.Code != 200 || contains(rec.Body.String(), "法院文书核验", `name="code"`, `type="file"`, `enctype="multipart/form-data"`, "/seal/root.pem") != "" {
			t.Errorf("form (zh): %d %s", rec.Code, rec.Body)
		}
		if rec := get(document.PagePath+"?elderly=1", "en", ""); contains(rec.Body.String(), "Verify a court document", `class="elderly"`) != "" {
			t.Errorf("form (en, elderly): %s", rec.Body)
		}
		// A code.
		rec := get(document.PagePath+"?code="+url.QueryEscape(strings.ToLower(d.Code)), "zh-CN", "")
		body := rec.Body.String()
		if rec.Code != 200 || contains(body, `data-status="valid"`, "核验通过", "象山县人民法院", "（2026）浙0225民初***号", "判决书", d.SHA256[:8]) != "" {
			t.Errorf("code page: %d %s", rec.Code, body)
		}
		for _, secret := range []string{"张三", "李四", "33022519800101123X", c.Number} {
			if strings.Contains(body, secret) {
				t.Errorf("the public page shows %q", secret)
			}
		}
		if rec := get(document.PagePath+"?code="+url.QueryEscape(d.Code), "en", ""); contains(rec.Body.String(), "Xiangshan County People", "Judgment", "Verified") != "" {
			t.Errorf("code page (en): %s", rec.Body)
		}
		rec = get(document.PagePath+"?code=0000-0000-0000-0001", "zh-CN", "")
		if rec.Code != 400 || contains(rec.Body.String(), `id="code-error"`, "核验码有误") != "" {
			t.Errorf("typo: %d %s", rec.Code, rec.Body)
		}
		// An upload of a changed copy.
		bad := bytes.Clone(file)
		bad[len(bad)/2] ^= 1
		mp, mbody := multipartBody(t, "file", bad)
		req := httptest.NewRequest("POST", document.PagePath, bytes.NewReader(mbody))
		req.Header.Set("Content-Type", mp)
		prec := httptest.NewRecorder()
		f.srv.Config.Handler.ServeHTTP(prec, req)
		if prec.Code != 200 || contains(prec.Body.String(), `data-status="invalid"`, "文件在签章后被改动过", "与本平台出具的任何文书都不一致") != "" {
			t.Errorf("upload page: %d %s", prec.Code, prec.Body)
		}
		// The case's documents: the page, and the htmx fragment.
		if rec := get("/cases/"+c.ID+"/documents", "zh-CN", "u-party"); rec.Code != 200 || contains(rec.Body.String(), "民事判决书", d.Code, "/api/v1/documents/"+d.ID+"/pdf", "<html") != "" {
			t.Errorf("case documents: %d %s", rec.Code, rec.Body)
		}
		req = httptest.NewRequest("GET", "/cases/"+c.ID+"/documents", nil)
		req.Header.Set("X-Test-User", "u-party")
		req.Header.Set("HX-Request", "true")
		frec := httptest.NewRecorder()
		f.srv.Config.Handler.ServeHTTP(frec, req)
		if frec.Code != 200 || strings.Contains(frec.Body.String(), "<html") || !strings.Contains(frec.Body.String(), `id="documents-list"`) {
			t.Errorf("fragment: %d %s", frec.Code, frec.Body)
		}
		if rec := get("/cases/"+c.ID+"/documents", "zh-CN", "u-stranger"); rec.Code != 404 {
			t.Errorf("stranger: %d", rec.Code)
		}
		if rec := get("/cases/"+c.ID+"/documents", "zh-CN", ""); rec.Code != http.StatusSeeOther {
			t.Errorf("signed out: %d", rec.Code)
		}
	})
}

// TestCSRFOnUpload runs the page behind the platform's CSRF middleware: the
// form's token lets a browser upload; a cookieless client is refused (see
// the report: the API needs an exemption in the platform to be usable by
// scripts without a cookie).
func TestCSRFOnUpload(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk)
	h := f.handler(t, true)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", document.PagePath, nil))
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == web.CSRFCookie {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no CSRF cookie")
	}
	if !strings.Contains(rec.Body.String(), `name="csrf_token" value="`+cookie.Value+`"`) {
		t.Fatal("the upload form carries no CSRF token")
	}
	mp, body := multipartBody(t, "file", judgmentPDF(t, "", ""))
	req := httptest.NewRequest("POST", document.PagePath, bytes.NewReader(body))
	req.Header.Set("Content-Type", mp)
	req.Header.Set(web.CSRFHeader, cookie.Value)
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `data-status="not_issued"`) {
		t.Errorf("browser upload: %d %s", rec.Code, rec.Body)
	}
}
