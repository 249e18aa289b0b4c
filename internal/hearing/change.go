package hearing

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Reschedule moves a hearing that has not opened to a new start (and
// duration and courtroom when given), with the same checks as Schedule
// (notice, courtroom, conflicts). reason is required. Writes
// ecourt.hearing.hearing.rescheduled with the new Summons (Seq increased),
// the audit entry and the timeline entry "hearing.rescheduled".
func (s *Service) Reschedule(ctx context.Context, hearingID string, startsAt time.Time, duration time.Duration, courtroom, reason string) (Hearing, error) {
	h, err := s.findForStaff(ctx, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	if h.Status != Scheduled {
		return Hearing{}, errs.New(errs.Conflict, "hearing.error.not_scheduled")
	}
	var v errs.Collector
	if startsAt.IsZero() {
		v.Add("starts_at", "required")
	} else if !noticeOK(startsAt, s.clock().Now()) {
		v.Add("starts_at", "hearing_notice", NoticeDays)
	}
	if duration == 0 {
		duration = h.EndsAt.Sub(h.StartsAt)
	}
	if duration < MinDuration || duration > MaxDuration {
		v.Add("duration_minutes", "hearing_duration")
	}
	if courtroom = strings.TrimSpace(courtroom); courtroom != "" {
		checkLen(&v, "courtroom", courtroom, 100)
		h.Courtroom = courtroom
	}
	if strings.TrimSpace(reason) == "" {
		v.Add("reason", "required")
	}
	checkLen(&v, "reason", reason, 1000)
	if err := v.Err(); err != nil {
		return Hearing{}, err
	}
	h.StartsAt = startsAt.UTC().Truncate(time.Second)
	h.EndsAt = h.StartsAt.Add(duration)
	h.Seq++
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadHearing(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		if cur.Status != Scheduled || cur.Seq != h.Seq-1 {
			return errs.New(errs.Conflict, "hearing.error.changed")
		}
		if err := s.checkConflicts(ctx, tx, h); err != nil {
			return err
		}
		h.UpdatedAt = tx.Now
		if err := updateHearing(ctx, tx, h); err != nil {
			return err
		}
		return s.record(ctx, tx, h, "rescheduled", "reschedule", strings.TrimSpace(reason))
	})
	if err != nil {
		return Hearing{}, err
	}
	return h, nil
}

// Cancel cancels a hearing that has not opened, with a reason (required).
// Writes ecourt.hearing.hearing.cancelled, the audit entry and the timeline
// entry "hearing.cancelled". Cancelling a cancelled hearing changes
// nothing and returns it.
func (s *Service) Cancel(ctx context.Context, hearingID, reason string) (Hearing, error) {
	h, err := s.findForStaff(ctx, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	if h.Status == Cancelled {
		return h, nil
	}
	if h.Status != Scheduled {
		return Hearing{}, errs.New(errs.Conflict, "hearing.error.not_scheduled")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Hearing{}, errs.Fields(errs.Field("reason", "required"))
	}
	if utf8.RuneCountInString(reason) > 1000 {
		return Hearing{}, errs.Fields(errs.Field("reason", "too_long", 1000))
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadHearing(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		if cur.Status != Scheduled {
			return errs.New(errs.Conflict, "hearing.error.changed")
		}
		h.Status, h.CancelReason, h.UpdatedAt = Cancelled, reason, tx.Now
		h.Seq++
		if err := updateHearing(ctx, tx, h); err != nil {
			return err
		}
		return s.record(ctx, tx, h, "cancelled", "cancel", reason)
	})
	if err != nil {
		return Hearing{}, err
	}
	return h, nil
}

// findForStaff loads a hearing for the case's staff.
func (s *Service) findForStaff(ctx context.Context, hearingID string) (Hearing, error) {
	if _, err := auth.Require(ctx); err != nil {
		return Hearing{}, err
	}
	h, err := loadHearing(ctx, s.db, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	if _, _, err := s.staffOf(ctx, h.CaseID); err != nil {
		return Hearing{}, err
	}
	return h, nil
}

// Find returns a hearing to anyone who may read its case (casefile
// Authorize, audited). Errors: errs.NotFound for an unknown hearing or a
// reader without standing.
func (s *Service) Find(ctx context.Context, hearingID string) (Hearing, error) {
	if _, err := auth.Require(ctx); err != nil {
		return Hearing{}, err
	}
	h, err := loadHearing(ctx, s.db, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	if _, err := s.deps.Cases.Authorize(ctx, h.CaseID, casefile.NeedRead); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return Hearing{}, errs.New(errs.NotFound, "hearing.error.not_found")
		}
		return Hearing{}, err
	}
	return h, nil
}

// ListForCase returns the case's hearings, earliest first, to anyone who
// may read the case.
func (s *Service) ListForCase(ctx context.Context, caseID string) ([]Hearing, error) {
	if _, err := s.deps.Cases.Authorize(ctx, caseID, casefile.NeedRead); err != nil {
		return nil, err
	}
	hs, err := listHearings(ctx, s.db, `case_id = ?`, caseID)
	if hs == nil {
		hs = []Hearing{}
	}
	return hs, err
}
