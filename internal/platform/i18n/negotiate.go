package i18n

import (
	"net/http"

	"golang.org/x/text/language"
)

// CookieName is the name of the cookie that remembers an anonymous visitor's
// language choice.
const CookieName = "lang"

// QueryParam is the query parameter of the language switch links.
const QueryParam = "lang"

var matcher = language.NewMatcher([]language.Tag{
	language.MustParse("zh-CN"), // first: the default
	language.English,
})

// Pick chooses the language of a request, in this order: the signed-in
// account's setting (account, when non-empty and supported), the ?lang= query
// parameter, the lang cookie, the Accept-Language header, and finally ZH.
// Every Chinese variant (zh, zh-Hans, zh-TW, zh-HK) maps to ZH, every English
// one to EN.
func Pick(account Lang, r *http.Request) Lang {
	if l, ok := Parse(string(account)); ok {
		return l
	}
	if l, ok := Parse(r.URL.Query().Get(QueryParam)); ok {
		return l
	}
	if c, err := r.Cookie(CookieName); err == nil {
		if l, ok := Parse(c.Value); ok {
			return l
		}
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		return fromAcceptLanguage(h)
	}
	return Default
}

// fromAcceptLanguage matches an Accept-Language header against the supported
// languages.
func fromAcceptLanguage(h string) Lang {
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return Default
	}
	// Traditional Chinese readers are better served by zh-CN than by English,
	// which the matcher would otherwise prefer for "zh-TW, en;q=0.8"; so the
	// first tag whose base language we support wins outright.
	for _, t := range tags {
		base, _ := t.Base()
		switch base.String() {
		case "zh":
			return ZH
		case "en":
			return EN
		}
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return Default
	}
	return Supported[idx]
}
