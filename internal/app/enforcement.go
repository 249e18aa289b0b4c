package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// titles finds the effective legal document (执行依据) an application for
// enforcement names, from the documents the platform issued and served.
type titles struct{ a *App }

// EffectiveTitle returns the document as a title once it has taken legal
// effect, and errs.Conflict ("enforcement.error.not_effective") before:
//   - a mediation document takes effect when every party has signed for it
//     (CPL Art. 100 para 3: 调解书经双方当事人签收后，即具有法律效力), i.e.
//     on the last party's service;
//   - a judgment or ruling of a second instance, of a small-claims case
//     (CPL Art. 165, 一审终审) or of a special procedure such as the judicial
//     confirmation of a mediation agreement (CPL Art. 206), and any ruling
//     that cannot be appealed, takes effect on service (CPL Art. 182);
//   - an appealable first-instance judgment or ruling takes effect the day
//     after the last party's appeal period ends (CPL Art. 171, 286) —
//     the periods are the delivery context's, on the court calendar.
//
// The applicant's own parties are the creditors; the parties on the other
// side (defendants against plaintiffs, appellees against appellants) are
// the debtors. Amounts and performance dates are not read from the
// document's text: the applicant states them from the operative part (判决
// 主文), and the filing officer checks them against the document.
func (t titles) EffectiveTitle(ctx context.Context, documentID string) (enforcement.Title, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return enforcement.Title{}, err
	}
	sys := asSystem(ctx)
	d, err := t.a.svc.docs.Find(sys, documentID)
	if err != nil {
		return enforcement.Title{}, err
	}
	kind, ok := titleKinds[d.Kind]
	if !ok {
		return enforcement.Title{}, errs.Fields(errs.Field("document_id", "enforcement_not_a_title"))
	}
	c, err := t.a.svc.casefile.Authorize(ctx, d.CaseID, casefile.NeedRead)
	if err != nil {
		return enforcement.Title{}, err
	}
	if kind == enforcement.TitleRuling && c.Procedure == casefile.Special {
		kind = enforcement.TitleConfirmation
	}
	services, err := t.a.svc.delivery.ListServices(sys, d.CaseID)
	if err != nil {
		return enforcement.Title{}, err
	}
	var served []delivery.Record
	for _, r := range services {
		if r.Document.ID == d.ID && r.PartyID != "" {
			served = append(served, r)
		}
	}
	// Every party on either side must have been served: until then the
	// document has not taken effect (and an appeal period has not even
	// started) for that party.
	for _, pt := range c.Parties {
		if _, main := opposites[pt.Role]; !main {
			continue
		}
		if !slices.ContainsFunc(served, func(r delivery.Record) bool {
			return r.PartyID == pt.ID && (r.ServedAt != nil || r.ServedOn != nil)
		}) {
			return enforcement.Title{}, errs.New(errs.Conflict, "enforcement.error.not_effective")
		}
	}
	var last calendar.Date
	appealable := false
	for _, r := range served {
		if r.ServedAt == nil && r.ServedOn == nil {
			continue // another attempt at a party served otherwise
		}
		on := servedDay(r)
		if on.After(last) {
			last = on
		}
		appealable = appealable || r.Document.Appealable
	}
	effective := last
	if appealable && !c.Final() && kind != enforcement.TitleMediation {
		// An appeal was filed: the second instance decides, and its
		// document is the title (CPL Art. 182).
		if appealed, err := t.a.svc.casefile.Appealed(ctx, d.CaseID); err != nil {
			return enforcement.Title{}, err
		} else if appealed {
			return enforcement.Title{}, errs.New(errs.Conflict, "enforcement.error.appealed")
		}
		periods, err := t.a.svc.delivery.ListPeriods(sys, d.CaseID)
		if err != nil {
			return enforcement.Title{}, err
		}
		var end calendar.Date
		found := false
		for _, pd := range periods {
			if (pd.Kind == delivery.PeriodAppealJudgment || pd.Kind == delivery.PeriodAppealRuling) &&
				slices.ContainsFunc(served, func(r delivery.Record) bool { return r.ID == pd.ServiceID }) {
				found = true
				if pd.End.After(end) {
					end = pd.End
				}
			}
		}
		if !found {
			return enforcement.Title{}, errs.New(errs.Conflict, "enforcement.error.not_effective")
		}
		effective = end.Plus(1)
	}
	today := calendar.DateOf(t.a.DB.Now().In(clock.China))
	if effective.After(today) {
		return enforcement.Title{}, errs.New(errs.Conflict, "enforcement.error.not_effective")
	}
	title := enforcement.Title{DocumentID: d.ID, CaseID: d.CaseID, CourtID: d.CourtID, Kind: kind, Number: d.CaseNumber,
		Issuer: d.CourtID, Cause: c.Cause, Effective: effective}
	if ct, err := t.a.svc.court.Find(sys, d.CourtID); err == nil {
		title.Issuer = ct.Name("zh-CN")
	}
	mine := map[casefile.PartyRole]bool{}
	for _, pt := range c.Parties {
		if pt.AccountID == p.UserID {
			mine[pt.Role] = true
		}
	}
	for _, pt := range c.Parties {
		side := ""
		switch {
		case pt.AccountID == p.UserID:
			side = enforcement.SideCreditor
		case opposes(pt.Role, mine):
			side = enforcement.SideDebtor
		default:
			continue
		}
		title.Parties = append(title.Parties, enforcement.TitleParty{Side: side, Kind: pt.Kind, Name: pt.Name,
			IDType: pt.IDType, IDNumber: pt.IDNumber, Phone: pt.Phone, Address: pt.Address, AccountID: pt.AccountID})
	}
	return title, nil
}

// titleKinds are the document kinds that can be enforced.
var titleKinds = map[string]enforcement.TitleKind{
	documentKinds[render.KindJudgment].code:  enforcement.TitleJudgment,
	documentKinds[render.KindRuling].code:    enforcement.TitleRuling,
	documentKinds[render.KindMediation].code: enforcement.TitleMediation,
}

// opposites pairs the roles that stand against each other in a case.
var opposites = map[casefile.PartyRole]casefile.PartyRole{
	casefile.Plaintiff: casefile.Defendant, casefile.Defendant: casefile.Plaintiff,
	casefile.Appellant: casefile.Appellee, casefile.Appellee: casefile.Appellant,
	casefile.Applicant: casefile.Respondent, casefile.Respondent: casefile.Applicant,
	casefile.Creditor: casefile.Debtor, casefile.Debtor: casefile.Creditor,
}

func opposes(role casefile.PartyRole, mine map[casefile.PartyRole]bool) bool {
	for r := range mine {
		if opposites[r] == role {
			return true
		}
	}
	return false
}

// servedDay is the court-local day a service took effect.
func servedDay(r delivery.Record) calendar.Date {
	if r.ServedOn != nil {
		return *r.ServedOn
	}
	return calendar.DateOf(r.ServedAt.In(clock.China))
}

// enforcementNotifier sends enforcement notices (a node recorded, a lead
// answered, a deadline near) through the notification pipeline in the
// enforcement context's own transaction: every recipient gets the inbox
// message, and those who chose text messages for the case an SMS as well
// (执行流程公开若干意见 Art. 2: 12368 短信). The notice's data already
// names the court (court_name, court_name_en).
type enforcementNotifier struct{}

// EnforcementNotifier is the adapter the app gives the enforcement context
// as its Notifier (exported for tools such as bench/fanout that run the
// context outside the app).
func EnforcementNotifier() enforcement.Notifier { return enforcementNotifier{} }

func (enforcementNotifier) Notify(ctx context.Context, tx *sqldb.Tx, n enforcement.Notice) error {
	var all, sms []string
	for _, r := range n.Recipients {
		all = append(all, r.AccountID)
		if r.SMS {
			sms = append(sms, r.AccountID)
		}
	}
	if len(all) == 0 {
		return nil
	}
	m := notify.Message{ID: n.ID, Ref: n.Ref, Recipients: all, Channels: []notify.Channel{notify.Inbox},
		Template: n.Template, Data: n.Data, CourtID: n.CourtID, CaseID: n.CaseID}
	if err := notify.Enqueue(ctx, tx, m); err != nil {
		return err
	}
	if len(sms) == 0 {
		return nil
	}
	m.ID, m.Recipients, m.Channels = n.ID+":sms", sms, []notify.Channel{notify.SMS}
	return notify.Enqueue(ctx, tx, m)
}

// enforcementFees tells the case account the enforcement application fee
// the court deducts before paying the applicant: computed when the case was
// opened and payable after enforcement (诉讼费用交纳办法 Art. 14(一),
// Art. 20).
type enforcementFees struct{ a *App }

func (f enforcementFees) EnforcementFee(ctx context.Context, caseID string) (money.Fen, bool, error) {
	r, err := f.a.svc.enforce.Case(asSystem(ctx), caseID)
	if errs.CodeOf(err) == errs.NotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return r.FeeFen, true, nil
}

// courtSystem is the platform acting for a court: a court administrator
// principal of that court only, audited as the system. Consumers that turn
// one context's facts into another's records (money arrived → a progress
// node) run with it.
func courtSystem(ctx context.Context, courtID string) context.Context {
	ctx = asSystem(ctx)
	return auth.WithPrincipal(ctx, auth.Principal{UserID: systemActor, Name: "系统", Verified: true, Via: "system",
		Grants: []auth.Grant{{CourtID: courtID, Role: auth.CourtAdmin}}})
}

// subscribeEnforcement feeds the live hub from the bus (one listener for
// every open enforcement page and phone of this process) and turns the
// case account's facts into progress nodes: money received and money paid
// out reach the applicant like any other step (法发〔2014〕18号 Art. 3(九)).
// An accepted application opens the case account.
func (a *App) subscribeEnforcement(ctx context.Context) (func(), error) {
	stopFeed := a.svc.hub.Feed(ctx, a.Bus, enforcement.NodeSubjects, enforcement.RouteNode)
	stops := []func(){stopFeed}
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	retry := bus.Retry(20, time.Second, 5*time.Second, 30*time.Second)
	for durable, sub := range map[string]struct {
		subject string
		handle  func(context.Context, bus.Event) error
	}{
		"enforcement-open-account":  {enforcement.EventAccepted, a.handleEnforcementAccepted},
		"enforcement-money-in":      {casefund.EventReceived, a.handleMoneyEvent},
		"enforcement-money-out":     {casefund.EventPaid, a.handleMoneyEvent},
		"enforcement-notice-served": {"ecourt.delivery.service.effective", a.handleNoticeServed},
	} {
		stop, err := a.Bus.Subscribe(ctx, durable, sub.subject, sub.handle, retry)
		if err != nil {
			stopAll()
			return nil, err
		}
		stops = append(stops, stop)
	}
	return stopAll, nil
}

// handleEnforcementAccepted opens the case account of a new enforcement
// case, so that money paid in with its case number is matched at once.
func (a *App) handleEnforcementAccepted(ctx context.Context, ev bus.Event) error {
	var p struct {
		CaseID string `json:"case_id"`
	}
	if err := ev.Decode(&p); err != nil || p.CaseID == "" {
		return nil // nothing to retry
	}
	c, err := a.svc.casefile.Authorize(asSystem(ctx), p.CaseID, casefile.NeedRead)
	if err != nil {
		return err
	}
	sys := courtSystem(ctx, c.CourtID)
	if _, err := a.svc.casefund.Open(sys, p.CaseID); err != nil {
		return err
	}
	return a.issueEnforcementNotices(sys, c)
}

// issueEnforcementNotices issues the 执行通知书 (CPL Art. 251: the officer
// sends the person subject to enforcement a notice to perform; with it the
// order to report property, Art. 252) to each debtor of a new enforcement
// case, sealed and ledgered like every court document, and serves it —
// electronically where the debtor agreed, else through the clerk's
// fallback task. Its key makes a redelivered event issue nothing new.
func (a *App) issueEnforcementNotices(ctx context.Context, c casefile.Case) error {
	rec, err := a.svc.enforce.Case(ctx, c.ID)
	if err != nil {
		return err
	}
	app, err := a.svc.enforce.FindApplication(ctx, rec.ApplicationID)
	if err != nil {
		return err
	}
	ct, err := a.svc.court.Find(ctx, c.CourtID)
	if err != nil {
		return err
	}
	contact := render.Contact{Phone: ct.Phone}
	if i := slices.IndexFunc(rec.Officers, func(o enforcement.Officer) bool { return o.Lead }); i >= 0 {
		if staff, err := a.svc.identity.Staff(ctx, c.CourtID); err == nil {
			if j := slices.IndexFunc(staff, func(m identity.StaffMember) bool { return m.AccountID == rec.Officers[i].AccountID }); j >= 0 {
				contact.Name = staff[j].Name
			}
		}
	}
	var applicants []string
	for _, pt := range c.Parties {
		if pt.Role == casefile.JudgmentCreditor {
			applicants = append(applicants, pt.Name)
		}
	}
	titleKind := map[enforcement.TitleKind]string{enforcement.TitleJudgment: "民事判决书", enforcement.TitleRuling: "民事裁定书",
		enforcement.TitleMediation: "民事调解书", enforcement.TitleConfirmation: "民事裁定书",
		enforcement.TitleNotarisedDebt: "公证债权文书", enforcement.TitleArbitralAward: "仲裁裁决书"}[app.TitleKind]
	for _, pt := range c.Parties {
		if pt.Role != casefile.JudgmentDebtor {
			continue
		}
		body := &render.EnforcementNotice{
			Recipient: render.Addressee{Name: pt.Name, Organisation: pt.Kind == casefile.Organisation},
			Applicant: strings.Join(applicants, "、"), Cause: c.Cause,
			TitleNumber: app.TitleNumber, TitleKind: titleKind, AppliedOn: app.SubmittedAt, AcceptedOn: rec.CreatedAt,
			Duties: []string{app.Claim}, MoneyDuty: app.AmountFen > 0, ExecFee: rec.FeeFen, Contact: contact,
		}
		if app.TitleIssuer != "" && app.TitleIssuer != ct.Name("zh-CN") {
			body.TitleCourt = app.TitleIssuer
		}
		doc := render.Document{CourtName: ct.Name("zh-CN"), CaseNumber: c.Number, IssuedOn: a.DB.Now(), Seal: &render.Seal{}, Body: body}
		d, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.ID, Kind: "enforcement_notice", Doc: doc,
			Key: "enforcement.notice:" + c.ID + ":" + pt.ID, IssuedBy: systemActor})
		if err != nil {
			return err
		}
		_, err = a.svc.delivery.Serve(ctx, delivery.ServeRequest{CaseID: c.ID, CourtID: c.CourtID, ServedBy: systemActor,
			Document:   delivery.Document{ID: d.ID, Kind: delivery.DocEnforcementNotice, Title: d.Title, Code: d.Code},
			Recipients: []delivery.RecipientSpec{{PartyID: pt.ID}}})
		if err != nil && errs.CodeOf(err) != errs.Conflict { // Conflict: served already (a redelivered event)
			return err
		}
	}
	return nil
}

// handleNoticeServed records "enforcement notice served" on the case once
// the 执行通知书 has been served on a debtor (the legal time of service,
// by whatever method), so the applicant sees it like any other step.
func (a *App) handleNoticeServed(ctx context.Context, ev bus.Event) error {
	var p struct {
		ServiceID string `json:"service_id"`
		CaseID    string `json:"case_id"`
		CourtID   string `json:"court_id"`
		Kind      string `json:"document_kind"`
		ServedOn  string `json:"served_on"`
		Method    string `json:"method"`
	}
	if err := ev.Decode(&p); err != nil || p.Kind != string(delivery.DocEnforcementNotice) || p.CaseID == "" {
		return nil
	}
	return a.recordEventNode(ctx, p.CourtID, p.CaseID, enforcement.NodeInput{Kind: "notice_served",
		Source: "delivery.service:" + p.ServiceID, Text: p.ServedOn})
}

// recordEventNode records, for the court's system, the node another
// context's event stands for; a case that is no enforcement case (or no
// longer exists) is not an error, nothing is recorded.
func (a *App) recordEventNode(ctx context.Context, courtID, caseID string, in enforcement.NodeInput) error {
	_, err := a.svc.enforce.RecordNode(courtSystem(ctx, courtID), caseID, in)
	if errs.CodeOf(err) == errs.NotFound {
		return nil
	}
	return err
}

// The nodes these consumers record carry no sentence of their own: the
// page names the kind and shows the amount in the reader's language, and
// the text is only the day it happened (value date, payout date, day of
// service), which reads the same in both.
//
// handleMoneyEvent records money received in, or paid out of, the case
// account as a progress node of the enforcement case, once per receipt or
// payout (the node's Source), so that the applicant sees each arrival at
// once (法发〔2014〕18号 Art. 3(九)). Money for a case that is not an
// enforcement case (none today) is ignored.
func (a *App) handleMoneyEvent(ctx context.Context, ev bus.Event) error {
	var p struct {
		CaseID     string    `json:"case_id"`
		CourtID    string    `json:"court_id"`
		ReceiptID  string    `json:"receipt_id"`
		PayoutID   string    `json:"payout_id"`
		Amount     money.Fen `json:"amount"`
		ReceivedOn string    `json:"received_on"`
		PaidOn     string    `json:"paid_on"`
		Account    string    `json:"payee_account"`
	}
	if err := ev.Decode(&p); err != nil || p.CaseID == "" || p.CourtID == "" {
		return nil // nothing to retry
	}
	in := enforcement.NodeInput{AmountFen: p.Amount}
	switch ev.Type {
	case casefund.EventReceived:
		in.Kind, in.Source = "money_received", "casefund.receipt:"+p.ReceiptID
		in.Text = p.ReceivedOn
	case casefund.EventPaid:
		in.Kind, in.Source = "money_paid", "casefund.payout:"+p.PayoutID
		in.Text = p.PaidOn
		in.Fields = map[string]string{"account_no": p.Account}
	default:
		return nil
	}
	return a.recordEventNode(ctx, p.CourtID, p.CaseID, in)
}
