package filing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestAcceptCreatesTheCase(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.submitted(t)
		if a.Status != Submitted || a.Clock == nil {
			t.Fatalf("after Submit: status %s, clock %v", a.Status, a.Clock)
		}
		// Submitted Monday 2026-03-02: 7 days from Tuesday → Monday 2026-03-09.
		if got, want := a.Clock.Deadline, "2026-03-09"; got != want {
			t.Errorf("deadline %s, want %s", got, want)
		}
		if got, want := a.Clock.DaysLeft, 7; got != want {
			t.Errorf("days left %d, want %d", got, want)
		}
		// 50,000 yuan of principal and the overdue interest up to the filing.
		if a.ClaimTotalFen < 5_000_000 {
			t.Errorf("claim total %d, want at least 5,000,000", a.ClaimTotalFen)
		}
		if _, err := f.s.Accept(f.as(uOther), a.ID, casefile.Simplified); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another court's officer accepting: %v, want not_found", err)
		}
		if _, err := f.s.Accept(f.as(uLitigant), a.ID, casefile.Simplified); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("the filer accepting: %v, want forbidden", err)
		}
		a, err := f.s.Accept(f.as(uOfficer), a.ID, casefile.Simplified)
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		if got, want := a.CaseNumber, "（2026）浙0225民初1号"; got != want {
			t.Errorf("case number %q, want %q", got, want)
		}
		if a.Status != Accepted || a.Accepting {
			t.Errorf("status %s accepting %v", a.Status, a.Accepting)
		}
		c, err := f.cases.Get(casefile.AsSystem(context.Background()), a.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Procedure != casefile.Simplified || c.Cause != "民间借贷纠纷" || c.TypeCode != "民初" {
			t.Errorf("case %+v", c)
		}
		if len(c.Parties) != 2 || c.Parties[0].AccountID != uLitigant || c.Parties[1].AccountID != "" {
			t.Errorf("parties %+v: want the filer linked to the plaintiff", c.Parties)
		}
		// The fee bill's event: exactly these keys.
		p := outboxPayload(t, f.db, "ecourt.filing.application.accepted", a.ID)
		var keys []string
		for k := range p {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := []string{"amount_fen", "application_id", "case_id", "court_id", "fee_kind", "payer_account_id", "payer_party_id", "procedure"}
		if !slices.Equal(keys, want) {
			t.Errorf("accepted payload keys %v, want %v", keys, want)
		}
		if p["case_id"] != c.ID || p["payer_account_id"] != uLitigant || p["payer_party_id"] != c.Parties[0].ID ||
			p["fee_kind"] != "property" || p["amount_fen"] != float64(a.ClaimTotalFen) || p["procedure"] != "simplified" {
			t.Errorf("accepted payload %v", p)
		}
		for _, typ := range []string{"submitted", "accepted"} {
			if n := countOutbox(t, f.db, "ecourt.filing.application."+typ, a.ID); n != 1 {
				t.Errorf("%d %s events, want 1", n, typ)
			}
		}
		if n := countAudit(t, f.db, "filing.application.accepted", a.ID, uOfficer); n != 1 {
			t.Errorf("%d accepted audit entries, want 1", n)
		}
		// A retried Accept finds the case; no second case is made.
		if again, err := f.s.Accept(f.as(uOfficer), a.ID, casefile.Simplified); err != nil || again.CaseID != a.CaseID {
			t.Errorf("second Accept: %v %v, want the same case", err, again)
		}
		// Rejecting an accepted application is a conflict.
		if _, err := f.s.Reject(f.as(uOfficer), a.ID, "x"); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("Reject after Accept: %v, want conflict", err)
		}
		// The timer is settled.
		var state string
		if err := f.db.QueryRow(context.Background(), `SELECT state FROM jobs_job WHERE kind = ? AND key = ?`, JobDeadline, a.ID).Scan(&state); err != nil || state != "cancelled" {
			t.Errorf("deadline job %q %v, want cancelled", state, err)
		}
		// A second acceptance at the court takes the next number.
		b, err := f.s.Accept(f.as(uOfficer), f.submitted(t).ID, casefile.Ordinary)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := b.CaseNumber, "（2026）浙0225民初2号"; got != want {
			t.Errorf("second case number %q, want %q", got, want)
		}
	})
}

func TestAcceptAfterACrashMakesOneCase(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.submitted(t)
		crash := errors.New("process died")
		f.s.afterCaseCreated = func(string) error { return crash }
		if _, err := f.s.Accept(f.as(uOfficer), a.ID, casefile.Ordinary); !errors.Is(err, crash) {
			t.Fatalf("Accept: %v, want the simulated crash", err)
		}
		f.s.afterCaseCreated = nil
		got, err := f.s.Get(f.as(uLitigant), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Accepting || got.CaseID != "" {
			t.Fatalf("after the crash: accepting %v case %q", got.Accepting, got.CaseID)
		}
		// While the lease holds, a retry is refused; the job takes over later.
		if err := f.s.finishAccept(context.Background(), a.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("retry under the lease: %v, want conflict", err)
		}
		f.clk.Set(t0.Add(acceptLease + 2*time.Minute))
		if n, err := f.runner.RunDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("RunDue: %d %v", n, err)
		}
		got, err = f.s.Get(f.as(uLitigant), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != Accepted || got.CaseNumber != "（2026）浙0225民初1号" {
			t.Errorf("after recovery: %s %q", got.Status, got.CaseNumber)
		}
		list, err := f.cases.Search(casefile.AsSystem(context.Background()), f.court.ID, casefile.Query{}, casefile.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 {
			t.Errorf("%d cases, want exactly 1", len(list.Items))
		}
	})
}

func TestSubmitChecksEverythingAtOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		tests := []struct {
			name   string
			draft  NewDraft
			upload bool
			want   []string // field:code that must be among the problems
		}{
			{"no evidence", NewDraft{Parties: []Party{plaintiff(), defendant()}, Answers: lendingAnswers()}, false,
				[]string{"evidence:filing_evidence_required"}},
			{"no defendant, no principal", NewDraft{Parties: []Party{plaintiff()}, Answers: map[string]string{"loan_date": "2025-01-10"}}, true,
				[]string{"answers.principal:required", "defendant:count_min"}},
			{"bad check digit", NewDraft{Parties: []Party{func() Party { p := plaintiff(); p.IDNumber = p.IDNumber[:17] + "0"; return p }(), defendant()},
				Answers: lendingAnswers()}, true, []string{"parties[0].id_number:id_number"}},
			{"lawyer without power of attorney or licence", NewDraft{FiledAs: AsLawyer, Parties: []Party{plaintiff(), defendant()},
				Answers: lendingAnswers(), Representative: &Representative{Name: "王律师"}}, true,
				[]string{"power_of_attorney:filing_power_of_attorney", "representative.licence_no:required", "representative.firm:required"}},
			{"future loan date", NewDraft{Parties: []Party{plaintiff(), defendant()},
				Answers: map[string]string{"loan_date": "2027-01-01", "principal": "100", "delivery": "cash", "iou": "no", "interest_agreed": "no"}}, true,
				[]string{"answers.loan_date:future"}},
		}
		for _, tt := range tests {
			d := tt.draft
			d.CourtID, d.TemplateID = f.court.ID, "private_lending"
			a, _, err := f.s.CreateDraft(f.as(uLawyer), d, Once{})
			if err != nil {
				t.Fatalf("%s: CreateDraft: %v", tt.name, err)
			}
			if tt.upload {
				f.addPDF(t, uLawyer, a.ID)
			}
			_, _, err = f.s.Submit(f.as(uLawyer), a.ID, Once{})
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%s: Submit: %v, want invalid", tt.name, err)
				continue
			}
			got := fieldCodes(err)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s: problems %v lack %s", tt.name, got, w)
				}
			}
			if st, _ := f.s.Get(f.as(uLawyer), a.ID); st.Status != Draft {
				t.Errorf("%s: status %s after a refused submit", tt.name, st.Status)
			}
		}
		if _, _, err := f.s.CreateDraft(f.as(uUnverif), NewDraft{CourtID: f.court.ID, TemplateID: "private_lending"}, Once{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unverified account: %v, want forbidden", err)
		}
		if _, _, err := f.s.CreateDraft(f.as(uLitigant), NewDraft{CourtID: "nope", TemplateID: "nope"}, Once{}); !hasCode(err, "court_id:filing_court") || !hasCode(err, "template_id:filing_template") {
			t.Errorf("bad court and template: %v", fieldCodes(err))
		}
	})
}

func TestLawyerFilesForAClient(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a, _, err := f.s.CreateDraft(f.as(uLawyer), NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", FiledAs: AsLawyer,
			ClientAccountID: uClient, Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()},
			Representative: &Representative{Name: "王律师", LicenceNo: "13302201010123456", Firm: "浙江某律师事务所", Client: 0}}, Once{})
		if err != nil {
			t.Fatal(err)
		}
		f.addPDF(t, uLawyer, a.ID)
		if _, err := f.s.AddEvidence(f.as(uLawyer), a.ID, Upload{Role: RolePowerOfAttorney, Body: bytes.NewReader(sampleJPEG())}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.Submit(f.as(uLawyer), a.ID, Once{}); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if _, err := f.s.Get(f.as(uClient), a.ID); err != nil {
			t.Errorf("the client reading: %v", err)
		}
		a, err = f.s.Accept(f.as(uOfficer), a.ID, casefile.Ordinary)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.cases.Get(casefile.AsSystem(context.Background()), a.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Parties[0].AccountID != uClient {
			t.Errorf("plaintiff account %q, want the client", c.Parties[0].AccountID)
		}
		if len(c.Representatives) != 1 || c.Representatives[0].Kind != casefile.Lawyer || c.Representatives[0].AccountID != uLawyer ||
			c.Representatives[0].LicenceNo != "13302201010123456" || c.Representatives[0].PartyID != c.Parties[0].ID {
			t.Errorf("representatives %+v", c.Representatives)
		}
	})
}

func TestIdempotentCreateUnderConcurrentRetries(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		d := NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()}}
		once := Once{Key: "key-1", RequestHash: "h1"}
		var wg sync.WaitGroup
		got := make([]string, 20)
		errsOut := make([]error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, _, err := f.s.CreateDraft(f.as(uLitigant), d, once)
				errsOut[i] = err
				if err == nil {
					got[i] = a.ID
				}
			}()
		}
		wg.Wait()
		for i, err := range errsOut {
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if got[i] != got[0] {
				t.Fatalf("request %d got %s, request 0 %s", i, got[i], got[0])
			}
		}
		var n int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM filing_application`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d applications (%v), want 1", n, err)
		}
		// The same key with another request is a conflict.
		if _, _, err := f.s.CreateDraft(f.as(uLitigant), d, Once{Key: "key-1", RequestHash: "h2"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("same key, other request: %v, want conflict", err)
		}
		// Submit: 20 concurrent retries, one submission.
		f.addPDF(t, uLitigant, got[0])
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errsOut[i] = f.s.Submit(f.as(uLitigant), got[0], Once{Key: "submit-1", RequestHash: "s1"})
			}()
		}
		wg.Wait()
		for i, err := range errsOut {
			if err != nil {
				t.Fatalf("submit %d: %v", i, err)
			}
		}
		if n := countOutbox(t, f.db, "ecourt.filing.application.submitted", got[0]); n != 1 {
			t.Errorf("%d submitted events, want 1", n)
		}
	})
}

func TestFormTokenIsOneTime(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		ctx := f.as(uLitigant)
		tok, err := f.s.FormToken(ctx, "create")
		if err != nil {
			t.Fatal(err)
		}
		d := NewDraft{CourtID: f.court.ID, TemplateID: "private_lending"}
		a, replayed, err := f.s.CreateDraft(ctx, d, Once{FormToken: tok})
		if err != nil || replayed {
			t.Fatalf("first submit: %v %v", replayed, err)
		}
		b, replayed, err := f.s.CreateDraft(ctx, d, Once{FormToken: tok})
		if err != nil || !replayed || b.ID != a.ID {
			t.Fatalf("retried submit: %v %v %s, want the same application replayed", replayed, err, b.ID)
		}
		if _, _, err := f.s.CreateDraft(f.as(uStranger), d, Once{FormToken: tok}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("someone else's token: %v, want invalid", err)
		}
		if _, _, err := f.s.CreateDraft(ctx, d, Once{FormToken: "forged"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("forged token: %v, want invalid", err)
		}
	})
}

func TestCorrectionRestartsTheClockOnTheCourtCalendar(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		// Wednesday 2026-09-16: the period ends Wednesday 09-23.
		f.clk.Set(time.Date(2026, 9, 16, 2, 0, 0, 0, time.UTC))
		a := f.submitted(t)
		if a.Clock.Deadline != "2026-09-23" {
			t.Fatalf("deadline %s, want 2026-09-23", a.Clock.Deadline)
		}
		f.clk.Set(time.Date(2026, 9, 18, 2, 0, 0, 0, time.UTC))
		if _, err := f.s.RequestCorrection(f.as(uOfficer), a.ID, nil, "", 0); !hasCode(err, "items:filing_correction_empty") {
			t.Errorf("empty notice: %v", fieldCodes(err))
		}
		a, err := f.s.RequestCorrection(f.as(uOfficer), a.ID, []string{"evidence_unreadable", "claims_unclear", "other"}, "请补充转账记录", 10)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != CorrectionRequested || !a.Clock.Stopped || len(a.Notices) != 1 || len(a.Notices[0].Items) != 3 || a.Notices[0].Due != "2026-09-28" {
			t.Fatalf("after the notice: %s %+v %+v", a.Status, a.Clock, a.Notices)
		}
		if _, err := f.s.Accept(f.as(uOfficer), a.ID, casefile.Ordinary); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("accepting while the correction is outstanding: %v", err)
		}
		// The litigant completes it on Thursday 09-24: the period counts
		// from Friday 09-25, its 7th day is 10-01 (国庆节), so it ends on the
		// first working day after the holiday, Thursday 10-08.
		f.clk.Set(time.Date(2026, 9, 24, 3, 0, 0, 0, time.UTC))
		f.addPDF(t, uLitigant, a.ID)
		a, _, err = f.s.Submit(f.as(uLitigant), a.ID, Once{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != Resubmitted || a.Clock.Start != "2026-09-24" || a.Clock.Deadline != "2026-10-08" || !a.Clock.Rolled {
			t.Errorf("after the correction: %s %+v, want deadline 2026-10-08 rolled over the holiday", a.Status, a.Clock)
		}
		if a.Notices[0].CompletedAt == nil || a.Corrections != 1 {
			t.Errorf("notice %+v corrections %d", a.Notices[0], a.Corrections)
		}
		if n := countOutbox(t, f.db, "ecourt.filing.application.corrected", a.ID); n != 1 {
			t.Errorf("%d corrected events", n)
		}
		j := findJob(t, f.db, JobDeadline, a.ID)
		if want := time.Date(2026, 10, 8, 16, 0, 0, 0, time.UTC); !j.Equal(want) || j.IsZero() {
			t.Errorf("register-by-default job at %v, want %v", j, want)
		}
	})
}

// findJob returns the run_at of a scheduled job.
func findJob(t testing.TB, db *sqldb.DB, kind, key string) time.Time {
	t.Helper()
	var state string
	var at time.Time
	if err := db.QueryRow(context.Background(), `SELECT state, run_at FROM jobs_job WHERE kind = ? AND key = ?`, kind, key).Scan(&state, &at); err != nil {
		t.Fatal(err)
	}
	if state != "scheduled" {
		t.Errorf("job %s %s is %s", kind, key, state)
	}
	return at.UTC()
}

func TestRegisteredByDefaultWhenThePeriodPasses(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.submitted(t)
		// The last day is Monday 03-09: nothing happens on it.
		f.clk.Set(time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC))
		if n, _ := f.runner.RunDue(context.Background()); n != 0 {
			t.Errorf("%d jobs ran on the last day", n)
		}
		q, err := f.s.ListQueue(f.as(uOfficer), f.court.ID)
		if err != nil || len(q.Pending) != 1 || q.Pending[0].Clock.DaysLeft != 0 || q.Pending[0].Clock.Overdue {
			t.Errorf("queue on the last day: %+v %v", q, err)
		}
		f.clk.Set(time.Date(2026, 3, 9, 16, 30, 0, 0, time.UTC)) // 00:30 on Tuesday 03-10
		if n, err := f.runner.RunDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("RunDue: %d %v", n, err)
		}
		a, err = f.s.Get(f.as(uLitigant), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != RegisteredByDefault || a.CaseNumber != "（2026）浙0225民初1号" || a.Procedure != "ordinary" {
			t.Errorf("after the period: %s %q %q", a.Status, a.CaseNumber, a.Procedure)
		}
		if n := countOutbox(t, f.db, "ecourt.filing.application.registered_by_default", a.ID); n != 1 {
			t.Errorf("%d registered_by_default events", n)
		}
		if n := countOutbox(t, f.db, "ecourt.filing.application.accepted", a.ID); n != 1 {
			t.Errorf("%d accepted events (the fee bill), want 1", n)
		}
		tl, _ := f.s.Timeline(f.as(uLitigant), a.ID)
		if last := tl[len(tl)-1]; last.Type != string(RegisteredByDefault) {
			t.Errorf("timeline ends with %s", last.Type)
		}
		if n, _ := f.runner.RunDue(context.Background()); n != 0 {
			t.Errorf("%d jobs ran again", n)
		}
	})
}

func TestRejectWithTheAppealRight(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.submitted(t)
		if _, err := f.s.Reject(f.as(uOfficer), a.ID, " "); !hasCode(err, "reason:required") {
			t.Errorf("no reason: %v", fieldCodes(err))
		}
		a, err := f.s.Reject(f.as(uOfficer), a.ID, "原告与本案没有直接利害关系")
		if err != nil {
			t.Fatal(err)
		}
		a, err = f.s.Get(f.as(uLitigant), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != Rejected || a.RejectReason != "原告与本案没有直接利害关系" || a.CaseID != "" {
			t.Errorf("after Reject: %s %q %q", a.Status, a.RejectReason, a.CaseID)
		}
		by, err := f.s.AppealBy(context.Background(), a)
		if err != nil || by.String() != "2026-03-12" {
			t.Errorf("appeal by %s %v, want 2026-03-12", by, err)
		}
		p := outboxPayload(t, f.db, "ecourt.filing.application.rejected", a.ID)
		if p["appeal_days"] != float64(10) || p["reason"] != "原告与本案没有直接利害关系" {
			t.Errorf("rejected payload %v", p)
		}
		if _, err := f.s.Accept(f.as(uOfficer), a.ID, casefile.Ordinary); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("accepting a rejected application: %v", err)
		}
	})
}

func TestAssistedFiling(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		d := AssistedDraft{CourtID: f.court.ID, TemplateID: "private_lending", Name: "王五",
			IDNumber: residentID("330225", "19500505", "111"), Address: "浙江省象山县石浦镇1号", Phone: "13700001234",
			Consent: true, ConsentHow: ConsentWritten}
		if _, _, err := f.s.CreateAssisted(f.as(uLitigant), d, Once{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a litigant assisting: %v", err)
		}
		bad := d
		bad.IDNumber, bad.Consent = d.IDNumber[:17]+"0", false
		if _, _, err := f.s.CreateAssisted(f.as(uClerk), bad, Once{}); !hasCode(err, "id_number:checksum") || !hasCode(err, "consent:filing_consent") {
			t.Errorf("bad ID and no consent: %v", fieldCodes(err))
		}
		a, _, err := f.s.CreateAssisted(f.as(uClerk), d, Once{})
		if err != nil {
			t.Fatal(err)
		}
		if a.FiledAs != AsAssisted || a.Parties[0].Sex != "M" || a.Parties[0].BirthDate != "1950-05-05" || !a.Assisted.Consent {
			t.Errorf("assisted draft %+v %+v", a.Parties, a.Assisted)
		}
		if _, err := f.s.Update(f.as(uClerk), a.ID, Changes{Answers: lendingAnswers(), Parties: &[]Party{a.Parties[0], defendant()}}); err != nil {
			t.Fatal(err)
		}
		f.addPDF(t, uClerk, a.ID)
		if _, _, err := f.s.Submit(f.as(uClerk), a.ID, Once{}); !hasCode(err, "consent:filing_consent_scan") {
			t.Errorf("written consent without the scan: %v", fieldCodes(err))
		}
		if _, err := f.s.AddEvidence(f.as(uClerk), a.ID, Upload{Role: RoleConsent, Body: bytes.NewReader(samplePNG())}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.Submit(f.as(uClerk), a.ID, Once{}); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		a, err = f.s.Accept(f.as(uOfficer), a.ID, casefile.Simplified)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := f.cases.Get(casefile.AsSystem(context.Background()), a.CaseID)
		if c.Parties[0].Name != "王五" || c.Parties[0].AccountID != "" {
			t.Errorf("the person: %+v, want an account-less party", c.Parties[0])
		}
		if p := outboxPayload(t, f.db, "ecourt.filing.application.accepted", a.ID); p["payer_account_id"] != "" {
			t.Errorf("payer account %v, want none", p["payer_account_id"])
		}
	})
}

func TestEvidenceAccess(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.ready(t)
		e := a.Evidence
		if len(e) == 0 {
			a, _ = f.s.Get(f.as(uLitigant), a.ID)
			e = a.Evidence
		}
		eid := e[0].ID
		tests := []struct {
			user string
			want errs.Code
		}{
			{uLitigant, ""}, {uOfficer, ""}, {uStranger, errs.NotFound}, {uOther, errs.NotFound}, {uJudge, errs.NotFound}, {uClient, errs.NotFound},
		}
		for _, tt := range tests {
			ev, rc, err := f.s.OpenEvidence(f.as(tt.user), a.ID, eid)
			if errs.CodeOf(err) != tt.want {
				t.Errorf("%s: %v, want %q", tt.user, err, tt.want)
				continue
			}
			if err == nil {
				var b bytes.Buffer
				b.ReadFrom(rc) //nolint:errcheck
				rc.Close()
				if !bytes.Equal(b.Bytes(), samplePDF("借条")) || ev.Kind != KindPDF || ev.Pages != 1 {
					t.Errorf("%s: got %d bytes of %s, %d pages", tt.user, b.Len(), ev.Kind, ev.Pages)
				}
				if n := countAudit(t, f.db, "filing.evidence.read", a.ID, tt.user); n != 1 {
					t.Errorf("%s: %d read audit entries", tt.user, n)
				}
			}
		}
		if n := countAudit(t, f.db, "filing.evidence.denied", a.ID, uStranger); n != 1 {
			t.Errorf("%d denied entries for the stranger", n)
		}
	})
}

func TestEvidenceIsCheckedByContent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.draft(t)
		tests := []struct {
			name, file string
			body       []byte
			kind, code string
		}{
			{"pdf", "a.pdf", samplePDF("x"), KindPDF, ""},
			{"png named .pdf", "a.pdf", samplePNG(), KindPNG, ""},
			{"jpeg", "a.jpg", sampleJPEG(), KindJPEG, ""},
			{"wav", "a.wav", sampleWAV(), KindWAV, ""},
			{"mp4", "a.mp4", sampleMP4(), KindMP4, ""},
			{"mp3", "a.mp3", sampleMP3(), KindMP3, ""},
			{"encrypted pdf", "a.pdf", encryptedPDF(), "", "filing_pdf_encrypted"},
			{"truncated pdf", "a.pdf", samplePDF("x")[:300], "", "filing_pdf_truncated"},
			{"text named .pdf", "a.pdf", []byte("hello, this is not a PDF"), "", "filing_file_type"},
			{"empty", "a.pdf", nil, "", "filing_file_empty"},
		}
		for _, tt := range tests {
			e, err := f.s.AddEvidence(f.as(uLitigant), a.ID, Upload{Role: RoleEvidence, Name: "证据", Purpose: "证明", FileName: tt.file,
				Body: bytes.NewReader(tt.body)})
			if tt.code != "" {
				if !hasCode(err, "file:"+tt.code) {
					t.Errorf("%s: %v, want file:%s", tt.name, fieldCodes(err), tt.code)
				}
				continue
			}
			if err != nil || e.Kind != tt.kind || len(e.SHA256) != 64 {
				t.Errorf("%s: %+v %v", tt.name, e, err)
			}
			// Each accepted file is announced with its hash for the
			// evidence ledger; refused ones are not.
			if p := outboxPayload(t, f.db, EventEvidenceAdded, e.ID); p["sha256"] != e.SHA256 || p["application_id"] != a.ID {
				t.Errorf("%s: ledger event %v, want sha256 %s", tt.name, p, e.SHA256)
			}
		}
		if n := countOutbox(t, f.db, EventEvidenceAdded, a.ID); n != 6 {
			t.Errorf("%d evidence events, want 6 (one per accepted file)", n)
		}
		// Every refusal has a plain message in both languages.
		cat := (&HTTP{S: f.s}).catalog()
		for _, code := range []string{"filing_pdf_encrypted", "filing_pdf_truncated", "filing_pdf_corrupt", "filing_file_type"} {
			for _, lang := range []string{"zh-CN", "en"} {
				if m := cat.T(langOf(lang), "field."+code); m == "" || strings.HasPrefix(m, "field.") {
					t.Errorf("%s %s: no message", lang, code)
				}
			}
		}
	})
}

func TestQueueOldestFirstWithOverdue(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		first := f.submitted(t)
		f.clk.Set(t0.Add(48 * time.Hour))
		second := f.submitted(t)
		f.clk.Set(t0.Add(72 * time.Hour))
		third := f.submitted(t)
		if _, err := f.s.RequestCorrection(f.as(uOfficer), third.ID, []string{"parties_incomplete"}, "", 0); err != nil {
			t.Fatal(err)
		}
		// Thursday 03-10 10:00 China: the first is overdue (03-09), the second not (03-11).
		f.clk.Set(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC))
		q, err := f.s.ListQueue(f.as(uOfficer), f.court.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Pending) != 2 || q.Pending[0].ID != first.ID || q.Pending[1].ID != second.ID {
			t.Fatalf("pending %+v", q.Pending)
		}
		if !q.Pending[0].Clock.Overdue || q.Pending[0].Clock.DaysLeft != -1 || q.Pending[1].Clock.Overdue || q.Pending[1].Clock.DaysLeft != 1 {
			t.Errorf("clocks %+v %+v", q.Pending[0].Clock, q.Pending[1].Clock)
		}
		if len(q.Correcting) != 1 || q.Correcting[0].ID != third.ID {
			t.Errorf("correcting %+v", q.Correcting)
		}
		if _, err := f.s.ListQueue(f.as(uOther), f.court.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("another court's officer: %v", err)
		}
	})
}

func TestWarnings(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		codes := func(a *Application) []string {
			var out []string
			for _, w := range f.s.warnings(context.Background(), a, f.db.Now()) {
				out = append(out, w.Code)
			}
			return out
		}
		a := f.draft(t)
		if got := codes(a); len(got) != 0 {
			t.Errorf("a local case: warnings %v", got)
		}
		far := plaintiff()
		far.IDNumber, far.Address = residentID("110105", "19800101", "123"), "北京市朝阳区某路1号"
		farDef := defendant()
		farDef.IDNumber, farDef.Address = residentID("110105", "19850505", "224"), "北京市朝阳区某路2号"
		a.Parties = []Party{far, farDef}
		a.Answers["principal"] = "600000000"
		if got := codes(a); !slices.Contains(got, WarnRegion) || !slices.Contains(got, WarnAmountHigh) {
			t.Errorf("far parties, large amount: %v", got)
		}
		a.CourtID = f.sea.ID
		if got := codes(a); !slices.Contains(got, WarnNotMaritime) {
			t.Errorf("lending at the maritime court: %v", got)
		}
		a.CourtID, a.TemplateID = f.court.ID, "ship_charter"
		if tm, ok := findTemplateAny("ship_charter"); ok {
			a.TemplateVersion = tm
		}
		if got := codes(a); !slices.Contains(got, WarnMaritimeCourt) {
			t.Errorf("charter at a basic court: %v", got)
		}
	})
}

func findTemplateAny(id string) (string, bool) {
	t, err := currentTemplate(id)
	return t.Version, err == nil
}

func TestStateMachine(t *testing.T) {
	for _, from := range Statuses {
		for _, to := range Statuses {
			ok := CanMove(from, to)
			want := slices.Contains(transitions[from], to)
			if ok != want {
				t.Errorf("%s → %s: %v", from, to, ok)
			}
			if ok && eventOf[to] == "" {
				t.Errorf("%s has no event", to)
			}
		}
		if from.Decided() && len(transitions[from]) > 0 {
			t.Errorf("%s is final but has transitions", from)
		}
	}
	_ = fmt.Sprint
}
