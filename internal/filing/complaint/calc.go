package complaint

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// lprJSON is the one-year and over-five-year LPR series since the 2019
// reform (legal-rules-cn §6.2), as change points: a fixing applies from its
// date until the next one. Versioned data: add new fixings there.
//
//go:embed data/lpr_cn.json
var lprJSON []byte

// LPR is one change point of the loan prime rate.
type LPR struct {
	Effective time.Time // China date from which it applies
	OneYear   Rate      // 一年期
	FiveYear  Rate      // 五年期以上
}

var lprSeries = sync.OnceValues(func() ([]LPR, error) { return parseLPR(lprJSON) })

func parseLPR(b []byte) ([]LPR, error) {
	var f struct {
		Rates []struct {
			Effective string `json:"effective"`
			OneYear   int64  `json:"one_year_bp"`
			FiveYear  int64  `json:"five_year_bp"`
		} `json:"rates"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	var out []LPR
	for _, r := range f.Rates {
		d, err := ParseDate(r.Effective)
		if err != nil || r.OneYear <= 0 || r.FiveYear <= 0 {
			return nil, fmt.Errorf("complaint: lpr %q: bad entry", r.Effective)
		}
		out = append(out, LPR{Effective: d, OneYear: Rate(r.OneYear) * BasisPoint, FiveYear: Rate(r.FiveYear) * BasisPoint})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Effective.Before(out[j].Effective) })
	if len(out) == 0 {
		return nil, fmt.Errorf("complaint: no LPR data")
	}
	return out, nil
}

// LPROn returns the LPR fixing in force on day (China date). It reports false
// before the first fixing of the reformed LPR (2019-08-20).
func LPROn(day time.Time) (LPR, bool) {
	series, err := lprSeries()
	if err != nil {
		panic(err) // the package tests load the embedded data
	}
	d := dateOf(day)
	i := sort.Search(len(series), func(i int) bool { return series[i].Effective.After(d) })
	if i == 0 {
		return LPR{}, false
	}
	return series[i-1], true
}

// lendingReformDay is the day the 4×LPR cap replaced the 24%/36% rule
// (民间借贷规定 Art. 31, 2020-08-20).
var lendingReformDay = time.Date(2020, 8, 20, 0, 0, 0, 0, clock.China)

// LendingCap returns the highest annual rate a court supports in a private
// loan formed on formed and sued on filed: four times the one-year LPR in
// force when the contract was formed (民间借贷规定 Art. 25, 2020 revision).
// For a contract formed before 2020-08-20 the interest from that day is
// capped at 4× the LPR in force at filing (Art. 31), which is what it
// returns, with transition true; the part before is judged by the old rule.
func LendingCap(formed, filed time.Time) (ceiling Rate, base LPR, transition bool) {
	day := formed
	if dateOf(formed).Before(lendingReformDay) {
		day, transition = filed, true
	}
	base, ok := LPROn(day)
	if !ok {
		// Not reachable: day is after the first fixing either way.
		base, _ = LPROn(filed)
	}
	return 4 * base.OneYear, base, transition
}

// interest is base × rate × days / 365 for the days from from to to, rounded
// half-up to the fen; 0 when to is not after from. The 365-day year is the
// usual convention of civil judgments.
func interest(base money.Fen, r Rate, from, to time.Time) money.Fen {
	days := daysBetween(from, to)
	if days <= 0 || base <= 0 || r <= 0 {
		return 0
	}
	return money.MulRate(base, int64(r)*days, int64(100*RatePercent)*365)
}

type calcCtx struct {
	t        Template
	data     map[string]any
	now      time.Time
	parties  []Party
	warnings []Warning
}

func (x *calcCtx) fen(name string) money.Fen { v, _ := x.data[name].(money.Fen); return v }
func (x *calcCtx) rate(name string) Rate     { v, _ := x.data[name].(Rate); return v }
func (x *calcCtx) date(name string) time.Time {
	v, _ := x.data[name].(time.Time)
	return v
}
func (x *calcCtx) yes(name string) bool { v, _ := x.data[name].(bool); return v }
func (x *calcCtx) str(name string) string {
	v, _ := x.data[name].(string)
	return v
}

// lateInterest sets "<prefix>_from", "<prefix>_lpr" and "<prefix>" (the amount
// to today) for a loss of use of money counted from the day after due at the
// one-year LPR in force on that day.
func (x *calcCtx) lateInterest(prefix string, base money.Fen, due time.Time) {
	if due.IsZero() || base <= 0 {
		return
	}
	from := due.AddDate(0, 0, 1)
	l, ok := LPROn(from)
	if !ok {
		return
	}
	x.data[prefix+"_from"] = from
	x.data[prefix+"_lpr"] = l.OneYear
	x.data[prefix] = interest(base, l.OneYear, from, x.now)
}

// calcs are the computations a template names in its "calcs" list. Each
// reads the typed answers in x.data and adds derived values and warnings.
var calcs = map[string]func(x *calcCtx){
	"lending":          calcLending,
	"financial_loan":   calcFinancialLoan,
	"credit_card":      calcCreditCard,
	"sale":             calcSale,
	"traffic":          calcTraffic,
	"labour_service":   calcLabourService,
	"property_service": calcPropertyService,
	"divorce":          calcDivorce,
	"ship_charter":     calcShipCharter,
}

// financialNames mark a lender that the 民间借贷规定 does not govern:
// licensed financial institutions and the seven local financial
// organisations of the 2020 批复 (legal-rules-cn §6.1).
var financialNames = []string{"银行", "信用社", "小额贷款", "典当", "融资担保", "融资租赁", "保理", "资产管理", "消费金融", "信托"}

func calcLending(x *calcCtx) {
	outstanding := x.fen("principal") - x.fen("repaid")
	x.data["outstanding"] = outstanding
	for _, p := range x.parties {
		if p.Role == RolePlaintiff && p.Kind == KindOrganisation {
			for _, n := range financialNames {
				if strings.Contains(p.Name, n) {
					x.warnings = append(x.warnings, warn("lending_financial", ""))
					break
				}
			}
		}
	}
	loan := x.date("loan_date")
	switch {
	case x.yes("interest_agreed"):
		agreed := x.rate("rate")
		ceiling, base, transition := LendingCap(loan, x.now)
		if transition {
			x.warnings = append(x.warnings, warn("lending_transition", "loan_date", ceiling.String()))
		}
		r := agreed
		if agreed > ceiling {
			r = ceiling
			x.data["rate_capped"] = true
			x.warnings = append(x.warnings, warn("rate_above_cap", "rate",
				agreed.String(), ceiling.String(), base.OneYear.String(), base.Effective.Format(dateLayout)))
		}
		from := x.date("interest_from")
		if from.IsZero() {
			from = loan
		}
		x.data["interest_rate"] = r
		x.data["lpr"] = base.OneYear
		x.data["lpr_date"] = base.Effective
		x.data["interest_start"] = from
		x.data["interest"] = interest(outstanding, r, from, x.now)
	case !x.date("due_date").IsZero():
		// 民间借贷规定 Art. 28(二)(一): no rate agreed at all — overdue interest
		// from the default at the one-year LPR of that time.
		x.lateInterest("overdue", outstanding, x.date("due_date"))
	}
}

func calcFinancialLoan(x *calcCtx) {
	x.data["arrears"] = x.fen("interest_owed") + x.fen("penalty_owed")
	// 法发〔2017〕22号 Art. 2 (UNVERIFIED, legal-rules-cn §6.1): a court may cut
	// the lender's total charges above 24% a year.
	if x.rate("overdue_rate") > 24*RatePercent {
		x.warnings = append(x.warnings, warn("financial_charges", "overdue_rate", x.rate("overdue_rate").String()))
	}
}

func calcCreditCard(x *calcCtx) {
	x.data["total_owed"] = x.fen("principal_owed") + x.fen("interest_owed") + x.fen("fees_owed")
	if x.rate("overdue_rate") > 24*RatePercent {
		x.warnings = append(x.warnings, warn("financial_charges", "overdue_rate", x.rate("overdue_rate").String()))
	}
}

func calcSale(x *calcCtx) {
	if x.str("plaintiff_role") == "seller" {
		unpaid := x.fen("price_total") - x.fen("paid")
		x.data["unpaid"] = unpaid
		if x.str("late_basis") == "lpr" {
			x.lateInterest("late", unpaid, x.date("payment_due"))
		}
		return
	}
	x.data["refund"] = x.fen("paid")
}

// trafficItems are the heads of damage, in the order courts list them.
var trafficItems = []string{"medical_fee", "lost_earnings", "nursing_fee", "hospital_meals", "nutrition_fee",
	"transport_fee", "disability_comp", "mental_damage", "property_loss", "appraisal_fee"}

func calcTraffic(x *calcCtx) {
	var total money.Fen
	var parts []string
	for _, name := range trafficItems {
		if v := x.fen(name); v > 0 {
			total += v
			parts = append(parts, zhT("complaint.doc.item."+name)+yuanText(v)+"元")
		}
	}
	x.data["damages_total"] = total
	x.data["damages_breakdown"] = strings.Join(parts, "、")
	if x.str("liability") == "none" {
		x.warnings = append(x.warnings, warn("traffic_no_liability", "liability"))
	}
}

func calcLabourService(x *calcCtx) {
	x.lateInterest("late", x.fen("unpaid"), x.date("promised_date"))
	if x.str("pay_basis") == "monthly" {
		// A monthly wage under management suggests employment: a labour
		// dispute (劳动争议) goes to arbitration first (劳动争议调解仲裁法 Art. 5).
		x.warnings = append(x.warnings, warn("labour_maybe_employment", "pay_basis"))
	}
}

func calcPropertyService(x *calcCtx) {
	from, to := x.date("period_from"), x.date("period_to")
	months := monthsCovered(from, to)
	x.data["months"] = months
	if fee := x.fen("monthly_fee"); fee > 0 && months > 0 {
		expected := fee * money.Fen(months)
		if x.fen("arrears") > expected {
			x.warnings = append(x.warnings, warn("arrears_exceed", "arrears", yuanText(expected)))
		}
	}
}

// monthsCovered counts the calendar months touched by [from, to], e.g.
// 2024-01-01..2024-12-31 is 12.
func monthsCovered(from, to time.Time) int64 {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return int64((to.Year()-from.Year())*12+int(to.Month())-int(from.Month())) + 1
}

func calcDivorce(x *calcCtx) {
	// 诉讼费用交纳办法 Art. 13(二): the divorce fee depends on the property to divide.
	if x.yes("property_division") {
		x.data["property_amount"] = x.fen("property_value")
	}
	// CPL Art. 127(七), 民诉法解释 Art. 214: six months after a judgment refusing
	// divorce (or a withdrawn divorce suit) without new facts the court does
	// not accept a new suit.
	if d := x.date("previous_judgment_date"); !d.IsZero() && x.now.Before(d.AddDate(0, 6, 0)) {
		x.warnings = append(x.warnings, warn("divorce_six_months", "previous_judgment_date", d.AddDate(0, 6, 0).Format(dateLayout)))
	}
	// 民法典 Art. 1082: during pregnancy, within a year of childbirth or six
	// months of a terminated pregnancy the husband may not sue for divorce
	// unless the court finds it necessary.
	if x.yes("wife_pregnant") {
		for _, p := range x.parties {
			if p.Role == RolePlaintiff && p.Sex == "M" {
				x.warnings = append(x.warnings, warn("divorce_husband_restricted", "wife_pregnant"))
			}
		}
	}
	if n, _ := x.data["children"].(int64); n > 0 {
		x.data["has_children"] = true
	}
}

func calcShipCharter(x *calcCtx) {
	x.lateInterest("late", x.fen("unpaid_hire"), x.date("hire_due"))
}
