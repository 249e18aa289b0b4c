package court_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"sync"
	"testing"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// sets are the migrations the court context needs, in order.
var sets = []sqldb.MigrationSet{rooted(audit.Migrations), bus.Migrations, court.Migrations}

// rooted works around a set whose FS still has the "migrations" folder on
// top (audit.Migrations at the time of writing) instead of "sqlite" and
// "postgres"; a correct set is returned unchanged.
func rooted(set sqldb.MigrationSet) sqldb.MigrationSet {
	if _, err := fs.ReadDir(set.FS, "sqlite"); err == nil {
		return set
	}
	if sub, err := fs.Sub(set.FS, "migrations"); err == nil {
		set.FS = sub
	}
	return set
}

// seeded returns a seeded service on db.
func seeded(t testing.TB, db *sqldb.DB, opts ...court.Option) *court.Service {
	t.Helper()
	s := court.New(db, nil, opts...)
	if _, err := s.Seed(context.Background()); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return s
}

func mustCode(t testing.TB, s *court.Service, code string) court.Court {
	t.Helper()
	c, err := s.FindByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("FindByCode(%s): %v", code, err)
	}
	return c
}

func count(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(court.Migrations); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	cols := map[sqldb.Dialect][]sqldb.Column{}
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		all, err := db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var ours []sqldb.Column
		for _, c := range all {
			if len(c.Table) > 6 && c.Table[:6] == "court_" {
				ours = append(ours, c)
			}
		}
		if len(ours) == 0 {
			t.Fatal("no court_ tables")
		}
		mu.Lock()
		cols[db.Dialect()] = ours
		mu.Unlock()
	})
	if a, b := cols[sqldb.SQLite], cols[sqldb.Postgres]; b != nil && !slices.Equal(a, b) {
		t.Errorf("schemas differ:\nsqlite   %v\npostgres %v", a, b)
	}
}

func TestSeedIdempotent(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := court.New(db, nil)
		first, err := s.Seed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := len(s.Data().Courts)
		if got := len(first.Inserted); got != n {
			t.Errorf("first seed inserted %d, want %d", got, n)
		}
		rows, audits, events := count(t, db, "court_court"), count(t, db, "audit_log"), count(t, db, "bus_outbox")
		if rows != n || audits != n || events != n {
			t.Errorf("after first seed: %d rows, %d audit entries, %d events; want %d each", rows, audits, events, n)
		}
		before := mustCode(t, s, "浙0225")

		// A second seed, and a fresh service (a restart), change nothing.
		for i, s2 := range []*court.Service{s, court.New(db, nil)} {
			again, err := s2.Seed(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Inserted)+len(again.Updated) != 0 {
				t.Errorf("seed %d: inserted %v updated %v, want nothing", i+2, again.Inserted, again.Updated)
			}
			if got := mustCode(t, s2, "浙0225"); got != before {
				t.Errorf("seed %d: court changed:\n got %+v\nwant %+v", i+2, got, before)
			}
		}
		if got := count(t, db, "court_court"); got != rows {
			t.Errorf("rows: got %d, want %d", got, rows)
		}
		if got := count(t, db, "audit_log"); got != audits {
			t.Errorf("audit entries: got %d, want %d", got, audits)
		}
		var version string
		if err := db.QueryRow(ctx, "SELECT version FROM court_dataset WHERE name = 'courts'").Scan(&version); err != nil || version != s.Data().Version {
			t.Errorf("dataset version: got %q (%v), want %q", version, err, s.Data().Version)
		}
	})
}

func TestSeedUpdatesNeverDeletes(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		seeded(t, db)
		d := court.EmbeddedData()
		d.Version += "-test"
		var kept []court.SeedCourt
		for _, c := range d.Courts {
			switch c.Code {
			case "浙0282":
				continue // dropped from the data: must stay in the database
			case "浙0211":
				c.NameEN = "Zhenhai District People's Court of Ningbo"
			}
			kept = append(kept, c)
		}
		d.Courts = kept
		s := court.New(db, nil, court.WithData(d))
		res, err := s.Seed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Updated, []string{"浙0211"}; !slices.Equal(got, want) || len(res.Inserted) != 0 {
			t.Errorf("updated %v inserted %v, want updated %v only", got, res.Inserted, want)
		}
		if got := mustCode(t, s, "浙0211").NameEN; got != "Zhenhai District People's Court of Ningbo" {
			t.Errorf("name_en not updated: %q", got)
		}
		mustCode(t, s, "浙0282") // still there
		var action string
		if err := db.QueryRow(ctx, "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&action); err != nil || action != "court.court.updated" {
			t.Errorf("last audit action: got %q (%v), want court.court.updated", action, err)
		}
	})
}

func TestHierarchy(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := seeded(t, db)
		id := func(code string) string { return mustCode(t, s, code).ID }

		demo := []struct {
			code, name, parent, appeal string
			level                      court.Level
			kind                       court.Kind
		}{
			{"最高法", "最高人民法院", "", "", court.Supreme, court.General},
			{"浙", "浙江省高级人民法院", "最高法", "最高法", court.High, court.General},
			{"浙01", "杭州市中级人民法院", "浙", "浙", court.Intermediate, court.General},
			{"浙02", "宁波市中级人民法院", "浙", "浙", court.Intermediate, court.General},
			{"浙0225", "象山县人民法院", "浙02", "浙02", court.Basic, court.General},
			{"浙0225-石浦", "象山县人民法院石浦人民法庭", "浙0225", "浙02", court.Tribunal, court.General},
			{"浙0211", "宁波市镇海区人民法院", "浙02", "浙02", court.Basic, court.General},
			{"浙0282", "慈溪市人民法院", "浙02", "浙02", court.Basic, court.General},
			{"浙72", "宁波海事法院", "浙", "浙", court.Intermediate, court.Maritime},
			{"浙0192", "杭州互联网法院", "浙01", "浙01", court.Basic, court.Internet},
			{"兵", "新疆维吾尔自治区高级人民法院生产建设兵团分院", "最高法", "最高法", court.High, court.General},
		}
		for _, d := range demo {
			c := mustCode(t, s, d.code)
			var parent, appeal string
			if d.parent != "" {
				parent, appeal = id(d.parent), id(d.appeal)
			}
			if c.NameZH != d.name || c.Level != d.level || c.Kind != d.kind || c.ParentID != parent || c.AppealCourtID != appeal || !c.Active {
				t.Errorf("%s: got %+v, want name %s level %s kind %s parent %s appeal %s", d.code, c, d.name, d.level, d.kind, d.parent, d.appeal)
			}
			if got, err := s.Find(ctx, c.ID); err != nil || got != c {
				t.Errorf("Find(%s): got %+v, %v", d.code, got, err)
			}
		}

		anc, err := s.Ancestors(ctx, id("浙0225"))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := codes(anc), []string{"浙02", "浙", "最高法"}; !slices.Equal(got, want) {
			t.Errorf("Ancestors(象山): got %v, want %v", got, want)
		}
		if anc, _ := s.Ancestors(ctx, id("最高法")); len(anc) != 0 {
			t.Errorf("Ancestors(SPC): got %v, want none", codes(anc))
		}

		for _, tt := range []struct{ code, want string }{
			{"浙0225-石浦", "浙0225"}, {"浙0225", "浙0225"}, {"浙72", "浙72"},
		} {
			c, err := s.CaseCourt(ctx, id(tt.code))
			if err != nil || c.Code != tt.want {
				t.Errorf("CaseCourt(%s): got %s, %v; want %s", tt.code, c.Code, err, tt.want)
			}
			if got := mustCode(t, s, tt.code).CaseCode; got != tt.want {
				t.Errorf("%s.CaseCode: got %s, want %s", tt.code, got, tt.want)
			}
		}

		for _, tt := range []struct {
			upper, lower string
			want         bool
		}{
			{"浙02", "浙0225", true},
			{"浙", "浙0225", true},
			{"最高法", "浙0225-石浦", true},
			{"浙02", "浙0225-石浦", true},
			{"浙0225", "浙0225-石浦", true},
			{"浙01", "浙0192", true},
			{"浙", "浙72", true},
			{"浙0225", "浙02", false},   // lower is above
			{"浙0225", "浙0225", false}, // not above itself
			{"浙01", "浙0225", false},   // another city
			{"浙02", "浙0192", false},
			{"苏", "浙0225", false},
			{"新", "兵", false},
			{"最高法", "兵", true},
		} {
			got, err := s.IsAbove(ctx, id(tt.upper), id(tt.lower))
			if err != nil || got != tt.want {
				t.Errorf("IsAbove(%s, %s): got %v, %v; want %v", tt.upper, tt.lower, got, err, tt.want)
			}
		}

		kids, err := s.Children(ctx, "浙02")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := codes(kids), []string{"浙0211", "浙0225", "浙0282"}; !slices.Equal(got, want) {
			t.Errorf("Children(宁波中院): got %v, want %v", got, want)
		}
		appeal, err := s.AppealCourt(ctx, id("浙0225-石浦"))
		if err != nil || appeal.Code != "浙02" {
			t.Errorf("AppealCourt(石浦): got %s, %v; want 浙02", appeal.Code, err)
		}
	})
}

func TestNotFound(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := seeded(t, db)
		const missing = "01890000-0000-7000-8000-000000000000"
		spc := mustCode(t, s, "最高法").ID
		calls := map[string]error{}
		_, calls["Find"] = s.Find(ctx, missing)
		_, calls["FindByCode"] = s.FindByCode(ctx, "火星01")
		_, calls["Resolve"] = s.Resolve(ctx, "火星01")
		_, calls["Children"] = s.Children(ctx, missing)
		_, calls["Ancestors"] = s.Ancestors(ctx, missing)
		_, calls["CaseCourt"] = s.CaseCourt(ctx, missing)
		_, calls["IsAbove upper"] = s.IsAbove(ctx, missing, spc)
		_, calls["IsAbove lower"] = s.IsAbove(ctx, spc, missing)
		_, calls["AppealCourt SPC"] = s.AppealCourt(ctx, spc)
		for name, err := range calls {
			if !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("%s: got %v, want not found", name, err)
			}
		}
	})
}

func TestList(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// A service that was never seeded loads the list from the database.
		seeded(t, db)
		s := court.New(db, nil)
		tests := []struct {
			name string
			f    court.Filter
			want []string
		}{
			{"province 33 basic", court.Filter{Province: "33", Level: court.Basic}, []string{"浙0192", "浙0211", "浙0225", "浙0282"}},
			{"parent by code", court.Filter{ParentID: "浙"}, []string{"浙01", "浙02", "浙72"}},
			{"maritime", court.Filter{Kind: court.Maritime}, []string{"浙72"}},
			{"query zh", court.Filter{Query: "象山"}, []string{"浙0225", "浙0225-石浦"}},
			{"query en", court.Filter{Query: "internet"}, []string{"浙0192"}},
			{"tribunal", court.Filter{Level: court.Tribunal}, []string{"浙0225-石浦"}},
		}
		for _, tt := range tests {
			got, err := s.List(ctx, tt.f)
			if err != nil || !slices.Equal(codes(got), tt.want) {
				t.Errorf("%s: got %v, %v; want %v", tt.name, codes(got), err, tt.want)
			}
		}
		all, err := s.List(ctx, court.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if all[0].Code != "最高法" || all[len(all)-1].Level != court.Tribunal {
			t.Errorf("order: first %s, last %s", all[0].Code, all[len(all)-1].Code)
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].Level.Rank() > all[i].Level.Rank() {
				t.Errorf("order: %s (%s) before %s (%s)", all[i-1].Code, all[i-1].Level, all[i].Code, all[i].Level)
			}
		}
		_, err = s.List(ctx, court.Filter{Level: "county", Kind: "space", ParentID: "火星"})
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) != 3 {
			t.Errorf("bad filter: got %v, want invalid with 3 fields", err)
		}
	})
}

func codes(cs []court.Court) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return out
}

func BenchmarkFind(b *testing.B) {
	db := sqldbtest.OpenSQLite(b, sqldbtest.Options{}, sets...)
	s := seeded(b, db)
	id := mustCode(b, s, "浙0225").ID
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Find(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeedUnchanged measures the start-up cost of Seed when the
// database already holds the current data.
func BenchmarkSeedUnchanged(b *testing.B) {
	db := sqldbtest.OpenSQLite(b, sqldbtest.Options{}, sets...)
	s := seeded(b, db)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Seed(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
