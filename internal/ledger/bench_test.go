package ledger

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// Benchmarks (figures in the package's report):
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/ledger/
//
// Appends run on SQLite at synchronous=FULL, the platform's durable
// default; with ECOURT_TEST_POSTGRES set, also on PostgreSQL.

func benchDBs(b *testing.B, fn func(b *testing.B, f *fixture)) {
	b.Run("sqlite", func(b *testing.B) {
		db := sqldbtest.OpenSQLite(b, sqldbtest.Options{Synchronous: "FULL", Clock: clock.System{}}, sets...)
		fn(b, benchFixture(b, db))
	})
	if sqldbtest.PostgresConfigured() {
		b.Run("postgres", func(b *testing.B) {
			db := sqldbtest.OpenPostgres(b, sqldbtest.Options{Clock: clock.System{}}, sets...)
			fn(b, benchFixture(b, db))
		})
	}
}

func benchFixture(b *testing.B, db *sqldb.DB) *fixture {
	dir := b.TempDir() + "/keys"
	s, err := New(db, dir, WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	return &fixture{db: db, s: s, keyDir: dir}
}

// BenchmarkAppend is one Append (one transaction, one fsync) at a time.
func BenchmarkAppend(b *testing.B) {
	benchDBs(b, func(b *testing.B, f *fixture) {
		ctx := context.Background()
		b.ResetTimer()
		for i := range b.N {
			if _, err := f.s.Append(ctx, entry(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	})
}

// BenchmarkAppendParallel is concurrent Appends from 16 goroutines per
// CPU (uploads arriving together): SQLite commits them in groups.
func BenchmarkAppendParallel(b *testing.B) {
	benchDBs(b, func(b *testing.B, f *fixture) {
		ctx := context.Background()
		var next atomic.Int64
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := f.s.Append(ctx, entry(int(next.Add(1)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	})
}

// BenchmarkAppendBatch is AppendBatch of 1,000 entries per transaction.
func BenchmarkAppendBatch(b *testing.B) {
	const batch = 1000
	benchDBs(b, func(b *testing.B, f *fixture) {
		ctx := context.Background()
		es := make([]Entry, batch)
		b.ResetTimer()
		for i := range b.N {
			for j := range es {
				es[j] = entry(i*batch + j)
			}
			if _, err := f.s.AppendBatch(ctx, es); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "appends/s")
	})
}

// BenchmarkProof100k answers proofs from a log of 100,000 leaves: an
// inclusion proof for a random leaf in the full tree, a consistency proof
// from a random size, and the whole public inclusion bundle (lookup by
// file hash, newest signed head, proof, and the server's own check of it).
func BenchmarkProof100k(b *testing.B) {
	const n = 100_000
	benchDBs(b, func(b *testing.B, f *fixture) {
		ctx := context.Background()
		for lo := 0; lo < n; lo += 10_000 {
			f.fill(b, lo, lo+10_000)
		}
		f.sign(b)
		rng := rand.New(rand.NewPCG(1, 2))
		b.Run("inclusion", func(b *testing.B) {
			for range b.N {
				if _, err := f.s.InclusionProof(ctx, rng.Uint64N(n), n); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("consistency", func(b *testing.B) {
			for range b.N {
				if _, err := f.s.ConsistencyProof(ctx, 1+rng.Uint64N(n-1), n); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("bundle", func(b *testing.B) {
			for range b.N {
				sum := content(int(rng.Uint64N(n)))
				if _, err := f.s.InclusionBundle(ctx, sum[:], 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
