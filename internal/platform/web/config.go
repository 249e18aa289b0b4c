// Package web is the platform's HTTP layer: the page layout and renderer,
// content-hash static assets, the one place where errors become HTTP
// responses, JSON helpers, security middleware (CSP, CSRF, rate limits),
// session-cookie mechanics and server-sent events. It knows nothing about
// courts or cases.
//
// A server wraps its whole handler in Configure (outermost, after RequestID),
// so that Error, the cookies and ClientIP find the renderer, the logger and
// the deployment's options in the request context:
//
//	h := web.Chain(mux, web.RequestID, web.Configure(opts), web.AccessLog(logger),
//		web.Recover, web.SecurityHeaders, auth.Middleware, web.CSRF)
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// Options are the web layer's settings for one server.
type Options struct {
	// Renderer renders HTML error pages and translates error messages. When
	// nil, errors are answered in plain text or JSON with untranslated keys.
	Renderer *Renderer
	// Logger receives internal errors and panics; nil means slog.Default().
	Logger *slog.Logger
	// ForceSecureCookies marks cookies Secure even on plain-HTTP requests,
	// for deployments behind a TLS-terminating proxy.
	ForceSecureCookies bool
	// TrustProxy makes ClientIP honour X-Forwarded-For and cookies honour
	// X-Forwarded-Proto. Set it only behind a proxy that overwrites them.
	TrustProxy bool
}

type optionsKey struct{}

// Configure returns middleware that makes opts available to the rest of the
// package for each request. It also remembers a visitor's explicit choices:
// ?lang=<tag> sets the lang cookie and ?elderly=1|0 the elderly cookie, so
// the language switch and the elderly toggle work without JavaScript.
func Configure(opts Options) func(http.Handler) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.WithContext(context.WithValue(r.Context(), optionsKey{}, &opts))
			rememberChoices(w, r)
			next.ServeHTTP(w, r)
		})
	}
}

func optionsFrom(r *http.Request) *Options {
	if o, ok := r.Context().Value(optionsKey{}).(*Options); ok {
		return o
	}
	return &Options{Logger: slog.Default()}
}

// ElderlyCookie is the cookie that remembers the elderly-mode choice ("1" on,
// "0" off).
const ElderlyCookie = "elderly"

const prefMaxAge = 365 * 24 * 3600

func rememberChoices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if l, ok := i18n.Parse(q.Get(i18n.QueryParam)); ok {
		setPrefCookie(w, r, i18n.CookieName, string(l))
	}
	if v := q.Get("elderly"); v == "1" || v == "0" {
		setPrefCookie(w, r, ElderlyCookie, v)
	}
}

// setPrefCookie sets a preference cookie that app.js may also write, so it
// is not HttpOnly; it holds nothing secret.
func setPrefCookie(w http.ResponseWriter, r *http.Request, name, value string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: prefMaxAge,
		SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
	})
}

// secureRequest reports whether cookies set in reply to r must be Secure.
func secureRequest(r *http.Request) bool {
	o := optionsFrom(r)
	if r.TLS != nil || o.ForceSecureCookies {
		return true
	}
	return o.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// Lang returns the language of the request: the signed-in viewer's setting,
// then ?lang=, the lang cookie and Accept-Language (see i18n.Pick).
func Lang(r *http.Request) i18n.Lang {
	return i18n.Pick(ViewerFrom(r.Context()).Lang, r)
}

// Elderly reports whether the request should get the elderly layout: the
// ?elderly= query parameter or else the elderly cookie decides when present
// ("1" or "0"), otherwise the viewer's setting.
func Elderly(r *http.Request) bool {
	if v := r.URL.Query().Get("elderly"); v == "1" || v == "0" {
		return v == "1"
	}
	if c, err := r.Cookie(ElderlyCookie); err == nil && (c.Value == "1" || c.Value == "0") {
		return c.Value == "1"
	}
	return ViewerFrom(r.Context()).Elderly
}
