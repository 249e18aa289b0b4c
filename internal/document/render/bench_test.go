package render

import (
	"testing"
)

// twoPageJudgment is a short first-instance 民事判决书 that fills two
// pages: built from the judgment fixture, tried in the simplified procedure
// by one judge (诉讼费用交纳办法 Art. 16 halves the fee), with the history,
// the claim, facts, reasoning, the decision, the notice of CPL Art. 264,
// costs, the appeal notice and the 落款.
func twoPageJudgment(tb testing.TB, sealed bool) Document {
	tb.Helper()
	d := fixture(tb, KindJudgment)
	j := d.Body.(*Judgment)
	j.Parties = j.Parties[:2]
	j.Parties[0].Agents = nil
	j.History = []string{"原告张三与被告象山县〇〇贸易有限公司（以下简称〇〇公司）民间借贷纠纷一案，本院于2026年9月1日立案后，依法适用简易程序，公开开庭进行了审理。原、被告均到庭参加诉讼。本案现已审理终结。"}
	j.Claims[0].Items = j.Claims[0].Items[:1]
	j.Claims[0].Facts = nil
	j.Defences = nil
	j.Evidence = nil
	j.FactsFound = []string{"2025年5月31日，原告张三与被告〇〇公司签订《借款合同》，约定〇〇公司向张三借款1,234,567.89元，年利率3.45%，借期一年。原告当日交付借款，被告到期未还。"}
	j.Reasoning = []string{"合法的借贷关系受法律保护。被告〇〇公司未按约归还借款本息，应当承担还本付息的民事责任。"}
	j.LegalBasis = "依照《中华人民共和国民法典》第六百六十七条、第六百七十四条、第六百七十六条规定"
	j.Decision = []string{"被告象山县〇〇贸易有限公司于本判决生效之日起十日内归还原告张三借款本金1,234,567.89元，并按年利率3.45%支付自2025年6月1日起至实际清偿之日止的利息"}
	j.Fees = []FeeAllocation{{Name: "案件受理费", Amount: 1591111, Charged: 795556, Shares: []Share{{Party: "被告象山县〇〇贸易有限公司", Amount: 795556}}}}
	j.Panel = j.Panel[1:2]
	if !sealed {
		d.Seal = nil
	}
	res, err := PDF(d, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if res.Pages != 2 {
		tb.Fatalf("the benchmark judgment has %d pages, want 2", res.Pages)
	}
	return d
}

func benchmarkJudgment(b *testing.B, sealed bool) {
	d := twoPageJudgment(b, sealed)
	b.ReportAllocs()
	b.ResetTimer()
	size := 0
	for b.Loop() {
		res, err := PDF(d, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = len(res.PDF)
	}
	b.ReportMetric(float64(b.N)*2/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(size), "bytes/doc")
}

// BenchmarkJudgmentTwoPages renders a two-page 民事判决书 without a seal.
//
//	go test -run '^$' -bench JudgmentTwoPages -benchtime 3s ./internal/document/render/
func BenchmarkJudgmentTwoPages(b *testing.B) { benchmarkJudgment(b, false) }

// BenchmarkJudgmentTwoPagesSealed renders the same judgment with the visible
// seal drawn over the date (the digital signature is applied afterwards by
// internal/document and is not part of this figure).
func BenchmarkJudgmentTwoPagesSealed(b *testing.B) { benchmarkJudgment(b, true) }

// BenchmarkHTMLJudgment renders the HTML view of the same judgment.
func BenchmarkHTMLJudgment(b *testing.B) {
	d := twoPageJudgment(b, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := HTML(d, Options{}, "zh-CN"); err != nil {
			b.Fatal(err)
		}
	}
}
