package hearing_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

func ctl(t *testing.T, f *fixture, user, id, action, target string) {
	t.Helper()
	if _, err := f.s.Control(f.as(user), id, hearing.Control{Action: action, Target: target}); err != nil {
		t.Fatalf("%s %s by %s: %v", action, target, user, err)
	}
}

func state(t *testing.T, f *fixture, id, account string) hearing.Participant {
	t.Helper()
	h, err := f.s.Find(f.as("u-judge"), id)
	if err != nil {
		t.Fatal(err)
	}
	return who(t, h, account)
}

func TestRoomRules(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		h := f.online(t, c)
		id := h.ID
		party, lawyer, wit, judge2 := who(t, h, "u-party"), who(t, h, "u-lawyer"), who(t, h, "u-witness"), who(t, h, "u-judge2")
		// Too early to enter (more than an hour before).
		if _, err := f.s.Enter(f.as("u-party"), id); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("early entry: %v", err)
		}
		f.clk.Set(start.Add(-30 * 60e9))
		// Identity re-check (Art. 7): unverified accounts and strangers are refused.
		f.unverified["u-defendant"] = true
		if _, err := f.s.Enter(f.as("u-defendant"), id); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unverified entry: %v", err)
		}
		if _, err := f.s.Enter(f.as("u-stranger"), id); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("stranger entry: %v", err)
		}
		// Staff are admitted at once; parties wait; the witness stays out.
		e, err := f.s.Enter(f.as("u-judge"), id)
		if err != nil || e.State != hearing.Admitted || !e.Moderator || e.Seat != "审判长" || e.URL == "" || e.Token == "" {
			t.Fatalf("judge entry: %+v %v", e, err)
		}
		if tk := f.rooms.lastToken(); !tk.Perms.Publish || !tk.Perms.Subscribe || !tk.Perms.Admin {
			t.Errorf("judge token perms = %+v", tk.Perms)
		}
		for _, u := range []string{"u-party", "u-lawyer", "u-witness"} {
			e, err := f.s.Enter(f.as(u), id)
			if err != nil {
				t.Fatalf("enter %s: %v", u, err)
			}
			if tk := f.rooms.lastToken(); tk.Perms.Publish || tk.Perms.Subscribe {
				t.Errorf("%s (%s) token perms = %+v, want none", u, e.State, tk.Perms)
			}
		}
		if p := state(t, f, id, "u-party"); p.State != hearing.Waiting || p.EnteredAt == nil {
			t.Errorf("party after entry: %s %v", p.State, p.EnteredAt)
		}
		if p := state(t, f, id, "u-witness"); p.State != hearing.WitnessOut {
			t.Errorf("witness after entry: %s", p.State)
		}
		f.rooms.take()
		// Non-moderators are refused: a party, and the second judge before designation.
		if _, err := f.s.Control(f.as("u-party"), id, hearing.Control{Action: "admit", Target: lawyer.Identity}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("party admits: %v", err)
		}
		if _, err := f.s.Control(f.as("u-judge2"), id, hearing.Control{Action: "mute", Target: party.Identity}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("judge2 mutes: %v", err)
		}
		if len(f.rooms.take()) != 0 {
			t.Error("refused actions called the video service")
		}
		ctl(t, f, "u-judge", id, "open", "")
		// Admit gives permissions, once.
		ctl(t, f, "u-judge", id, "admit", party.Identity)
		ctl(t, f, "u-judge", id, "admit", party.Identity)
		ctl(t, f, "u-clerk", id, "admit", lawyer.Identity) // the clerk checks attendance (CPL Art. 140)
		calls := f.rooms.take()
		if len(calls) != 2 || calls[0].Method != "Admit" || calls[0].Identity != party.Identity ||
			!calls[0].Perms.Publish || !calls[0].Perms.Subscribe || calls[0].Perms.Admin || calls[0].Room != h.Room {
			t.Fatalf("admit calls = %v", calls)
		}
		// Witness in, then out: out revokes subscription (Art. 26).
		if _, err := f.s.Control(f.as("u-judge"), id, hearing.Control{Action: "admit", Target: wit.Identity}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("admit a witness: %v", err)
		}
		ctl(t, f, "u-judge", id, "witness_in", wit.Identity)
		ctl(t, f, "u-judge", id, "witness_out", wit.Identity)
		calls = f.rooms.take()
		if len(calls) != 2 || calls[0].Method != "Admit" || !calls[0].Perms.Subscribe || calls[1].Method != "Hold" || calls[1].Identity != wit.Identity {
			t.Fatalf("witness calls = %v", calls)
		}
		// Second moderator: designated by the presiding judge, then acts.
		if _, err := f.s.Control(f.as("u-clerk"), id, hearing.Control{Action: "add_moderator", Target: judge2.Identity}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("clerk designates: %v", err)
		}
		ctl(t, f, "u-judge", id, "add_moderator", judge2.Identity)
		ctl(t, f, "u-judge2", id, "mute", party.Identity)
		ctl(t, f, "u-judge2", id, "unmute", party.Identity)
		calls = f.rooms.take()
		if len(calls) != 2 || calls[0].Method != "Mute" || !calls[0].Muted || calls[1].Muted {
			t.Fatalf("mute calls = %v", calls)
		}
		// Audio-only by the participant themself, and consultation.
		ctl(t, f, "u-party", id, "audio_only", "")
		if _, err := f.s.Control(f.as("u-party"), id, hearing.Control{Action: "audio_only", Target: party.Identity, On: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Control(f.as("u-party"), id, hearing.Control{Action: "audio_only", Target: lawyer.Identity, On: true}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("audio-only for another: %v", err)
		}
		calls = f.rooms.take()
		if len(calls) != 1 || calls[0].Method != "Admit" || !calls[0].Perms.AudioOnly {
			t.Fatalf("audio-only calls = %v", calls)
		}
		ctl(t, f, "u-judge", id, "consult_start", party.Identity)
		if p := state(t, f, id, "u-lawyer"); p.State != hearing.InConsult {
			t.Errorf("lawyer in consultation: %s", p.State)
		}
		// Moving to the consultation room ends the main-room connection:
		// that is not a departure.
		if err := f.s.ParticipantLeft(context.Background(), id, lawyer.Identity, hearing.ReasonLeave); err != nil {
			t.Fatal(err)
		}
		e, err = f.s.Enter(f.as("u-lawyer"), id)
		if err != nil || e.Room == h.Room || e.State != hearing.InConsult {
			t.Errorf("lawyer re-enters during consultation: %+v %v", e, err)
		}
		ctl(t, f, "u-judge", id, "consult_end", lawyer.Identity)
		calls = f.rooms.take()
		if len(calls) != 5 || calls[0].Method != "Hold" || calls[2].Method != "Admit" || calls[4].Method != "DeleteRoom" {
			t.Fatalf("consultation calls = %v", calls)
		}
		// Technical interruption vs leaving vs absent (Art. 25).
		if err := f.s.ParticipantLeft(context.Background(), id, lawyer.Identity, hearing.ReasonDisconnect); err != nil {
			t.Fatal(err)
		}
		if err := f.s.ParticipantLeft(context.Background(), id, lawyer.Identity, hearing.ReasonLeave); err != nil {
			t.Fatal(err)
		}
		if p := state(t, f, id, "u-lawyer"); p.State != hearing.Interruption {
			t.Errorf("dropped lawyer = %s, want technical_interruption", p.State)
		}
		// Back after the interruption: the place is kept, no re-admission;
		// after leaving on purpose: the waiting room again.
		if e, err := f.s.Enter(f.as("u-lawyer"), id); err != nil || e.State != hearing.Admitted || e.Room != h.Room {
			t.Errorf("lawyer back after the interruption: %+v %v", e, err)
		}
		if err := f.s.ParticipantLeft(context.Background(), id, lawyer.Identity, hearing.ReasonLeave); err != nil {
			t.Fatal(err)
		}
		if e, err := f.s.Enter(f.as("u-lawyer"), id); err != nil || e.State != hearing.Waiting {
			t.Errorf("lawyer back after leaving: %+v %v", e, err)
		}
		// A witness dropped while outside comes back outside (Art. 26).
		if err := f.s.ParticipantLeft(context.Background(), id, wit.Identity, hearing.ReasonDisconnect); err != nil {
			t.Fatal(err)
		}
		if p := state(t, f, id, "u-witness"); p.State != hearing.Interruption {
			t.Errorf("dropped witness = %s", p.State)
		}
		if e, err := f.s.Enter(f.as("u-witness"), id); err != nil || e.State != hearing.WitnessOut {
			t.Errorf("witness back: %+v %v", e, err)
		}
		f.rooms.take()
		// Remove.
		ctl(t, f, "u-judge", id, "remove", party.Identity)
		ctl(t, f, "u-judge", id, "remove", party.Identity)
		if err := f.s.ParticipantLeft(context.Background(), id, party.Identity, hearing.ReasonDisconnect); err != nil {
			t.Fatal(err)
		}
		if p := state(t, f, id, "u-party"); p.State != hearing.Removed {
			t.Errorf("removed party = %s", p.State)
		}
		calls = f.rooms.take()
		if len(calls) != 1 || calls[0].Method != "Remove" || calls[0].Identity != party.Identity {
			t.Fatalf("remove calls = %v", calls)
		}
		ctl(t, f, "u-judge", id, "recess", "")
		ctl(t, f, "u-judge", id, "resume", "")
		ctl(t, f, "u-judge2", id, "close", "")
		if p := state(t, f, id, "u-defendant"); p.State != hearing.Expected {
			t.Errorf("never-entered defendant = %s, want expected (absent)", p.State)
		}
		hh, acts, err := f.s.Participants(f.as("u-clerk"), id)
		if err != nil || hh.Status != hearing.Closed || hh.OpenedAt == nil || hh.ClosedAt == nil {
			t.Fatalf("closed hearing: %+v %v", hh, err)
		}
		var names []string
		for _, a := range acts {
			names = append(names, a.Action)
		}
		if len(acts) < 10 || names[len(names)-1] != "close" {
			t.Errorf("record = %v", names)
		}
		if _, err := f.s.Enter(f.as("u-party"), id); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("entry after close: %v", err)
		}
		got := f.outbox(t, "ecourt.hearing.hearing.")
		if len(got) != 3 || got[1] != "ecourt.hearing.hearing.opened" || got[2] != "ecourt.hearing.hearing.closed" {
			t.Errorf("hearing events = %v", got)
		}
	})
}

func TestPublicHearings(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		h := f.online(t, c)
		priv, err := f.s.Schedule(f.as("u-clerk"), hearing.NewHearing{CaseID: c.ID, StartsAt: start.Add(5 * time.Hour), Courtroom: "第一法庭",
			Public: false, PrivateReason: hearing.PrivPrivacy})
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.s.PublicHearings(context.Background())
		if err != nil || len(list) != 1 || list[0].ID != h.ID {
			t.Fatalf("public list = %+v %v", list, err)
		}
		for _, p := range list[0].Participants {
			if p.Name != "" || p.AccountID != "" {
				t.Errorf("public view shows %+v", p)
			}
		}
		// The notice names the parties, the cause, the time and the place
		// (CPL Art. 139 para 2).
		if n := list[0]; n.Cause != c.Cause || n.Cause == "" || len(n.Parties) < 2 || n.Parties[0].Name == "" || n.Parties[0].Seat == "" {
			t.Errorf("public notice = cause %q, parties %+v", n.Cause, n.Parties)
		}
		if _, err := f.s.LiveToken(context.Background(), priv.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("private livestream: %v", err)
		}
		if _, err := f.s.LiveToken(context.Background(), h.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("livestream before opening: %v", err)
		}
		f.clk.Set(start)
		ctl(t, f, "u-judge", h.ID, "open", "")
		e, err := f.s.LiveToken(context.Background(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk := f.rooms.lastToken(); tk.Perms.Publish || !tk.Perms.Subscribe || !tk.Perms.Hidden || tk.Room != h.Room || e.Token == "" {
			t.Errorf("live token = %+v", tk)
		}
	})
}

// TestVideoFailureChangesNothing: when the video service fails, the action
// is refused as unavailable and nothing is recorded.
func TestVideoFailureChangesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		h := f.online(t, f.newCase(t))
		f.clk.Set(start)
		if _, err := f.s.Enter(f.as("u-judge"), h.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Enter(f.as("u-party"), h.ID); err != nil {
			t.Fatal(err)
		}
		_, acts, _ := f.s.Participants(f.as("u-judge"), h.ID)
		f.rooms.fail = errs.New(errs.Unavailable, "")
		_, err := f.s.Control(f.as("u-judge"), h.ID, hearing.Control{Action: "admit", Target: who(t, h, "u-party").Identity})
		if errs.CodeOf(err) != errs.Unavailable {
			t.Fatalf("admit with video down: %v", err)
		}
		if _, err := f.s.Enter(f.as("u-lawyer"), h.ID); errs.CodeOf(err) != errs.Unavailable {
			t.Errorf("enter with video down: %v", err)
		}
		f.rooms.fail = nil
		if p := state(t, f, h.ID, "u-party"); p.State != hearing.Waiting {
			t.Errorf("party = %s, want waiting", p.State)
		}
		if _, after, _ := f.s.Participants(f.as("u-judge"), h.ID); len(after) != len(acts) {
			t.Errorf("record grew from %d to %d", len(acts), len(after))
		}
	})
}

// TestFindRoomForWitness: a witness called online is no reader of the
// case file, yet gets the room page and its events (their media
// permissions keep them from following the hearing, Art. 26); a stranger
// gets neither.
func TestFindRoomForWitness(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		h := f.online(t, f.newCase(t))
		if _, err := f.s.Find(f.as("u-witness"), h.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("the witness reads the case's hearing: %v", err)
		}
		got, err := f.s.FindRoom(f.as("u-witness"), h.ID)
		if err != nil || got.ID != h.ID {
			t.Errorf("the witness's room: %+v %v", got.ID, err)
		}
		if _, err := f.s.FindRoom(f.as("u-stranger"), h.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a stranger's room: %v", err)
		}
		if _, err := f.s.FindRoom(f.as("u-party"), h.ID); err != nil {
			t.Errorf("a party's room: %v", err)
		}
	})
}
