package calendar

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func d(s string) Date { return MustParseDate(s) }

// Every expected date below was derived by hand from data/holidays_cn.json
// and the weekday of the date; the comment says how.
func TestAddDays(t *testing.T) {
	cal := Default()
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		// 2025-09-20 + 15 = 2025-10-05 (Sun) inside the 国庆节、中秋节 block
		// 10-01..10-08; 10-09 (Thu) is the first working day after the block.
		{"ends in National Day block", "2025-09-20", 15, "2025-10-09"},
		// 2025-09-13 + 15 = 2025-09-28, a Sunday made a working day by the
		// 2025 notice: no roll.
		{"ends on adjusted working Sunday", "2025-09-13", 15, "2025-09-28"},
		// 2026-02-13 + 15 = 2026-02-28, a Saturday made a working day
		// (2026 notice, after 春节): no roll.
		{"ends on adjusted working Saturday", "2026-02-13", 15, "2026-02-28"},
		// Year boundary: 2025-12-31 + 15 = 2026-01-15 (Thu), a working day.
		{"across new year", "2025-12-31", 15, "2026-01-15"},
		// 2025-12-17 + 15 = 2026-01-01 (元旦 block 01-01..01-03); 2026-01-04
		// is a Sunday made a working day, so the period ends on that Sunday.
		{"ends on New Year, rolls to adjusted Sunday", "2025-12-17", 15, "2026-01-04"},
		// Spring Festival 2026: 2026-02-05 + 15 = 2026-02-20 (Fri) inside the
		// 春节 block 02-15..02-23 (Mon); 02-24 (Tue) is the next working day.
		{"Spring Festival 2026", "2026-02-05", 15, "2026-02-24"},
		// 2024-06-08 + 1 = 2024-06-09, an ordinary Sunday before 端午节 on
		// Mon 06-10 (the 2024 notice lists only the Monday): → 06-11 (Tue).
		{"weekend then one-day holiday", "2024-06-08", 1, "2024-06-11"},
		// Ordinary weekend: 2026-11-13 (Fri) + 15 = 2026-11-28 (Sat) → Mon 11-30.
		{"ordinary weekend", "2026-11-13", 15, "2026-11-30"},
		// Mediation before filing, 30 days (在线调解规则 Art. 24) from
		// 2026-08-31: 2026-09-30 (Wed), a working day.
		{"30-day mediation period", "2026-08-31", 30, "2026-09-30"},
		// Judicial confirmation, 30 days (CPL Art. 205) from 2026-09-01:
		// 2026-10-01 → 国庆节 block to 10-07 → 10-08 (Thu).
		{"30 days into National Day 2026", "2026-09-01", 30, "2026-10-08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.AddDays(d(tt.start), tt.n)
			if err != nil {
				t.Fatalf("AddDays(%s, %d): %v", tt.start, tt.n, err)
			}
			if want := d(tt.want); got != want {
				t.Errorf("AddDays(%s, %d) = %v, want %v", tt.start, tt.n, got, want)
			}
		})
	}
}

func TestAddMonthsYears(t *testing.T) {
	cal := Default()
	tests := []struct {
		name   string
		start  string
		months int
		years  int
		want   string
	}{
		// Civil Code Art. 202: no 31 February → last day of February. 2026-02-28
		// is also an adjusted working Saturday, so it stays.
		{"Jan 31 + 1 month (2026)", "2026-01-31", 1, 0, "2026-02-28"},
		// 2025-02-28 is a Friday.
		{"Jan 31 + 1 month (2025)", "2025-01-31", 1, 0, "2025-02-28"},
		// Leap year: 2024-02-29 (Thu).
		{"Jan 31 + 1 month (2024, leap)", "2024-01-31", 1, 0, "2024-02-29"},
		// The corresponding day is counted from the trigger, not the month
		// end: 2026-02-28 + 1 month = 2026-03-28 (Sat) → Mon 03-30.
		{"Feb 28 + 1 month is Mar 28, rolled", "2026-02-28", 1, 0, "2026-03-30"},
		// Ordinary procedure, 6 months (CPL Art. 152) from 立案 2026-04-01:
		// 2026-10-01 → 国庆节 block to 10-07 → 10-08 (Thu).
		{"6 months into National Day", "2026-04-01", 6, 0, "2026-10-08"},
		// Simplified procedure, 3 months (CPL Art. 164), across a year end:
		// 2025-11-15 → 2026-02-15, inside 春节 02-15..02-23 → 02-24.
		{"3 months into Spring Festival", "2025-11-15", 3, 0, "2026-02-24"},
		// 2024-02-29 + 1 year: no 29 February 2025 → 2025-02-28 (Fri).
		{"leap day + 1 year", "2024-02-29", 0, 1, "2025-02-28"},
		// Enforcement application, 2 years (CPL Art. 250) from 2024-10-01:
		// 2026-10-01 → 10-08.
		{"2 years into National Day", "2024-10-01", 0, 2, "2026-10-08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Date
			var err error
			if tt.years > 0 {
				got, err = cal.AddYears(d(tt.start), tt.years)
			} else {
				got, err = cal.AddMonths(d(tt.start), tt.months)
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := d(tt.want); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	cal := Default()
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		// 在线调解规则 Art. 10: the court designates within 3 working days of
		// an application received Tue 2025-09-30. 10-01..10-08 are off;
		// 10-09 (Thu) 1, 10-10 (Fri) 2, 10-11 (Sat, adjusted working day) 3.
		{"across National Day 2025", "2025-09-30", 3, "2025-10-11"},
		// Art. 12: mediator accepts within 3 working days of Thu 2026-02-12:
		// 02-13 (Fri) 1, 02-14 (Sat, adjusted) 2, 春节 02-15..02-23, 02-24 (Tue) 3.
		{"across Spring Festival 2026", "2026-02-12", 3, "2026-02-24"},
		// Art. 10: parties choose within 2 working days of Fri 2026-11-27:
		// weekend skipped, Mon 11-30 1, Tue 12-01 2.
		{"over a weekend", "2026-11-27", 2, "2026-12-01"},
		// Starting on a rest day: from Sun 2026-10-04 (in the block), 10-08
		// (Thu) 1, 10-09 (Fri) 2, 10-10 (Sat, adjusted) 3.
		{"start inside a block", "2026-10-04", 3, "2026-10-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.AddWorkingDays(d(tt.start), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if want := d(tt.want); got != want {
				t.Errorf("AddWorkingDays(%s, %d) = %v, want %v", tt.start, tt.n, got, want)
			}
		})
	}
}

func TestUnknownYear(t *testing.T) {
	cal := Default()
	check := func(t *testing.T, err error, wantYear int) {
		t.Helper()
		if !errors.Is(err, ErrUnknownYear) {
			t.Fatalf("err = %v, want ErrUnknownYear", err)
		}
		if !errors.Is(err, errs.ErrUnavailable) {
			t.Errorf("err = %v, want code unavailable", err)
		}
		var uy *UnknownYearError
		if !errors.As(err, &uy) || uy.Year != wantYear {
			t.Errorf("year = %v, want %d", uy, wantYear)
		}
		if e, ok := errs.As(err); !ok || e.Key != "calendar.unknown_year" {
			t.Errorf("key: %v", err)
		}
	}
	t.Run("IsWorkingDay 2027", func(t *testing.T) {
		_, err := cal.IsWorkingDay(d("2027-03-01"))
		check(t, err, 2027)
	})
	t.Run("IsHoliday 2027", func(t *testing.T) {
		_, err := cal.IsHoliday(d("2027-10-01"))
		check(t, err, 2027)
	})
	t.Run("period ending in 2027", func(t *testing.T) {
		// 2026-12-20 + 15 = 2027-01-04: cannot be known before the 2027 notice.
		_, err := cal.AddDays(d("2026-12-20"), 15)
		check(t, err, 2027)
	})
	t.Run("last days of December need next notice", func(t *testing.T) {
		// 2026-12-30 depends on the 2027 notice, which may move it (as the
		// 2008 and 2012 notices moved late-December days).
		_, err := cal.IsWorkingDay(d("2026-12-30"))
		check(t, err, 2027)
		// 2026-12-28 (Mon) does not.
		ok, err := cal.IsWorkingDay(d("2026-12-28"))
		if err != nil || !ok {
			t.Errorf("2026-12-28: %v, %v; want working", ok, err)
		}
	})
	t.Run("before the data", func(t *testing.T) {
		_, err := cal.IsWorkingDay(d("2022-06-01"))
		check(t, err, 2022)
	})
	t.Run("working days into 2027", func(t *testing.T) {
		_, err := cal.AddWorkingDays(d("2026-12-24"), 5)
		check(t, err, 2027)
	})
}

func TestProvisional(t *testing.T) {
	p := Default().Provisional()
	// 2026-12-20 + 15 = 2027-01-04 (Mon): weekends-only guess, provisional.
	got, err := p.AddDays(d("2026-12-20"), 15)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Date: d("2027-01-04"), Provisional: true, Unpublished: []int{2027}}
	if got.Date != want.Date || !got.Provisional || len(got.Unpublished) != 1 || got.Unpublished[0] != 2027 {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// A computation inside published years is not provisional.
	got, err = p.AddDays(d("2025-09-20"), 15)
	if err != nil || got.Date != d("2025-10-09") || got.Provisional {
		t.Errorf("got %+v, %v; want 2025-10-09, not provisional", got, err)
	}
	// 2027-01-02 is a Saturday: a rest day in the estimate.
	w, prov, err := p.IsWorkingDay(d("2027-01-02"))
	if err != nil || w || !prov {
		t.Errorf("IsWorkingDay(2027-01-02) = %v, %v, %v; want false, true, nil", w, prov, err)
	}
	// 2027-01-01 (Fri) is a working day in a weekends-only estimate — which
	// is exactly why it is marked provisional.
	r, err := p.AddWorkingDays(d("2026-12-30"), 1)
	if err != nil || r.Date != d("2026-12-31") || !r.Provisional {
		t.Errorf("got %+v, %v", r, err)
	}
}

func TestIsWorkingDayAndHolidays(t *testing.T) {
	cal := Default()
	tests := []struct {
		date    string
		working bool
		holiday string // "" = not a named rest day
	}{
		{"2026-10-03", false, "国庆节"},     // Saturday inside the block
		{"2025-10-05", false, "国庆节、中秋节"}, // combined block keeps its combined name
		{"2026-10-10", true, ""},         // adjusted working Saturday
		{"2026-11-28", false, ""},        // ordinary Saturday
		{"2026-11-26", true, ""},         // ordinary Thursday
		{"2025-01-28", false, "春节"},      // 除夕, statutory since 2025
		{"2024-06-09", false, ""},        // Sunday next to 端午节, not in the notice
		{"2023-01-01", false, "元旦"},      // 2023 block
		{"2026-12-28", true, ""},         // Monday, before the December tail
		{"2026-02-14", true, ""},         // adjusted working Saturday before 春节
		{"2026-02-23", false, "春节"},      // last day of 春节 2026 (Mon)
		{"2026-02-24", true, ""},         // first working day after
		{"2025-12-31", true, ""},         // needs the 2026 notice, which is loaded
		{"2025-05-31", false, "端午节"},     // Saturday in 端午 block
		{"2024-02-29", true, ""},         // leap day, Thursday
		{"2026-09-20", true, ""},         // adjusted working Sunday
		{"2026-01-04", true, ""},         // adjusted working Sunday after 元旦
		{"2026-06-19", false, "端午节"},     // Friday 端午节
		{"2026-05-09", true, ""},         // adjusted working Saturday
		{"2026-04-04", false, "清明节"},     // Saturday in 清明 block
		{"2026-04-07", true, ""},         // Tuesday after
		{"2026-05-05", false, "劳动节"},     // Tuesday in 劳动节 block
		{"2026-09-27", false, "中秋节"},     // Sunday in 中秋 block
		{"2026-09-28", true, ""},         // Monday after
		{"2026-10-08", true, ""},         // Thursday after 国庆
		{"2026-10-07", false, "国庆节"},     // last day of 国庆
		{"2026-12-01", true, ""},         // Tuesday
		{"2026-01-01", false, "元旦"},      // New Year's Day
		{"2026-03-01", false, ""},        // Sunday
		{"2026-02-28", true, ""},         // adjusted working Saturday
		{"2026-02-15", false, "春节"},      // first day of 春节 (Sun)
		{"2026-02-22", false, "春节"},      // Sunday in block
		{"2026-02-21", false, "春节"},      // Saturday in block
		{"2026-02-13", true, ""},         // Friday before
		{"2026-02-16", false, "春节"},      // 除夕
		{"2026-02-17", false, "春节"},      // 初一
		{"2026-02-20", false, "春节"},      // Friday in block
		{"2026-02-19", false, "春节"},      // Thursday in block
		{"2026-02-18", false, "春节"},      // Wednesday in block
		{"2026-02-25", true, ""},         // Wednesday after
		{"2026-01-02", false, "元旦"},      // Friday
		{"2026-01-03", false, "元旦"},      // Saturday
		{"2026-01-05", true, ""},         // Monday
		{"2025-10-11", true, ""},         // adjusted working Saturday
		{"2025-09-28", true, ""},         // adjusted working Sunday
		{"2025-10-08", false, "国庆节、中秋节"}, // last day of the 2025 block
		{"2025-10-09", true, ""},         // Thursday after
		{"2024-10-07", false, "国庆节"},     // 2024 block
		{"2024-10-12", true, ""},         // adjusted working Saturday
		{"2023-10-07", true, ""},         // adjusted working Saturday 2023
		{"2023-09-29", false, "中秋节、国庆节"}, // 2023 combined name order
		{"2025-02-08", true, ""},         // adjusted working Saturday 2025
		{"2025-01-26", true, ""},         // adjusted working Sunday 2025
		{"2025-04-27", true, ""},         // adjusted working Sunday 2025
		{"2024-02-04", true, ""},         // adjusted working Sunday 2024
		{"2024-05-11", true, ""},         // adjusted working Saturday 2024
		{"2024-09-14", true, ""},         // adjusted working Saturday 2024
		{"2024-09-29", true, ""},         // adjusted working Sunday 2024
		{"2023-04-23", true, ""},         // adjusted working Sunday 2023
		{"2023-06-25", true, ""},         // adjusted working Sunday 2023
		{"2023-05-06", true, ""},         // adjusted working Saturday 2023
		{"2023-01-28", true, ""},         // adjusted working Saturday 2023
		{"2023-01-29", true, ""},         // adjusted working Sunday 2023
		{"2023-10-08", true, ""},         // adjusted working Sunday 2023
		{"2024-02-18", true, ""},         // adjusted working Sunday 2024
		{"2024-04-07", true, ""},         // adjusted working Sunday 2024
		{"2024-04-28", true, ""},         // adjusted working Sunday 2024
		{"2026-10-01", false, "国庆节"},     // National Day
		{"2026-09-25", false, "中秋节"},     // Friday 中秋节
		{"2026-06-21", false, "端午节"},     // Sunday in block
		{"2026-06-22", true, ""},         // Monday after
		{"2026-04-06", false, "清明节"},     // Monday 清明 block
		{"2026-05-01", false, "劳动节"},     // Friday
		{"2026-05-06", true, ""},         // Wednesday after
		{"2026-05-10", false, ""},        // ordinary Sunday
		{"2026-07-15", true, ""},         // ordinary Wednesday
	}
	for _, tt := range tests {
		dt := d(tt.date)
		got, err := cal.IsWorkingDay(dt)
		if err != nil {
			t.Fatalf("IsWorkingDay(%s): %v", tt.date, err)
		}
		if got != tt.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.date, got, tt.working)
		}
		hol, err := cal.IsHoliday(dt)
		if err != nil {
			t.Fatal(err)
		}
		name, ok := cal.HolidayName(dt)
		if hol != (tt.holiday != "") || ok != hol || name != tt.holiday {
			t.Errorf("%s: IsHoliday %v, HolidayName %q %v; want %q", tt.date, hol, name, ok, tt.holiday)
		}
	}
}

func TestDaysLeft(t *testing.T) {
	tests := []struct {
		today, deadline string
		want            int
	}{
		{"2026-11-26", "2026-12-01", 5},
		{"2026-12-01", "2026-12-01", 0},  // the last day counts in full
		{"2026-12-02", "2026-12-01", -1}, // overdue
		{"2025-12-31", "2026-01-15", 15}, // across a year end
		{"2024-02-28", "2024-03-01", 2},  // leap February
	}
	for _, tt := range tests {
		if got := DaysLeft(d(tt.today), d(tt.deadline)); got != tt.want {
			t.Errorf("DaysLeft(%s, %s) = %d, want %d", tt.today, tt.deadline, got, tt.want)
		}
	}
}

func TestBadArguments(t *testing.T) {
	cal := Default()
	bad := Date{2026, 2, 30}
	if _, err := cal.AddDays(bad, 1); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("invalid start: %v", err)
	}
	if _, err := cal.IsWorkingDay(bad); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("invalid date: %v", err)
	}
	for _, n := range []int{0, -3} {
		if _, err := cal.AddDays(d("2026-01-05"), n); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("AddDays n=%d: %v", n, err)
		}
		if _, err := cal.AddMonths(d("2026-01-05"), n); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("AddMonths n=%d: %v", n, err)
		}
		if _, err := cal.AddWorkingDays(d("2026-01-05"), n); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("AddWorkingDays n=%d: %v", n, err)
		}
	}
	for _, s := range []string{"2026-02-30", "2026-2-3", "20261001", "", "2026-10-01T00:00:00Z"} {
		if _, err := ParseDate(s); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseDate(%q) = %v, want invalid", s, err)
		}
	}
	if got := d("2026-10-01").String(); !strings.EqualFold(got, "2026-10-01") {
		t.Errorf("String = %q", got)
	}
}
