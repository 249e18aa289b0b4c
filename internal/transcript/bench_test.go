package transcript_test

import (
	"testing"

	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/transcript"
)

// BenchmarkAppend measures one entry typed by the clerk (access check,
// entry, revision, audit entry and outbox event in one transaction) on
// SQLite.
func BenchmarkAppend(b *testing.B) {
	clk := clock.NewFixed(t0)
	f := newFixture(b, sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...), clk, fixtureOpts{})
	f.start(b)
	ctx := f.as("u-clerk")
	for b.Loop() {
		if _, err := f.s.Append(ctx, hearing, transcript.NewEntry{Speaker: "原告", Text: "借款属实，但已归还10000元，有微信转账记录为证。"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderRecord renders a 200-entry hearing record to PDF.
func BenchmarkRenderRecord(b *testing.B) {
	body := &render.HearingRecord{Cause: "民间借贷纠纷", Place: "本院第三法庭", Mode: "在线庭审", OpenedAt: t0,
		Panel: []render.Signer{{Role: "审判员", Name: "陈立新"}}, Clerks: []render.Signer{{Role: "书记员", Name: "吴小丽"}}}
	for range 200 {
		body.Entries = append(body.Entries, render.RecordEntry{Speaker: "原告", Text: "借款属实，但已归还10000元，有微信转账记录为证。"})
	}
	d := render.Document{CourtName: "浙江省象山县人民法院", CaseNumber: "（2026）浙0225民初1号", IssuedOn: t0, Body: body}
	for b.Loop() {
		if _, err := render.PDF(d, render.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
