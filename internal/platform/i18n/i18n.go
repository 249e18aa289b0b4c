// Package i18n holds the message catalogue and language negotiation. Every
// user-visible string goes through a Catalog; zh-CN is the default language
// and en must be complete.
package i18n

import (
	"context"
	"strings"
)

// Lang is a supported user-interface language, as a BCP 47 tag.
type Lang string

// The supported languages. ZH is the default.
const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Default is the language used when nothing else decides.
const Default = ZH

// Supported lists the supported languages, default first.
var Supported = []Lang{ZH, EN}

// Parse returns the supported language s names. It accepts the exact tags and
// their common spellings ("zh", "zh-cn", "zh_CN", "en-US"); it reports false for
// anything else.
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	switch {
	case s == "zh" || s == "zh-cn" || s == "zh-hans" || s == "zh-hans-cn":
		return ZH, true
	case s == "en" || strings.HasPrefix(s, "en-"):
		return EN, true
	}
	return "", false
}

// String returns the tag.
func (l Lang) String() string { return string(l) }

type ctxKey struct{}

// WithLang returns a context carrying lang.
func WithLang(ctx context.Context, lang Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// FromContext returns the language carried by ctx, or ZH when there is none.
func FromContext(ctx context.Context) Lang {
	if l, ok := ctx.Value(ctxKey{}).(Lang); ok && l != "" {
		return l
	}
	return Default
}
