package transcript_test

import (
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/transcript"
)

func TestAppendEditDeleteKeepsRevisions(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.start(t)
		if again := f.start(t); again.Version != 1 {
			t.Errorf("Start again changed the record: version %d", again.Version)
		}
		e1 := f.add(t, "审判员", "现在开庭。")
		f.clk.Advance(time.Minute)
		e2 := f.add(t, "原告", "借款五万元。")
		if e1.Seq != 1 || e2.Seq != 2 || e2.Revision != 1 {
			t.Fatalf("entries %+v %+v", e1, e2)
		}
		f.clk.Advance(time.Minute)
		ed, err := f.s.Edit(f.as("u-judge"), hearing, e2.ID, transcript.EntryEdit{Speaker: "原告", Text: "借款五万元，已还一万元。"})
		if err != nil {
			t.Fatal(err)
		}
		if ed.Revision != 2 || ed.Text != "借款五万元，已还一万元。" {
			t.Errorf("edited %+v", ed)
		}
		del, err := f.s.Delete(f.as("u-clerk"), hearing, e1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !del.Deleted || del.Revision != 2 {
			t.Errorf("deleted %+v", del)
		}
		_, err = f.s.Edit(f.as("u-clerk"), hearing, e1.ID, transcript.EntryEdit{Speaker: "审判员", Text: "x"})
		wantCode(t, err, errs.Conflict, "transcript.error.entry_deleted")

		r := f.find(t, "u-party")
		if len(r.Entries) != 2 || !r.Entries[0].Deleted || r.Entries[1].Text != "借款五万元，已还一万元。" {
			t.Errorf("entries as the party: %+v", r.Entries)
		}
		revs, err := f.s.Revisions(f.as("u-party"), hearing, e2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 || revs[0].Text != "借款五万元。" || revs[0].Action != "create" || revs[0].By != "u-clerk" ||
			revs[1].Action != "edit" || revs[1].By != "u-judge" || !revs[1].At.After(revs[0].At) {
			t.Errorf("revisions %+v", revs)
		}
		revs, _ = f.s.Revisions(f.as("u-clerk"), hearing, e1.ID)
		if len(revs) != 2 || revs[1].Action != "delete" || revs[1].Text != "现在开庭。" {
			t.Errorf("revisions of the deleted entry %+v", revs)
		}
		// One live event per change: start, two appends, an edit, a delete.
		if got := f.events(t, transcript.EventChanged); got != 5 {
			t.Errorf("%d change events, want 5", got)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'transcript.record.%'`); got != 5 {
			t.Errorf("%d audit entries, want 5", got)
		}
	})
}

func TestReadersCannotWrite(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.start(t)
		e := f.add(t, "审判员", "现在开庭。")
		for _, u := range []string{"u-party", "u-lawyer", "u-defendant", "u-otherclerk"} {
			_, err := f.s.Append(f.as(u), hearing, transcript.NewEntry{Speaker: "原告", Text: "我来写"})
			wantCode(t, err, errs.Forbidden, "transcript.error.not_writer")
			_, err = f.s.Edit(f.as(u), hearing, e.ID, transcript.EntryEdit{Speaker: "原告", Text: "改"})
			wantCode(t, err, errs.Forbidden, "")
			_, err = f.s.Delete(f.as(u), hearing, e.ID)
			wantCode(t, err, errs.Forbidden, "")
		}
		// The parties read; a stranger does not even learn that the case exists.
		for _, u := range []string{"u-party", "u-lawyer", "u-defendant"} {
			if r := f.find(t, u); r.CanWrite || len(r.Entries) != 1 {
				t.Errorf("%s: can_write %v, %d entries", u, r.CanWrite, len(r.Entries))
			}
		}
		_, err := f.s.Find(f.as("u-stranger"), hearing)
		wantCode(t, err, errs.NotFound, "")
		// Every read is audited by the casefile.
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'casefile.case.read' AND actor_id = 'u-defendant'`); n == 0 {
			t.Error("the defendant's read is not audited")
		}
		if n := f.count(t, `SELECT COUNT(*) FROM transcript_entry`); n != 1 {
			t.Errorf("%d entries after refused writes", n)
		}
	})
}

func TestValidationChangesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.start(t)
		_, err := f.s.Append(f.as("u-clerk"), hearing, transcript.NewEntry{Speaker: " ", Text: ""})
		wantField(t, err, "speaker", "required")
		wantField(t, err, "text", "required")
		future := t0.Add(time.Hour)
		_, err = f.s.Append(f.as("u-clerk"), hearing, transcript.NewEntry{Speaker: "原告", Text: "x", At: &future})
		wantField(t, err, "at", "future")
		_, err = f.s.Mark(f.as("u-judge"), hearing, "adjourn", t0)
		wantField(t, err, "kind", "unknown_mark")
		_, err = f.s.Find(f.as("u-clerk"), "no-such-hearing")
		wantCode(t, err, errs.NotFound, "transcript.error.not_found")
		if n := f.count(t, `SELECT COUNT(*) FROM transcript_entry`); n != 0 {
			t.Errorf("%d entries after invalid input", n)
		}
	})
}

func TestMarksAppearAndAreFixed(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.start(t)
		sys := transcript.AsSystem(f.as(""), "system:hearing")
		if _, err := f.s.Mark(sys, hearing, transcript.MarkOpen, t0); err != nil {
			t.Fatal(err)
		}
		f.add(t, "审判员", "现在开庭。")
		m, err := f.s.Mark(f.as("u-judge"), hearing, transcript.MarkRecess, t0.Add(30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		r := f.find(t, "u-party")
		if len(r.Entries) != 3 || r.Entries[0].Kind != transcript.Marked || r.Entries[0].Text != "open" || r.Entries[2].Text != "recess" {
			t.Fatalf("entries %+v", r.Entries)
		}
		_, err = f.s.Edit(f.as("u-clerk"), hearing, m.ID, transcript.EntryEdit{Speaker: "审判员", Text: "x"})
		wantCode(t, err, errs.Conflict, "transcript.error.mark_fixed")
		_, err = f.s.Mark(f.as("u-party"), hearing, transcript.MarkClose, t0)
		wantCode(t, err, errs.Forbidden, "transcript.error.not_writer")
	})
}
