package money

import "strings"

var (
	cnDigits = [10]string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	cnUnits  = [4]string{"", "拾", "佰", "仟"}
)

// Uppercase writes f in Chinese financial uppercase (大写金额) as printed on
// court fee notices and payment vouchers: 123456789 → "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分".
//
// It follows the rules of the PBOC 《正确填写票据和结算凭证的基本规定》: "整" ends
// an amount with neither jiao nor fen; a run of zeros inside the yuan
// part is written as one "零"; a missing jiao before a fen is written "零"
// (1005 → "壹拾元零伍分"); tens are always written with their digit ("壹拾").
// Amounts below one yuan have no yuan part ("伍角陆分"); zero is "零元整".
// Negative amounts are prefixed with "负". Units above 亿 are built
// recursively (10^12 yuan → "壹万亿").
func Uppercase(f Fen) string {
	u := abs(f)
	var b strings.Builder
	if f < 0 {
		b.WriteString("负")
	}
	yuan, jiao, fen := u/100, u/10%10, u%10
	if u == 0 {
		return "零元整"
	}
	if yuan > 0 {
		b.WriteString(cnInteger(yuan))
		b.WriteString("元")
	}
	switch {
	case jiao == 0 && fen == 0:
		b.WriteString("整")
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
		b.WriteString(cnDigits[fen] + "分")
	default:
		b.WriteString(cnDigits[jiao] + "角")
		if fen > 0 {
			b.WriteString(cnDigits[fen] + "分")
		}
	}
	return b.String()
}

// cnInteger writes n > 0 in uppercase digits with 万 and 亿 units.
func cnInteger(n uint64) string {
	const yi, wan = 100_000_000, 10_000
	switch {
	case n >= yi:
		s := cnInteger(n/yi) + "亿"
		if lo := n % yi; lo > 0 {
			if lo < yi/10 {
				s += "零"
			}
			s += cnInteger(lo)
		}
		return s
	case n >= wan:
		s := cnSection(n/wan) + "万"
		if lo := n % wan; lo > 0 {
			if lo < wan/10 {
				s += "零"
			}
			s += cnSection(lo)
		}
		return s
	default:
		return cnSection(n)
	}
}

// cnSection writes 0 < n < 10000; inner zero runs become one 零, trailing
// zeros are dropped.
func cnSection(n uint64) string {
	var b strings.Builder
	zero := false
	for pos := 3; pos >= 0; pos-- {
		p := uint64(1)
		for range pos {
			p *= 10
		}
		d := n / p % 10
		if d == 0 {
			if b.Len() > 0 {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(cnDigits[d] + cnUnits[pos])
	}
	return b.String()
}
