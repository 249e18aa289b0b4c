package identity

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// HTTP serves the identity context's pages and API.
type HTTP struct {
	S        *Service
	Renderer *web.Renderer
	// Limiter throttles login, registration and one-time-code requests per
	// client address.
	Limiter *web.RateLimiter
	// Nav builds the navigation for a principal (the app knows every context's pages).
	Nav func(p auth.Principal) []web.NavItem
}

// Middleware resolves the bearer token or session cookie into the
// principal and puts it, the audit actor, the language and the layout's
// viewer into the request context. A bad bearer token is refused (401); a
// stale cookie is dropped and the request goes on signed out.
func (h *HTTP) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := audit.WithActor(r.Context(), audit.Actor{IP: web.ClientIP(r)})
		tok, bearer := "", false
		if v := r.Header.Get("Authorization"); v != "" {
			scheme, t, _ := strings.Cut(v, " ")
			if !strings.EqualFold(scheme, "Bearer") || t == "" {
				web.Error(w, r.WithContext(ctx), errs.New(errs.Unauthenticated, "error.unauthenticated"))
				return
			}
			tok, bearer = strings.TrimSpace(t), true
		} else {
			tok = web.SessionCookie(r)
		}
		if tok != "" {
			p, err := h.S.Authenticate(ctx, tok)
			switch {
			case err == nil:
				// The header's language switch (?lang=) changes a signed-in
				// person's account setting, which otherwise decides the language.
				if l, ok := i18n.Parse(r.URL.Query().Get(i18n.QueryParam)); ok && string(l) != p.Lang && p.Via == WebSession {
					if err := h.S.setLang(auth.WithPrincipal(ctx, p), string(l)); err == nil {
						p.Lang = string(l)
					}
				}
				ctx = auth.WithPrincipal(ctx, p)
				ctx = audit.WithActor(ctx, audit.Actor{UserID: p.UserID, IP: web.ClientIP(r)})
				v := web.Viewer{SignedIn: true, UserID: p.UserID, Name: p.Name, Lang: i18n.Lang(p.Lang), Elderly: p.Elderly, RoleLabel: roleLabel(p)}
				if h.Nav != nil {
					v.Nav = h.Nav(p)
				}
				ctx = web.WithViewer(ctx, v)
			case bearer:
				web.Error(w, r.WithContext(ctx), err)
				return
			case errs.CodeOf(err) == errs.Unauthenticated:
				web.ClearSessionCookie(w, r)
			default:
				web.Error(w, r.WithContext(ctx), err)
				return
			}
		}
		if _, ok := auth.From(ctx); !ok && h.Nav != nil {
			ctx = web.WithViewer(ctx, web.Viewer{Nav: h.Nav(auth.Principal{})})
		}
		r = r.WithContext(ctx)
		r = r.WithContext(i18n.WithLang(r.Context(), web.Lang(r)))
		next.ServeHTTP(w, r)
	})
}

// roleLabel is the i18n key of the role shown next to the name.
func roleLabel(p auth.Principal) string {
	for _, r := range []auth.Role{auth.PlatformAdmin, auth.CourtAdmin, auth.Judge, auth.FilingOfficer, auth.JudgeAssistant,
		auth.Clerk, auth.EnforcementOfficer, auth.Mediator, auth.BankruptcyAdmin, auth.SharedCourtDirector, auth.Lawyer} {
		if p.HasAnywhere(r) {
			return "role." + string(r)
		}
	}
	return ""
}

func meta(r *http.Request) ClientMeta {
	return ClientMeta{IP: web.ClientIP(r), UserAgent: r.UserAgent()}
}

// limited wraps a handler with the login rate limit.
func (h *HTTP) limited(f http.HandlerFunc) http.Handler {
	if h.Limiter == nil {
		return f
	}
	return h.Limiter.Limit(func(r *http.Request) string { return "login|" + web.ClientIP(r) })(f)
}

// Routes registers the identity pages and API on mux.
func (h *HTTP) Routes(mux web.Mux) {
	// API
	mux.Handle("POST /api/v1/accounts/codes", h.limited(h.handleAPICode))
	mux.Handle("POST /api/v1/accounts", h.limited(h.handleAPIRegister))
	mux.Handle("POST /api/v1/sessions", h.limited(h.handleAPILogin))
	mux.HandleFunc("DELETE /api/v1/sessions/current", h.handleAPILogout)
	mux.HandleFunc("GET /api/v1/me", h.handleAPIMe)
	mux.HandleFunc("PATCH /api/v1/me", h.handleAPISettings)
	mux.HandleFunc("POST /api/v1/me/verification", h.handleAPIVerify)
	mux.HandleFunc("GET /api/v1/me/sessions", h.handleAPISessions)
	mux.HandleFunc("DELETE /api/v1/me/sessions/{id}", h.handleAPIRevoke)
	h.staffRoutes(mux)
	// Pages
	mux.HandleFunc("GET /register", h.handleRegisterPage)
	mux.Handle("POST /register", h.limited(h.handleRegister))
	mux.HandleFunc("GET /login", h.handleLoginPage)
	mux.Handle("POST /login", h.limited(h.handleLogin))
	mux.HandleFunc("POST /logout", h.handleLogout)
	mux.HandleFunc("GET /verify", h.handleVerifyPage)
	mux.HandleFunc("POST /verify", h.handleVerify)
	mux.HandleFunc("GET /settings", h.handleSettingsPage)
	mux.HandleFunc("POST /settings", h.handleSettings)
	mux.HandleFunc("POST /sessions/{id}/revoke", h.handleRevoke)
}

// accountJSON is the API form of an account.
type accountJSON struct {
	ID           string       `json:"id"`
	Mobile       string       `json:"mobile"`
	DisplayName  string       `json:"display_name"`
	Lang         string       `json:"lang"`
	Elderly      bool         `json:"elderly"`
	Kind         string       `json:"kind"`
	Verification string       `json:"verification"`
	RealName     string       `json:"real_name,omitempty"`
	IDType       string       `json:"id_type,omitempty"`
	IDNumber     string       `json:"id_number,omitempty"` // masked
	OrgName      string       `json:"org_name,omitempty"`
	VerifiedAt   *time.Time   `json:"verified_at,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	Roles        []auth.Grant `json:"roles"`
}

func toJSON(a Account) accountJSON {
	g := a.Grants
	if g == nil {
		g = []auth.Grant{}
	}
	return accountJSON{ID: a.ID, Mobile: MaskMobile(a.Mobile), DisplayName: a.DisplayName, Lang: a.Lang, Elderly: a.Elderly,
		Kind: string(a.Kind), Verification: string(a.Verification), RealName: a.RealName, IDType: string(a.IDType),
		IDNumber: MaskIDNumber(a.IDNumber), OrgName: a.OrgName, VerifiedAt: a.VerifiedAt, CreatedAt: a.CreatedAt, Roles: g}
}

func (h *HTTP) handleAPICode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Mobile  string `json:"mobile"`
		Purpose string `json:"purpose"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := h.S.RequestCode(r.Context(), in.Mobile, Purpose(in.Purpose)); err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusAccepted, map[string]any{"sent": true, "expires_in": int(CodeTTL.Seconds())})
}

func (h *HTTP) handleAPIRegister(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Mobile   string `json:"mobile"`
		Password string `json:"password"`
		Code     string `json:"code"`
		Name     string `json:"name"`
		Lang     string `json:"lang"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, tok, err := h.S.Register(r.Context(), Registration{Mobile: in.Mobile, Password: in.Password, Code: in.Code, Name: in.Name, Lang: in.Lang}, meta(r))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"account": toJSON(a), "token": tok})
}

func (h *HTTP) handleAPILogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		Mobile   string `json:"mobile"`
		Code     string `json:"code"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	var tok string
	var err error
	if in.Code != "" {
		tok, err = h.S.LoginCode(r.Context(), in.Mobile, in.Code, meta(r))
	} else {
		tok, err = h.S.LoginPassword(r.Context(), in.Login, in.Password, meta(r))
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, map[string]any{"token": tok})
}

func (h *HTTP) handleAPILogout(w http.ResponseWriter, r *http.Request) {
	if err := h.S.Logout(r.Context()); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *HTTP) handleAPIMe(w http.ResponseWriter, r *http.Request) {
	a, err := h.S.Me(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, toJSON(a))
}

func (h *HTTP) handleAPISettings(w http.ResponseWriter, r *http.Request) {
	cur, err := h.S.Me(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	in := struct {
		Lang        *string `json:"lang"`
		Elderly     *bool   `json:"elderly"`
		DisplayName *string `json:"display_name"`
	}{}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	set := Settings{Lang: cur.Lang, Elderly: cur.Elderly, DisplayName: cur.DisplayName}
	if in.Lang != nil {
		set.Lang = *in.Lang
	}
	if in.Elderly != nil {
		set.Elderly = *in.Elderly
	}
	if in.DisplayName != nil {
		set.DisplayName = *in.DisplayName
	}
	a, err := h.S.UpdateSettings(r.Context(), set)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, toJSON(a))
}

// claimJSON is the body of a verification request.
type claimJSON struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	IDType     string `json:"id_type"`
	IDNumber   string `json:"id_number"`
	Country    string `json:"country"`
	LegalRep   string `json:"legal_rep"`
	LegalRepID string `json:"legal_rep_id"`
}

func (c claimJSON) claim() Claim {
	k := Kind(c.Kind)
	if k == "" {
		k = Person
	}
	t := IDType(c.IDType)
	if t == "" {
		t = ResidentIDCard
		if k == Organisation {
			t = USCCCode
		}
	}
	return Claim{Kind: k, Name: c.Name, IDType: t, IDNumber: c.IDNumber, Country: c.Country, LegalRep: c.LegalRep, LegalRepID: c.LegalRepID}
}

func (h *HTTP) handleAPIVerify(w http.ResponseWriter, r *http.Request) {
	var in claimJSON
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, warnings, err := h.S.VerifyIdentity(r.Context(), in.claim())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if warnings == nil {
		warnings = []string{}
	}
	web.JSON(w, http.StatusOK, map[string]any{"account": toJSON(a), "warnings": warnings})
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

func (h *HTTP) handleAPISessions(w http.ResponseWriter, r *http.Request) {
	list, err := h.S.Sessions(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make([]sessionJSON, 0, len(list))
	for _, s := range list {
		out = append(out, sessionJSON{s.ID, s.Kind, s.Name, s.IP, s.UserAgent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Current})
	}
	web.JSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (h *HTTP) handleAPIRevoke(w http.ResponseWriter, r *http.Request) {
	if err := h.S.RevokeSession(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// form is the data of a form page: the values entered and the error to show.
type form struct {
	Values map[string]string
	Err    error
	Extra  any
}

func values(r *http.Request, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	return m
}

func (h *HTTP) handleRegisterPage(w http.ResponseWriter, r *http.Request) {
	h.Renderer.Render(w, r, http.StatusOK, "identity/register", form{Values: map[string]string{}})
}

// handleRegister serves both steps of the form: "send code" and "register".
func (h *HTTP) handleRegister(w http.ResponseWriter, r *http.Request) {
	v := values(r, "mobile", "code", "name")
	pw := r.PostFormValue("password")
	if r.PostFormValue("action") == "code" {
		err := h.S.RequestCode(r.Context(), v["mobile"], PurposeRegister)
		status := http.StatusOK
		extra := "sent"
		if err != nil {
			status, extra = web.StatusOf(err), ""
		}
		h.Renderer.Render(w, r, status, "identity/register", form{Values: v, Err: err, Extra: extra})
		return
	}
	_, tok, err := h.S.Register(r.Context(), Registration{Mobile: v["mobile"], Password: pw, Code: v["code"], Name: v["name"], Lang: string(web.Lang(r))}, meta(r))
	if err != nil {
		h.Renderer.Render(w, r, web.StatusOf(err), "identity/register", form{Values: v, Err: err, Extra: "sent"})
		return
	}
	web.SetSessionCookie(w, r, tok, time.Now().Add(SessionTTL))
	web.SetFlash(w, r, "identity.flash.registered")
	http.Redirect(w, r, "/verify", http.StatusSeeOther)
}

func (h *HTTP) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	h.Renderer.Render(w, r, http.StatusOK, "identity/login", form{Values: map[string]string{"next": safeNext(r.URL.Query().Get("next"))}})
}

// safeNext keeps a post-login redirect on this site.
func safeNext(n string) string {
	if strings.ContainsFunc(n, unicode.IsControl) || !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || strings.HasPrefix(n, "/\\") {
		return "/"
	}
	return n
}

func (h *HTTP) handleLogin(w http.ResponseWriter, r *http.Request) {
	v := values(r, "login", "code", "next")
	var tok string
	var err error
	switch r.PostFormValue("action") {
	case "code":
		err = h.S.RequestCode(r.Context(), v["login"], PurposeLogin)
		status, extra := http.StatusOK, "sent"
		if err != nil {
			status, extra = web.StatusOf(err), ""
		}
		h.Renderer.Render(w, r, status, "identity/login", form{Values: v, Err: err, Extra: extra})
		return
	case "code_login":
		tok, err = h.S.LoginCode(r.Context(), v["login"], v["code"], meta(r))
	default:
		tok, err = h.S.LoginPassword(r.Context(), v["login"], r.PostFormValue("password"), meta(r))
	}
	if err != nil {
		h.Renderer.Render(w, r, web.StatusOf(err), "identity/login", form{Values: v, Err: err})
		return
	}
	web.SetSessionCookie(w, r, tok, time.Now().Add(SessionTTL))
	http.Redirect(w, r, safeNext(v["next"]), http.StatusSeeOther)
}

func (h *HTTP) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := h.S.Logout(r.Context()); err != nil && errs.CodeOf(err) != errs.Unauthenticated {
		web.Error(w, r, err)
		return
	}
	web.ClearSessionCookie(w, r)
	web.SetFlash(w, r, "identity.flash.signed_out")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// requirePage sends a signed-out visitor to the login page.
func requirePage(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
	return false
}

// RequirePage is requirePage for other contexts' pages.
func RequirePage(w http.ResponseWriter, r *http.Request) bool { return requirePage(w, r) }

func (h *HTTP) handleVerifyPage(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	a, err := h.S.Me(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.Renderer.Render(w, r, http.StatusOK, "identity/verify", form{Values: map[string]string{"kind": "person", "id_type": "resident_id"}, Extra: toJSON(a)})
}

func (h *HTTP) handleVerify(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := values(r, "kind", "name", "id_type", "id_number", "country", "legal_rep", "legal_rep_id")
	c := claimJSON{Kind: v["kind"], Name: v["name"], IDType: v["id_type"], IDNumber: v["id_number"], Country: v["country"], LegalRep: v["legal_rep"], LegalRepID: v["legal_rep_id"]}
	a, _, err := h.S.VerifyIdentity(r.Context(), c.claim())
	if err != nil {
		cur, _ := h.S.Me(r.Context())
		h.Renderer.Render(w, r, web.StatusOf(err), "identity/verify", form{Values: v, Err: err, Extra: toJSON(cur)})
		return
	}
	_ = a
	web.SetFlash(w, r, "identity.flash.verified")
	http.Redirect(w, r, "/cases", http.StatusSeeOther)
}

type settingsPage struct {
	Account  accountJSON
	Sessions []Session
}

func (h *HTTP) settingsData(r *http.Request) (settingsPage, error) {
	a, err := h.S.Me(r.Context())
	if err != nil {
		return settingsPage{}, err
	}
	list, err := h.S.Sessions(r.Context())
	return settingsPage{Account: toJSON(a), Sessions: list}, err
}

func (h *HTTP) handleSettingsPage(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	d, err := h.settingsData(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.Renderer.Render(w, r, http.StatusOK, "identity/settings", form{Values: map[string]string{
		"display_name": d.Account.DisplayName, "lang": d.Account.Lang}, Extra: d})
}

func (h *HTTP) handleSettings(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := values(r, "display_name", "lang", "elderly")
	_, err := h.S.UpdateSettings(r.Context(), Settings{Lang: v["lang"], Elderly: v["elderly"] == "1", DisplayName: v["display_name"]})
	if err != nil {
		d, derr := h.settingsData(r)
		if derr != nil {
			web.Error(w, r, errors.Join(err, derr))
			return
		}
		h.Renderer.Render(w, r, web.StatusOf(err), "identity/settings", form{Values: v, Err: err, Extra: d})
		return
	}
	// The account setting now decides; drop the per-browser overrides.
	for _, c := range []string{i18n.CookieName, web.ElderlyCookie} {
		http.SetCookie(w, &http.Cookie{Name: c, Path: "/", MaxAge: -1})
	}
	web.SetFlash(w, r, "identity.flash.saved")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}

func (h *HTTP) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if err := h.S.RevokeSession(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "identity.flash.revoked")
	http.Redirect(w, r, "/settings", http.StatusSeeOther)
}
