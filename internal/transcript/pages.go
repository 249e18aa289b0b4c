package transcript

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// ScriptPath is where Pages serves record.js (with ?v=<content hash>).
const ScriptPath = "/hearings/record.js"

var script, scriptVersion = func() ([]byte, string) {
	b, err := fs.ReadFile(Static, "record.js")
	if err != nil {
		panic(err)
	}
	h := sha256.Sum256(b)
	return b, hex.EncodeToString(h[:6])
}()

// Pages registers the record pages on mux, rendered by rd (which must
// include Templates under the namespace "transcript"):
//
//	GET  /hearings/{id}/record                          the record: live editor (clerk, judge) or read-and-sign page
//	GET  /hearings/{id}/record/entries                  the live part (fragment "entries" for htmx / record.js)
//	POST /hearings/{id}/record/entries                  append (clerk, judge)
//	POST /hearings/{id}/record/entries/{eid}/edit       edit (clerk, judge)
//	POST /hearings/{id}/record/entries/{eid}/delete     delete (clerk, judge)
//	POST /hearings/{id}/record/close                    close for signing (clerk, judge)
//	POST /hearings/{id}/record/reopen                   reopen (clerk, judge)
//	POST /hearings/{id}/record/refusal                  record a refusal (clerk, judge)
//	POST /hearings/{id}/record/code                     send me a code (signer)
//	POST /hearings/{id}/record/sign                     sign (signer)
//	POST /hearings/{id}/record/object                   object (signer)
//	GET  /hearings/record.js                            the page's script (ScriptPath)
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /hearings/{id}/record", p.handleRecord)
	mux.HandleFunc("GET /hearings/{id}/record/entries", p.handleFragment)
	mux.HandleFunc("POST /hearings/{id}/record/entries", p.handleAppend)
	mux.HandleFunc("POST /hearings/{id}/record/entries/{eid}/edit", p.handleEdit)
	mux.HandleFunc("POST /hearings/{id}/record/entries/{eid}/delete", p.handleDelete)
	mux.HandleFunc("POST /hearings/{id}/record/close", p.handleClose)
	mux.HandleFunc("POST /hearings/{id}/record/reopen", p.handleReopen)
	mux.HandleFunc("POST /hearings/{id}/record/refusal", p.handleRefusal)
	mux.HandleFunc("POST /hearings/{id}/record/code", p.handleCode)
	mux.HandleFunc("POST /hearings/{id}/record/sign", p.handleSign)
	mux.HandleFunc("POST /hearings/{id}/record/object", p.handleObject)
	mux.HandleFunc("GET "+ScriptPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, "record.js", time.Time{}, bytes.NewReader(script))
	})
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

// Speakers are the usual speaker labels offered to the clerk.
var Speakers = []string{"审判长", "审判员", "人民陪审员", "书记员", "原告", "原告代理人", "被告", "被告代理人", "第三人", "证人"}

// CandidateSigner is a person of the case offered on the close-for-signing
// form.
type CandidateSigner struct {
	AccountID, Role, Name string
}

// RecordPage is the Data of "transcript/record".
type RecordPage struct {
	Record   Record
	Case     casefile.Case
	Script   string
	Speakers []string
	// Candidates are the parties and representatives with accounts, for
	// the close-for-signing form (clerk only).
	Candidates []CandidateSigner
	Values     map[string]string
	Err        error
}

func requirePage(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

func roleLabel(role casefile.PartyRole) string {
	switch role {
	case casefile.Plaintiff:
		return "原告"
	case casefile.Defendant:
		return "被告"
	}
	return "第三人"
}

func (p *pages) data(w http.ResponseWriter, r *http.Request, vals map[string]string, perr error) (RecordPage, bool) {
	ctx := r.Context()
	rec, err := p.s.Find(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return RecordPage{}, false
	}
	d := RecordPage{Record: rec, Script: ScriptPath + "?v=" + scriptVersion, Speakers: Speakers, Values: vals, Err: perr}
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	if rec.CanWrite {
		st, err := p.s.authorize(withActor(ctx), rec.CaseID)
		if err != nil {
			web.Error(w, r, err)
			return RecordPage{}, false
		}
		d.Case = st.c
		for _, pt := range st.c.Parties {
			if pt.AccountID != "" {
				d.Candidates = append(d.Candidates, CandidateSigner{AccountID: pt.AccountID, Role: roleLabel(pt.Role), Name: pt.Name})
			}
		}
		for _, rp := range st.c.Representatives {
			if rp.AccountID == "" {
				continue
			}
			role := "代理人"
			if pt, ok := st.c.Party(rp.PartyID); ok {
				role = roleLabel(pt.Role) + "代理人"
			}
			d.Candidates = append(d.Candidates, CandidateSigner{AccountID: rp.AccountID, Role: role, Name: rp.Name})
		}
	}
	return d, true
}

func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, vals map[string]string, err error) {
	d, ok := p.data(w, r, vals, err)
	if !ok {
		return
	}
	p.rd.Render(w, r, status, "transcript/record", d)
}

func (p *pages) handleRecord(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	p.render(w, r, http.StatusOK, map[string]string{"speaker": r.URL.Query().Get("speaker")}, nil)
}

func (p *pages) handleFragment(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	d, ok := p.data(w, r, nil, nil)
	if !ok {
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		p.rd.RenderFragment(w, r, http.StatusOK, "transcript/record", "entries", d)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "transcript/record", d)
}

// done redirects back to the record after a successful form, or renders
// it again with the error and the submitted values.
func (p *pages) done(w http.ResponseWriter, r *http.Request, flash string, vals map[string]string, err error) {
	if err != nil {
		p.render(w, r, web.StatusOf(err), vals, err)
		return
	}
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, "/hearings/"+url.PathEscape(r.PathValue("id"))+"/record", http.StatusSeeOther)
}

func formValues(r *http.Request, keys ...string) map[string]string {
	vals := map[string]string{}
	for _, k := range keys {
		vals[k] = strings.TrimSpace(r.FormValue(k))
	}
	return vals
}

func (p *pages) handleAppend(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := formValues(r, "speaker", "text")
	_, err := p.s.Append(r.Context(), r.PathValue("id"), NewEntry{Speaker: v["speaker"], Text: v["text"]})
	if err == nil {
		// Keep the speaker for the next entry: the clerk often records the
		// same speaker twice, and an htmx form keeps its value anyway.
		http.Redirect(w, r, "/hearings/"+url.PathEscape(r.PathValue("id"))+"/record?speaker="+url.QueryEscape(v["speaker"])+"#new-entry", http.StatusSeeOther)
		return
	}
	p.done(w, r, "", v, err)
}

func (p *pages) handleEdit(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := formValues(r, "speaker", "text")
	_, err := p.s.Edit(r.Context(), r.PathValue("id"), r.PathValue("eid"), EntryEdit{Speaker: v["speaker"], Text: v["text"]})
	p.done(w, r, "transcript.flash.edited", v, err)
}

func (p *pages) handleDelete(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	_, err := p.s.Delete(r.Context(), r.PathValue("id"), r.PathValue("eid"))
	p.done(w, r, "transcript.flash.deleted", nil, err)
}

func (p *pages) handleClose(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, err)
		return
	}
	v := formValues(r, "judge_role", "judge_name", "clerk_name")
	var signers []SignerSpec
	d, ok := p.data(w, r, v, nil)
	if !ok {
		return
	}
	a := d.Case.Assignment
	if a.JudgeID != "" && v["judge_name"] != "" {
		role := v["judge_role"]
		if role == "" {
			role = "审判员"
		}
		signers = append(signers, SignerSpec{AccountID: a.JudgeID, Role: role, Name: v["judge_name"]})
	}
	if a.ClerkID != "" && v["clerk_name"] != "" {
		signers = append(signers, SignerSpec{AccountID: a.ClerkID, Role: "书记员", Name: v["clerk_name"]})
	}
	chosen := map[string]bool{}
	for _, id := range r.Form["signer"] {
		chosen[id] = true
	}
	for _, c := range d.Candidates {
		if chosen[c.AccountID] {
			signers = append(signers, SignerSpec{AccountID: c.AccountID, Role: c.Role, Name: c.Name})
			delete(chosen, c.AccountID) // one account signs once
		}
	}
	_, err := p.s.CloseForSigning(r.Context(), r.PathValue("id"), signers)
	p.done(w, r, "transcript.flash.closed", v, err)
}

func (p *pages) handleReopen(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := formValues(r, "reason")
	_, err := p.s.Reopen(r.Context(), r.PathValue("id"), v["reason"])
	p.done(w, r, "transcript.flash.reopened", v, err)
}

func (p *pages) handleRefusal(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := formValues(r, "account_id", "refusal_reason")
	_, err := p.s.Refuse(r.Context(), r.PathValue("id"), v["account_id"], v["refusal_reason"])
	p.done(w, r, "transcript.flash.refused", v, err)
}

func (p *pages) handleCode(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	err := p.s.RequestCode(r.Context(), r.PathValue("id"))
	p.done(w, r, "transcript.flash.code_sent", nil, err)
}

func (p *pages) handleSign(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := formValues(r, "code")
	_, err := p.s.Sign(r.Context(), r.PathValue("id"), v["code"])
	p.done(w, r, "transcript.flash.signed", v, err)
}

func (p *pages) handleObject(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	v := formValues(r, "objection")
	_, err := p.s.Object(r.Context(), r.PathValue("id"), v["objection"])
	p.done(w, r, "transcript.flash.objected", v, err)
}
