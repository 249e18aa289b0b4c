package casefund_test

import (
	"testing"

	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func ptr[T any](v T) *T { return &v }

// TestAllocateWorkedExample: one applicant owed 100,000 yuan due
// 2026-01-10 with 1,000 yuan ordinary interest; the fee recorded for the
// case is 1,400 yuan (fee rules Art. 14(一): 50 + 90,000 × 1.5%); costs 500
// yuan (valuation).
//
// Receipt 1, 50,000 yuan on 2026-02-09: fee 1,400 and costs 500 first;
// 48,100 to principal; the doubled interest so far (30 days × 100,000 ×
// 0.0175% = 525.00) is owed but nothing is left for it (Art. 4).
//
// Receipt 2, 60,000 yuan on 2026-03-01: principal 51,900; interest 1,000;
// doubled interest 525.00 + 20 days × 51,900 × 0.0175% (181.65) = 706.65;
// the surplus 6,393.35 goes back to the debtor.
func TestAllocateWorkedExample(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, false)
		f.fees[c.ID] = yuan(1_400)
		acct, err := f.s.SetClaims(f.as("u-officer"), c.ID, casefund.ClaimsInput{Costs: yuan(500), CostsNote: "评估费",
			Claims: []casefund.ClaimInput{{PartyID: creditor(c), Principal: yuan(100_000), GeneralInterest: yuan(1_000), Due: day("2026-01-10")}}})
		if err != nil {
			t.Fatal(err)
		}
		if acct.FeeDue != yuan(1_400) || acct.CaseNumber != c.Number || len(acct.Claims) != 1 || acct.Claims[0].PartyName != "张三" {
			t.Errorf("account %+v", acct)
		}
		for _, r := range []casefund.ReceiptInput{
			{On: day("2026-02-09"), Amount: yuan(50_000), Payer: "李四", PayerAccount: "6222020012345678", Reference: "B001"},
			{On: day("2026-03-01"), Amount: yuan(60_000), Payer: "某银行股份有限公司", Reference: "B002", Remark: "扣划"},
		} {
			if _, err := f.s.Receive(f.as("u-officer"), c.ID, r); err != nil {
				t.Fatal(err)
			}
		}
		as, err := f.s.Allocate(f.as("u-officer"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 2 {
			t.Fatalf("got %d allocations, want 2", len(as))
		}
		type line struct {
			Kind      string
			Owed, Got money.Fen
			Party     string
			Basis     string
		}
		lines := func(a casefund.Allocation) []line {
			var out []line
			for _, l := range a.Lines {
				out = append(out, line{l.Kind, l.Owed, l.Amount, l.PartyID, l.Basis})
			}
			return out
		}
		want1 := []line{
			{casefund.KindFee, yuan(1_400), yuan(1_400), "", casefund.BasisFee},
			{casefund.KindCosts, yuan(500), yuan(500), "", casefund.BasisCosts},
			{casefund.KindPrincipal, yuan(100_000), yuan(48_100), creditor(c), casefund.BasisPrincipal},
			{casefund.KindInterest, yuan(1_000), 0, creditor(c), casefund.BasisInterest},
			{casefund.KindDelay, 52_500, 0, creditor(c), casefund.BasisDelay},
		}
		if diff := cmp.Diff(want1, lines(as[0])); diff != "" {
			t.Errorf("allocation 1 (-want +got):\n%s", diff)
		}
		want2 := []line{
			{casefund.KindPrincipal, yuan(51_900), yuan(51_900), creditor(c), casefund.BasisPrincipal},
			{casefund.KindInterest, yuan(1_000), yuan(1_000), creditor(c), casefund.BasisInterest},
			{casefund.KindDelay, 70_665, 70_665, creditor(c), casefund.BasisDelay},
			{casefund.KindSurplus, 0, 639_335, debtor(c), casefund.BasisSurplus},
		}
		if diff := cmp.Diff(want2, lines(as[1])); diff != "" {
			t.Errorf("allocation 2 (-want +got):\n%s", diff)
		}
		if as[1].AsOf != day("2026-03-01") || len(as[1].Delay) != 1 || as[1].Delay[0].Result.Interest != 70_665 {
			t.Errorf("allocation 2 explanation %+v", as[1].Delay)
		}
		// Allocating again does nothing.
		if again, err := f.s.Allocate(f.as("u-officer"), c.ID); err != nil || len(again) != 0 {
			t.Errorf("second Allocate = %v, %v", again, err)
		}

		// Payouts: the applicant is owed 48,100 + 51,900 + 1,000 + 706.65.
		p, err := f.s.RecordPayout(f.as("u-officer"), c.ID, casefund.PayoutInput{PartyID: creditor(c), Amount: yuan(100_000),
			PaidOn: day("2026-03-02"), PayeeName: "张三", PayeeAccount: "6217 0000 1111 2222", PayeeBank: "某银行象山支行", Reference: "P001"})
		if err != nil {
			t.Fatal(err)
		}
		if p.PayeeAccount != "****2222" {
			t.Errorf("payee account %q, want masked", p.PayeeAccount)
		}
		_, err = f.s.RecordPayout(f.as("u-officer"), c.ID, casefund.PayoutInput{PartyID: creditor(c), Amount: yuan(2_000),
			PaidOn: day("2026-03-02"), PayeeName: "张三", PayeeAccount: "6217000011112222", Reference: "P002"})
		wantField(t, err, "amount", "casefund_exceeds_payable")
		_, err = f.s.RecordPayout(f.as("u-officer"), c.ID, casefund.PayoutInput{PartyID: creditor(c), Amount: 1,
			PaidOn: day("2026-03-02"), PayeeName: "张三", PayeeAccount: "6217000011112222", Reference: "P001"})
		wantField(t, err, "reference", "casefund_reference_used")

		l, err := f.s.Ledger(f.as("u-creditor"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Received != yuan(110_000) || l.Deducted != yuan(1_900) || l.PaidOut != yuan(100_000) || l.Unallocated != 0 ||
			l.Balance != yuan(110_000-1_900-100_000) {
			t.Errorf("ledger sums %+v", l)
		}
		wantParties := []casefund.PartyBalance{
			{PartyID: creditor(c), PartyName: "张三", Role: "judgment_creditor", Allocated: 10_170_665, Paid: yuan(100_000), Payable: 170_665},
			{PartyID: debtor(c), PartyName: "李四", Role: "judgment_debtor", Allocated: 639_335, Payable: 639_335},
		}
		if diff := cmp.Diff(wantParties, l.Parties); diff != "" {
			t.Errorf("parties (-want +got):\n%s", diff)
		}
		for typ, n := range map[string]int{casefund.EventReceived: 2, casefund.EventAllocated: 2, casefund.EventPaid: 1} {
			if got := f.events(t, typ, c.ID); got != n {
				t.Errorf("%s events = %d, want %d", typ, got, n)
			}
		}
		// No account number or name in any payload.
		if n := f.count(t, `SELECT COUNT(*) FROM bus_outbox WHERE type LIKE 'ecourt.casefund.%' AND (payload LIKE ? OR payload LIKE ?)`, "%6217000011112222%", "%张三%"); n != 0 {
			t.Errorf("%d events carry personal data", n)
		}
	})
}

// TestAllocateProRata: two applicants owed 60,000 and 40,000 yuan share
// 10,000.01 yuan in proportion (600,000.6 and 400,000.4 fen); the odd fen
// goes to the larger remainder.
func TestAllocateProRata(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, true)
		second := c.Parties[2].ID
		if _, err := f.s.SetClaims(f.as("u-officer"), c.ID, casefund.ClaimsInput{Fee: ptr(money.Fen(0)), Claims: []casefund.ClaimInput{
			{PartyID: creditor(c), Principal: yuan(60_000), Due: day("2026-02-27")},
			{PartyID: second, Principal: yuan(40_000), Due: day("2026-02-27")},
		}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Receive(f.as("u-officer"), c.ID, casefund.ReceiptInput{On: day("2026-02-27"), Amount: 1_000_001, Payer: "李四", Reference: "R1"}); err != nil {
			t.Fatal(err)
		}
		as, err := f.s.Allocate(f.as("u-officer"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []casefund.AllocationLine{
			{Seq: 1, Kind: casefund.KindPrincipal, PartyID: creditor(c), PartyName: "张三", Owed: yuan(60_000), Amount: 600_001, Basis: casefund.BasisProRata},
			{Seq: 2, Kind: casefund.KindPrincipal, PartyID: second, PartyName: "王五", Owed: yuan(40_000), Amount: 400_000, Basis: casefund.BasisProRata},
		}
		if diff := cmp.Diff(want, as[0].Lines, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("lines (-want +got):\n%s", diff)
		}
	})
}

// TestAllocateInstalments: the delay of each instalment runs from its own
// due date (2014 interpretation Art. 2) inside an allocation.
func TestAllocateInstalments(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, false)
		_, err := f.s.SetClaims(f.as("u-officer"), c.ID, casefund.ClaimsInput{Fee: ptr(money.Fen(0)), Claims: []casefund.ClaimInput{
			{PartyID: creditor(c), Instalments: []casefund.Instalment{{Due: day("2026-01-31"), Amount: yuan(10_000)}, {Due: day("2026-02-28"), Amount: yuan(10_000)}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Receive(f.as("u-officer"), c.ID, casefund.ReceiptInput{On: day("2026-03-01"), Amount: yuan(30_000), Payer: "李四", Reference: "R1"}); err != nil {
			t.Fatal(err)
		}
		as, err := f.s.Allocate(f.as("u-officer"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 29 days × 10,000 (Feb 1–Mar 1) = 50.75; 1 day × 10,000 = 1.75.
		var delayLine casefund.AllocationLine
		for _, l := range as[0].Lines {
			if l.Kind == casefund.KindDelay {
				delayLine = l
			}
		}
		if delayLine.Owed != 5_075+175 || delayLine.Amount != 5_250 {
			t.Errorf("delay line %+v, want 5250", delayLine)
		}
	})
}

func TestSetClaimsInvalid(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, false)
		_, err := f.s.SetClaims(f.as("u-officer"), c.ID, casefund.ClaimsInput{Costs: yuan(1), Claims: []casefund.ClaimInput{
			{PartyID: debtor(c), Principal: yuan(1), Due: day("2026-01-01")},
			{PartyID: creditor(c), Principal: yuan(5), Instalments: []casefund.Instalment{{Due: day("2026-01-01"), Amount: yuan(1)}}},
			{PartyID: "nobody", Principal: 0},
		}})
		wantField(t, err, "costs_note", "required")
		wantField(t, err, "claims.0.party_id", "casefund_not_applicant")
		wantField(t, err, "claims.1.principal", "casefund_instalments_sum")
		wantField(t, err, "claims.2.party_id", "casefund_party_unknown")
		wantField(t, err, "claims.2.due", "date")
		if n := f.count(t, `SELECT COUNT(*) FROM casefund_account`); n != 0 {
			t.Errorf("%d accounts after a refused SetClaims", n)
		}
		_, err = f.s.Allocate(f.as("u-officer"), c.ID)
		wantCode(t, err, "not_found", "casefund.error.no_account")
		if _, err := f.s.Open(f.as("u-officer"), c.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Allocate(f.as("u-officer"), c.ID)
		wantCode(t, err, "conflict", "casefund.error.no_claims")
	})
}
