package enforcement_test

import (
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// TestNoticeTexts: the notify templates of the notices (in
// internal/notify/texts) exist in both languages for every notice
// template, define title, body and sms, and render the data the service
// really sends with no field missing (notify parses with
// missingkey=error).
func TestNoticeTexts(t *testing.T) {
	clk := clock.NewFixed(t0)
	f := newFixture(t, sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...), clk)
	r := f.opened(t)
	if _, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "site_visit", Text: "现场执行"}); err != nil {
		t.Fatal(err)
	}
	l, err := f.s.SubmitLead(f.as("u-applicant"), r.CaseID, enforcement.LeadInput{Kind: "bank", Text: "存款"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.AnswerLead(f.as("u-officer"), l.ID, enforcement.AnswerInput{State: enforcement.LeadActedOn, Answer: "已冻结"}); err != nil {
		t.Fatal(err)
	}
	f.clk.Set(china(2026, 8, 3, 9, 30)) // 30 days before the deadline
	f.runJobs(t)
	sent := map[string]enforcement.Notice{}
	for _, n := range f.notices.take() {
		sent[n.Template] = n
	}
	for _, key := range enforcement.NoticeTemplates {
		n, ok := sent[key]
		if !ok {
			t.Fatalf("no %s notice was sent", key)
		}
		if !strings.Contains(n.Data["court_name"], "法院") {
			t.Errorf("%s: court name %q", key, n.Data["court_name"])
		}
		for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
			c, err := notify.Render(key, lang, n.Data)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, key, err)
			}
			if c.Title == "" || c.Body == "" || c.SMS == "" || c.Link == "" {
				t.Errorf("%s/%s: incomplete %+v", lang, key, c)
			}
		}
	}
}
