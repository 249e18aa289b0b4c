package filing

import (
	"bytes"
	"context"
	"strconv"
	"syscall"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// The filing benchmarks measure the service's cost per operation on
// SQLite (NORMAL), one request at a time, so that ns/op and allocs/op
// compare versions of the code on a busy machine better than a
// whole-system run does (bench/filing.sh measures the rates).
//
//	go test ./internal/filing -run '^$' -bench . -benchmem -count 5

// cpuPerOp reports the process's CPU time (user and system, all threads:
// SQLite, the garbage collector) per operation from now until the
// benchmark ends, as "cpu-ns/op": on a shared machine it varies less than
// the wall time, which waits for the disk and other processes.
func cpuPerOp(b *testing.B) {
	b.Helper()
	start := cpuNow()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op")
		}
	})
}

func cpuNow() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchFixture is the tests' fixture on SQLite, for benchmarks.
func benchFixture(b *testing.B) fixture {
	b.Helper()
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...)
	ctx := context.Background()
	cs := court.New(db, nil)
	if _, err := cs.Seed(ctx); err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewLocal(b.TempDir(), blob.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cases := casefile.New(db, courtAdapter{cs})
	f := fixture{db: db, clk: clk, courts: cs, cases: cases,
		s: New(db, Deps{Courts: cs, Cases: cases, Blobs: blobs, Quoter: fakeQuoter{}, TempDir: b.TempDir()})}
	if f.court, err = cs.FindByCode(ctx, "浙0225"); err != nil {
		b.Fatal(err)
	}
	return f
}

func BenchmarkCreateDraft(b *testing.B) {
	f := benchFixture(b)
	ctx := f.as(uLitigant)
	d := NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()}}
	b.ReportAllocs()
	cpuPerOp(b)
	for i := 0; b.Loop(); i++ {
		k := "c" + strconv.Itoa(i)
		if _, _, err := f.s.CreateDraft(ctx, d, Once{Key: k, RequestHash: k}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubmit(b *testing.B) {
	f := benchFixture(b)
	ctx := f.as(uLitigant)
	var ids []string
	for range b.N {
		ids = append(ids, f.ready(b).ID)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpuPerOp(b)
	for i := range b.N {
		k := "s" + strconv.Itoa(i)
		if _, _, err := f.s.Submit(ctx, ids[i], Once{Key: k, RequestHash: k}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWholeFiling/three-steps is a whole filing as three requests:
// create the draft, add the evidence, submit.
func BenchmarkWholeFiling(b *testing.B) {
	b.Run("three-steps", func(b *testing.B) {
		f := benchFixture(b)
		ctx := f.as(uLitigant)
		d := NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()}}
		pdf := samplePDF("借条")
		b.ReportAllocs()
		cpuPerOp(b)
		for i := 0; b.Loop(); i++ {
			k := strconv.Itoa(i)
			a, _, err := f.s.CreateDraft(ctx, d, Once{Key: "c" + k, RequestHash: k})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.s.AddEvidence(ctx, a.ID, Upload{Role: RoleEvidence, Name: "借条", Purpose: "证明借款事实", Source: "原告持有",
				FileName: "iou.pdf", Body: bytes.NewReader(pdf)}); err != nil {
				b.Fatal(err)
			}
			if _, _, err := f.s.Submit(ctx, a.ID, Once{Key: "s" + k, RequestHash: k}); err != nil {
				b.Fatal(err)
			}
		}
	})
	benchOneRequest(b)
}
