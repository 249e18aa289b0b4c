package casefile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(Migrations); err != nil {
		t.Fatal(err)
	}
	// Both dialects produce the same tables and columns.
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mine []sqldb.Column
		for _, c := range cols {
			if strings.HasPrefix(c.Table, "casefile_") {
				mine = append(mine, c)
			}
		}
		for _, table := range []string{"casefile_case", "casefile_party", "casefile_representative", "casefile_event", "casefile_consent", "casefile_sequence", "casefile_random_number"} {
			if !slices.Contains(mine, sqldb.Column{Table: table, Name: "court_id"}) {
				t.Errorf("%s has no court_id (the distribution column)", table)
			}
		}
		got = append(got, mine)
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("dialects differ:\nsqlite   %v\npostgres %v", got[0], got[1])
	}
}

func TestCreate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		c := mustCreate(t, f.s, civilCase())
		if got, want := c.Number, "（2026）浙0225民初1号"; got != want {
			t.Errorf("number: got %s, want %s", got, want)
		}
		if c.Status != Filed || c.TypeClass != "civil" || len(c.Parties) != 2 || len(c.Representatives) != 1 {
			t.Errorf("got %+v", c)
		}
		if c.Representatives[0].PartyID != c.Parties[0].ID {
			t.Errorf("representative acts for %s, want %s", c.Representatives[0].PartyID, c.Parties[0].ID)
		}
		c2 := mustCreate(t, f.s, civilCase())
		if got, want := c2.Number, "（2026）浙0225民初2号"; got != want {
			t.Errorf("second number: got %s, want %s", got, want)
		}
		// Another type code and a 专门审判代字 each have their own sequence (Art. 9).
		nc := civilCase()
		nc.TypeCode = "民终"
		if got := mustCreate(t, f.s, nc).Number; got != "（2026）浙0225民终1号" {
			t.Errorf("民终: got %s", got)
		}
		nc.SpecCode = "知"
		if got := mustCreate(t, f.s, nc).Number; got != "（2026）浙0225知民终1号" {
			t.Errorf("知民终: got %s", got)
		}
		// The SPC's IP court.
		nc.CourtID = "c-spc"
		c3, err := f.s.Create(as("u-platform"), nc)
		if err != nil || c3.Number != "（2026）最高法知民终1号" {
			t.Errorf("SPC: got %s, %v", c3.Number, err)
		}
		tl, err := f.s.Timeline(as("u-filer"), c.ID)
		if err != nil || len(tl) != 1 || tl[0].Type != "case.created" {
			t.Errorf("timeline %+v, %v", tl, err)
		}
		if n := countOutbox(t, f.db, "ecourt.casefile.case.created", c.ID); n != 1 {
			t.Errorf("%d outbox events, want 1", n)
		}
		if n := countAudit(t, f.db, "casefile.case.create", c.ID, "u-filer"); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
	})
}

func TestCreateValidatesEveryField(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		nc := NewCase{
			CourtID: "c-basic", TypeCode: "民破", SpecCode: "X", Procedure: "fast", CauseCode: "bad code!", ParentCaseID: "nope",
			Parties: []NewParty{{Role: "king", Kind: "robot", IDNumber: "1"}},
			Representatives: []NewRepresentative{
				{PartyIndex: 3, Kind: Lawyer, Name: "王"},
			},
		}
		_, err := f.s.Create(as("u-filer"), nc)
		want := []string{"type_code:casefile_type_code", "spec_code:casefile_spec_code", "cause:required",
			"cause_code:format", "procedure:casefile_procedure", "parent_case_id:casefile_case_unknown",
			"parties[0].role:casefile_party_role", "parties[0].kind:casefile_party_kind", "parties[0].name:required",
			"parties[0].id_type:required", "representatives[0].party_index:casefile_party_unknown",
			"representatives[0].licence_no:required"}
		if got := fieldCodes(err); !slices.Equal(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
		// An unknown court.
		_, err = f.s.Create(as("u-platform"), NewCase{CourtID: "c-none"})
		if got := fieldCodes(err); !slices.Contains(got, "court_id:casefile_court_unknown") {
			t.Errorf("unknown court: got %v", got)
		}
		// Only filing officers and court administrators of the court may create.
		for _, who := range []string{"u-judge", "u-party", "u-midfiler"} {
			if _, err := f.s.Create(as(who), civilCase()); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("%s: got %v, want forbidden", who, err)
			}
		}
		if _, err := f.s.Create(context.Background(), civilCase()); errs.CodeOf(err) != errs.Unauthenticated {
			t.Errorf("anonymous: got %v, want unauthenticated", err)
		}
		if _, err := f.s.CreateAsSystem(context.Background(), civilCase()); err != nil {
			t.Errorf("system: %v", err)
		}
	})
}

func TestCreateTypeCodeValidOnFilingDate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		nc := civilCase()
		nc.TypeCode, nc.Procedure = "诉前调确", NonLitigation
		f.clk.Set(time.Date(2021, 12, 31, 15, 59, 0, 0, time.UTC)) // 23:59 on 31 December in China
		if _, err := f.s.Create(as("u-filer"), nc); !slices.Contains(fieldCodes(err), "type_code:casefile_type_code") {
			t.Errorf("诉前调确 in 2021: got %v, want invalid type_code", err)
		}
		f.clk.Set(time.Date(2021, 12, 31, 16, 0, 0, 0, time.UTC)) // 00:00 on 1 January 2022 in China
		c, err := f.s.Create(as("u-filer"), nc)
		if err != nil || c.Number != "（2022）浙0225诉前调确1号" {
			t.Errorf("诉前调确 in 2022: got %s, %v", c.Number, err)
		}
	})
}

func TestYearResetsAtNewYearInChina(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		f.clk.Set(time.Date(2026, 12, 31, 15, 30, 0, 0, time.UTC)) // 23:30 China time
		for _, want := range []string{"（2026）浙0225民初1号", "（2026）浙0225民初2号"} {
			if got := mustCreate(t, f.s, civilCase()).Number; got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		}
		f.clk.Set(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)) // 00:30 on 1 January 2027
		c := mustCreate(t, f.s, civilCase())
		if c.Number != "（2027）浙0225民初1号" || c.Year != 2027 {
			t.Errorf("got %s (year %d), want （2027）浙0225民初1号", c.Number, c.Year)
		}
	})
}

func TestCriminalReviewNumbersAreRandom(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		nc := civilCase()
		nc.TypeCode, nc.Procedure = "刑核", Special
		nc.Representatives = nil
		seen := map[int64]bool{}
		for range 5 {
			c := mustCreate(t, f.s, nc)
			if c.Seq < 10_000_000 || c.Seq > 99_999_999 || seen[c.Seq] {
				t.Errorf("刑核 number %d: want a fresh 8-digit number", c.Seq)
			}
			seen[c.Seq] = true
			if n, err := ParseNumber(c.Number); err != nil || n.Seq != c.Seq {
				t.Errorf("%s does not parse: %v", c.Number, err)
			}
		}
		// A collision is retried: reserve a number, and the next must differ.
		err := f.db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			ok, err := reserveRandom(context.Background(), tx, "c-basic", "浙0225", "", "刑核", 2026, 12345678)
			if err != nil || !ok {
				return fmt.Errorf("first reservation: %v %v", ok, err)
			}
			ok, err = reserveRandom(context.Background(), tx, "c-basic", "浙0225", "", "刑核", 2026, 12345678)
			if err != nil || ok {
				return fmt.Errorf("second reservation of the same number: %v %v; want false", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentAllocationIsGapFree is the test: 500 case creations
// from 50 goroutines give the numbers 1..500, each once, and a rolled-back
// creation leaves no gap.
func TestConcurrentAllocationIsGapFree(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		const workers, each = 50, 10
		var mu sync.Mutex
		var seqs []int64
		numbers := map[string]bool{}
		var wg sync.WaitGroup
		errc := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					c, err := f.s.Create(as("u-filer"), civilCase())
					if err != nil {
						errc <- err
						return
					}
					mu.Lock()
					seqs = append(seqs, c.Seq)
					numbers[c.Number] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		if len(seqs) != workers*each || len(numbers) != workers*each {
			t.Fatalf("got %d numbers (%d distinct), want %d", len(seqs), len(numbers), workers*each)
		}
		for i, s := range seqs {
			if s != int64(i+1) {
				t.Fatalf("sequence has a gap or duplicate at %d: got %d", i+1, s)
			}
		}

		// A creation that fails after allocating its number gives it back.
		boom := errors.New("boom")
		err := f.db.Tx(context.Background(), func(tx *sqldb.Tx) error {
			n, err := nextSeq(context.Background(), tx, "c-basic", "浙0225", "", "民初", 2026)
			if err != nil {
				return err
			}
			if n != 501 {
				t.Errorf("allocated %d inside the doomed transaction, want 501", n)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := mustCreate(t, f.s, civilCase()).Seq; got != 501 {
			t.Errorf("after rollback: got %d, want 501", got)
		}
	})
}
