package delivery_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/jobs"
)

// TestPeriodsOnTheCalendar: periods start the day after service and end on
// the n-th day; a last day inside a holiday moves to the first working day
// after it; an adjusted working Saturday (调休上班日) is a working day, so a
// period ending on it ends there (CPL Art. 85; the 2026 State Council
// notice in internal/court/calendar/data).
func TestPeriodsOnTheCalendar(t *testing.T) {
	cal := calendar.Default()
	// The facts of the 2026 notice the cases below rely on.
	for d, want := range map[string]bool{"2026-10-01": false, "2026-10-07": false, "2026-10-08": true,
		"2026-02-28": true, "2026-10-10": true, "2026-03-21": false} {
		got, err := cal.IsWorkingDay(day(d))
		if err != nil || got != want {
			t.Fatalf("calendar: IsWorkingDay(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
	if day("2026-02-28").Weekday() != time.Saturday || day("2026-10-10").Weekday() != time.Saturday {
		t.Fatal("calendar: 2026-02-28 and 2026-10-10 should be Saturdays")
	}
	cases := []struct {
		name       string
		served     time.Time
		kind       delivery.DocumentKind
		appealable bool
		foreign    bool
		wantKind   delivery.PeriodKind
		wantDays   int
		nominal    string
		end        string
		skipped    int
		article    string
	}{
		// 15-day answer period from 16 Sept: nominal 1 Oct, inside the
		// National Day holiday (1–7 Oct) → 8 Oct.
		{"national day", china(2026, 9, 16, 10, 0), delivery.DocComplaintCopy, false, false,
			delivery.PeriodAnswer, 15, "2026-10-01", "2026-10-08", 7, "民事诉讼法第一百二十八条"},
		// 15 days from Friday 13 Feb end on Saturday 28 Feb, an adjusted
		// working day: the period ends that Saturday.
		{"adjusted saturday", china(2026, 2, 13, 9, 0), delivery.DocComplaintCopy, false, false,
			delivery.PeriodAnswer, 15, "2026-02-28", "2026-02-28", 0, "民事诉讼法第一百二十八条"},
		// A ruling: 10 days from 30 Sept end on Saturday 10 Oct, also a
		// working day.
		{"ruling on adjusted saturday", china(2026, 9, 30, 16, 0), delivery.DocRuling, true, false,
			delivery.PeriodAppealRuling, 10, "2026-10-10", "2026-10-10", 0, "民事诉讼法第一百七十一条第二款"},
		// A judgment: 15 days; from 6 March the nominal last day is Saturday
		// 21 March, an ordinary weekend → Monday 23 March.
		{"judgment weekend", china(2026, 3, 6, 11, 0), delivery.DocJudgment, true, false,
			delivery.PeriodAppealJudgment, 15, "2026-03-21", "2026-03-23", 2, "民事诉讼法第一百七十一条第一款"},
		// Without a PRC domicile: 30 days to appeal (Art. 286).
		{"judgment foreign", china(2026, 3, 6, 11, 0), delivery.DocJudgment, true, true,
			delivery.PeriodAppealJudgment, 30, "2026-04-05", "2026-04-07", 2, "民事诉讼法第二百八十六条"},
		// …and 30 days to answer (Art. 285).
		{"answer foreign", china(2026, 3, 2, 10, 0), delivery.DocComplaintCopy, false, true,
			delivery.PeriodAnswer, 30, "2026-04-01", "2026-04-01", 0, "民事诉讼法第二百八十五条"},
	}
	forEachDB(t, func(t *testing.T, f *fixture) {
		for _, tc := range cases {
			c := f.newCase(t, casefile.Ordinary)
			f.consent(t, c, true, true, smsAddr)
			f.clk.Set(tc.served)
			r := f.serve(t, c, doc(tc.kind, tc.appealable), tc.foreign)
			f.sent(t, ref(t, r, 1), delivery.SMS, tc.served)
			ps := f.periods(t, c, "u-party") // the other side sees it too
			if len(ps) != 1 {
				t.Fatalf("%s: %d periods", tc.name, len(ps))
			}
			p := ps[0]
			if p.Kind != tc.wantKind || p.Days != tc.wantDays || p.Start != calendar.DateOf(tc.served) ||
				p.NominalEnd != day(tc.nominal) || p.End != day(tc.end) || len(p.Skipped) != tc.skipped ||
				p.Article != tc.article || p.Foreign != tc.foreign || p.Provisional {
				t.Errorf("%s: period = %+v", tc.name, p)
			}
			if tc.name == "national day" && !strings.Contains(p.SkippedSummary(), "国庆节") {
				t.Errorf("%s: skipped %q", tc.name, p.SkippedSummary())
			}
		}
		// No period for a judgment that cannot be appealed, nor for a notice.
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, true, smsAddr)
		f.clk.Set(t0)
		for _, d := range []delivery.Document{doc(delivery.DocJudgment, false), doc(delivery.DocNotice, false)} {
			r := f.serve(t, c, d, false)
			f.sent(t, ref(t, r, 1), delivery.SMS, t0)
		}
		if ps := f.periods(t, c, "u-defendant"); len(ps) != 0 {
			t.Errorf("periods for unappealable documents: %+v", ps)
		}
		// An appealable judgment in small claims or on appeal is refused.
		sc := f.newCase(t, casefile.SmallClaims)
		_, err := f.s.Serve(f.as("u-clerk"), delivery.ServeRequest{CaseID: sc.ID, Document: doc(delivery.DocJudgment, true),
			Recipients: []delivery.RecipientSpec{{PartyID: defendant(sc)}}})
		wantField(t, err, "document.appealable", "final_instance")
	})
}

// TestReminders: reminders are durable jobs 3 and 1 days before the last
// day at 09:00 court time; they go to the party through the Notifier, and
// move when the time of service moves.
func TestReminders(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, true, inboxAddr, smsAddr)
		r := f.serve(t, c, doc(delivery.DocJudgment, true), false)
		f.clk.Set(china(2026, 3, 3, 12, 0))
		f.sent(t, ref(t, r, 1), delivery.SMS, china(2026, 3, 3, 8, 0))
		// Appeal: 15 days from 3 March → Wednesday 18 March.
		j3, err := jobs.FindByKey(t.Context(), f.db, delivery.JobReminder, r.ID+":appeal_judgment:3")
		if err != nil {
			t.Fatal(err)
		}
		j1, err := jobs.FindByKey(t.Context(), f.db, delivery.JobReminder, r.ID+":appeal_judgment:1")
		if err != nil {
			t.Fatal(err)
		}
		if !j3.RunAt.Equal(china(2026, 3, 15, 9, 0)) || !j1.RunAt.Equal(china(2026, 3, 17, 9, 0)) {
			t.Fatalf("reminders at %v and %v", j3.RunAt, j1.RunAt)
		}
		// An earlier report of the same channel moves the period and its reminders.
		f.sent(t, ref(t, r, 1), delivery.SMS, china(2026, 3, 2, 18, 0))
		j3, _ = jobs.FindByKey(t.Context(), f.db, delivery.JobReminder, r.ID+":appeal_judgment:3")
		if !j3.RunAt.Equal(china(2026, 3, 14, 9, 0)) {
			t.Fatalf("moved reminder at %v", j3.RunAt)
		}
		before := len(f.n.all())
		f.clk.Set(china(2026, 3, 14, 9, 1))
		f.runJobs(t)
		out := f.n.all()
		if len(out) != before+1 {
			t.Fatalf("%d notifications after the reminder, want %d", len(out), before+1)
		}
		o := out[len(out)-1]
		pid, n, ok := delivery.ReminderRef(o.Ref)
		if !ok || n != 3 || pid == "" || o.Template != delivery.TemplateReminder || o.Data["due_date"] != "2026-03-17" || o.Data["period"] != "appeal" ||
			o.RecipientAccount != "u-defendant" || o.Addresses[delivery.SMS] != "13800001234" {
			t.Errorf("reminder = %+v", o)
		}
		// Run again: nothing more (the job is done).
		f.runJobs(t)
		if len(f.n.all()) != before+1 {
			t.Errorf("reminder sent twice")
		}
		f.clk.Set(china(2026, 3, 16, 9, 30))
		f.runJobs(t)
		if got := len(f.n.all()); got != before+2 {
			t.Errorf("%d notifications after the 1-day reminder", got)
		}
		// Reminders already past are not scheduled: a period computed late
		// (an announcement recorded after the fact) skips them.
		f.clk.Set(china(2026, 1, 30, 10, 0))
		c2 := f.newCase(t, casefile.Ordinary)
		r2 := f.serve(t, c2, doc(delivery.DocComplaintCopy, false), false)
		pub := day("2026-02-01")
		f.clk.Set(china(2026, 3, 16, 10, 0))
		if _, err := f.s.RecordFallback(f.as("u-clerk"), r2.ID, delivery.FallbackInput{Method: delivery.Announcement,
			PublishedOn: &pub, ProofRef: "公告", Note: "下落不明"}); err != nil {
			t.Fatal(err)
		}
		// 1 Feb + 30 = 3 March; answer ends 18 March; the 3-day reminder (15 March) is past.
		if _, err := jobs.FindByKey(t.Context(), f.db, delivery.JobReminder, r2.ID+":answer:3"); err == nil {
			t.Errorf("a past reminder was scheduled")
		}
		if _, err := jobs.FindByKey(t.Context(), f.db, delivery.JobReminder, r2.ID+":answer:1"); err != nil {
			t.Errorf("the 1-day reminder: %v", err)
		}
	})
}

// TestNoticeText renders the reminder in both languages.
func TestNoticeText(t *testing.T) {
	cat := catalog(t)
	o := delivery.Outgoing{Template: delivery.TemplateReminder, Data: map[string]string{"case_number": "（2026）浙0225民初1号",
		"period_kind": "appeal_judgment", "end": "2026-03-17", "document_title": "民事判决书", "days_left": "3",
		"article": "民事诉讼法第一百七十一条第一款", "recipient_name": "李四", "link": "/cases/x"}}
	title, body := delivery.NoticeText(cat, "zh-CN", o)
	if title != "【（2026）浙0225民初1号】判决上诉期将于2026-03-17届满" || !strings.Contains(body, "还有3天") {
		t.Errorf("zh: %q / %q", title, body)
	}
	title, _ = delivery.NoticeText(cat, "en", o)
	if !strings.Contains(title, "Period to appeal the judgment ends on 2026-03-17") {
		t.Errorf("en: %q", title)
	}
}

// TestRulesData: the embedded rules load, and bad data is refused.
func TestRulesData(t *testing.T) {
	v, ok := delivery.DefaultRules().At(day("2026-03-02"))
	if !ok || v.Announcement.Days != 30 || v.Announcement.ForeignDays != 60 || len(v.ReminderDays) != 2 {
		t.Fatalf("rules = %+v", v)
	}
	if got := v.PeriodsFor(delivery.DocRuling, false); len(got) != 0 {
		t.Errorf("periods for an unappealable ruling: %+v", got)
	}
	if _, ok := delivery.DefaultRules().At(day("2023-12-31")); ok {
		t.Errorf("rules in force before the 2023 CPL")
	}
	for _, bad := range []string{
		`{"versions":[]}`,
		`{"versions":[{"version":"a","effective":"2024-01-01","announcement":{"days":30,"article":"x","foreign_days":60,"foreign_article":"y"},"periods":[{"kind":"p","documents":["nope"],"days":1,"article":"a","foreign_days":1,"foreign_article":"b"}]}]}`,
		`{"versions":[{"version":"a","effective":"2024-01-01","announcement":{"days":0,"article":"x","foreign_days":60,"foreign_article":"y"}}]}`,
		`{"versions":[{"version":"a","effective":"2024-01-01","reminder_days":[0],"announcement":{"days":30,"article":"x","foreign_days":60,"foreign_article":"y"}}]}`,
	} {
		if _, err := delivery.LoadRules(bytes.NewReader([]byte(bad))); err == nil {
			t.Errorf("LoadRules accepted %s", bad)
		}
	}
}
