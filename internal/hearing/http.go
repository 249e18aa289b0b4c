package hearing

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the hearing JSON API and the calendar feed on mux:
//
//	POST  /api/v1/cases/{id}/hearings        schedule (case staff)
//	GET   /api/v1/cases/{id}/hearings        the case's hearings (readers of the case)
//	GET   /api/v1/hearings/{id}              one hearing
//	PATCH /api/v1/hearings/{id}              reschedule (case staff)
//	POST  /api/v1/hearings/{id}/cancel       cancel (case staff)
//	POST  /api/v1/hearings/{id}/enter        enter the room: URL + token after the identity re-check
//	POST  /api/v1/hearings/{id}/controls     a moderator's control action
//	GET   /api/v1/hearings/{id}/participants participants and the control record
//	GET   /api/v1/hearings/{id}/events       SSE stream of room changes
//	POST  /api/v1/calendar/token             create or rotate the caller's calendar token
//	GET   /calendar/{file}                   the iCalendar feed, file = <token>.ics (no sign-in)
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("POST /api/v1/cases/{id}/hearings", s.handleSchedule)
	mux.HandleFunc("GET /api/v1/cases/{id}/hearings", s.handleList)
	mux.HandleFunc("GET /api/v1/hearings/{id}", s.handleGet)
	mux.HandleFunc("PATCH /api/v1/hearings/{id}", s.handleReschedule)
	mux.HandleFunc("POST /api/v1/hearings/{id}/cancel", s.handleCancel)
	mux.HandleFunc("POST /api/v1/hearings/{id}/enter", s.handleEnter)
	mux.HandleFunc("POST /api/v1/hearings/{id}/controls", s.handleControl)
	mux.HandleFunc("GET /api/v1/hearings/{id}/participants", s.handleParticipants)
	mux.HandleFunc("GET /api/v1/hearings/{id}/events", s.handleEvents)
	mux.HandleFunc("POST /api/v1/calendar/token", s.handleCalendarToken)
	mux.HandleFunc("GET /calendar/{file}", s.handleCalendar)
}

type list[T any] struct {
	Items []T `json:"items"`
}

func (s *Service) handleSchedule(w http.ResponseWriter, r *http.Request) {
	var nh NewHearing
	if err := web.DecodeJSON(r, &nh); err != nil {
		web.Error(w, r, err)
		return
	}
	nh.CaseID = r.PathValue("id")
	h, err := s.Schedule(r.Context(), nh)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, h)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	hs, err := s.ListForCase(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Hearing]{Items: hs})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	h, err := s.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h)
}

type rescheduleBody struct {
	StartsAt        time.Time `json:"starts_at"`
	DurationMinutes int       `json:"duration_minutes"`
	Courtroom       string    `json:"courtroom"`
	Reason          string    `json:"reason"`
}

func (s *Service) handleReschedule(w http.ResponseWriter, r *http.Request) {
	var b rescheduleBody
	if err := web.DecodeJSON(r, &b); err != nil {
		web.Error(w, r, err)
		return
	}
	h, err := s.Reschedule(r.Context(), r.PathValue("id"), b.StartsAt, time.Duration(b.DurationMinutes)*time.Minute, b.Courtroom, b.Reason)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h)
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) {
	var b reasonBody
	if err := web.DecodeJSON(r, &b); err != nil {
		web.Error(w, r, err)
		return
	}
	h, err := s.Cancel(r.Context(), r.PathValue("id"), b.Reason)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h)
}

func (s *Service) handleEnter(w http.ResponseWriter, r *http.Request) {
	e, err := s.Enter(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, e)
}

func (s *Service) handleControl(w http.ResponseWriter, r *http.Request) {
	var c Control
	if err := web.DecodeJSON(r, &c); err != nil {
		web.Error(w, r, err)
		return
	}
	h, err := s.Control(r.Context(), r.PathValue("id"), c)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h)
}

type participantsResponse struct {
	Status       Status        `json:"status"`
	Participants []Participant `json:"participants"`
	Record       []Action      `json:"record"`
}

func (s *Service) handleParticipants(w http.ResponseWriter, r *http.Request) {
	h, acts, err := s.Participants(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if acts == nil {
		acts = []Action{}
	}
	web.JSON(w, http.StatusOK, participantsResponse{Status: h.Status, Participants: h.Participants, Record: acts})
}

// handleEvents streams the room events. Each carries its number in the
// control record as its SSE ID; a page that comes back sends the last one
// it saw (Last-Event-ID, as EventSource does when it reconnects, or
// ?last_event_id= when it opens a new stream) and is sent what it missed
// before the live events (see Watch).
func (s *Service) handleEvents(w http.ResponseWriter, r *http.Request) {
	after, err := lastEventID(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	ch, stop, err := s.Watch(r.Context(), r.PathValue("id"), after)
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
	out := make(chan web.Event)
	go func() {
		defer close(out)
		for rc := range ch {
			select {
			case out <- web.Event{ID: strconv.FormatInt(rc.Seq, 10), Name: "room", Data: jsonString(rc)}:
			case <-r.Context().Done():
				return
			}
		}
	}()
	_ = sse.Serve(r.Context(), out, 25*time.Second)
}

// lastEventID reads the number of the last room event the client saw: the
// Last-Event-ID header, else the last_event_id query parameter; -1 when
// there is neither. Errors: errs.Invalid (field last_event_id) for
// anything but a number >= 0.
func lastEventID(r *http.Request) (int64, error) {
	v := web.LastEventID(r)
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Fields(errs.Field("last_event_id", "hearing_event_id"))
	}
	return n, nil
}

type tokenResponse struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

func (s *Service) handleCalendarToken(w http.ResponseWriter, r *http.Request) {
	tok, err := s.CreateCalendarToken(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusCreated, tokenResponse{Token: tok, URL: "/calendar/" + tok + ".ics"})
}

func (s *Service) handleCalendar(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		web.Error(w, r, errs.New(errs.NotFound, "hearing.error.not_found"))
		return
	}
	body, err := s.Calendar(r.Context(), tok)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write([]byte(body))
}
