package transcript

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the transcript JSON API on mux. Handlers parse, call
// one Service method and render; the principal comes from the request.
//
//	GET    /api/v1/hearings/{id}/record                               the record (clerk, judge, parties)
//	POST   /api/v1/hearings/{id}/record                               start it (clerk, judge)
//	POST   /api/v1/hearings/{id}/record/entries                       append an entry (clerk, judge)
//	PATCH  /api/v1/hearings/{id}/record/entries/{entryID}             edit an entry (clerk, judge)
//	DELETE /api/v1/hearings/{id}/record/entries/{entryID}             delete an entry (clerk, judge)
//	GET    /api/v1/hearings/{id}/record/entries/{entryID}/revisions   an entry's history
//	POST   /api/v1/hearings/{id}/record/close-for-signing             close it for signing (clerk, judge)
//	POST   /api/v1/hearings/{id}/record/reopen                        reopen it (clerk, judge)
//	POST   /api/v1/hearings/{id}/record/code                          send me a new code (signer)
//	POST   /api/v1/hearings/{id}/record/sign                          sign with the code (signer)
//	POST   /api/v1/hearings/{id}/record/object                        object (signer)
//	POST   /api/v1/hearings/{id}/record/refusal                       record a refusal to sign (clerk, judge)
//	POST   /api/v1/hearings/{id}/record/suggestions                   speech-to-text suggestion (clerk, judge; audio body)
//	GET    /api/v1/hearings/{id}/record/events                        live changes (server-sent events "record")
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/hearings/{id}/record", s.handleGet)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record", s.handleStart)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/entries", s.handleAppend)
	mux.HandleFunc("PATCH /api/v1/hearings/{id}/record/entries/{entryID}", s.handleEdit)
	mux.HandleFunc("DELETE /api/v1/hearings/{id}/record/entries/{entryID}", s.handleDelete)
	mux.HandleFunc("GET /api/v1/hearings/{id}/record/entries/{entryID}/revisions", s.handleRevisions)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/close-for-signing", s.handleClose)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/reopen", s.handleReopen)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/code", s.handleCode)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/sign", s.handleSign)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/object", s.handleObject)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/refusal", s.handleRefusal)
	mux.HandleFunc("POST /api/v1/hearings/{id}/record/suggestions", s.handleSuggest)
	mux.HandleFunc("GET /api/v1/hearings/{id}/record/events", s.handleEvents)
}

type list[T any] struct {
	Items []T `json:"items"`
}

func reply[T any](w http.ResponseWriter, r *http.Request, status int, v T, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}

func decode[T any](w http.ResponseWriter, r *http.Request) (T, bool) {
	var v T
	if err := web.DecodeJSON(r, &v); err != nil {
		web.Error(w, r, err)
		return v, false
	}
	return v, true
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Find(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, rec, err)
}

type startBody struct {
	CaseID string `json:"case_id"`
	Place  string `json:"place"`
	Mode   string `json:"mode"`
}

func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[startBody](w, r)
	if !ok {
		return
	}
	rec, err := s.Start(r.Context(), StartRequest{HearingID: r.PathValue("id"), CaseID: b.CaseID, Place: b.Place, Mode: b.Mode})
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleAppend(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[NewEntry](w, r)
	if !ok {
		return
	}
	e, err := s.Append(r.Context(), r.PathValue("id"), b)
	reply(w, r, http.StatusCreated, e, err)
}

func (s *Service) handleEdit(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[EntryEdit](w, r)
	if !ok {
		return
	}
	e, err := s.Edit(r.Context(), r.PathValue("id"), r.PathValue("entryID"), b)
	reply(w, r, http.StatusOK, e, err)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) {
	e, err := s.Delete(r.Context(), r.PathValue("id"), r.PathValue("entryID"))
	reply(w, r, http.StatusOK, e, err)
}

func (s *Service) handleRevisions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.Revisions(r.Context(), r.PathValue("id"), r.PathValue("entryID"))
	reply(w, r, http.StatusOK, list[Revision]{Items: vs}, err)
}

type closeBody struct {
	Signers []SignerSpec `json:"signers"`
}

func (s *Service) handleClose(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[closeBody](w, r)
	if !ok {
		return
	}
	rec, err := s.CloseForSigning(r.Context(), r.PathValue("id"), b.Signers)
	reply(w, r, http.StatusOK, rec, err)
}

type reasonBody struct {
	AccountID string `json:"account_id,omitempty"`
	Reason    string `json:"reason"`
}

func (s *Service) handleReopen(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[reasonBody](w, r)
	if !ok {
		return
	}
	rec, err := s.Reopen(r.Context(), r.PathValue("id"), b.Reason)
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleCode(w http.ResponseWriter, r *http.Request) {
	if err := s.RequestCode(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type signBody struct {
	Code string `json:"code"`
}

func (s *Service) handleSign(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[signBody](w, r)
	if !ok {
		return
	}
	rec, err := s.Sign(r.Context(), r.PathValue("id"), b.Code)
	reply(w, r, http.StatusOK, rec, err)
}

type objectBody struct {
	Text string `json:"text"`
}

func (s *Service) handleObject(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[objectBody](w, r)
	if !ok {
		return
	}
	rec, err := s.Object(r.Context(), r.PathValue("id"), b.Text)
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleRefusal(w http.ResponseWriter, r *http.Request) {
	b, ok := decode[reasonBody](w, r)
	if !ok {
		return
	}
	rec, err := s.Refuse(r.Context(), r.PathValue("id"), b.AccountID, b.Reason)
	reply(w, r, http.StatusOK, rec, err)
}

// handleSuggest takes the audio as the request body (its Content-Type the
// audio's type; ?language=zh by default).
func (s *Service) handleSuggest(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "audio/") && !strings.HasPrefix(ct, "video/webm") {
		web.Error(w, r, errs.Fields(fieldErr("audio", "audio_type")))
		return
	}
	body := http.MaxBytesReader(w, r.Body, MaxAudio)
	sg, err := s.Suggest(r.Context(), r.PathValue("id"), body, ct, r.URL.Query().Get("language"))
	reply(w, r, http.StatusOK, sg, err)
}

// Watch returns the live changes of a hearing's record from the bus's
// live fan-out, for a server-sent event stream, and a function that stops
// watching (also called when ctx ends). The caller must be allowed to read
// the record (checked once, audited). Like every live view it is best
// effort: a client that reconnects re-reads the record. Without Live the
// channel carries nothing and is closed when ctx ends.
func (s *Service) Watch(ctx context.Context, hearingID string) (<-chan Change, func(), error) {
	if _, err := s.Find(ctx, hearingID); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan Change, 16)
	if s.deps.Live == nil {
		go func() { <-ctx.Done(); close(out) }()
		return out, cancel, nil
	}
	events, stop := s.deps.Live.Live(ctx, EventChanged)
	go func() {
		defer close(out)
		defer stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				var c Change
				if ev.Decode(&c) != nil || c.HearingID != hearingID {
					continue
				}
				select {
				case out <- c:
				default: // a slow client re-reads on its next change
				}
			}
		}
	}()
	return out, cancel, nil
}

// handleEvents streams a "record" event with a Change (JSON) whenever the
// record changes, and a heartbeat every 25 seconds. The first event gives
// the current version and state.
func (s *Service) handleEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	changes, stop, err := s.Watch(ctx, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer stop()
	rec, err := loadRecord(ctx, s.db, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	sse, err := web.NewSSE(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	first, _ := json.Marshal(Change{HearingID: id, What: "snapshot", Version: rec.Version, State: rec.State})
	if sse.Send(web.Event{Name: "record", Data: string(first)}) != nil {
		return
	}
	out := make(chan web.Event)
	go func() {
		defer close(out)
		for c := range changes {
			b, _ := json.Marshal(c)
			select {
			case out <- web.Event{Name: "record", Data: string(b)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	_ = sse.Serve(ctx, out, 25*time.Second)
}
