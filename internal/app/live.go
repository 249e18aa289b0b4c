package app

import (
	"net/http"
	"time"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// handleCaseLive streams a server-sent event each time the case changes,
// so an open case page refreshes its timeline at once. The stream carries
// only the event type: the page fetches the new timeline through the access
// check, so nothing reaches a reader that the timeline would not show them.
// Opening the stream is a read of the case and is authorised and audited.
func (p *portal) handleCaseLive(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	ctx := r.Context()
	c, err := p.a.svc.casefile.Get(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	events, stop := p.a.Bus.Live(ctx, "ecourt.casefile.>")
	defer stop()
	sse, err := web.NewSSE(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make(chan web.Event)
	go func() {
		defer close(out)
		for ev := range events {
			if ev.CaseID != c.ID {
				continue
			}
			select {
			case out <- web.Event{ID: ev.ID, Name: "case", Data: ev.Type}:
			case <-ctx.Done():
				return
			}
		}
	}()
	_ = sse.Serve(ctx, out, 25*time.Second)
}

// handleCaseTimeline renders the timeline fragment of a case page (for the
// live refresh).
func (p *portal) handleCaseTimeline(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	d, err := p.caseData(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.RenderFragment(w, r, http.StatusOK, "portal/case", "timeline", d)
}
