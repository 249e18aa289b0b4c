package casefile

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestConsentPerPartyAndStage(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		c := mustCreate(t, f.s, civilCase())
		plaintiff, defendant := c.Parties[0].ID, c.Parties[1].ID
		steps := []struct {
			who     string
			party   string
			stage   Stage
			consent bool
			how     string
			want    errs.Code
		}{
			{"u-party", plaintiff, StageFiling, true, HowActiveChoice, ""},
			{"u-lawyer", plaintiff, StageService, true, HowPlatform, ""},
			{"u-party", defendant, StageService, true, HowPlatform, errs.Forbidden}, // not their party
			{"u-party", plaintiff, StageHearing, true, HowWritten, errs.Invalid},    // written is recorded by staff
			{"u-clerk", defendant, StageHearing, false, HowOral, ""},
			{"u-clerk", defendant, "trial", true, HowOral, errs.Invalid},
			{"u-clerk", "nobody", StageHearing, true, HowOral, errs.Invalid},
			{"u-stranger", plaintiff, StageHearing, true, HowPlatform, errs.NotFound},
			{"u-midjudge", defendant, StageHearing, true, HowOral, errs.NotFound}, // no appeal yet: no standing
			{"u-party", plaintiff, StageHearing, true, HowPlatform, ""},
			{"u-party", plaintiff, StageHearing, false, HowPlatform, ""}, // withdrawn again (Art. 4, 5)
		}
		for i, st := range steps {
			_, err := f.s.SetConsent(as(st.who), c.ID, st.party, st.stage, st.consent, st.how)
			if errs.CodeOf(err) != st.want {
				t.Fatalf("step %d (%s): got %v, want %q", i, st.who, err, st.want)
			}
		}
		ks, err := f.s.Consents(as("u-judge"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		type pos struct {
			party   string
			stage   Stage
			consent bool
			how     string
			by      string
		}
		var got []pos
		for _, k := range ks {
			got = append(got, pos{k.PartyID, k.Stage, k.Consent, k.How, k.RecordedBy})
		}
		want := []pos{
			{plaintiff, StageFiling, true, HowActiveChoice, "u-party"},
			{plaintiff, StageService, true, HowPlatform, "u-lawyer"},
			{defendant, StageHearing, false, HowOral, "u-clerk"},
			{plaintiff, StageHearing, false, HowPlatform, "u-party"},
		}
		if !slices.Equal(got, want) {
			t.Errorf("consents\n got %v\nwant %v", got, want)
		}
		// Consent to filing and service says nothing of mediation (Art. 4(四)).
		for _, tt := range []struct {
			stage Stage
			want  bool
		}{{StageFiling, true}, {StageService, true}, {StageMediation, false}, {StageHearing, false}} {
			if got, err := f.s.HasConsent(as("u-party"), c.ID, plaintiff, tt.stage); err != nil || got != tt.want {
				t.Errorf("HasConsent(%s) = %v, %v; want %v", tt.stage, got, err, tt.want)
			}
		}
		tl, _ := f.s.Timeline(as("u-party"), c.ID)
		var types []string
		for _, e := range tl {
			types = append(types, e.Type)
		}
		if want := []string{"case.created", "consent.given", "consent.given", "consent.withdrawn", "consent.given", "consent.withdrawn"}; !slices.Equal(types, want) {
			t.Errorf("timeline %v, want %v", types, want)
		}
		if n := countOutbox(t, f.db, "ecourt.casefile.consent.changed", c.ID); n != 5 {
			t.Errorf("%d consent events, want 5", n)
		}
	})
}

func TestAssignAddEventAndParties(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		c := mustCreate(t, f.s, civilCase())
		_, err := f.s.Assign(as("u-filer"), c.ID, Assignment{JudgeID: "u-clerk", AssistantID: "u-assistant", ClerkID: "u-otherjudge"})
		if got := fieldCodes(err); !slices.Equal(got, []string{"judge_id:casefile_not_staff", "clerk_id:casefile_not_staff"}) {
			t.Errorf("bad assignment: %v", err)
		}
		if _, err := f.s.Assign(as("u-judge"), c.ID, Assignment{JudgeID: "u-judge"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("judge assigning: %v, want forbidden", err)
		}
		got, err := f.s.Assign(as("u-admin-court"), c.ID, Assignment{JudgeID: "u-judge", AssistantID: "u-assistant", ClerkID: "u-clerk"})
		if err != nil || got.Assignment.JudgeID != "u-judge" {
			t.Fatalf("Assign: %+v, %v", got.Assignment, err)
		}
		if n := countOutbox(t, f.db, "ecourt.casefile.case.assigned", c.ID); n != 1 {
			t.Errorf("%d assigned events", n)
		}

		// Other contexts add timeline entries; staff-only ones stay hidden from parties.
		ev, err := f.s.AddEvent(as("u-clerk"), c.ID, Event{Type: "hearing.scheduled", Note: "第一法庭",
			Detail: json.RawMessage(`{"room":"1"}`)})
		if err != nil || ev.ID == "" || !ev.At.Equal(t0) {
			t.Fatalf("AddEvent: %+v, %v", ev, err)
		}
		if _, err := f.s.AddEvent(AsSystem(as("")), c.ID, Event{Type: "preservation.requested", StaffOnly: true}); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []Event{{Type: "Hearing"}, {Type: "hearing"}, {Type: "a.b", Detail: json.RawMessage(`[1]`)}} {
			if _, err := f.s.AddEvent(as("u-clerk"), c.ID, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("AddEvent(%+v): %v, want invalid", bad, err)
			}
		}
		if _, err := f.s.AddEvent(as("u-party"), c.ID, Event{Type: "hearing.scheduled"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("party adding an event: %v", err)
		}
		partyTL, _ := f.s.Timeline(as("u-party"), c.ID)
		staffTL, _ := f.s.Timeline(as("u-clerk"), c.ID)
		if len(staffTL) != len(partyTL)+1 {
			t.Errorf("staff see %d entries, party %d; want one staff-only entry more", len(staffTL), len(partyTL))
		}

		// A third party joins, gets a lawyer and later links an account.
		p, err := f.s.AddParty(as("u-judge"), c.ID, NewParty{Role: ThirdParty, Kind: Person, Name: "王五"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AddRepresentative(as("u-judge"), c.ID, p.ID, NewRepresentative{Kind: Agent, Name: "王六"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Get(as("u-stranger"), c.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("before linking: %v", err)
		}
		if err := f.s.LinkAccount(as("u-filer"), c.ID, p.ID, "u-stranger"); err != nil {
			t.Fatal(err)
		}
		got, err = f.s.Get(as("u-stranger"), c.ID)
		if err != nil || len(got.Parties) != 3 || got.Parties[2].Masked {
			t.Errorf("after linking: %v, %+v", err, got.Parties)
		}
		if err := f.s.LinkAccount(as("u-party"), c.ID, p.ID, "u-party"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("party linking: %v", err)
		}
	})
}
