package filing

import (
	"bytes"
	"strconv"
	"testing"
)

// benchOneRequest is BenchmarkWholeFiling/one-request: the same filing as
// one request (CreateFiling with submit).
func benchOneRequest(b *testing.B) {
	b.Run("one-request", func(b *testing.B) {
		f := benchFixture(b)
		ctx := f.as(uLitigant)
		d := NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()}}
		pdf := samplePDF("借条")
		b.ReportAllocs()
		cpuPerOp(b)
		for i := 0; b.Loop(); i++ {
			sf, err := f.s.SpoolUpload(Upload{Role: RoleEvidence, Name: "借条", Purpose: "证明借款事实", Source: "原告持有",
				FileName: "iou.pdf", Body: bytes.NewReader(pdf)})
			if err != nil {
				b.Fatal(err)
			}
			k := strconv.Itoa(i)
			if _, _, err := f.s.CreateFiling(ctx, NewFiling{Draft: d, Files: []*SpooledFile{sf}, Submit: true}, Once{Key: k, RequestHash: k}); err != nil {
				b.Fatal(err)
			}
			sf.Close()
		}
	})
}
