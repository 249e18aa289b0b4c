package document_test

import (
	"fmt"
	"testing"

	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// BenchmarkIssue issues two-page judgments of a case (seal, blob, record,
// code, event, audit, timeline) on SQLite with synchronous=FULL, the
// production setting:
//
//	go test -run '^$' -bench Issue -benchtime 3s ./internal/document/
func BenchmarkIssue(b *testing.B) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk, Synchronous: "FULL"}, sets...)
	f := newFixture(b, db, clk)
	c := f.newCase(b)
	ctx := f.as("u-filer")
	pdf := judgmentPDF(b, c.Number, "")
	i := 0
	for b.Loop() {
		i++
		if _, err := f.s.Issue(ctx, document.IssueRequest{CourtID: f.courtID, CaseID: c.ID, Kind: "judgment", Title: "民事判决书",
			PDF: pdf, SealPlacement: sealAt, IdempotencyKey: fmt.Sprint("bench:", i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "issues/s")
}
