package fees

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the fees HTML pages on mux, rendered by rd (which must
// include Templates under the namespace "fees"):
//
//	GET  /fees/bills/{id}          the bill: amount, breakdown, due date, Pay, aid form
//	POST /fees/bills/{id}/pay      open a payment and redirect to the gateway's cashier
//	POST /fees/bills/{id}/aid      apply for judicial aid
//	GET  /fees/bills/{id}/receipt  the receipt, amount in 大写
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /fees/bills/{id}", p.handleBill)
	mux.HandleFunc("POST /fees/bills/{id}/pay", p.handlePay)
	mux.HandleFunc("POST /fees/bills/{id}/aid", p.handleAid)
	mux.HandleFunc("GET /fees/bills/{id}/receipt", p.handleReceipt)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

func requirePage(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
	return false
}

// BillPage is the Data of the "fees/bill" page.
type BillPage struct {
	Bill     Bill
	DaysLeft int
	DaysOver int
	Payable  bool
	CanPay   bool // the viewer is the payer or their representative
	Aids     []Aid
	AidOpen  bool // an application is pending
	Forms    []AidForm
	Err      error
	Values   map[string]string
}

func (p *pages) bill(w http.ResponseWriter, r *http.Request, status int, err error, values map[string]string) {
	b, st, rerr := p.s.readBill(r.Context(), r.PathValue("id"), false)
	if rerr != nil {
		web.Error(w, r, rerr)
		return
	}
	aids, _ := p.s.ListAid(r.Context(), b.ID)
	data := BillPage{Bill: b, DaysLeft: calendar.DaysLeft(p.s.today(), b.DueDate),
		DaysOver: -calendar.DaysLeft(p.s.today(), b.DueDate), Payable: slices.Contains(payable, b.Status) && b.AmountFen > 0,
		CanPay: st.payer, Aids: aids, Forms: AidForms, Err: err, Values: values}
	for _, a := range aids {
		if a.Status == AidPending {
			data.AidOpen = true
		}
	}
	p.rd.Render(w, r, status, "fees/bill", data)
}

func (p *pages) handleBill(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.bill(w, r, http.StatusOK, nil, nil)
}

func (p *pages) handlePay(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	pay, err := p.s.StartPayment(r.Context(), r.PathValue("id"))
	if err != nil {
		p.bill(w, r, web.StatusOf(err), err, nil)
		return
	}
	target := pay.PayURL
	if !strings.HasPrefix(target, "https://") && !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "/") {
		target = "/fees/bills/" + r.PathValue("id")
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (p *pages) handleAid(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	na := NewAid{Form: AidForm(r.FormValue("form")), Reason: strings.TrimSpace(r.FormValue("reason"))}
	for _, h := range strings.Fields(r.FormValue("attachments")) {
		na.Attachments = append(na.Attachments, h)
	}
	if _, err := p.s.ApplyAid(r.Context(), r.PathValue("id"), na); err != nil {
		p.bill(w, r, web.StatusOf(err), err, map[string]string{"form": string(na.Form), "reason": na.Reason, "attachments": r.FormValue("attachments")})
		return
	}
	web.SetFlash(w, r, "fees.flash.aid_applied")
	http.Redirect(w, r, "/fees/bills/"+r.PathValue("id"), http.StatusSeeOther)
}

func (p *pages) handleReceipt(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	rc, err := p.s.Receipt(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "fees/receipt", rc)
}
