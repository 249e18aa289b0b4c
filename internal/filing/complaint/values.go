package complaint

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Answers are the values of a template's form, by field name, as the user
// typed them (see the package comment for the formats). Empty and missing
// mean the same: not answered.
type Answers map[string]string

// Get returns the trimmed answer to name.
func (a Answers) Get(name string) string { return strings.TrimSpace(a[name]) }

// Rate is an annual interest rate in millionths (units of 0.0001%, a
// hundredth of a basis point): 150000 is 15% a year, 65250 is 6.525%. The
// unit is fine enough for the rates people write (a bank's penalty rate of
// 4.35% × 1.5 = 6.525%, a daily 0.05% = 18.25% a year) and rates stay
// exact: ParseRate refuses input that is not a whole number of units.
type Rate int64

// RatePercent is one percent in Rate units; BasisPoint one basis point.
const (
	RatePercent Rate = 10000
	BasisPoint  Rate = 100
)

// String formats r as a percentage without trailing zeros: 150000 → "15%",
// 146000 → "14.6%", 65250 → "6.525%".
func (r Rate) String() string {
	neg := r < 0
	if neg {
		r = -r
	}
	s := strconv.FormatInt(int64(r/RatePercent), 10)
	if c := r % RatePercent; c != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(int64(RatePercent+c), 10)[1:], "0")
	}
	if neg {
		s = "-" + s
	}
	return s + "%"
}

const dateLayout = "2006-01-02"

var errFormat = errors.New("format")

// rateNorm maps full-width forms to ASCII.
var rateNorm = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "％", "%", "\u3000", "", " ", "",
)

// ParseRate parses an interest rate as people write it and returns it as a
// Rate a year:
//   - annual: "15", "15%", "15.5%", "年利率15%", "年息15%";
//   - monthly: "月利率1.5%", "月息1.5%", or in 分 (1分 = 1% a month):
//     "1.5分", "月息1.5分" — each ×12;
//   - daily: "日利率0.05%", "日息0.05%" — ×365.
//
// Full-width digits are accepted. The result must be a whole number of Rate
// units a year ("15.00005%" is refused), non-negative and at most 1,000% a
// year; anything else is an error.
func ParseRate(s string) (Rate, error) {
	s = rateNorm.Replace(strings.TrimSpace(s))
	periods := int64(1)
	for _, p := range []struct {
		prefix string
		n      int64
	}{{"年利率", 1}, {"年息", 1}, {"年化", 1}, {"月利率", 12}, {"月息", 12}, {"月利", 12}, {"日利率", 365}, {"日息", 365}} {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok {
			s, periods = rest, p.n
			break
		}
	}
	switch {
	case strings.HasSuffix(s, "%"):
		s = strings.TrimSuffix(s, "%")
	case strings.HasSuffix(s, "分"):
		if periods == 365 {
			return 0, errFormat
		}
		s, periods = strings.TrimSuffix(s, "分"), 12
	}
	// s is now a decimal number of percent per period.
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || len(whole) > 6 || (hasPoint && (frac == "" || len(frac) > 6)) || !digits(whole) || !digits(frac) {
		return 0, errFormat
	}
	scale := int64(1)
	for range frac {
		scale *= 10
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, errFormat
	}
	// percent = n/scale; units a year = n × RatePercent × periods / scale.
	num := n * int64(RatePercent) * periods
	if num%scale != 0 {
		return 0, errFormat
	}
	r := Rate(num / scale)
	if r > 1000*RatePercent {
		return 0, errFormat
	}
	return r, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseDate parses "2006-01-02" as a calendar date in China (midnight
// clock.China).
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) != len(dateLayout) {
		return time.Time{}, errFormat
	}
	return time.ParseInLocation(dateLayout, s, clock.China)
}

// ParseMoney parses an amount in yuan; see money.ParseYuan.
func ParseMoney(s string) (money.Fen, error) { return money.ParseYuan(s) }

func parseNumber(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 12 || !digits(s) {
		return 0, errFormat
	}
	return strconv.ParseInt(s, 10, 64)
}

// dateOf returns the China calendar date of t, as midnight clock.China.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(clock.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, clock.China)
}

// daysBetween counts the calendar days from a to b (b − a), both dates.
func daysBetween(a, b time.Time) int64 {
	// Both are midnight in a zone without daylight saving, so division is exact.
	return int64(dateOf(b).Sub(dateOf(a)).Hours()) / 24
}

// cnDate formats a date the way Chinese court documents do: 2023年6月15日.
func cnDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, m, d := t.In(clock.China).Date()
	return strconv.Itoa(y) + "年" + strconv.Itoa(int(m)) + "月" + strconv.Itoa(d) + "日"
}

// yuanText formats an amount for a complaint: thousands separators, and
// decimals only when there are fen: 10000000 → "100,000", 123456 → "1,234.56".
func yuanText(f money.Fen) string {
	return strings.TrimSuffix(f.String(), ".00")
}

func runeLen(s string) int64 { return int64(utf8.RuneCountInString(s)) }
