package delay

import (
	"errors"
	"testing"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/google/go-cmp/cmp"
)

func d(s string) calendar.Date { return calendar.MustParseDate(s) }

func yuan(y int64) money.Fen { return money.Fen(y * 100) }

// The worked examples below are computed by hand in the comments: days are
// counted from the day after the due date to the end day inclusive, interest
// is base × 175 / 1,000,000 × days rounded half up to the fen.

// TestComputeSingleDueDate: 100,000 yuan due 2024-01-10, paid in full on
// 2024-03-10: 21 (Jan 11–31) + 29 (Feb 2024) + 10 = 60 days;
// 10,000,000 fen × 0.000175 × 60 = 105,000 fen = 1,050.00 yuan.
func TestComputeSingleDueDate(t *testing.T) {
	got, err := Compute(Input{
		Principal: yuan(100_000), Due: d("2024-01-10"),
		Payments: []Payment{{On: d("2024-03-10"), Amount: yuan(100_000)}},
		Until:    d("2024-06-30"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{{Debt: 0, From: d("2024-01-11"), To: d("2024-03-10"), Days: 60, Base: yuan(100_000), Interest: 105_000, Kind: KindAccrual}}
	if diff := cmp.Diff(want, got.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if got.Interest != 105_000 || got.Outstanding != 0 || got.InterestOutstanding != 105_000 || got.InterestPaid != 0 {
		t.Errorf("got %+v", got)
	}
	if got.RateVersion != "fs-2014-8" || got.Rate == "" {
		t.Errorf("rate %q version %q", got.Rate, got.RateVersion)
	}
}

// TestComputeUnpaidUntil: unpaid, interest runs to Until inclusive; the due
// day itself does not count (CPL Art. 85), Until does.
func TestComputeUnpaidUntil(t *testing.T) {
	for _, tc := range []struct {
		until    string
		days     int
		interest money.Fen
	}{
		{"2024-01-10", 0, 0},         // the due day: no delay yet
		{"2024-01-09", 0, 0},         // before the due day
		{"2024-01-11", 1, 1_750},     // first day of delay
		{"2025-01-10", 366, 640_500}, // one leap year: 10,000,000 × 0.000175 × 366
	} {
		got, err := Compute(Input{Principal: yuan(100_000), Due: d("2024-01-10"), Until: d(tc.until)})
		if err != nil {
			t.Fatal(err)
		}
		days := 0
		for _, l := range got.Lines {
			days += l.Days
		}
		if days != tc.days || got.Interest != tc.interest || got.Outstanding != yuan(100_000) {
			t.Errorf("until %s: days %d interest %d outstanding %d, want %d %d %d", tc.until, days, got.Interest, got.Outstanding, tc.days, tc.interest, yuan(100_000))
		}
	}
}

// TestComputePartialPayments: 200,000 yuan due 2024-01-10; 50,000 paid on
// 2024-02-09 and 150,000 on 2024-04-09 (2014 interpretation Art. 3: each
// part until the day it is paid).
//
//	2024-01-11..2024-02-09  30 days × 200,000 × 0.000175 = 1,050.00
//	2024-02-10..2024-04-09  60 days × 150,000 × 0.000175 = 1,575.00
//	total 2,625.00
func TestComputePartialPayments(t *testing.T) {
	in := Input{
		Principal: yuan(200_000), Due: d("2024-01-10"),
		Payments: []Payment{
			{On: d("2024-04-09"), Amount: yuan(150_000)}, // order of input does not matter
			{On: d("2024-02-09"), Amount: yuan(50_000)},
		},
		Until: d("2024-12-31"),
	}
	got, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{From: d("2024-01-11"), To: d("2024-02-09"), Days: 30, Base: yuan(200_000), Interest: 105_000, Kind: KindAccrual},
		{From: d("2024-02-10"), To: d("2024-04-09"), Days: 60, Base: yuan(150_000), Interest: 157_500, Kind: KindAccrual},
	}
	if diff := cmp.Diff(want, got.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if got.Interest != 262_500 || got.Outstanding != 0 {
		t.Errorf("interest %d outstanding %d, want 262500 0", got.Interest, got.Outstanding)
	}

	// As of a day between the payments: the second payment is not yet made.
	in.Until = d("2024-03-09")
	got, err = Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	// 30 days at 200,000 + 29 days (Feb 10–Mar 9) at 150,000 = 105,000 + 76,125.
	if got.Interest != 181_125 || got.Outstanding != yuan(150_000) {
		t.Errorf("as of 2024-03-09: interest %d outstanding %d, want 181125 %d", got.Interest, got.Outstanding, yuan(150_000))
	}
}

// TestComputeOrderOfApplication: 2014 interpretation Art. 4 — the base is
// paid before the doubled interest; what is left goes to the interest; the
// rest is overpaid.
func TestComputeOrderOfApplication(t *testing.T) {
	base := Input{Principal: yuan(200_000), Due: d("2024-01-10"), Until: d("2024-12-31")}
	for _, tc := range []struct {
		name                           string
		payments                       []Payment
		interest, paid, owed, over, os money.Fen
	}{
		{
			// A last payment 1,000 yuan above the base: the 1,000 goes to the
			// doubled interest accrued (2,625.00), leaving 1,625.00.
			name:     "excess to interest",
			payments: []Payment{{On: d("2024-02-09"), Amount: yuan(50_000)}, {On: d("2024-04-09"), Amount: yuan(151_000)}},
			interest: 262_500, paid: 100_000, owed: 162_500,
		},
		{
			name:     "interest paid later, overpaid",
			payments: []Payment{{On: d("2024-02-09"), Amount: yuan(50_000)}, {On: d("2024-04-09"), Amount: yuan(150_000)}, {On: d("2024-05-01"), Amount: yuan(3_000)}},
			interest: 262_500, paid: 262_500, over: 37_500,
		},
		{
			// A payment short of the base reduces only the base: the interest
			// keeps accruing on the rest and nothing of it is paid.
			name:     "short payment",
			payments: []Payment{{On: d("2024-02-09"), Amount: yuan(50_000)}},
			// 30 days × 200,000 + 326 days (Feb 10–Dec 31) × 150,000
			interest: 105_000 + 855_750, owed: 105_000 + 855_750, os: yuan(150_000),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Payments = tc.payments
			got, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Interest != tc.interest || got.InterestPaid != tc.paid || got.InterestOutstanding != tc.owed || got.Overpaid != tc.over || got.Outstanding != tc.os {
				t.Errorf("got interest %d paid %d owed %d over %d outstanding %d, want %d %d %d %d %d",
					got.Interest, got.InterestPaid, got.InterestOutstanding, got.Overpaid, got.Outstanding,
					tc.interest, tc.paid, tc.owed, tc.over, tc.os)
			}
		})
	}
}

// TestComputeInstalments: 30,000 yuan in three instalments of 10,000 due
// 2024-01-31, 2024-02-29 and 2024-03-31, each from its own due date (2014
// interpretation Art. 2), as of 2024-04-30:
//
//	#0 2024-02-01..04-30 90 days → 157.50
//	#1 2024-03-01..04-30 61 days → 106.75
//	#2 2024-04-01..04-30 30 days →  52.50   total 316.75
//
// Then 15,000 paid on 2024-03-15 goes to #0 in full and 5,000 to #1
// (earliest due first, Civil Code Art. 560):
//
//	#0 02-01..03-15 44 days × 10,000 → 77.00
//	#1 03-01..03-15 15 days × 10,000 → 26.25; 03-16..04-30 46 days × 5,000 → 40.25
//	#2 30 days × 10,000 → 52.50                                 total 196.00
func TestComputeInstalments(t *testing.T) {
	in := Input{
		Instalments: []Instalment{
			{Due: d("2024-03-31"), Amount: yuan(10_000)},
			{Due: d("2024-01-31"), Amount: yuan(10_000)},
			{Due: d("2024-02-29"), Amount: yuan(10_000)},
		},
		Until: d("2024-04-30"),
	}
	got, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Interest != 31_675 || got.Outstanding != yuan(30_000) {
		t.Errorf("no payment: interest %d outstanding %d, want 31675 %d", got.Interest, got.Outstanding, yuan(30_000))
	}

	in.Payments = []Payment{{On: d("2024-03-15"), Amount: yuan(15_000)}}
	got, err = Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{Debt: 0, From: d("2024-02-01"), To: d("2024-03-15"), Days: 44, Base: yuan(10_000), Interest: 7_700, Kind: KindAccrual},
		{Debt: 1, From: d("2024-03-01"), To: d("2024-03-15"), Days: 15, Base: yuan(10_000), Interest: 2_625, Kind: KindAccrual},
		{Debt: 1, From: d("2024-03-16"), To: d("2024-04-30"), Days: 46, Base: yuan(5_000), Interest: 4_025, Kind: KindAccrual},
		{Debt: 2, From: d("2024-04-01"), To: d("2024-04-30"), Days: 30, Base: yuan(10_000), Interest: 5_250, Kind: KindAccrual},
	}
	if diff := cmp.Diff(want, got.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if got.Interest != 19_600 || got.Outstanding != yuan(15_000) {
		t.Errorf("interest %d outstanding %d, want 19600 %d", got.Interest, got.Outstanding, yuan(15_000))
	}
}

// TestComputeEarlyPayment: a payment before an instalment is due is applied
// to it (it is part of the money debt fixed by the document, Art. 4), so that
// instalment bears no interest.
func TestComputeEarlyPayment(t *testing.T) {
	got, err := Compute(Input{
		Instalments: []Instalment{{Due: d("2024-01-31"), Amount: yuan(10_000)}, {Due: d("2024-02-29"), Amount: yuan(10_000)}},
		Payments:    []Payment{{On: d("2024-01-31"), Amount: yuan(20_000)}},
		Until:       d("2024-12-31"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Interest != 0 || got.Outstanding != 0 || len(got.Lines) != 0 {
		t.Errorf("got %+v, want no interest", got)
	}
}

// TestComputeExcluded: 100,000 yuan due 2024-01-10 until 2024-03-10 (60
// days) with enforcement suspended 2024-02-01..02-10 not at the debtor's
// request (2014 interpretation Art. 3 para 3): 50 days count.
//
//	01-11..01-31 21 days → 367.50; 02-01..02-10 excluded; 02-11..03-10 29 days → 507.50
func TestComputeExcluded(t *testing.T) {
	got, err := Compute(Input{
		Principal: yuan(100_000), Due: d("2024-01-10"), Until: d("2024-03-10"),
		Excluded: []Excluded{
			{From: d("2024-02-05"), To: d("2024-02-10"), Reason: "再审中止执行"},
			{From: d("2024-02-01"), To: d("2024-02-06"), Reason: "案外人异议审查中止执行"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{From: d("2024-01-11"), To: d("2024-01-31"), Days: 21, Base: yuan(100_000), Interest: 36_750, Kind: KindAccrual},
		{From: d("2024-02-01"), To: d("2024-02-10"), Days: 0, Base: yuan(100_000), Kind: KindExcluded, Note: "案外人异议审查中止执行; 再审中止执行"},
		{From: d("2024-02-11"), To: d("2024-03-10"), Days: 29, Base: yuan(100_000), Interest: 50_750, Kind: KindAccrual},
	}
	if diff := cmp.Diff(want, got.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if got.Interest != 87_500 {
		t.Errorf("interest %d, want 87500", got.Interest)
	}
}

// TestComputeBeforeRate: 2014 interpretation Art. 7 — days before
// 2014-08-01 are not computed here and are shown as such.
func TestComputeBeforeRate(t *testing.T) {
	got, err := Compute(Input{Principal: yuan(10_000), Due: d("2014-07-21"), Until: d("2014-08-10")})
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{
		{From: d("2014-07-22"), To: d("2014-07-31"), Base: yuan(10_000), Kind: KindBeforeRate},
		{From: d("2014-08-01"), To: d("2014-08-10"), Days: 10, Base: yuan(10_000), Interest: 1_750, Kind: KindAccrual},
	}
	if diff := cmp.Diff(want, got.Lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

// TestComputeRounding: each line rounds half up to the fen.
func TestComputeRounding(t *testing.T) {
	for _, tc := range []struct {
		base money.Fen
		days int
		want money.Fen
	}{
		{20_000, 1, 4},   // 3.5 fen → 4
		{123_457, 1, 22}, // 21.604975 → 22
		{10_000, 1, 2},   // 1.75 → 2
		{2_857, 1, 0},    // 0.499975 → 0
	} {
		due := d("2024-01-10")
		got, err := Compute(Input{Principal: tc.base, Due: due, Until: due.Plus(tc.days)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Interest != tc.want {
			t.Errorf("%d fen × %d days: got %d, want %d", tc.base, tc.days, got.Interest, tc.want)
		}
	}
}

// TestComputePaymentOnDueDay: a payment on or before the due day ends the
// delay of its part before it starts.
func TestComputePaymentOnDueDay(t *testing.T) {
	got, err := Compute(Input{
		Principal: yuan(100_000), Due: d("2024-01-10"), Until: d("2024-01-20"),
		Payments: []Payment{{On: d("2024-01-10"), Amount: yuan(40_000)}, {On: d("2024-01-25"), Amount: yuan(60_000)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// 60,000 × 0.000175 × 10; the 2024-01-25 payment is after Until.
	if got.Interest != 10_500 || got.Outstanding != yuan(60_000) {
		t.Errorf("interest %d outstanding %d, want 10500 %d", got.Interest, got.Outstanding, yuan(60_000))
	}
}

func TestComputeInvalid(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     Input
		fields []string
	}{
		{"empty", Input{}, []string{"until", "principal", "due"}},
		{"negative", Input{Principal: -1, Due: d("2024-01-01"), Until: d("2024-02-01")}, []string{"principal"}},
		{"both", Input{Principal: 1, Due: d("2024-01-01"), Until: d("2024-02-01"), Instalments: []Instalment{{Due: d("2024-01-01"), Amount: 1}}}, []string{"principal", "due"}},
		{"bad instalment", Input{Until: d("2024-02-01"), Instalments: []Instalment{{Amount: 0}}}, []string{"instalments.0.due", "instalments.0.amount"}},
		{"bad payment", Input{Principal: 1, Due: d("2024-01-01"), Until: d("2024-02-01"), Payments: []Payment{{On: calendar.NewDate(2024, 2, 30), Amount: -5}}}, []string{"payments.0.on", "payments.0.amount"}},
		{"excluded reversed", Input{Principal: 1, Due: d("2024-01-01"), Until: d("2024-02-01"), Excluded: []Excluded{{From: d("2024-01-10"), To: d("2024-01-09")}}}, []string{"excluded.0.to"}},
		{"too large", Input{Principal: MaxAmount + 1, Due: d("2024-01-01"), Until: d("2024-02-01")}, []string{"principal"}},
		{"span", Input{Principal: 1, Due: d("1800-01-01"), Until: d("2024-02-01")}, []string{"until"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.in)
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("got %v, want invalid", err)
			}
			e, _ := errs.As(err)
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
				if f.Key != "delay.field."+f.Code {
					t.Errorf("field %s key %q", f.Field, f.Key)
				}
			}
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
