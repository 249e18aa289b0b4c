package casefile

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Number is a case number (案号) taken apart: 法〔2015〕137号 Art. 2–3 as
// amended by 法〔2018〕335号, "（"+收案年度+"）"+法院代字+专门审判代字+类型代字+
// 案件编号+"号", optionally followed by a sub-number 之一…之N for follow-up
// rulings in the same case.
type Number struct {
	Year      int    // 收案年度, the calendar year of 收案 in China time
	CourtCode string // 法院代字, e.g. "浙0225", "最高法"
	SpecCode  string // 专门审判代字, "" or e.g. "知"
	TypeCode  string // 类型代字, e.g. "民初"
	Seq       int64  // 案件编号
	Sub       int    // 0, or N of 之N
}

// String formats n with full-width brackets, as the official examples do:
// （2026）浙0225民初123号, （2019）最高法知民终1号, （2018）沪01民初937号之三.
func (n Number) String() string {
	var b strings.Builder
	b.WriteString("（")
	b.WriteString(strconv.Itoa(n.Year))
	b.WriteString("）")
	b.WriteString(n.CourtCode)
	b.WriteString(n.SpecCode)
	b.WriteString(n.TypeCode)
	b.WriteString(strconv.FormatInt(n.Seq, 10))
	b.WriteString("号")
	if n.Sub > 0 {
		b.WriteString("之")
		b.WriteString(chineseNumeral(n.Sub))
	}
	return b.String()
}

// Format returns the case number of the given elements (see Number.String).
func Format(year int, courtCode, specCode, typeCode string, seq int64) string {
	return Number{Year: year, CourtCode: courtCode, SpecCode: specCode, TypeCode: typeCode, Seq: seq}.String()
}

// FormatSub returns the number of the sub-th follow-up ruling in the case
// numbered n: FormatSub(n, 1) is n+"之一". sub must be at least 1.
func FormatSub(n Number, sub int) string {
	n.Sub = max(sub, 1)
	return n.String()
}

// highCourtCodes are the one-character 法院代字 of the high courts (Art. 4):
// the provincial abbreviations plus 内, 军 and 兵. The SPC is "最高法".
const highCourtCodes = "京津冀晋内辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔云藏陕甘青宁新军兵"

// ValidCourtCode reports whether s has the shape of a 法院代字 (Art. 4–5):
// "最高法", or a high-court character alone (高院) or followed by two
// (中院) or four (基层法院) digits.
func ValidCourtCode(s string) bool {
	if s == "最高法" {
		return true
	}
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !strings.ContainsRune(highCourtCodes, r) {
		return false
	}
	digits := s[size:]
	if len(digits) != 0 && len(digits) != 2 && len(digits) != 4 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// ParseNumber parses a case number written with full-width （） or ASCII ()
// brackets, with or without a sub-number 之N, ignoring surrounding space.
// The type code must be one the case-type table knows (in any version), and
// a leading 专门审判代字 is recognised when what follows it is a type code.
// Errors are errs.Invalid with field "number" and code "format".
func ParseNumber(s string) (Number, error) {
	bad := func() (Number, error) { return Number{}, errs.Fields(errs.Field("number", "format")) }
	s = strings.TrimSpace(s)
	var n Number
	rest, ok := cutBracket(s, "（", "(")
	if !ok {
		return bad()
	}
	i := strings.IndexAny(rest, ")）")
	if i != 4 {
		return bad()
	}
	y, err := strconv.Atoi(rest[:4])
	if err != nil || y < 1949 {
		return bad()
	}
	n.Year = y
	rest = rest[4:]
	rest, ok = cutBracket(rest, "）", ")")
	if !ok {
		return bad()
	}
	// 法院代字: 最高法, or a high-court character and 0, 2 or 4 digits.
	if strings.HasPrefix(rest, "最高法") {
		n.CourtCode, rest = "最高法", rest[len("最高法"):]
	} else {
		_, size := utf8.DecodeRuneInString(rest)
		j := size
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		n.CourtCode, rest = rest[:j], rest[j:]
	}
	if !ValidCourtCode(n.CourtCode) {
		return bad()
	}
	// The codes run up to the first digit.
	j := strings.IndexFunc(rest, unicode.IsDigit)
	if j <= 0 {
		return bad()
	}
	codes := rest[:j]
	rest = rest[j:]
	k := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) })
	if k <= 0 {
		return bad()
	}
	seq, err := strconv.ParseInt(rest[:k], 10, 64)
	if err != nil || seq <= 0 || rest[0] == '0' {
		return bad()
	}
	n.Seq = seq
	rest = rest[k:]
	rest, ok = strings.CutPrefix(rest, "号")
	if !ok {
		return bad()
	}
	if rest != "" {
		sub, ok := strings.CutPrefix(rest, "之")
		if !ok {
			return bad()
		}
		v, ok := parseChineseNumeral(sub)
		if !ok || v < 1 {
			return bad()
		}
		n.Sub = v
	}
	types := caseTypes()
	switch {
	case types.knownType(codes):
		n.TypeCode = codes
	default:
		r, size := utf8.DecodeRuneInString(codes)
		if r == utf8.RuneError || !types.knownSpec(codes[:size]) || !types.knownType(codes[size:]) {
			return bad()
		}
		n.SpecCode, n.TypeCode = codes[:size], codes[size:]
	}
	return n, nil
}

func cutBracket(s, full, ascii string) (string, bool) {
	if r, ok := strings.CutPrefix(s, full); ok {
		return r, true
	}
	return strings.CutPrefix(s, ascii)
}

var cnDigits = []string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// chineseNumeral writes 1 ≤ v ≤ 9999 in Chinese numerals as sub-numbers use
// them: 一, 十, 十一, 二十, 一百零五, 一千零一十.
func chineseNumeral(v int) string {
	if v <= 0 || v > 9999 {
		return strconv.Itoa(v)
	}
	units := []string{"千", "百", "十", ""}
	div := []int{1000, 100, 10, 1}
	var b strings.Builder
	zero := false
	started := false
	for i, d := range div {
		digit := v / d % 10
		if digit == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("〇")
			zero = false
		}
		// 十一, not 一十一, when the number starts with the tens.
		if !(digit == 1 && i == 2 && !started) {
			b.WriteString(cnDigits[digit])
		}
		b.WriteString(units[i])
		started = true
	}
	return strings.ReplaceAll(b.String(), "〇", "零")
}

// parseChineseNumeral reads what chineseNumeral writes (1…9999) and only
// that canonical form; it also accepts ASCII digits.
func parseChineseNumeral(s string) (int, bool) {
	if v, err := strconv.Atoi(s); err == nil {
		return v, v > 0
	}
	units := map[rune]int{'十': 10, '百': 100, '千': 1000}
	total, cur := 0, 0
	for _, r := range s {
		if u, ok := units[r]; ok {
			if cur == 0 {
				cur = 1
			}
			total += cur * u
			cur = 0
			continue
		}
		d := strings.Index("零一二三四五六七八九", string(r))
		if d < 0 {
			return 0, false
		}
		cur = d / len("一")
	}
	total += cur
	if total < 1 || total > 9999 || chineseNumeral(total) != s {
		return 0, false
	}
	return total, true
}
