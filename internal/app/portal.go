package app

import (
	"embed"
	"io/fs"
	"net/http"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

//go:embed templates
var templatesFS embed.FS

var portalTemplates, _ = fs.Sub(templatesFS, "templates")

//go:embed messages
var messagesFS embed.FS

var appMessages, _ = fs.Sub(messagesFS, "messages")

func errNotFound() error { return errs.New(errs.NotFound, "error.not_found") }

// portal serves the pages that bring contexts together: the home page, the
// litigant's "my cases" and inbox, the staff workbench and the demo helpers.
type portal struct {
	a  *App
	rd *web.Renderer
}

func (p *portal) routes(mux web.Mux) {
	mux.HandleFunc("GET /cases", p.handleMyCases)
	mux.HandleFunc("GET /cases/{id}", p.handleCase)
	mux.HandleFunc("GET /cases/{id}/live", p.handleCaseLive)
	mux.HandleFunc("GET /cases/{id}/timeline", p.handleCaseTimeline)
	mux.HandleFunc("GET /staff", p.handleWorkbench)
	mux.HandleFunc("GET /courts", p.handleCourts)
	mux.HandleFunc("GET /staff/courts/{court}/people", p.handlePeople)
	mux.HandleFunc("POST /staff/courts/{court}/people", p.handlePeopleGrant)
	mux.HandleFunc("POST /staff/courts/{court}/people/revoke", p.handlePeopleRevoke)
	if p.a.cfg.Demo {
		mux.HandleFunc("GET /demo", p.handleDemo)
		mux.HandleFunc("POST /demo/switch", p.handleDemoSwitch)
	}
}

func (p *portal) handleHome(w http.ResponseWriter, r *http.Request) {
	_, signed := auth.From(r.Context())
	p.rd.Render(w, r, http.StatusOK, "portal/home", map[string]any{"SignedIn": signed})
}

type myCasesPage struct {
	Verified bool
	List     casefile.List
	Courts   map[string]court.Court
}

func (p *portal) courtsByID(r *http.Request) map[string]court.Court {
	list, _ := p.a.svc.court.List(r.Context(), court.Filter{})
	m := make(map[string]court.Court, len(list))
	for _, c := range list {
		m[c.ID] = c
	}
	return m
}

func (p *portal) handleMyCases(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	pr, _ := auth.From(r.Context())
	list, err := p.a.svc.casefile.ListMine(r.Context(), casefile.Page{Limit: 50, Before: r.URL.Query().Get("before")})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "portal/cases", myCasesPage{Verified: pr.Verified, List: list, Courts: p.courtsByID(r)})
}

type casePage struct {
	Case      casefile.Case
	Court     court.Court
	Timeline  []casefile.Event
	Consents  []casefile.Consent
	Bills     []fees.Bill
	Documents []document.Document
	Periods   []delivery.Period
	// Staff: the viewer works on the case (links to service tracking).
	Staff bool
}

// DocKindKey is the message key of a document kind.
func (casePage) DocKindKey(kind string) string { return "document.kind." + kind }

func (p *portal) handleCase(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	d, err := p.caseData(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "portal/case", d)
}

// caseData loads a case page: every read passes the casefile's access
// check and is audited there.
func (p *portal) caseData(r *http.Request) (casePage, error) {
	ctx := r.Context()
	c, err := p.a.svc.casefile.Get(ctx, r.PathValue("id"))
	if err != nil {
		return casePage{}, err
	}
	tl, err := p.a.svc.casefile.Timeline(ctx, c.ID)
	if err != nil {
		return casePage{}, err
	}
	cons, err := p.a.svc.casefile.Consents(ctx, c.ID)
	if err != nil {
		return casePage{}, err
	}
	bills, err := p.a.svc.fees.ListCaseBills(ctx, c.ID)
	if err != nil {
		return casePage{}, err
	}
	docs, err := p.a.svc.docs.ListCase(ctx, c.ID)
	if err != nil {
		return casePage{}, err
	}
	periods, err := p.a.svc.delivery.ListPeriods(ctx, c.ID)
	if err != nil {
		return casePage{}, err
	}
	ct, _ := p.a.svc.court.Find(ctx, c.CourtID)
	pr, _ := auth.From(ctx)
	return casePage{Case: c, Court: ct, Timeline: tl, Consents: cons, Bills: bills, Documents: docs, Periods: periods,
		Staff: pr.IsStaff()}, nil
}

type workbenchPage struct {
	Courts   []court.Court
	Court    court.Court
	Counts   map[casefile.Status]int
	Statuses []casefile.Status
	Query    string
	Results  casefile.List
	Err      error
}

// handleWorkbench is the staff dashboard of one court: open cases by
// status and a case search within the court.
func (p *portal) handleWorkbench(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	ctx := r.Context()
	pr, _ := auth.From(ctx)
	ids := pr.Courts(auth.StaffRoles...)
	if len(ids) == 0 && !pr.Has("", auth.PlatformAdmin) {
		web.Error(w, r, errs.New(errs.Forbidden, "portal.staff_only"))
		return
	}
	var d workbenchPage
	for _, id := range ids {
		if c, err := p.a.svc.court.Find(ctx, id); err == nil {
			d.Courts = append(d.Courts, c)
		}
	}
	if len(d.Courts) == 0 {
		all, _ := p.a.svc.court.List(ctx, court.Filter{})
		d.Courts = all
	}
	d.Court = d.Courts[0]
	if want := r.URL.Query().Get("court"); want != "" {
		for _, c := range d.Courts {
			if c.ID == want {
				d.Court = c
			}
		}
	}
	var err error
	if d.Counts, err = p.a.svc.casefile.Counts(ctx, d.Court.ID); err != nil {
		web.Error(w, r, err)
		return
	}
	d.Statuses = casefile.Statuses
	d.Query = r.URL.Query().Get("q")
	d.Results, d.Err = p.a.svc.casefile.Search(ctx, d.Court.ID, casefile.Query{Text: d.Query}, casefile.Page{Limit: 50})
	p.rd.Render(w, r, http.StatusOK, "portal/workbench", d)
}

func (p *portal) handleCourts(w http.ResponseWriter, r *http.Request) {
	list, err := p.a.svc.court.List(r.Context(), court.Filter{Query: r.URL.Query().Get("q")})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "portal/courts", list)
}

type demoPage struct {
	Accounts []demoAccount
	SMS      []identity.SentSMS
}

func (p *portal) handleDemo(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, http.StatusOK, "portal/demo", demoPage{Accounts: demoAccounts(), SMS: p.a.svc.sms.Sent()})
}

func (p *portal) handleDemoSwitch(w http.ResponseWriter, r *http.Request) {
	login := r.PostFormValue("login")
	tok, err := p.a.svc.identity.SignInAs(r.Context(), login, identity.ClientMeta{IP: web.ClientIP(r), UserAgent: r.UserAgent()})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.SetSessionCookie(w, r, tok, time.Now().Add(identity.SessionTTL))
	dest := "/cases"
	for _, d := range demoAccounts() {
		if d.Login == login && d.Staff {
			dest = "/staff"
		}
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}
