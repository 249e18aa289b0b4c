package calendar

import (
	"errors"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// The period rules, CPL (2023) Art. 85 (第八十五条):
//
//	期间以时、日、月、年计算。期间开始的时和日，不计算在期间内。
//	期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期。
//	期间不包括在途时间，诉讼文书在期满前交邮的，不算过期。
//
// 民诉法解释 (2022) Art. 125: periods counted in days, months or years run
// from the next day (从次日起算).
//
// Months and years: Civil Code Art. 202 (按照年、月计算期间的，到期月的对应日为
// 期间的最后一日；没有对应日的，月末日为期间的最后一日) — the day of the final
// month with the same number as the triggering day, or that month's last day
// if it has none. The SPC's 2014 answer on computing 审理期限 says the same
// (立案 2014-05-28 + 3 months → 2014-08-28) and names Saturdays and Sundays as
// 法定休假日 for the roll-forward [secondary source; the Civil Code and that
// answer are not in the reference folder]. Days inside the period are never
// deducted; only the last day moves.
//
// Time in transit (在途时间) is not part of a period: a document posted before
// the period ends is in time. That is a question of which date an act counts
// as done (the postmark date), for the caller; these functions only give the
// last day.

// AddDays returns the legal last day of a period of n days triggered on start
// (送达之日, 立案之日, …): start is not counted, the n-th following day is the
// last day, and if that is a rest day the period ends on the first working day
// after it (CPL Art. 85). n must be at least 1. It returns ErrUnknownYear when
// a day it must inspect lies in an unpublished year.
func (c *Calendar) AddDays(start Date, n int) (Date, error) {
	p := probe{c: c}
	return p.addDays(start, n)
}

// AddMonths returns the legal last day of a period of n months triggered on
// start: the day of the n-th following month with start's day number, or that
// month's last day when it has no such day (2026-01-31 + 1 month →
// 2026-02-28), moved to the next working day if it is a rest day. n must be at
// least 1. Errors as for AddDays.
func (c *Calendar) AddMonths(start Date, n int) (Date, error) {
	p := probe{c: c}
	return p.addMonths(start, n)
}

// AddYears returns the legal last day of a period of n years triggered on
// start; it is AddMonths(start, 12*n), so 2024-02-29 + 1 year → 2025-02-28.
func (c *Calendar) AddYears(start Date, n int) (Date, error) {
	p := probe{c: c}
	return p.addYears(start, n)
}

// AddWorkingDays returns the last day of a period of n working days (工作日)
// triggered on start: start is not counted and the n-th working day after it
// is the last day. It serves the working-day periods of the Online Mediation
// Rules (人民法院在线调解规则, 2021): Art. 10 (parties choose a mediator within
// 2 working days; the court designates within 3), Art. 12 (the mediator
// accepts within 3 working days), Art. 15 (the other side is notified within
// 3 working days). The calendar-day mediation periods of Art. 24 (30, 15 and
// 7 days) use AddDays. n must be at least 1; errors as for AddDays.
func (c *Calendar) AddWorkingDays(start Date, n int) (Date, error) {
	p := probe{c: c}
	return p.addWorkingDays(start, n)
}

// maxRoll bounds the search for a working day so that pathological closure
// data cannot loop forever.
const maxRoll = 400

var errNoWorkingDay = errors.New("calendar: no working day within 400 days")

func badCount(n int) error {
	return errs.New(errs.Invalid, "calendar.invalid_period", n)
}

func (p *probe) addDays(start Date, n int) (Date, error) {
	if !start.Valid() {
		return Date{}, invalidDate(start)
	}
	if n < 1 {
		return Date{}, badCount(n)
	}
	// CPL Art. 85 para 2 / 民诉法解释 Art. 125: the triggering day is not counted.
	return p.roll(start.Plus(n))
}

func (p *probe) addMonths(start Date, n int) (Date, error) {
	if !start.Valid() {
		return Date{}, invalidDate(start)
	}
	if n < 1 || n > 12*1000 {
		return Date{}, badCount(n)
	}
	// Civil Code Art. 202: the corresponding day, or the month's last day.
	return p.roll(start.PlusMonths(n))
}

func (p *probe) addYears(start Date, n int) (Date, error) {
	if n < 1 || n > 1000 {
		return Date{}, badCount(n)
	}
	return p.addMonths(start, 12*n)
}

func (p *probe) addWorkingDays(start Date, n int) (Date, error) {
	if !start.Valid() {
		return Date{}, invalidDate(start)
	}
	if n < 1 || n > 10000 {
		return Date{}, badCount(n)
	}
	d, gap := start, 0
	for count := 0; count < n; {
		d = d.Plus(1)
		ok, err := p.working(d)
		if err != nil {
			return Date{}, err
		}
		if ok {
			count, gap = count+1, 0
		} else if gap++; gap > maxRoll {
			return Date{}, errs.Wrap(errs.Internal, "", errNoWorkingDay)
		}
	}
	return d, nil
}

// roll applies CPL Art. 85 para 3: a last day on a rest day (法定休假日) moves
// to the first working day after it.
func (p *probe) roll(last Date) (Date, error) {
	for i := 0; i <= maxRoll; i++ {
		ok, err := p.working(last)
		if err != nil {
			return Date{}, err
		}
		if ok {
			return last, nil
		}
		last = last.Plus(1)
	}
	return Date{}, errs.Wrap(errs.Internal, "", errNoWorkingDay)
}
