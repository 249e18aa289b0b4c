package delivery

import (
	_ "embed"
	"net/http"

	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the delivery JSON API on mux. Handlers parse, call one
// Service method and render; the principal comes from the request context.
//
//	GET  /api/v1/cases/{id}/delivery/consent        a party's 送达地址确认书 and position (?party_id=)
//	PUT  /api/v1/cases/{id}/delivery/consent        sign a new version (party; staff by phone/paper)
//	POST /api/v1/cases/{id}/delivery/bases          record a deemed-consent basis (staff)
//	POST /api/v1/cases/{id}/delivery/services       serve a document (judge, assistant, clerk of the case)
//	GET  /api/v1/cases/{id}/delivery/services       service records (staff: all; party: its own)
//	GET  /api/v1/cases/{id}/delivery/periods        periods started at service (both sides)
//	GET  /api/v1/cases/{id}/delivery/tasks          the clerk's tasks of the case (staff)
//	GET  /api/v1/delivery/tasks                     the signed-in staff member's open tasks
//	POST /api/v1/delivery/tasks/{id}/close          close a paper-copy task (staff)
//	GET  /api/v1/delivery/services/{id}             one service record
//	POST /api/v1/delivery/services/{id}/resend      a new attempt on the same record (staff)
//	POST /api/v1/delivery/services/{id}/fallback    record the outcome of a fallback (staff)
//	POST /api/v1/delivery/services/{id}/paper-copy  ask for a paper copy (the recipient)
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/cases/{id}/delivery/consent", s.handleConsentGet)
	mux.HandleFunc("PUT /api/v1/cases/{id}/delivery/consent", s.handleConsentPut)
	mux.HandleFunc("POST /api/v1/cases/{id}/delivery/bases", s.handleBasis)
	mux.HandleFunc("POST /api/v1/cases/{id}/delivery/services", s.handleServe)
	mux.HandleFunc("GET /api/v1/cases/{id}/delivery/services", s.handleServices)
	mux.HandleFunc("GET /api/v1/cases/{id}/delivery/periods", s.handlePeriods)
	mux.HandleFunc("GET /api/v1/cases/{id}/delivery/tasks", s.handleCaseTasks)
	mux.HandleFunc("GET /api/v1/delivery/tasks", s.handleMyTasks)
	mux.HandleFunc("POST /api/v1/delivery/tasks/{id}/close", s.handleTaskClose)
	mux.HandleFunc("GET /api/v1/delivery/services/{id}", s.handleService)
	mux.HandleFunc("POST /api/v1/delivery/services/{id}/resend", s.handleResend)
	mux.HandleFunc("POST /api/v1/delivery/services/{id}/fallback", s.handleFallback)
	mux.HandleFunc("POST /api/v1/delivery/services/{id}/paper-copy", s.handlePaperCopy)
}

type list[T any] struct {
	Items []T `json:"items"`
}

func (s *Service) handleConsentGet(w http.ResponseWriter, r *http.Request) {
	v, err := s.FindConsent(r.Context(), r.PathValue("id"), r.URL.Query().Get("party_id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

func (s *Service) handleConsentPut(w http.ResponseWriter, r *http.Request) {
	var f ConsentForm
	if err := web.DecodeJSON(r, &f); err != nil {
		web.Error(w, r, err)
		return
	}
	k, err := s.SignConsent(r.Context(), r.PathValue("id"), f)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, k)
}

func (s *Service) handleBasis(w http.ResponseWriter, r *http.Request) {
	var nb NewBasis
	if err := web.DecodeJSON(r, &nb); err != nil {
		web.Error(w, r, err)
		return
	}
	b, err := s.RecordBasis(r.Context(), r.PathValue("id"), nb)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, b)
}

// serveBody is the body of POST …/delivery/services: the case is the
// path's, the server the signed-in person.
type serveBody struct {
	CourtID    string          `json:"court_id,omitempty"`
	Document   Document        `json:"document"`
	Recipients []RecipientSpec `json:"recipients"`
}

func (s *Service) handleServe(w http.ResponseWriter, r *http.Request) {
	var b serveBody
	if err := web.DecodeJSON(r, &b); err != nil {
		web.Error(w, r, err)
		return
	}
	recs, err := s.Serve(r.Context(), ServeRequest{CaseID: r.PathValue("id"), CourtID: b.CourtID, Document: b.Document, Recipients: b.Recipients})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, list[Record]{Items: recs})
}

func (s *Service) handleServices(w http.ResponseWriter, r *http.Request) {
	recs, err := s.ListServices(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Record]{Items: recs})
}

func (s *Service) handlePeriods(w http.ResponseWriter, r *http.Request) {
	ps, err := s.ListPeriods(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Period]{Items: ps})
}

func (s *Service) handleCaseTasks(w http.ResponseWriter, r *http.Request) {
	ts, err := s.ListTasks(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Task]{Items: ts})
}

func (s *Service) handleMyTasks(w http.ResponseWriter, r *http.Request) {
	ts, err := s.MyTasks(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Task]{Items: ts})
}

type closeBody struct {
	Outcome string `json:"outcome"`
}

func (s *Service) handleTaskClose(w http.ResponseWriter, r *http.Request) {
	var b closeBody
	if err := web.DecodeJSON(r, &b); err != nil {
		web.Error(w, r, err)
		return
	}
	t, err := s.CloseTask(r.Context(), r.PathValue("id"), b.Outcome)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, t)
}

func (s *Service) handleService(w http.ResponseWriter, r *http.Request) {
	rec, err := s.FindService(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rec)
}

func (s *Service) handleResend(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Resend(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, rec)
}

func (s *Service) handleFallback(w http.ResponseWriter, r *http.Request) {
	var in FallbackInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	rec, err := s.RecordFallback(r.Context(), r.PathValue("id"), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rec)
}

func (s *Service) handlePaperCopy(w http.ResponseWriter, r *http.Request) {
	t, err := s.RequestPaperCopy(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, t)
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of Routes:
// a JSON object with "paths" and "components" ("schemas" only, all named
// Delivery…, including DeliveryError, the platform's error envelope). The
// app merges it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }
