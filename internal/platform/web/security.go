package web

import (
	"net/http"
	"strings"
)

// ContentSecurityPolicy is the policy SecurityHeaders sends: no inline script
// or style, nothing from other origins.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// AllowConnect widens the response's Content-Security-Policy so the page may
// also connect (fetch, WebSocket) to the given origins, e.g. the media
// server of a hearing room ("ws://127.0.0.1:7890", "http://127.0.0.1:7890").
// Call it before writing the response; everything else stays as strict.
func AllowConnect(w http.ResponseWriter, origins ...string) {
	if len(origins) == 0 {
		return
	}
	w.Header().Set("Content-Security-Policy", strings.Replace(ContentSecurityPolicy, "connect-src 'self'",
		"connect-src 'self' "+strings.Join(origins, " "), 1))
}

// SecurityHeaders sets the Content-Security-Policy and the other protective
// headers on every response, plus Strict-Transport-Security on TLS requests.
// Camera, microphone and geolocation are allowed for the site itself (ID
// photos, video hearings, location check-in), nothing else.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(self), geolocation=(self), "+
			"payment=(), usb=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
