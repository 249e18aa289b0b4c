package casefile

import (
	_ "embed"
	"net/http"
	"strconv"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the casefile's JSON API on mux (Go 1.22 method
// patterns). The handlers parse, call one Service method and render; the
// principal comes from the request context (auth middleware), errors go
// through web.Error.
//
//	GET  /api/v1/cases                  my cases; with ?court=ID (and q, number, party, status, cause) a staff search
//	GET  /api/v1/cases/{id}             one case
//	GET  /api/v1/cases/{id}/timeline    its timeline
//	POST /api/v1/cases/{id}/consents    record consent to online proceedings
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/cases", s.handleCaseList)
	mux.HandleFunc("GET /api/v1/cases/{id}", s.handleCaseGet)
	mux.HandleFunc("GET /api/v1/cases/{id}/timeline", s.handleTimeline)
	mux.HandleFunc("POST /api/v1/cases/{id}/consents", s.handleConsentSet)
}

func (s *Service) handleCaseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := Page{Before: q.Get("before")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			web.Error(w, r, errs.Fields(errs.Field("limit", "casefile_limit")))
			return
		}
		page.Limit = n
	}
	var list List
	var err error
	if court := q.Get("court"); court != "" {
		list, err = s.Search(r.Context(), court, Query{
			Number: q.Get("number"), Party: q.Get("party"), Status: Status(q.Get("status")),
			Cause: q.Get("cause"), Text: q.Get("q"),
		}, page)
	} else {
		list, err = s.ListMine(r.Context(), page)
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

func (s *Service) handleCaseGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, c)
}

// timelineResponse is the body of GET /api/v1/cases/{id}/timeline.
type timelineResponse struct {
	Items []Event `json:"items"`
}

func (s *Service) handleTimeline(w http.ResponseWriter, r *http.Request) {
	evs, err := s.Timeline(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, timelineResponse{Items: evs})
}

// consentRequest is the body of POST /api/v1/cases/{id}/consents.
type consentRequest struct {
	PartyID string `json:"party_id"`
	Stage   Stage  `json:"stage"`
	Consent *bool  `json:"consent"`
	How     string `json:"how"`
}

func (s *Service) handleConsentSet(w http.ResponseWriter, r *http.Request) {
	var req consentRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	if req.Consent == nil {
		web.Error(w, r, errs.Fields(errs.Field("consent", "required")))
		return
	}
	k, err := s.SetConsent(r.Context(), r.PathValue("id"), req.PartyID, req.Stage, *req.Consent, req.How)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, k)
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment that describes the routes of
// Routes: a JSON object with "paths" and "components" ("schemas" only). The
// app merges it into /api/v1/openapi.json. The schemas are named Case…, plus
// Error, the platform's error envelope (web.Error), which every context's
// fragment defines identically.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }
