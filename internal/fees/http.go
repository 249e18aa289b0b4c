package fees

import (
	_ "embed"
	"io"
	"net/http"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the fees JSON API on mux. Handlers parse, call one
// Service method and render; the principal comes from the request context.
//
//	POST /api/v1/fees/quote                    the fee calculator (public)
//	GET  /api/v1/cases/{id}/bills              bills of a case (staff: all; payer: theirs)
//	GET  /api/v1/fees/bills/{id}               one bill
//	POST /api/v1/fees/bills/{id}/payments      open an online payment → {order_id, pay_url, qr_content}
//	GET  /api/v1/fees/bills/{id}/receipt       the receipt of a paid bill
//	POST /api/v1/fees/bills/{id}/refunds       refund (filing officer, court admin, judge)
//	POST /api/v1/fees/bills/{id}/aid           apply for judicial aid
//	GET  /api/v1/fees/bills/{id}/aid           the bill's aid applications
//	POST /api/v1/fees/aid/{id}/decision        decide an aid application (judge, filing officer)
//	POST /api/v1/fees/callbacks/{gateway}      signed gateway notifications
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("POST /api/v1/fees/quote", s.handleQuote)
	mux.HandleFunc("GET /api/v1/cases/{id}/bills", s.handleCaseBills)
	mux.HandleFunc("GET /api/v1/fees/bills/{id}", s.handleBillGet)
	mux.HandleFunc("POST /api/v1/fees/bills/{id}/payments", s.handlePaymentStart)
	mux.HandleFunc("GET /api/v1/fees/bills/{id}/receipt", s.handleReceipt)
	mux.HandleFunc("POST /api/v1/fees/bills/{id}/refunds", s.handleRefund)
	mux.HandleFunc("POST /api/v1/fees/bills/{id}/aid", s.handleAidApply)
	mux.HandleFunc("GET /api/v1/fees/bills/{id}/aid", s.handleAidList)
	mux.HandleFunc("POST /api/v1/fees/aid/{id}/decision", s.handleAidDecide)
	mux.HandleFunc("POST /api/v1/fees/callbacks/{gateway}", s.handleCallback)
}

func (s *Service) handleQuote(w http.ResponseWriter, r *http.Request) {
	var req QuoteRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	q, err := s.Quote(r.Context(), req)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, q)
}

type billList struct {
	Items []Bill `json:"items"`
}

func (s *Service) handleCaseBills(w http.ResponseWriter, r *http.Request) {
	bills, err := s.ListCaseBills(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, billList{Items: bills})
}

func (s *Service) handleBillGet(w http.ResponseWriter, r *http.Request) {
	b, err := s.FindBill(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, b)
}

func (s *Service) handlePaymentStart(w http.ResponseWriter, r *http.Request) {
	p, err := s.StartPayment(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, p)
}

func (s *Service) handleReceipt(w http.ResponseWriter, r *http.Request) {
	rc, err := s.Receipt(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, rc)
}

type refundBody struct {
	AmountFen money.Fen `json:"amount_fen"`
	Reason    string    `json:"reason"`
}

func (s *Service) handleRefund(w http.ResponseWriter, r *http.Request) {
	var req refundBody
	if err := web.DecodeJSON(r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	rf, err := s.RefundBill(r.Context(), r.PathValue("id"), req.AmountFen, req.Reason)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, rf)
}

func (s *Service) handleAidApply(w http.ResponseWriter, r *http.Request) {
	var req NewAid
	if err := web.DecodeJSON(r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := s.ApplyAid(r.Context(), r.PathValue("id"), req)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, a)
}

type aidList struct {
	Items []Aid `json:"items"`
}

func (s *Service) handleAidList(w http.ResponseWriter, r *http.Request) {
	list, err := s.ListAid(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, aidList{Items: list})
}

func (s *Service) handleAidDecide(w http.ResponseWriter, r *http.Request) {
	var req AidDecision
	if err := web.DecodeJSON(r, &req); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := s.DecideAid(r.Context(), r.PathValue("id"), req)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a)
}

// maxCallbackBody bounds a gateway notification.
const maxCallbackBody = 64 << 10

func (s *Service) handleCallback(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallbackBody+1))
	if err != nil || len(body) > maxCallbackBody {
		web.Error(w, r, errs.Fields(errs.FieldError{Field: "body", Code: "too_large", Key: "field.too_large"}))
		return
	}
	if err := s.HandleCallback(r.Context(), r.PathValue("gateway"), r.Header, body); err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of Routes:
// a JSON object with "paths" and "components" ("schemas" only, all named
// Fee…, including FeeError, the platform's error envelope). The app merges
// it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }
