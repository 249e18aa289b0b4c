package i18n

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPick(t *testing.T) {
	tests := []struct {
		name    string
		account Lang
		query   string
		cookie  string
		accept  string
		want    Lang
	}{
		{"nothing", "", "", "", "", ZH},
		{"account wins", EN, "zh-CN", "zh-CN", "zh-CN", EN},
		{"account zh wins", ZH, "en", "en", "en", ZH},
		{"unsupported account ignored", "fr", "en", "", "", EN},
		{"query beats cookie", "", "en", "zh-CN", "zh", EN},
		{"bad query ignored", "", "xx", "en", "", EN},
		{"cookie beats header", "", "", "zh-CN", "en-US", ZH},
		{"header en-US", "", "", "", "en-US,en;q=0.9", EN},
		{"header en-GB", "", "", "", "en-GB", EN},
		{"header zh", "", "", "", "zh", ZH},
		{"header zh-Hans", "", "", "", "zh-Hans", ZH},
		{"header zh-TW before en", "", "", "", "zh-TW,en;q=0.8", ZH},
		{"header q order", "", "", "", "zh;q=0.5,en;q=0.9", EN},
		{"header fr then en", "", "", "", "fr-FR,fr;q=0.9,en;q=0.5", EN},
		{"header only fr", "", "", "", "fr", ZH},
		{"header garbage", "", "", "", ";;;q=x", ZH},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/"
			if tt.query != "" {
				target += "?lang=" + tt.query
			}
			r := httptest.NewRequest(http.MethodGet, target, nil)
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: CookieName, Value: tt.cookie})
			}
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			if got := Pick(tt.account, r); got != tt.want {
				t.Errorf("Pick() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Lang
		ok   bool
	}{
		{"zh-CN", ZH, true}, {"zh", ZH, true}, {"zh_cn", ZH, true}, {"en", EN, true},
		{"en-US", EN, true}, {"fr", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestContext(t *testing.T) {
	if got := FromContext(context.Background()); got != ZH {
		t.Errorf("FromContext(empty) = %q, want zh-CN", got)
	}
	if got := FromContext(WithLang(context.Background(), EN)); got != EN {
		t.Errorf("FromContext = %q, want en", got)
	}
}
