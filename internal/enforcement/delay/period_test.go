package delay

import (
	"errors"
	"testing"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

func dp(s string) *calendar.Date { v := d(s); return &v }

// TestApplicationPeriod: CPL (2023) Art. 250 with worked examples. Two years
// from the start day, which is not counted (Civil Code Art. 201–202); a last
// day on a rest day moves to the next working day (Civil Code Art. 203).
func TestApplicationPeriod(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		in                   PeriodInput
		start, nominal, last string
		note                 string
		provisional          bool
	}{
		{
			name:  "due date, last day a Sunday",
			in:    PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-03-15")},
			start: "2024-03-15", nominal: "2026-03-15", last: "2026-03-16", note: NoteFromDue,
		},
		{
			name:  "no period set: from the effective date",
			in:    PeriodInput{Effective: d("2024-05-20")},
			start: "2024-05-20", nominal: "2026-05-20", last: "2026-05-20", note: NoteFromEffective,
		},
		{
			name: "instalments: from the last instalment",
			in: PeriodInput{Effective: d("2023-06-01"), Instalments: []Instalment{
				{Due: d("2024-06-30"), Amount: 1}, {Due: d("2023-06-30"), Amount: 1}, {Due: d("2023-12-31"), Amount: 1},
			}},
			start: "2024-06-30", nominal: "2026-06-30", last: "2026-06-30", note: NoteFromInstalments,
		},
		{
			name:  "National Day: the last day moves past the holiday",
			in:    PeriodInput{Effective: d("2023-09-01"), Due: dp("2023-10-01")},
			start: "2023-10-01", nominal: "2025-10-01", last: "2025-10-09", note: NoteFromDue,
		},
		{
			// 2026-02-28 is a Saturday but a working day (调休上班) under the
			// 2026 holiday notice, so it stays.
			name:  "29 February start: last day of February",
			in:    PeriodInput{Effective: d("2024-02-01"), Due: dp("2024-02-29")},
			start: "2024-02-29", nominal: "2026-02-28", last: "2026-02-28", note: NoteFromDue,
		},
		{
			// Civil Code Art. 194: an obstacle 2025-12-01..2026-01-30 inside the
			// last six months (from 2025-09-16); the period ends six months
			// after the obstacle ends.
			name: "suspension inside the last six months",
			in: PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-03-15"),
				Suspended: []Excluded{{From: d("2025-12-01"), To: d("2026-01-30"), Reason: "不可抗力"}}},
			start: "2024-03-15", nominal: "2026-07-30", last: "2026-07-30", note: NoteFromDue,
		},
		{
			// The obstacle lasts into the window (from 2025-09-16): six months
			// after 2025-10-15.
			name: "suspension straddling the window",
			in: PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-03-15"),
				Suspended: []Excluded{{From: d("2025-08-01"), To: d("2025-10-15")}}},
			start: "2024-03-15", nominal: "2026-04-15", last: "2026-04-15", note: NoteFromDue,
		},
		{
			// A short obstacle on the first days of the window still gives
			// six full months after it ends.
			name: "short suspension early in the window",
			in: PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-03-15"),
				Suspended: []Excluded{{From: d("2025-09-16"), To: d("2025-09-20")}}},
			start: "2024-03-15", nominal: "2026-03-20", last: "2026-03-20", note: NoteFromDue,
		},
		{
			name: "suspension before the window changes nothing",
			in: PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-03-15"),
				Suspended: []Excluded{{From: d("2025-01-01"), To: d("2025-02-01")}}},
			start: "2024-03-15", nominal: "2026-03-15", last: "2026-03-16", note: NoteFromDue,
		},
		{
			// 执行程序解释 Art. 20: a settlement agreement interrupts; two years
			// run anew. 2027's holidays are not published: provisional.
			name: "interruption",
			in: PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-03-15"),
				Interrupted: []Interruption{{On: d("2025-06-01"), Reason: "和解协议"}}},
			start: "2024-03-15", nominal: "2027-06-01", last: "2027-06-01", note: NoteFromDue, provisional: true,
		},
		{
			// The embedded holiday data starts in 2023, so 2022 is provisional.
			name: "interruption after expiry revives nothing",
			in: PeriodInput{Effective: d("2020-01-01"), Due: dp("2020-01-10"),
				Interrupted: []Interruption{{On: d("2023-01-01")}}},
			start: "2020-01-10", nominal: "2022-01-10", last: "2022-01-10", note: NoteFromDue, provisional: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ApplicationPeriod(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Start != d(tc.start) || got.Nominal != d(tc.nominal) || got.Last != d(tc.last) || got.Note != tc.note || got.Provisional != tc.provisional {
				t.Errorf("got start %s nominal %s last %s note %s provisional %v, want %s %s %s %s %v",
					got.Start, got.Nominal, got.Last, got.Note, got.Provisional, tc.start, tc.nominal, tc.last, tc.note, tc.provisional)
			}
		})
	}
}

// TestWithinApplicationPeriodInstalments: counted from the last instalment,
// an application filed two years after the first instalment is still in
// time; the day after the last day is not.
func TestWithinApplicationPeriodInstalments(t *testing.T) {
	in := PeriodInput{Effective: d("2023-06-01"), Instalments: []Instalment{
		{Due: d("2023-06-30"), Amount: 1}, {Due: d("2023-12-31"), Amount: 1}, {Due: d("2024-06-30"), Amount: 1},
	}}
	for _, tc := range []struct {
		filed string
		want  bool
	}{
		{"2025-07-01", true}, // two years after the first instalment
		{"2026-06-30", true}, // the last day
		{"2026-07-01", false},
	} {
		ok, res, err := WithinApplicationPeriod(in, d(tc.filed))
		if err != nil {
			t.Fatal(err)
		}
		if ok != tc.want {
			t.Errorf("filed %s: got %v, want %v (last %s)", tc.filed, ok, tc.want, res.Last)
		}
	}
}

func TestApplicationPeriodInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   PeriodInput
	}{
		{"no effective", PeriodInput{}},
		{"due before effective", PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-02-01")}},
		{"due and instalments", PeriodInput{Effective: d("2024-03-01"), Due: dp("2024-04-01"), Instalments: []Instalment{{Due: d("2024-05-01")}}}},
		{"reversed suspension", PeriodInput{Effective: d("2024-03-01"), Suspended: []Excluded{{From: d("2024-05-02"), To: d("2024-05-01")}}}},
		{"bad interruption", PeriodInput{Effective: d("2024-03-01"), Interrupted: []Interruption{{}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ApplicationPeriod(tc.in); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("got %v, want invalid", err)
			}
		})
	}
	if _, _, err := WithinApplicationPeriod(PeriodInput{Effective: d("2024-03-01")}, calendar.Date{}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("zero filed: got %v, want invalid", err)
	}
}
