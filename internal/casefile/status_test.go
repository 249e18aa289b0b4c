package casefile

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestCanTransition(t *testing.T) {
	allowed := map[[2]Status]bool{
		{Filed, Accepted}: true, {Filed, Withdrawn}: true,
		{Accepted, InTrial}: true, {Accepted, Suspended}: true, {Accepted, Decided}: true, {Accepted, Withdrawn}: true,
		{InTrial, Suspended}: true, {InTrial, Decided}: true, {InTrial, Withdrawn}: true,
		{Suspended, InTrial}: true, {Suspended, Decided}: true, {Suspended, Withdrawn}: true,
		{Decided, Closed}: true, {Withdrawn, Closed}: true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got, want := CanTransition(from, to), allowed[[2]Status{from, to}]; got != want {
				t.Errorf("%s → %s: got %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestTransition(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		c := mustCreate(t, f.s, civilCase())
		steps := []struct {
			who    string
			to     Status
			reason string
			want   errs.Code
		}{
			{"u-filer", InTrial, "", errs.Conflict}, // filed → in_trial is not allowed
			{"u-filer", Accepted, "", ""},
			{"u-filer", Accepted, "", errs.Conflict},
			{"u-party", InTrial, "", errs.Forbidden},
			{"u-filer", InTrial, "", ""},
			{"u-filer", Suspended, "", errs.Invalid}, // a reason is required
			{"u-filer", Suspended, "一方当事人死亡，需要等待继承人表明是否参加诉讼", ""},
			{"u-filer", "paused", "x", errs.Invalid},
			{"u-filer", InTrial, "恢复审理", ""},
			{"u-filer", Decided, "", ""},
			{"u-filer", InTrial, "", errs.Conflict},
			{"u-filer", Closed, "", ""},
			{"u-platform", Accepted, "", errs.Conflict}, // closed is final
		}
		for i, st := range steps {
			got, err := f.s.Transition(as(st.who), c.ID, st.to, st.reason)
			if errs.CodeOf(err) != st.want {
				t.Fatalf("step %d %s → %s: got %v, want %q", i, st.who, st.to, err, st.want)
			}
			if err == nil && got.Status != st.to {
				t.Fatalf("step %d: status %s, want %s", i, got.Status, st.to)
			}
		}
		if n := countOutbox(t, f.db, "ecourt.casefile.case.status_changed", c.ID); n != 6 {
			t.Errorf("%d status events in the outbox, want 6", n)
		}
		if n := countAudit(t, f.db, "casefile.case.transition", c.ID, "u-filer"); n != 6 {
			t.Errorf("%d transition audit entries, want 6", n)
		}
		tl, err := f.s.Timeline(as("u-party"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, e := range tl {
			if e.Type == "case.status_changed" {
				var d struct{ From, To string }
				if err := json.Unmarshal(e.Detail, &d); err != nil {
					t.Fatal(err)
				}
				moves = append(moves, d.From+">"+d.To)
			}
		}
		want := []string{"filed>accepted", "accepted>in_trial", "in_trial>suspended", "suspended>in_trial", "in_trial>decided", "decided>closed"}
		if !slices.Equal(moves, want) {
			t.Errorf("timeline moves %v, want %v", moves, want)
		}
		got, _ := f.s.Get(as("u-party"), c.ID)
		if got.Status != Closed {
			t.Errorf("status %s, want closed", got.Status)
		}
	})
}
