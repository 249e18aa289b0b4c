package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Names of the CSRF cookie, form field and header.
const (
	CSRFCookie    = "ecourt_csrf"
	CSRFFormField = "csrf_token"
	CSRFHeader    = "X-CSRF-Token"
)

// csrfTokenLen is the length of an encoded token: 32 random bytes, base64url.
var csrfTokenLen = base64.RawURLEncoding.EncodedLen(32)

type csrfKey struct{}

var crossOrigin = http.NewCrossOriginProtection()

// CSRF protects next against cross-site request forgery twice over. First,
// net/http's CrossOriginProtection rejects unsafe requests that browsers mark
// as cross-origin (Sec-Fetch-Site, Origin). Second, a double-submit token: the
// random ecourt_csrf cookie (set on first visit) must be echoed by every
// unsafe request (POST, PUT, PATCH, DELETE) in the form field csrf_token or
// the X-CSRF-Token header, compared in constant time. Pages get the token
// from View.CSRF / View.CSRFField; htmx requests carry it through the
// layout's hx-headers. Requests with "Authorization: Bearer" and no cookies
// are API clients and are exempt. Rejections go through Error as forbidden
// with the message error.csrf.
//
// For a multipart form without the header, CSRF reads the token with
// r.FormValue, which parses the form with net/http's default memory limit.
func CSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isBearerOnly(r) || isCookielessJSON(r) || isCookielessAPI(r) {
			next.ServeHTTP(w, r)
			return
		}
		token := ""
		if c, err := r.Cookie(CSRFCookie); err == nil && validToken(c.Value) {
			token = c.Value
		} else {
			token = newToken()
			http.SetCookie(w, &http.Cookie{
				Name: CSRFCookie, Value: token, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
			})
		}
		r = r.WithContext(context.WithValue(r.Context(), csrfKey{}, token))
		if !safeMethod(r.Method) {
			if err := crossOrigin.Check(r); err != nil {
				Error(w, r, errs.Wrap(errs.Forbidden, "error.csrf", err))
				return
			}
			sent := r.Header.Get(CSRFHeader)
			if sent == "" {
				sent = r.FormValue(CSRFFormField)
			}
			if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 || !hadCookie(r) {
				Error(w, r, errs.New(errs.Forbidden, "error.csrf"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// CSRFToken returns the request's CSRF token: the one CSRF put into the
// context, else the cookie's, else "".
func CSRFToken(r *http.Request) string {
	if t, ok := r.Context().Value(csrfKey{}).(string); ok {
		return t
	}
	if c, err := r.Cookie(CSRFCookie); err == nil && validToken(c.Value) {
		return c.Value
	}
	return ""
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// hadCookie reports whether the browser sent a valid token cookie: a token
// minted in this very request cannot have been echoed legitimately.
func hadCookie(r *http.Request) bool {
	c, err := r.Cookie(CSRFCookie)
	return err == nil && validToken(c.Value)
}

func isBearerOnly(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	return len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") && r.Header.Get("Cookie") == ""
}

// isCookielessJSON reports whether r is a JSON request of a client that
// holds no cookies at all (an app or script signing in or registering): it
// carries no ambient credentials to abuse, and a browser cannot send a
// cross-origin application/json request without a CORS preflight, which
// the platform never grants. Browser cross-site requests are still
// refused by CrossOriginProtection.
func isCookielessJSON(r *http.Request) bool {
	if r.Header.Get("Cookie") != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json" && crossOrigin.Check(r) == nil
}

// isCookielessAPI reports whether r is an /api/ request of a client that
// holds no cookies at all (a script uploading a PDF to the public document
// verification, say): without cookies it carries no ambient credentials, so
// there is nothing for a forged cross-site request to borrow. Browser
// cross-site requests are still refused by CrossOriginProtection.
func isCookielessAPI(r *http.Request) bool {
	return r.Header.Get("Cookie") == "" && strings.HasPrefix(r.URL.Path, "/api/") && crossOrigin.Check(r) == nil
}

func validToken(s string) bool {
	if len(s) != csrfTokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
