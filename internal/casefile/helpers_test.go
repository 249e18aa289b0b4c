package casefile

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// sets are the migrations a casefile database needs, in order.
var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, Migrations}

// testCourts is a small court hierarchy: 浙江高院 > 宁波中院 > 象山、宁海.
type testCourts map[string]struct{ code, parent string }

var courts = testCourts{
	"c-high":  {"浙", ""},
	"c-mid":   {"浙02", "c-high"},
	"c-basic": {"浙0225", "c-mid"},
	"c-other": {"浙0226", "c-mid"},
	"c-spc":   {"最高法", ""},
}

func (tc testCourts) CaseCourt(_ context.Context, id string) (CourtRef, error) {
	c, ok := tc[id]
	if !ok {
		return CourtRef{}, errs.New(errs.NotFound, "")
	}
	return CourtRef{ID: id, Code: c.code}, nil
}

func (tc testCourts) IsAbove(_ context.Context, upper, lower string) (bool, error) {
	for c := tc[lower].parent; c != ""; c = tc[c].parent {
		if c == upper {
			return true, nil
		}
	}
	return false, nil
}

// testStaff implements Staff from a list of grants.
type testStaff map[string][]auth.Grant

func (ts testStaff) HasRole(_ context.Context, account, court string, role auth.Role) (bool, error) {
	for _, g := range ts[account] {
		if g.CourtID == court && g.Role == role {
			return true, nil
		}
	}
	return false, nil
}

// people are the principals of the tests, by user ID.
var people = testStaff{
	"u-filer":       {{CourtID: "c-basic", Role: auth.FilingOfficer}},
	"u-admin-court": {{CourtID: "c-basic", Role: auth.CourtAdmin}},
	"u-judge":       {{CourtID: "c-basic", Role: auth.Judge}},
	"u-judge2":      {{CourtID: "c-basic", Role: auth.Judge}},
	"u-assistant":   {{CourtID: "c-basic", Role: auth.JudgeAssistant}},
	"u-clerk":       {{CourtID: "c-basic", Role: auth.Clerk}},
	"u-enforcer":    {{CourtID: "c-basic", Role: auth.EnforcementOfficer}},
	"u-mediator":    {{CourtID: "c-basic", Role: auth.Mediator}},
	"u-director":    {{CourtID: "c-basic", Role: auth.SharedCourtDirector}},
	"u-otherjudge":  {{CourtID: "c-other", Role: auth.Judge}},
	"u-midjudge":    {{CourtID: "c-mid", Role: auth.Judge}},
	"u-midfiler":    {{CourtID: "c-mid", Role: auth.FilingOfficer}},
	"u-party":       {{Role: auth.Litigant}},
	"u-lawyer":      {{Role: auth.Lawyer, Licence: "13302201010123456"}},
	"u-stranger":    {{Role: auth.Litigant}},
	"u-platform":    {{Role: auth.PlatformAdmin}},
}

// as returns a context signed in as user (with the grants of people).
func as(user string) context.Context {
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{UserID: user, Grants: people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// t0 is 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

type fixture struct {
	db  *sqldb.DB
	clk *clock.Fixed
	s   *Service
}

// forEachDB runs fn on SQLite and, when configured, on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, f fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		fn(t, fixture{db: db, clk: clk, s: New(db, courts, WithStaff(people))})
	})
}

// civilCase is a first-instance civil case at c-basic whose plaintiff is
// u-party (linked) represented by u-lawyer.
func civilCase() NewCase {
	return NewCase{
		CourtID: "c-basic", TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: Simplified,
		Parties: []NewParty{
			{Role: Plaintiff, Kind: Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: "13800005678", Address: "浙江省宁波市象山县丹东街道", AccountID: "u-party"},
			{Role: Defendant, Kind: Organisation, Name: "象山某贸易有限公司", IDType: "uscc", IDNumber: "91330225MA2AB1234X",
				Phone: "057465551234"},
		},
		Representatives: []NewRepresentative{
			{PartyIndex: 0, Kind: Lawyer, Name: "李律师", AccountID: "u-lawyer", LicenceNo: "13302201010123456",
				Firm: "浙江某律师事务所", Phone: "13900001111"},
		},
	}
}

func mustCreate(t testing.TB, s *Service, nc NewCase) Case {
	t.Helper()
	c, err := s.Create(as("u-filer"), nc)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return c
}

// countAudit counts audit entries of action for the case by actor.
func countAudit(t testing.TB, db *sqldb.DB, action, caseID, actor string) int {
	t.Helper()
	var n int
	err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND case_id = ? AND actor_id = ?`,
		action, caseID, actor).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countOutbox(t testing.TB, db *sqldb.DB, typ, caseID string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND case_id = ?`, typ, caseID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fieldCodes returns "field:code" of each field error of err.
func fieldCodes(err error) []string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}
