package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestEarliestChannelWins: the legal time of service is the earliest
// "sent successfully" among the valid channels, even when that report
// arrives after a later one; the periods follow it back.
func TestEarliestChannelWins(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, true, smsAddr, emailAddr)
		r := f.serve(t, c, doc(delivery.DocJudgment, true), false)
		rf := ref(t, r, 1)
		// The platform inbox is a notice here (not chosen): its early
		// success does not fix the time of service.
		f.clk.Set(china(2026, 3, 2, 23, 59))
		f.sent(t, rf, delivery.Inbox, china(2026, 3, 2, 10, 0))
		if got := f.record(t, r.ID); got.Status != delivery.Sending || got.ServedAt != nil {
			t.Fatalf("after the inbox notice: %s %v", got.Status, got.ServedAt)
		}
		// SMS reports first, sent on 3 March 00:05 (China)…
		f.clk.Set(china(2026, 3, 3, 9, 0))
		f.sent(t, rf, delivery.SMS, china(2026, 3, 3, 0, 5))
		got := f.record(t, r.ID)
		if got.Status != delivery.Served || got.ServedChannel != delivery.SMS || !got.ServedAt.Equal(china(2026, 3, 3, 0, 5)) {
			t.Fatalf("after SMS: %s %s %v", got.Status, got.ServedChannel, got.ServedAt)
		}
		ps := f.periods(t, c, "u-party")
		if len(ps) != 1 || ps[0].Kind != delivery.PeriodAppealJudgment || ps[0].Start != day("2026-03-03") || ps[0].End != day("2026-03-18") {
			t.Fatalf("periods after SMS: %+v", ps)
		}
		// …then e-mail reports that it was sent at 2 March 23:58: it wins,
		// and the period starts a day earlier.
		f.sent(t, rf, delivery.Email, china(2026, 3, 2, 23, 58))
		got = f.record(t, r.ID)
		if got.ServedChannel != delivery.Email || !got.ServedAt.Equal(china(2026, 3, 2, 23, 58)) || *got.ServedOn != day("2026-03-02") {
			t.Fatalf("after e-mail: %s %v %v", got.ServedChannel, got.ServedAt, got.ServedOn)
		}
		ps = f.periods(t, c, "u-defendant")
		if len(ps) != 1 || ps[0].Start != day("2026-03-02") || ps[0].End != day("2026-03-17") {
			t.Fatalf("periods after e-mail: %+v", ps)
		}
		if n := f.events(t, "ecourt.delivery.service.effective", c.ID); n != 2 {
			t.Errorf("%d effective events, want 2 (the second revised)", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM delivery_period WHERE case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d period rows", n)
		}
	})
}

// TestOutcomesIdempotentAndOutOfOrder: repeated and late reports change
// nothing; a success after a failure of the same channel counts; a failure
// after a success is ignored; a read before the sent report is kept.
func TestOutcomesIdempotentAndOutOfOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, false, smsAddr, emailAddr)
		r := f.serve(t, c, doc(delivery.DocNotice, false), false)
		rf := ref(t, r, 1)
		ctx := context.Background()
		f.clk.Set(t0.Add(10 * time.Minute))
		readAt := t0.Add(3 * time.Minute)
		if err := f.s.Read(ctx, rf, delivery.SMS, readAt); err != nil {
			t.Fatal(err)
		}
		f.failed(t, rf, delivery.SMS, "provider timeout")
		f.sent(t, rf, delivery.SMS, t0.Add(time.Minute))
		f.sent(t, rf, delivery.SMS, t0.Add(time.Minute))
		f.sent(t, rf, delivery.SMS, t0.Add(2*time.Minute)) // later: the first stands
		f.failed(t, rf, delivery.SMS, "bounced")           // after success: ignored
		if err := f.s.Read(ctx, rf, delivery.SMS, readAt); err != nil {
			t.Fatal(err)
		}
		got := f.record(t, r.ID)
		var sms delivery.ChannelState
		for _, ch := range got.Attempts[0].Channels {
			if ch.Channel == delivery.SMS {
				sms = ch
			}
		}
		if sms.Channel != delivery.SMS || sms.Status != delivery.ChannelSent || !sms.SentAt.Equal(t0.Add(time.Minute)) || sms.Failure != "" {
			t.Fatalf("sms = %+v", sms)
		}
		if got.Status != delivery.Served || !got.ServedAt.Equal(t0.Add(time.Minute)) || got.ReadAt == nil || !got.ReadAt.Equal(readAt) {
			t.Fatalf("record = %s %v read %v", got.Status, got.ServedAt, got.ReadAt)
		}
		for typ, want := range map[string]int{"ecourt.delivery.service.effective": 1, "ecourt.delivery.service.read": 1,
			"ecourt.delivery.service.failed": 0} {
			if n := f.events(t, typ, c.ID); n != want {
				t.Errorf("%d %s events, want %d", n, typ, want)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'delivery.channel.sent' AND case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d sent audit entries, want 1", n)
		}
		// Reports for unknown refs and channels are errors; reminders' are ignored.
		wantCode(t, f.s.ChannelSent(ctx, "delivery.attempt:nope", delivery.SMS, t0, ""), errs.NotFound, "")
		wantCode(t, f.s.ChannelSent(ctx, "other:1", delivery.SMS, t0, ""), errs.NotFound, "")
		wantCode(t, f.s.ChannelSent(ctx, rf, "fax", t0, ""), errs.Invalid, "")
		if err := f.s.ChannelSent(ctx, "delivery.reminder:x:3", delivery.SMS, t0, ""); err != nil {
			t.Errorf("reminder outcome: %v", err)
		}
		// A time in the future is taken as now.
		r2 := f.serve(t, c, doc(delivery.DocNotice, false), false)
		f.sent(t, ref(t, r2, 1), delivery.Email, t0.Add(48*time.Hour))
		if got := f.record(t, r2.ID); !got.ServedAt.Equal(t0.Add(10 * time.Minute)) {
			t.Errorf("future report gave %v", got.ServedAt)
		}
	})
}

// TestAllChannelsFailed: when every valid channel fails the record fails
// with a fallback task; a resend goes out as attempt 2 on the same record,
// and its success serves the document and closes the task.
func TestAllChannelsFailed(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, false, smsAddr, emailAddr)
		r := f.serve(t, c, doc(delivery.DocComplaintCopy, false), false)
		rf := ref(t, r, 1)
		f.failed(t, rf, delivery.SMS, "empty number")
		if got := f.record(t, r.ID); got.Status != delivery.Sending {
			t.Fatalf("after one failure: %s", got.Status)
		}
		// The inbox notice still pending does not keep the record sending.
		f.failed(t, rf, delivery.Email, "bounced: mailbox unavailable")
		got := f.record(t, r.ID)
		if got.Status != delivery.Failed {
			t.Fatalf("after all failed: %s", got.Status)
		}
		ts := f.tasks(t, c)
		if len(ts) != 1 || ts[0].Reason != delivery.ReasonAllFailed || ts[0].AssigneeID != "u-clerk" {
			t.Fatalf("tasks = %+v", ts)
		}
		if n := f.events(t, "ecourt.delivery.service.failed", c.ID); n != 1 {
			t.Errorf("%d failed events", n)
		}
		f.failed(t, rf, delivery.Email, "bounced again")
		if n := f.count(t, `SELECT COUNT(*) FROM delivery_task WHERE case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d tasks after a repeated failure", n)
		}
		f.consent(t, c, true, false, emailAddr)
		f.clk.Set(t0.Add(6 * time.Hour))
		r2, err := f.s.Resend(f.as("u-clerk"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r2.ID != r.ID || r2.Status != delivery.Sending || len(r2.Attempts) != 2 || r2.Attempts[1].Seq != 2 {
			t.Fatalf("resend: %+v", r2)
		}
		// A report dated before the attempt (another system's clock) is
		// taken as the attempt's time.
		f.sent(t, ref(t, r2, 2), delivery.Email, t0.Add(time.Hour))
		got = f.record(t, r.ID)
		if !got.ServedAt.Equal(t0.Add(6 * time.Hour)) {
			t.Errorf("served at %v, want the attempt's time", got.ServedAt)
		}
		if got.Status != delivery.Served || got.Method != delivery.Electronic {
			t.Fatalf("after resend: %s", got.Status)
		}
		if ts := f.tasks(t, c); ts[0].Status != delivery.TaskDone {
			t.Errorf("task: %+v", ts[0])
		}
		// A served record may be resent; its time of service stays.
		r3, err := f.s.Resend(f.as("u-clerk"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Set(t0.Add(8 * time.Hour))
		f.sent(t, ref(t, r3, 3), delivery.Email, t0.Add(7*time.Hour))
		if got := f.record(t, r.ID); got.Status != delivery.Served || !got.ServedAt.Equal(t0.Add(6*time.Hour)) {
			t.Errorf("after a resend of a served record: %s %v", got.Status, got.ServedAt)
		}
	})
}

// TestFallbackOutcome: the clerk records a fallback; its date is the time
// of service and starts the periods; bad input changes nothing.
func TestFallbackOutcome(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		r := f.serve(t, c, doc(delivery.DocComplaintCopy, false), false)
		f.clk.Set(china(2026, 3, 9, 15, 0))
		future := day("2026-03-10")
		_, err := f.s.RecordFallback(f.as("u-clerk"), r.ID, delivery.FallbackInput{Method: delivery.Post, ServedOn: &future})
		wantField(t, err, "served_on", "future")
		wantField(t, err, "proof_ref", "required")
		_, err = f.s.RecordFallback(f.as("u-party"), r.ID, delivery.FallbackInput{Method: delivery.Post})
		wantCode(t, err, errs.Forbidden, "")
		on := day("2026-03-05")
		got, err := f.s.RecordFallback(f.as("u-clerk"), r.ID, delivery.FallbackInput{Method: delivery.Post, ServedOn: &on, ProofRef: "EMS1234567890"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != delivery.Served || got.Method != delivery.Post || *got.ServedOn != on {
			t.Fatalf("record = %s %s %v", got.Status, got.Method, got.ServedOn)
		}
		ps := f.periods(t, c, "u-clerk")
		// Answer: 15 days from 5 March → 20 March (Friday).
		if len(ps) != 1 || ps[0].Kind != delivery.PeriodAnswer || ps[0].End != day("2026-03-20") {
			t.Fatalf("periods = %+v", ps)
		}
		if ts := f.tasks(t, c); ts[0].Status != delivery.TaskDone || ts[0].Outcome != "fallback:post" {
			t.Errorf("task = %+v", ts[0])
		}
		_, err = f.s.RecordFallback(f.as("u-clerk"), r.ID, delivery.FallbackInput{Method: delivery.Direct, ServedOn: &on, ProofRef: "x"})
		wantCode(t, err, errs.Conflict, "delivery.error.already_complete")
	})
}

// TestAnnouncement: an announcement counts as served 30 days after
// publication on the court calendar (CPL Art. 95), 60 without a PRC
// domicile (Art. 283); the record is "announced" until then, and the job
// makes it served on the day. Not in simplified procedure; 留置 not for a
// mediation document.
func TestAnnouncement(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		r := f.serve(t, c, doc(delivery.DocComplaintCopy, false), false)
		pub := day("2026-03-02")
		_, err := f.s.RecordFallback(f.as("u-clerk"), r.ID, delivery.FallbackInput{Method: delivery.Announcement, PublishedOn: &pub, ProofRef: "人民法院报 2026-03-02 第7版"})
		wantField(t, err, "note", "required")
		got, err := f.s.RecordFallback(f.as("u-clerk"), r.ID, delivery.FallbackInput{Method: delivery.Announcement, PublishedOn: &pub,
			ProofRef: "人民法院报 2026-03-02 第7版", Note: "被告下落不明，经公安机关查询无果"})
		if err != nil {
			t.Fatal(err)
		}
		// 2 March + 30 days = 1 April (Wednesday, a working day).
		if got.Status != delivery.Announced || *got.ServedOn != day("2026-04-01") {
			t.Fatalf("record = %s %v", got.Status, got.ServedOn)
		}
		if n := f.events(t, "ecourt.delivery.service.effective", c.ID); n != 0 {
			t.Errorf("%d effective events before the day", n)
		}
		if ps := f.periods(t, c, "u-party"); len(ps) != 1 || ps[0].Start != day("2026-04-01") || ps[0].End != day("2026-04-16") {
			t.Errorf("periods = %+v", ps)
		}
		_, err = f.s.Resend(f.as("u-clerk"), r.ID)
		wantCode(t, err, errs.Conflict, "delivery.error.announced")
		f.clk.Set(china(2026, 3, 31, 23, 0))
		f.runJobs(t)
		if got := f.record(t, r.ID); got.Status != delivery.Announced {
			t.Fatalf("the day before: %s", got.Status)
		}
		f.clk.Set(china(2026, 4, 1, 0, 30))
		f.runJobs(t)
		if got := f.record(t, r.ID); got.Status != delivery.Served || got.Method != delivery.Announcement {
			t.Fatalf("on the day: %s %s", got.Status, got.Method)
		}
		if n := f.events(t, "ecourt.delivery.service.effective", c.ID); n != 1 {
			t.Errorf("%d effective events", n)
		}

		// Without a PRC domicile: 60 days; 2 March + 60 = 1 May, inside the
		// Labour Day holiday (1–5 May 2026) → 6 May.
		f.clk.Set(t0)
		rf := f.serve(t, c, doc(delivery.DocComplaintCopy, false), true)
		got, err = f.s.RecordFallback(f.as("u-clerk"), rf.ID, delivery.FallbackInput{Method: delivery.Announcement, PublishedOn: &pub,
			ProofRef: "人民法院报", Note: "境外被告，公约途径未能送达"})
		if err != nil {
			t.Fatal(err)
		}
		if *got.ServedOn != day("2026-05-06") {
			t.Errorf("foreign announcement served on %v, want 2026-05-06", got.ServedOn)
		}

		// Simplified procedure: no announcement (民诉法解释 Art. 140).
		cs := f.newCase(t, casefile.Simplified)
		rs := f.serve(t, cs, doc(delivery.DocMediation, false), false)
		_, err = f.s.RecordFallback(f.as("u-clerk"), rs.ID, delivery.FallbackInput{Method: delivery.Announcement, PublishedOn: &pub, ProofRef: "x", Note: "x"})
		wantField(t, err, "method", "method_not_allowed")
		on := day("2026-03-02")
		_, err = f.s.RecordFallback(f.as("u-clerk"), rs.ID, delivery.FallbackInput{Method: delivery.LeftAtPlace, ServedOn: &on, ProofRef: "x"})
		wantField(t, err, "method", "method_not_allowed")
		ts := f.tasks(t, cs)
		if len(ts) != 1 || len(ts[0].Options) != 2 || ts[0].Options[0] != delivery.Direct || ts[0].Options[1] != delivery.Post {
			t.Errorf("simplified mediation task options: %+v", ts)
		}
	})
}
