package enforcement

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the enforcement HTML pages on mux, rendered by rd (which
// must include Templates under the namespace "enforcement", and whose
// assets must include Static under "enforcement/"):
//
//	GET  /enforcement/cases/{id}                the case page: timeline (live), leads, delay interest, escalation
//	POST /enforcement/cases/{id}/leads          send a lead (multipart: files, position)
//	POST /enforcement/cases/{id}/delay          compute delay interest on the page
//	POST /enforcement/cases/{id}/escalate       ask the higher court (CPL Art. 237)
//	POST /enforcement/cases/{id}/sms            the caller's SMS choice
//	GET  /enforcement/cases/{id}/record         the officer's node form (camera, position)
//	POST /enforcement/cases/{id}/record         record the node (multipart)
//	POST /enforcement/leads/{id}/answer         answer a lead (officer)
//	POST /enforcement/nodes/{id}/disclose       disclose a node kept until carried out
//	GET  /enforcement/officer                   the officer's list, overdue leads flagged
//	GET  /enforcement/apply                     the application form (?court=, ?document=) and the caller's applications
//	POST /enforcement/apply                     apply (multipart: the title file for an upload)
//	GET  /enforcement/applications?court=       the court's applications waiting for a decision (filing officers)
//	POST /enforcement/applications/{id}/accept  accept, naming the officers
//	POST /enforcement/applications/{id}/reject  reject with a reason
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	p.applyPages(mux)
	mux.HandleFunc("GET /enforcement/cases/{id}", p.handleCase)
	mux.HandleFunc("POST /enforcement/cases/{id}/leads", p.handleLeadPost)
	mux.HandleFunc("POST /enforcement/cases/{id}/delay", p.handleDelayPost)
	mux.HandleFunc("POST /enforcement/cases/{id}/escalate", p.handleEscalatePost)
	mux.HandleFunc("POST /enforcement/cases/{id}/sms", p.handleSMSPost)
	mux.HandleFunc("GET /enforcement/cases/{id}/record", p.handleRecord)
	mux.HandleFunc("POST /enforcement/cases/{id}/record", p.handleRecordPost)
	mux.HandleFunc("POST /enforcement/leads/{id}/answer", p.handleAnswerPost)
	mux.HandleFunc("POST /enforcement/nodes/{id}/disclose", p.handleDisclosePost)
	mux.HandleFunc("GET /enforcement/officer", p.handleOfficer)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

func signedIn(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

// CasePage is the Data of "enforcement/case".
type CasePage struct {
	Case     casefile.Case
	Record   Record
	Nodes    []NodeView
	Leads    []Lead
	Audience string // the caller's widest audience
	Officer  bool   // may record nodes and answer leads
	Lead     bool   // may send leads (the applicant's side)
	// Forms: the values and the error of the form last posted.
	Form      string
	FormErr   error
	Values    map[string]string
	Delay     *delay.Result
	LeadKinds []string
	States    []string
}

// Err returns the form error of form name, or nil.
func (p CasePage) Err(name string) error {
	if p.Form == name {
		return p.FormErr
	}
	return nil
}

// Value returns a posted value of the form.
func (p CasePage) Value(name string) string { return p.Values[name] }

func (p *pages) casePage(w http.ResponseWriter, r *http.Request, status int, form string, formErr error, vals map[string]string, res *delay.Result) {
	ctx := withActor(r.Context())
	st, err := p.s.authorize(ctx, r.PathValue("id"), casefile.NeedRead, nil)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	rec, err := p.s.caseFor(ctx, st)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	st.officer = st.officer || (st.staff && slicesHasOfficer(rec.Officers, st.userID))
	nodes, err := p.s.nodesFor(ctx, st)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := CasePage{Case: st.c, Record: rec, Nodes: nodes, Audience: st.best(), Officer: st.officer, Form: form, FormErr: formErr,
		Values: vals, Delay: res, LeadKinds: LeadKinds, States: []string{LeadAccepted, LeadActedOn, LeadRejected}}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	if st.is(Staff) || st.is(Applicant) {
		if d.Leads, err = p.s.leadsFor(ctx, st); err != nil {
			web.Error(w, r, err)
			return
		}
		_, perr := st.applicantParty("")
		d.Lead = perr == nil
	}
	p.rd.Render(w, r, status, "enforcement/case", d)
}

func slicesHasOfficer(os []Officer, id string) bool {
	for _, o := range os {
		if o.AccountID == id {
			return true
		}
	}
	return false
}

func (p *pages) handleCase(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	p.casePage(w, r, http.StatusOK, "", nil, nil, nil)
}

// formError renders the case page again with the form's error, or the
// error page for errors that are not about the input.
func (p *pages) formError(w http.ResponseWriter, r *http.Request, form string, err error, vals map[string]string) {
	if errs.CodeOf(err) != errs.Invalid && errs.CodeOf(err) != errs.Conflict {
		web.Error(w, r, err)
		return
	}
	p.casePage(w, r, web.StatusOf(err), form, err, vals, nil)
}

func (p *pages) back(w http.ResponseWriter, r *http.Request, caseID, flash string) {
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, "/enforcement/cases/"+caseID, http.StatusSeeOther)
}

func (p *pages) handleLeadPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if err := p.s.parseMultipart(w, r); err != nil {
		p.formError(w, r, "lead", err, nil)
		return
	}
	vals := map[string]string{"kind": r.FormValue("kind"), "text": r.FormValue("text")}
	in := LeadInput{Kind: vals["kind"], Text: vals["text"]}
	pos, err := formPosition(r.FormValue)
	if err != nil {
		p.formError(w, r, "lead", err, vals)
		return
	}
	in.Position = pos
	files, done, err := formFiles(r, "files")
	defer done()
	if err != nil {
		p.formError(w, r, "lead", err, vals)
		return
	}
	in.Files = nonEmpty(files, r, "files")
	if _, err := p.s.SubmitLead(r.Context(), r.PathValue("id"), in); err != nil {
		p.formError(w, r, "lead", err, vals)
		return
	}
	p.back(w, r, r.PathValue("id"), "enforcement.flash.lead_sent")
}

// nonEmpty drops the empty file part a browser sends for a file input
// left empty.
func nonEmpty(files []File, r *http.Request, field string) []File {
	var out []File
	for i, f := range files {
		if r.MultipartForm.File[field][i].Size > 0 {
			out = append(out, f)
		}
	}
	return out
}

// delayForm reads the calculator: principal (yuan), due date, payments
// (one "YYYY-MM-DD amount" a line), until.
func delayForm(r *http.Request) (delay.Input, map[string]string, error) {
	vals := map[string]string{"principal": r.FormValue("principal"), "due": r.FormValue("due"),
		"payments": r.FormValue("payments"), "until": r.FormValue("until")}
	var v errs.Collector
	var in delay.Input
	var err error
	if in.Principal, err = money.ParseYuan(strings.TrimSpace(vals["principal"])); err != nil {
		v.Add("principal", "enforcement_amount")
	}
	if in.Due, err = calendar.ParseDate(strings.TrimSpace(vals["due"])); err != nil {
		v.Add("due", "date")
	}
	if in.Until, err = calendar.ParseDate(strings.TrimSpace(vals["until"])); err != nil {
		v.Add("until", "date")
	}
	for _, line := range strings.Split(vals["payments"], "\n") {
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		if len(fs) != 2 {
			v.Add("payments", "enforcement_payment_line")
			break
		}
		d, derr := calendar.ParseDate(fs[0])
		a, aerr := money.ParseYuan(fs[1])
		if derr != nil || aerr != nil {
			v.Add("payments", "enforcement_payment_line")
			break
		}
		in.Payments = append(in.Payments, delay.Payment{On: d, Amount: a})
	}
	return in, vals, v.Err()
}

func (p *pages) handleDelayPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	in, vals, err := delayForm(r)
	if err == nil {
		var res delay.Result
		if res, err = p.s.DelayInterest(in); err == nil {
			p.casePage(w, r, http.StatusOK, "delay", nil, vals, &res)
			return
		}
	}
	p.formError(w, r, "delay", err, vals)
}

func (p *pages) handleEscalatePost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	vals := map[string]string{"reason": r.FormValue("reason")}
	if _, err := p.s.Escalate(r.Context(), r.PathValue("id"), EscalateInput{Reason: vals["reason"]}); err != nil {
		p.formError(w, r, "escalate", err, vals)
		return
	}
	p.back(w, r, r.PathValue("id"), "enforcement.flash.escalated")
}

func (p *pages) handleSMSPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if err := p.s.SetSMS(r.Context(), r.PathValue("id"), r.FormValue("sms") != ""); err != nil {
		web.Error(w, r, err)
		return
	}
	p.back(w, r, r.PathValue("id"), "enforcement.flash.saved")
}

func (p *pages) handleAnswerPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	l, err := loadLead(r.Context(), p.s.db, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	vals := map[string]string{"lead": l.ID, "state": r.FormValue("state"), "answer": r.FormValue("answer")}
	if _, err := p.s.AnswerLead(r.Context(), l.ID, AnswerInput{State: vals["state"], Answer: vals["answer"]}); err != nil {
		r.SetPathValue("id", l.CaseID)
		p.formError(w, r, "answer:"+l.ID, err, vals)
		return
	}
	p.back(w, r, l.CaseID, "enforcement.flash.answered")
}

func (p *pages) handleDisclosePost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	n, err := p.s.Disclose(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.back(w, r, n.CaseID, "enforcement.flash.disclosed")
}

// RecordPage is the Data of "enforcement/record".
type RecordPage struct {
	Case    casefile.Case
	Kinds   []Kind
	Fields  []string
	Labels  map[string][2]string
	Err     error
	Values  map[string]string
	Default string // the kind selected
}

func (p *pages) recordPage(w http.ResponseWriter, r *http.Request, status int, formErr error, vals map[string]string) {
	ctx := withActor(r.Context())
	rec, err := loadRecord(ctx, p.s.db, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	st, err := p.s.authorize(ctx, r.PathValue("id"), casefile.NeedRecord, rec.Officers)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if err := st.requireOfficer(); err != nil {
		web.Error(w, r, err)
		return
	}
	kinds, err := p.s.kinds(ctx, p.s.db, st.c.CourtID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if vals == nil {
		vals = map[string]string{}
	}
	p.rd.Render(w, r, status, "enforcement/record", RecordPage{Case: st.c, Kinds: kinds, Fields: p.s.cat.FieldNames,
		Labels: fieldLabels, Err: formErr, Values: vals, Default: vals["kind"]})
}

func (p *pages) handleRecord(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	p.recordPage(w, r, http.StatusOK, nil, nil)
}

func (p *pages) handleRecordPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if err := p.s.parseMultipart(w, r); err != nil {
		p.recordError(w, r, err, nil)
		return
	}
	vals := map[string]string{}
	for k, vs := range r.MultipartForm.Value {
		if len(vs) > 0 {
			vals[k] = vs[0]
		}
	}
	in, err := nodeForm(r)
	if err != nil {
		p.recordError(w, r, err, vals)
		return
	}
	files, done, err := formFiles(r, "files")
	defer done()
	if err != nil {
		p.recordError(w, r, err, vals)
		return
	}
	in.Files = nonEmpty(files, r, "files")
	if _, err := p.s.RecordNode(r.Context(), r.PathValue("id"), in); err != nil {
		p.recordError(w, r, err, vals)
		return
	}
	p.back(w, r, r.PathValue("id"), "enforcement.flash.recorded")
}

func (p *pages) recordError(w http.ResponseWriter, r *http.Request, err error, vals map[string]string) {
	if errs.CodeOf(err) != errs.Invalid {
		web.Error(w, r, err)
		return
	}
	p.recordPage(w, r, http.StatusBadRequest, err, vals)
}

// OfficerPage is the Data of "enforcement/officer".
type OfficerPage struct {
	Cases []OfficerCase
}

func (p *pages) handleOfficer(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	cs, err := p.s.OfficerCases(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "enforcement/officer", OfficerPage{Cases: cs})
}
