package seal_test

import (
	"context"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/seal"
)

// BenchmarkSign seals a two-page PDF of about 60 KB with a visible seal
// field, on SQLite, for each key algorithm:
//
//	go test -run '^$' -bench Sign -benchtime 3s ./internal/seal/
func BenchmarkSign(b *testing.B) {
	for _, alg := range []seal.Algorithm{seal.ECDSAP256, seal.RSA2048} {
		b.Run(string(alg), func(b *testing.B) {
			clk := clock.NewFixed(t0)
			db := sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...)
			f := newFixture(b, db, clk, seal.Options{Algorithm: alg})
			in := samplePDF(b, 2, 60)
			ctx := context.Background()
			if _, err := f.s.Sign(ctx, f.courtID, in, seal.SignOptions{Placement: sealAt(2)}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(in)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := f.s.Sign(ctx, f.courtID, in, seal.SignOptions{Placement: sealAt(2)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
		})
	}
}

// BenchmarkVerify checks the seal of the same document.
func BenchmarkVerify(b *testing.B) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(b, db, clk, seal.Options{})
	ctx := context.Background()
	s, err := f.s.Sign(ctx, f.courtID, samplePDF(b, 2, 60), seal.SignOptions{Placement: sealAt(2)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(s.PDF)))
	for b.Loop() {
		if v, err := f.s.Verify(ctx, s.PDF); err != nil || !v.Valid {
			b.Fatal(v, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}
