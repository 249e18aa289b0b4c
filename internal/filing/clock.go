package filing

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/clock"
)

// Clock is the statutory clock of an application: the 7-day period of CPL
// Art. 126 within which the court decides. Start is the day of receipt
// (the complaint, or the completed correction); the period counts from the
// next day (CPL Art. 85, 民诉法解释 Art. 125 and 126; Online Litigation
// Rules Art. 9(二)), and a last day that is a rest day moves to the next
// working day. Days are calendar days, as the law counts them.
type Clock struct {
	Start    string `json:"start"`
	Deadline string `json:"deadline"`
	// DaysLeft counts calendar days from today to Deadline (0 on the last
	// day, negative when overdue).
	DaysLeft int  `json:"days_left"`
	Overdue  bool `json:"overdue"`
	// Stopped is true while a correction is outstanding: the period
	// starts again the day after the correction is received.
	Stopped bool `json:"stopped"`
	// Rolled is true when the last day moved over rest days (holidays).
	Rolled bool `json:"rolled"`
	// Provisional is true when a year without a published holiday notice
	// was involved.
	Provisional bool `json:"provisional"`
}

// deadlineFor computes the last day of the decision period that starts on
// the day after received, on the court's calendar.
func (s *Service) deadlineFor(ctx context.Context, courtID string, received calendar.Date) (court.Period, error) {
	return s.deps.Courts.ComputePeriod(ctx, court.PeriodRequest{Start: received, Days: s.cfg.DecisionDays, CourtID: courtID})
}

// clockOf fills a.Clock for today.
func (s *Service) clockOf(a *Application, now time.Time) {
	if a.deadline == (calendar.Date{}) {
		a.Clock = nil
		return
	}
	today := calendar.DateOf(now.In(clock.China))
	c := &Clock{Start: a.periodStart.String(), Deadline: a.deadline.String(), Stopped: a.Status == CorrectionRequested,
		Rolled: a.deadline.After(a.periodStart.Plus(s.cfg.DecisionDays))}
	c.DaysLeft = calendar.DaysLeft(today, a.deadline)
	c.Overdue = a.Status.Pending() && today.After(a.deadline)
	a.Clock = c
}

// dueAt is when the period has passed: the start of the day after the
// deadline, China time.
func dueAt(deadline calendar.Date) time.Time {
	return deadline.Plus(1).Time()
}

func courtPeriod(courtID string, start calendar.Date, days int) court.PeriodRequest {
	return court.PeriodRequest{Start: start, Days: days, CourtID: courtID}
}
