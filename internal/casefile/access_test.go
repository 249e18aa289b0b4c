package casefile

import (
	"context"
	"slices"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestAuthorize(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		base := mustCreate(t, f.s, civilCase())
		// The case goes on appeal to 宁波中院: its appeal case names it as parent.
		appeal := civilCase()
		appeal.CourtID, appeal.TypeCode, appeal.Procedure, appeal.ParentCaseID = "c-mid", "民终", Ordinary, base.ID
		if _, err := f.s.Create(as("u-midfiler"), appeal); err != nil {
			t.Fatal(err)
		}
		// An enforcement case at the same court.
		exec := civilCase()
		exec.TypeCode, exec.Procedure = "执", Enforcement
		execCase := mustCreate(t, f.s, exec)

		const ok, forb, nf = errs.Code(""), errs.Forbidden, errs.NotFound
		all := []Need{NeedRead, NeedRecord, NeedConsent, NeedParties, NeedStatus, NeedAssign}
		tests := []struct {
			who  string
			want []errs.Code // per need in the order of all
		}{
			{"u-party", []errs.Code{ok, forb, ok, forb, forb, forb}},
			{"u-lawyer", []errs.Code{ok, forb, ok, forb, forb, forb}},
			{"u-filer", []errs.Code{ok, ok, ok, ok, ok, ok}},
			{"u-admin-court", []errs.Code{ok, ok, ok, ok, ok, ok}},
			{"u-judge", []errs.Code{ok, ok, ok, ok, forb, forb}}, // status only when assigned
			{"u-assistant", []errs.Code{ok, ok, ok, ok, forb, forb}},
			{"u-clerk", []errs.Code{ok, ok, ok, forb, forb, forb}},
			{"u-enforcer", []errs.Code{ok, ok, ok, forb, forb, forb}}, // status only on enforcement cases
			{"u-mediator", []errs.Code{ok, ok, ok, forb, forb, forb}},
			{"u-director", []errs.Code{nf, nf, nf, nf, nf, nf}},
			{"u-otherjudge", []errs.Code{nf, nf, nf, nf, nf, nf}},
			{"u-midjudge", []errs.Code{ok, forb, forb, forb, forb, forb}}, // appeal court
			{"u-midfiler", []errs.Code{ok, forb, forb, forb, forb, forb}},
			{"u-stranger", []errs.Code{nf, nf, nf, nf, nf, nf}},
			{"u-platform", []errs.Code{ok, ok, ok, ok, ok, ok}},
		}
		for _, tt := range tests {
			for i, need := range all {
				before := countAudit(t, f.db, "casefile.case.read", base.ID, tt.who)
				c, err := f.s.Authorize(as(tt.who), base.ID, need)
				if got := errs.CodeOf(err); got != tt.want[i] {
					t.Errorf("%s %s: got %q (%v), want %q", tt.who, need, got, err, tt.want[i])
					continue
				}
				after := countAudit(t, f.db, "casefile.case.read", base.ID, tt.who)
				if err == nil && (c.ID != base.ID || after != before+1) {
					t.Errorf("%s %s: case %q, audit entries %d → %d; want the case and one new entry", tt.who, need, c.ID, before, after)
				}
				if err != nil && after != before {
					t.Errorf("%s %s: refused, but a read was audited", tt.who, need)
				}
			}
		}
		if n := countAudit(t, f.db, "casefile.case.denied", base.ID, "u-stranger"); n != len(all) {
			t.Errorf("stranger: %d denied entries, want %d", n, len(all))
		}
		// A missing case and an anonymous caller.
		if _, err := f.s.Authorize(as("u-platform"), "no-such-case", NeedRead); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("missing case: got %v", err)
		}
		if _, err := f.s.Authorize(context.Background(), base.ID, NeedRead); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("anonymous: got %v", err)
		}
		// Enforcement officers change the status of enforcement cases.
		if _, err := f.s.Authorize(as("u-enforcer"), execCase.ID, NeedStatus); err != nil {
			t.Errorf("enforcer on 执 case: %v", err)
		}
		// Once assigned, the judge may change the status.
		if _, err := f.s.Assign(as("u-filer"), base.ID, Assignment{JudgeID: "u-judge", ClerkID: "u-clerk"}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"u-judge", "u-clerk"} {
			if _, err := f.s.Authorize(as(who), base.ID, NeedStatus); err != nil {
				t.Errorf("assigned %s: %v", who, err)
			}
		}
		if _, err := f.s.Authorize(as("u-judge2"), base.ID, NeedStatus); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unassigned judge: got %v", err)
		}
	})
}

func TestReadsAreAuditedAndMasked(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		c := mustCreate(t, f.s, civilCase())
		reads := []struct {
			name string
			fn   func(ctx context.Context) error
		}{
			{"Get", func(ctx context.Context) error { _, err := f.s.Get(ctx, c.ID); return err }},
			{"Timeline", func(ctx context.Context) error { _, err := f.s.Timeline(ctx, c.ID); return err }},
			{"Consents", func(ctx context.Context) error { _, err := f.s.Consents(ctx, c.ID); return err }},
			{"ListMine", func(ctx context.Context) error { _, err := f.s.ListMine(ctx, Page{}); return err }},
		}
		for _, r := range reads {
			for _, who := range []string{"u-party", "u-lawyer"} {
				before := countAudit(t, f.db, "casefile.case.read", c.ID, who)
				if err := r.fn(as(who)); err != nil {
					t.Fatalf("%s by %s: %v", r.name, who, err)
				}
				if after := countAudit(t, f.db, "casefile.case.read", c.ID, who); after != before+1 {
					t.Errorf("%s by %s: audit entries %d → %d, want one more", r.name, who, before, after)
				}
			}
		}
		before := countAudit(t, f.db, "casefile.case.read", c.ID, "u-judge")
		if _, err := f.s.Search(as("u-judge"), "c-basic", Query{}, Page{}); err != nil {
			t.Fatal(err)
		}
		if after := countAudit(t, f.db, "casefile.case.read", c.ID, "u-judge"); after != before+1 {
			t.Errorf("Search: audit entries %d → %d", before, after)
		}

		// Masking: the plaintiff sees their own numbers, not the defendant's.
		got, err := f.s.Get(as("u-party"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		pl, def := got.Parties[0], got.Parties[1]
		if pl.Masked || pl.IDNumber != "33022519800101123X" || pl.Phone != "13800005678" {
			t.Errorf("own party: %+v; want unmasked", pl)
		}
		if !def.Masked || def.IDNumber != "9133**********234X" || def.Phone != "057*****1234" {
			t.Errorf("other party: %+v; want masked", def)
		}
		// The plaintiff's lawyer sees the client whole; staff see everyone whole.
		got, _ = f.s.Get(as("u-lawyer"), c.ID)
		if got.Parties[0].Masked || !got.Parties[1].Masked {
			t.Errorf("lawyer: masked = %v, %v; want false, true", got.Parties[0].Masked, got.Parties[1].Masked)
		}
		got, _ = f.s.Get(as("u-clerk"), c.ID)
		if got.Parties[1].Masked || got.Parties[1].IDNumber != "91330225MA2AB1234X" {
			t.Errorf("staff: %+v; want unmasked", got.Parties[1])
		}
	})
}

func TestListMineAndSearch(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		var ids []string
		for i := range 5 {
			nc := civilCase()
			if i == 4 {
				nc.Cause = "买卖合同纠纷"
				nc.Parties[1].Name = "宁海某公司"
				nc.Representatives = nil
				nc.Parties[0].AccountID = ""
			}
			ids = append(ids, mustCreate(t, f.s, nc).ID)
		}
		other := civilCase()
		other.CourtID = "c-mid"
		if _, err := f.s.Create(as("u-platform"), other); err != nil {
			t.Fatal(err)
		}
		// u-party is a party in cases 0–3 at c-basic and in the c-mid case.
		l, err := f.s.ListMine(as("u-party"), Page{Limit: 2})
		if err != nil || len(l.Items) != 2 || l.Next == "" {
			t.Fatalf("page 1: %+v, %v", l, err)
		}
		var seen []string
		for {
			for _, s := range l.Items {
				seen = append(seen, s.ID)
			}
			if l.Next == "" {
				break
			}
			if l, err = f.s.ListMine(as("u-party"), Page{Limit: 2, Before: l.Next}); err != nil {
				t.Fatal(err)
			}
		}
		if len(seen) != 5 || !slices.IsSortedFunc(seen, func(a, b string) int { return -stringsCompare(a, b) }) {
			t.Errorf("ListMine: %v; want 5 cases newest first", seen)
		}
		if slices.Contains(seen, ids[4]) {
			t.Error("ListMine lists a case where the user is no party")
		}
		if l, _ := f.s.ListMine(as("u-stranger"), Page{}); len(l.Items) != 0 {
			t.Errorf("stranger lists %d cases", len(l.Items))
		}

		tests := []struct {
			q    Query
			want int
		}{
			{Query{}, 5},
			{Query{Cause: "买卖"}, 1},
			{Query{Party: "宁海"}, 1},
			{Query{Number: "(2026)浙0225民初3号"}, 1},
			{Query{Text: "民间借贷"}, 4},
			{Query{Text: "宁海"}, 1},
			{Query{Status: Filed}, 5},
			{Query{Status: Accepted}, 0},
			{Query{Party: "%"}, 0},
		}
		for _, tt := range tests {
			l, err := f.s.Search(as("u-judge"), "c-basic", tt.q, Page{})
			if err != nil || len(l.Items) != tt.want {
				t.Errorf("Search(%+v): %d items, %v; want %d", tt.q, len(l.Items), err, tt.want)
			}
		}
		for _, who := range []string{"u-otherjudge", "u-party", "u-director"} {
			if _, err := f.s.Search(as(who), "c-basic", Query{}, Page{}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("Search by %s: got %v, want forbidden", who, err)
			}
		}
		counts, err := f.s.Counts(as("u-admin-court"), "c-basic")
		if err != nil || counts[Filed] != 5 || counts[InTrial] != 0 {
			t.Errorf("Counts: %v, %v", counts, err)
		}
		if _, ok := counts[Closed]; ok {
			t.Error("Counts includes closed cases")
		}
		if _, err := f.s.Counts(as("u-party"), "c-basic"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Counts by a party: %v", err)
		}
	})
}

func stringsCompare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
