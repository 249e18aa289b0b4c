package exhibit

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the exhibit HTML pages on mux, rendered by rd (which
// must include Templates under the namespace "exhibit"):
//
//	GET  /cases/{id}/exhibits                    the exhibit list with every opinion, the forms (phone first)
//	POST /cases/{id}/exhibits                    submit an exhibit (multipart)
//	POST /cases/{id}/exhibits/{eid}/opinion      record an opinion (opposing party)
//	POST /cases/{id}/exhibits/{eid}/dispute      the judge's dispute marks
//	POST /cases/{id}/exchanges                   open an exchange (judge)
//
// A refused submission re-renders the list with the messages next to the
// fields of the form that was sent (status 400/403/409).
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /cases/{id}/exhibits", p.handleList)
	mux.HandleFunc("POST /cases/{id}/exhibits", p.handleSubmit)
	mux.HandleFunc("POST /cases/{id}/exhibits/{eid}/opinion", p.handleOpinion)
	mux.HandleFunc("POST /cases/{id}/exhibits/{eid}/dispute", p.handleDispute)
	mux.HandleFunc("POST /cases/{id}/exchanges", p.handleExchange)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

// ListPage is the Data of "exhibit/list".
type ListPage struct {
	Board
	// Form names the form the last submission came from ("submit",
	// "exchange", "opinion:<exhibit>", "dispute:<exhibit>"); Values are its
	// values and Err its error.
	Form   string
	Values map[string]string
	Err    error
	Today  calendar.Date
	Stance []Stance
	Marks  []string
	Points []string
}

// FormErr returns the error when it belongs to form name.
func (lp ListPage) FormErr(name string) error {
	if lp.Form == name {
		return lp.Err
	}
	return nil
}

// Value returns the submitted value of a field of form name.
func (lp ListPage) Value(name, field string) string {
	if lp.Form == name {
		return lp.Values[field]
	}
	return ""
}

// Prefill returns the value of a field of the opinion form on e: the
// submitted one after a refusal, else the viewer's current opinion (so a
// revision starts from it).
func (lp ListPage) Prefill(e Exhibit, field string) string {
	if lp.Form == "opinion:"+e.ID {
		return lp.Values[field]
	}
	ops := lp.Opiners(e)
	if len(ops) != 1 || ops[0].Current == nil {
		return ""
	}
	o := ops[0].Current
	return map[string]string{"authenticity": string(o.Authenticity), "authenticity_reason": o.AuthenticityReason,
		"legality": string(o.Legality), "legality_reason": o.LegalityReason, "relevance": string(o.Relevance),
		"relevance_reason": o.RelevanceReason}[field]
}

func requirePage(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, form string, vals map[string]string, err error) {
	b, berr := p.s.Board(r.Context(), r.PathValue("id"))
	if berr != nil {
		web.Error(w, r, berr)
		return
	}
	p.rd.Render(w, r, status, "exhibit/list", ListPage{Board: b, Form: form, Values: vals, Err: err, Today: p.s.today(),
		Stance: Stances, Marks: []string{MarkDisputed, MarkUndisputed}, Points: Points})
}

func (p *pages) handleList(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.render(w, r, http.StatusOK, "", nil, nil)
}

func (p *pages) done(w http.ResponseWriter, r *http.Request, flash, anchor string) {
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id"))+"/exhibits"+anchor, http.StatusSeeOther)
}

func formValues(r *http.Request, keys ...string) map[string]string {
	vals := map[string]string{}
	for _, k := range keys {
		vals[k] = strings.TrimSpace(r.FormValue(k))
	}
	return vals
}

func (p *pages) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.s.MaxUpload())
	// The CSRF check may have parsed the form already; parsing again is a
	// no-op then. Large files go to temporary files, not memory.
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.render(w, r, http.StatusBadRequest, "submit", nil, errs.Fields(errs.Field("file", "exhibit_multipart")))
		return
	}
	vals := formValues(r, "party_id", "name", "purpose", "source")
	up := Upload{PartyID: vals["party_id"], Name: vals["name"], Purpose: vals["purpose"], Source: vals["source"]}
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		up.Body, up.FileName = f, h.Filename
	}
	e, err := p.s.Submit(r.Context(), r.PathValue("id"), up)
	if err != nil {
		p.render(w, r, web.StatusOf(err), "submit", vals, err)
		return
	}
	p.done(w, r, "exhibit.flash.submitted", "#exhibit-"+e.ID)
}

func (p *pages) handleOpinion(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	eid := r.PathValue("eid")
	vals := formValues(r, "party_id", "authenticity", "authenticity_reason", "legality", "legality_reason", "relevance", "relevance_reason")
	in := OpinionInput{PartyID: vals["party_id"], Authenticity: Stance(vals["authenticity"]), AuthenticityReason: vals["authenticity_reason"],
		Legality: Stance(vals["legality"]), LegalityReason: vals["legality_reason"], Relevance: Stance(vals["relevance"]),
		RelevanceReason: vals["relevance_reason"]}
	if _, err := p.s.RecordOpinion(r.Context(), eid, in); err != nil {
		p.render(w, r, web.StatusOf(err), "opinion:"+eid, vals, err)
		return
	}
	p.done(w, r, "exhibit.flash.opinion", "#exhibit-"+eid)
}

func (p *pages) handleDispute(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	eid := r.PathValue("eid")
	vals := formValues(r, "authenticity", "legality", "relevance", "note")
	in := DisputeInput{Authenticity: vals["authenticity"], Legality: vals["legality"], Relevance: vals["relevance"], Note: vals["note"]}
	if _, err := p.s.MarkDispute(r.Context(), eid, in); err != nil {
		p.render(w, r, web.StatusOf(err), "dispute:"+eid, vals, err)
		return
	}
	p.done(w, r, "exhibit.flash.dispute", "#exhibit-"+eid)
}

func (p *pages) handleExchange(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	vals := formValues(r, "start", "end", "note", "agreed")
	in := ExchangeInput{Note: vals["note"], Agreed: vals["agreed"] == "1"}
	var v errs.Collector
	var err error
	if in.Start, err = calendar.ParseDate(vals["start"]); err != nil {
		v.Add("start", "date")
	}
	if in.End, err = calendar.ParseDate(vals["end"]); err != nil {
		v.Add("end", "date")
	}
	if err := v.Err(); err != nil {
		p.render(w, r, http.StatusBadRequest, "exchange", vals, err)
		return
	}
	if _, err := p.s.OpenExchange(r.Context(), r.PathValue("id"), in); err != nil {
		p.render(w, r, web.StatusOf(err), "exchange", vals, err)
		return
	}
	p.done(w, r, "exhibit.flash.exchange", "")
}
