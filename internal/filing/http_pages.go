package filing

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// The pages. The litigant's guided flow: /filing/new (court, cause,
// standing) → /filing/{id}/parties (with the ID-card photo) →
// /filing/{id}/claims (the template's fields) → /filing/{id}/evidence →
// /filing/{id}/preview (complaint, evidence catalogue, fee, problems,
// warnings; submit) → /filing/{id} (status and clock). The court's side:
// /staff/filing (queue), /staff/filing/{id} (review and decide),
// /staff/filing/assisted (assisted filing).
func (h *HTTP) pageRoutes(mux web.Mux) {
	mux.HandleFunc("GET /filing", h.pageMine)
	mux.HandleFunc("GET /filing/new", h.pageNew)
	mux.HandleFunc("POST /filing/new", h.postNew)
	mux.HandleFunc("GET /filing/{id}", h.pageStatus)
	mux.HandleFunc("GET /filing/{id}/parties", h.pageParties)
	mux.HandleFunc("POST /filing/{id}/parties", h.postParty)
	mux.HandleFunc("POST /filing/{id}/representative", h.postRepresentative)
	mux.HandleFunc("POST /filing/{id}/idcard", h.postIDCard)
	mux.HandleFunc("GET /filing/{id}/idcard/{job}", h.pageIDCardJob)
	mux.HandleFunc("GET /filing/{id}/claims", h.pageClaims)
	mux.HandleFunc("POST /filing/{id}/claims", h.postClaims)
	mux.HandleFunc("GET /filing/{id}/evidence", h.pageEvidence)
	mux.HandleFunc("POST /filing/{id}/evidence", h.postEvidence)
	mux.HandleFunc("POST /filing/{id}/evidence/{eid}/delete", h.postEvidenceDelete)
	mux.HandleFunc("GET /filing/{id}/evidence/{eid}", h.handleEvidenceGet)
	mux.HandleFunc("GET /filing/{id}/preview", h.pagePreview)
	mux.HandleFunc("POST /filing/{id}/submit", h.postSubmit)
	mux.HandleFunc("GET /staff/filing", h.pageQueue)
	mux.HandleFunc("GET /staff/filing/assisted", h.pageAssisted)
	mux.HandleFunc("POST /staff/filing/assisted", h.postAssisted)
	mux.HandleFunc("GET /staff/filing/{id}", h.pageReview)
	mux.HandleFunc("POST /staff/filing/{id}/accept", h.postAccept)
	mux.HandleFunc("POST /staff/filing/{id}/correction", h.postCorrection)
	mux.HandleFunc("POST /staff/filing/{id}/reject", h.postReject)
}

// signedIn sends a signed-out visitor to the login page.
func signedIn(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
	return false
}

// step is one step of the guided flow.
type step struct {
	Key, Href string
	Current   bool
}

func steps(a *Application, current string) []step {
	var out []step
	for _, k := range []string{"parties", "claims", "evidence", "preview"} {
		out = append(out, step{Key: k, Href: "/filing/" + a.ID + "/" + k, Current: k == current})
	}
	return out
}

// page is the Data of every filing page.
type page struct {
	App      *Application
	Court    court.Court
	Steps    []step
	Err      error
	Values   map[string]string
	Token    string
	Template complaint.Template
	Extra    any
}

func (h *HTTP) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	h.Renderer.Render(w, r, status, "filing/"+name, p)
}

// load loads the application of the path for a page, with its court and
// template.
func (h *HTTP) load(r *http.Request) (page, error) {
	a, err := h.S.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return page{}, err
	}
	p := page{App: a, Values: map[string]string{}}
	p.Court, _ = h.S.deps.Courts.Find(r.Context(), a.CourtID)
	p.Template, _ = findTemplate(a.TemplateID, a.TemplateVersion)
	return p, nil
}

// editable redirects to the status page when the application can no
// longer be edited.
func editable(w http.ResponseWriter, r *http.Request, a *Application) bool {
	if a.Status.Editable() {
		return true
	}
	http.Redirect(w, r, "/filing/"+a.ID, http.StatusSeeOther)
	return false
}

func (h *HTTP) pageMine(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	list, err := h.S.ListMine(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "mine", page{Extra: list})
}

// newForm is the Extra of the "new" page.
type newForm struct {
	Courts    []court.Court
	Templates []complaint.Template
	Verified  bool
}

// filingCourts lists the courts one may file at: active basic,
// intermediate and specialised courts that number their own cases.
func (h *HTTP) filingCourts(ctx context.Context) []court.Court {
	list, _ := h.S.deps.Courts.List(ctx, court.Filter{})
	var out []court.Court
	for _, c := range list {
		if c.Active && (c.Level == court.Basic || c.Level == court.Intermediate || c.Level == court.Tribunal) {
			out = append(out, c)
		}
	}
	return out
}

func (h *HTTP) pageNew(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	h.renderNew(w, r, http.StatusOK, map[string]string{"filed_as": string(AsSelf), "court_id": r.URL.Query().Get("court")}, nil)
}

func (h *HTTP) renderNew(w http.ResponseWriter, r *http.Request, status int, values map[string]string, err error) {
	pr, _ := auth.From(r.Context())
	tok, terr := h.S.FormToken(r.Context(), "create")
	if terr != nil {
		web.Error(w, r, terr)
		return
	}
	h.render(w, r, status, "new", page{Values: values, Err: err, Token: tok,
		Extra: newForm{Courts: h.filingCourts(r.Context()), Templates: complaint.All(), Verified: pr.Verified}})
}

func (h *HTTP) postNew(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	d := NewDraft{CourtID: r.FormValue("court_id"), TemplateID: r.FormValue("template_id"), FiledAs: FiledAs(r.FormValue("filed_as"))}
	a, _, err := h.S.CreateDraft(r.Context(), d, Once{FormToken: r.FormValue("once")})
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			h.renderNew(w, r, http.StatusBadRequest, formValues(r), err)
			return
		}
		web.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/filing/"+a.ID+"/parties", http.StatusSeeOther)
}

func formValues(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, v := range r.Form {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// partiesForm is the Extra of the parties page.
type partiesForm struct {
	Edit     int   // the index edited; len(Parties) for a new one; -1 for none
	Party    Party // the party in the form
	Flags    map[string]string
	OCR      bool   // recognition available
	OCRJob   string // a recognition in progress
	OCRError string
}

func (h *HTTP) pageParties(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	edit := -1
	if e := r.URL.Query().Get("edit"); e != "" {
		if n, err := strconv.Atoi(e); err == nil && n >= 0 && n <= len(p.App.Parties) {
			edit = n
		}
	}
	if len(p.App.Parties) == 0 {
		edit = 0
	}
	f := partiesForm{Edit: edit, OCR: h.S.deps.OCR != nil && h.S.deps.OCR.Available()}
	if edit >= 0 && edit < len(p.App.Parties) {
		f.Party = p.App.Parties[edit]
	} else {
		f.Party = Party{Role: defaultRole(p.App.Parties), Kind: "person", IDType: "resident_id"}
	}
	h.renderParties(w, r, http.StatusOK, p, f)
}

func defaultRole(ps []Party) string {
	if slices.ContainsFunc(ps, func(p Party) bool { return p.Role == "plaintiff" }) {
		return "defendant"
	}
	return "plaintiff"
}

func (h *HTTP) renderParties(w http.ResponseWriter, r *http.Request, status int, p page, f partiesForm) {
	p.Steps = steps(p.App, "parties")
	p.Extra = f
	h.render(w, r, status, "parties", p)
}

func partyFromForm(r *http.Request) Party {
	g := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	return Party{Role: g("role"), Kind: g("kind"), Name: g("name"), Sex: g("sex"), Ethnicity: g("ethnicity"),
		BirthDate: g("birth_date"), Occupation: g("occupation"), Employer: g("employer"), IDType: g("id_type"),
		IDNumber: strings.ToUpper(g("id_number")), Address: g("address"), Phone: g("phone"), LegalRep: g("legal_rep"),
		LegalRepTitle: g("legal_rep_title")}
}

func (h *HTTP) postParty(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	parties := slices.Clone(p.App.Parties)
	idx, err := strconv.Atoi(r.FormValue("index"))
	if err != nil || idx < 0 || idx > len(parties) {
		idx = len(parties)
	}
	if r.FormValue("action") == "delete" {
		if idx < len(parties) {
			parties = slices.Delete(parties, idx, idx+1)
		}
		if _, err := h.S.Update(r.Context(), p.App.ID, Changes{Parties: &parties}); err != nil {
			web.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/filing/"+p.App.ID+"/parties", http.StatusSeeOther)
		return
	}
	party := partyFromForm(r)
	if idx == len(parties) {
		parties = append(parties, party)
	} else {
		parties[idx] = party
	}
	// Check this party now, in plain words next to its fields, before it
	// is saved: the filing officer would refuse the same.
	trial := *p.App
	trial.Parties = parties
	var perr error
	if e, ok := errs.As(validateParties(p.Template, &trial, h.S.db.Now())); ok {
		var mine []errs.FieldError
		prefix := partyField(idx, "")
		for _, f := range e.Fields {
			if name, ok := strings.CutPrefix(f.Field, prefix); ok {
				f.Field = name
				mine = append(mine, f)
			}
		}
		if len(mine) > 0 {
			perr = errs.Fields(mine...)
		}
	}
	if perr == nil {
		var v errs.Collector
		checkContent(&v, nil, []Party{party}, nil)
		if err := v.Err(); err != nil {
			e, _ := errs.As(err)
			for i := range e.Fields {
				e.Fields[i].Field = strings.TrimPrefix(e.Fields[i].Field, "parties[0].")
			}
			perr = e
		}
	}
	if perr != nil {
		p.Err = perr
		h.renderParties(w, r, http.StatusBadRequest, p, partiesForm{Edit: idx, Party: party,
			OCR: h.S.deps.OCR != nil && h.S.deps.OCR.Available()})
		return
	}
	if _, err := h.S.Update(r.Context(), p.App.ID, Changes{Parties: &parties}); err != nil {
		web.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/filing/"+p.App.ID+"/parties", http.StatusSeeOther)
}

func (h *HTTP) postRepresentative(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	client, _ := strconv.Atoi(r.FormValue("client"))
	rep := &Representative{Name: strings.TrimSpace(r.FormValue("rep_name")), LicenceNo: strings.TrimSpace(r.FormValue("licence_no")),
		Firm: strings.TrimSpace(r.FormValue("firm")), Phone: strings.TrimSpace(r.FormValue("rep_phone")), Client: client}
	if _, err := h.S.Update(r.Context(), r.PathValue("id"), Changes{Representative: rep}); err != nil {
		web.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/filing/"+r.PathValue("id")+"/parties", http.StatusSeeOther)
}

// maxPhoto bounds an ID-card photo.
const maxPhoto = 10 << 20

func (h *HTTP) postIDCard(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	f := partiesForm{Edit: len(p.App.Parties), Party: Party{Role: defaultRole(p.App.Parties), Kind: "person", IDType: "resident_id"},
		OCR: h.S.deps.OCR != nil && h.S.deps.OCR.Available()}
	if idx, err := strconv.Atoi(r.FormValue("index")); err == nil && idx >= 0 && idx <= len(p.App.Parties) {
		f.Edit = idx
		if idx < len(p.App.Parties) {
			f.Party = p.App.Parties[idx]
		}
	}
	if !f.OCR {
		f.OCRError = "filing.ocr.unavailable"
		h.renderParties(w, r, http.StatusOK, p, f)
		return
	}
	file, _, err := r.FormFile("photo")
	if err != nil {
		f.OCRError = "filing.ocr.no_photo"
		h.renderParties(w, r, http.StatusBadRequest, p, f)
		return
	}
	defer file.Close()
	img, err := io.ReadAll(io.LimitReader(file, maxPhoto+1))
	if err != nil || len(img) > maxPhoto {
		f.OCRError = "filing.ocr.too_large"
		h.renderParties(w, r, http.StatusBadRequest, p, f)
		return
	}
	if k := Sniff(img[:min(len(img), SniffLen)]); k != KindJPEG && k != KindPNG {
		f.OCRError = "filing.ocr.not_image"
		h.renderParties(w, r, http.StatusBadRequest, p, f)
		return
	}
	job, err := h.S.deps.OCR.Submit(img)
	if err != nil {
		f.OCRError = "filing.ocr.failed"
		h.renderParties(w, r, http.StatusOK, p, f)
		return
	}
	f.OCRJob = job
	h.renderParties(w, r, http.StatusOK, p, f)
}

// pageIDCardJob answers the htmx poll of a recognition: the waiting
// notice again while it runs, then the party form filled in with what was
// read, each doubtful field flagged, for the person to confirm.
func (h *HTTP) pageIDCardJob(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	p, err := h.load(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	f := partiesForm{Edit: len(p.App.Parties), Party: Party{Role: defaultRole(p.App.Parties), Kind: "person", IDType: "resident_id"}, OCR: true}
	if idx, err := strconv.Atoi(r.URL.Query().Get("index")); err == nil && idx >= 0 && idx <= len(p.App.Parties) {
		f.Edit = idx
		if idx < len(p.App.Parties) {
			f.Party = p.App.Parties[idx]
		}
	}
	job, err := h.S.deps.OCR.Status(r.PathValue("job"))
	switch {
	case err != nil:
		f.OCRError = "filing.ocr.failed"
	case job.State == OCRPending:
		f.OCRJob = r.PathValue("job")
	case job.State == OCRFailed:
		f.OCRError = job.ErrKey
		if f.OCRError == "" {
			f.OCRError = "filing.ocr.failed"
		}
	default:
		res := job.Result
		f.Party.Kind, f.Party.IDType = "person", "resident_id"
		for _, kv := range []struct {
			dst *string
			v   string
		}{{&f.Party.Name, res.Name}, {&f.Party.Sex, res.Sex}, {&f.Party.Ethnicity, res.Ethnicity},
			{&f.Party.BirthDate, res.BirthDate}, {&f.Party.Address, res.Address}, {&f.Party.IDNumber, res.IDNumber}} {
			if kv.v != "" {
				*kv.dst = kv.v
			}
		}
		f.Flags = res.Problems
	}
	p.Steps = steps(p.App, "parties")
	p.Extra = f
	name := "partyform"
	if r.Header.Get("HX-Request") == "" {
		name = "layout.html"
	}
	if name == "layout.html" {
		h.Renderer.Render(w, r, http.StatusOK, "filing/parties", p)
		return
	}
	h.Renderer.RenderFragment(w, r, http.StatusOK, "filing/parties", name, p)
}

func (h *HTTP) pageClaims(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	p.Values = p.App.Answers
	p.Steps = steps(p.App, "claims")
	if r.URL.Query().Get("check") != "" {
		p.Err = p.Template.Validate(complaint.Answers(p.App.Answers), h.S.db.Now())
	}
	h.render(w, r, http.StatusOK, "claims", p)
}

func (h *HTTP) postClaims(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	answers := map[string]string{}
	for _, f := range p.Template.Fields() {
		answers[f.Name] = strings.TrimSpace(r.FormValue(f.Name))
	}
	if _, err := h.S.Update(r.Context(), p.App.ID, Changes{Answers: answers}); err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			p.Err, p.Values, p.Steps = err, answers, steps(p.App, "claims")
			h.render(w, r, http.StatusBadRequest, "claims", p)
			return
		}
		web.Error(w, r, err)
		return
	}
	// Show the template's problems next to the fields before moving on.
	if verr := p.Template.Validate(complaint.Answers(nonEmpty(answers)), h.S.db.Now()); verr != nil {
		p.Err, p.Values, p.Steps = verr, answers, steps(p.App, "claims")
		h.render(w, r, http.StatusBadRequest, "claims", p)
		return
	}
	http.Redirect(w, r, "/filing/"+p.App.ID+"/evidence", http.StatusSeeOther)
}

func nonEmpty(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// loadEditable is the prologue of every page that changes a draft: a
// signed-in person, the application through the access check, and a status
// that can still be edited. It has answered the request when ok is false.
func (h *HTTP) loadEditable(w http.ResponseWriter, r *http.Request) (p page, ok bool) {
	if !signedIn(w, r) {
		return page{}, false
	}
	p, err := h.load(r)
	if err != nil {
		web.Error(w, r, err)
		return page{}, false
	}
	if !editable(w, r, p.App) {
		return page{}, false
	}
	return p, true
}

func (h *HTTP) pageEvidence(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	p.Steps = steps(p.App, "evidence")
	p.Values = map[string]string{"role": RoleEvidence}
	h.render(w, r, http.StatusOK, "evidence", p)
}

func (h *HTTP) postEvidence(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	up := Upload{Role: r.FormValue("role"), Name: r.FormValue("name"), Purpose: r.FormValue("purpose"), Source: r.FormValue("source")}
	if up.Role == "" {
		up.Role = RoleEvidence
	}
	file, hdr, ferr := r.FormFile("file")
	if ferr == nil {
		defer file.Close()
		up.Body, up.FileName = file, hdr.Filename
	}
	if _, err := h.S.AddEvidence(r.Context(), p.App.ID, up); err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			p.Err, p.Values, p.Steps = err, formValues(r), steps(p.App, "evidence")
			h.render(w, r, http.StatusBadRequest, "evidence", p)
			return
		}
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "filing.flash.uploaded")
	http.Redirect(w, r, "/filing/"+p.App.ID+"/evidence", http.StatusSeeOther)
}

func (h *HTTP) postEvidenceDelete(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if err := h.S.DeleteEvidence(r.Context(), r.PathValue("id"), r.PathValue("eid")); err != nil {
		web.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/filing/"+r.PathValue("id")+"/evidence", http.StatusSeeOther)
}

// previewData is the Extra of the preview and review pages.
type previewData struct {
	Complaint template.HTML
	Catalogue template.HTML
	Problems  []problem
	Warnings  []warningJSON
	Fee       *FeeQuote
	FeeErr    bool
	Hints     []string
}

// problem is a problem with the step to fix it.
type problem struct {
	Step, Message string
}

func (h *HTTP) preview(r *http.Request, p page, lang string) previewData {
	a := p.App
	now := h.S.db.Now()
	d := previewData{}
	d.Complaint, d.Catalogue = renderComplaintAt(a, p.Court.NameZH, lang, now)
	if a.Status.Editable() {
		if e, ok := errs.As(h.S.check(r.Context(), a, now)); ok {
			_, fields := h.catalog().Error(web.Lang(r), e)
			for _, f := range fields {
				d.Problems = append(d.Problems, problem{Step: stepOf(f.Field), Message: f.Message})
			}
		}
	}
	lang2 := web.Lang(r)
	for _, w := range h.S.warnings(r.Context(), a, now) {
		d.Warnings = append(d.Warnings, warningJSON{Code: w.Code, Message: h.catalog().T(lang2, w.Key, w.Args...)})
	}
	if c, warns, err := buildComplaint(a, now); err == nil {
		for _, w := range warns {
			d.Warnings = append(d.Warnings, warningJSON{Code: w.Code, Message: h.catalog().T(lang2, w.Key, w.Args...)})
		}
		if h.S.deps.Quoter != nil {
			proc := string(casefile.Ordinary)
			if a.Procedure != "" {
				proc = a.Procedure
			}
			q, err := h.S.deps.Quoter.QuoteFee(r.Context(), c.FeeKind, c.ClaimTotalFen, proc)
			if err == nil {
				d.Fee = &q
			} else {
				d.FeeErr = true
			}
		}
	}
	d.Hints = p.Template.Procedures
	return d
}

// stepOf names the step where a problem's field is fixed.
func stepOf(field string) string {
	switch {
	case strings.HasPrefix(field, "answers."):
		return "claims"
	case strings.HasPrefix(field, "parties"), strings.HasPrefix(field, "representative"),
		field == "plaintiff", field == "defendant", field == "third_party":
		return "parties"
	case field == "evidence", field == "power_of_attorney", field == "consent":
		return "evidence"
	}
	return "preview"
}

func (h *HTTP) pagePreview(w http.ResponseWriter, r *http.Request) {
	p, ok := h.loadEditable(w, r)
	if !ok {
		return
	}
	tok, err := h.S.FormToken(r.Context(), "submit:"+p.App.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.Token, p.Steps = tok, steps(p.App, "preview")
	p.Extra = h.preview(r, p, string(web.Lang(r)))
	h.render(w, r, http.StatusOK, "preview", p)
}

func (h *HTTP) postSubmit(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	id := r.PathValue("id")
	a, _, err := h.S.Submit(r.Context(), id, Once{FormToken: r.FormValue("once")})
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			http.Redirect(w, r, "/filing/"+id+"/preview", http.StatusSeeOther)
			return
		}
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "filing.flash.submitted")
	http.Redirect(w, r, "/filing/"+a.ID, http.StatusSeeOther)
}

// statusData is the Extra of the status page.
type statusData struct {
	Timeline []Event
	AppealBy string
	CaseURL  string
	FeeURL   string
	Open     *Notice
}

func (h *HTTP) pageStatus(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	p, err := h.load(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	d := statusData{}
	d.Timeline, _ = h.S.Timeline(r.Context(), p.App.ID)
	if p.App.Status == Rejected {
		if by, err := h.S.AppealBy(r.Context(), p.App); err == nil {
			d.AppealBy = by.String()
		}
	}
	if p.App.CaseID != "" {
		d.CaseURL = "/cases/" + p.App.CaseID
		d.FeeURL = h.S.feeURL(p.App.CaseID)
	}
	for i := range p.App.Notices {
		if p.App.Notices[i].CompletedAt == nil {
			d.Open = &p.App.Notices[i]
		}
	}
	p.Extra = d
	h.render(w, r, http.StatusOK, "status", p)
}

// feeURL is the page where the litigant pays the case's fee.
func (s *Service) feeURL(caseID string) string {
	if s.deps.FeeURL != nil {
		return s.deps.FeeURL(caseID)
	}
	return "/cases/" + caseID
}

// queueData is the Extra of the queue page.
type queueData struct {
	Courts []court.Court
	Queue  Queue
}

func (h *HTTP) pageQueue(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	pr, _ := auth.From(r.Context())
	var courts []court.Court
	for _, id := range pr.Courts(filingStaff...) {
		if c, err := h.S.deps.Courts.Find(r.Context(), id); err == nil {
			courts = append(courts, c)
		}
	}
	courtID := r.URL.Query().Get("court")
	if courtID == "" && len(courts) > 0 {
		courtID = courts[0].ID
	}
	if courtID == "" {
		web.Error(w, r, errs.New(errs.Forbidden, "filing.error.forbidden"))
		return
	}
	q, err := h.S.ListQueue(r.Context(), courtID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	c, _ := h.S.deps.Courts.Find(r.Context(), courtID)
	h.render(w, r, http.StatusOK, "queue", page{Court: c, Extra: queueData{Courts: courts, Queue: q}})
}

// reviewData is the Extra of the review page.
type reviewData struct {
	previewData
	Timeline   []Event
	Items      []string
	Procedures []casefile.Procedure
	Decide     bool
}

func (h *HTTP) pageReview(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	p, err := h.load(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.renderReview(w, r, http.StatusOK, p)
}

func (h *HTTP) renderReview(w http.ResponseWriter, r *http.Request, status int, p page) {
	pr, _ := auth.From(r.Context())
	d := reviewData{previewData: h.preview(r, p, string(web.Lang(r))), Items: h.S.CorrectionItems(), Procedures: Procedures,
		Decide: isFilingStaff(pr, p.App.CourtID) && p.App.Status.Pending() && !p.App.Accepting}
	d.Problems = nil // the court sees the filing as filed
	d.Timeline, _ = h.S.Timeline(r.Context(), p.App.ID)
	p.Extra = d
	h.render(w, r, status, "review", p)
}

func (h *HTTP) decided(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			p, lerr := h.load(r)
			if lerr != nil {
				web.Error(w, r, lerr)
				return
			}
			p.Err, p.Values = err, formValues(r)
			h.renderReview(w, r, http.StatusBadRequest, p)
			return
		}
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "filing.flash.decided")
	http.Redirect(w, r, "/staff/filing/"+r.PathValue("id"), http.StatusSeeOther)
}

func (h *HTTP) postAccept(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	_, err := h.S.Accept(r.Context(), r.PathValue("id"), casefile.Procedure(r.FormValue("procedure")))
	h.decided(w, r, err)
}

func (h *HTTP) postCorrection(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	_ = r.ParseForm()
	due, _ := strconv.Atoi(r.FormValue("due_days"))
	_, err := h.S.RequestCorrection(r.Context(), r.PathValue("id"), r.Form["items"], r.FormValue("note"), due)
	h.decided(w, r, err)
}

func (h *HTTP) postReject(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	_, err := h.S.Reject(r.Context(), r.PathValue("id"), r.FormValue("reason"))
	h.decided(w, r, err)
}

func (h *HTTP) pageAssisted(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	h.renderAssisted(w, r, http.StatusOK, map[string]string{"id_type": "resident_id", "consent_how": ConsentOral}, nil)
}

func (h *HTTP) renderAssisted(w http.ResponseWriter, r *http.Request, status int, values map[string]string, err error) {
	tok, terr := h.S.FormToken(r.Context(), "create")
	if terr != nil {
		web.Error(w, r, terr)
		return
	}
	h.render(w, r, status, "assisted", page{Values: values, Err: err, Token: tok,
		Extra: newForm{Courts: h.filingCourts(r.Context()), Templates: complaint.All()}})
}

func (h *HTTP) postAssisted(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	d := AssistedDraft{CourtID: r.FormValue("court_id"), TemplateID: r.FormValue("template_id"), Name: r.FormValue("name"),
		IDType: r.FormValue("id_type"), IDNumber: r.FormValue("id_number"), Phone: r.FormValue("phone"),
		Address: r.FormValue("address"), Consent: r.FormValue("consent") == "yes", ConsentHow: r.FormValue("consent_how")}
	a, _, err := h.S.CreateAssisted(r.Context(), d, Once{FormToken: r.FormValue("once")})
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			h.renderAssisted(w, r, http.StatusBadRequest, formValues(r), err)
			return
		}
		web.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/filing/"+a.ID+"/parties", http.StatusSeeOther)
}
