package exhibit_test

import (
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

func benchFixture(b *testing.B) *fixture {
	clk := clock.NewFixed(t0)
	return newFixture(b, sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...), clk)
}

// BenchmarkList: the exhibit list of a case with 40 exhibits, each with
// the defendant's opinion in two versions, read by the defendant (SQLite).
func BenchmarkList(b *testing.B) {
	f := benchFixture(b)
	c := f.newCase(b, casefile.Ordinary)
	f.openExchange(b, c)
	for i := range 40 {
		e := f.submit(b, c, "u-party", "证据"+string(rune('A'+i%26)))
		for range 2 {
			if _, err := f.s.RecordOpinion(f.as("u-defendant"), e.ID, admitAll); err != nil {
				b.Fatal(err)
			}
		}
	}
	ctx := f.as("u-defendant")
	b.ResetTimer()
	for b.Loop() {
		l, err := f.s.List(ctx, c.ID)
		if err != nil || len(l) != 40 {
			b.Fatal(len(l), err)
		}
	}
}

// BenchmarkRecordOpinion: one opinion recorded (a new version each time).
func BenchmarkRecordOpinion(b *testing.B) {
	f := benchFixture(b)
	c := f.newCase(b, casefile.Ordinary)
	f.openExchange(b, c)
	e := f.submit(b, c, "u-party", "借条")
	ctx := f.as("u-defendant")
	in := exhibit.OpinionInput{Authenticity: exhibit.Disputed, AuthenticityReason: "签名不是被告所签", Legality: exhibit.Admitted, Relevance: exhibit.Admitted}
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.s.RecordOpinion(ctx, e.ID, in); err != nil {
			b.Fatal(err)
		}
	}
}
