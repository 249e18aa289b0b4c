package app

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/fees/sandbox"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
	"github.com/ecourt/ecourt/internal/transcript"
	webassets "github.com/ecourt/ecourt/web"
)

// routes builds the whole HTTP handler: one flat route table per context on
// a standard ServeMux, wrapped in the platform middleware.
func (a *App) routes() (http.Handler, error) {
	assets, err := web.NewAssets(unionFS{base: webassets.Static, mounts: map[string]fs.FS{"static/hearing": hearing.Static,
		"static/enforcement": enforcement.Static}})
	if err != nil {
		return nil, err
	}
	rd, err := web.NewRenderer(web.RendererConfig{
		Catalog: a.svc.catalog, Assets: assets, Demo: a.cfg.Demo,
		Pages: []web.PageSet{{Namespace: "identity", FS: identity.Templates}, {Namespace: "portal", FS: portalTemplates},
			{Namespace: "filing", FS: filing.Templates}, {Namespace: "fees", FS: fees.Templates},
			{Namespace: "sandbox", FS: sandbox.Templates}, {Namespace: "document", FS: document.Templates},
			{Namespace: "notify", FS: notify.Templates}, {Namespace: "delivery", FS: delivery.Templates},
			{Namespace: "hearing", FS: hearing.Templates}, {Namespace: "transcript", FS: transcript.Templates},
			{Namespace: "exhibit", FS: exhibit.Templates}, {Namespace: "enforcement", FS: enforcement.Templates},
			{Namespace: "casefund", FS: casefund.Templates}},
	})
	if err != nil {
		return nil, err
	}
	mux := web.NewRecordingMux()
	mux.Handle("GET /static/", assets.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.Ready(r.Context()); err != nil {
			a.log.Warn("not ready", "err", err)
			web.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		web.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", a.metrics.handler())
	doc, err := a.openAPI()
	if err != nil {
		return nil, err
	}
	docJSON, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(docJSON)
	})

	idh := &identity.HTTP{S: a.svc.identity, Renderer: rd, Limiter: web.NewRateLimiter(rate.Every(6*time.Second), 10), Nav: a.nav}
	idh.Routes(mux)
	a.svc.court.Routes(mux)
	a.svc.casefile.Routes(mux)
	(&filing.HTTP{S: a.svc.filing, Renderer: rd}).Routes(mux)
	a.svc.fees.Routes(mux)
	a.svc.fees.Pages(mux, rd)
	if a.svc.sandbox != nil {
		a.svc.sandbox.Routes(mux, rd)
	}
	a.svc.seals.Routes(mux)
	a.svc.docs.Routes(mux)
	a.svc.docs.Pages(mux, rd)
	mux.HandleFunc("POST /api/v1/cases/{id}/documents", a.handleIssueDocument)
	a.svc.ledger.Routes(mux)
	a.svc.notify.Routes(mux)
	a.svc.notify.Pages(mux, rd)
	a.svc.delivery.Routes(mux)
	a.svc.delivery.Pages(mux, rd)
	a.svc.hearing.Routes(mux)
	a.svc.hearing.Pages(mux, rd)
	a.svc.hearing.RecordingRoutes(mux, a.Blobs)
	a.svc.transcript.Routes(mux)
	a.svc.transcript.Pages(mux, rd)
	a.svc.exhibit.Routes(mux)
	a.svc.exhibit.Pages(mux, rd)
	a.svc.enforce.Routes(mux)
	a.svc.enforce.Pages(mux, rd)
	a.svc.casefund.Routes(mux)
	a.svc.casefund.Pages(mux, rd)
	p := &portal{a: a, rd: rd}
	p.routes(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		web.Error(w, r, errNotFound())
	})
	mux.HandleFunc("/{$}", p.handleHome)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rd.Render(w, r, http.StatusNotFound, "web/notfound", nil)
	})

	a.patterns = mux.Patterns
	h := web.Chain(a.metrics.instrument(mux.ServeMux),
		web.RequestID,
		web.Configure(web.Options{Renderer: rd, Logger: a.log, ForceSecureCookies: a.cfg.SecureCookies, TrustProxy: a.cfg.TrustProxy}),
		web.AccessLog(a.log),
		web.Recover,
		web.SecurityHeaders,
		a.videoPages,
		idh.Middleware,
		web.CSRF,
	)
	return h, nil
}

// nav is the main navigation for a principal.
func (a *App) nav(p auth.Principal) []web.NavItem {
	if p.UserID == "" {
		items := []web.NavItem{{Href: "/", Key: "layout.home"}, {Href: "/login", Key: "layout.sign_in"}, {Href: "/register", Key: "identity.action.register"}}
		if a.cfg.Demo {
			items = append(items, web.NavItem{Href: "/demo", Key: "portal.nav.demo"})
		}
		return items
	}
	items := []web.NavItem{{Href: "/cases", Key: "portal.nav.my_cases"}, {Href: "/filing", Key: "portal.nav.filing"}, {Href: "/inbox", Key: "portal.nav.inbox"}}
	if p.IsStaff() {
		items = append(items, web.NavItem{Href: "/staff", Key: "portal.nav.workbench"})
	}
	if p.HasAnywhere(auth.FilingOfficer, auth.Clerk, auth.SharedCourtDirector, auth.CourtAdmin) {
		items = append(items, web.NavItem{Href: "/staff/filing", Key: "portal.nav.filing_queue"})
	}
	if !p.IsStaff() {
		items = append(items, web.NavItem{Href: "/enforcement/apply", Key: "portal.nav.enforcement_apply"})
	}
	if p.HasAnywhere(auth.FilingOfficer, auth.CourtAdmin) {
		items = append(items, web.NavItem{Href: "/enforcement/applications", Key: "portal.nav.enforcement_queue"})
	}
	if p.HasAnywhere(auth.EnforcementOfficer, auth.CourtAdmin) {
		items = append(items, web.NavItem{Href: "/enforcement/officer", Key: "portal.nav.enforcement_officer"})
		for _, court := range p.Courts(auth.EnforcementOfficer, auth.CourtAdmin) {
			items = append(items, web.NavItem{Href: "/courts/" + court + "/casefund", Key: "portal.nav.casefund_desk"})
			break // one desk link: the first court's
		}
	}
	if p.HasAnywhere(auth.SharedCourtDirector) {
		items = append(items, web.NavItem{Href: "/shared-court/casefund", Key: "portal.nav.shared_casefund"})
	}
	items = append(items, web.NavItem{Href: "/settings", Key: "portal.nav.settings"})
	if a.cfg.Demo {
		items = append(items, web.NavItem{Href: "/demo", Key: "portal.nav.demo"})
	}
	return items
}
