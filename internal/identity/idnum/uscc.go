package idnum

import "strings"

// USCC is a parsed 统一社会信用代码 (GB 32100-2015).
type USCC struct {
	Code      string // 18 characters, upper case
	Authority string // position 1, 登记管理部门代码 (9 = market regulation, 5 = civil affairs, 1 = staffing office, …)
	Category  string // position 2, 机构类别代码 (for authority 9: 1 enterprise, 2 individual business, 3 farmers' cooperative)
	Region    string // positions 3–8, administrative division of the registering authority (GB/T 2260)
	OrgCode   string // positions 9–17, 主体标识码 (organisation code, GB 11714)
	// Warnings lists soft problems: "checksum" (position 18 does not match
	// GB 32100 — some early pilot-region codes are legally valid yet fail
	// it), "org_checksum" (the embedded organisation code fails GB 11714),
	// "region" (positions 3–4 are no province code and not 10, central).
	// Show them to staff; do not reject on them.
	Warnings []string
}

// usccChars is the GB 32100 character set in value order 0–30 (no I, O, S, V, Z).
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are W_i = 3^(i-1) mod 31, i = 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights of the 8 body characters.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// ParseUSCC validates and normalises a unified social credit code. Spaces
// around it are ignored and letters upper-cased. It fails, with code "format"
// on Options.Field (default "uscc"), only when the code is not 18 characters
// of the GB 32100 set with digits in positions 3–8. A wrong check character
// is a warning, not an error (legal-rules §8.2: pilot-region codes); see
// USCC.Warnings. Unknown authority or category characters are accepted.
func ParseUSCC(s string, opts ...Options) (USCC, error) {
	o := options(opts, "uscc")
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return USCC{}, invalid(o.Field, "format")
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccChars, s[i]) < 0 || (i >= 2 && i < 8 && !isDigit(s[i])) {
			return USCC{}, invalid(o.Field, "format")
		}
	}
	u := USCC{Code: s, Authority: s[:1], Category: s[1:2], Region: s[2:8], OrgCode: s[8:17]}
	if s[17] != usccCheckChar(s[:17]) {
		u.Warnings = append(u.Warnings, "checksum")
	}
	if !orgCodeValid(u.OrgCode) {
		u.Warnings = append(u.Warnings, "org_checksum")
	}
	if p := u.Region[:2]; !provinces[p] && p != "10" {
		u.Warnings = append(u.Warnings, "region")
	}
	return u, nil
}

// usccCheckChar computes position 18: C18 = 31 − (Σ C_i×W_i mod 31), 31 → 0.
func usccCheckChar(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccChars, body[i]) * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31]
}

// orgCodeValid checks a 9-character organisation code (GB 11714): values are
// digits 0–9 and letters A=10 … Z=35; c9 = 11 − (Σ mod 11), 10 → X, 11 → 0.
func orgCodeValid(code string) bool {
	sum := 0
	for i := 0; i < 8; i++ {
		c := code[i]
		var v int
		switch {
		case isDigit(c):
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return false
		}
		sum += v * orgWeights[i]
	}
	want := "0123456789X0"[11-sum%11]
	return code[8] == want
}
