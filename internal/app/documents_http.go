package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// documentKinds maps a rendered kind to the document context's kind code
// and the delivery context's kind (which decides the periods service
// starts: an answer period for the complaint copy with the 应诉通知书, an
// appeal period for an appealable judgment or ruling).
var documentKinds = map[render.Kind]struct {
	code string
	kind delivery.DocumentKind
}{
	render.KindJudgment:            {"judgment", delivery.DocJudgment},
	render.KindRuling:              {"ruling", delivery.DocRuling},
	render.KindMediation:           {"mediation", delivery.DocMediation},
	render.KindSummons:             {"summons", delivery.DocSummons},
	render.KindResponseNotice:      {"answer_notice", delivery.DocComplaintCopy},
	render.KindAddressConfirmation: {"address_confirmation", delivery.DocNotice},
	render.KindEnforcementNotice:   {"enforcement_notice", delivery.DocEnforcementNotice},
	render.KindAcceptanceNotice:    {"acceptance_notice", delivery.DocNotice},
	render.KindEvidenceNotice:      {"evidence_notice", delivery.DocNotice},
	render.KindFeeNotice:           {"fee_notice", delivery.DocNotice},
}

// IssueDocumentRequest asks for a court document to be issued in a case
// and, optionally, served.
type IssueDocumentRequest struct {
	// Document is the content (render.Document JSON: kind, body, seal…);
	// the court name and case number are taken from the case.
	Document render.Document `json:"document"`
	// ServeOn lists the parties to serve it on electronically at once.
	ServeOn []string `json:"serve_on"`
	// Appealable marks a judgment or ruling against which an appeal lies
	// (starts the appeal period on service).
	Appealable bool `json:"appealable"`
}

// IssueDocumentResult is the issued document and its service records.
type IssueDocumentResult struct {
	Document document.Document `json:"document"`
	Services []delivery.Record `json:"services"`
}

// issueForCase renders, seals and records a court document of the case for
// the signed-in judge or clerk, and serves it on the parties named. The
// key (from Idempotency-Key) makes a retry return the same document.
func (a *App) issueForCase(ctx context.Context, caseID, key string, in IssueDocumentRequest) (IssueDocumentResult, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return IssueDocumentResult{}, err
	}
	c, err := a.svc.casefile.Authorize(ctx, caseID, casefile.NeedRecord)
	if err != nil {
		return IssueDocumentResult{}, err
	}
	if in.Document.Body == nil {
		return IssueDocumentResult{}, errs.Fields(errs.FieldError{Field: "document", Code: "required", Key: "error.field.required"})
	}
	k, ok := documentKinds[in.Document.Kind()]
	if !ok {
		return IssueDocumentResult{}, errs.Fields(errs.FieldError{Field: "document.kind", Code: "invalid", Key: "error.field.invalid"})
	}
	ct, err := a.svc.court.Find(ctx, c.CourtID)
	if err != nil {
		return IssueDocumentResult{}, err
	}
	d := in.Document
	d.CourtName, d.CaseNumber = ct.Name("zh-CN"), c.Number
	if d.IssuedOn.IsZero() {
		d.IssuedOn = a.DB.Now()
	}
	if d.Seal == nil {
		d.Seal = &render.Seal{}
	}
	if key != "" {
		key = "api:" + caseID + ":" + p.UserID + ":" + key
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: p.UserID})
	doc, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.ID, Kind: k.code, Doc: d, Key: key, IssuedBy: p.UserID})
	if err != nil {
		return IssueDocumentResult{}, err
	}
	out := IssueDocumentResult{Document: doc, Services: []delivery.Record{}}
	if len(in.ServeOn) > 0 {
		rs := make([]delivery.RecipientSpec, len(in.ServeOn))
		for i, id := range in.ServeOn {
			rs[i] = delivery.RecipientSpec{PartyID: id}
		}
		recs, err := a.svc.delivery.Serve(ctx, delivery.ServeRequest{CaseID: c.ID, CourtID: c.CourtID, ServedBy: p.UserID,
			Document:   delivery.Document{ID: doc.ID, Kind: k.kind, Title: doc.Title, Code: doc.Code, Appealable: in.Appealable},
			Recipients: rs})
		if err != nil {
			return out, err
		}
		out.Services = recs
	}
	return out, nil
}

func (a *App) handleIssueDocument(w http.ResponseWriter, r *http.Request) {
	var in IssueDocumentRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	res, err := a.issueForCase(r.Context(), r.PathValue("id"), strings.TrimSpace(r.Header.Get("Idempotency-Key")), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, res)
}
