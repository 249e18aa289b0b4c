package exhibit_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

var admitAll = exhibit.OpinionInput{Authenticity: exhibit.Admitted, Legality: exhibit.Admitted, Relevance: exhibit.Admitted}

// TestOpinions: only an opposing party records opinions, only within the
// exchange period, with reasons for disputed points; revisions are kept
// and the list shows every opinion's state.
func TestOpinions(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		p1 := f.submit(t, c, "u-party", "借条")
		p2 := f.submit(t, c, "u-party", "转账记录")
		// Before any exchange the defendant cannot even see the exhibit.
		_, err := f.s.RecordOpinion(f.as("u-defendant"), p1.ID, admitAll)
		wantCode(t, err, errs.NotFound, "")
		x := f.openExchange(t, c)
		if x.State != "open" {
			t.Fatalf("exchange state %s", x.State)
		}
		// The submitting side cannot cross-examine its own exhibit.
		_, err = f.s.RecordOpinion(f.as("u-lawyer"), p1.ID, admitAll)
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_opposing")
		// Reasons are required for a disputed point.
		_, err = f.s.RecordOpinion(f.as("u-defendant"), p1.ID, exhibit.OpinionInput{Authenticity: exhibit.Disputed,
			Legality: exhibit.Admitted, Relevance: "maybe"})
		wantField(t, err, "authenticity_reason", "exhibit_reason_required")
		wantField(t, err, "relevance", "exhibit_stance")
		if n := f.count(t, `SELECT COUNT(*) FROM exhibit_opinion`); n != 0 {
			t.Fatalf("%d opinions after refusals", n)
		}
		o1, err := f.s.RecordOpinion(f.as("u-defendant"), p1.ID, exhibit.OpinionInput{Authenticity: exhibit.Disputed,
			AuthenticityReason: "借条上的签名不是被告所签", Legality: exhibit.Admitted, Relevance: exhibit.NoOpinion})
		if err != nil || o1.Version != 1 {
			t.Fatalf("first opinion: %+v %v", o1, err)
		}
		f.clk.Set(t0.Add(48 * time.Hour))
		o2, err := f.s.RecordOpinion(f.as("u-defendant"), p1.ID, admitAll)
		if err != nil || o2.Version != 2 {
			t.Fatalf("revision: %+v %v", o2, err)
		}
		hist, err := f.s.History(f.as("u-judge"), p1.ID)
		if err != nil || len(hist) != 2 || hist[0].Authenticity != exhibit.Disputed || hist[1].Authenticity != exhibit.Admitted {
			t.Fatalf("history: %+v %v", hist, err)
		}
		// The list: one state per opposing party.
		l, err := f.s.List(f.as("u-party"), c.ID)
		if err != nil || len(l) != 2 {
			t.Fatalf("list: %d %v", len(l), err)
		}
		byID := map[string]exhibit.Exhibit{l[0].ID: l[0], l[1].ID: l[1]}
		s1, s2 := byID[p1.ID].Opinions, byID[p2.ID].Opinions
		if len(s1) != 1 || s1[0].State != "recorded" || s1[0].PartyID != defendant(c) || s1[0].Current.Version != 2 {
			t.Errorf("exhibit 1 states: %+v", s1)
		}
		if len(s2) != 1 || s2[0].State != "pending" || s2[0].Current != nil {
			t.Errorf("exhibit 2 states: %+v", s2)
		}
		// After the end, no more opinions; an extension reopens.
		f.clk.Set(t0.Add(8 * 24 * time.Hour))
		_, err = f.s.RecordOpinion(f.as("u-defendant"), p2.ID, admitAll)
		wantCode(t, err, errs.Conflict, "exhibit.error.exchange_closed")
		today := day("2026-03-10")
		if _, err := f.s.ExtendExchange(f.as("u-party"), c.ID, x.ID, today.Plus(3)); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("party extends: %v", err)
		}
		ext, err := f.s.ExtendExchange(f.as("u-judge"), c.ID, x.ID, today.Plus(3))
		if err != nil || ext.State != "open" || ext.ExtendedBy != "u-judge" {
			t.Fatalf("extend: %+v %v", ext, err)
		}
		if _, err := f.s.RecordOpinion(f.as("u-defendant"), p2.ID, admitAll); err != nil {
			t.Fatalf("after extension: %v", err)
		}
		if n := f.events(t, exhibit.EventOpinion, c.ID); n != 3 {
			t.Errorf("%d opinion events, want 3", n)
		}
	})
}

// TestCoPartiesDoNotCrossExamine: a co-plaintiff is not an opposing party.
func TestCoPartiesDoNotCrossExamine(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		co, err := f.cases.AddParty(f.as("u-filer"), c.ID, casefile.NewParty{Role: casefile.Plaintiff, Kind: casefile.Person,
			Name: "王五", IDType: "resident_id", IDNumber: "330225198001011250", AccountID: "u-coplain"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.SetConsent(f.as("u-coplain"), c.ID, co.ID, casefile.StageEvidence, true, casefile.HowPlatform); err != nil {
			t.Fatal(err)
		}
		e := f.submit(t, c, "u-party", "借条")
		if !strings.HasPrefix(e.Label, "原告张三证据") {
			t.Errorf("label with two plaintiffs: %s", e.Label)
		}
		f.openExchange(t, c)
		_, err = f.s.RecordOpinion(f.as("u-coplain"), e.ID, admitAll)
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_opposing")
		if len(e.Opinions) != 1 || e.Opinions[0].PartyID != defendant(c) {
			t.Errorf("opposing parties: %+v", e.Opinions)
		}
	})
}

// TestDisputeMarks: only the judge marks an exhibit's points; the newest
// marks show in the list.
func TestDisputeMarks(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		e := f.submit(t, c, "u-party", "借条")
		in := exhibit.DisputeInput{Authenticity: exhibit.MarkDisputed, Legality: exhibit.MarkUndisputed, Relevance: exhibit.MarkUndisputed,
			Note: "签名真伪为争议焦点"}
		_, err := f.s.MarkDispute(f.as("u-party"), e.ID, in)
		wantCode(t, err, errs.Forbidden, "exhibit.error.judge_only")
		_, err = f.s.MarkDispute(f.as("u-clerk"), e.ID, in)
		wantCode(t, err, errs.Forbidden, "exhibit.error.judge_only")
		_, err = f.s.MarkDispute(f.as("u-judge"), e.ID, exhibit.DisputeInput{Authenticity: "perhaps"})
		wantField(t, err, "authenticity", "exhibit_mark")
		d, err := f.s.MarkDispute(f.as("u-judge"), e.ID, in)
		if err != nil || d.Version != 1 {
			t.Fatalf("mark: %+v %v", d, err)
		}
		got, err := f.s.Find(f.as("u-lawyer"), e.ID)
		if err != nil || got.Dispute == nil || got.Dispute.Authenticity != exhibit.MarkDisputed || got.Dispute.Note != "签名真伪为争议焦点" {
			t.Fatalf("marks in Find: %+v %v", got.Dispute, err)
		}
		in.Authenticity = exhibit.MarkUndisputed
		if d, err = f.s.MarkDispute(f.as("u-judge"), e.ID, in); err != nil || d.Version != 2 {
			t.Fatalf("second mark: %+v %v", d, err)
		}
		if got, _ := f.s.Find(f.as("u-judge"), e.ID); got.Dispute.Authenticity != exhibit.MarkUndisputed {
			t.Errorf("newest mark not shown: %+v", got.Dispute)
		}
	})
}

// TestPresent: showing an exhibit in a hearing emits the live event, makes
// it the hearing's current exhibit and visible to the other side.
func TestPresent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		other := f.newCase(t, casefile.Ordinary)
		f.hear["h-1"] = c.ID
		f.hear["h-2"] = other.ID
		p1 := f.submit(t, c, "u-party", "借条")
		d1 := f.submit(t, c, "u-defendant", "收条")
		if _, err := f.s.Presented(f.as("u-judge"), "h-1"); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("nothing presented yet: %v", err)
		}
		// A party shows only its own exhibits; an exhibit of another case is not found.
		_, err := f.s.Present(f.as("u-party"), "h-1", d1.ID)
		wantCode(t, err, errs.NotFound, "")
		_, err = f.s.Present(f.as("u-judge"), "h-2", p1.ID)
		wantCode(t, err, errs.NotFound, "")
		_, err = f.s.Present(f.as("u-stranger"), "h-1", p1.ID)
		wantCode(t, err, errs.NotFound, "")
		p, err := f.s.Present(f.as("u-lawyer"), "h-1", p1.ID)
		if err != nil || p.Exhibit.ID != p1.ID || !p.Exhibit.Presented {
			t.Fatalf("Present: %+v %v", p, err)
		}
		if n := f.events(t, exhibit.EventPresented, c.ID); n != 1 {
			t.Fatalf("%d presented events, want 1", n)
		}
		var payload string
		f.db.QueryRow(t.Context(), `SELECT payload FROM bus_outbox WHERE type = ?`, exhibit.EventPresented).Scan(&payload)
		if !strings.Contains(payload, `"hearing_id":"h-1"`) || !strings.Contains(payload, p1.ID) {
			t.Errorf("payload %s", payload)
		}
		// The defendant now sees the shown exhibit, though no exchange was opened.
		cur, err := f.s.Presented(f.as("u-defendant"), "h-1")
		if err != nil || cur.Exhibit.ID != p1.ID || cur.PresentedBy != "u-lawyer" {
			t.Fatalf("Presented as the defendant: %+v %v", cur, err)
		}
		if l, _ := f.s.List(f.as("u-defendant"), c.ID); len(l) != 2 {
			t.Errorf("defendant sees %d exhibits, want own + presented", len(l))
		}
		// The judge shows the defendant's exhibit next.
		f.clk.Set(t0.Add(time.Minute))
		if _, err := f.s.Present(f.as("u-judge"), "h-1", d1.ID); err != nil {
			t.Fatal(err)
		}
		if cur, _ := f.s.Presented(f.as("u-party"), "h-1"); cur.Exhibit.ID != d1.ID {
			t.Errorf("current exhibit %s, want %s", cur.Exhibit.ID, d1.ID)
		}
		if _, err := f.s.Presented(f.as("u-stranger"), "h-1"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("stranger Presented: %v", err)
		}
	})
}

// TestAsyncTrialGate: statements are refused until every condition of
// Art. 20 is recorded as met and the procedure fits; then allowed within
// the stage's period.
func TestAsyncTrialGate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ordinary := f.newCase(t, casefile.Ordinary)
		c := f.newCase(t, casefile.SmallClaims)
		text := exhibit.StatementInput{Stage: exhibit.StageStatement, Text: "我方请求被告归还借款五万元。"}
		_, err := f.s.SubmitStatement(f.as("u-party"), c.ID, text)
		wantCode(t, err, errs.Conflict, "exhibit.error.async_not_allowed")
		for _, k := range exhibit.Conditions {
			wantField(t, err, "conditions."+k, "exhibit_missing_"+k)
		}
		// Only the judge records conditions, each with what it rests on.
		_, err = f.s.RecordCondition(f.as("u-party"), c.ID, exhibit.ConditionInput{Condition: exhibit.CondDifficulty, Met: true, Note: "x"})
		wantCode(t, err, errs.Forbidden, "exhibit.error.judge_only")
		_, err = f.s.RecordCondition(f.as("u-judge"), c.ID, exhibit.ConditionInput{Condition: "weather", Met: true})
		wantField(t, err, "condition", "exhibit_condition")
		wantField(t, err, "note", "required")
		notes := map[string]string{exhibit.CondDifficulty: "被告在远洋渔船作业，无法同时在线",
			exhibit.CondApplication: "原告2026-03-02书面申请，被告在线确认同意", exhibit.CondNoDispute: "经在线证据交换，双方对借款事实和证据无争议"}
		for _, k := range exhibit.Conditions[:2] {
			if _, err := f.s.RecordCondition(f.as("u-judge"), c.ID, exhibit.ConditionInput{Condition: k, Met: true, Note: notes[k]}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.s.SubmitStatement(f.as("u-party"), c.ID, text)
		wantField(t, err, "conditions.no_dispute", "exhibit_missing_no_dispute")
		// Condition (三) cannot be met while a point is marked disputed.
		e := f.submit(t, c, "u-party", "借条")
		if _, err := f.s.MarkDispute(f.as("u-judge"), e.ID, exhibit.DisputeInput{Authenticity: exhibit.MarkDisputed, Note: "签名"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.RecordCondition(f.as("u-judge"), c.ID, exhibit.ConditionInput{Condition: exhibit.CondNoDispute, Met: true, Note: notes[exhibit.CondNoDispute]})
		wantCode(t, err, errs.Conflict, "exhibit.error.points_disputed")
		if _, err := f.s.MarkDispute(f.as("u-judge"), e.ID, exhibit.DisputeInput{Authenticity: exhibit.MarkUndisputed}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.RecordCondition(f.as("u-judge"), c.ID, exhibit.ConditionInput{Condition: exhibit.CondNoDispute, Met: true,
			Note: notes[exhibit.CondNoDispute]}); err != nil {
			t.Fatal(err)
		}
		a, err := f.s.FindAsyncTrial(f.as("u-defendant"), c.ID)
		if err != nil || !a.Allowed || len(a.Missing) != 0 || a.Conditions[0].RecordedBy != "u-judge" {
			t.Fatalf("state: %+v %v", a, err)
		}
		// No stage period yet.
		_, err = f.s.SubmitStatement(f.as("u-party"), c.ID, text)
		wantCode(t, err, errs.Conflict, "exhibit.error.stage_closed")
		today := day("2026-03-02")
		if _, err := f.s.SetStage(f.as("u-judge"), c.ID, exhibit.StageInput{Stage: exhibit.StageStatement, Start: today, End: today.Plus(3)}); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.SubmitStatement(f.as("u-party"), c.ID, text)
		if err != nil || m.Kind != exhibit.StatementText {
			t.Fatalf("text statement: %+v %v", m, err)
		}
		// A recording is checked by content: audio or video only.
		_, err = f.s.SubmitStatement(f.as("u-defendant"), c.ID, exhibit.StatementInput{Stage: exhibit.StageStatement, Body: bytes.NewReader(pdfBytes)})
		wantField(t, err, "file", "exhibit_statement_type")
		m, err = f.s.SubmitStatement(f.as("u-defendant"), c.ID, exhibit.StatementInput{Stage: exhibit.StageStatement, Body: bytes.NewReader(wavBytes)})
		if err != nil || m.Kind != "wav" || len(m.SHA256) != 64 {
			t.Fatalf("recording: %+v %v", m, err)
		}
		if n := f.events(t, exhibit.EventStatement, c.ID); n != 2 {
			t.Errorf("%d statement events", n)
		}
		// After the stage's period, refused.
		f.clk.Set(t0.Add(5 * 24 * time.Hour))
		_, err = f.s.SubmitStatement(f.as("u-party"), c.ID, text)
		wantCode(t, err, errs.Conflict, "exhibit.error.stage_closed")
		// An ordinary-procedure case never passes the gate, whatever is recorded.
		for _, k := range exhibit.Conditions {
			if _, err := f.s.RecordCondition(f.as("u-judge"), ordinary.ID, exhibit.ConditionInput{Condition: k, Met: true, Note: notes[k]}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.s.SetStage(f.as("u-judge"), ordinary.ID, exhibit.StageInput{Stage: exhibit.StageStatement, Start: today.Plus(5), End: today.Plus(8)})
		wantField(t, err, "conditions.procedure", "exhibit_missing_procedure")
		a, _ = f.s.FindAsyncTrial(f.as("u-judge"), ordinary.ID)
		if a.Allowed || len(a.Missing) != 1 || a.Missing[0] != exhibit.CondProcedure {
			t.Errorf("ordinary case: %+v", a)
		}
		// A condition recorded as not met closes the gate again.
		if _, err := f.s.RecordCondition(f.as("u-judge"), c.ID, exhibit.ConditionInput{Condition: exhibit.CondApplication, Met: false,
			Note: "被告撤回同意"}); err != nil {
			t.Fatal(err)
		}
		if a, _ := f.s.FindAsyncTrial(f.as("u-judge"), c.ID); a.Allowed || len(a.Statements) != 2 {
			t.Errorf("after withdrawal: %+v", a)
		}
	})
}
