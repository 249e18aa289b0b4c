package casefund

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the casefund HTML pages on mux, rendered by rd (which
// must include Templates under the namespace "casefund"):
//
//	GET  /cases/{id}/casefund                     the case account (phone first): arrivals, allocations explained, payouts
//	POST /cases/{id}/casefund/consent             a party's shared-court consent
//	POST /cases/{id}/casefund/consents/{cid}/revoke  revoke it
//	POST /cases/{id}/casefund/allocate            allocate pending receipts (enforcement officer)
//	POST /cases/{id}/casefund/payouts             record a payout (enforcement officer)
//	GET  /courts/{court}/casefund                 the money desk: statement import, payments waiting to be assigned
//	POST /courts/{court}/casefund/statements      import a statement (multipart "file")
//	POST /courts/{court}/casefund/receipts/{rid}/match  assign a payment to a case by its number
//	GET  /shared-court/casefund                   the shared-court terminal form
//	POST /shared-court/casefund                   look up a person's account ("view"), or record their consent ("consent")
//
// A refused form re-renders the page with the messages next to the fields.
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /cases/{id}/casefund", p.handleLedger)
	mux.HandleFunc("POST /cases/{id}/casefund/consent", p.handleConsent)
	mux.HandleFunc("POST /cases/{id}/casefund/consents/{cid}/revoke", p.handleRevoke)
	mux.HandleFunc("POST /cases/{id}/casefund/allocate", p.handleAllocate)
	mux.HandleFunc("POST /cases/{id}/casefund/payouts", p.handlePayout)
	mux.HandleFunc("GET /courts/{court}/casefund", p.handleDesk)
	mux.HandleFunc("POST /courts/{court}/casefund/statements", p.handleImport)
	mux.HandleFunc("POST /courts/{court}/casefund/receipts/{rid}/match", p.handleMatch)
	mux.HandleFunc("GET /shared-court/casefund", p.handleShared)
	mux.HandleFunc("POST /shared-court/casefund", p.handleSharedPost)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

// LedgerPage is the Data of "casefund/ledger".
type LedgerPage struct {
	Ledger
	Form   string
	Values map[string]string
	Err    error
	Today  calendar.Date
	Kinds  []string
}

// PayoutField is one input of the payout form.
type PayoutField struct{ Name, Type string }

// PayoutFields are the inputs of the payout form after the party.
func (lp LedgerPage) PayoutFields() []PayoutField {
	return []PayoutField{{"amount", "text"}, {"paid_on", "date"}, {"payee_name", "text"}, {"payee_account", "text"},
		{"payee_bank", "text"}, {"reference", "text"}}
}

// FormErr returns the error when it belongs to form name.
func (lp LedgerPage) FormErr(name string) error {
	if lp.Form == name {
		return lp.Err
	}
	return nil
}

// Value returns the submitted value of a field of form name.
func (lp LedgerPage) Value(name, field string) string {
	if lp.Form == name {
		return lp.Values[field]
	}
	return ""
}

// IsOwn reports whether the reader is or represents party id.
func (l Ledger) IsOwn(id string) bool {
	for _, o := range l.Own {
		if o == id {
			return true
		}
	}
	return false
}

// SharedPage is the Data of "casefund/shared".
type SharedPage struct {
	Values  map[string]string
	Err     error
	Ledger  *Ledger
	Consent *Consent
	Done    string // "consent" after a consent was recorded
	Today   calendar.Date
}

func requirePage(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

func formValues(r *http.Request, keys ...string) map[string]string {
	vals := map[string]string{}
	for _, k := range keys {
		vals[k] = strings.TrimSpace(r.FormValue(k))
	}
	return vals
}

func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, form string, vals map[string]string, err error) {
	l, lerr := p.s.Ledger(r.Context(), r.PathValue("id"))
	if lerr != nil {
		web.Error(w, r, lerr)
		return
	}
	p.rd.Render(w, r, status, "casefund/ledger", LedgerPage{Ledger: l, Form: form, Values: vals, Err: err, Today: p.s.today(), Kinds: Kinds})
}

func (p *pages) done(w http.ResponseWriter, r *http.Request, flash string) {
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id"))+"/casefund", http.StatusSeeOther)
}

func (p *pages) handleLedger(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.render(w, r, http.StatusOK, "", nil, nil)
}

func (p *pages) handleConsent(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	vals := formValues(r, "party_id", "expires_on")
	exp, err := calendar.ParseDate(vals["expires_on"])
	if err != nil {
		p.render(w, r, http.StatusBadRequest, "consent", vals, errs.Fields(errs.Field("expires_on", "date")))
		return
	}
	if _, err := p.s.RecordConsent(r.Context(), r.PathValue("id"), ConsentInput{PartyID: vals["party_id"], ExpiresOn: exp}); err != nil {
		p.render(w, r, web.StatusOf(err), "consent", vals, err)
		return
	}
	p.done(w, r, "casefund.flash.consent")
}

func (p *pages) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if err := p.s.RevokeConsent(r.Context(), r.PathValue("cid")); err != nil {
		p.render(w, r, web.StatusOf(err), "revoke", nil, err)
		return
	}
	p.done(w, r, "casefund.flash.revoked")
}

func (p *pages) handleAllocate(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if _, err := p.s.Allocate(r.Context(), r.PathValue("id")); err != nil {
		p.render(w, r, web.StatusOf(err), "allocate", nil, err)
		return
	}
	p.done(w, r, "casefund.flash.allocated")
}

func (p *pages) handleShared(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.rd.Render(w, r, http.StatusOK, "casefund/shared", SharedPage{Values: map[string]string{}, Today: p.s.today()})
}

func (p *pages) handleSharedPost(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	vals := formValues(r, "case_number", "id_number", "expires_on", "action")
	req := SharedRequest{CaseNumber: vals["case_number"], IDNumber: vals["id_number"]}
	page := SharedPage{Values: vals, Today: p.s.today()}
	// The identity number is not echoed back into the page.
	vals["id_number"] = ""
	if vals["action"] == "consent" {
		exp, err := calendar.ParseDate(vals["expires_on"])
		if err != nil {
			page.Err = errs.Fields(errs.Field("expires_on", "date"))
			p.rd.Render(w, r, http.StatusBadRequest, "casefund/shared", page)
			return
		}
		c, err := p.s.RecordSharedConsent(r.Context(), req, exp)
		if err != nil {
			page.Err = err
			p.rd.Render(w, r, web.StatusOf(err), "casefund/shared", page)
			return
		}
		page.Consent, page.Done = &c, "consent"
		p.rd.Render(w, r, http.StatusOK, "casefund/shared", page)
		return
	}
	l, c, err := p.s.SharedLedger(r.Context(), req)
	if err != nil {
		page.Err = err
		p.rd.Render(w, r, web.StatusOf(err), "casefund/shared", page)
		return
	}
	page.Ledger, page.Consent = &l, &c
	p.rd.Render(w, r, http.StatusOK, "casefund/shared", page)
}

func (p *pages) handlePayout(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	vals := formValues(r, "party_id", "amount", "paid_on", "payee_name", "payee_account", "payee_bank", "reference")
	in := PayoutInput{PartyID: vals["party_id"], PayeeName: vals["payee_name"], PayeeAccount: vals["payee_account"],
		PayeeBank: vals["payee_bank"], Reference: vals["reference"]}
	var v errs.Collector
	var err error
	if in.Amount, err = money.ParseYuan(vals["amount"]); err != nil {
		v.Add("amount", "casefund_amount")
	}
	if in.PaidOn, err = calendar.ParseDate(vals["paid_on"]); err != nil {
		v.Add("paid_on", "date")
	}
	if err := v.Err(); err != nil {
		p.render(w, r, http.StatusBadRequest, "payout", vals, err)
		return
	}
	if _, err := p.s.RecordPayout(r.Context(), r.PathValue("id"), in); err != nil {
		p.render(w, r, web.StatusOf(err), "payout", vals, err)
		return
	}
	p.done(w, r, "casefund.flash.paid")
}

// DeskPage is the Data of "casefund/desk".
type DeskPage struct {
	CourtID   string
	Unmatched []Receipt
	Imported  *Statement
	Form      string // "import" or "match:<receipt>"
	Values    map[string]string
	Err       error
}

// FormErr returns the error when it belongs to form name.
func (dp DeskPage) FormErr(name string) error {
	if dp.Form == name {
		return dp.Err
	}
	return nil
}

// Value returns the submitted value of a field of form name.
func (dp DeskPage) Value(name, field string) string {
	if dp.Form == name {
		return dp.Values[field]
	}
	return ""
}

func (p *pages) desk(w http.ResponseWriter, r *http.Request, status int, dp DeskPage) {
	dp.CourtID = r.PathValue("court")
	un, err := p.s.Unmatched(r.Context(), dp.CourtID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	dp.Unmatched = un
	p.rd.Render(w, r, status, "casefund/desk", dp)
}

func (p *pages) handleDesk(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.desk(w, r, http.StatusOK, DeskPage{})
}

func (p *pages) handleImport(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.s.opts.MaxStatementBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.desk(w, r, http.StatusBadRequest, DeskPage{Form: "import", Err: errs.Fields(errs.Field("file", "casefund_csv"))})
		return
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		p.desk(w, r, http.StatusBadRequest, DeskPage{Form: "import", Err: errs.Fields(errs.Field("file", "required"))})
		return
	}
	defer f.Close()
	st, err := p.s.ImportStatement(r.Context(), r.PathValue("court"), h.Filename, f)
	if err != nil {
		p.desk(w, r, web.StatusOf(err), DeskPage{Form: "import", Err: err})
		return
	}
	p.desk(w, r, http.StatusOK, DeskPage{Imported: &st})
}

func (p *pages) handleMatch(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	rid := r.PathValue("rid")
	vals := formValues(r, "case_number")
	if _, err := p.s.MatchNumber(r.Context(), rid, r.PathValue("court"), vals["case_number"]); err != nil {
		p.desk(w, r, web.StatusOf(err), DeskPage{Form: "match:" + rid, Values: vals, Err: err})
		return
	}
	web.SetFlash(w, r, "casefund.flash.matched")
	http.Redirect(w, r, "/courts/"+url.PathEscape(r.PathValue("court"))+"/casefund", http.StatusSeeOther)
}
