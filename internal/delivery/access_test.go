package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestAccess: only the case's judge, assistant and clerk (and the court's
// filing officers) serve; a stranger learns nothing; a party sees its own
// records only, but both sides see the periods.
func TestAccess(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		req := delivery.ServeRequest{CaseID: c.ID, Document: doc(delivery.DocNotice, false),
			Recipients: []delivery.RecipientSpec{{PartyID: defendant(c)}}}
		_, err := f.s.Serve(f.as("u-stranger"), req)
		wantCode(t, err, errs.NotFound, "")
		_, err = f.s.Serve(f.as("u-party"), req)
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.s.Serve(f.as("u-otherjudge"), req)
		wantCode(t, err, errs.Forbidden, "delivery.error.not_case_staff")
		_, err = f.s.Serve(context.Background(), req)
		wantCode(t, err, errs.Unauthenticated, "")
		if n := f.count(t, `SELECT COUNT(*) FROM delivery_service`); n != 0 {
			t.Fatalf("%d records after refused calls", n)
		}
		if _, err := f.s.Serve(f.as("u-judge"), req); err != nil {
			t.Fatalf("the case's judge: %v", err)
		}
		// Another context serving as the system (its own consumer).
		req.Document = doc(delivery.DocNotice, false)
		req.Recipients = []delivery.RecipientSpec{{AccountID: "u-lawyer"}} // the plaintiff, through its lawyer
		recs, err := f.s.Serve(delivery.AsSystem(context.Background(), "system:filing"), req)
		if err != nil {
			t.Fatalf("as system: %v", err)
		}
		if recs[0].PartyID != plaintiff(c) || recs[0].AccountID != "u-lawyer" || recs[0].ServedBy != "system:filing" {
			t.Errorf("system record = %+v", recs[0])
		}
		// Parties see their own records; the clerk all of them.
		own, err := f.s.ListServices(f.as("u-defendant"), c.ID)
		if err != nil || len(own) != 1 || own[0].PartyID != defendant(c) {
			t.Errorf("defendant's records = %+v, %v", own, err)
		}
		all, err := f.s.ListServices(f.as("u-clerk"), c.ID)
		if err != nil || len(all) != 2 {
			t.Errorf("clerk's records = %d, %v", len(all), err)
		}
		_, err = f.s.FindService(f.as("u-defendant"), recs[0].ID)
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.s.FindService(f.as("u-stranger"), recs[0].ID)
		wantCode(t, err, errs.NotFound, "")
		_, err = f.s.ListServices(f.as("u-stranger"), c.ID)
		wantCode(t, err, errs.NotFound, "")
		_, err = f.s.ListTasks(f.as("u-party"), c.ID)
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.s.FindConsent(f.as("u-defendant"), c.ID, plaintiff(c))
		wantCode(t, err, errs.Forbidden, "")
		// Bad requests name their fields and change nothing.
		_, err = f.s.Serve(f.as("u-clerk"), delivery.ServeRequest{CaseID: c.ID, CourtID: "elsewhere",
			Document:   delivery.Document{Kind: "memo", Appealable: true},
			Recipients: []delivery.RecipientSpec{{PartyID: "nobody"}, {AccountID: "u-stranger"}, {PartyID: defendant(c), Name: "王五"}, {}}})
		for _, fe := range [][2]string{{"court_id", "case_court"}, {"document.id", "required"}, {"document.kind", "document_kind"},
			{"document.title", "required"}, {"document.appealable", "not_appealable_kind"}, {"recipients[0].party_id", "unknown_party"},
			{"recipients[1].account_id", "unknown_account"}, {"recipients[2].name", "name_mismatch"}, {"recipients[3].party_id", "required"}} {
			wantField(t, err, fe[0], fe[1])
		}
		// The same document twice on the same party: resend instead.
		_, err = f.s.Serve(f.as("u-clerk"), req)
		wantCode(t, err, errs.Conflict, "delivery.error.already_served")
		if n := f.count(t, `SELECT COUNT(*) FROM delivery_service`); n != 2 {
			t.Errorf("%d records", n)
		}
	})
}

// TestCertificate: once served electronically the certificate job hands
// the whole record to the Certifier (idempotently) and attaches the
// reference; a revised time of service issues a new one.
func TestCertificate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, true, inboxAddr, smsAddr, emailAddr)
		r := f.serve(t, c, doc(delivery.DocJudgment, true), false)
		rf := ref(t, r, 1)
		f.clk.Set(t0.Add(12 * time.Minute))
		f.sent(t, rf, delivery.SMS, t0.Add(10*time.Minute))
		// Not every channel reported: the certificate waits (10 minutes).
		f.runJobs(t)
		if f.cert.calls != 0 {
			t.Fatalf("certificate issued before the other channels reported")
		}
		f.sent(t, rf, delivery.Inbox, t0.Add(5*time.Minute)) // earlier: the time moves
		f.failed(t, rf, delivery.Email, "bounced")
		f.clk.Set(t0.Add(30 * time.Minute))
		if err := f.s.Read(context.Background(), rf, delivery.Inbox, t0.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		f.runJobs(t)
		if f.cert.calls != 1 {
			t.Fatalf("%d certificate calls", f.cert.calls)
		}
		cert := f.cert.last
		if cert.ServiceID != r.ID || !cert.ServedAt.Equal(t0.Add(5*time.Minute)) || cert.ServedChannel != delivery.Inbox ||
			cert.RecipientName != "李四" || cert.CaseNumber != c.Number || len(cert.Attempts) != 3 || len(cert.Bases) != 1 ||
			cert.Bases[0].Kind != delivery.BasisExplicit || cert.ReadAt == nil || cert.Document.Kind != delivery.DocJudgment ||
			cert.Cause != "民间借贷纠纷" {
			t.Errorf("certificate = %+v", cert)
		}
		masked := map[delivery.Channel]string{}
		for _, e := range cert.Attempts {
			masked[e.Channel] = e.AddressMasked
		}
		if masked[delivery.SMS] != "138****1234" || masked[delivery.Email] != "li***@example.com" {
			t.Errorf("masked addresses %v", masked)
		}
		got := f.record(t, r.ID)
		if got.Certificate == nil || got.Certificate.Code != "CERT0001" {
			t.Fatalf("record certificate = %+v", got.Certificate)
		}
		if n := f.events(t, "ecourt.delivery.certificate.issued", c.ID); n != 1 {
			t.Errorf("%d certificate events", n)
		}
		f.runJobs(t)
		if f.cert.calls != 1 {
			t.Errorf("certificate issued again without a change")
		}
	})
}

// TestPaperCopy: the recipient of a judgment served electronically may ask
// for paper (CPL Art. 90): a task for the clerk, asked twice gives the same
// task, the time of service does not change.
func TestPaperCopy(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, true, smsAddr)
		j := f.serve(t, c, doc(delivery.DocJudgment, true), false)
		n := f.serve(t, c, doc(delivery.DocNotice, false), false)
		_, err := f.s.RequestPaperCopy(f.as("u-defendant"), j.ID)
		wantCode(t, err, errs.Conflict, "delivery.error.paper_not_electronic")
		f.sent(t, ref(t, j, 1), delivery.SMS, t0)
		f.sent(t, ref(t, n, 1), delivery.SMS, t0)
		_, err = f.s.RequestPaperCopy(f.as("u-defendant"), n.ID)
		wantCode(t, err, errs.Conflict, "delivery.error.paper_not_decisive")
		_, err = f.s.RequestPaperCopy(f.as("u-party"), j.ID)
		wantCode(t, err, errs.Forbidden, "")
		f.clk.Set(t0.Add(24 * time.Hour))
		t1, err := f.s.RequestPaperCopy(f.as("u-defendant"), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		t2, err := f.s.RequestPaperCopy(f.as("u-defendant"), j.ID)
		if err != nil || t2.ID != t1.ID {
			t.Fatalf("second request: %+v, %v", t2, err)
		}
		if t1.Kind != delivery.TaskPaperCopy || t1.AssigneeID != "u-clerk" {
			t.Errorf("task = %+v", t1)
		}
		got := f.record(t, j.ID)
		if got.PaperRequestedAt == nil || !got.ServedAt.Equal(t0) {
			t.Errorf("record = %v %v", got.PaperRequestedAt, got.ServedAt)
		}
		_, err = f.s.CloseTask(f.as("u-clerk"), t1.ID, "")
		wantField(t, err, "outcome", "required")
		done, err := f.s.CloseTask(f.as("u-clerk"), t1.ID, "EMS 1234 寄出")
		if err != nil || done.Status != delivery.TaskDone {
			t.Fatalf("CloseTask = %+v, %v", done, err)
		}
		_, err = f.s.CloseTask(f.as("u-clerk"), t1.ID, "again")
		wantCode(t, err, errs.Conflict, "delivery.error.task_closed")
		if n := f.events(t, "ecourt.delivery.paper.requested", c.ID); n != 1 {
			t.Errorf("%d paper events", n)
		}
	})
}
