package fees_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// TestSchemaSameInBothDialects compares the fees tables and columns.
func TestSchemaSameInBothDialects(t *testing.T) {
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mine []sqldb.Column
		for _, c := range cols {
			if strings.HasPrefix(c.Table, "fees_") {
				mine = append(mine, c)
			}
		}
		got = append(got, mine)
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
}

// TestSubscribe runs the real bus: the accepted event enqueued by the
// filing context reaches the durable consumer, which issues the bill once.
func TestSubscribe(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.StartRelay(ctx, f.db)
		stop, err := f.s.Subscribe(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		c := f.newCase(t)
		ev := accepted(c, fees.Property, 10_000_000, "ordinary")
		for range 2 { // the same event twice: the outbox refuses the copy, JetStream dedups
			_ = f.db.Tx(ctx, func(tx *sqldb.Tx) error { return bus.Enqueue(ctx, tx, ev) })
		}
		for {
			bills, err := f.s.ListCaseBills(f.as("u-filer"), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(bills) == 1 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("no bill issued from the bus")
			case <-time.After(20 * time.Millisecond):
			}
		}
		// A direct redelivery is still harmless.
		if err := f.s.HandleAccepted(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if bills, _ := f.s.ListCaseBills(f.as("u-filer"), c.ID); len(bills) != 1 {
			t.Errorf("%d bills, want 1", len(bills))
		}
	})
}
