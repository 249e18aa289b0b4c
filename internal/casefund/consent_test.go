package casefund_test

import (
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// paidCase makes a case with one receipt allocated and paid to the
// applicant.
func (f *fixture) paidCase(t *testing.T) (c casefile.Case) {
	t.Helper()
	c = f.newCase(t, false)
	if _, err := f.s.SetClaims(f.as("u-officer"), c.ID, casefund.ClaimsInput{Fee: ptr(money.Fen(0)), Claims: []casefund.ClaimInput{
		{PartyID: creditor(c), Principal: yuan(10_000), Due: day("2026-03-01")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Receive(f.as("u-officer"), c.ID, casefund.ReceiptInput{On: day("2026-03-01"), Amount: yuan(10_000), Payer: "李四", Reference: "R1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Allocate(f.as("u-officer"), c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RecordPayout(f.as("u-officer"), c.ID, casefund.PayoutInput{PartyID: creditor(c), Amount: yuan(10_000),
		PaidOn: day("2026-03-02"), PayeeName: "张三", PayeeAccount: "6217000011112222", Reference: "P1"}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSharedCourt: the consent check of the shared-court read API — no
// consent, the party's own consent, a wrong identity number, another
// station, revocation and expiry; and a written consent recorded at the
// terminal.
func TestSharedCourt(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.paidCase(t)
		req := casefund.SharedRequest{CaseNumber: c.Number, IDNumber: "33022519800101123x"}
		_, _, err := f.s.SharedLedger(f.as("u-station"), req)
		wantCode(t, err, errs.Forbidden, "casefund.error.no_consent")

		cs, err := f.s.RecordConsent(f.as("u-creditor"), c.ID, casefund.ConsentInput{ExpiresOn: day("2026-04-01")})
		if err != nil {
			t.Fatal(err)
		}
		if cs.How != casefund.ConsentPlatform || cs.PartyID != creditor(c) || !cs.Active || cs.GrantedOn != day("2026-03-02") {
			t.Errorf("consent %+v", cs)
		}
		l, used, err := f.s.SharedLedger(f.as("u-station"), req)
		if err != nil {
			t.Fatal(err)
		}
		if used.ID != cs.ID || l.Received != yuan(10_000) || len(l.Payouts) != 1 || l.Payouts[0].PayeeName != "张三" ||
			l.Payouts[0].PayeeAccount != "****2222" || l.Staff || l.Money {
			t.Errorf("shared ledger %+v", l)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'casefund.ledger.shared_read' AND case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d shared-read audit entries, want 1", n)
		}

		// A wrong identity number or case number reveals nothing.
		_, _, err = f.s.SharedLedger(f.as("u-station"), casefund.SharedRequest{CaseNumber: c.Number, IDNumber: "110101199001011234"})
		wantCode(t, err, errs.NotFound, "casefund.error.shared_not_found")
		_, _, err = f.s.SharedLedger(f.as("u-station"), casefund.SharedRequest{CaseNumber: "（2026）浙0225执999号", IDNumber: req.IDNumber})
		wantCode(t, err, errs.NotFound, "casefund.error.shared_not_found")
		_, _, err = f.s.SharedLedger(f.as("u-station"), casefund.SharedRequest{CaseNumber: "nonsense"})
		wantField(t, err, "case_number", "format")
		// Only shared-court staff use the terminal API.
		_, _, err = f.s.SharedLedger(f.as("u-officer"), req)
		wantCode(t, err, errs.Forbidden, "casefund.error.shared_only")

		// The debtor has no consent; the terminal records their written one.
		dreq := casefund.SharedRequest{CaseNumber: c.Number, IDNumber: "330225198001011234"}
		_, _, err = f.s.SharedLedger(f.as("u-station"), dreq)
		wantCode(t, err, errs.Forbidden, "casefund.error.no_consent")
		dc, err := f.s.RecordSharedConsent(f.as("u-station"), dreq, day("2026-03-31"))
		if err != nil {
			t.Fatal(err)
		}
		if dc.How != casefund.ConsentWritten || dc.Station != "shared-station-1" || dc.PartyID != debtor(c) {
			t.Errorf("written consent %+v", dc)
		}
		dl, _, err := f.s.SharedLedger(f.as("u-station"), dreq)
		if err != nil {
			t.Fatal(err)
		}
		// The debtor sees the applicant's payout with the name masked.
		if dl.Payouts[0].PayeeName != "张*" || dl.Payouts[0].BankRef != "" {
			t.Errorf("debtor sees payout %+v", dl.Payouts[0])
		}

		// Revoked: refused again. Revoking twice is a conflict; the debtor
		// cannot revoke the creditor's consent.
		err = f.s.RevokeConsent(f.as("u-debtor"), cs.ID)
		wantCode(t, err, errs.Forbidden, "casefund.error.consent_not_yours")
		if err := f.s.RevokeConsent(f.as("u-creditor"), cs.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.s.RevokeConsent(f.as("u-creditor"), cs.ID), errs.Conflict, "casefund.error.consent_revoked")
		_, _, err = f.s.SharedLedger(f.as("u-station"), req)
		wantCode(t, err, errs.Forbidden, "casefund.error.no_consent")

		// Expired: the debtor's consent ran to 2026-03-31 inclusive.
		f.clk.Set(t0.AddDate(0, 0, 29)) // 2026-03-31
		if _, _, err := f.s.SharedLedger(f.as("u-station"), dreq); err != nil {
			t.Fatalf("on the last day: %v", err)
		}
		f.clk.Set(t0.AddDate(0, 0, 30)) // 2026-04-01
		_, _, err = f.s.SharedLedger(f.as("u-station"), dreq)
		wantCode(t, err, errs.Forbidden, "casefund.error.no_consent")
	})
}

func TestRecordConsentInvalid(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, false)
		_, err := f.s.RecordConsent(f.as("u-creditor"), c.ID, casefund.ConsentInput{ExpiresOn: day("2026-03-01")})
		wantField(t, err, "expires_on", "casefund_consent_past")
		_, err = f.s.RecordConsent(f.as("u-creditor"), c.ID, casefund.ConsentInput{ExpiresOn: day("2027-03-03")})
		wantField(t, err, "expires_on", "casefund_consent_too_long")
		_, err = f.s.RecordConsent(f.as("u-creditor"), c.ID, casefund.ConsentInput{ExpiresOn: day("2026-04-01"), How: casefund.ConsentWritten})
		wantField(t, err, "how", "casefund_consent_how")
		// The creditor cannot consent for the debtor.
		_, err = f.s.RecordConsent(f.as("u-creditor"), c.ID, casefund.ConsentInput{PartyID: debtor(c), ExpiresOn: day("2026-04-01")})
		wantCode(t, err, errs.Forbidden, "casefund.error.consent_not_yours")
		// Court staff record a written consent for a party.
		cs, err := f.s.RecordConsent(f.as("u-officer"), c.ID, casefund.ConsentInput{PartyID: debtor(c), ExpiresOn: day("2026-04-01")})
		if err != nil || cs.How != casefund.ConsentWritten {
			t.Fatalf("staff consent = %+v, %v", cs, err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM casefund_consent`); n != 1 {
			t.Errorf("%d consents, want 1", n)
		}
	})
}

// TestAccess: the casefile's check decides who reads; only enforcement
// officers and court administrators of the court handle money.
func TestAccess(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.paidCase(t)
		_, err := f.s.Ledger(f.as("u-stranger"), c.ID)
		wantCode(t, err, errs.NotFound, "")
		for _, u := range []string{"u-creditor", "u-judge"} {
			_, err = f.s.Receive(f.as(u), c.ID, casefund.ReceiptInput{On: day("2026-03-01"), Amount: 1, Payer: "x", Reference: "Z" + u})
			wantCode(t, err, errs.Forbidden, "")
		}
		_, err = f.s.Allocate(f.as("u-debtor"), c.ID)
		wantCode(t, err, errs.Forbidden, "casefund.error.money_only")
		// The judge reads everything; the debtor sees the payee masked.
		jl, err := f.s.Ledger(f.as("u-judge"), c.ID)
		if err != nil || !jl.Staff || jl.Money || jl.Payouts[0].PayeeName != "张三" {
			t.Errorf("judge ledger %+v, %v", jl, err)
		}
		dl, err := f.s.Ledger(f.as("u-debtor"), c.ID)
		if err != nil || dl.Staff || dl.Payouts[0].PayeeName != "张*" || dl.Payouts[0].PayeeAccount != "****2222" {
			t.Errorf("debtor ledger %+v, %v", dl, err)
		}
		// Every read went through the casefile check and is audited.
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'casefile.case.read' AND case_id = ?`, c.ID); n < 2 {
			t.Errorf("%d case reads audited", n)
		}
		// Idempotent API receipt: the same reference and content gives the
		// same receipt; other content is refused.
		r1, err := f.s.Receive(f.as("u-officer"), c.ID, casefund.ReceiptInput{On: day("2026-03-01"), Amount: yuan(10_000), Payer: "李四", Reference: "R1"})
		if err != nil || r1.Amount != yuan(10_000) {
			t.Fatalf("repeat Receive = %+v, %v", r1, err)
		}
		if got := f.events(t, casefund.EventReceived, c.ID); got != 1 {
			t.Errorf("received events = %d, want 1", got)
		}
		_, err = f.s.Receive(f.as("u-officer"), c.ID, casefund.ReceiptInput{On: day("2026-03-01"), Amount: yuan(9_000), Payer: "李四", Reference: "R1"})
		wantField(t, err, "reference", "casefund_reference_used")
		_, err = f.s.Receive(f.as("u-officer"), c.ID, casefund.ReceiptInput{On: day("2026-03-03"), Amount: 0, Reference: ""})
		wantField(t, err, "received_on", "future")
		wantField(t, err, "amount", "casefund_amount")
		wantField(t, err, "payer", "required")
		wantField(t, err, "reference", "required")
	})
}
