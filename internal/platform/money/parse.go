package money

import (
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// ParseYuan parses a non-negative amount written in yuan, as people type it
// into a form or as it appears on a document: "1234", "1234.5", "1234.56",
// "1,234.56", "¥1,234.56", "￥１，２３４．５６". It accepts ASCII and full-width
// digits, "," or "，" as thousands separators (groups of three, all or
// nothing), "." or "．" as decimal point, an optional leading ¥ or ￥ and
// surrounding spaces.
//
// ParseYuan returns an errs.Invalid error with the field code "amount" for an
// empty string, a sign, more than two decimals, misplaced separators, any
// other character, or an amount that does not fit in a Fen.
func ParseYuan(s string) (Fen, error) {
	return parse(s, false)
}

// ParseSignedYuan is ParseYuan that also accepts a leading "-" (or "－")
// before or after the currency sign, for adjustments and refunds.
func ParseSignedYuan(s string) (Fen, error) {
	return parse(s, true)
}

func invalid() error {
	return errs.Fields(errs.Field("amount", FieldCode))
}

// normalise maps full-width forms to ASCII so that the parser below only
// sees one alphabet.
var normalise = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"，", ",", "．", ".", "－", "-", "￥", "¥", "\u3000", " ",
)

func parse(s string, allowNeg bool) (Fen, error) {
	s = strings.TrimSpace(normalise.Replace(s))
	neg := false
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		neg, s = true, strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(s, "¥"); ok {
		s = strings.TrimSpace(rest)
		if !neg {
			if rest, ok := strings.CutPrefix(s, "-"); ok {
				neg, s = true, rest
			}
		}
	}
	if neg && !allowNeg {
		return 0, invalid()
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" || (hasPoint && (frac == "" || len(frac) > 2)) {
		return 0, invalid()
	}
	if !digitsOnly(frac) {
		return 0, invalid()
	}
	if strings.Contains(intPart, ",") {
		groups := strings.Split(intPart, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, invalid()
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, invalid()
			}
		}
		intPart = strings.Join(groups, "")
	}
	if !digitsOnly(intPart) {
		return 0, invalid()
	}
	for len(frac) < 2 {
		frac += "0"
	}
	// Accumulate the magnitude in uint64 so that math.MinInt64 fen, whose
	// magnitude is one more than math.MaxInt64, still parses.
	limit := uint64(1<<63 - 1)
	if neg {
		limit = 1 << 63
	}
	var u uint64
	for _, c := range intPart + frac {
		d := uint64(c - '0')
		if u > (limit-d)/10 {
			return 0, invalid()
		}
		u = u*10 + d
	}
	if neg {
		return Fen(-int64(u-1) - 1), nil
	}
	return Fen(u), nil
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
