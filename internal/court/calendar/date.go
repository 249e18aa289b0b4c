package calendar

import (
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Date is a civil calendar date with no time of day and no zone. Court
// deadlines are computed on dates in court-local time (clock.China); convert a
// time.Time with DateOf, never by truncating a UTC time, or a 07:00 Beijing
// event would land on the previous day.
//
// The zero Date is not valid. Date values are comparable with == and usable as
// map keys.
type Date struct {
	Y int
	M time.Month
	D int
}

// NewDate returns the date y-m-d. It does not normalise: NewDate(2026, 2, 30)
// is an invalid Date (see Valid), not March 2.
func NewDate(y int, m time.Month, d int) Date { return Date{Y: y, M: m, D: d} }

// DateOf returns the court-local (UTC+8) calendar date of t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(clock.China).Date()
	return Date{y, m, d}
}

// Today returns the court-local date of c.Now().
func Today(c clock.Clock) Date { return DateOf(c.Now()) }

// ParseDate parses "2026-10-01" (ISO 8601 calendar date, zero-padded). It
// returns an Invalid error with key "calendar.invalid_date" for anything else,
// including dates that do not exist such as "2026-02-30" and year 0000.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, &errs.Error{Code: errs.Invalid, Key: "calendar.invalid_date", Args: []any{s}, Cause: err}
	}
	d := Date{t.Year(), t.Month(), t.Day()}
	if !d.Valid() {
		return Date{}, errs.New(errs.Invalid, "calendar.invalid_date", s)
	}
	return d, nil
}

// MustParseDate is ParseDate for constants in code and tests; it panics on a
// bad date.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String formats d as "2026-10-01".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D) }

// MarshalText implements encoding.TextMarshaler ("2026-10-01").
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("calendar: invalid date %d-%d-%d", d.Y, d.M, d.D)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what ParseDate accepts.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Valid reports whether d names a real day of the proleptic Gregorian
// calendar in years 1..9999.
func (d Date) Valid() bool {
	if d.Y < 1 || d.Y > 9999 || d.M < time.January || d.M > time.December || d.D < 1 {
		return false
	}
	return d.D <= daysIn(d.Y, d.M)
}

// Time returns midnight at the start of d in court-local time (clock.China).
func (d Date) Time() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, clock.China) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Plus returns the date n calendar days after d (before it if n < 0). It is
// plain arithmetic and knows nothing of holidays; use Calendar.AddDays for a
// legal period.
func (d Date) Plus(n int) Date {
	t := d.utc().AddDate(0, 0, n)
	return Date{t.Year(), t.Month(), t.Day()}
}

// PlusMonths returns the day of the n-th month after d with d's day number,
// or that month's last day when it has none (2026-01-31 + 1 → 2026-02-28;
// Civil Code Art. 202). Like Plus it knows nothing of holidays: it is the
// nominal last day of an n-month period before CPL Art. 85's roll-forward.
// n may be negative.
func (d Date) PlusMonths(n int) Date {
	m0 := d.Y*12 + int(d.M) - 1 + n
	y, m := m0/12, time.Month(m0%12+1)
	if m0 < 0 {
		y, m = (m0-11)/12, time.Month((m0%12+12)%12+1)
	}
	return Date{y, m, min(d.D, daysIn(y, m))}
}

// Sub returns the number of calendar days from e to d (d − e).
func (d Date) Sub(e Date) int { return int(d.utc().Sub(e.utc()).Hours() / 24) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Y != e.Y:
		return sign(d.Y - e.Y)
	case d.M != e.M:
		return sign(int(d.M - e.M))
	default:
		return sign(d.D - e.D)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// DaysLeft returns the number of calendar days from today until deadline: 0 on
// the deadline itself (the last day still counts in full), 1 the day before,
// and negative once the deadline has passed. deadline should be the legal last
// day returned by Calendar.AddDays and friends.
func DaysLeft(today, deadline Date) int { return deadline.Sub(today) }

func (d Date) utc() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC) }

func isWeekend(d Date) bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
