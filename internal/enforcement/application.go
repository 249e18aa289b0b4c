package enforcement

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// ApplyInput is an application for enforcement. The title is either a
// platform document (DocumentID: judgment, ruling, mediation document,
// judicial confirmation), whose details come from Titles, or an upload
// (TitleKind notarised_debt or arbitral_award, with TitleFile and the
// details typed in).
type ApplyInput struct {
	CourtID  string `json:"court_id"`
	TypeCode string `json:"type_code"` // 执 (default), 执恢, 执保, 执异
	// PriorCaseID is the enforcement case resumed (执恢), e.g. after 终本.
	PriorCaseID string `json:"prior_case_id,omitempty"`
	DocumentID  string `json:"document_id,omitempty"`
	// The uploaded title.
	TitleKind   TitleKind      `json:"title_kind,omitempty"`
	TitleNumber string         `json:"title_number,omitempty"`
	TitleIssuer string         `json:"title_issuer,omitempty"`
	Effective   calendar.Date  `json:"effective,omitzero"`
	Due         *calendar.Date `json:"due,omitempty"`
	Instalments []Instalment   `json:"instalments,omitempty"`
	Cause       string         `json:"cause,omitempty"`
	Parties     []TitleParty   `json:"parties,omitempty"`
	TitleFile   *File          `json:"-"`
	// For both sources.
	AmountFen money.Fen    `json:"amount_fen"` // the money to enforce (default: the title's amount)
	Claim     string       `json:"claim"`      // 执行请求
	Suspended []Suspension `json:"suspended,omitempty"`
	SMS       bool         `json:"sms"`
	// LateConfirmed: the applicant knows the application period has ended
	// and applies anyway (民诉法解释 (2022) Art. 481: the court accepts it;
	// the debtor may object).
	LateConfirmed bool `json:"late_confirmed"`
}

// Apply submits an application for enforcement to a court. It checks
// every field (errs.Invalid listing each problem; nothing is written), the
// title (a platform document must be effective and the applicant one of
// its creditors or their representative; an upload must be a PDF or a
// scan, checked by content), and the two-year application period of CPL
// Art. 250 through delay.WithinApplicationPeriod (instalments from the last
// one; suspensions extend it). A late application is refused with field
// "late_confirmed" (enforcement_period_expired) unless the applicant
// confirms it, since the court must still accept it (民诉法解释 Art. 481);
// the officer then sees it marked late. Writes the application, the
// outbox event EventApplied and the audit entry.
func (s *Service) Apply(ctx context.Context, in ApplyInput) (Application, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return Application{}, err
	}
	a := Application{ID: ids.New(), CourtID: in.CourtID, ApplicantAccount: p.UserID, TypeCode: in.TypeCode, State: AppSubmitted,
		Claim: strings.TrimSpace(in.Claim), SMS: in.SMS, Suspended: in.Suspended, PriorCaseID: in.PriorCaseID}
	if a.TypeCode == "" {
		a.TypeCode = TypeEnforcement
	}
	if a.Suspended == nil {
		a.Suspended = []Suspension{}
	}
	var v errs.Collector
	if in.CourtID == "" {
		v.Add("court_id", "required")
	} else if _, err := s.deps.Courts.Find(ctx, in.CourtID); err != nil {
		if errs.CodeOf(err) != errs.NotFound {
			return Application{}, err
		}
		v.Add("court_id", "enforcement_court_unknown")
	}
	if !slices.Contains(ApplicationTypes, a.TypeCode) {
		v.Add("type_code", "enforcement_type_code")
	}
	if err := s.checkPrior(ctx, &v, a); err != nil {
		return Application{}, err
	}
	if in.DocumentID != "" {
		if err := s.fromDocument(ctx, &v, &a, in, p.UserID); err != nil {
			return Application{}, err
		}
	} else {
		fromUpload(&v, &a, in, p.UserID)
	}
	if in.AmountFen != 0 {
		a.AmountFen = in.AmountFen
	}
	if a.AmountFen < 0 || a.AmountFen > maxAmount {
		v.Add("amount_fen", "enforcement_amount")
	}
	checkText(&v, "claim", a.Claim, true, 1000)
	for i, su := range a.Suspended {
		su.Reason = strings.TrimSpace(su.Reason)
		a.Suspended[i] = su
		if !su.From.Valid() || !su.To.Valid() || su.To.Before(su.From) {
			v.Add("suspended", "enforcement_suspension")
		}
	}
	if err := v.Err(); err != nil {
		return Application{}, err
	}
	// CPL Art. 250: two years from the last day of the performance period
	// (the last instalment's; the effective date when none is set).
	today := s.today()
	within, per, err := delay.WithinApplicationPeriod(periodInput(a), today)
	if err != nil {
		return Application{}, err
	}
	a.PeriodStart, a.PeriodLast, a.Late = per.Start, per.Last, !within
	if !within && !in.LateConfirmed {
		return Application{}, errs.Fields(errs.Field("late_confirmed", "enforcement_period_expired", per.Last.String()))
	}
	if in.TitleFile != nil && a.TitleSource == "upload" {
		att, err := s.store(ctx, *in.TitleFile, titleKinds, "title_file")
		if err != nil {
			return Application{}, err
		}
		a.TitleSHA256, a.TitleFileKind, a.TitleSize = att.SHA256, att.Kind, att.Size
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a.SubmittedAt = tx.Now
		if err := insertApplication(ctx, tx, a); err != nil {
			return err
		}
		ev := bus.NewEvent(EventApplied, map[string]any{"application_id": a.ID, "court_id": a.CourtID, "type_code": a.TypeCode,
			"late": a.Late})
		ev.CourtID, ev.Actor = a.CourtID, p.UserID
		if err := bus.Enqueue(ctx, tx, ev); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.application.submit", CourtID: a.CourtID, Target: a.ID,
			Detail: map[string]any{"type_code": a.TypeCode, "title_source": a.TitleSource, "title_kind": a.TitleKind,
				"document_id": a.DocumentID, "late": a.Late, "period_last": a.PeriodLast.String()}})
	})
	if err != nil {
		return Application{}, err
	}
	return a, nil
}

// periodInput is the application period question of a.
func periodInput(a Application) delay.PeriodInput {
	in := delay.PeriodInput{Effective: a.Effective, Due: a.Due}
	for _, i := range a.Instalments {
		in.Instalments = append(in.Instalments, delay.Instalment{Due: i.Due, Amount: i.AmountFen})
	}
	for _, su := range a.Suspended {
		in.Suspended = append(in.Suspended, delay.Excluded{From: su.From, To: su.To, Reason: su.Reason})
	}
	return in
}

// checkPrior checks the case a 执恢 application resumes: an enforcement
// case of the same court the applicant may read.
func (s *Service) checkPrior(ctx context.Context, v *errs.Collector, a Application) error {
	if a.TypeCode != TypeResumed {
		if a.PriorCaseID != "" {
			v.Add("prior_case_id", "enforcement_prior_unexpected")
		}
		return nil
	}
	if a.PriorCaseID == "" {
		v.Add("prior_case_id", "required")
		return nil
	}
	c, err := s.deps.Cases.Authorize(ctx, a.PriorCaseID, casefile.NeedRead)
	switch {
	case errs.CodeOf(err) == errs.NotFound || errs.CodeOf(err) == errs.Forbidden:
		v.Add("prior_case_id", "enforcement_prior_unknown")
	case err != nil:
		return err
	case c.Procedure != casefile.Enforcement || c.CourtID != a.CourtID:
		v.Add("prior_case_id", "enforcement_prior_unknown")
	}
	return nil
}

// fromDocument fills a from a platform title.
func (s *Service) fromDocument(ctx context.Context, v *errs.Collector, a *Application, in ApplyInput, account string) error {
	if s.deps.Titles == nil {
		return errs.New(errs.Unavailable, "enforcement.error.no_titles")
	}
	a.TitleSource, a.DocumentID = "document", in.DocumentID
	t, err := s.deps.Titles.EffectiveTitle(ctx, in.DocumentID)
	if errs.CodeOf(err) == errs.NotFound {
		v.Add("document_id", "enforcement_title_unknown")
		return nil
	}
	if err != nil {
		return err
	}
	if !slices.Contains(DocumentTitles, t.Kind) {
		v.Add("document_id", "enforcement_title_unknown")
		return nil
	}
	// The applicant must be a creditor of the title, or represent one in
	// the source case (the casefile's check, audited).
	c, err := s.deps.Cases.Authorize(ctx, t.CaseID, casefile.NeedRead)
	if errs.CodeOf(err) == errs.NotFound || errs.CodeOf(err) == errs.Forbidden {
		v.Add("document_id", "enforcement_title_unknown")
		return nil
	}
	if err != nil {
		return err
	}
	if !creditorOf(t, c, account) {
		v.Add("document_id", "enforcement_not_creditor")
		return nil
	}
	a.TitleKind, a.SourceCaseID, a.TitleNumber, a.TitleIssuer = t.Kind, t.CaseID, t.Number, t.Issuer
	a.Effective, a.Due, a.Instalments, a.AmountFen, a.Cause, a.Parties = t.Effective, t.Due, t.Instalments, t.AmountFen, t.Cause, t.Parties
	// Where the document's performance period is not known to the platform
	// (it is in the text of the operative part), the applicant states it
	// and the filing officer checks it against the document.
	if t.Due == nil && len(t.Instalments) == 0 {
		a.Due, a.Instalments = in.Due, in.Instalments
		checkPerformance(v, a)
	}
	if a.Instalments == nil {
		a.Instalments = []Instalment{}
	}
	return nil
}

// creditorOf reports whether account is a creditor of title t (by its
// account) or represents, in the source case c, a party of that name.
func creditorOf(t Title, c casefile.Case, account string) bool {
	names := map[string]bool{}
	for _, p := range t.Parties {
		if p.Side != SideCreditor {
			continue
		}
		if p.AccountID == account {
			return true
		}
		names[p.Name] = true
	}
	for _, p := range c.Parties {
		if !names[p.Name] {
			continue
		}
		if p.AccountID == account {
			return true
		}
		for _, r := range c.Representatives {
			if r.PartyID == p.ID && r.AccountID == account {
				return true
			}
		}
	}
	return false
}

// fromUpload fills a from an uploaded title's typed-in details.
func fromUpload(v *errs.Collector, a *Application, in ApplyInput, account string) {
	a.TitleSource, a.TitleKind = "upload", in.TitleKind
	a.TitleNumber, a.TitleIssuer = strings.TrimSpace(in.TitleNumber), strings.TrimSpace(in.TitleIssuer)
	a.Effective, a.Due, a.Instalments, a.Cause = in.Effective, in.Due, in.Instalments, strings.TrimSpace(in.Cause)
	a.Parties = in.Parties
	if a.Instalments == nil {
		a.Instalments = []Instalment{}
	}
	if !slices.Contains(UploadTitles, a.TitleKind) {
		if a.TitleKind == "" {
			v.Add("title_kind", "required")
		} else {
			v.Add("title_kind", "enforcement_title_kind")
		}
	}
	checkText(v, "title_number", a.TitleNumber, true, 100)
	checkText(v, "title_issuer", a.TitleIssuer, true, 200)
	checkText(v, "cause", a.Cause, false, 200)
	if !a.Effective.Valid() {
		v.Add("effective", "required")
	}
	checkPerformance(v, a)
	if in.TitleFile == nil {
		v.Add("title_file", "required")
	}
	creditors, debtors := 0, 0
	for i := range a.Parties {
		pt := &a.Parties[i]
		pt.Name = strings.TrimSpace(pt.Name)
		prefix := "parties[" + itoa(i) + "]."
		switch pt.Side {
		case SideCreditor:
			creditors++
		case SideDebtor:
			debtors++
		default:
			v.Add(prefix+"side", "enforcement_side")
		}
		if pt.Kind != casefile.Person && pt.Kind != casefile.Organisation {
			v.Add(prefix+"kind", "enforcement_party_kind")
		}
		checkText(v, prefix+"name", pt.Name, true, 200)
		if pt.IDType != "" && !slices.Contains(casefile.IDTypes, pt.IDType) {
			v.Add(prefix+"id_type", "enforcement_id_type")
		}
		checkText(v, prefix+"id_number", pt.IDNumber, false, 64)
		checkText(v, prefix+"phone", pt.Phone, false, 32)
		checkText(v, prefix+"address", pt.Address, false, 500)
		// Only the applicant's own account may be named: nobody links
		// another person's account by typing its ID.
		if pt.AccountID != "" && pt.AccountID != account {
			v.Add(prefix+"account_id", "enforcement_account")
		}
	}
	if creditors == 0 || debtors == 0 {
		v.Add("parties", "enforcement_parties")
	}
	// The applicant is the (first) creditor unless a creditor names them.
	if creditors > 0 && !slices.ContainsFunc(a.Parties, func(p TitleParty) bool { return p.AccountID == account }) {
		for i := range a.Parties {
			if a.Parties[i].Side == SideCreditor {
				a.Parties[i].AccountID = account
				break
			}
		}
	}
}

// checkPerformance checks the performance period of a title: a due date
// not before the effective date, instalments with dates and amounts.
func checkPerformance(v *errs.Collector, a *Application) {
	if a.Due != nil && (!a.Due.Valid() || a.Due.Before(a.Effective)) {
		v.Add("due", "enforcement_due")
	}
	if len(a.Instalments) > 120 {
		v.Add("instalments", "too_long", 120)
	}
	for _, i := range a.Instalments {
		if !i.Due.Valid() || i.AmountFen <= 0 {
			v.Add("instalments", "enforcement_instalment")
			break
		}
	}
}

// FindApplication returns an application to its applicant, or to the
// filing officers and administrators of its court.
func (s *Service) FindApplication(ctx context.Context, id string) (Application, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Application{}, err
	}
	a, err := loadApplication(ctx, s.db, id)
	if err != nil {
		return Application{}, err
	}
	if a.ApplicantAccount != p.UserID && !p.Has(a.CourtID, auth.FilingOfficer, auth.CourtAdmin) && !p.Has("", auth.PlatformAdmin) {
		return Application{}, errs.New(errs.NotFound, "enforcement.error.application_not_found")
	}
	return a, nil
}

// Applications lists the applications of court courtID waiting for a
// decision (its filing officers and administrators), or, with courtID "",
// the caller's own applications.
func (s *Service) Applications(ctx context.Context, courtID string) ([]Application, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if courtID == "" {
		return listApplications(ctx, s.db, `applicant_account = ?`, p.UserID)
	}
	if !p.Has(courtID, auth.FilingOfficer, auth.CourtAdmin) && !p.Has("", auth.PlatformAdmin) {
		return nil, errs.New(errs.Forbidden, "enforcement.error.filing_only")
	}
	return listApplications(ctx, s.db, `court_id = ? AND state = ?`, courtID, AppSubmitted)
}

// AcceptInput names the officers of the new case: Lead is the 承办人, and
// Officers the others (Lead may be repeated there).
type AcceptInput struct {
	Lead     string   `json:"lead"`
	Officers []string `json:"officers"`
}

// Accept accepts an application (立案) as a filing officer or court
// administrator of its court: it opens the enforcement case through the
// casefile (type code of the application, procedure enforcement, the
// creditors as 申请执行人 and the debtors as 被执行人, Origin
// "enforcement:<application id>" so that a retry opens no second case),
// marks it accepted, computes the enforcement fee on the fee schedule
// (诉讼费用交纳办法 Art. 14(一); not prepaid, paid after enforcement:
// Art. 20 para 2) and the deadline (six months from filing, 严格执行审限
// 规定 Art. 5, on the court's calendar), assigns the officers (each must be
// an enforcement officer of the court), and records the nodes "case filed"
// and "officers assigned", which reach the parties at once. Accepting an
// accepted application returns its record. Errors: errs.Invalid (field
// lead, officers); errs.Forbidden; errs.Conflict for a rejected one.
func (s *Service) Accept(ctx context.Context, id string, in AcceptInput) (Record, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return Record{}, err
	}
	a, err := loadApplication(ctx, s.db, id)
	if err != nil {
		return Record{}, err
	}
	if !p.Has(a.CourtID, auth.FilingOfficer, auth.CourtAdmin) {
		return Record{}, errs.New(errs.Forbidden, "enforcement.error.filing_only")
	}
	switch a.State {
	case AppAccepted:
		return s.record(ctx, a.CaseID)
	case AppRejected:
		return Record{}, errs.New(errs.Conflict, "enforcement.error.application_decided")
	}
	officers, err := s.checkOfficers(ctx, a.CourtID, in)
	if err != nil {
		return Record{}, err
	}
	ct, err := s.deps.Courts.Find(ctx, a.CourtID)
	if err != nil {
		return Record{}, err
	}
	today := s.today()
	quote, err := s.opts.Fees.Quote(fees.QuoteRequest{Kind: fees.Enforcement, AmountFen: a.AmountFen, Province: ct.Province, OnDate: today})
	if err != nil {
		return Record{}, err
	}
	// 严格执行审限规定 Art. 5: 执行案件应当在立案之日起六个月内执结 (CPL Art. 85
	// counting on the court's calendar).
	per, err := s.deps.Courts.ComputePeriod(ctx, court.PeriodRequest{Start: today, Months: 6, CourtID: a.CourtID})
	if err != nil {
		return Record{}, err
	}
	c, err := s.deps.Cases.Create(ctx, newCase(a))
	if err != nil {
		return Record{}, err
	}
	if c.Status == casefile.Filed {
		if c, err = s.deps.Cases.Transition(ctx, c.ID, casefile.Accepted, ""); err != nil {
			return Record{}, err
		}
	}
	filed, _ := s.cat.Kind("case_filed")
	assigned, _ := s.cat.Kind("officers_assigned")
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadApplication(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if cur.State != AppSubmitted {
			return nil // accepted meanwhile by another request
		}
		a.State, a.CaseID, a.DecidedBy, a.DecidedAt = AppAccepted, c.ID, p.UserID, &tx.Now
		if err := decideApplication(ctx, tx, a); err != nil {
			return err
		}
		r := Record{CaseID: c.ID, CourtID: c.CourtID, ApplicationID: a.ID, Number: c.Number, TypeCode: c.TypeCode, FiledOn: today,
			Deadline: per.End, AmountFen: a.AmountFen, FeeFen: quote.FeeFen, FeePayableLater: quote.PayableLater,
			FeeVersion: quote.ScheduleVersion, CreatedAt: tx.Now}
		if err := insertRecord(ctx, tx, r); err != nil {
			return err
		}
		if err := scheduleWarnings(ctx, tx, r); err != nil {
			return err
		}
		for i := range officers {
			officers[i].AssignedAt = tx.Now
			if err := insertOfficer(ctx, tx, c.CourtID, c.ID, officers[i], p.UserID); err != nil {
				return err
			}
		}
		if err := upsertContact(ctx, tx, c.CourtID, c.ID, a.ApplicantAccount, a.SMS); err != nil {
			return err
		}
		fn := Node{ID: ids.New(), CourtID: c.CourtID, CaseID: c.ID, Kind: filed.Code, Catalogue: s.cat.Version,
			Fields: map[string]string{"document_no": c.Number}, RecordedBy: p.UserID, Disclosed: true}
		if err := s.writeNode(ctx, tx, c, &fn, filed); err != nil {
			return err
		}
		an := Node{ID: ids.New(), CourtID: c.CourtID, CaseID: c.ID, Kind: assigned.Code, Catalogue: s.cat.Version,
			Text: itoa(len(officers)), RecordedBy: p.UserID, Disclosed: true}
		if err := s.writeNode(ctx, tx, c, &an, assigned); err != nil {
			return err
		}
		ev := bus.NewEvent(EventAccepted, map[string]any{"application_id": a.ID, "case_id": c.ID, "number": c.Number,
			"fee_fen": quote.FeeFen, "fee_payable_later": quote.PayableLater, "deadline": per.End.String()})
		ev.CourtID, ev.CaseID, ev.Actor = c.CourtID, c.ID, p.UserID
		if err := bus.Enqueue(ctx, tx, ev); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.application.accept", CourtID: c.CourtID, CaseID: c.ID,
			Target: a.ID, Detail: map[string]any{"number": c.Number, "fee_fen": quote.FeeFen, "deadline": per.End.String(),
				"officers": len(officers)}})
	})
	if err != nil {
		return Record{}, err
	}
	return s.record(ctx, c.ID)
}

// newCase is the casefile case an accepted application opens.
func newCase(a Application) casefile.NewCase {
	nc := casefile.NewCase{CourtID: a.CourtID, TypeCode: a.TypeCode, Cause: a.Cause, Procedure: casefile.Enforcement,
		Origin: "enforcement:" + a.ID, ParentCaseID: a.SourceCaseID}
	if a.PriorCaseID != "" {
		nc.ParentCaseID = a.PriorCaseID
	}
	if nc.Cause == "" {
		nc.Cause = "申请执行"
	}
	for _, p := range a.Parties {
		role := casefile.JudgmentCreditor
		if p.Side == SideDebtor {
			role = casefile.JudgmentDebtor
		}
		nc.Parties = append(nc.Parties, casefile.NewParty{Role: role, Kind: p.Kind, Name: p.Name, IDType: p.IDType,
			IDNumber: p.IDNumber, Phone: p.Phone, Address: p.Address, AccountID: p.AccountID})
	}
	return nc
}

// Reject refuses an application (裁定不予受理) with a reason, as a filing
// officer or court administrator of its court. Errors: errs.Invalid (field
// reason), errs.Conflict when it was decided already.
func (s *Service) Reject(ctx context.Context, id, reason string) (Application, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return Application{}, err
	}
	a, err := loadApplication(ctx, s.db, id)
	if err != nil {
		return Application{}, err
	}
	if !p.Has(a.CourtID, auth.FilingOfficer, auth.CourtAdmin) {
		return Application{}, errs.New(errs.Forbidden, "enforcement.error.filing_only")
	}
	reason = strings.TrimSpace(reason)
	var v errs.Collector
	checkText(&v, "reason", reason, true, 1000)
	if err := v.Err(); err != nil {
		return Application{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State != AppSubmitted {
			return errs.New(errs.Conflict, "enforcement.error.application_decided")
		}
		a.State, a.Reason, a.DecidedBy, a.DecidedAt = AppRejected, reason, p.UserID, &tx.Now
		if err := decideApplication(ctx, tx, a); err != nil {
			return err
		}
		ev := bus.NewEvent(EventRejected, map[string]any{"application_id": a.ID, "reason": reason})
		ev.CourtID, ev.Actor = a.CourtID, p.UserID
		if err := bus.Enqueue(ctx, tx, ev); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.application.reject", CourtID: a.CourtID, Target: a.ID,
			Detail: map[string]any{"reason": reason}})
	})
	return a, err
}
