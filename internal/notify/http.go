package notify

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the notify JSON API on mux. Handlers parse, call one
// Service method and render; the principal comes from the request context.
//
//	GET  /api/v1/inbox                              the signed-in person's inbox (?before=&limit=)
//	POST /api/v1/inbox/{id}/read                    mark a message read (read receipt)
//	GET  /api/v1/inbox/stream                       live inbox changes (server-sent events "inbox")
//	GET  /api/v1/notify/dead-letters                dead letters (?court_id=&channel=&before=&limit=; admins)
//	POST /api/v1/notify/dead-letters/{id}/retry     retry a dead letter (admins)
//	GET  /api/v1/notify/messages/{id}/status        per-recipient, per-channel status (?after=&limit=; admins)
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/inbox", s.handleInbox)
	mux.HandleFunc("POST /api/v1/inbox/{id}/read", s.handleInboxRead)
	mux.HandleFunc("GET /api/v1/inbox/stream", s.handleInboxStream)
	mux.HandleFunc("GET /api/v1/notify/dead-letters", s.handleDeadLetters)
	mux.HandleFunc("POST /api/v1/notify/dead-letters/{id}/retry", s.handleDeadLetterRetry)
	mux.HandleFunc("GET /api/v1/notify/messages/{id}/status", s.handleMessageStatus)
}

// limitParam parses the limit query parameter (absent: 0, the default).
func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, errs.Fields(errs.FieldError{Field: "limit", Code: "invalid", Key: "notify.field.limit"})
	}
	return n, nil
}

func (s *Service) handleInbox(w http.ResponseWriter, r *http.Request) {
	n, err := limitParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p, err := s.ListInbox(r.Context(), Page{Before: r.URL.Query().Get("before"), Limit: n})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, p)
}

func (s *Service) handleInboxRead(w http.ResponseWriter, r *http.Request) {
	it, err := s.MarkRead(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, it)
}

// handleInboxStream streams an "inbox" event with an InboxChange (JSON)
// whenever the person's inbox changes, and a heartbeat every 25 seconds.
// The first event, "unread", gives the current unread count.
func (s *Service) handleInboxStream(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	changes, stop, err := s.Watch(ctx)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer stop()
	n, err := s.Unread(ctx)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	sse, err := web.NewSSE(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	first, _ := json.Marshal(InboxChange{Kind: "unread", Unread: n})
	if sse.Send(web.Event{Name: "inbox", Data: string(first)}) != nil {
		return
	}
	out := make(chan web.Event)
	go func() {
		defer close(out)
		for ch := range changes {
			b, _ := json.Marshal(ch)
			select {
			case out <- web.Event{Name: "inbox", Data: string(b)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	_ = sse.Serve(ctx, out, 25*time.Second)
}

func (s *Service) handleDeadLetters(w http.ResponseWriter, r *http.Request) {
	n, err := limitParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	list, err := s.ListDeadLetters(r.Context(), DeadLetterFilter{CourtID: q.Get("court_id"), Channel: Channel(q.Get("channel")),
		Before: q.Get("before"), Limit: n})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

func (s *Service) handleDeadLetterRetry(w http.ResponseWriter, r *http.Request) {
	d, err := s.RetryDeadLetter(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, d)
}

func (s *Service) handleMessageStatus(w http.ResponseWriter, r *http.Request) {
	n, err := limitParam(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	st, err := s.FindMessageStatus(r.Context(), r.PathValue("id"), StatusQuery{After: r.URL.Query().Get("after"), Limit: n})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}
