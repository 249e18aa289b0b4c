package hearing_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestConsultationInterruption: a connection that drops during a private
// consultation is a technical interruption (Online Litigation Rules
// Art. 25) as in the main room; who comes back returns to the
// consultation, or to the main room when it ended meanwhile. Only the
// connection to the room the participant is in counts.
func TestConsultationInterruption(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c := f.newCase(t)
		h := f.online(t, c)
		id := h.ID
		party, lawyer := who(t, h, "u-party"), who(t, h, "u-lawyer")
		sub := h.Room + "-consult-" + party.PartyID
		f.clk.Set(start)
		ctl(t, f, "u-judge", id, "open", "")
		for _, u := range []string{"u-party", "u-lawyer"} {
			if _, err := f.s.Enter(f.as(u), id); err != nil {
				t.Fatal(err)
			}
			ctl(t, f, "u-judge", id, "admit", who(t, h, u).Identity)
		}
		left := func(room, identity, reason string) {
			t.Helper()
			if err := f.s.RoomLeft(ctx, room, identity, reason); err != nil {
				t.Fatalf("RoomLeft %s %s %s: %v", room, identity, reason, err)
			}
		}
		is := func(what, account string, want hearing.State) {
			t.Helper()
			if p := state(t, f, id, account); p.State != want {
				t.Errorf("%s: %s is %s, want %s", what, account, p.State, want)
			}
		}
		enter := func(what, account string, want hearing.State, room string) {
			t.Helper()
			e, err := f.s.Enter(f.as(account), id)
			if err != nil || e.State != want || e.Room != room {
				t.Fatalf("%s: entry %+v %v, want %s in %s", what, e, err, want, room)
			}
			if tk := f.rooms.lastToken(); tk.Room != room || !tk.Perms.Publish || !tk.Perms.Subscribe {
				t.Errorf("%s: token %+v", what, tk)
			}
		}

		ctl(t, f, "u-judge", id, "consult_start", party.Identity)
		// Moving to the consultation ends the main-room connections: no departure.
		left(h.Room, party.Identity, hearing.ReasonLeave)
		left(h.Room, lawyer.Identity, hearing.ReasonDisconnect)
		is("moved to the consultation", "u-lawyer", hearing.InConsult)
		is("moved to the consultation", "u-party", hearing.InConsult)

		// The lawyer's network drops in the consultation: a technical
		// interruption, recorded as leaving the consultation; a repeated
		// report changes nothing.
		left(sub, lawyer.Identity, hearing.ReasonDisconnect)
		left(sub, lawyer.Identity, hearing.ReasonDisconnect)
		is("dropped in the consultation", "u-lawyer", hearing.Interruption)
		is("still consulting", "u-party", hearing.InConsult)
		_, acts, err := f.s.Participants(f.as("u-judge"), id)
		if err != nil {
			t.Fatal(err)
		}
		var drops []hearing.Action
		for _, a := range acts {
			if a.Action == "left" && a.Target == lawyer.Identity {
				drops = append(drops, a)
			}
		}
		var d struct {
			Reason, From, Room string
		}
		if len(drops) != 1 || json.Unmarshal([]byte(drops[0].Detail), &d) != nil ||
			d.Reason != hearing.ReasonDisconnect || d.From != string(hearing.InConsult) || d.Room != sub {
			t.Fatalf("record of the drop = %+v", drops)
		}
		// Back while the consultation goes on: into it, not the main room.
		f.rooms.take()
		enter("back during the consultation", "u-lawyer", hearing.InConsult, sub)
		if calls := f.rooms.take(); len(calls) != 0 {
			t.Errorf("calls on returning to the consultation = %v", calls)
		}
		is("back in the consultation", "u-lawyer", hearing.InConsult)

		// Dropped again, and the judge ends the consultation meanwhile: the
		// party returns to the court; the lawyer keeps the interruption and
		// comes back to the main room, in their place, without admission.
		left(sub, lawyer.Identity, hearing.ReasonDisconnect)
		ctl(t, f, "u-judge", id, "consult_end", party.Identity)
		calls := f.rooms.take()
		if len(calls) != 2 || calls[0].Method != "Admit" || calls[0].Identity != party.Identity || calls[1].Method != "DeleteRoom" || calls[1].Room != sub {
			t.Fatalf("consultation end calls = %v", calls)
		}
		is("after the consultation", "u-party", hearing.Admitted)
		is("after the consultation", "u-lawyer", hearing.Interruption)
		if p := state(t, f, id, "u-lawyer"); p.Consult != "" {
			t.Errorf("lawyer still has consultation room %q", p.Consult)
		}
		enter("back after the consultation ended", "u-lawyer", hearing.Admitted, h.Room)
		// The party's page closing its consultation connection after the
		// end is no departure: the party is in the main room.
		left(sub, party.Identity, hearing.ReasonLeave)
		is("consultation connection closed", "u-party", hearing.Admitted)

		// Ending the consultation on the row of the one who dropped ends it
		// for the whole group.
		ctl(t, f, "u-judge", id, "consult_start", lawyer.Identity)
		left(sub, party.Identity, hearing.ReasonDisconnect)
		ctl(t, f, "u-judge", id, "consult_end", party.Identity)
		is("consultation ended on the dropped one's row", "u-lawyer", hearing.Admitted)
		is("consultation ended on the dropped one's row", "u-party", hearing.Interruption)
		enter("party back", "u-party", hearing.Admitted, h.Room)

		// Leaving the consultation on purpose is leaving: the waiting room.
		ctl(t, f, "u-judge", id, "consult_start", party.Identity)
		left(sub, lawyer.Identity, hearing.ReasonLeave)
		is("left the consultation", "u-lawyer", hearing.Left)
		e, err := f.s.Enter(f.as("u-lawyer"), id)
		if err != nil || e.State != hearing.Waiting || e.Room != h.Room {
			t.Errorf("back after leaving the consultation: %+v %v", e, err)
		}

		// Rooms of no hearing are ignored; a bad reason is refused.
		if err := f.s.RoomLeft(ctx, "other-room", party.Identity, hearing.ReasonDisconnect); err != nil {
			t.Errorf("room of no hearing: %v", err)
		}
		if err := f.s.RoomLeft(ctx, "hearing-nope-consult-x", party.Identity, hearing.ReasonDisconnect); err != nil {
			t.Errorf("consultation of no hearing: %v", err)
		}
		if err := f.s.RoomLeft(ctx, sub, party.Identity, "gone"); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("bad reason: %v", err)
		}
		is("after the ignored reports", "u-party", hearing.InConsult)
	})
}
