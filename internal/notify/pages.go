package notify

import (
	"net/http"
	"net/url"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the inbox pages on mux, rendered by rd (which must
// include Templates under the namespace "notify"). They replace the app's
// own GET /inbox, which must then be removed (a ServeMux refuses a pattern
// twice):
//
//	GET  /inbox             the inbox page: newest first, unread marked, "more" link
//	GET  /inbox/items       the list fragment, for the live refresh (data-live / data-refresh)
//	POST /inbox/{id}/read   mark read and open the message's link (or go back to the inbox)
//
// The list element carries data-live="/api/v1/inbox/stream" and
// data-refresh="/inbox/items", the contract of web/static/live.js, which
// must listen to the stream's "inbox" events as it does to "case" events.
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /inbox", p.handleInbox)
	mux.HandleFunc("GET /inbox/items", p.handleItems)
	mux.HandleFunc("POST /inbox/{id}/read", p.handleRead)
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

// InboxView is the Data of the "notify/inbox" page.
type InboxView struct {
	Page   InboxPage
	Before string
}

func (p *pages) load(w http.ResponseWriter, r *http.Request) (InboxView, bool) {
	before := r.URL.Query().Get("before")
	pg, err := p.s.ListInbox(r.Context(), Page{Before: before, Limit: 20})
	if err != nil {
		web.Error(w, r, err)
		return InboxView{}, false
	}
	return InboxView{Page: pg, Before: before}, true
}

func (p *pages) handleInbox(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if v, ok := p.load(w, r); ok {
		p.rd.Render(w, r, http.StatusOK, "notify/inbox", v)
	}
}

func (p *pages) handleItems(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	if v, ok := p.load(w, r); ok {
		p.rd.RenderFragment(w, r, http.StatusOK, "notify/inbox", "items", v)
	}
}

func (p *pages) handleRead(w http.ResponseWriter, r *http.Request) {
	if !requirePage(w, r) {
		return
	}
	it, err := p.s.MarkRead(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	to := "/inbox"
	if it.Link != "" && validLink(it.Link) && it.Link[0] == '/' {
		to = it.Link // only site paths: no open redirect
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
