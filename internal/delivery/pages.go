package delivery

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the delivery HTML pages on mux, rendered by rd (which
// must include Templates under the namespace "delivery"):
//
//	GET  /cases/{id}/delivery/consent                       the 送达地址确认书 form (party; ?party_id=)
//	POST /cases/{id}/delivery/consent                       sign it
//	GET  /cases/{id}/delivery                               the clerk's tracking table with tasks (staff)
//	POST /cases/{id}/delivery/services/{sid}/resend         resend (staff)
//	POST /cases/{id}/delivery/services/{sid}/fallback       record a fallback's outcome (staff)
//	POST /cases/{id}/delivery/tasks/{tid}/close             close a paper-copy task (staff)
//	POST /cases/{id}/delivery/services/{sid}/paper-copy     ask for a paper copy (the recipient)
//	GET  /cases/{id}/delivery/periods                       periods and own services: a fragment for the
//	                                                        case page (htmx: hx-get, template "periods")
//
// The fragment is a whole page when not requested by htmx.
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /cases/{id}/delivery/consent", p.handleConsent)
	mux.HandleFunc("POST /cases/{id}/delivery/consent", p.handleConsentPost)
	mux.HandleFunc("GET /cases/{id}/delivery", p.handleTracking)
	mux.HandleFunc("POST /cases/{id}/delivery/services/{sid}/resend", p.handleResend)
	mux.HandleFunc("POST /cases/{id}/delivery/services/{sid}/fallback", p.handleFallback)
	mux.HandleFunc("POST /cases/{id}/delivery/tasks/{tid}/close", p.handleTaskClose)
	mux.HandleFunc("POST /cases/{id}/delivery/services/{sid}/paper-copy", p.handlePaperCopy)
	mux.HandleFunc("GET /cases/{id}/delivery/periods", p.handlePeriods)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

func requirePage(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

// ConsentPage is the Data of "delivery/consent".
type ConsentPage struct {
	View     ConsentView
	Channels []Channel
	// Values are the form's values: from the last submission on an error,
	// else from the current confirmation.
	Values map[string]string
	Err    error
}

func consentValues(v ConsentView) map[string]string {
	vals := map[string]string{"electronic": "1", "judgments": "1", "inbox": "1"}
	if k := v.Current; k != nil {
		vals = map[string]string{"postal_address": k.PostalAddress, "postal_recipient": k.PostalRecipient,
			"contact_phone": k.ContactPhone}
		if k.Electronic {
			vals["electronic"] = "1"
		} else {
			vals["electronic"] = "0"
		}
		if k.Judgments {
			vals["judgments"] = "1"
		}
		for _, a := range k.Channels {
			if a.Channel == Inbox {
				vals["inbox"] = "1"
			} else {
				vals[string(a.Channel)] = a.Address
			}
		}
	}
	return vals
}

func (p *pages) consent(w http.ResponseWriter, r *http.Request, status int, vals map[string]string, err error) {
	v, verr := p.s.FindConsent(r.Context(), r.PathValue("id"), r.FormValue("party_id"))
	if verr != nil {
		web.Error(w, r, verr)
		return
	}
	if vals == nil {
		vals = consentValues(v)
	}
	p.rd.Render(w, r, status, "delivery/consent", ConsentPage{View: v, Channels: Channels, Values: vals, Err: err})
}

func (p *pages) handleConsent(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.consent(w, r, http.StatusOK, nil, nil)
}

func (p *pages) handleConsentPost(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"party_id", "electronic", "judgments", "inbox", "sms", "email", "postal_address",
		"postal_recipient", "contact_phone", "acknowledged", "how", "proof_ref"} {
		vals[k] = strings.TrimSpace(r.FormValue(k))
	}
	f := ConsentForm{PartyID: vals["party_id"], Electronic: vals["electronic"] == "1", Judgments: vals["judgments"] == "1",
		PostalAddress: vals["postal_address"], PostalRecipient: vals["postal_recipient"], ContactPhone: vals["contact_phone"],
		Acknowledged: vals["acknowledged"] == "1", Channels: []Address{}, How: vals["how"], ProofRef: vals["proof_ref"]}
	if f.Electronic {
		if vals["inbox"] == "1" {
			f.Channels = append(f.Channels, Address{Channel: Inbox})
		}
		for _, c := range []Channel{SMS, Email} {
			if a := vals[string(c)]; a != "" {
				f.Channels = append(f.Channels, Address{Channel: c, Address: a})
			}
		}
	}
	if _, err := p.s.SignConsent(r.Context(), r.PathValue("id"), f); err != nil {
		p.consent(w, r, web.StatusOf(err), vals, err)
		return
	}
	web.SetFlash(w, r, "delivery.flash.consent_signed")
	target := "/cases/" + r.PathValue("id") + "/delivery/consent"
	if f.PartyID != "" {
		target += "?party_id=" + url.QueryEscape(f.PartyID)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// TrackingPage is the Data of "delivery/tracking".
type TrackingPage struct {
	Case    casefile.Case
	Records []Record
	Tasks   []Task
	// Options are the fallback methods open per record ID.
	Options map[string][]Method
	Today   calendar.Date
	// FormFor is the record whose fallback form the error belongs to.
	FormFor string
	Values  map[string]string
	Err     error
}

func (p *pages) tracking(w http.ResponseWriter, r *http.Request, status int, formFor string, vals map[string]string, err error) {
	ctx := r.Context()
	st, aerr := p.s.authorize(withActor(ctx), r.PathValue("id"), casefile.NeedRead)
	if aerr == nil {
		aerr = st.requireStaff()
	}
	if aerr != nil {
		web.Error(w, r, aerr)
		return
	}
	recs, lerr := p.s.ListServices(ctx, st.c.ID)
	if lerr != nil {
		web.Error(w, r, lerr)
		return
	}
	tasks, lerr := p.s.ListTasks(ctx, st.c.ID)
	if lerr != nil {
		web.Error(w, r, lerr)
		return
	}
	opts := map[string][]Method{}
	for _, rec := range recs {
		opts[rec.ID] = fallbackOptions(rec.Document.Kind, st.c.Procedure)
	}
	p.rd.Render(w, r, status, "delivery/tracking", TrackingPage{Case: st.c, Records: recs, Tasks: tasks, Options: opts,
		Today: p.s.today(), FormFor: formFor, Values: vals, Err: err})
}

func (p *pages) handleTracking(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.tracking(w, r, http.StatusOK, "", nil, nil)
}

func (p *pages) back(w http.ResponseWriter, r *http.Request, flash string) {
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"/delivery", http.StatusSeeOther)
}

func (p *pages) handleResend(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if _, err := p.s.Resend(r.Context(), r.PathValue("sid")); err != nil {
		p.tracking(w, r, web.StatusOf(err), r.PathValue("sid"), nil, err)
		return
	}
	p.back(w, r, "delivery.flash.resent")
}

func (p *pages) handleFallback(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"method", "served_on", "published_on", "proof_ref", "note"} {
		vals[k] = strings.TrimSpace(r.FormValue(k))
	}
	in := FallbackInput{Method: Method(vals["method"]), ProofRef: vals["proof_ref"], Note: vals["note"]}
	var bad []string
	for _, k := range []string{"served_on", "published_on"} {
		if vals[k] == "" {
			continue
		}
		d, err := calendar.ParseDate(vals[k])
		if err != nil {
			bad = append(bad, k)
			continue
		}
		if k == "served_on" {
			in.ServedOn = &d
		} else {
			in.PublishedOn = &d
		}
	}
	var err error
	if len(bad) > 0 {
		var v errs.Collector
		for _, k := range bad {
			v.AddField(fieldErr(k, "date"))
		}
		err = v.Err()
	} else {
		_, err = p.s.RecordFallback(r.Context(), r.PathValue("sid"), in)
	}
	if err != nil {
		p.tracking(w, r, web.StatusOf(err), r.PathValue("sid"), vals, err)
		return
	}
	p.back(w, r, "delivery.flash.fallback_recorded")
}

func (p *pages) handleTaskClose(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if _, err := p.s.CloseTask(r.Context(), r.PathValue("tid"), strings.TrimSpace(r.FormValue("outcome"))); err != nil {
		p.tracking(w, r, web.StatusOf(err), "task:"+r.PathValue("tid"), map[string]string{"outcome": r.FormValue("outcome")}, err)
		return
	}
	p.back(w, r, "delivery.flash.task_closed")
}

func (p *pages) handlePaperCopy(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if _, err := p.s.RequestPaperCopy(r.Context(), r.PathValue("sid")); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "delivery.flash.paper_requested")
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"/delivery/periods", http.StatusSeeOther)
}

// PeriodsPage is the Data of "delivery/periods": the case's periods (both
// sides see all of them) and, for a party, the documents served on it.
type PeriodsPage struct {
	CaseID  string
	Periods []Period
	Mine    []Record
	Staff   bool
}

// CanAskPaper reports whether the viewer may ask for a paper copy of rec.
func (PeriodsPage) CanAskPaper(rec Record) bool {
	return rec.Document.Kind.Decisive() && rec.Status == Served && rec.Method == Electronic && rec.PaperRequestedAt == nil
}

func (p *pages) handlePeriods(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	ctx := r.Context()
	st, err := p.s.authorize(withActor(ctx), r.PathValue("id"), casefile.NeedRead)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	ps, err := p.s.ListPeriods(ctx, st.c.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	data := PeriodsPage{CaseID: st.c.ID, Periods: ps, Staff: st.staff}
	if !st.staff {
		if data.Mine, err = p.s.ListServices(ctx, st.c.ID); err != nil {
			web.Error(w, r, err)
			return
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		p.rd.RenderFragment(w, r, http.StatusOK, "delivery/periods", "periods", data)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "delivery/periods", data)
}
