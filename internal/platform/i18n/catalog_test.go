package i18n

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/google/go-cmp/cmp"
)

func TestCatalogComplete(t *testing.T) {
	if err := CheckComplete(Platform()); err != nil {
		t.Fatal(err)
	}
}

func TestPlatformKeys(t *testing.T) {
	c, err := New(Platform())
	if err != nil {
		t.Fatal(err)
	}
	codes := []errs.Code{errs.Invalid, errs.Unauthenticated, errs.Forbidden, errs.NotFound,
		errs.Conflict, errs.RateLimited, errs.Unavailable, errs.Internal}
	keys := []string{"error.invalid_fields", "error.csrf", "site.name", "layout.skip"}
	for _, code := range codes {
		keys = append(keys, "error."+string(code))
	}
	for _, f := range []string{"required", "too_long", "too_short", "format", "checksum", "date",
		"future", "mismatch", "taken", "unknown", "malformed_json"} {
		keys = append(keys, "field."+f)
	}
	for _, k := range keys {
		if !c.Has(k) {
			t.Errorf("platform bundle lacks %q", k)
		}
	}
}

func bundle(zh, en string) fstest.MapFS {
	return fstest.MapFS{
		"zh-CN.json": {Data: []byte(zh)},
		"en.json":    {Data: []byte(en)},
	}
}

func TestT(t *testing.T) {
	c, err := New(bundle(
		`{"a.hello":"你好，%s","a.only_zh":"只有中文","a.count":"共 %d 件"}`,
		`{"a.hello":"Hello, %s","a.count":"%d items","a.only_en":"only English"}`,
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{ZH, "a.hello", []any{"张三"}, "你好，张三"},
		{EN, "a.hello", []any{"Zhang San"}, "Hello, Zhang San"},
		{EN, "a.count", []any{3}, "3 items"},
		{EN, "a.only_zh", nil, "只有中文"},      // falls back to zh-CN
		{ZH, "a.only_en", nil, "a.only_en"}, // no zh-CN: the key
		{EN, "a.absent", nil, "a.absent"},
		{"fr", "a.hello", []any{"x"}, "你好，x"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	if diff := cmp.Diff([]string{"en: a.only_zh", "zh-CN: a.only_en"}, c.Missing()); diff != "" {
		t.Errorf("Missing() (-want +got):\n%s", diff)
	}
	if !c.Has("a.only_en") || c.Has("a.absent") {
		t.Errorf("Has gives wrong answers")
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name    string
		bundles []fs.FS
		want    string
	}{
		{"duplicate", []fs.FS{bundle(`{"k":"1"}`, `{"k":"1"}`), bundle(`{"k":"2"}`, `{}`)}, "duplicate key"},
		{"malformed", []fs.FS{bundle(`{"k":`, `{}`)}, "zh-CN.json"},
		{"missing file", []fs.FS{fstest.MapFS{"zh-CN.json": {Data: []byte(`{}`)}}}, "en.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.bundles...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCheckCompleteReportsMissing(t *testing.T) {
	err := CheckComplete(Platform(), bundle(`{"x.a":"甲","x.b":"乙"}`, `{"x.a":"A"}`))
	if err == nil || !strings.Contains(err.Error(), "en: x.b") {
		t.Errorf("CheckComplete() = %v, want it to name en: x.b", err)
	}
}

func TestError(t *testing.T) {
	c, err := New(Platform())
	if err != nil {
		t.Fatal(err)
	}
	e := errs.Fields(errs.Field("id_number", "checksum"), errs.Field("name", "too_long", 50))
	msg, fields := c.Error(EN, e)
	if msg != c.T(EN, "error.invalid_fields") {
		t.Errorf("message = %q", msg)
	}
	want := []FieldMessage{
		{Field: "id_number", Code: "checksum", Message: "The check digit is wrong. Please check the number."},
		{Field: "name", Code: "too_long", Message: "Must be at most 50 characters."},
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	msg, _ = c.Error(ZH, &errs.Error{Code: errs.NotFound})
	if got, want := msg, "您访问的内容不存在或已被删除。"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
