package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/seal"
)

// systemActor is the audit actor of what the platform does on its own:
// notices issued and served when a filing is accepted or a bill issued.
const systemActor = "system:documents"

// asSystem is the context of the platform's own document work: the case
// access check passes as the system (delivery.AsSystem also marks the
// casefile's), and the audit actor is systemActor.
func asSystem(ctx context.Context) context.Context {
	return delivery.AsSystem(audit.WithActor(ctx, audit.Actor{UserID: systemActor}), systemActor)
}

// courtDoc is a court document to issue: the rendered content, the
// document context's kind code and the idempotency key that makes a
// retried issue return the first document.
type courtDoc struct {
	CourtID, CaseID string
	Kind            string
	Doc             render.Document
	Key             string
	IssuedBy        string
}

// issueCourtDocument reserves the verification code, renders the document
// with the code and the verification address printed at the foot of every
// page, seals it with the issuing court's seal over the visible seal, and
// records it (document.Issue: blob, record, ledger event, case timeline).
// A retry with the same Key returns the document first issued.
func (a *App) issueCourtDocument(ctx context.Context, in courtDoc) (document.Document, error) {
	code, err := a.svc.docs.ReserveCode(ctx, in.CourtID)
	if err != nil {
		return document.Document{}, err
	}
	line := fmt.Sprintf("验证码 %s · 核验 %s%s", document.FormatCode(code), a.publicURL(), document.PagePath)
	res, err := render.PDF(in.Doc, render.Options{Verification: line})
	if err != nil {
		return document.Document{}, err
	}
	req := document.IssueRequest{CourtID: in.CourtID, CaseID: in.CaseID, Kind: in.Kind, Title: in.Doc.DisplayTitle(),
		PDF: res.PDF, Code: code, IdempotencyKey: in.Key, IssuedBy: in.IssuedBy}
	if p := res.Seal; p != nil {
		req.SealPlacement = &seal.Placement{Page: p.Page, X1: p.Rect.LLX, Y1: p.Rect.LLY, X2: p.Rect.URX, Y2: p.Rect.URY}
	}
	return a.svc.docs.Issue(ctx, req)
}

// publicURL is the address printed on documents for verification.
func (a *App) publicURL() string {
	if a.cfg.PublicURL != "" {
		return a.cfg.PublicURL
	}
	return a.listenURL
}

// serveOn serves an issued document on the parties electronically,
// treating a repeat (already served) as done.
func (a *App) serveOn(ctx context.Context, c casefile.Case, d document.Document, kind delivery.DocumentKind, parties []casefile.Party) error {
	if len(parties) == 0 {
		return nil
	}
	var rs []delivery.RecipientSpec
	for _, p := range parties {
		rs = append(rs, delivery.RecipientSpec{PartyID: p.ID})
	}
	_, err := a.svc.delivery.Serve(ctx, delivery.ServeRequest{CaseID: c.ID, CourtID: c.CourtID, ServedBy: systemActor,
		Document: delivery.Document{ID: d.ID, Kind: kind, Title: d.Title, Code: d.Code}, Recipients: rs})
	if errs.CodeOf(err) == errs.Conflict {
		return nil // served before this retry
	}
	return err
}

// plaintiffs are the case's plaintiffs.
func plaintiffs(c casefile.Case) []casefile.Party {
	var out []casefile.Party
	for _, p := range c.Parties {
		if p.Role == casefile.Plaintiff {
			out = append(out, p)
		}
	}
	return out
}

// recordFilingBasis records, for a party who filed online (who has an
// account), the lawful basis for serving them electronically: the
// electronic address (platform inbox, and the mobile number given) in their
// complaint (Online Litigation Rules Art. 29 para 2 (三)). A party without
// an account has no such basis: serving them makes the delivery context
// open a task for the clerk (post, direct service …).
func (a *App) recordFilingBasis(ctx context.Context, c casefile.Case, p casefile.Party) error {
	if p.AccountID == "" {
		return nil
	}
	chans := []delivery.Address{{Channel: delivery.Inbox, Address: p.AccountID}}
	if p.Phone != "" && !p.Masked {
		chans = append(chans, delivery.Address{Channel: delivery.SMS, Address: p.Phone})
	}
	_, err := a.svc.delivery.RecordBasis(ctx, c.ID, delivery.NewBasis{PartyID: p.ID, Kind: delivery.BasisPleading,
		Fact: "原告通过电子诉讼平台提交起诉状，留存平台账户及手机号码为电子送达地址", SourceRef: "filing:" + c.ID, Channels: chans})
	return err
}

// partyByID returns the case's party with the ID, or nil.
func partyByID(c casefile.Case, id string) *casefile.Party {
	for i := range c.Parties {
		if c.Parties[i].ID == id {
			return &c.Parties[i]
		}
	}
	return nil
}

func names(ps []casefile.Party, role casefile.PartyRole) []string {
	var out []string
	for _, p := range ps {
		if p.Role == role {
			out = append(out, p.Name)
		}
	}
	return out
}

func procedureName(p casefile.Procedure) string {
	switch p {
	case casefile.Simplified:
		return "简易程序"
	case casefile.SmallClaims:
		return "小额诉讼程序"
	case casefile.Ordinary:
		return "普通程序"
	}
	return ""
}

// evidenceDays is the period for producing evidence the notice sets: at
// least 15 days in ordinary procedure (民诉法解释 Art. 99), at most 15 in
// simplified procedure (ibid.) and at most 7 in small claims (Art. 266).
func evidenceDays(p casefile.Procedure) int {
	if p == casefile.SmallClaims {
		return 7
	}
	return 15
}

// handleAccepted issues the acceptance notice (受理通知书, CPL Art. 126)
// and the notice to produce evidence (举证通知书, 民诉法解释 Art. 99) when a
// filing is accepted, for every plaintiff, and serves them: electronically
// on those who filed online, through a clerk's task (post, direct service)
// for the others. Safe to repeat: every step is idempotent.
func (a *App) handleAccepted(ctx context.Context, ev bus.Event) error {
	var p struct {
		CaseID string `json:"case_id"`
	}
	if err := ev.Decode(&p); err != nil || p.CaseID == "" {
		return fmt.Errorf("documents: accepted event %s: no case (%v)", ev.ID, err)
	}
	ctx = asSystem(ctx)
	c, err := a.svc.casefile.Authorize(ctx, p.CaseID, casefile.NeedRead)
	if err != nil {
		return err
	}
	ct, err := a.svc.court.Find(ctx, c.CourtID)
	if err != nil {
		return err
	}
	on := ev.Time.In(clock.China)
	for _, party := range plaintiffs(c) {
		if err := a.recordFilingBasis(ctx, c, party); err != nil {
			return err
		}
		who := render.Addressee{Name: party.Name, Organisation: party.Kind != casefile.Person}
		acc, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.ID, Kind: "acceptance_notice",
			Key: "accepted:" + c.ID + ":" + party.ID + ":acceptance", IssuedBy: systemActor,
			Doc: render.Document{CourtName: ct.Name("zh-CN"), CaseNumber: c.Number, IssuedOn: on, Seal: &render.Seal{},
				Body: &render.AcceptanceNotice{Recipient: who, Plaintiffs: names(c.Parties, casefile.Plaintiff),
					Defendants: names(c.Parties, casefile.Defendant), Cause: c.Cause, FiledOn: c.CreatedAt.In(clock.China),
					AcceptedOn: on, Procedure: procedureName(c.Procedure)}}})
		if err != nil {
			return err
		}
		evd, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.ID, Kind: "evidence_notice",
			Key: "accepted:" + c.ID + ":" + party.ID + ":evidence", IssuedBy: systemActor,
			Doc: render.Document{CourtName: ct.Name("zh-CN"), CaseNumber: c.Number, IssuedOn: on, Seal: &render.Seal{},
				Body: &render.EvidenceNotice{Recipient: who, Plaintiffs: names(c.Parties, casefile.Plaintiff),
					Defendants: names(c.Parties, casefile.Defendant), Cause: c.Cause, Procedure: procedureName(c.Procedure),
					PeriodDays: evidenceDays(c.Procedure)}}})
		if err != nil {
			return err
		}
		for _, d := range []document.Document{acc, evd} {
			if err := a.serveOn(ctx, c, d, delivery.DocNotice, []casefile.Party{party}); err != nil {
				return err
			}
		}
	}
	return nil
}

// handleBillIssued issues the notice to pay (缴费通知书, 诉讼费用交纳办法
// Art. 22) with the fee table when a bill is issued, and serves it on the
// payer (electronically when they filed online, else through the clerk).
func (a *App) handleBillIssued(ctx context.Context, ev bus.Event) error {
	var b billIssued
	if err := ev.Decode(&b); err != nil || b.BillID == "" {
		return fmt.Errorf("documents: bill event %s: no bill (%v)", ev.ID, err)
	}
	ctx = asSystem(ctx)
	c, err := a.svc.casefile.Authorize(ctx, b.CaseID, casefile.NeedRead)
	if err != nil {
		return err
	}
	payer := partyByID(c, b.PayerPartyID)
	if payer == nil {
		return fmt.Errorf("documents: bill %s: payer %s is not a party of case %s", b.BillID, b.PayerPartyID, b.CaseID)
	}
	ct, err := a.svc.court.Find(ctx, c.CourtID)
	if err != nil {
		return err
	}
	d, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.ID, Kind: "fee_notice",
		Key: "bill:" + b.BillID + ":notice", IssuedBy: systemActor,
		Doc: render.Document{CourtName: ct.Name("zh-CN"), CaseNumber: c.Number, IssuedOn: ev.Time.In(clock.China),
			Seal: &render.Seal{Purpose: "诉讼费专用章"},
			Body: &render.FeeNotice{Recipient: render.Addressee{Name: payer.Name, Organisation: payer.Kind != casefile.Person},
				Plaintiffs: names(c.Parties, casefile.Plaintiff), Defendants: names(c.Parties, casefile.Defendant),
				Cause: c.Cause, Items: feeItems(b), Deadline: b.DueDate.Time(),
				Payment: render.Payment{Online: "登录电子诉讼平台，在本案“诉讼费”栏目选择在线缴纳"}}}})
	if err != nil {
		return err
	}
	if err := a.recordFilingBasis(ctx, c, *payer); err != nil {
		return err
	}
	return a.serveOn(ctx, c, d, delivery.DocNotice, []casefile.Party{*payer})
}

// billIssued is the payload of ecourt.fees.bill.issued.
type billIssued struct {
	BillID       string        `json:"bill_id"`
	CaseID       string        `json:"case_id"`
	PayerPartyID string        `json:"payer_party_id"`
	Kind         fees.Kind     `json:"kind"`
	AmountFen    money.Fen     `json:"amount_fen"`
	ClaimFen     money.Fen     `json:"claim_fen"`
	Halved       bool          `json:"halved"`
	DueDate      calendar.Date `json:"due_date"`
}

// feeItems is the fee table of a bill: the fee, with how it was computed.
func feeItems(b billIssued) []render.FeeItem {
	name := "案件受理费"
	switch b.Kind {
	case fees.Enforcement:
		name = "申请执行费"
	case fees.Preservation:
		name = "财产保全申请费"
	}
	basis := "按《诉讼费用交纳办法》计算"
	if b.ClaimFen > 0 {
		basis = fmt.Sprintf("诉讼请求金额%s元，按《诉讼费用交纳办法》第十三条分段累计计算", b.ClaimFen.String())
	}
	if b.Halved {
		basis += "；适用简易程序，减半交纳（《诉讼费用交纳办法》第十六条）"
	}
	return []render.FeeItem{{Name: name, Basis: basis, Amount: b.AmountFen}}
}

// subscribeDocuments starts the consumers that issue and serve notices.
func (a *App) subscribeDocuments(ctx context.Context) (func(), error) {
	retry := bus.Retry(20, time.Second, 5*time.Second, 30*time.Second, time.Minute)
	stopA, err := a.Bus.Subscribe(ctx, "documents-accepted", "ecourt.filing.application.accepted", a.handleAccepted, retry)
	if err != nil {
		return nil, err
	}
	stopB, err := a.Bus.Subscribe(ctx, "documents-bill-issued", "ecourt.fees.bill.issued", a.handleBillIssued, retry)
	if err != nil {
		stopA()
		return nil, err
	}
	return func() { stopA(); stopB() }, nil
}

// certifier renders and issues the service certificate (电子送达凭证,
// Online Litigation Rules Art. 31 para 3) the delivery context hands over.
type certifier struct{ a *App }

func (cf certifier) IssueCertificate(ctx context.Context, c delivery.Certificate) (delivery.DocumentRef, error) {
	a := cf.a
	ctx = asSystem(ctx)
	ct, err := a.svc.court.Find(ctx, c.CourtID)
	if err != nil {
		return delivery.DocumentRef{}, err
	}
	body := &render.ServiceCertificate{Cause: c.Cause, Recipient: c.RecipientName, RecipientRole: c.RecipientRole,
		Documents: []render.ServedDocument{{Title: c.Document.Title, Number: c.CaseNumber, Code: c.Document.Code}},
		ServedAt:  c.ServedAt.In(clock.China), ServedVia: channelName(c.ServedChannel), Server: ct.Name("zh-CN")}
	if c.ReadAt != nil {
		body.ReadAt = c.ReadAt.In(clock.China)
	}
	for _, e := range c.Attempts {
		d := render.Delivery{Channel: channelName(e.Channel), Address: e.AddressMasked, SentAt: e.AttemptedAt.In(clock.China),
			Status: attemptStatus(e)}
		if e.SentAt != nil {
			d.ArrivedAt = e.SentAt.In(clock.China)
		}
		body.Deliveries = append(body.Deliveries, d)
	}
	if c.LegalReference != "" {
		body.Notes = append(body.Notes, c.LegalReference)
	}
	d, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.CaseID, Kind: "service_certificate", Key: c.Key,
		IssuedBy: systemActor, Doc: render.Document{CourtName: ct.Name("zh-CN"), CaseNumber: c.CaseNumber, IssuedOn: c.ServedAt,
			Seal: &render.Seal{}, Body: body}})
	if err != nil {
		return delivery.DocumentRef{}, err
	}
	return delivery.DocumentRef{ID: d.ID, Code: d.Code}, nil
}

func channelName(ch delivery.Channel) string {
	switch ch {
	case delivery.Inbox:
		return "诉讼平台"
	case delivery.SMS:
		return "手机短信"
	case delivery.Email:
		return "电子邮件"
	}
	return string(ch)
}

func attemptStatus(e delivery.CertificateEntry) string {
	switch {
	case e.SentAt != nil:
		return "送达成功"
	case e.Failure != "":
		return "发送失败"
	}
	return "未回执"
}
