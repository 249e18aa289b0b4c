package enforcement_test

import (
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// png1x1 is a valid 1×1 PNG.
var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

// TestLeadDeadlines: a lead is due the court's answer period after the day
// it came, on the court's calendar (CPL Art. 85: a last day on a rest day
// moves to the next working day); the default is 7 days (财产调查规定
// Art. 2). Once past its day unanswered it is overdue and stands out on the
// officer's list; a rejection needs a reason; the applicant is told the
// answer; the debtor never sees leads.
func TestLeadDeadlines(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		pos := &enforcement.Position{LatE6: 29_200_000, LonE6: 121_900_000, AccuracyM: 30}
		l, err := f.s.SubmitLead(f.as("u-applicant"), r.CaseID, enforcement.LeadInput{Kind: "vehicle", Text: "被执行人的车辆停在石浦渔港停车场",
			Position: pos, Files: []enforcement.File{{Name: "car.png", Body: strings.NewReader(string(png1x1))}}})
		if err != nil {
			t.Fatalf("SubmitLead: %v", err)
		}
		// Monday 2026-03-02 + 7 days = Monday 2026-03-09.
		if l.DueOn.String() != "2026-03-09" || l.State != enforcement.LeadPending || len(l.Attachments) != 1 || l.Attachments[0].Kind != "png" {
			t.Errorf("lead = due %s state %s attachments %+v", l.DueOn, l.State, l.Attachments)
		}
		if err := f.s.SetLeadAnswerDays(f.as("u-officer"), f.courtID, 15); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("officer sets the period: %v", err)
		}
		if err := f.s.SetLeadAnswerDays(f.as("u-admin"), f.courtID, 0); fieldCodes(err)["days"] != "enforcement_lead_days" {
			t.Errorf("0 days: %v", err)
		}
		for _, c := range []struct {
			days int
			want string
		}{{15, "2026-03-17"}, {5, "2026-03-09"}} { // 5 days: Saturday 03-07 → Monday 03-09
			days, want := c.days, c.want
			if err := f.s.SetLeadAnswerDays(f.as("u-admin"), f.courtID, days); err != nil {
				t.Fatal(err)
			}
			l2, err := f.s.SubmitLead(f.as("u-applicant"), r.CaseID, enforcement.LeadInput{Kind: "bank", Text: "工商银行有存款"})
			if err != nil || l2.DueOn.String() != want {
				t.Errorf("%d days: due %s, want %s (%v)", days, l2.DueOn, want, err)
			}
		}
		if _, err := f.s.SubmitLead(f.as("u-debtor"), r.CaseID, enforcement.LeadInput{Kind: "bank", Text: "x"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("debtor sends a lead: %v", err)
		}
		if _, err := f.s.SubmitLead(f.as("u-applicant"), r.CaseID, enforcement.LeadInput{Kind: "gold", Text: ""}); fieldCodes(err)["kind"] != "enforcement_lead_kind" || fieldCodes(err)["text"] != "required" {
			t.Errorf("bad lead: %v", err)
		}
		if _, err := f.s.Leads(f.as("u-debtor"), r.CaseID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("debtor lists leads: %v", err)
		}
		// Tuesday 2026-03-10: the first lead (and the 5-day one) are overdue.
		f.clk.Set(china(2026, 3, 10, 9, 0))
		list, err := f.s.OfficerCases(f.as("u-officer"))
		if err != nil || len(list) != 1 {
			t.Fatalf("OfficerCases = %v, %v", list, err)
		}
		if list[0].PendingLeads != 3 || list[0].OverdueLeads != 2 {
			t.Errorf("pending %d overdue %d, want 3 and 2", list[0].PendingLeads, list[0].OverdueLeads)
		}
		ls, err := f.s.Leads(f.as("u-applicant"), r.CaseID)
		if err != nil || len(ls) != 3 || !ls[0].Overdue || ls[1].Overdue || !ls[2].Overdue {
			t.Errorf("applicant's leads = %+v, %v", ls, err)
		}
		if _, err := f.s.AnswerLead(f.as("u-officer"), l.ID, enforcement.AnswerInput{State: enforcement.LeadRejected}); fieldCodes(err)["answer"] != "required" {
			t.Errorf("rejection without reason: %v", err)
		}
		if _, err := f.s.AnswerLead(f.as("u-officer3"), l.ID, enforcement.AnswerInput{State: enforcement.LeadAccepted}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unassigned officer answers: %v", err)
		}
		a, err := f.s.AnswerLead(f.as("u-officer"), l.ID, enforcement.AnswerInput{State: enforcement.LeadAccepted, Answer: "已安排核实"})
		if err != nil || a.State != enforcement.LeadAccepted {
			t.Fatalf("accept lead: %+v %v", a, err)
		}
		if _, err := f.s.AnswerLead(f.as("u-officer"), l.ID, enforcement.AnswerInput{State: enforcement.LeadAccepted, Answer: "again"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("accept twice: %v", err)
		}
		if _, err := f.s.AnswerLead(f.as("u-officer2"), l.ID, enforcement.AnswerInput{State: enforcement.LeadActedOn, Answer: "已扣押该车辆"}); err != nil {
			t.Errorf("acted on: %v", err)
		}
		ns := f.notices.take()
		if len(ns) != 2 || ns[0].Template != enforcement.NoticeLeadAnswered || ns[1].Data["state"] != enforcement.LeadActedOn {
			t.Errorf("notices = %+v", ns)
		}
		list, _ = f.s.OfficerCases(f.as("u-officer"))
		if list[0].PendingLeads != 2 || list[0].OverdueLeads != 1 {
			t.Errorf("after answers: pending %d overdue %d", list[0].PendingLeads, list[0].OverdueLeads)
		}
	})
}

// TestDeadlineAndEscalation: the six-month deadline warns a month and a
// week before and when passed; an approved extension moves it (a second one
// needs the high court's filing); after six months from the application
// without enforcement the applicant may ask the higher court (CPL
// Art. 237), which opens a 执监 record there.
func TestDeadlineAndEscalation(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		for _, c := range []struct {
			day  int
			want string
		}{{100, ""}, {160, enforcement.WarnMonth}, {180, enforcement.WarnWeek}, {185, enforcement.WarnOverdue}} {
			f.clk.Set(t0.AddDate(0, 0, c.day))
			got, err := f.s.Case(f.as("u-applicant"), r.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Warning != c.want {
				t.Errorf("day %d: warning %q (%d left), want %q", c.day, got.Warning, got.DaysLeft, c.want)
			}
		}
		f.clk.Set(china(2026, 8, 28, 9, 0))
		if _, err := f.s.Escalate(f.as("u-applicant"), r.CaseID, enforcement.EscalateInput{Reason: "六个月未执行"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("early escalation: %v", err)
		}
		if _, err := f.s.Extend(f.as("u-applicant"), r.CaseID, enforcement.ExtendInput{Months: 3, Approver: "院长", Reason: "x"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("applicant extends: %v", err)
		}
		if _, err := f.s.Extend(f.as("u-officer"), r.CaseID, enforcement.ExtendInput{Months: 4}); len(fieldCodes(err)) != 3 {
			t.Errorf("bad extension: %v", err)
		}
		e, err := f.s.Extend(f.as("u-officer"), r.CaseID, enforcement.ExtendInput{Months: 3, Approver: "院长 陈某", Reason: "财产处置中"})
		if err != nil || e.Due().String() != "2026-12-02" || e.Warning != "" {
			t.Fatalf("Extend: due %s warning %q %v", e.Due(), e.Warning, err)
		}
		if _, err := f.s.Extend(f.as("u-officer"), r.CaseID, enforcement.ExtendInput{Months: 1, Approver: "院长", Reason: "x"}); fieldCodes(err)["high_court_filed"] != "enforcement_high_court_filing" {
			t.Errorf("second extension without the high court: %v", err)
		}
		f.clk.Set(china(2026, 9, 3, 9, 0))
		got, err := f.s.Case(f.as("u-applicant"), r.CaseID)
		if err != nil || !got.CanEscalate {
			t.Fatalf("CanEscalate = %v, %v", got.CanEscalate, err)
		}
		if dv, _ := f.s.Case(f.as("u-debtor"), r.CaseID); dv.CanEscalate {
			t.Errorf("the debtor is offered escalation")
		}
		if _, err := f.s.Escalate(f.as("u-debtor"), r.CaseID, enforcement.EscalateInput{Reason: "x"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("debtor escalates: %v", err)
		}
		esc, err := f.s.Escalate(f.as("u-applicant"), r.CaseID, enforcement.EscalateInput{Reason: "立案已逾六个月，被执行人有车辆未处置"})
		if err != nil {
			t.Fatalf("Escalate: %v", err)
		}
		sup, err := f.cases.Get(f.as("u-applicant"), esc.SupervisionCaseID)
		if err != nil {
			t.Fatal(err)
		}
		if sup.Number != "（2026）浙02执监1号" || sup.CourtID != f.higherID || sup.ParentCaseID != r.CaseID {
			t.Errorf("supervision case = %s at %s parent %s", sup.Number, sup.CourtID, sup.ParentCaseID)
		}
		if _, err := f.s.Escalate(f.as("u-applicant"), r.CaseID, enforcement.EscalateInput{Reason: "again"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("second escalation: %v", err)
		}
		if got, _ := f.s.Case(f.as("u-applicant"), r.CaseID); got.Escalation == nil || got.CanEscalate {
			t.Errorf("record after escalation: %+v", got.Escalation)
		}
	})
}

// TestDeadlineWarnings: the officers are told 30 and 7 days before the
// deadline (inbox); after an extension the old warnings stay silent and
// new ones follow the new deadline.
func TestDeadlineWarnings(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		warned := func() []enforcement.Notice {
			t.Helper()
			f.runJobs(t)
			var out []enforcement.Notice
			for _, n := range f.notices.take() {
				if n.Template == enforcement.NoticeDeadline {
					out = append(out, n)
				}
			}
			return out
		}
		f.clk.Set(china(2026, 8, 3, 8, 0))
		if ns := warned(); len(ns) != 0 {
			t.Errorf("warned before the day: %+v", ns)
		}
		f.clk.Set(china(2026, 8, 3, 9, 30))
		ns := warned()
		if len(ns) != 1 || ns[0].Data["days_left"] != "30" || ns[0].Data["deadline"] != "2026-09-02" || len(ns[0].Recipients) != 2 {
			t.Fatalf("30-day warning = %+v", ns)
		}
		if _, err := f.s.Extend(f.as("u-officer"), r.CaseID, enforcement.ExtendInput{Months: 3, Approver: "院长", Reason: "拍卖中"}); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(china(2026, 8, 26, 9, 30))
		if ns := warned(); len(ns) != 0 {
			t.Errorf("warned of the old deadline: %+v", ns)
		}
		f.clk.Set(china(2026, 11, 25, 9, 30))
		ns = warned()
		if len(ns) != 2 || ns[0].Data["deadline"] != "2026-12-02" {
			t.Errorf("warnings of the new deadline = %+v", ns)
		}
	})
}
