package casefund

import (
	_ "embed"
	"io"
	"mime"
	"net/http"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the casefund JSON API on mux. Handlers parse, call one
// Service method and render; the principal comes from the request context.
//
//	GET  /api/v1/casefund/cases/{id}/ledger           the case account as the caller may see it (party or staff)
//	POST /api/v1/casefund/cases/{id}/account          open the account (enforcement officer, court administrator)
//	PUT  /api/v1/casefund/cases/{id}/claims           set claims, fee and costs (same)
//	POST /api/v1/casefund/cases/{id}/receipts         money received through the API (same)
//	POST /api/v1/casefund/cases/{id}/allocations      allocate the receipts not yet allocated (same)
//	POST /api/v1/casefund/cases/{id}/payouts          record a payout (same)
//	POST /api/v1/casefund/cases/{id}/consents         record a shared-court consent (the party, or court staff)
//	POST /api/v1/casefund/consents/{id}/revoke        revoke a consent
//	POST /api/v1/casefund/courts/{court}/statements   import a bank statement (text/csv body, or multipart "file")
//	GET  /api/v1/casefund/courts/{court}/unmatched    the receipts not matched to a case
//	POST /api/v1/casefund/receipts/{id}/match         match a receipt to a case {"case_id"}
//	POST /api/v1/casefund/shared/ledger               shared-court terminal: {"case_number","id_number"} → the person's ledger
//	POST /api/v1/casefund/shared/consents             shared-court terminal: record the consent signed there
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/casefund/cases/{id}/ledger", s.handleLedger)
	mux.HandleFunc("POST /api/v1/casefund/cases/{id}/account", s.handleOpen)
	mux.HandleFunc("PUT /api/v1/casefund/cases/{id}/claims", s.handleClaims)
	mux.HandleFunc("POST /api/v1/casefund/cases/{id}/receipts", s.handleReceive)
	mux.HandleFunc("POST /api/v1/casefund/cases/{id}/allocations", s.handleAllocate)
	mux.HandleFunc("POST /api/v1/casefund/cases/{id}/payouts", s.handlePayout)
	mux.HandleFunc("POST /api/v1/casefund/cases/{id}/consents", s.handleConsent)
	mux.HandleFunc("POST /api/v1/casefund/consents/{id}/revoke", s.handleRevoke)
	mux.HandleFunc("POST /api/v1/casefund/courts/{court}/statements", s.handleImport)
	mux.HandleFunc("GET /api/v1/casefund/courts/{court}/unmatched", s.handleUnmatched)
	mux.HandleFunc("POST /api/v1/casefund/receipts/{id}/match", s.handleMatch)
	mux.HandleFunc("POST /api/v1/casefund/shared/ledger", s.handleSharedLedger)
	mux.HandleFunc("POST /api/v1/casefund/shared/consents", s.handleSharedConsent)
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of Routes;
// the app merges it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }

type list[T any] struct {
	Items []T `json:"items"`
}

// reply renders v with status, or the error.
func reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}

func (s *Service) handleLedger(w http.ResponseWriter, r *http.Request) {
	l, err := s.Ledger(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, l, err)
}

func (s *Service) handleOpen(w http.ResponseWriter, r *http.Request) {
	a, err := s.Open(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, a, err)
}

func (s *Service) handleClaims(w http.ResponseWriter, r *http.Request) {
	var in ClaimsInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := s.SetClaims(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusOK, a, err)
}

func (s *Service) handleReceive(w http.ResponseWriter, r *http.Request) {
	var in ReceiptInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	x, err := s.Receive(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusCreated, x, err)
}

func (s *Service) handleAllocate(w http.ResponseWriter, r *http.Request) {
	as, err := s.Allocate(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, list[Allocation]{Items: as}, err)
}

func (s *Service) handlePayout(w http.ResponseWriter, r *http.Request) {
	var in PayoutInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	p, err := s.RecordPayout(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusCreated, p, err)
}

func (s *Service) handleConsent(w http.ResponseWriter, r *http.Request) {
	var in ConsentInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := s.RecordConsent(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusCreated, c, err)
}

func (s *Service) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.RevokeConsent(r.Context(), r.PathValue("id")); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxStatementBytes+1<<20)
	var body io.Reader = r.Body
	fileName := ""
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		f, h, err := r.FormFile("file")
		if err != nil {
			web.Error(w, r, errs.Fields(errs.Field("file", "required")))
			return
		}
		defer f.Close()
		body, fileName = f, h.Filename
	}
	st, err := s.ImportStatement(r.Context(), r.PathValue("court"), fileName, body)
	reply(w, r, http.StatusCreated, st, err)
}

func (s *Service) handleUnmatched(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Unmatched(r.Context(), r.PathValue("court"))
	reply(w, r, http.StatusOK, list[Receipt]{Items: rs}, err)
}

func (s *Service) handleMatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CaseID string `json:"case_id"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	x, err := s.Match(r.Context(), r.PathValue("id"), in.CaseID)
	reply(w, r, http.StatusOK, x, err)
}

// SharedLedgerReply is the answer of the shared-court read API.
type SharedLedgerReply struct {
	Ledger  Ledger  `json:"ledger"`
	Consent Consent `json:"consent"`
}

func (s *Service) handleSharedLedger(w http.ResponseWriter, r *http.Request) {
	var in SharedRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	l, c, err := s.SharedLedger(r.Context(), in)
	reply(w, r, http.StatusOK, SharedLedgerReply{Ledger: l, Consent: c}, err)
}

func (s *Service) handleSharedConsent(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SharedRequest
		ExpiresOn calendar.Date `json:"expires_on"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := s.RecordSharedConsent(r.Context(), in.SharedRequest, in.ExpiresOn)
	reply(w, r, http.StatusCreated, c, err)
}
