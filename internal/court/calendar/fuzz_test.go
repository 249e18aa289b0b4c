package calendar

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseDate checks that ParseDate never panics and that an accepted date
// formats back to the same text.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-10-01", "2024-02-29", "2026-02-30", "", "0000-01-01", "9999-12-31", "2026-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if !d.Valid() || d.String() != s {
			t.Fatalf("ParseDate(%q) = %v (valid %v)", s, d, d.Valid())
		}
	})
}

// FuzzAddDays checks that period arithmetic never panics, never ends before
// the nominal last day, and ends on a working day or fails with
// ErrUnknownYear or an invalid-argument error.
func FuzzAddDays(f *testing.F) {
	f.Add(2025, 9, 20, 15)
	f.Add(2026, 12, 20, 15)
	f.Add(2026, 2, 30, 1)
	f.Fuzz(func(t *testing.T, y, m, d, n int) {
		cal := Default()
		start := Date{y % 10000, timeMonth(m), d}
		got, err := cal.AddDays(start, n%1000)
		if err != nil {
			return
		}
		if got.Before(start.Plus(n % 1000)) {
			t.Fatalf("AddDays(%v, %d) = %v, before the nominal day", start, n%1000, got)
		}
		ok, err := cal.IsWorkingDay(got)
		if err != nil && !errors.Is(err, ErrUnknownYear) || err == nil && !ok {
			t.Fatalf("AddDays(%v, %d) = %v: working %v, %v", start, n%1000, got, ok, err)
		}
	})
}

func timeMonth(m int) time.Month { return time.Month(m % 13) }
