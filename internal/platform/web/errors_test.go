package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/google/go-cmp/cmp"
)

type envelope struct {
	Error struct {
		Code    string              `json:"code"`
		Message string              `json:"message"`
		Fields  []i18n.FieldMessage `json:"fields"`
	} `json:"error"`
}

func TestErrorJSONStatusPerCode(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{errs.New(errs.Invalid, ""), 400, "invalid"},
		{errs.ErrUnauthenticated, 401, "unauthenticated"},
		{fmt.Errorf("wrapped: %w", errs.ErrForbidden), 403, "forbidden"},
		{errs.ErrNotFound, 404, "not_found"},
		{errs.ErrConflict, 409, "conflict"},
		{errs.ErrRateLimited, 429, "rate_limited"},
		{errs.Wrap(errs.Unavailable, "", errors.New("db down")), 503, "unavailable"},
		{errs.Wrap(errs.Internal, "", errors.New("boom")), 500, "internal"},
		{errors.New("secret detail"), 500, "internal"},
		{&errs.Error{Code: "weird"}, 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.err.Error(), func(t *testing.T) {
			srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				Error(w, r, tt.err)
			}))
			got := get(t, srv.URL+"/api/v1/thing")
			if got.status != tt.status {
				t.Errorf("status = %d, want %d", got.status, tt.status)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			var env envelope
			if err := json.Unmarshal([]byte(got.body), &env); err != nil {
				t.Fatalf("body %q: %v", got.body, err)
			}
			if env.Error.Code != tt.code || env.Error.Message == "" || strings.HasPrefix(env.Error.Message, "error.") {
				t.Errorf("envelope = %+v, want code %s with a message", env, tt.code)
			}
			if strings.Contains(got.body, "detail") || strings.Contains(got.body, "boom") || strings.Contains(got.body, "fields") {
				t.Errorf("body leaks detail or has empty fields: %s", got.body)
			}
		})
	}
	if !strings.Contains(e.logs.String(), "secret detail") {
		t.Errorf("internal detail not logged: %s", e.logs.String())
	}
}

func TestErrorJSONFieldsInBothLanguages(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, errs.Fields(errs.Field("id_number", "checksum"), errs.Field("name", "too_long", 20)))
	}))
	tests := []struct {
		lang i18n.Lang
		want envelope
	}{
		{i18n.ZH, mkEnvelope("部分内容填写有误，请按提示修改。",
			i18n.FieldMessage{Field: "id_number", Code: "checksum", Message: "校验位不正确，请核对号码。"},
			i18n.FieldMessage{Field: "name", Code: "too_long", Message: "不能超过 20 个字符。"})},
		{i18n.EN, mkEnvelope("Some fields need your attention. Please correct them as shown.",
			i18n.FieldMessage{Field: "id_number", Code: "checksum", Message: "The check digit is wrong. Please check the number."},
			i18n.FieldMessage{Field: "name", Code: "too_long", Message: "Must be at most 20 characters."})},
	}
	for _, tt := range tests {
		// Not under /api/: JSON chosen by the Accept header.
		got := get(t, srv.URL+"/form", "Accept", "application/json", "Accept-Language", string(tt.lang))
		if got.status != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", got.status)
		}
		var env envelope
		if err := json.Unmarshal([]byte(got.body), &env); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, env); diff != "" {
			t.Errorf("%s envelope (-want +got):\n%s", tt.lang, diff)
		}
	}
}

func mkEnvelope(msg string, fields ...i18n.FieldMessage) envelope {
	var env envelope
	env.Error.Code, env.Error.Message, env.Error.Fields = "invalid", msg, fields
	return env
}

func TestErrorHTML(t *testing.T) {
	e := newTestEnv(t)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			Error(w, r, errs.ErrNotFound)
		case "/limited":
			Error(w, r, RateLimited(1500*time.Millisecond))
		default:
			Error(w, r, errs.Fields(errs.Field("phone", "format")))
		}
	}))
	tests := []struct {
		path, lang string
		status     int
		want       []string
	}{
		{"/form", "zh-CN", 400, []string{`<html lang="zh-CN">`, "出错了", "部分内容填写有误", "格式不正确。"}},
		{"/form", "en", 400, []string{`<html lang="en">`, "Something went wrong", "The format is not valid."}},
		{"/missing", "en", 404, []string{"Page not found", "Request ID: "}},
		{"/missing", "zh-CN", 404, []string{"页面不存在"}},
		{"/limited", "en", 429, []string{"Too many attempts"}},
	}
	for _, tt := range tests {
		got := get(t, srv.URL+tt.path, "Accept", "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8",
			"Accept-Language", tt.lang)
		if got.status != tt.status {
			t.Errorf("%s: status = %d, want %d", tt.path, got.status, tt.status)
		}
		if ct := got.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type = %q", tt.path, ct)
		}
		mustContain(t, got.body, tt.want...)
		if tt.status == 429 && got.header.Get("Retry-After") != "2" {
			t.Errorf("Retry-After = %q, want 2", got.header.Get("Retry-After"))
		}
	}
}

func TestErrorWithoutConfigure(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/page", nil)
	req.Header.Set("Accept-Language", "en")
	Error(rec, req, errs.ErrForbidden)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "You are not allowed") {
		t.Errorf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		path, accept string
		want         bool
	}{
		{"/api/v1/x", "text/html", true},
		{"/x", "", false},
		{"/x", "application/json", true},
		{"/x", "text/html, application/json", false},
		{"/x", "application/json, text/html", true},
		{"/x", "text/html;q=0.5, application/json", true},
		{"/x", "*/*", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.path, nil)
		r.Header.Set("Accept", tt.accept)
		if got := WantsJSON(r); got != tt.want {
			t.Errorf("WantsJSON(%s, %q) = %v, want %v", tt.path, tt.accept, got, tt.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type payload struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	tests := []struct {
		body        string
		field, code string // "" when no error is expected
	}{
		{`{"name":"张三","age":30}`, "", ""},
		{`{"name":"a"}  `, "", ""},
		{`{"name":`, "body", "malformed_json"},
		{``, "body", "malformed_json"},
		{`{"name":"a"} {"name":"b"}`, "body", "malformed_json"},
		{`{"name":"a","extra":1}`, "extra", "unknown"},
		{`{"age":"thirty"}`, "age", "format"},
		{`{"name":"` + strings.Repeat("x", MaxJSONBody) + `"}`, "body", "too_large"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, "/api/x", strings.NewReader(tt.body))
		var p payload
		err := DecodeJSON(r, &p)
		if tt.code == "" {
			if err != nil {
				t.Errorf("DecodeJSON(%.40q) = %v", tt.body, err)
			}
			continue
		}
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tt.field || e.Fields[0].Code != tt.code {
			t.Errorf("DecodeJSON(%.40q) = %v, want invalid [%s:%s]", tt.body, err, tt.field, tt.code)
		}
	}
}

func TestFormErrors(t *testing.T) {
	err := fmt.Errorf("create: %w", errs.Fields(errs.Field("name", "required"), errs.Field("name", "too_long", 5),
		errs.Field("id", "checksum")))
	got := FormErrors(nil, i18n.EN, err)
	want := map[string]string{"name": "This field is required.", "id": "The check digit is wrong. Please check the number."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FormErrors (-want +got):\n%s", diff)
	}
	if got := FormErrors(nil, i18n.ZH, errs.ErrNotFound); got != nil {
		t.Errorf("FormErrors(not found) = %v, want nil", got)
	}
	if got, want := ErrorMessage(nil, i18n.ZH, errors.New("x")), "系统出现错误，请稍后再试。如问题持续，请联系法院。"; got != want {
		t.Errorf("ErrorMessage = %q, want %q", got, want)
	}
}
