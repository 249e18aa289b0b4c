package exhibit

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Live is the bus's live fan-out; *bus.Bus satisfies it.
type Live interface {
	Live(ctx context.Context, subjectFilter string) (<-chan bus.Event, func())
}

// Watch returns the exhibits shown in a hearing from now on, for a live
// hearing page, and a function that stops watching (also called when ctx
// ends). The caller must be allowed to read the hearing's case; each shown
// exhibit is re-read through Presented, so the access check and its audit
// apply to every update. Like every live view it is best effort: a client
// that reconnects re-reads with Presented. Errors: those of Presented's
// checks; errs.Unavailable without Deps.Live.
func (s *Service) Watch(ctx context.Context, hearingID string) (<-chan Presentation, func(), error) {
	if s.deps.Live == nil {
		return nil, nil, errs.New(errs.Unavailable, "exhibit.error.no_live")
	}
	h, err := s.hearing(ctx, hearingID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.authorize(withActor(ctx), h.CaseID); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	// Subscribed before returning: nothing presented from now on is missed.
	events, stop := s.deps.Live.Live(ctx, EventPresented)
	out := make(chan Presentation, 4)
	go func() {
		defer close(out)
		defer stop()
		eachPresentation(ctx, events, h.ID, func() bool {
			cur, err := s.Presented(ctx, h.ID)
			if err != nil {
				return true
			}
			select {
			case out <- cur:
			default: // a slow client re-reads on reconnect
			}
			return true
		})
	}()
	return out, cancel, nil
}

// eachPresentation calls fn for every presentation in the hearing that
// events (the live feed of EventPresented) brings, until ctx ends, the feed
// closes or fn returns false.
func eachPresentation(ctx context.Context, events <-chan bus.Event, hearingID string, fn func() bool) {
	for {
		var ev bus.Event
		var ok bool
		select {
		case <-ctx.Done():
			return
		case ev, ok = <-events:
		}
		if !ok {
			return
		}
		var p struct {
			HearingID string `json:"hearing_id"`
		}
		if ev.Decode(&p) != nil || p.HearingID != hearingID {
			continue
		}
		if !fn() {
			return
		}
	}
}

// handleLive streams the exhibits shown in a hearing as server-sent events
// named "exhibit" (data: the Presentation as JSON), starting with the
// current one when there is one.
func (s *Service) handleLive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	changes, stop, err := s.Watch(ctx, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer stop()
	sse, err := web.NewSSE(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if cur, err := s.Presented(ctx, r.PathValue("id")); err == nil {
		b, _ := json.Marshal(cur)
		if sse.Send(web.Event{Name: "exhibit", Data: string(b)}) != nil {
			return
		}
	}
	out := make(chan web.Event)
	go func() {
		defer close(out)
		for p := range changes {
			b, _ := json.Marshal(p)
			select {
			case out <- web.Event{Name: "exhibit", Data: string(b)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	_ = sse.Serve(ctx, out, 25*time.Second)
}
