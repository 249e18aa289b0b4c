package complaint

import (
	"testing"
)

// FuzzParseRate: never panics; an accepted rate is a non-negative whole
// number of basis points that formats and parses back to itself.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"15%", "1.5分", "日利率0.05%", "月息2分", "１４．６％", "999999.999999%", "", "%", "分", "年利率"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if r < 0 || r > 1000*RatePercent {
			t.Fatalf("ParseRate(%q) = %d out of range", s, r)
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %d; %q parses to %d, %v", s, r, r.String(), back, err)
		}
	})
}

// FuzzAnswers feeds arbitrary money, rate and date text to every template:
// Validate and Build never panic, and what Validate accepts Build builds.
func FuzzAnswers(f *testing.F) {
	f.Add("100000", "15%", "2023-06-15", "2024-06-14")
	f.Add("1,234.56", "1.5分", "2026-05-06", "2026-05-06")
	f.Add("¥0.01", "日利率0.05%", "1970-01-01", "9999-12-31")
	f.Add("99999999999999999", "0", "2023-02-29", "0000-00-00")
	f.Fuzz(func(t *testing.T, amount, rate, d1, d2 string) {
		for _, tp := range AllOn(testNow) {
			ans := Answers{}
			for k, v := range examples[tp.ID].answers {
				ans[k] = v
			}
			for _, fd := range tp.Fields() {
				switch fd.Kind {
				case KindMoney:
					ans[fd.Name] = amount
				case KindRate:
					ans[fd.Name] = rate
				case KindDate:
					if fd.After == "" {
						ans[fd.Name] = d1
					} else {
						ans[fd.Name] = d2
					}
				}
			}
			verr := tp.Validate(ans, testNow)
			_, _, berr := tp.Build(ans, examples[tp.ID].parties, testNow)
			if verr == nil && berr != nil {
				t.Fatalf("%s: Validate accepted %v but Build failed: %v", tp.ID, ans, berr)
			}
		}
	})
}
