package complaint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLendingCap is the worked example of the interest cap (民间借贷规定
// Art. 25): a loan formed on 2023-06-15 at 15% a year. The one-year LPR then
// in force is the 2022-08-22 fixing, 3.65% (the 2023-06-20 cut to 3.55% came
// five days later), so the cap is 4 × 3.65% = 14.6% a year. The claim uses
// 14.6% and the user is warned; filed on 2026-05-06, 1,056 days of interest
// on 100,000 yuan at 14.6% are 100,000 × 14.6% × 1056 / 365 = 42,240.00 yuan.
func TestLendingCap(t *testing.T) {
	lpr, ok := LPROn(day("2023-06-15"))
	if !ok || lpr.OneYear != 365*BasisPoint || !lpr.Effective.Equal(day("2022-08-22")) {
		t.Fatalf("LPR on 2023-06-15 = %+v, want 365 bp from 2022-08-22", lpr)
	}
	ceiling, base, transition := LendingCap(day("2023-06-15"), testNow)
	if ceiling != 1460*BasisPoint || ceiling.String() != "14.6%" || base.OneYear != 365*BasisPoint || transition {
		t.Fatalf("cap = %s (%d) from %+v, transition %v; want 14.6%%", ceiling, ceiling, base, transition)
	}
	c, warns := buildExample(t, "private_lending")
	want := []Warning{{Code: "rate_above_cap", Field: "rate", Key: "complaint.warning.rate_above_cap",
		Args: []any{"15%", "14.6%", "3.65%", "2022-08-22"}}}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	wantClaim := Claim{Text: "判令被告向原告支付利息（以100,000元为基数，自2023年6月15日起按年利率14.6%计算至实际清偿之日止，" +
		"该利率为合同成立时一年期贷款市场报价利率3.65%的四倍；暂计至2026年5月6日为42,240元）", AmountFen: 4224000}
	if diff := cmp.Diff(wantClaim, c.Claims[1]); diff != "" {
		t.Errorf("interest claim (-want +got):\n%s", diff)
	}
	if got := zhT(warns[0].Key, warns[0].Args...); got != "约定年利率15%超过合同成立时一年期贷款市场报价利率（2022-08-22起为3.65%）的四倍即14.6%，超过部分法院不予支持（民间借贷规定第二十五条），诉讼请求已按14.6%计算。" {
		t.Errorf("warning text: %s", got)
	}
}

func TestLendingVariants(t *testing.T) {
	tp := mustFind(t, "private_lending")
	parties := examples["private_lending"].parties
	base := Answers{"loan_date": "2023-06-15", "principal": "100000", "delivery": "cash", "iou": "yes"}
	with := func(kv ...string) Answers {
		a := Answers{}
		for k, v := range base {
			a[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i]] = kv[i+1]
		}
		return a
	}
	for _, tc := range []struct {
		name   string
		ans    Answers
		claims []Claim
		warns  []string
	}{
		{"rate at the cap is not warned", with("interest_agreed", "yes", "rate", "14.6%", "repaid", "40000", "interest_from", "2024-06-15"),
			[]Claim{{"判令被告向原告偿还借款本金60,000元", 6000000},
				// 60,000 × 14.6% × 690 / 365 = 16,560.00.
				{"判令被告向原告支付利息（以60,000元为基数，自2024年6月15日起按年利率14.6%计算至实际清偿之日止；暂计至2026年5月6日为16,560元）", 1656000},
				{"判令被告承担本案诉讼费用", 0}}, nil},
		{"no rate, due date: overdue at the LPR of the default day", with("interest_agreed", "no", "due_date", "2024-06-30"),
			[]Claim{{"判令被告向原告偿还借款本金100,000元", 10000000},
				// From 2024-07-01 at the 2024-02-20 fixing 3.45%: 674 days → 100,000 × 3.45% × 674 / 365 = 6,370.68 (6,370.684…).
				{"判令被告向原告支付逾期利息（以100,000元为基数，自2024年7月1日起按一年期贷款市场报价利率3.45%计算至实际清偿之日止；暂计至2026年5月6日为6,370.68元）", 637068},
				{"判令被告承担本案诉讼费用", 0}}, nil},
		{"no rate, no due date: no interest (民法典 Art. 680)", with("interest_agreed", "no"),
			[]Claim{{"判令被告向原告偿还借款本金100,000元", 10000000}, {"判令被告承担本案诉讼费用", 0}}, nil},
		{"before 2020-08-20: transition, capped at 4 × LPR at filing", with("loan_date", "2019-05-01", "interest_agreed", "yes", "rate", "2%", "interest_from", "2026-05-01"),
			[]Claim{{"判令被告向原告偿还借款本金100,000元", 10000000},
				// 100,000 × 2% × 5 / 365 = 27.397… → 27.40.
				{"判令被告向原告支付利息（以100,000元为基数，自2026年5月1日起按年利率2%计算至实际清偿之日止；暂计至2026年5月6日为27.40元）", 2740},
				{"判令被告承担本案诉讼费用", 0}}, []string{"lending_transition"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, warns, err := tp.Build(tc.ans, parties, testNow)
			if err != nil {
				t.Fatal(fieldCodes(t, err))
			}
			if diff := cmp.Diff(tc.claims, c.Claims); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			var codes []string
			for _, w := range warns {
				codes = append(codes, w.Code)
			}
			if diff := cmp.Diff(tc.warns, codes); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
	// A bank as lender is warned off private lending.
	_, warns, err := tp.Build(with("interest_agreed", "no"), []Party{bank, li}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Code != "lending_financial" {
		t.Errorf("bank lender: warnings %+v", warns)
	}
}
