package audit_test

import (
	"context"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// AppendAll links its entries into the same chains, in the same order, as
// one Append per entry would, interleaved with Appends and concurrently.
func TestAppendAllKeepsTheChains(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, []sqldb.MigrationSet{audit.Migrations}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		errc := make(chan error, 20)
		for i := 0; i < 20; i++ {
			go func() {
				errc <- db.Tx(ctx, func(tx *sqldb.Tx) error {
					if i%3 == 0 {
						return audit.Append(ctx, tx, audit.Record{Action: "x.one", CourtID: "c1"})
					}
					return audit.AppendAll(ctx, tx,
						audit.Record{Action: "x.first", CourtID: "c1", Target: "t"},
						audit.Record{Action: "x.other", CourtID: "c2"},
						audit.Record{Action: "x.second", CourtID: "c1", Target: "t"},
						audit.Record{Action: "x.platform"})
				})
			}()
		}
		for i := 0; i < 20; i++ {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return audit.AppendAll(ctx, tx) }); err != nil {
			t.Fatalf("nothing to append: %v", err)
		}
		rep, err := audit.Verify(ctx, db)
		// 7 single appends, 13 × 4 entries.
		if err != nil || !rep.OK() || rep.Entries != 7+13*4 || rep.Chains != 3 {
			t.Fatalf("got %+v, %v; want 59 verified entries in 3 chains", rep, err)
		}
		// Within one call, the order is kept: first before second.
		rows, err := db.Query(ctx, `SELECT action FROM audit_log WHERE chain = 'c1' AND target = 't' ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var prev string
		for rows.Next() {
			var a string
			rows.Scan(&a) //nolint:errcheck
			if a == prev {
				t.Fatalf("%s twice in a row: the order within a call was not kept", a)
			}
			prev = a
		}
	})
}
