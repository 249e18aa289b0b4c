package filing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Procedures an officer may choose on acceptance.
var Procedures = []casefile.Procedure{casefile.Ordinary, casefile.Simplified, casefile.SmallClaims}

// defaultProcedure is the procedure of a case registered by default: the
// ordinary procedure, until the court decides otherwise (民诉法 Art. 160:
// the simplified procedure is the court's choice for simple cases).
const defaultProcedure = casefile.Ordinary

// Accept registers the case of a pending application (CPL Art. 126; Online
// Litigation Rules Art. 9(一)) under procedure; only the court's filing
// staff may. The case is created in casefile with its number and the
// application records it; the outbox event ecourt.filing.application.accepted
// carries exactly the payload the fees context bills from.
//
// Acceptance is crash-safe and idempotent. casefile.CreateAsSystem runs its
// own transaction, so acceptance takes three steps:
//
//  1. one transaction marks the application as being accepted (the
//     decision, the procedure, the time) and schedules the
//     filing.finish_accept job a few minutes ahead;
//  2. under a lease on the application (so one worker at a time), the case
//     is created in casefile;
//  3. one transaction records the case on the application, moves it to
//     accepted, writes the event and audit entries, and settles the jobs.
//
// If the process dies between 2 and 3, the job retries: it takes the lease
// again and creates the case with the same origin ("filing:<application
// id>"), for which casefile returns the case the earlier attempt made
// instead of opening another (casefile.NewCase.Origin).
func (s *Service) Accept(ctx context.Context, id string, procedure casefile.Procedure) (*Application, error) {
	if !slices.Contains(Procedures, procedure) {
		return nil, errs.Fields(errs.Field("procedure", "filing_procedure"))
	}
	if err := s.startAccept(ctx, id, Accepted, procedure, ""); err != nil {
		return nil, err
	}
	if err := s.finishAccept(ctx, id); err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// startAccept is step 1. jobID is the deadline job's ID when the default
// registration runs inside it.
func (s *Service) startAccept(ctx context.Context, id string, kind Status, procedure casefile.Procedure, jobID string) error {
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var a *Application
		var err error
		if kind == RegisteredByDefault {
			a, err = loadApp(ctx, tx, id)
		} else {
			a, err = s.authorize(ctx, tx, id, needDecide)
		}
		if err != nil {
			return err
		}
		if a.acceptStarted != nil {
			return nil // already being accepted: finish it
		}
		if !CanMove(a.Status, kind) {
			return errs.New(errs.Conflict, "filing.error.transition", string(a.Status), string(kind))
		}
		res, err := tx.Exec(ctx, `UPDATE filing_application SET accept_started_at = ?, accept_kind = ?, procedure = ?, decided_by = ?,
			updated_at = ? WHERE court_id = ? AND id = ? AND status = ? AND accept_started_at IS NULL`,
			tx.Now, kind, procedure, audit.ActorFrom(ctx).UserID, tx.Now, a.CourtID, a.ID, a.Status)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "filing.error.changed")
		}
		job := jobs.New(JobFinishAccept, a.ID, tx.Now.Add(acceptLease+time.Minute), map[string]string{"application_id": a.ID})
		job.CourtID = a.CourtID
		if err := jobs.Schedule(ctx, tx, job); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "filing.application.accept_start", CourtID: a.CourtID, Target: a.ID,
			Detail: map[string]any{"kind": kind, "procedure": procedure}})
	})
}

// errAcceptBusy is returned when another worker holds the acceptance lease.
var errAcceptBusy = errs.New(errs.Conflict, "filing.error.accepting")

// finishAccept runs steps 2 and 3 (see Accept). It is idempotent.
func (s *Service) finishAccept(ctx context.Context, id string) error {
	var a *Application
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if a, err = loadApp(ctx, tx, id); err != nil {
			return err
		}
		if a.CaseID != "" || a.acceptStarted == nil {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE filing_application SET accept_lease = ?, accept_attempts = accept_attempts + 1
			WHERE court_id = ? AND id = ? AND case_id = '' AND accept_started_at IS NOT NULL AND (accept_lease IS NULL OR accept_lease < ?)`,
			tx.Now.Add(acceptLease), a.CourtID, a.ID, tx.Now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errAcceptBusy
		}
		return nil
	})
	if err != nil || a.CaseID != "" || a.acceptStarted == nil {
		return err
	}
	nc, err := s.newCase(ctx, a)
	if err != nil {
		return s.abandonAccept(ctx, a, err)
	}
	// The case carries the application as its origin, so a retry after a
	// crash between creating the case and recording it here gets the same
	// case back from casefile instead of a second one.
	nc.Origin = "filing:" + a.ID
	c, err := s.deps.Cases.CreateAsSystem(ctx, nc)
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			return s.abandonAccept(ctx, a, err)
		}
		return err
	}
	if s.afterCaseCreated != nil {
		if err := s.afterCaseCreated(a.ID); err != nil {
			return err
		}
	}
	return s.recordAccept(ctx, a.ID, c)
}

// abandonAccept undoes step 1 when the case cannot be created from the
// application (casefile refused its data), so the officer can correct or
// reject instead; the cause is returned.
func (s *Service) abandonAccept(ctx context.Context, a *Application, cause error) error {
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE filing_application SET accept_started_at = NULL, accept_lease = NULL, accept_kind = '',
			procedure = '', decided_by = '' WHERE court_id = ? AND id = ? AND case_id = ''`, a.CourtID, a.ID); err != nil {
			return err
		}
		if err := jobs.Cancel(ctx, tx, JobFinishAccept, a.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "filing.application.accept_failed", CourtID: a.CourtID, Target: a.ID,
			Detail: map[string]any{"error": cause.Error()}})
	})
	return errors.Join(errs.Wrap(errs.Conflict, "filing.error.case_refused", cause), err)
}

// recordAccept is step 3.
func (s *Service) recordAccept(ctx context.Context, id string, c casefile.Case) error {
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a, err := loadApp(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.CaseID != "" {
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE filing_application SET case_id = ?, case_number = ?, decided_at = ?, accept_lease = NULL
			WHERE court_id = ? AND id = ? AND case_id = ''`, c.ID, c.Number, tx.Now, a.CourtID, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "filing.error.changed")
		}
		a.CaseID, a.CaseNumber = c.ID, c.Number
		payer := a.AccountID
		if a.FiledAs == AsAssisted {
			payer = "" // the person has no account yet; the clerk does not pay for them
		}
		payerParty := ""
		if i := a.payerIndex(); i >= 0 && i < len(c.Parties) {
			payerParty = c.Parties[i].ID
		}
		feeKind := ""
		if t, err := findTemplate(a.TemplateID, a.TemplateVersion); err == nil {
			feeKind = t.FeeKind
		}
		// The fees context bills from this payload (诉讼费用交纳办法 Art. 22:
		// the plaintiff prepays within 7 days of the fee notice).
		accepted := map[string]any{"application_id": a.ID, "case_id": c.ID, "court_id": a.CourtID,
			"payer_account_id": payer, "payer_party_id": payerParty, "fee_kind": feeKind,
			"amount_fen": a.ClaimTotalFen, "procedure": a.Procedure}
		detail := map[string]any{"case_id": c.ID, "case_number": c.Number, "procedure": a.Procedure}
		if a.acceptKind == RegisteredByDefault {
			// Registered by default: its own event for notifications, and
			// the accepted event for the fee bill.
			if err := s.transition(ctx, tx, a, RegisteredByDefault, map[string]any{"application_id": a.ID, "case_id": c.ID,
				"court_id": a.CourtID, "case_number": c.Number, "deadline": a.deadline.String()}, detail); err != nil {
				return err
			}
			if err := s.enqueue(ctx, tx, a, eventOf[Accepted], accepted); err != nil {
				return err
			}
		} else if err := s.transition(ctx, tx, a, Accepted, accepted, detail); err != nil {
			return err
		}
		if err := settleJob(ctx, tx, JobDeadline, a.ID); err != nil {
			return err
		}
		return settleJob(ctx, tx, JobFinishAccept, a.ID)
	})
}

// currentJobKey carries the job a handler runs.
type currentJobKey struct{}

// settleJob ends a timer that the decision made moot: the job that is
// running now is marked done in this transaction (jobs.Done), any other is
// cancelled.
func settleJob(ctx context.Context, tx *sqldb.Tx, kind, key string) error {
	if j, ok := ctx.Value(currentJobKey{}).(jobs.Job); ok && j.Kind == kind && j.Key == key {
		return jobs.Done(ctx, tx, j.ID)
	}
	return jobs.Cancel(ctx, tx, kind, key)
}

// payerIndex is the index of the party who prepays: the represented
// client, else the first plaintiff.
func (a *Application) payerIndex() int {
	if a.Representative != nil && a.Representative.Client >= 0 && a.Representative.Client < len(a.Parties) {
		return a.Representative.Client
	}
	return slices.IndexFunc(a.Parties, func(p Party) bool { return p.Role == "plaintiff" })
}

// newCase builds the casefile's NewCase from the application.
func (s *Service) newCase(ctx context.Context, a *Application) (casefile.NewCase, error) {
	t, err := findTemplate(a.TemplateID, a.TemplateVersion)
	if err != nil {
		return casefile.NewCase{}, err
	}
	nc := casefile.NewCase{CourtID: a.CourtID, TypeCode: t.TypeCode, Cause: t.Cause, CauseCode: t.CauseCode,
		Procedure: casefile.Procedure(a.Procedure), SpecCode: specCode(t.CourtKind)}
	linked := a.payerIndex()
	for i, p := range a.Parties {
		np := casefile.NewParty{Role: casefile.PartyRole(p.Role), Kind: casefile.PartyKind(p.Kind), Name: p.Name,
			IDType: p.IDType, IDNumber: p.IDNumber, Phone: p.Phone, Address: p.Address}
		if np.IDNumber == "" {
			np.IDType = ""
		} else if !slices.Contains(casefile.IDTypes, np.IDType) {
			np.IDType = "other"
		}
		if np.Kind != casefile.Organisation {
			np.Kind = casefile.Person
		}
		if i == linked {
			switch a.FiledAs {
			case AsSelf:
				np.AccountID = a.AccountID
			case AsLawyer, AsAgent:
				np.AccountID = a.ClientAccountID
			}
		}
		nc.Parties = append(nc.Parties, np)
		if p.Kind == "organisation" && strings.TrimSpace(p.LegalRep) != "" {
			nc.Representatives = append(nc.Representatives, casefile.NewRepresentative{PartyIndex: i,
				Kind: casefile.LegalRep, Name: p.LegalRep})
		}
	}
	if r := a.Representative; r != nil && (a.FiledAs == AsLawyer || a.FiledAs == AsAgent) && linked >= 0 {
		kind := casefile.Agent
		if a.FiledAs == AsLawyer {
			kind = casefile.Lawyer
		}
		nc.Representatives = append(nc.Representatives, casefile.NewRepresentative{PartyIndex: linked, Kind: kind,
			Name: r.Name, AccountID: a.AccountID, LicenceNo: r.LicenceNo, Firm: r.Firm, Phone: r.Phone})
	}
	return nc, nil
}

// specCode is the 专门审判代字 of a template's court kind (法〔2018〕335号):
// 知 for intellectual-property cases. Maritime cases have none (the
// maritime court numbers 民初 under its own code, e.g. 浙72).
func specCode(courtKind string) string {
	if courtKind == "ip" {
		return "知"
	}
	return ""
}

// RequestCorrection sends the one correction notice of a pending
// application (Online Litigation Rules Art. 9(二); 登记立案规定 Art. 7):
// every deficiency at once, as checklist items (data/config.json) and
// free text, with the date by which to complete it (dueDays from today,
// default from the configuration). The clock stops; it starts again the
// day after the completed correction is received (Submit). Paper is never
// asked for: material filed online is not requested again on paper (Art. 9).
func (s *Service) RequestCorrection(ctx context.Context, id string, items []string, note string, dueDays int) (*Application, error) {
	var v errs.Collector
	items = slices.Compact(slices.Sorted(slices.Values(items)))
	for _, it := range items {
		if !slices.Contains(s.cfg.CorrectionItems, it) {
			v.Add("items", "filing_correction_item")
			break
		}
	}
	note = strings.TrimSpace(note)
	if len(items) == 0 && note == "" {
		v.Add("items", "filing_correction_empty")
	}
	if slices.Contains(items, "other") && note == "" {
		v.Add("note", "required")
	}
	checkText(&v, "note", note, false, 5000)
	if dueDays == 0 {
		dueDays = s.cfg.CorrectionDueDays
	}
	if dueDays < 1 || dueDays > 60 {
		v.Add("due_days", "filing_due_days", 1, 60)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a, err := s.authorize(ctx, tx, id, needDecide)
		if err != nil {
			return err
		}
		if a.acceptStarted != nil {
			return errAcceptBusy
		}
		today := calendar.DateOf(tx.Now.In(clock.China))
		due := today.Plus(dueDays)
		n := Notice{ID: ids.New(), Items: items, Note: note, Due: due.String(), RequestedAt: tx.Now}
		if _, err := tx.Exec(ctx, `INSERT INTO filing_notice (court_id, id, application_id, items, note, due, requested_by, requested_at, completed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`, a.CourtID, n.ID, a.ID, jsonText(items), note, n.Due,
			audit.ActorFrom(ctx).UserID, tx.Now); err != nil {
			return err
		}
		payload := map[string]any{"application_id": a.ID, "court_id": a.CourtID, "account_id": a.AccountID,
			"notice_id": n.ID, "items": items, "note": note, "due": n.Due}
		if err := s.transition(ctx, tx, a, CorrectionRequested, payload, map[string]any{"notice_id": n.ID, "items": items, "due": n.Due}); err != nil {
			return err
		}
		return jobs.Cancel(ctx, tx, JobDeadline, a.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Reject refuses a pending application (不予受理, CPL Art. 126; Online
// Litigation Rules Art. 9(三)) with the reasons, which the litigant sees
// together with the right to appeal the ruling within 10 days of its
// service (CPL Art. 157(一), 171).
func (s *Service) Reject(ctx context.Context, id, reason string) (*Application, error) {
	reason = strings.TrimSpace(reason)
	var v errs.Collector
	checkText(&v, "reason", reason, true, 5000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a, err := s.authorize(ctx, tx, id, needDecide)
		if err != nil {
			return err
		}
		if a.acceptStarted != nil {
			return errAcceptBusy
		}
		if _, err := tx.Exec(ctx, `UPDATE filing_application SET reject_reason = ?, decided_at = ?, decided_by = ? WHERE court_id = ? AND id = ?`,
			reason, tx.Now, audit.ActorFrom(ctx).UserID, a.CourtID, a.ID); err != nil {
			return err
		}
		payload := map[string]any{"application_id": a.ID, "court_id": a.CourtID, "account_id": a.AccountID,
			"reason": reason, "appeal_days": s.cfg.AppealDays}
		if err := s.transition(ctx, tx, a, Rejected, payload, map[string]any{"reason": reason}); err != nil {
			return err
		}
		return jobs.Cancel(ctx, tx, JobDeadline, a.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// AppealBy returns the last day to appeal a rejection if the ruling is
// served on the day of the decision (electronic service takes effect when
// it reaches the recipient's system: Online Litigation Rules Art. 31), on
// the court's calendar: 10 days, counted from the next day (CPL Art. 85,
// 171).
func (s *Service) AppealBy(ctx context.Context, a *Application) (calendar.Date, error) {
	if a.Status != Rejected || a.DecidedAt == nil {
		return calendar.Date{}, errs.New(errs.Conflict, "filing.error.not_rejected")
	}
	p, err := s.deps.Courts.ComputePeriod(ctx, courtPeriod(a.CourtID, calendar.DateOf(a.DecidedAt.In(clock.China)), s.cfg.AppealDays))
	return p.End, err
}

// RegisterJobs registers the filing context's job handlers: default
// registration when the 7-day period passes (登记立案规定 Art. 8), and the
// completion of interrupted acceptances.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobDeadline, s.handleDeadline)
	r.Register(JobFinishAccept, s.handleFinishAccept)
}

// handleDeadline registers the case by default when the application is
// still undecided after its last day.
func (s *Service) handleDeadline(ctx context.Context, j jobs.Job) error {
	var in struct {
		ApplicationID string `json:"application_id"`
	}
	if err := j.Decode(&in); err != nil {
		return err
	}
	ctx = context.WithValue(audit.WithActor(ctx, audit.Actor{}), currentJobKey{}, j)
	a, err := loadApp(ctx, s.db, in.ApplicationID)
	if err != nil {
		return err
	}
	today := calendar.DateOf(s.db.Now().In(clock.China))
	if !a.Status.Pending() || !today.After(a.deadline) {
		return nil // decided, stopped by a correction, or moved: nothing to do
	}
	if err := s.startAccept(ctx, a.ID, RegisteredByDefault, defaultProcedure, j.ID); err != nil {
		return err
	}
	return s.finishAccept(ctx, a.ID)
}

// handleFinishAccept completes an interrupted acceptance.
func (s *Service) handleFinishAccept(ctx context.Context, j jobs.Job) error {
	var in struct {
		ApplicationID string `json:"application_id"`
	}
	if err := j.Decode(&in); err != nil {
		return err
	}
	ctx = context.WithValue(audit.WithActor(ctx, audit.Actor{}), currentJobKey{}, j)
	return s.finishAccept(ctx, in.ApplicationID)
}
