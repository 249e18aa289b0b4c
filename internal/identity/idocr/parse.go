package idocr

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/identity/idnum"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// The printed labels of the card's front, in order (GB 17351-1998 layout).
const (
	labelName      = "姓名"
	labelSex       = "性别"
	labelEthnicity = "民族"
	labelBirth     = "出生"
	labelAddress   = "住址"
	labelIDNumber  = "公民身份号码"
)

// anchors are the labels counted to judge whether an attempt read the card
// the right way up.
var anchors = []string{labelName, labelSex, labelEthnicity, labelBirth, labelAddress, labelIDNumber}

// ethnicities are the 56 officially recognised ethnic groups as printed on
// the card (without 族).
var ethnicities = strings.Fields(`汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎
	傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌
	普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺`)

// maxAddressLines is how many lines an address may take on the card.
const maxAddressLines = 4

// maxIDRun is the longest run of digits searched for an 18-character ID
// number: the number plus a few digits of noise read from the card's edge.
const maxIDRun = 24

// maxText bounds the OCR text parsed; a card's is under 1 KiB.
const maxText = 64 << 10

// ParseText extracts the card's fields from OCR text and cross-checks them.
// It tolerates the usual OCR noise: full-width characters, spaces between
// Chinese characters, stray punctuation between label and value, misread
// labels, letters read for digits (O/0, l/1, …) and a lower-case x check
// character. Every key of FieldKeys is present in the result's Fields. It
// never fails: what cannot be read is marked ProblemNotFound. Only the first
// 64 KiB of raw are read.
func ParseText(raw string) Result {
	return parseText(raw, time.Now())
}

func parseText(raw string, now time.Time) Result {
	if len(raw) > maxText {
		raw = strings.ToValidUTF8(raw[:maxText], "")
	}
	res := Result{Raw: raw, Fields: make(map[string]FieldResult, len(FieldKeys))}
	var (
		name, sexLine, birth string
		address              []string
		addressOpen          bool
		ids                  []string
		stage                int // the next label expected: 0 name, 1 sex/ethnicity, 2 birth, 3 address
	)
	for _, l := range splitLines(raw) {
		if end, ok := findLabel(l, labelIDNumber, true); ok {
			ids = append(ids, idCandidates(l[end:])...)
			addressOpen = false
			stage = 4
			continue
		}
		if c := idCandidates(l); len(c) > 0 && asciiDigits(l) >= 14 {
			ids = append(ids, c...)
			addressOpen = false
			stage = 4
			continue
		}
		if addressOpen {
			if v := cleanAddress(string(l)); len(address) < maxAddressLines && utf8.RuneCountInString(v) >= 2 {
				address = append(address, v)
			}
			continue
		}
		label, rest := matchLine(l, stage)
		switch label {
		case labelName:
			name, stage = rest, 1
		case labelSex, labelEthnicity:
			sexLine, stage = string(l), 2
		case labelBirth:
			birth, stage = rest, 3
		case labelAddress:
			address, addressOpen, stage = []string{cleanAddress(rest)}, true, 4
		default:
			if birth == "" && stage <= 2 && datePattern.MatchString(foldDigits(string(l))) && strings.ContainsAny(string(l), "年月日") {
				birth, stage = string(l), 3
			}
		}
	}

	res.set(FieldName, valueOrMissing(cleanName(name)))
	sex, eth := parseSexEthnicity(sexLine)
	res.set(FieldSex, valueOrMissing(sex))
	ethField := valueOrMissing(eth)
	if eth != "" && !slices.Contains(ethnicities, eth) {
		ethField.Problem = ProblemUnknown
	}
	res.set(FieldEthnicity, ethField)
	res.set(FieldBirthDate, valueOrMissing(parseDate(birth, now)))
	res.set(FieldAddress, valueOrMissing(strings.Join(address, "")))
	crossCheck(&res, ids, now)
	return res
}

func valueOrMissing(v string) FieldResult {
	if v == "" {
		return FieldResult{Problem: ProblemNotFound}
	}
	return FieldResult{Value: v}
}

// crossCheck picks the ID number and compares the birth date and sex encoded
// in it (GB 11643-1999 §4) with the printed ones; where those were not read,
// it fills them from the number and marks them Derived.
func crossCheck(res *Result, candidates []string, now time.Time) {
	var best string
	var id idnum.ResidentID
	problem := ProblemNotFound
	rank := 0 // 3 valid, 2 only the check character wrong, 1 other problem
	for _, c := range candidates {
		parsed, err := idnum.ParseResidentID(c, idnum.Options{Field: FieldIDNumber, Now: now})
		r, p := 3, ""
		if err != nil {
			r, p = 1, "format"
			if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
				p = e.Fields[0].Code
			}
			if p == ProblemChecksum {
				r = 2
			}
		}
		if r > rank {
			best, id, problem, rank = c, parsed, p, r
		}
	}
	if rank == 3 {
		best = id.Number
	}
	res.set(FieldIDNumber, FieldResult{Value: best, Problem: problem})
	if rank != 3 {
		return
	}
	birth := id.Birth.Format(time.DateOnly)
	switch f := res.Fields[FieldBirthDate]; {
	case f.Value == "":
		res.set(FieldBirthDate, FieldResult{Value: birth, Derived: true})
	case f.Value != birth:
		f.Problem = ProblemMismatchBirth
		res.set(FieldBirthDate, f)
	}
	switch f := res.Fields[FieldSex]; {
	case f.Value == "":
		res.set(FieldSex, FieldResult{Value: id.Sex, Derived: true})
	case f.Value != id.Sex:
		f.Problem = ProblemMismatchSex
		res.set(FieldSex, f)
	}
}

// splitLines normalises every line: full-width ASCII to half-width, and all
// white space removed (tesseract puts spaces between Chinese characters,
// and no field of the card needs one).
func splitLines(raw string) [][]rune {
	var lines [][]rune
	for _, s := range strings.Split(raw, "\n") {
		var l []rune
		for _, r := range s {
			switch {
			case r >= 0xFF01 && r <= 0xFF5E:
				l = append(l, r-0xFEE0)
			case unicode.IsSpace(r), r == utf8.RuneError, unicode.IsControl(r):
			default:
				l = append(l, r)
			}
		}
		if len(l) > 0 {
			lines = append(lines, l)
		}
	}
	return lines
}

// findLabel finds label in line, exactly anywhere, or (when fuzzy) misread at
// the start of the line after any noise: a two-character label with one
// character right in place, the six-character one with three of its
// characters among the first seven. It returns where the value begins.
func findLabel(line []rune, label string, fuzzy bool) (int, bool) {
	lr := []rune(label)
	if i := index(line, lr); i >= 0 {
		return i + len(lr), true
	}
	if !fuzzy {
		return 0, false
	}
	start := 0
	for start < len(line) && !isHan(line[start]) && !isAlnum(line[start]) {
		start++
	}
	head := line[start:]
	if len(head) <= len(lr) {
		return 0, false // a label alone is no line worth guessing at
	}
	if len(lr) == 2 {
		if head[0] == lr[0] || head[1] == lr[1] {
			return start + 2, true
		}
		return 0, false
	}
	n := 0
	for _, r := range lr {
		if slices.Contains(head[:min(len(head), len(lr)+1)], r) {
			n++
		}
	}
	if n >= 3 {
		// The value starts after the last label character seen.
		end := 0
		for i, r := range head[:min(len(head), len(lr)+1)] {
			if slices.Contains(lr, r) {
				end = i + 1
			}
		}
		return start + end, true
	}
	return 0, false
}

// matchLine finds which label a line starts with, considering only labels
// not passed yet (so a value such as an address starting with 民 is not
// taken for 民族). Exact matches anywhere win over fuzzy ones at the start.
func matchLine(line []rune, stage int) (string, string) {
	type cand struct {
		label string
		stage int
	}
	cands := []cand{{labelName, 0}, {labelSex, 1}, {labelEthnicity, 1}, {labelBirth, 2}, {labelAddress, 3}}
	bestAt, best := len(line)+1, ""
	bestEnd := 0
	for _, c := range cands {
		if c.stage < stage {
			continue
		}
		if i := index(line, []rune(c.label)); i >= 0 && i < bestAt {
			bestAt, best, bestEnd = i, c.label, i+2
		}
	}
	if best == "" {
		for _, c := range cands {
			if c.stage < stage {
				continue
			}
			if end, ok := findLabel(line, c.label, true); ok {
				best, bestEnd = c.label, end
				break
			}
		}
	}
	if best == "" {
		return "", ""
	}
	return best, string(line[bestEnd:])
}

// parseSexEthnicity reads "性别男民族汉" (labels possibly misread).
func parseSexEthnicity(line string) (sex, eth string) {
	l := []rune(line)
	if end, ok := findLabel(l, labelSex, true); ok && end <= 4 {
		l = l[end:]
	}
	var sexPart, ethPart []rune
	if i := index(l, []rune(labelEthnicity)); i >= 0 {
		sexPart, ethPart = l[:i], l[i+2:]
	} else if i := slices.Index(l, '族'); i >= 0 {
		sexPart, ethPart = l[:i], l[i+1:]
	} else if i := slices.IndexFunc(l, func(r rune) bool { return r == '男' || r == '女' }); i >= 0 && i < 4 {
		sexPart, ethPart = l[:i+1], l[i+1:]
	} else {
		ethPart = l
	}
	if i := slices.IndexFunc(sexPart, func(r rune) bool { return r == '男' || r == '女' }); i >= 0 {
		sex = map[rune]string{'男': "M", '女': "F"}[sexPart[i]]
	}
	return sex, findEthnicity(keepHan(ethPart))
}

// findEthnicity returns the ethnic group s begins with, or the longest one it
// contains (after a misread label), or the first Han characters of s.
func findEthnicity(s string) string {
	if s == "" {
		return ""
	}
	best := ""
	for _, e := range ethnicities {
		if strings.HasPrefix(s, e) && len(e) > len(best) {
			best = e
		}
	}
	if best != "" {
		return best
	}
	at := len(s)
	for _, e := range ethnicities {
		if i := strings.Index(s, e); i >= 0 && (i < at || (i == at && len(e) > len(best))) {
			best, at = e, i
		}
	}
	if best != "" {
		return best
	}
	r := []rune(s)
	return string(r[:min(len(r), 5)])
}

// datePattern matches a printed birth date after foldDigits: year, month and
// day separated by 年 and 月 (or what OCR made of them).
var datePattern = regexp.MustCompile(`(1[89]\d\d|20\d\d)\D{1,2}?(\d{1,2})\D{1,2}?(\d{1,2})`)

// parseDate reads "1990年1月1日" as "1990-01-01"; "" if it is no real date
// or lies in the future. Look-alikes next to digits are read as digits and,
// failing that, every look-alike in the line is, since a birth line holds
// nothing else: "1990年1月:日" has a thin 1 read as a colon.
func parseDate(s string, now time.Time) string {
	for _, fold := range []func(string) string{foldDigits, foldAll} {
		m := datePattern.FindStringSubmatch(fold(s))
		if m == nil {
			continue
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if t.Year() != y || int(t.Month()) != mo || t.Day() != d || t.After(now) {
			continue
		}
		return fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
	}
	return ""
}

// foldAll replaces every digit look-alike, and a colon for a thin 1.
func foldAll(s string) string {
	return strings.Map(func(r rune) rune {
		if d, ok := digitLike[r]; ok {
			return d
		}
		if r == ':' || r == ';' {
			return '1'
		}
		return r
	}, s)
}

// digitLike maps characters OCR commonly reads instead of digits.
var digitLike = map[rune]rune{
	'O': '0', 'o': '0', 'D': '0', 'Q': '0', 'U': '0', '〇': '0',
	'I': '1', 'l': '1', 'i': '1', '|': '1', '!': '1', ']': '1', '[': '1', 'L': '1', 'j': '1',
	'Z': '2', 'z': '2',
	'S': '5', 's': '5',
	'G': '6', 'b': '6',
	'T': '7',
	'B': '8',
	'g': '9', 'q': '9',
}

// foldDigits replaces digit look-alikes that stand next to a digit.
func foldDigits(s string) string {
	r := []rune(s)
	out := slices.Clone(r)
	for i, c := range r {
		d, ok := digitLike[c]
		if !ok {
			continue
		}
		if (i > 0 && isDigit(r[i-1])) || (i+1 < len(r) && isDigit(r[i+1])) {
			out[i] = d
		}
	}
	return string(out)
}

// idCandidates returns the 18-character identity numbers s may hold once
// look-alikes are read as digits (and x, ×, 乂 as X) and everything else is
// dropped; a shorter run of 15–17 is returned as it is, to be flagged.
func idCandidates(s []rune) []string {
	lastDigit := -1
	for i, c := range s {
		if isDigit(c) || digitLike[c] != 0 {
			lastDigit = i
		}
	}
	var b []rune
	for i, c := range s {
		switch {
		case isDigit(c):
			b = append(b, c)
		case c == 'X' || c == 'x' || c == '×' || c == '乂' || c == 'K':
			// Only the last character may be X; inside, it is noise.
			if i > lastDigit {
				b = append(b, 'X')
			}
		default:
			if d, ok := digitLike[c]; ok {
				b = append(b, d)
			}
		}
	}
	switch {
	case len(b) == 18:
		return []string{string(b)}
	case len(b) > maxIDRun:
		return nil // a table of figures, not an ID number
	case len(b) > 18:
		var out []string
		for i := 0; i+18 <= len(b); i++ {
			if w := string(b[i : i+18]); !strings.Contains(w[:17], "X") {
				out = append(out, w)
			}
		}
		return out
	case len(b) >= 15:
		return []string{string(b)}
	}
	return nil
}

// cleanName keeps the Han characters of a name and the middle dot of
// transcribed minority names (阿依古丽·买买提), however OCR wrote it.
func cleanName(s string) string {
	var b []rune
	for _, r := range s {
		switch {
		case isHan(r):
			b = append(b, r)
		case strings.ContainsRune("·•・.-‧∙", r) && len(b) > 0 && b[len(b)-1] != '·':
			b = append(b, '·')
		}
	}
	return strings.Trim(string(b), "·")
}

// cleanAddress keeps Han characters, letters, digits and the few signs
// addresses use (1-2号, (东区), #). Look-alikes are read as digits next to a
// digit, and a look-alike of 1 is before 号, 室, 栋 and the like ("l号").
func cleanAddress(s string) string {
	r := []rune(s)
	for i := 0; i+1 < len(r); i++ {
		if strings.ContainsRune("lI|i![]", r[i]) && strings.ContainsRune("号室栋幢楼弄组层单", r[i+1]) {
			r[i] = '1'
		}
	}
	var b []rune
	for _, c := range foldDigits(foldDigits(string(r))) {
		if isHan(c) || isAlnum(c) || strings.ContainsRune("-()#", c) {
			b = append(b, c)
		}
	}
	return string(b)
}

func keepHan(s []rune) string {
	var b []rune
	for _, r := range s {
		if isHan(r) {
			b = append(b, r)
		}
	}
	return string(b)
}

func index(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func asciiDigits(s []rune) int {
	n := 0
	for _, r := range s {
		if isDigit(r) {
			n++
		}
	}
	return n
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
func isAlnum(r rune) bool { return isDigit(r) || (r|0x20 >= 'a' && r|0x20 <= 'z') }
func isHan(r rune) bool   { return unicode.Is(unicode.Han, r) }

// anchorCount counts the card's labels found exactly in an OCR text.
func anchorCount(raw string) int {
	var flat []rune
	for _, l := range splitLines(raw) {
		flat = append(flat, l...)
	}
	n := 0
	for _, a := range anchors {
		if index(flat, []rune(a)) >= 0 {
			n++
		}
	}
	return n
}
