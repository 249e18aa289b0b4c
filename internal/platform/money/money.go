// Package money does arithmetic on amounts of renminbi held as an integer
// number of fen (1 yuan = 100 fen). It never uses floating point: parsing,
// formatting, rate multiplication and the Chinese financial uppercase used on
// court fee notices are all exact.
package money

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Fen is an amount of renminbi in fen, the smallest unit (0.01 yuan).
type Fen int64

// FieldCode is the field error code of every parse error of this package;
// its i18n key is "field.amount".
const FieldCode = "amount"

// String formats f as yuan with thousands separators and exactly two
// decimals, for display: 123456 → "1,234.56", -5 → "-0.05".
func (f Fen) String() string {
	neg, u := f < 0, abs(f)
	intPart := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	b.WriteByte('.')
	writeCents(&b, u%100)
	return b.String()
}

// Yuan formats f as yuan with exactly two decimals and no separators, for
// machine use (forms, exports, payment gateways): 123456 → "1234.56".
func (f Fen) Yuan() string {
	neg, u := f < 0, abs(f)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(strconv.FormatUint(u/100, 10))
	b.WriteByte('.')
	writeCents(&b, u%100)
	return b.String()
}

func writeCents(b *strings.Builder, c uint64) {
	b.WriteByte(byte('0' + c/10))
	b.WriteByte(byte('0' + c%10))
}

// abs returns |f| as uint64, which also holds |math.MinInt64|.
func abs(f Fen) uint64 {
	if f < 0 {
		return uint64(-(f + 1)) + 1
	}
	return uint64(f)
}

// MulRate returns amount × num / den rounded to the nearest fen, halves
// rounded away from zero (round-half-up on the magnitude, so
// MulRate(-a, n, d) == -MulRate(a, n, d)). The product is exact: it never
// overflows in the middle, e.g. a 2.5% fee bracket is MulRate(a, 25, 1000) and
// a daily interest of 0.0175% is MulRate(a, 175, 1000000).
//
// MulRate panics if den is zero or if the result does not fit in a Fen;
// rates are configuration, not user input, so either is a programming error.
func MulRate(amount Fen, num, den int64) Fen {
	if den == 0 {
		panic("money: MulRate with zero denominator")
	}
	neg := (amount < 0) != (num < 0) != (den < 0)
	a, n, d := abs(amount), abs(Fen(num)), abs(Fen(den))
	hi, lo := bits.Mul64(a, n)
	if hi >= d {
		// The quotient needs more than 64 bits.
		panic("money: MulRate result overflows")
	}
	// The 128-bit product and division are exact, so no math/big is needed.
	q, r := bits.Div64(hi, lo, d)
	// Round half up: compare 2r with d without overflowing.
	if r >= d-r {
		q++
	}
	return signed(q, neg)
}

func signed(q uint64, neg bool) Fen {
	if neg {
		if q > 1<<63 {
			panic("money: MulRate result overflows")
		}
		return Fen(-int64(q-1) - 1)
	}
	if q > math.MaxInt64 {
		panic("money: MulRate result overflows")
	}
	return Fen(q)
}
