package enforcement

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// DefaultLeadAnswerDays is the answer period of a property lead where the
// court has set none: 最高人民法院关于民事执行中财产调查若干问题的规定
// (法释〔2017〕8号) Art. 2 para 2, "申请执行人提供被执行人财产线索的，人民法院
// 应当在七日内调查核实" (quoted from memory; not in the rules file). A court
// may set its own period (SetLeadAnswerDays), counted on its calendar (CPL
// Art. 85).
const DefaultLeadAnswerDays = 7

// Bounds of a court's lead answer period.
const (
	MinLeadAnswerDays = 1
	MaxLeadAnswerDays = 60
)

// LeadInput is a property lead the applicant sends.
type LeadInput struct {
	PartyID  string    `json:"party_id,omitempty"`
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
	Position *Position `json:"position,omitempty"`
	Files    []File    `json:"-"`
}

// SubmitLead records a property lead (财产线索) of the applicant's side
// (the applicant or their representative) with attachments and a
// position. Its answer day is the court's lead answer period after today
// on the court's calendar; the officers see it on their list, flagged once
// overdue. Writes the lead, the outbox event EventLeadSubmitted, a
// staff-only timeline entry (the debtor must not learn of it) and the
// audit entry. Errors: errs.Invalid with field codes; errs.Forbidden for
// callers not on the applicant's side.
func (s *Service) SubmitLead(ctx context.Context, caseID string, in LeadInput) (Lead, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return Lead{}, err
	}
	pt, err := st.applicantParty(in.PartyID)
	if err != nil {
		return Lead{}, err
	}
	if _, err := loadRecord(ctx, s.db, caseID); err != nil {
		return Lead{}, err
	}
	in.Text = strings.TrimSpace(in.Text)
	var v errs.Collector
	if !slices.Contains(LeadKinds, in.Kind) {
		v.Add("kind", "enforcement_lead_kind")
	}
	checkText(&v, "text", in.Text, true, maxText)
	checkPosition(&v, in.Position)
	if len(in.Files) > MaxAttachments {
		v.Add("files", "enforcement_too_many_files", MaxAttachments)
	}
	if err := v.Err(); err != nil {
		return Lead{}, err
	}
	days, err := s.LeadAnswerDays(ctx, st.c.CourtID)
	if err != nil {
		return Lead{}, err
	}
	per, err := s.deps.Courts.ComputePeriod(ctx, court.PeriodRequest{Start: s.today(), Days: days, CourtID: st.c.CourtID})
	if err != nil {
		return Lead{}, err
	}
	atts, err := s.storeAll(ctx, in.Files)
	if err != nil {
		return Lead{}, err
	}
	l := Lead{ID: ids.New(), CourtID: st.c.CourtID, CaseID: st.c.ID, PartyID: pt.ID, Kind: in.Kind, Text: in.Text,
		Position: in.Position, SubmittedBy: st.userID, DueOn: per.End, State: LeadPending, Attachments: atts}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		l.SubmittedAt = tx.Now
		if err := insertLead(ctx, tx, l); err != nil {
			return err
		}
		for i, a := range atts {
			if err := insertAttachment(ctx, tx, l.CourtID, l.CaseID, "lead", l.ID, i+1, a); err != nil {
				return err
			}
		}
		payload := map[string]any{"lead_id": l.ID, "case_id": l.CaseID, "state": l.State, "due_on": l.DueOn.String()}
		if err := enqueueEvent(ctx, tx, EventLeadSubmitted, l.CourtID, l.CaseID, payload); err != nil {
			return err
		}
		if err := scheduleTimeline(ctx, tx, l.CourtID, l.CaseID, "enforcement.lead_submitted", true,
			map[string]any{"lead_id": l.ID, "kind": l.Kind, "due_on": l.DueOn.String()}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.lead.submit", CourtID: l.CourtID, CaseID: l.CaseID,
			Target: l.ID, Detail: map[string]any{"kind": l.Kind, "due_on": l.DueOn.String(), "attachments": len(atts),
				"position": l.Position != nil}})
	})
	if err != nil {
		return Lead{}, err
	}
	return l, nil
}

// AnswerInput is an officer's answer to a lead.
type AnswerInput struct {
	State  string `json:"state"` // accepted, acted_on, rejected
	Answer string `json:"answer"`
}

// AnswerLead records an officer's answer to a lead: accepted, acted on, or
// rejected with a reason (required), following the lead state machine
// (pending → accepted | acted_on | rejected; accepted → acted_on |
// rejected). The applicant's side is notified (inbox, SMS if chosen).
// Errors: errs.Invalid (state, answer); errs.Conflict for a move the state
// machine does not allow or a concurrent answer; errs.Forbidden for callers
// who are not officers of the case.
func (s *Service) AnswerLead(ctx context.Context, leadID string, in AnswerInput) (Lead, error) {
	ctx = withActor(ctx)
	l, err := loadLead(ctx, s.db, leadID)
	if err != nil {
		return Lead{}, err
	}
	rec, err := loadRecord(ctx, s.db, l.CaseID)
	if err != nil {
		return Lead{}, err
	}
	st, err := s.authorize(ctx, l.CaseID, casefile.NeedRecord, rec.Officers)
	if err != nil {
		return Lead{}, err
	}
	if err := st.requireOfficer(); err != nil {
		return Lead{}, err
	}
	in.Answer = strings.TrimSpace(in.Answer)
	var v errs.Collector
	switch in.State {
	case LeadAccepted, LeadActedOn, LeadRejected:
	default:
		v.Add("state", "enforcement_lead_state")
	}
	// A rejection must say why: the applicant can then bring a better lead
	// or raise it with the court.
	checkText(&v, "answer", in.Answer, in.State == LeadRejected, maxText)
	if err := v.Err(); err != nil {
		return Lead{}, err
	}
	from := l.State
	if !canAnswer(from, in.State) {
		return Lead{}, errs.New(errs.Conflict, "enforcement.error.lead_answered")
	}
	courtZH, courtEN := s.courtNames(ctx, l.CourtID)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		l.State, l.Answer, l.AnsweredBy, l.AnsweredAt = in.State, in.Answer, st.userID, &tx.Now
		ok, err := answerLead(ctx, tx, l, from)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.Conflict, "enforcement.error.lead_answered")
		}
		payload := map[string]any{"lead_id": l.ID, "case_id": l.CaseID, "state": l.State, "due_on": l.DueOn.String()}
		if err := enqueueEvent(ctx, tx, EventLeadAnswered, l.CourtID, l.CaseID, payload); err != nil {
			return err
		}
		if err := scheduleTimeline(ctx, tx, l.CourtID, l.CaseID, "enforcement.lead_answered", true,
			map[string]any{"lead_id": l.ID, "state": l.State}); err != nil {
			return err
		}
		if s.deps.Notifier != nil {
			sms, err := smsChoices(ctx, tx, l.CourtID, l.CaseID)
			if err != nil {
				return err
			}
			if rs := recipients(st.c, Applicant, sms); len(rs) > 0 {
				if err := s.deps.Notifier.Notify(ctx, tx, Notice{ID: "enforcement.lead:" + l.ID + ":" + l.State, Ref: "enforcement.lead:" + l.ID,
					Recipients: rs, Template: NoticeLeadAnswered, CourtID: l.CourtID, CaseID: l.CaseID,
					Data: map[string]string{"case_number": st.c.Number, "state": l.State, "answer": l.Answer,
						"link": "/enforcement/cases/" + l.CaseID, "court_name": courtZH, "court_name_en": courtEN}}); err != nil {
					return err
				}
			}
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.lead.answer", CourtID: l.CourtID, CaseID: l.CaseID,
			Target: l.ID, Detail: map[string]any{"from": from, "to": l.State}})
	})
	if err != nil {
		return Lead{}, err
	}
	l.Overdue = false
	return l, nil
}

// Leads returns the leads of a case: all of them to the court's staff,
// their own side's to the applicant's side; the respondent's side gets
// errs.Forbidden (a debtor must not learn which assets were pointed out).
// Overdue is set on leads still pending after their answer day.
func (s *Service) Leads(ctx context.Context, caseID string) ([]Lead, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return nil, err
	}
	return s.leadsFor(ctx, st)
}

func (s *Service) leadsFor(ctx context.Context, st standing) ([]Lead, error) {
	if !st.is(Staff) && !st.is(Applicant) {
		return nil, errs.New(errs.Forbidden, "enforcement.error.applicant_only")
	}
	ls, err := loadLeads(ctx, s.db, st.c.CourtID, st.c.ID)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := []Lead{}
	for _, l := range ls {
		if !st.is(Staff) && !st.own[l.PartyID] {
			continue
		}
		l.Overdue = l.State == LeadPending && today.After(l.DueOn)
		out = append(out, l)
	}
	return out, nil
}

// LeadAnswerDays returns the lead answer period of a court.
func (s *Service) LeadAnswerDays(ctx context.Context, courtID string) (int, error) {
	n, ok, err := leadAnswerDays(ctx, s.db, courtID)
	if err != nil || !ok {
		return s.opts.LeadAnswerDays, err
	}
	return n, nil
}

// SetLeadAnswerDays sets a court's lead answer period (court
// administrators of the court, platform administrators). Errors:
// errs.Invalid (days, MinLeadAnswerDays–MaxLeadAnswerDays); errs.Forbidden.
func (s *Service) SetLeadAnswerDays(ctx context.Context, courtID string, days int) error {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if !p.Has(courtID, auth.CourtAdmin) && !p.Has("", auth.PlatformAdmin) {
		return errs.New(errs.Forbidden, "enforcement.error.admin_only")
	}
	if days < MinLeadAnswerDays || days > MaxLeadAnswerDays {
		return errs.Fields(errs.Field("days", "enforcement_lead_days", MinLeadAnswerDays, MaxLeadAnswerDays))
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := upsertSetting(ctx, tx, courtID, days, p.UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.setting.lead_days", CourtID: courtID,
			Detail: map[string]any{"days": days}})
	})
}

// SetSMS records whether the caller wants this case's news by SMS too.
// Parties and their representatives only.
func (s *Service) SetSMS(ctx context.Context, caseID string, sms bool) error {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return err
	}
	if len(st.own) == 0 {
		return errs.New(errs.Forbidden, "enforcement.error.party_only")
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := upsertContact(ctx, tx, st.c.CourtID, st.c.ID, st.userID, sms); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.contact.set", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Detail: map[string]any{"sms": sms}})
	})
}

// enqueueEvent writes an enforcement event to the outbox in tx.
func enqueueEvent(ctx context.Context, tx *sqldb.Tx, typ, courtID, caseID string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID, ev.Actor = courtID, caseID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}
