package bus

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// BenchmarkEnqueueAndRelay measures events per second through the whole
// path on SQLite (synchronous=FULL, the default): 100 events per
// transaction enqueued in the outbox, published by the relay to the
// embedded JetStream and marked. ns/op is per event; events/s is reported.
// "fsync_each" is the default Config (JetStream fsyncs every message);
// "fsync_2m" is NATS's own default of a periodic fsync.
func BenchmarkEnqueueAndRelay(b *testing.B) {
	for _, bc := range []struct {
		name string
		sync time.Duration
	}{{"fsync_each", 0}, {"fsync_2m", 2 * time.Minute}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			db, err := sqldb.Open(ctx, "sqlite://"+filepath.Join(dir, "bench.db"), sqldb.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx, Migrations); err != nil {
				b.Fatal(err)
			}
			bus, err := Open(ctx, Config{DataDir: dir, Logger: testLogger(b), SyncInterval: bc.sync})
			if err != nil {
				b.Fatal(err)
			}
			defer bus.Close()
			bus.StartRelay(ctx, db)
			const perTx = 100
			payload := map[string]any{"application_id": "0190aaaa-0000-7000-8000-000000000001", "fee_fen": 5000}
			b.ResetTimer()
			for i := 0; i < b.N; i += perTx {
				n := min(perTx, b.N-i)
				err := db.Tx(ctx, func(tx *sqldb.Tx) error {
					for j := 0; j < n; j++ {
						ev := NewEvent("ecourt.filing.application.accepted", payload)
						ev.CourtID = "court-1"
						if err := Enqueue(ctx, tx, ev); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if err := bus.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if st := bus.Stats(); st.Published != int64(b.N) {
				b.Fatalf("published %d of %d", st.Published, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkOpen measures the start of the embedded server with JetStream
// and the ECOURT stream on an existing data directory (the app's restart).
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		bus, err := Open(ctx, Config{DataDir: dir, Logger: testLogger(b)})
		if err != nil {
			b.Fatal(err)
		}
		bus.Close()
	}
}
