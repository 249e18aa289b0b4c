package enforcement

import (
	"net/http"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// ApplyPage is the Data of "enforcement/apply".
type ApplyPage struct {
	CourtID    string
	DocumentID string
	Err        error
	Values     map[string]string
	Late       bool // the period has ended: offer the confirmation
	Kinds      []TitleKind
	Types      []string
	Mine       []Application
}

// QueuePage is the Data of "enforcement/queue".
type QueuePage struct {
	CourtID string
	Items   []Application
	Form    string
	Err     error
}

// ErrOf returns the error of the queue form of application id.
func (q QueuePage) ErrOf(id string) error {
	if q.Form == id {
		return q.Err
	}
	return nil
}

// applyPages registers the application pages (called by Pages):
//
//	GET  /enforcement/apply                  the form (?court=, ?document= from a platform document) and the caller's applications
//	POST /enforcement/apply                  apply (multipart: the title file for an upload)
//	GET  /enforcement/applications           the court's queue (?court=; filing officers)
//	POST /enforcement/applications/{id}/accept   accept, naming the officers
//	POST /enforcement/applications/{id}/reject   reject with a reason
func (p *pages) applyPages(mux web.Mux) {
	mux.HandleFunc("GET /enforcement/apply", p.handleApply)
	mux.HandleFunc("POST /enforcement/apply", p.handleApplyPost)
	mux.HandleFunc("GET /enforcement/applications", p.handleQueue)
	mux.HandleFunc("POST /enforcement/applications/{id}/accept", p.handleAcceptPost)
	mux.HandleFunc("POST /enforcement/applications/{id}/reject", p.handleRejectPost)
}

func (p *pages) applyPage(w http.ResponseWriter, r *http.Request, status int, vals map[string]string, formErr error) {
	mine, err := p.s.Applications(r.Context(), "")
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if vals == nil {
		vals = map[string]string{"court_id": r.URL.Query().Get("court"), "document_id": r.URL.Query().Get("document")}
	}
	late := false
	if e, ok := errs.As(formErr); ok {
		for _, fe := range e.Fields {
			late = late || fe.Code == "enforcement_period_expired"
		}
	}
	p.rd.Render(w, r, status, "enforcement/apply", ApplyPage{CourtID: vals["court_id"], DocumentID: vals["document_id"], Err: formErr,
		Values: vals, Late: late, Kinds: UploadTitles, Types: ApplicationTypes, Mine: mine})
}

func (p *pages) handleApply(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	p.applyPage(w, r, http.StatusOK, nil, nil)
}

// applyForm reads the application form.
func applyForm(r *http.Request) (ApplyInput, map[string]string, error) {
	vals := map[string]string{}
	for k, vs := range r.MultipartForm.Value {
		if len(vs) > 0 {
			vals[k] = strings.TrimSpace(vs[0])
		}
	}
	in := ApplyInput{CourtID: vals["court_id"], TypeCode: vals["type_code"], PriorCaseID: vals["prior_case_id"], DocumentID: vals["document_id"],
		TitleKind: TitleKind(vals["title_kind"]), TitleNumber: vals["title_number"], TitleIssuer: vals["title_issuer"],
		Cause: vals["cause"], Claim: vals["claim"], SMS: vals["sms"] != "", LateConfirmed: vals["late_confirmed"] != ""}
	var v errs.Collector
	if s := vals["amount"]; s != "" {
		a, err := money.ParseYuan(s)
		if err != nil {
			v.Add("amount_fen", "enforcement_amount")
		}
		in.AmountFen = a
	}
	date := func(field string) *calendar.Date {
		s := vals[field]
		if s == "" {
			return nil
		}
		d, err := calendar.ParseDate(s)
		if err != nil {
			v.Add(field, "date")
			return nil
		}
		return &d
	}
	if d := date("effective"); d != nil {
		in.Effective = *d
	}
	in.Due = date("due")
	if in.DocumentID == "" {
		in.Parties = []TitleParty{
			{Side: SideCreditor, Kind: casefile.PartyKind(vals["creditor_kind"]), Name: vals["creditor_name"]},
			{Side: SideDebtor, Kind: casefile.PartyKind(vals["debtor_kind"]), Name: vals["debtor_name"], IDType: vals["debtor_id_type"],
				IDNumber: vals["debtor_id_number"], Address: vals["debtor_address"], Phone: vals["debtor_phone"]},
		}
	}
	return in, vals, v.Err()
}

func (p *pages) handleApplyPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if err := p.s.parseMultipart(w, r); err != nil {
		p.applyPage(w, r, web.StatusOf(err), nil, err)
		return
	}
	in, vals, err := applyForm(r)
	if err != nil {
		p.applyPage(w, r, http.StatusBadRequest, vals, err)
		return
	}
	files, done, err := formFiles(r, "title_file")
	defer done()
	if err != nil {
		p.applyPage(w, r, http.StatusBadRequest, vals, err)
		return
	}
	if files = nonEmpty(files, r, "title_file"); len(files) > 0 {
		in.TitleFile = &files[0]
	}
	if _, err := p.s.Apply(r.Context(), in); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			web.Error(w, r, err)
			return
		}
		p.applyPage(w, r, web.StatusOf(err), vals, err)
		return
	}
	web.SetFlash(w, r, "enforcement.flash.applied")
	http.Redirect(w, r, "/enforcement/apply", http.StatusSeeOther)
}

func (p *pages) queue(w http.ResponseWriter, r *http.Request, courtID string, status int, form string, formErr error) {
	items, err := p.s.Applications(r.Context(), courtID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, status, "enforcement/queue", QueuePage{CourtID: courtID, Items: items, Form: form, Err: formErr})
}

func (p *pages) handleQueue(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	court := r.URL.Query().Get("court")
	if court == "" {
		web.Error(w, r, errs.Fields(errs.Field("court", "required")))
		return
	}
	p.queue(w, r, court, http.StatusOK, "", nil)
}

func (p *pages) handleAcceptPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	a, err := p.s.FindApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var others []string
	for _, o := range strings.FieldsFunc(r.FormValue("officers"), func(c rune) bool { return c == ',' || c == '，' || c == ' ' }) {
		others = append(others, o)
	}
	rec, err := p.s.Accept(r.Context(), a.ID, AcceptInput{Lead: strings.TrimSpace(r.FormValue("lead")), Officers: others})
	if err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			web.Error(w, r, err)
			return
		}
		p.queue(w, r, a.CourtID, web.StatusOf(err), a.ID, err)
		return
	}
	p.back(w, r, rec.CaseID, "enforcement.flash.accepted")
}

func (p *pages) handleRejectPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	a, err := p.s.FindApplication(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if _, err := p.s.Reject(r.Context(), a.ID, r.FormValue("reason")); err != nil {
		if c := errs.CodeOf(err); c != errs.Invalid && c != errs.Conflict {
			web.Error(w, r, err)
			return
		}
		p.queue(w, r, a.CourtID, web.StatusOf(err), a.ID, err)
		return
	}
	web.SetFlash(w, r, "enforcement.flash.rejected")
	http.Redirect(w, r, "/enforcement/applications?court="+a.CourtID, http.StatusSeeOther)
}
