package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

func TestChainVerifiesAndNamesFirstBrokenEntry(t *testing.T) {
	clk := clock.NewFixed(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, []sqldb.MigrationSet{audit.Migrations}, func(t *testing.T, db *sqldb.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{UserID: "u1", IP: "192.0.2.1"})
		for i := 0; i < 5; i++ {
			err := db.Tx(ctx, func(tx *sqldb.Tx) error {
				return audit.Append(ctx, tx, audit.Record{Action: "casefile.case.read", CourtID: "c1", CaseID: "k1", Detail: map[string]int{"i": i}})
			})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Second)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return audit.Append(ctx, tx, audit.Record{Action: "identity.account.create"})
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Entries != 6 || rep.Chains != 2 {
			t.Fatalf("got %+v, want 6 entries in 2 chains, OK", rep)
		}
		list, err := audit.ListForCase(ctx, db, "k1", 10)
		if err != nil || len(list) != 5 || list[0].IP != "192.0.2.1" || list[0].ActorID != "u1" {
			t.Fatalf("ListForCase = %d entries, %v", len(list), err)
		}

		// The database refuses to change an entry.
		if _, err := db.Exec(ctx, `UPDATE audit_log SET actor_id = 'x' WHERE seq = 3 AND chain = 'c1'`); err == nil {
			t.Fatal("update of audit_log succeeded; want append-only refusal")
		}
		// Someone with raw access disables the guard and edits entry 3.
		if db.Dialect() == sqldb.SQLite {
			_, err = db.Exec(ctx, `DROP TRIGGER audit_log_no_update`)
		} else {
			_, err = db.Exec(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE audit_log SET actor_id = 'mallory' WHERE seq = 3 AND chain = 'c1'`); err != nil {
			t.Fatal(err)
		}
		rep, err = audit.Verify(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || len(rep.Broken) != 1 || rep.Broken[0].Seq != 3 || rep.Broken[0].Chain != "c1" {
			t.Fatalf("got %+v, want chain c1 broken at entry 3", rep.Broken)
		}
	})
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, []sqldb.MigrationSet{audit.Migrations}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		errc := make(chan error, 40)
		for i := 0; i < 40; i++ {
			go func() {
				errc <- db.Tx(ctx, func(tx *sqldb.Tx) error {
					return audit.Append(ctx, tx, audit.Record{Action: "casefile.case.read", CourtID: "c1", CaseID: "k"})
				})
			}()
		}
		for i := 0; i < 40; i++ {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		rep, err := audit.Verify(ctx, db)
		if err != nil || !rep.OK() || rep.Entries != 40 {
			t.Fatalf("got %+v, %v; want 40 verified entries", rep, err)
		}
	})
}

// TestVerifyWhileAppending runs Verify while entries are appended: the
// heads and the entries are read in different queries, and newer entries
// are not breaks. An entry the head does not count, written past Append,
// still is.
func TestVerifyWhileAppending(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, []sqldb.MigrationSet{audit.Migrations}, func(t *testing.T, db *sqldb.DB) {
		ctx := audit.WithActor(context.Background(), audit.Actor{UserID: "u1"})
		appendOne := func(i int) error {
			return db.Tx(ctx, func(tx *sqldb.Tx) error {
				return audit.Append(ctx, tx, audit.Record{Action: "casefile.case.read", CourtID: "c1", CaseID: "k1", Detail: map[string]int{"i": i}})
			})
		}
		done := make(chan error, 1)
		go func() {
			for i := 0; i < 300; i++ {
				if err := appendOne(i); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for running := true; running; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				running = false
			default:
			}
			rep, err := audit.Verify(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				t.Fatalf("Verify while appending: %+v", rep.Broken)
			}
		}
		// An entry past the head, not written by Append.
		if _, err := db.Exec(ctx, `INSERT INTO audit_log (id, chain, seq, at, actor_id, action, court_id, case_id, target, ip, detail, prev_hash, hash)
			SELECT 'forged', chain, seq + 1, at, actor_id, action, court_id, case_id, target, ip, detail, hash, hash FROM audit_log WHERE chain = 'c1' AND seq = 300`); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.Verify(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || rep.Broken[0].Seq != 301 {
			t.Fatalf("a forged entry past the head: %+v", rep)
		}
	})
}
