package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/seal"
)

// twoPageJudgment is the renderer's judgment fixture cut down to a short
// simplified-procedure 民事判决书 of exactly two pages.
func twoPageJudgment(tb testing.TB) render.Document {
	tb.Helper()
	raw, err := os.ReadFile("../document/render/testdata/civil_judgment.json")
	if err != nil {
		tb.Fatal(err)
	}
	var d render.Document
	if err := json.Unmarshal(raw, &d); err != nil {
		tb.Fatal(err)
	}
	j := d.Body.(*render.Judgment)
	j.Parties = j.Parties[:2]
	j.Parties[0].Agents = nil
	j.History = []string{"原告张三与被告象山县〇〇贸易有限公司（以下简称〇〇公司）民间借贷纠纷一案，本院于2026年9月1日立案后，依法适用简易程序，公开开庭进行了审理。原、被告均到庭参加诉讼。本案现已审理终结。"}
	j.Claims[0].Items = j.Claims[0].Items[:1]
	j.Claims[0].Facts = nil
	j.Defences, j.Evidence = nil, nil
	j.FactsFound = []string{"2025年5月31日，原告张三与被告〇〇公司签订《借款合同》，约定〇〇公司向张三借款1,234,567.89元，年利率3.45%，借期一年。原告当日交付借款，被告到期未还。"}
	j.Reasoning = []string{"合法的借贷关系受法律保护。被告〇〇公司未按约归还借款本息，应当承担还本付息的民事责任。"}
	j.LegalBasis = "依照《中华人民共和国民法典》第六百六十七条、第六百七十四条、第六百七十六条规定"
	j.Decision = []string{"被告象山县〇〇贸易有限公司于本判决生效之日起十日内归还原告张三借款本金1,234,567.89元，并按年利率3.45%支付自2025年6月1日起至实际清偿之日止的利息"}
	j.Fees = []render.FeeAllocation{{Name: "案件受理费", Amount: 1591111, Charged: 795556, Shares: []render.Share{{Party: "被告象山县〇〇贸易有限公司", Amount: 795556}}}}
	j.Panel = j.Panel[1:2]
	res, err := render.PDF(d, render.Options{Verification: "验证码 ABCD-EFGH-JKMN-PQR5 · 核验 https://court.example.cn/documents/verify"})
	if err != nil {
		tb.Fatal(err)
	}
	if res.Pages != 2 {
		tb.Fatalf("the benchmark judgment has %d pages, want 2", res.Pages)
	}
	return d
}

// BenchmarkJudgmentRenderAndSeal measures two-page judgments rendered
// (layout, fonts, visible seal, verification line) and sealed with the
// court's electronic seal (PAdES, ECDSA P-256), on all cores:
//
//	go test -run '^$' -bench JudgmentRenderAndSeal -benchtime 5s ./internal/app/
func BenchmarkJudgmentRenderAndSeal(b *testing.B) {
	ta := startApp(b, testConfig(b, true))
	ctx := context.Background()
	xs, err := ta.svc.court.FindByCode(ctx, "浙0225")
	if err != nil {
		b.Fatal(err)
	}
	d := twoPageJudgment(b)
	if _, err := ta.svc.seals.Sign(ctx, xs.ID, mustPDF(b, d).PDF, seal.SignOptions{}); err != nil {
		b.Fatal(err) // creates the court's seal before the clock starts
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res := mustPDF(b, d)
			p := res.Seal
			if _, err := ta.svc.seals.Sign(ctx, xs.ID, res.PDF, seal.SignOptions{Placement: &seal.Placement{Page: p.Page,
				X1: p.Rect.LLX, Y1: p.Rect.LLY, X2: p.Rect.URX, Y2: p.Rect.URY}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "judgments/s")
}

// BenchmarkJudgmentIssue measures the whole issue of a two-page judgment:
// code reserved, rendered, sealed, stored in the blob store and recorded
// with its outbox event and timeline entry (SQLite, synchronous=FULL).
//
//	go test -run '^$' -bench JudgmentIssue -benchtime 5s ./internal/app/
func BenchmarkJudgmentIssue(b *testing.B) {
	ta := startApp(b, testConfig(b, true))
	ctx := asSystem(context.Background())
	xs, err := ta.svc.court.FindByCode(ctx, "浙0225")
	if err != nil {
		b.Fatal(err)
	}
	d := twoPageJudgment(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			doc := d
			doc.IssuedOn = ta.DB.Now().In(clock.China)
			if _, err := ta.issueCourtDocument(ctx, courtDoc{CourtID: xs.ID, Kind: "judgment", Doc: doc,
				Key: fmt.Sprint("bench-", n.Add(1)), IssuedBy: systemActor}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "judgments/s")
}

func mustPDF(tb testing.TB, d render.Document) render.Result {
	res, err := render.PDF(d, render.Options{Verification: "验证码 ABCD-EFGH-JKMN-PQR5 · 核验 https://court.example.cn/documents/verify"})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
