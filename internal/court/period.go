package court

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Calendar returns the national court calendar (the State Council holiday
// notices). Use CalendarFor when the court is known: it adds that court's
// local closures.
func (s *Service) Calendar() *calendar.Calendar { return s.cal }

// CalendarFor returns the calendar of the court ref (an ID or a code): its
// local calendar when the deployment configured one (WithLocalCalendar, by
// the court's code or, for a tribunal, its basic court's code), else the
// national calendar. errs.NotFound when there is no such court.
func (s *Service) CalendarFor(ctx context.Context, ref string) (*calendar.Calendar, error) {
	c, err := s.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	if cal, ok := s.local[c.Code]; ok {
		return cal, nil
	}
	if cal, ok := s.local[c.CaseCode]; ok {
		return cal, nil
	}
	return s.cal, nil
}

// PeriodRequest asks for the last day of a period: Start is the triggering
// day (送达之日, 立案之日, …), and exactly one of Days and Months is set.
// CourtID, an ID or a code ("" for the national calendar), selects the
// court's calendar.
type PeriodRequest struct {
	Start   calendar.Date
	Days    int
	Months  int
	CourtID string
}

// Period is the answer to a PeriodRequest.
type Period struct {
	Start calendar.Date
	Days  int // as asked; 0 when the period is in months
	// Months is as asked; 0 when the period is in days.
	Months int
	// NominalEnd is the last day before CPL Art. 85's roll-forward.
	NominalEnd calendar.Date
	// End is the legal last day: NominalEnd, or the first working day after it.
	End calendar.Date
	// Skipped lists the rest days between NominalEnd and End (the days the
	// last day moved over), with the holiday name where the notice gives one.
	Skipped []SkippedDay
	// Provisional is true when a year the computation looked at has no
	// published holiday notice: End assumes ordinary weekends there and may
	// still move. Unpublished names those years.
	Provisional bool
	Unpublished []int
}

// SkippedDay is one rest day a period's last day moved over. Name is the
// holiday's name as in the State Council notice ("国庆节") or a court
// closure's name, "" for an ordinary weekend day.
type SkippedDay struct {
	Date calendar.Date
	Name string
}

// Limits of the period endpoint: long enough for every period of the CPL
// (the longest, the 2-year enforcement application period of Art. 250, is 24
// months) with a margin.
const (
	MaxPeriodDays   = 3660
	MaxPeriodMonths = 120
)

// ComputePeriod returns the last day of a period under CPL (2023) Art. 85:
// the triggering day is not counted (民诉法解释 Art. 125), a period in days
// ends on the n-th following day, a period in months on the corresponding
// day (Civil Code Art. 202), and a last day that is a rest day moves to the
// first working day after it. Years without a published holiday notice are
// estimated with weekends only and the answer is marked Provisional. Bad
// input is an errs.Invalid error with fields "days"/"months" (neither or
// both given, or out of range) and "court" (unknown court).
func (s *Service) ComputePeriod(ctx context.Context, req PeriodRequest) (Period, error) {
	var bad errs.Collector
	switch {
	case (req.Days == 0) == (req.Months == 0):
		bad.AddField(errs.FieldError{Field: "days", Code: "one_of", Key: "court.field.period_one_of"})
	case req.Days != 0 && (req.Days < 1 || req.Days > MaxPeriodDays):
		bad.AddField(errs.FieldError{Field: "days", Code: "range", Key: "court.field.range", Args: []any{1, MaxPeriodDays}})
	case req.Months != 0 && (req.Months < 1 || req.Months > MaxPeriodMonths):
		bad.AddField(errs.FieldError{Field: "months", Code: "range", Key: "court.field.range", Args: []any{1, MaxPeriodMonths}})
	}
	if !req.Start.Valid() {
		bad.Add("start", "date")
	}
	cal := s.cal
	if req.CourtID != "" {
		c, err := s.CalendarFor(ctx, req.CourtID)
		if err != nil {
			bad.AddField(errs.FieldError{Field: "court", Code: "unknown", Key: "court.field.court"})
		}
		cal = c
	}
	if err := bad.Err(); err != nil {
		return Period{}, err
	}
	p := Period{Start: req.Start, Days: req.Days, Months: req.Months}
	var res calendar.Result
	var err error
	if req.Days > 0 {
		p.NominalEnd = req.Start.Plus(req.Days)
		res, err = cal.Provisional().AddDays(req.Start, req.Days)
	} else {
		p.NominalEnd = addMonths(req.Start, req.Months)
		res, err = cal.Provisional().AddMonths(req.Start, req.Months)
	}
	if err != nil {
		return Period{}, err
	}
	p.End, p.Provisional, p.Unpublished = res.Date, res.Provisional, res.Unpublished
	if p.Unpublished == nil {
		p.Unpublished = []int{}
	}
	p.Skipped = []SkippedDay{}
	for d := p.NominalEnd; d.Before(p.End); d = d.Plus(1) {
		name, _ := cal.HolidayName(d)
		p.Skipped = append(p.Skipped, SkippedDay{Date: d, Name: name})
	}
	return p, nil
}

// addMonths is Civil Code Art. 202's corresponding day, n months after
// start, or that month's last day when it has none; no roll-forward.
func addMonths(start calendar.Date, n int) calendar.Date {
	m0 := int(start.M) - 1 + n
	y, m := start.Y+m0/12, time.Month(m0%12+1)
	d := start.D
	for d > 28 && !calendar.NewDate(y, m, d).Valid() {
		d--
	}
	return calendar.NewDate(y, m, d)
}
