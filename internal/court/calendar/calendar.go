// Package calendar knows which days are working days for Chinese courts and
// computes the last day of procedural periods under CPL (2023) Art. 85.
//
// Dates are civil dates (type Date) in court-local time, clock.China. The
// holiday arrangement of each year comes from the State Council notice for
// that year and is versioned data (data/holidays_cn.json, embedded), not code:
// a year whose notice is not loaded is unknown, and every function that needs
// it fails with ErrUnknownYear instead of guessing. Calendar.Provisional gives
// a weekends-only estimate for such years that is marked as provisional.
//
// A day is a rest day when it is an off day of a notice (including the
// Saturdays and Sundays inside a holiday block), a court-local closure, or an
// ordinary Saturday or Sunday that the notice has not made an adjusted working
// day (调休上班). Every other day is a working day.
package calendar

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Calendar answers working-day questions from loaded holiday data. Build one
// with Default, Load or With; a Calendar is immutable and safe for concurrent
// use.
type Calendar struct {
	years    map[int]*yearData
	closures []Closure
	off      map[Date]string // notice off days → holiday name
	work     map[Date]bool   // adjusted working Saturdays/Sundays
	closed   map[Date]string // court-local closures → name
}

// ErrUnknownYear is the sentinel for a date whose holiday arrangement is not
// published (or not loaded). Test with errors.Is(err, calendar.ErrUnknownYear);
// errors.As(err, new(*calendar.UnknownYearError)) gives the year. The error
// returned is an *errs.Error with code Unavailable and key
// "calendar.unknown_year" (argument: the year), so it also matches
// errs.ErrUnavailable.
var ErrUnknownYear = errors.New("calendar: holiday arrangement of the year is not published")

// UnknownYearError names the year whose notice is missing.
type UnknownYearError struct{ Year int }

func (e *UnknownYearError) Error() string {
	return fmt.Sprintf("calendar: holiday arrangement of %d is not published", e.Year)
}

// Is makes errors.Is(err, ErrUnknownYear) true.
func (e *UnknownYearError) Is(target error) bool { return target == ErrUnknownYear }

func unknownYear(y int) error {
	return &errs.Error{Code: errs.Unavailable, Key: "calendar.unknown_year", Args: []any{y}, Cause: &UnknownYearError{Year: y}}
}

func invalidDate(d Date) error {
	return errs.New(errs.Invalid, "calendar.invalid_date", fmt.Sprintf("%d-%d-%d", d.Y, int(d.M), d.D))
}

// tailDays is how far back into December a next year's notice has reached:
// the 2008 notice made 2007-12-29 (Sat) a working day and 2007-12-31 (Mon) an
// off day; the 2012 notice made 2011-12-31 a working day; the 2017 and 2023
// notices put 2016-12-31 and 2022-12-31 in the 元旦 block. So 29–31 December
// of year Y are known only once the notice for Y+1 is loaded too.
const tailFrom = 29

// missingNotice returns the year whose notice is needed to know d and is not
// published, if any.
func (c *Calendar) missingNotice(d Date) (int, bool) {
	if !c.published(d.Y) {
		return d.Y, true
	}
	if d.M == time.December && d.D >= tailFrom && !c.published(d.Y+1) {
		return d.Y + 1, true
	}
	return 0, false
}

func (c *Calendar) published(y int) bool {
	yd, ok := c.years[y]
	return ok && yd.meta.Published
}

// restDay reports whether d is a rest day according to the loaded data,
// regardless of whether its year is published.
func (c *Calendar) restDay(d Date) bool {
	if _, ok := c.closed[d]; ok {
		return true
	}
	if _, ok := c.off[d]; ok {
		return true
	}
	return isWeekend(d) && !c.work[d]
}

// IsWorkingDay reports whether courts work on d. It returns ErrUnknownYear
// (see there) when the holiday notice for d's year is not loaded, and for
// 29–31 December also when the next year's notice is not, because that notice
// may move those days. An invalid d is an Invalid error.
func (c *Calendar) IsWorkingDay(d Date) (bool, error) {
	p := probe{c: c}
	return p.working(d)
}

// IsHoliday reports whether d is a named rest day: an off day of a holiday
// notice (including the weekend days inside a holiday block) or a court-local
// closure. An ordinary weekend is not a holiday (but is not a working day
// either). Errors as for IsWorkingDay.
func (c *Calendar) IsHoliday(d Date) (bool, error) {
	if !d.Valid() {
		return false, invalidDate(d)
	}
	if y, miss := c.missingNotice(d); miss {
		return false, unknownYear(y)
	}
	_, ok := c.HolidayName(d)
	return ok, nil
}

// HolidayName returns the name of the holiday or closure on d as written in
// the notice ("春节", "中秋节、国庆节") and true, or "" and false when d is no
// named rest day or its year is not loaded.
func (c *Calendar) HolidayName(d Date) (string, bool) {
	if n, ok := c.closed[d]; ok {
		return n, true
	}
	n, ok := c.off[d]
	return n, ok
}

// Years returns the provenance of every loaded year, published or not, in
// ascending order.
func (c *Calendar) Years() []Year {
	out := make([]Year, 0, len(c.years))
	for _, y := range slices.Sorted(maps.Keys(c.years)) {
		out = append(out, c.years[y].meta)
	}
	return out
}

// Published reports whether the holiday notice of year y is loaded.
func (c *Calendar) Published(y int) bool { return c.published(y) }

// Closures returns the court-local closures loaded into c.
func (c *Calendar) Closures() []Closure { return slices.Clone(c.closures) }

// probe evaluates days for one computation. In lenient mode it answers for
// unknown years as if they had only weekends and records which notices were
// missing.
type probe struct {
	c       *Calendar
	lenient bool
	missing []int
}

func (p *probe) working(d Date) (bool, error) {
	if !d.Valid() {
		return false, invalidDate(d)
	}
	if y, miss := p.c.missingNotice(d); miss {
		if !p.lenient {
			return false, unknownYear(y)
		}
		if !slices.Contains(p.missing, y) {
			p.missing = append(p.missing, y)
		}
	}
	return !p.c.restDay(d), nil
}
