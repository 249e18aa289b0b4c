package web

import (
	"net/http"
	"time"
)

// SessionCookieName is the name of the session cookie. The session store
// behind the token belongs to the identity context; web only moves the
// cookie.
const SessionCookieName = "ecourt_session"

// SetSessionCookie sets the session cookie to token until expires. It is
// HttpOnly, SameSite=Lax, Path=/, and Secure on TLS requests or when the
// server's Options force it.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookieName, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
	})
}

// SessionCookie returns the session token the browser sent, or "".
func SessionCookie(r *http.Request) string {
	c, err := r.Cookie(SessionCookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// ClearSessionCookie tells the browser to delete the session cookie.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookieName, Value: "", Path: "/", MaxAge: -1,
		Expires: time.Unix(0, 0), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: secureRequest(r),
	})
}
