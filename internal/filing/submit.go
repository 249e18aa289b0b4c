package filing

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Job kinds of the filing context.
const (
	// JobDeadline registers the case by default when the 7-day period
	// ends without a decision (登记立案规定 Art. 8). Key: the application ID.
	JobDeadline = "filing.register_by_default"
	// JobFinishAccept finishes an acceptance that was interrupted between
	// the case's creation and its recording. Key: the application ID.
	JobFinishAccept = "filing.finish_accept"
)

// Submit files a draft with the court, or files the completed correction
// of an application under correction. Every problem Check would report
// stops it (errs.Invalid, all problems at once). On success, in one
// transaction: the complaint's claim total is recorded, the statutory
// clock starts — the day of receipt is today and the 7-day period (CPL
// Art. 126) counts from tomorrow, on the court's calendar (CPL Art. 85);
// after a correction it starts again the day after the corrected material
// is received (Online Litigation Rules Art. 9(二), 民诉法解释 Art. 126) —,
// the register-by-default job is scheduled for the day after the last day,
// and the status, outbox event (…submitted or …corrected), timeline and
// audit entries are written.
//
// A submit of an application already submitted (a retried request) is not
// an error: the application is returned as it is. With once, replays are
// reported (replayed true).
func (s *Service) Submit(ctx context.Context, id string, once Once) (a *Application, replayed bool, err error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, false, err
	}
	a, err = s.authorize(ctx, s.db, id, needEdit)
	if err != nil {
		return nil, false, err
	}
	if a.FiledAs == AsAssisted {
		if !p.Has(a.CourtID, assistRoles...) && !p.HasAnywhere(auth.SharedCourtDirector) {
			return nil, false, errs.New(errs.Forbidden, "filing.error.forbidden")
		}
	} else if _, err := auth.RequireVerified(ctx); err != nil {
		return nil, false, err
	}
	if id, ok, err := s.seenKey(ctx, p.UserID, once); err != nil || ok {
		return s.replayed(ctx, id, err)
	}
	if once.Key == "" && once.FormToken == "" && !a.Status.Editable() {
		// Already submitted: a retry without a key finds it as it is.
		a, err = s.Get(ctx, id)
		return a, true, err
	}
	var pre *claimTotal
	if a.Status.Editable() {
		now := s.db.Now()
		if err := s.check(ctx, a, now); err != nil {
			return nil, false, err
		}
		pre = precompute(a, now)
	}
	// fresh is the application as the transaction left it, when this
	// request submitted a draft: returning it spares a second full read
	// of the application after the commit.
	var fresh *Application
	_, replayed, err = s.once(ctx, p.UserID, once, "submit:"+id, 200, func(tx *sqldb.Tx) (string, error) {
		fresh = nil
		// Lock the row first, so that concurrent submissions queue here and
		// each then reads the status the previous one committed.
		if _, err := tx.Exec(ctx, `UPDATE filing_application SET updated_at = updated_at WHERE court_id = ? AND id = ?`, a.CourtID, id); err != nil {
			return "", err
		}
		// The application read before the transaction is reused unless it
		// changed meanwhile: reading it whole again here would lengthen the
		// single writer's critical section for every submission.
		var (
			status  Status
			updated time.Time
			nEv     int
		)
		if err := tx.QueryRow(ctx, `SELECT status, updated_at,
			(SELECT COUNT(*) FROM filing_evidence WHERE court_id = ? AND application_id = ?)
			FROM filing_application WHERE court_id = ? AND id = ?`, a.CourtID, id, a.CourtID, id).Scan(&status, &updated, &nEv); err != nil {
			return "", err
		}
		cur := a
		if status != a.Status || !updated.Equal(a.UpdatedAt) || nEv != len(a.Evidence) {
			var err error
			if cur, err = loadApp(ctx, tx, id); err != nil {
				return "", err
			}
		}
		if !cur.Status.Editable() {
			return cur.ID, nil // submitted meanwhile by another request
		}
		first := cur.Status == Draft
		if cur != a {
			pre = nil // the application changed: its claims are read afresh
		}
		rec, err := s.fileInTx(ctx, tx, cur, pre)
		if err != nil {
			return "", err
		}
		if err := audit.Append(ctx, tx, rec); err != nil {
			return "", err
		}
		if first {
			fresh = cur // every column the transaction wrote, on the row it locked
		}
		return cur.ID, nil
	})
	if err != nil {
		return nil, false, err
	}
	if fresh != nil && !replayed {
		fresh.Cause = causeOf(fresh)
		s.clockOf(fresh, s.db.Now())
		return fresh, false, nil
	}
	a, err = s.reload(ctx, id)
	return a, replayed, err
}

// fileInTx files cur (a draft, or an application under correction that
// was completed) inside tx, after Check found nothing to stop it: it
// records the claim total, starts the statutory clock — the day of receipt
// is today and the 7-day period (CPL Art. 126) counts from tomorrow on the
// court's calendar (CPL Art. 85); after a correction it starts again the
// day after the corrected material is received (Online Litigation Rules
// Art. 9(二)) —, marks the correction notices completed, moves the status
// (outbox event, timeline, audit) and schedules the register-by-default
// job (登记立案规定 Art. 8). cur is updated with every column written. It
// returns the audit record of the transition for the caller to append.
func (s *Service) fileInTx(ctx context.Context, tx *sqldb.Tx, cur *Application, pre *claimTotal) (audit.Record, error) {
	received := calendar.DateOf(tx.Now.In(clock.China))
	total, err := pre.at(cur, received, tx.Now)
	if err != nil {
		return audit.Record{}, err
	}
	period, err := s.deadlineFor(ctx, cur.CourtID, received)
	if err != nil {
		return audit.Record{}, err
	}
	to, first := Submitted, cur.Status == Draft
	if !first {
		to = Resubmitted
	}
	inc := 0
	if !first {
		inc = 1
	}
	// Written by the status change's own UPDATE: one statement, not two.
	more := columns{set: `claim_total_fen = ?, period_start = ?, deadline = ?, corrections = corrections + ?,
		submitted_at = COALESCE(submitted_at, ?)`, args: []any{total, received.String(), period.End.String(), inc, tx.Now}}
	if !first {
		if _, err := tx.Exec(ctx, `UPDATE filing_notice SET completed_at = ? WHERE court_id = ? AND application_id = ? AND completed_at IS NULL`,
			tx.Now, cur.CourtID, cur.ID); err != nil {
			return audit.Record{}, err
		}
	}
	cur.ClaimTotalFen = total
	payload := map[string]any{"application_id": cur.ID, "court_id": cur.CourtID, "account_id": cur.AccountID,
		"template_id": cur.TemplateID, "cause": causeOf(cur), "claim_total_fen": total,
		"received": received.String(), "deadline": period.End.String()}
	detail := map[string]any{"received": received.String(), "deadline": period.End.String(), "provisional": period.Provisional}
	rec, err := s.move(ctx, tx, cur, to, more, payload, detail)
	if err != nil {
		return audit.Record{}, err
	}
	job := jobs.New(JobDeadline, cur.ID, dueAt(period.End), map[string]string{"application_id": cur.ID})
	job.CourtID = cur.CourtID
	if err := jobs.Schedule(ctx, tx, job); err != nil {
		return audit.Record{}, err
	}
	// Every column the transaction wrote.
	at := tx.Now
	cur.periodStart, cur.deadline, cur.Corrections = received, period.End, cur.Corrections+inc
	if first {
		cur.SubmittedAt = &at
	}
	return rec, nil
}

// claimTotal is the amount in dispute of an application's complaint,
// worked out before the submission's transaction: building the complaint
// (templates, interest to date) inside it would lengthen the single
// writer's critical section for every submission. It holds for the China
// date it was built on; nil, or another date, means build it again.
type claimTotal struct {
	day   calendar.Date
	total int64
	err   error
}

// precompute builds a's complaint as of now, for fileInTx.
func precompute(a *Application, now time.Time) *claimTotal {
	c, _, err := buildComplaint(a, now)
	return &claimTotal{day: calendar.DateOf(now.In(clock.China)), total: c.ClaimTotalFen, err: err}
}

// at returns the amount in dispute of cur's complaint received on day
// (at now): the precomputed one when it was built for that day, else built
// again.
func (p *claimTotal) at(cur *Application, day calendar.Date, now time.Time) (int64, error) {
	if p != nil && p.day == day {
		return p.total, p.err
	}
	c, _, err := buildComplaint(cur, now)
	return c.ClaimTotalFen, err
}
