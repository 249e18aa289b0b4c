package enforcement

import (
	"context"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Warning levels of a case's deadline: a month and a week before it, and
// after it.
const (
	WarnMonth   = "30"
	WarnWeek    = "7"
	WarnOverdue = "overdue"
)

// record loads a case's record and works out its deadline figures. It
// checks no access: callers have done so.
func (s *Service) record(ctx context.Context, caseID string) (Record, error) {
	r, err := loadRecord(ctx, s.db, caseID)
	if err != nil {
		return Record{}, err
	}
	if r.Escalation, err = loadEscalation(ctx, s.db, caseID); err != nil {
		return Record{}, err
	}
	s.figures(&r, s.today())
	return r, nil
}

// figures sets DaysLeft and Warning of r on day today.
func (s *Service) figures(r *Record, today calendar.Date) {
	r.DaysLeft = calendar.DaysLeft(today, r.Due())
	switch {
	case r.ConcludedOn != nil:
		r.Warning = ""
	case r.DaysLeft < 0:
		r.Warning = WarnOverdue
	case r.DaysLeft <= 7:
		r.Warning = WarnWeek
	case r.DaysLeft <= 30:
		r.Warning = WarnMonth
	}
}

// escalable reports whether the applicant may ask the higher court to
// enforce on day today. CPL Art. 237: "人民法院自收到申请执行书之日起超过
// 六个月未执行的，申请执行人可以向上一级人民法院申请执行" — counted from the
// day the application was received; a case concluded or enforced in full
// is not stalled. Whether it really was "未执行" is for the higher court.
func escalable(r Record, received, today calendar.Date) bool {
	if r.Escalation != nil || r.ConcludedOn != nil {
		return false
	}
	if r.AmountFen > 0 && r.EnforcedFen >= r.AmountFen {
		return false
	}
	return today.After(received.PlusMonths(6))
}

// Case returns the enforcement record of a case to those who may read the
// case (the casefile's check, audited): deadline and warning, fee,
// officers, escalation. For the applicant's side CanEscalate says whether
// the page should offer the CPL Art. 237 request.
func (s *Service) Case(ctx context.Context, caseID string) (Record, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return Record{}, err
	}
	return s.caseFor(ctx, st)
}

func (s *Service) caseFor(ctx context.Context, st standing) (Record, error) {
	r, err := s.record(ctx, st.c.ID)
	if err != nil {
		return Record{}, err
	}
	if st.is(Applicant) {
		a, err := loadApplication(ctx, s.db, r.ApplicationID)
		if err != nil {
			return Record{}, err
		}
		r.CanEscalate = escalable(r, a.SubmittedDate(), s.today())
	}
	return r, nil
}

// ExtendInput extends a case's deadline (严格执行审限规定 Art. 5: 经本院院长
// 批准，可以延长三个月，还需延长的，层报高级人民法院备案). Approver names who
// approved (the court president's account or name); a second extension
// needs HighCourtFiled, the confirmation that it was reported to the high
// court.
type ExtendInput struct {
	Months         int    `json:"months"`
	Approver       string `json:"approver"`
	Reason         string `json:"reason"`
	HighCourtFiled bool   `json:"high_court_filed"`
}

// Extend records an approved extension of the deadline, as an officer of
// the case or a court administrator: the new deadline is Months (1–3)
// after the current one on the court's calendar. Errors: errs.Invalid
// (months, approver, reason, high_court_filed); errs.Forbidden.
func (s *Service) Extend(ctx context.Context, caseID string, in ExtendInput) (Record, error) {
	ctx = withActor(ctx)
	r, err := loadRecord(ctx, s.db, caseID)
	if err != nil {
		return Record{}, err
	}
	st, err := s.authorize(ctx, caseID, casefile.NeedRecord, r.Officers)
	if err != nil {
		return Record{}, err
	}
	if err := st.requireOfficer(); err != nil {
		return Record{}, err
	}
	in.Approver, in.Reason = strings.TrimSpace(in.Approver), strings.TrimSpace(in.Reason)
	var v errs.Collector
	if in.Months < 1 || in.Months > 3 {
		v.Add("months", "enforcement_extension_months")
	}
	checkText(&v, "approver", in.Approver, true, 100)
	checkText(&v, "reason", in.Reason, true, 1000)
	if r.ExtendedTo != nil && !in.HighCourtFiled {
		v.Add("high_court_filed", "enforcement_high_court_filing")
	}
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	per, err := s.deps.Courts.ComputePeriod(ctx, court.PeriodRequest{Start: r.Due(), Months: in.Months, CourtID: r.CourtID})
	if err != nil {
		return Record{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadRecord(ctx, tx, caseID)
		if err != nil {
			return err
		}
		if cur.Due() != r.Due() {
			return errs.New(errs.Conflict, "enforcement.error.changed")
		}
		end := per.End
		cur.ExtendedTo, cur.ExtensionReason, cur.ExtensionApprover = &end, in.Reason, in.Approver
		if err := updateRecord(ctx, tx, cur); err != nil {
			return err
		}
		if err := scheduleWarnings(ctx, tx, cur); err != nil {
			return err
		}
		detail := map[string]any{"deadline": end.String(), "months": in.Months, "approver": in.Approver}
		ev := bus.NewEvent(EventExtended, map[string]any{"case_id": caseID, "deadline": end.String(), "approver": in.Approver})
		ev.CourtID, ev.CaseID, ev.Actor = cur.CourtID, caseID, st.userID
		if err := bus.Enqueue(ctx, tx, ev); err != nil {
			return err
		}
		if err := scheduleTimeline(ctx, tx, cur.CourtID, caseID, "enforcement.extended", false, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.case.extend", CourtID: cur.CourtID, CaseID: caseID,
			Detail: map[string]any{"deadline": end.String(), "months": in.Months, "approver": in.Approver, "reason": in.Reason}})
	})
	if err != nil {
		return Record{}, err
	}
	return s.caseFor(ctx, st)
}

// EscalateInput is the applicant's request to the higher court.
type EscalateInput struct {
	PartyID string `json:"party_id,omitempty"`
	Reason  string `json:"reason"`
}

// Escalate records the applicant's request that the higher court enforce
// (CPL Art. 237) once the case has gone six months from the application
// without being enforced, and opens a 执监 record for it at the court above
// (its ParentCaseID is this case, so the higher court's staff may read
// this one). Errors: errs.Forbidden for callers not on the applicant's
// side; errs.Conflict (enforcement.error.not_escalable) when the case is
// not eligible or has been escalated; errs.Invalid (reason).
func (s *Service) Escalate(ctx context.Context, caseID string, in EscalateInput) (Escalation, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return Escalation{}, err
	}
	pt, err := st.applicantParty(in.PartyID)
	if err != nil {
		return Escalation{}, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var v errs.Collector
	checkText(&v, "reason", in.Reason, true, 2000)
	if err := v.Err(); err != nil {
		return Escalation{}, err
	}
	r, err := s.caseFor(ctx, st)
	if err != nil {
		return Escalation{}, err
	}
	if !r.CanEscalate {
		return Escalation{}, errs.New(errs.Conflict, "enforcement.error.not_escalable")
	}
	ct, err := s.deps.Courts.Find(ctx, r.CourtID)
	if err != nil {
		return Escalation{}, err
	}
	if ct.ParentID == "" {
		return Escalation{}, errs.New(errs.Conflict, "enforcement.error.not_escalable")
	}
	// The new record needs the parties unmasked: the platform reads them.
	sys := casefile.AsSystem(ctx)
	full, err := s.deps.Cases.Authorize(sys, caseID, casefile.NeedRead)
	if err != nil {
		return Escalation{}, err
	}
	nc := casefile.NewCase{CourtID: ct.ParentID, TypeCode: TypeSupervision, Cause: full.Cause, Procedure: casefile.Enforcement,
		ParentCaseID: caseID, Origin: "enforcement-escalation:" + caseID}
	for _, q := range full.Parties {
		role := casefile.PartyRole("")
		switch {
		case q.ID == pt.ID:
			role = casefile.Applicant
		case audienceOf(q.Role) == Respondent:
			role = casefile.Respondent
		default:
			continue
		}
		nc.Parties = append(nc.Parties, casefile.NewParty{Role: role, Kind: q.Kind, Name: q.Name, IDType: q.IDType,
			IDNumber: q.IDNumber, Phone: q.Phone, Address: q.Address, AccountID: q.AccountID})
	}
	sup, err := s.deps.Cases.Create(sys, nc)
	if err != nil {
		return Escalation{}, err
	}
	e := Escalation{ID: ids.New(), CaseID: caseID, HigherCourtID: ct.ParentID, PartyID: pt.ID, Reason: in.Reason,
		SupervisionCaseID: sup.ID, RequestedBy: st.userID}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if cur, err := loadEscalation(ctx, tx, caseID); err != nil || cur != nil {
			if cur != nil {
				e = *cur // a retry: the first request stands
			}
			return err
		}
		e.RequestedAt = tx.Now
		if err := insertEscalation(ctx, tx, r.CourtID, e); err != nil {
			return err
		}
		detail := map[string]any{"escalation_id": e.ID, "case_id": caseID, "supervision_case_id": sup.ID, "higher_court_id": ct.ParentID}
		ev := bus.NewEvent(EventEscalated, detail)
		ev.CourtID, ev.CaseID, ev.Actor = r.CourtID, caseID, st.userID
		if err := bus.Enqueue(ctx, tx, ev); err != nil {
			return err
		}
		if err := scheduleTimeline(ctx, tx, r.CourtID, caseID, "enforcement.escalated", false, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.case.escalate", CourtID: r.CourtID, CaseID: caseID,
			Target: e.ID, Detail: detail})
	})
	if err != nil {
		return Escalation{}, err
	}
	return e, nil
}

// OfficerCase is one line of an officer's list.
type OfficerCase struct {
	Record
	PendingLeads int `json:"pending_leads"`
	OverdueLeads int `json:"overdue_leads"`
}

// OfficerCases lists the cases the signed-in officer is assigned to, by
// deadline, with their unanswered and overdue leads (overdue ones first
// among equals is the page's business: it flags them).
func (s *Service) OfficerCases(ctx context.Context) ([]OfficerCase, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.HasAnywhere(auth.EnforcementOfficer) {
		return nil, errs.New(errs.Forbidden, "enforcement.error.officer_only")
	}
	recs, err := casesOfOfficer(ctx, s.db, p.UserID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	counts, err := pendingLeadCounts(ctx, s.db, p.UserID, today)
	if err != nil {
		return nil, err
	}
	out := []OfficerCase{}
	for _, r := range recs {
		if !p.Has(r.CourtID, auth.EnforcementOfficer) {
			continue // no longer an officer of that court
		}
		// Every case read passes the casefile's check and is audited there.
		if _, err := s.deps.Cases.Authorize(ctx, r.CaseID, casefile.NeedRead); err != nil {
			if c := errs.CodeOf(err); c == errs.NotFound || c == errs.Forbidden {
				continue
			}
			return nil, err
		}
		s.figures(&r, today)
		c := counts[r.CaseID]
		out = append(out, OfficerCase{Record: r, PendingLeads: c[0], OverdueLeads: c[1]})
	}
	return out, nil
}
