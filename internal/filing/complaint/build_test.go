package complaint

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func buildExample(t *testing.T, id string) (Complaint, []Warning) {
	t.Helper()
	tp := mustFind(t, id)
	ex := examples[id]
	c, warns, err := tp.Build(ex.answers, ex.parties, testNow)
	if err != nil {
		t.Fatalf("%s: Build: %v (%v)", id, err, fieldCodes(t, err))
	}
	c.CourtName = "杭州市西湖区人民法院"
	if tp.CourtKind == "maritime" {
		c.CourtName = "宁波海事法院"
	}
	c.Evidence = tp.SuggestedEvidence()
	for i := range c.Evidence {
		c.Evidence[i].Pages = i + 1
		c.Evidence[i].BlobSHA256 = strings.Repeat(string(rune('a'+i)), 64)
	}
	return c, warns
}

// TestGolden renders each template's filled example and compares the text
// with testdata/<id>.txt; go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	for _, tp := range AllOn(testNow) {
		t.Run(tp.ID, func(t *testing.T) {
			c, _ := buildExample(t, tp.ID)
			got := RenderText(c)
			if strings.Contains(got, "<no value>") || strings.Contains(got, "%!") {
				t.Errorf("rendered text has a template hole:\n%s", got)
			}
			path := filepath.Join("testdata", tp.ID+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("RenderText mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMinimal builds every template from its required answers only: no
// optional value may leave a hole in the text.
func TestMinimal(t *testing.T) {
	for _, tp := range AllOn(testNow) {
		t.Run(tp.ID, func(t *testing.T) {
			full := examples[tp.ID].answers
			min := Answers{}
			for _, f := range tp.Fields() {
				if f.Required || (f.RequiredIf != nil && full[f.RequiredIf.Field] == f.RequiredIf.Value) {
					min[f.Name] = full[f.Name]
				}
			}
			if tp.ID == "traffic_accident" {
				min["medical_fee"] = "100"
			}
			c, _, err := tp.Build(min, examples[tp.ID].parties, testNow)
			if err != nil {
				t.Fatalf("Build: %v", fieldCodes(t, err))
			}
			text := RenderText(c)
			if strings.Contains(text, "<no value>") || strings.Contains(text, "%!") || strings.Contains(text, "0001年") {
				t.Errorf("hole in the text:\n%s", text)
			}
			if len(c.Claims) < 2 || c.FactsAndReasons == "" {
				t.Errorf("claims %d, facts %q", len(c.Claims), c.FactsAndReasons)
			}
		})
	}
}

// TestClaimTotals checks the amounts in dispute exactly, in fen.
func TestClaimTotals(t *testing.T) {
	for _, tc := range []struct {
		id      string
		amounts []int64
		total   int64
	}{
		// 100,000 principal + 42,240.00 interest (see TestLendingCap), costs.
		{"private_lending", []int64{10000000, 4224000, 0}, 14224000},
		// 320,000 + (8,765.43 + 1,234.57) + running penalty + 5,000 lawyer + guarantee + costs.
		{"financial_loan", []int64{32000000, 1000000, 0, 500000, 0, 0}, 33500000},
		// 48,000 + 3,600.50 + 820 = 52,420.50.
		{"credit_card", []int64{5242050, 0, 0}, 5242050},
		// 200,000 unpaid; LPR 3.10% on it from 2025-01-01 for 490 days = 8,323.29 (832,328.77… fen).
		{"sale_contract", []int64{20000000, 832329, 0}, 20832329},
		// 23,456.78 + 12,000 + 3,000 + 1,500 + 800 + 4,200 = 44,956.78.
		{"traffic_accident", []int64{4495678, 0, 0}, 4495678},
		// 22,000; LPR 3.00% from 2025-09-01 for 247 days = 446.63 (44,663.01… fen).
		{"labour_service", []int64{2200000, 44663, 0}, 2244663},
		{"property_service", []int64{644400, 30000, 0}, 674400},
		// Divorce: the value of the property to divide.
		{"divorce", []int64{0, 0, 150000000, 0}, 150000000},
		// 1,350,000 hire; LPR 3.00% from 2025-11-01 for 186 days = 20,638.36 (2,063,835.62… fen); 86,000 other.
		{"ship_charter", []int64{135000000, 2063836, 8600000, 0}, 145663836},
	} {
		c, _ := buildExample(t, tc.id)
		var got []int64
		for _, cl := range c.Claims {
			got = append(got, cl.AmountFen)
		}
		if diff := cmp.Diff(tc.amounts, got); diff != "" {
			t.Errorf("%s: claim amounts (-want +got):\n%s", tc.id, diff)
		}
		if c.ClaimTotalFen != tc.total {
			t.Errorf("%s: total %d, want %d", tc.id, c.ClaimTotalFen, tc.total)
		}
		if c.TemplateVersion == "" || c.TypeCode != "民初" || c.Cause == "" {
			t.Errorf("%s: header %+v", tc.id, c)
		}
	}
}

func TestRenderHTML(t *testing.T) {
	c, _ := buildExample(t, "private_lending")
	c.Parties[1].Address = `<script>alert("x")</script>`
	for _, lang := range []string{"zh-CN", "en"} {
		h, err := RenderHTML(c, lang)
		if err != nil {
			t.Fatal(err)
		}
		s := string(h)
		for _, want := range []string{`<article class="complaint" lang="zh-CN">`, "民事起诉状", "诉讼请求", "事实与理由",
			"此致", "杭州市西湖区人民法院", "具状人：张三", `<time datetime="2026-05-06">2026年5月6日</time>`,
			"本诉状副本1份", "&lt;script&gt;", `<li class="complaint-claim">判令被告向原告偿还借款本金100,000元；</li>`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: HTML lacks %q", lang, want)
			}
		}
		if strings.Contains(s, "style=") || strings.Contains(s, "<script>") {
			t.Errorf("%s: inline style or unescaped script", lang)
		}
		if got := strings.Contains(s, `<span class="complaint-gloss" lang="en">Claims</span>`); got != (lang == "en") {
			t.Errorf("%s: English gloss present = %v", lang, got)
		}
	}
	cat, err := EvidenceCatalogue(c, "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<table class="evidence-catalogue" lang="zh-CN">`, "证据目录", "Evidence catalogue",
		"<th scope=\"col\">序号 <span", "借条或借款合同", "原告持有", "证明原、被告之间存在借贷关系",
		"<span class=\"evidence-pages\">1页</span>", strings.Repeat("a", 64)} {
		if !strings.Contains(string(cat), want) {
			t.Errorf("catalogue lacks %q:\n%s", want, cat)
		}
	}
}
