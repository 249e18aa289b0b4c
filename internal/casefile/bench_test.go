package casefile

import (
	"context"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// benchDBs opens the databases a benchmark runs on: SQLite always (at
// synchronous=NORMAL and at the durable default FULL),
// PostgreSQL when ECOURT_TEST_POSTGRES names a server.
func benchDBs(b *testing.B, fn func(b *testing.B, db *sqldb.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, sqldbtest.OpenSQLite(b, sqldbtest.Options{}, sets...)) })
	b.Run("sqlite-full", func(b *testing.B) {
		fn(b, sqldbtest.OpenSQLite(b, sqldbtest.Options{Synchronous: "FULL"}, sets...))
	})
	if sqldbtest.PostgresConfigured() {
		b.Run("postgres", func(b *testing.B) { fn(b, sqldbtest.OpenPostgres(b, sqldbtest.Options{}, sets...)) })
	}
}

// BenchmarkAllocateNumber measures case-number allocation: one transaction
// per number, all in the same sequence (the worst case: every allocation
// queues on one row lock). "serial" runs one goroutine, "parallel" runs
// GOMAXPROCS×4 (b.SetParallelism(4)) competing for the row.
func BenchmarkAllocateNumber(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *sqldb.DB) {
		ctx := context.Background()
		alloc := func() error {
			return db.Tx(ctx, func(tx *sqldb.Tx) error {
				_, err := nextSeq(ctx, tx, "c-basic", "浙0225", "", "民初", 2026)
				return err
			})
		}
		b.Run("serial", func(b *testing.B) {
			for b.Loop() {
				if err := alloc(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
		})
		b.Run("parallel", func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := alloc(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
		})
	})
}

// BenchmarkCreate measures a whole case creation: number, case, two parties,
// a representative, timeline entry, outbox event and audit entry in one
// transaction.
func BenchmarkCreate(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *sqldb.DB) {
		s := New(db, courts, WithStaff(people))
		ctx := as("u-filer")
		b.Run("parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Create(ctx, civilCase()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
		})
	})
}
