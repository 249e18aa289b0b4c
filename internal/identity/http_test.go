package identity_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// probe answers with the principal and audit actor the middleware set.
var probe = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.From(r.Context())
	a := audit.ActorFrom(r.Context())
	web.JSON(w, http.StatusOK, map[string]string{"user": p.UserID, "via": p.Via, "actor": a.UserID, "ip": a.IP})
})

// envelope is the JSON error envelope of web.Error.
type envelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field, Code, Message string
		} `json:"fields"`
	} `json:"error"`
}

func TestMiddleware(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.seed(t, identity.Seed{Mobile: "13800000701", Name: "张三"})
		_, tok := f.signIn(t, "13800000701")
		_, stale := f.signIn(t, "13800000701")
		if err := f.s.Logout(f.ctxFor(t, stale)); err != nil {
			t.Fatal(err)
		}
		h := &identity.HTTP{S: f.s}
		srv := web.Configure(web.Options{})(h.Middleware(probe))

		tests := []struct {
			name        string
			path        string
			auth        string
			cookie      string
			accept      string
			wantStatus  int
			wantUser    string
			wantCleared bool
		}{
			{name: "signed out", path: "/api/v1/me", wantStatus: 200},
			{name: "bearer", path: "/api/v1/me", auth: "Bearer " + tok, wantStatus: 200, wantUser: a.ID},
			{name: "bearer, any case", path: "/api/v1/me", auth: "bearer  " + tok, wantStatus: 200, wantUser: a.ID},
			{name: "bearer wins over a stale cookie", path: "/api/v1/me", auth: "Bearer " + tok, cookie: stale, wantStatus: 200, wantUser: a.ID},
			{name: "unknown bearer", path: "/api/v1/me", auth: "Bearer ecs_bogus", wantStatus: 401},
			{name: "revoked bearer", path: "/api/v1/me", auth: "Bearer " + stale, wantStatus: 401},
			{name: "bearer on a page, JSON wanted", path: "/cases", auth: "Bearer ecs_bogus", accept: "application/json", wantStatus: 401},
			{name: "basic auth", path: "/api/v1/me", auth: "Basic dXNlcjpwYXNz", wantStatus: 401},
			{name: "empty bearer", path: "/api/v1/me", auth: "Bearer ", wantStatus: 401},
			{name: "cookie", path: "/cases", cookie: tok, wantStatus: 200, wantUser: a.ID},
			{name: "stale cookie", path: "/cases", cookie: stale, wantStatus: 200, wantCleared: true},
			{name: "unknown cookie", path: "/cases", cookie: "ecs_bogus", wantStatus: 200, wantCleared: true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := httptest.NewRequest("GET", tt.path, nil)
				r.RemoteAddr = "192.0.2.99:4242"
				if tt.auth != "" {
					r.Header.Set("Authorization", tt.auth)
				}
				if tt.cookie != "" {
					r.AddCookie(&http.Cookie{Name: web.SessionCookieName, Value: tt.cookie})
				}
				if tt.accept != "" {
					r.Header.Set("Accept", tt.accept)
				}
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				if w.Code != tt.wantStatus {
					t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
				}
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want JSON", ct)
				}
				if tt.wantStatus != 200 {
					var env envelope
					if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Code != "unauthenticated" || env.Error.Message == "" {
						t.Errorf("body = %s (%v), want an unauthenticated envelope", w.Body, err)
					}
					return
				}
				var got map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				if got["user"] != tt.wantUser || got["actor"] != tt.wantUser || got["ip"] != "192.0.2.99" {
					t.Errorf("handler saw %v, want user and actor %q from 192.0.2.99", got, tt.wantUser)
				}
				if tt.wantUser != "" && got["via"] != identity.WebSession {
					t.Errorf("via = %q, want %q", got["via"], identity.WebSession)
				}
				cleared := false
				for _, c := range w.Result().Cookies() {
					if c.Name == web.SessionCookieName && c.MaxAge < 0 && c.Value == "" {
						cleared = true
					}
				}
				if cleared != tt.wantCleared {
					t.Errorf("cookie cleared = %v, want %v (Set-Cookie %q)", cleared, tt.wantCleared, w.Header().Values("Set-Cookie"))
				}
			})
		}
	})
}

// apiClient drives the real route table through the middleware.
type apiClient struct {
	t   *testing.T
	srv http.Handler
}

func (c apiClient) do(method, path, token, body string) (int, []byte) {
	c.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.98:4242"
	r.Header.Set("Content-Type", "application/json")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	c.srv.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

func (c apiClient) json(method, path, token, body string, wantStatus int, v any) {
	c.t.Helper()
	status, b := c.do(method, path, token, body)
	if status != wantStatus {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, status, b, wantStatus)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

func newServer(f fixture) http.Handler {
	h := &identity.HTTP{S: f.s}
	mux := http.NewServeMux()
	h.Routes(mux)
	return web.Configure(web.Options{})(h.Middleware(mux))
}

func TestAPIFlow(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		c := apiClient{t: t, srv: newServer(f)}
		const mobile = "13800000711"

		var sent struct {
			Sent      bool `json:"sent"`
			ExpiresIn int  `json:"expires_in"`
		}
		c.json("POST", "/api/v1/accounts/codes", "", `{"mobile":"`+mobile+`","purpose":"register"}`, 202, &sent)
		if !sent.Sent || sent.ExpiresIn != 300 {
			t.Errorf("code response = %+v", sent)
		}
		var env envelope
		c.json("POST", "/api/v1/accounts/codes", "", `{"mobile":"`+mobile+`","purpose":"register"}`, 429, &env)
		if env.Error.Code != "rate_limited" {
			t.Errorf("second code: %+v", env)
		}

		env = envelope{}
		c.json("POST", "/api/v1/accounts", "", `{"mobile":"123","password":"short","code":""}`, 400, &env)
		if env.Error.Code != "invalid" || len(env.Error.Fields) != 3 {
			t.Errorf("invalid registration: %+v", env)
		}
		for _, fe := range env.Error.Fields {
			if fe.Message == "" || fe.Message == "field."+fe.Code {
				t.Errorf("field %s has no message: %+v", fe.Field, fe)
			}
		}

		var reg struct {
			Account struct {
				ID, Mobile, Verification string
				Roles                    []auth.Grant `json:"roles"`
			} `json:"account"`
			Token string `json:"token"`
		}
		c.json("POST", "/api/v1/accounts", "", `{"mobile":"`+mobile+`","password":"`+password+`","code":"`+f.lastCode(t, mobile)+`","name":"张三"}`, 201, &reg)
		if reg.Account.Mobile != "138****0711" || reg.Account.Verification != "none" || len(reg.Account.Roles) != 1 || reg.Token == "" {
			t.Errorf("registration = %+v", reg)
		}

		var me struct {
			ID, Mobile, Verification string
			IDNumber                 string `json:"id_number"`
			RealName                 string `json:"real_name"`
		}
		c.json("POST", "/api/v1/me/verification", reg.Token, `{"name":"张三","id_number":"`+idNingbo+`"}`, 200, nil)
		c.json("GET", "/api/v1/me", reg.Token, "", 200, &me)
		if me.ID != reg.Account.ID || me.Verification != "development" || me.RealName != "张三" ||
			me.IDNumber != identity.MaskIDNumber(idNingbo) || strings.Contains(me.IDNumber, idNingbo[6:14]) {
			t.Errorf("me = %+v", me)
		}

		env = envelope{}
		c.json("POST", "/api/v1/sessions", "", `{"login":"`+mobile+`","password":"Wrong2026"}`, 401, &env)
		if env.Error.Code != "unauthenticated" {
			t.Errorf("wrong password: %+v", env)
		}
		var login struct{ Token string }
		c.json("POST", "/api/v1/sessions", "", `{"login":"`+mobile+`","password":"`+password+`"}`, 201, &login)

		var list struct {
			Sessions []struct {
				ID      string `json:"id"`
				IP      string `json:"ip"`
				Current bool   `json:"current"`
			} `json:"sessions"`
		}
		c.json("GET", "/api/v1/me/sessions", login.Token, "", 200, &list)
		if len(list.Sessions) != 2 {
			t.Fatalf("sessions = %+v", list)
		}
		var other string
		for _, s := range list.Sessions {
			if s.IP != "192.0.2.98" {
				t.Errorf("session IP = %q", s.IP)
			}
			if !s.Current {
				other = s.ID
			}
		}
		if status, b := c.do("DELETE", "/api/v1/me/sessions/"+other, login.Token, ""); status != 204 {
			t.Errorf("revoke = %d %s", status, b)
		}
		c.json("GET", "/api/v1/me", reg.Token, "", 401, nil)

		if status, b := c.do("DELETE", "/api/v1/sessions/current", login.Token, ""); status != 204 {
			t.Errorf("logout = %d %s", status, b)
		}
		c.json("GET", "/api/v1/me", login.Token, "", 401, nil)
		c.json("GET", "/api/v1/me", "", "", 401, nil)
		c.json("PATCH", "/api/v1/me", "", `{"lang":"en"}`, 401, nil)
	})
}

// TestLoginRedirectStaysOnSite checks the post-login redirect: whatever
// "next" says, the browser must stay on this site. Browsers drop tabs and
// newlines from a Location before resolving it (WHATWG URL parser), so
// "/\t/evil.example" becomes "//evil.example", another host.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/cases/123?tab=docs", "/cases/123?tab=docs"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example/", "/"},
		{"/\t/evil.example/", "/"},
		{"/\n/evil.example/", "/"},
		{"/\t\\evil.example/", "/"},
	}
	forEachDB(t, func(t *testing.T, f fixture) {
		f.seed(t, identity.Seed{Login: "u", Mobile: "13800000721", Name: "张三"})
		srv := newServer(f)
		for _, tt := range tests {
			t.Run(url.QueryEscape(tt.next), func(t *testing.T) {
				form := url.Values{"login": {"u"}, "password": {password}, "next": {tt.next}}
				r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				if w.Code != http.StatusSeeOther {
					t.Fatalf("status = %d, want 303; body %s", w.Code, w.Body)
				}
				loc := w.Header().Get("Location")
				// What a browser would follow.
				followed := strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
				if strings.HasPrefix(followed, "//") || strings.HasPrefix(followed, "/\\") || !strings.HasPrefix(followed, "/") {
					t.Errorf("Location = %q leaves the site (browser follows %q)", loc, followed)
				}
				if tt.want == "/" && loc != "/" {
					t.Errorf("Location = %q, want /", loc)
				}
				if tt.want != "/" && loc != tt.want {
					t.Errorf("Location = %q, want %q", loc, tt.want)
				}
				if c := w.Result().Cookies(); len(c) == 0 || c[0].Name != web.SessionCookieName || !c[0].HttpOnly {
					t.Errorf("cookies = %v, want the HttpOnly session cookie", c)
				}
			})
		}
	})
}
