package delay

import (
	"testing"

	"github.com/ecourt/ecourt/internal/platform/money"
)

// FuzzCompute checks, for arbitrary principal, payments and exclusions, that
// the doubled interest is never negative, adds up over its lines, and never
// decreases as Until moves later.
func FuzzCompute(f *testing.F) {
	f.Add(int64(10_000_000), uint16(0), uint16(60), int64(4_000_000), uint16(20), uint16(5), uint16(10), uint16(400), false)
	f.Add(int64(1), uint16(100), uint16(1), int64(1), uint16(0), uint16(0), uint16(0), uint16(1), true)
	f.Add(int64(999_999_999), uint16(3000), uint16(9000), int64(5), uint16(9000), uint16(100), uint16(100), uint16(30), true)
	f.Fuzz(func(t *testing.T, principal int64, dueOff, payOff uint16, pay int64, exFrom, exLen, step, untilOff uint16, instalments bool) {
		if principal <= 0 || principal > int64(MaxAmount) || pay <= 0 || pay > int64(MaxAmount) {
			t.Skip()
		}
		origin := d("2010-01-01")
		due := origin.Plus(int(dueOff % 8000))
		in := Input{
			Payments: []Payment{{On: due.Plus(int(payOff%4000) - 100), Amount: money.Fen(pay)}},
			Excluded: []Excluded{{From: due.Plus(int(exFrom % 4000)), To: due.Plus(int(exFrom%4000) + int(exLen%400))}},
		}
		if instalments {
			half := money.Fen(principal/2 + 1)
			in.Instalments = []Instalment{{Due: due, Amount: half}, {Due: due.Plus(int(step%400) + 1), Amount: half}}
		} else {
			in.Principal, in.Due = money.Fen(principal), due
		}
		var prev Result
		for i := 0; i < 4; i++ {
			in.Until = due.Plus(int(untilOff%3000)*i - 50)
			got, err := Compute(in)
			if err != nil {
				t.Fatalf("until %s: %v", in.Until, err)
			}
			var sum money.Fen
			for _, l := range got.Lines {
				if l.Interest < 0 || l.Days < 0 || l.Base <= 0 || l.To.Before(l.From) {
					t.Fatalf("bad line %+v", l)
				}
				sum += l.Interest
			}
			if got.Interest < 0 || sum != got.Interest || got.InterestPaid+got.InterestOutstanding != got.Interest || got.InterestOutstanding < 0 || got.Overpaid < 0 || got.Outstanding < 0 {
				t.Fatalf("inconsistent %+v", got)
			}
			if i > 0 && got.Interest < prev.Interest {
				t.Fatalf("interest went down from %d to %d as until moved to %s", prev.Interest, got.Interest, in.Until)
			}
			prev = got
		}
	})
}

// FuzzApplicationPeriod checks that suspensions and interruptions only ever
// lengthen the two years, that the last day is never before the nominal
// one, and that the answer is monotone in the filing day.
func FuzzApplicationPeriod(f *testing.F) {
	f.Add(uint16(100), uint16(20), uint16(700), uint16(60), uint16(300), true)
	f.Add(uint16(0), uint16(0), uint16(0), uint16(0), uint16(0), false)
	f.Fuzz(func(t *testing.T, effOff, dueOff, suspFrom, suspLen, intr uint16, instalments bool) {
		eff := d("2023-01-01").Plus(int(effOff % 2000))
		due := eff.Plus(int(dueOff % 400))
		in := PeriodInput{Effective: eff,
			Suspended:   []Excluded{{From: due.Plus(int(suspFrom % 1200)), To: due.Plus(int(suspFrom%1200) + int(suspLen%200))}},
			Interrupted: []Interruption{{On: due.Plus(int(intr % 1500))}}}
		if instalments {
			in.Instalments = []Instalment{{Due: eff, Amount: 1}, {Due: due, Amount: 1}}
		} else {
			in.Due = &due
		}
		res, err := ApplicationPeriod(in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Start != due || res.Nominal.Before(due.PlusMonths(24)) || res.Last.Before(res.Nominal) || res.Last.Sub(res.Nominal) > 15 {
			t.Fatalf("got %+v for due %s", res, due)
		}
		prev := true
		for _, off := range []int{-1, 0, 1} {
			ok, _, err := WithinApplicationPeriod(in, res.Last.Plus(off))
			if err != nil {
				t.Fatal(err)
			}
			if ok != (off <= 0) || (ok && !prev) {
				t.Fatalf("filed last%+d: %v", off, ok)
			}
			prev = ok
		}
	})
}
