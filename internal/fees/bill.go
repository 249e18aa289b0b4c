package fees

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Status is the state of a bill.
type Status string

// The bill statuses.
const (
	Unpaid         Status = "unpaid"
	Paid           Status = "paid"
	Refunded       Status = "refunded"
	PartlyRefunded Status = "partly_refunded"
	Deferred       Status = "deferred" // 缓交 approved (Art. 47): a new due date
	Waived         Status = "waived"   // 免交 approved (Art. 45): nothing to pay
	Reduced        Status = "reduced"  // 减交 approved (Art. 46): a smaller amount
	Overdue        Status = "overdue"  // unpaid after the due date: the judge decides (民诉法解释 Art. 213)
)

// Statuses lists every bill status.
var Statuses = []Status{Unpaid, Paid, Refunded, PartlyRefunded, Deferred, Waived, Reduced, Overdue}

// transitions is the bill's state machine: the statuses each may move to.
var transitions = map[Status][]Status{
	Unpaid:         {Paid, Overdue, Deferred, Reduced, Waived},
	Overdue:        {Paid, Deferred, Reduced, Waived},
	Deferred:       {Paid, Overdue, Reduced, Waived, Deferred},
	Reduced:        {Paid, Overdue, Deferred, Waived},
	Paid:           {Refunded, PartlyRefunded},
	PartlyRefunded: {PartlyRefunded, Refunded},
}

// payable are the statuses in which a bill can be paid.
var payable = []Status{Unpaid, Overdue, Deferred, Reduced}

func checkTransition(from, to Status) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	return errs.New(errs.Conflict, "fees.error.transition", string(from), string(to))
}

// Bill is a fee notice (交纳诉讼费用通知): what one payer owes in one case.
// AmountFen is what is due now (after a reduction or waiver); OriginalFen
// the fee as quoted. DueDate is the last day to pay (Art. 22: 7 days from
// the day after the notice, on the court calendar).
type Bill struct {
	ID              string        `json:"id"`
	CourtID         string        `json:"court_id"`
	CaseID          string        `json:"case_id"`
	CaseNumber      string        `json:"case_number"`
	PayerAccountID  string        `json:"payer_account_id"`
	PayerPartyID    string        `json:"payer_party_id"`
	PayerName       string        `json:"payer_name"`
	Kind            Kind          `json:"kind"`
	Procedure       string        `json:"procedure"`
	ClaimFen        money.Fen     `json:"claim_fen"`
	OriginalFen     money.Fen     `json:"original_fen"`
	AmountFen       money.Fen     `json:"amount_fen"`
	Quote           Quote         `json:"quote"`
	ScheduleVersion string        `json:"schedule_version"`
	NoticeDate      calendar.Date `json:"notice_date"`
	DueDate         calendar.Date `json:"due_date"`
	Status          Status        `json:"status"`
	PaidFen         money.Fen     `json:"paid_fen"`
	RefundedFen     money.Fen     `json:"refunded_fen"`
	ReceiptNo       string        `json:"receipt_no,omitempty"`
	PaidAt          *time.Time    `json:"paid_at,omitempty"`
	CreatedAt       time.Time     `json:"created_at"`
	UpdatedAt       time.Time     `json:"updated_at"`

	courtCode string
	createdBy string
	flagged   bool
}

// NewBill describes a bill to issue. AmountFen is the amount the fee is
// computed on (see QuoteRequest), not the fee. PayerAccountID may be empty:
// the party's linked account then pays. CourtID, when given, must be the
// case's court.
type NewBill struct {
	CaseID         string
	CourtID        string
	PayerAccountID string
	PayerPartyID   string
	Kind           Kind
	AmountFen      money.Fen
	Procedure      string
	Halving        []Halving
}

// staffRoles may issue bills and see every bill of their court's cases.
var staffRoles = []auth.Role{auth.FilingOfficer, auth.CourtAdmin, auth.Judge, auth.JudgeAssistant, auth.Clerk, auth.EnforcementOfficer}

type systemKey struct{}

func asSystem(ctx context.Context) context.Context { return context.WithValue(ctx, systemKey{}, true) }

func isSystem(ctx context.Context) bool { v, _ := ctx.Value(systemKey{}).(bool); return v }

// IssueBill computes the fee and issues the notice: the bill, its audit
// entry "fees.bill.issue" and the event ecourt.fees.bill.issued, in one
// transaction. The notice day is today (China time) and the due date 7 days
// later on the court's calendar (Art. 22, CPL Art. 85). The caller must be
// case-handling staff of the case's court (filing officer, court
// administrator, judge, assistant, clerk, enforcement officer).
// Errors: unauthenticated; not_found/forbidden from the casefile check;
// forbidden for other roles; invalid for bad fields (and "fees.error.no_fee"
// when the fee comes to nothing); unavailable when the court calendar does
// not cover the due date.
func (s *Service) IssueBill(ctx context.Context, nb NewBill) (Bill, error) {
	return s.issue(ctx, nb, "")
}

// issue issues nb; with eventID set (the accepted event) it runs as the
// system and only the first delivery of the event creates the bill.
func (s *Service) issue(ctx context.Context, nb NewBill, eventID string) (Bill, error) {
	var v errs.Collector
	if nb.CaseID == "" {
		v.Add("case_id", "required")
	}
	if nb.PayerPartyID == "" {
		v.Add("payer_party_id", "required")
	}
	if err := v.Err(); err != nil {
		return Bill{}, err
	}
	cctx := ctx
	if eventID != "" {
		cctx = casefile.AsSystem(ctx)
	} else if _, err := auth.Require(ctx); err != nil {
		return Bill{}, err
	}
	c, err := s.cases.Authorize(cctx, nb.CaseID, casefile.NeedRecord)
	if err != nil {
		return Bill{}, err
	}
	if eventID == "" {
		if _, err := auth.RequireRole(ctx, c.CourtID, staffRoles...); err != nil {
			return Bill{}, err
		}
	}
	if nb.CourtID != "" && nb.CourtID != c.CourtID {
		v.AddField(fieldErr("court_id", "case_court"))
	}
	party, ok := c.Party(nb.PayerPartyID)
	if !ok {
		v.AddField(fieldErr("payer_party_id", "not_party"))
	}
	if nb.PayerAccountID == "" {
		nb.PayerAccountID = party.AccountID
	}
	if err := v.Err(); err != nil {
		return Bill{}, err
	}
	ct, err := s.courts.Find(ctx, c.CourtID)
	if err != nil {
		return Bill{}, err
	}
	cal, err := s.courts.CalendarFor(ctx, c.CourtID)
	if err != nil {
		return Bill{}, err
	}
	notice := calendar.Today(s.clock())
	q, err := s.sched.Quote(QuoteRequest{Kind: nb.Kind, AmountFen: nb.AmountFen, Procedure: nb.Procedure,
		Halving: nb.Halving, Province: ct.Province, OnDate: notice})
	if err != nil {
		return Bill{}, err
	}
	if q.FeeFen <= 0 {
		return Bill{}, errs.New(errs.Invalid, "fees.error.no_fee")
	}
	ver, _ := s.sched.At(notice)
	// Art. 22: within 7 days from the day after the notice; CPL Art. 85
	// moves a last day that is a rest day to the next working day.
	due, err := cal.AddDays(notice, ver.PaymentDays)
	if err != nil {
		if errors.Is(err, calendar.ErrUnknownYear) {
			return Bill{}, errs.Wrap(errs.Unavailable, "fees.error.calendar", err)
		}
		return Bill{}, err
	}
	code := ct.CaseCode
	if code == "" {
		code = ct.Code
	}
	b := Bill{
		ID: ids.New(), CourtID: c.CourtID, CaseID: c.ID, CaseNumber: c.Number, PayerAccountID: nb.PayerAccountID,
		PayerPartyID: party.ID, PayerName: party.Name, Kind: nb.Kind, Procedure: nb.Procedure, ClaimFen: nb.AmountFen,
		OriginalFen: q.FeeFen, AmountFen: q.FeeFen, Quote: q, ScheduleVersion: q.ScheduleVersion,
		NoticeDate: notice, DueDate: due, Status: Unpaid, courtCode: code,
		createdBy: audit.ActorFrom(ctx).UserID,
	}
	created := false
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		created = false
		if eventID != "" {
			first, err := bus.Once(ctx, tx, consumerAccepted, eventID)
			if err != nil || !first {
				return err
			}
		}
		b.CreatedAt, b.UpdatedAt = tx.Now, tx.Now
		if err := insertBill(ctx, tx, b); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "fees.bill.issue", CourtID: b.CourtID, CaseID: b.CaseID, Target: b.ID,
			Detail: map[string]any{"kind": b.Kind, "amount_fen": b.AmountFen, "due_date": b.DueDate, "event_id": eventID}}); err != nil {
			return err
		}
		created = true
		if err := s.scheduleOverdue(ctx, tx, b); err != nil {
			return err
		}
		return enqueue(ctx, tx, "ecourt.fees.bill.issued", b, map[string]any{
			"bill_id": b.ID, "case_id": b.CaseID, "court_id": b.CourtID, "payer_account_id": b.PayerAccountID,
			"payer_party_id": b.PayerPartyID, "kind": b.Kind, "amount_fen": b.AmountFen,
			"notice_date": b.NoticeDate, "due_date": b.DueDate, "claim_fen": b.ClaimFen, "original_fen": b.OriginalFen,
			"halved": b.Quote.Halved, "procedure": b.Procedure,
		})
	})
	if err != nil {
		return Bill{}, err
	}
	if !created {
		return Bill{}, errDuplicate
	}
	return b, nil
}

var errDuplicate = errors.New("fees: event already handled")

// enqueue writes an event about bill b to the outbox.
func enqueue(ctx context.Context, tx *sqldb.Tx, typ string, b Bill, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID, ev.Actor = b.CourtID, b.CaseID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}

// standing is what the caller may do with a bill.
type standing struct {
	payer bool // the payer, or the payer party's representative
	staff bool // staff of the bill's court, or a platform administrator
	c     casefile.Case
}

// access checks that the principal in ctx may see bill b (pay: may pay
// it): the casefile's check for reading the case first, then the payer or
// their representative (or, to see, the court's staff). Another party of
// the same case gets forbidden.
func (s *Service) access(ctx context.Context, b Bill, pay bool) (standing, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return standing{}, err
	}
	c, err := s.cases.Authorize(ctx, b.CaseID, casefile.NeedRead)
	if err != nil {
		return standing{}, err
	}
	st := standing{c: c, payer: isPayer(p, c, b)}
	st.staff = p.Has(b.CourtID, staffRoles...) || p.Has("", auth.PlatformAdmin)
	if pay && !st.payer {
		return st, errs.New(errs.Forbidden, "fees.error.not_payer")
	}
	if !st.payer && !st.staff {
		return st, errs.New(errs.Forbidden, "fees.error.forbidden")
	}
	return st, nil
}

// isPayer reports whether p is the bill's payer, the payer party's linked
// account, or a representative of the payer party.
func isPayer(p auth.Principal, c casefile.Case, b Bill) bool {
	if b.PayerAccountID != "" && b.PayerAccountID == p.UserID {
		return true
	}
	if pt, ok := c.Party(b.PayerPartyID); ok && pt.AccountID != "" && pt.AccountID == p.UserID {
		return true
	}
	for _, r := range c.Representatives {
		if r.PartyID == b.PayerPartyID && r.AccountID != "" && r.AccountID == p.UserID {
			return true
		}
	}
	return false
}

// FindBill returns a bill to its payer, the payer's representative or the
// court's staff, and audits the read ("fees.bill.read"). Errors:
// unauthenticated; not_found (no such bill, or no standing in its case);
// forbidden (another party of the case).
func (s *Service) FindBill(ctx context.Context, id string) (Bill, error) {
	b, _, err := s.readBill(ctx, id, false)
	return b, err
}

func (s *Service) readBill(ctx context.Context, id string, pay bool) (Bill, standing, error) {
	if _, err := auth.Require(ctx); err != nil {
		return Bill{}, standing{}, err
	}
	b, err := loadBill(ctx, s.db, id)
	if err != nil {
		return Bill{}, standing{}, err
	}
	st, err := s.access(ctx, b, pay)
	if err != nil {
		return Bill{}, st, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "fees.bill.read", CourtID: b.CourtID, CaseID: b.CaseID, Target: b.ID})
	})
	return b, st, err
}

// ListCaseBills returns the bills of a case the caller may see: all of
// them for the court's staff, their own for a payer or representative
// (possibly none). Errors as for casefile Authorize.
func (s *Service) ListCaseBills(ctx context.Context, caseID string) ([]Bill, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.cases.Authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return nil, err
	}
	all, err := listBills(ctx, s.db, c.CourtID, c.ID)
	if err != nil {
		return nil, err
	}
	staff := p.Has(c.CourtID, staffRoles...) || p.Has("", auth.PlatformAdmin)
	out := []Bill{}
	for _, b := range all {
		if staff || isPayer(p, c, b) {
			out = append(out, b)
		}
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "fees.bill.list", CourtID: c.CourtID, CaseID: c.ID,
			Detail: map[string]any{"count": len(out)}})
	})
	return out, err
}
