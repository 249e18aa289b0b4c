package hearing_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	if e, ok := errs.As(err); ok {
		for _, fe := range e.Fields {
			out[fe.Field] = fe.Code
		}
	}
	return out
}

func TestScheduleOnlineConsentAndTimeline(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		h := f.online(t, c)
		if h.Mode != hearing.Online || h.Status != hearing.Scheduled {
			t.Fatalf("mode/status = %s/%s, want online/scheduled", h.Mode, h.Status)
		}
		seats := map[string]string{}
		for _, p := range h.Participants {
			seats[p.AccountID] = p.Seat
		}
		want := map[string]string{"u-judge": "审判长", "u-judge2": "审判员", "u-judge3": "审判员", "u-clerk": "书记员",
			"u-party": "原告", "u-defendant": "被告", "u-lawyer": "原告委托诉讼代理人", "u-witness": "证人"}
		for acc, seat := range want {
			if seats[acc] != seat {
				t.Errorf("seat of %s = %q, want %q", acc, seats[acc], seat)
			}
		}
		if !who(t, h, "u-judge").Moderator || who(t, h, "u-judge2").Moderator {
			t.Error("only the presiding judge moderates at first")
		}
		if got := f.outbox(t, "ecourt.hearing."); len(got) != 1 || got[0] != "ecourt.hearing.hearing.scheduled" {
			t.Errorf("events = %v", got)
		}
		// The summons payload.
		var payload string
		if err := f.db.QueryRow(context.Background(), `SELECT payload FROM bus_outbox WHERE type = 'ecourt.hearing.hearing.scheduled'`).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var sm hearing.Summons
		if err := json.Unmarshal([]byte(payload), &sm); err != nil {
			t.Fatal(err)
		}
		if sm.HearingID != h.ID || sm.CaseID != c.ID || sm.CourtID != f.courtID || !sm.StartsAt.Equal(start) ||
			sm.RoomPath != "/hearings/"+h.ID+"/room" || len(sm.Participants) != 8 {
			t.Errorf("summons = %+v", sm)
		}
		var n int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'hearing.hearing.schedule' AND target = ?`, h.ID).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit entries = %d (%v), want 1", n, err)
		}
		f.runJobs(t)
		tl, err := f.cases.Timeline(f.as("u-clerk"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range tl {
			found = found || e.Type == "hearing.scheduled"
		}
		if !found {
			t.Error("no hearing.scheduled on the timeline")
		}
	})
}

func TestScheduleRules(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		p, d := c.Parties[0].ID, c.Parties[1].ID
		base := func() hearing.NewHearing {
			return hearing.NewHearing{CaseID: c.ID, StartsAt: start, Duration: time.Hour, Courtroom: "第一法庭",
				Public: true, Modes: map[string]hearing.Mode{p: hearing.Online, d: hearing.Offline}}
		}
		// CPL Art. 139: notified Monday 2 March, Thursday 5 March is the earliest day.
		nh := base()
		nh.StartsAt = china(2026, 3, 4, 23, 0)
		_, err := f.s.Schedule(f.as("u-clerk"), nh)
		if fieldCodes(err)["starts_at"] != "hearing_notice" {
			t.Errorf("2 days' notice: err = %v", err)
		}
		nh.StartsAt = china(2026, 3, 5, 0, 30)
		nh.Courtroom = "第九法庭"
		if _, err := f.s.Schedule(f.as("u-clerk"), nh); err != nil {
			t.Errorf("3 days' notice refused: %v", err)
		}
		// Only the case's staff.
		if _, err := f.s.Schedule(f.as("u-otherjudge"), base()); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("other judge: err = %v, want forbidden", err)
		}
		if _, err := f.s.Schedule(f.as("u-party"), base()); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("party: err = %v, want forbidden", err)
		}
		// Art. 137: private needs a reason; state security is never public.
		nh = base()
		nh.Public = false
		if _, err := f.s.Schedule(f.as("u-clerk"), nh); fieldCodes(err)["private_reason"] != "hearing_private_reason" {
			t.Errorf("private without reason: err = %v", err)
		}
		nh = base()
		nh.Exclusion = hearing.ExclStateSecurity
		if _, err := f.s.Schedule(f.as("u-clerk"), nh); fieldCodes(err)["public"] != "hearing_public_secret" {
			t.Errorf("public state secret: err = %v", err)
		}
		// Consent needed for online: without it the plaintiff is offline.
		h, err := f.s.Schedule(f.as("u-clerk"), base())
		if err != nil {
			t.Fatal(err)
		}
		if pp := who(t, h, "u-party"); pp.Mode != hearing.Offline || pp.ModeReason != "no_consent" {
			t.Errorf("plaintiff without consent: %s %q", pp.Mode, pp.ModeReason)
		}
		if h.Mode != hearing.Offline {
			t.Errorf("mode = %s, want offline", h.Mode)
		}
		if _, err := f.s.Cancel(f.as("u-clerk"), h.ID, "改期"); err != nil {
			t.Fatal(err)
		}
		f.consent(t, c, p, true)
		h, err = f.s.Schedule(f.as("u-clerk"), base())
		if err != nil {
			t.Fatal(err)
		}
		if who(t, h, "u-party").Mode != hearing.Online || who(t, h, "u-lawyer").Mode != hearing.Online || h.Mode != hearing.Mixed {
			t.Errorf("with consent: party %s lawyer %s hearing %s", who(t, h, "u-party").Mode, who(t, h, "u-lawyer").Mode, h.Mode)
		}
		if _, err := f.s.Cancel(f.as("u-clerk"), h.ID, "改期"); err != nil {
			t.Fatal(err)
		}
		// Art. 21 gate: an exclusion puts everyone offline, with the ground recorded.
		nh = base()
		nh.Exclusion, nh.ExclusionNote = hearing.ExclInPerson, "需当庭核对借条原件"
		h, err = f.s.Schedule(f.as("u-clerk"), nh)
		if err != nil {
			t.Fatal(err)
		}
		if pp := who(t, h, "u-party"); pp.Mode != hearing.Offline || pp.ModeReason != "exclusion:in_person_check" {
			t.Errorf("excluded: %s %q", pp.Mode, pp.ModeReason)
		}
		got, err := f.s.Find(f.as("u-judge"), h.ID)
		if err != nil || got.Exclusion != hearing.ExclInPerson || got.ExclusionNote != "需当庭核对借条原件" {
			t.Errorf("recorded exclusion = %q %q (%v)", got.Exclusion, got.ExclusionNote, err)
		}
		if _, err := f.s.Cancel(f.as("u-clerk"), h.ID, "改期"); err != nil {
			t.Fatal(err)
		}
		// Art. 21(一): every party declined → party_objection recorded by itself.
		f.consent(t, c, p, false)
		f.consent(t, c, d, false)
		h, err = f.s.Schedule(f.as("u-clerk"), base())
		if err != nil {
			t.Fatal(err)
		}
		if h.Exclusion != hearing.ExclPartyObjection {
			t.Errorf("all declined: exclusion = %q", h.Exclusion)
		}
		// The bench must be judges and the clerk a clerk of the court.
		nh = base()
		nh.JudgeIDs, nh.ClerkID = []string{"u-lawyer"}, "u-party"
		codes := fieldCodes(func() error { _, err := f.s.Schedule(f.as("u-clerk"), nh); return err }())
		if codes["judge_ids"] != "hearing_not_judge" || codes["clerk_id"] != "hearing_not_clerk" {
			t.Errorf("bench of non-judges: %v", codes)
		}
		// Offline needs a courtroom.
		nh = base()
		nh.Courtroom = ""
		nh.StartsAt = start.Add(48 * time.Hour)
		if _, err := f.s.Schedule(f.as("u-clerk"), nh); fieldCodes(err)["courtroom"] != "hearing_courtroom" {
			t.Errorf("no courtroom: %v", err)
		}
	})
}

func TestScheduleConflicts(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c1 := f.newCase(t)
		c2 := f.newCaseWith(t, "u-party2", "u-defendant2", "u-lawyer")
		c3 := f.newCaseWith(t, "u-party2", "u-defendant2", "")
		first, err := f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c1.ID, StartsAt: start, Duration: 2 * time.Hour,
			Courtroom: "第一法庭", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		// Same judge (the case's assignment), an hour later: overlaps.
		_, err = f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c3.ID, StartsAt: start.Add(time.Hour),
			Courtroom: "第二法庭", Public: true})
		if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Key != "hearing.error.conflict_judge" || e.Args[0] != c1.Number {
			t.Errorf("judge conflict: %v", err)
		}
		// Another judge, same courtroom.
		_, err = f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c3.ID, StartsAt: start.Add(time.Hour),
			JudgeIDs: []string{"u-otherjudge"}, Courtroom: "第一法庭", Public: true})
		if e, ok := errs.As(err); !ok || e.Key != "hearing.error.conflict_courtroom" {
			t.Errorf("courtroom conflict: %v", err)
		}
		// Another judge and courtroom, but the same lawyer (c2's plaintiff's).
		_, err = f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c2.ID, StartsAt: start.Add(time.Hour),
			JudgeIDs: []string{"u-otherjudge"}, Courtroom: "第二法庭", Public: true})
		if e, ok := errs.As(err); !ok || e.Key != "hearing.error.conflict_representative" || e.Args[0] != "王律师" {
			t.Errorf("representative conflict: %v", err)
		}
		// Back to back is no conflict.
		if _, err := f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c2.ID, StartsAt: start.Add(2 * time.Hour),
			JudgeIDs: []string{"u-judge"}, Courtroom: "第一法庭", Public: true}); err != nil {
			t.Errorf("back to back: %v", err)
		}
		// Cancelling frees the slot; rescheduling checks the same rules.
		if _, err := f.s.Cancel(f.as("u-clerk"), first.ID, ""); fieldCodes(err)["reason"] != "required" {
			t.Errorf("cancel without reason: %v", err)
		}
		if _, err := f.s.Reschedule(f.as("u-clerk"), first.ID, start.Add(2*time.Hour), 0, "", "法官出差"); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("reschedule into a conflict: %v", err)
		}
		moved, err := f.s.Reschedule(f.as("u-clerk"), first.ID, start.Add(24*time.Hour), 0, "", "法官出差")
		if err != nil || moved.Seq != 2 || !moved.StartsAt.Equal(start.Add(24*time.Hour)) {
			t.Fatalf("reschedule: %+v %v", moved, err)
		}
		if _, err := f.s.Cancel(f.as("u-clerk"), first.ID, "原告撤诉"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c3.ID, StartsAt: start.Add(24 * time.Hour),
			Courtroom: "第一法庭", Public: true}); err != nil {
			t.Errorf("after cancel: %v", err)
		}
		got := f.outbox(t, "ecourt.hearing.hearing.")
		want := []string{"ecourt.hearing.hearing.scheduled", "ecourt.hearing.hearing.scheduled", "ecourt.hearing.hearing.rescheduled",
			"ecourt.hearing.hearing.cancelled", "ecourt.hearing.hearing.scheduled"}
		if len(got) != len(want) {
			t.Fatalf("events = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("event %d = %s, want %s", i, got[i], want[i])
			}
		}
	})
}
