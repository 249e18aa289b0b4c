package money

import (
	"errors"
	"math"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestString(t *testing.T) {
	tests := []struct {
		f         Fen
		str, yuan string
	}{
		{0, "0.00", "0.00"},
		{5, "0.05", "0.05"},
		{50, "0.50", "0.50"},
		{100, "1.00", "1.00"},
		{99999, "999.99", "999.99"},
		{100000, "1,000.00", "1000.00"},
		{123456, "1,234.56", "1234.56"},
		{123456789, "1,234,567.89", "1234567.89"},
		{-5, "-0.05", "-0.05"},
		{-123456, "-1,234.56", "-1234.56"},
		{math.MaxInt64, "92,233,720,368,547,758.07", "92233720368547758.07"},
		{math.MinInt64, "-92,233,720,368,547,758.08", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.str {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(tt.f), got, tt.str)
		}
		if got := tt.f.Yuan(); got != tt.yuan {
			t.Errorf("Fen(%d).Yuan() = %q, want %q", int64(tt.f), got, tt.yuan)
		}
	}
}

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
	}{
		{"0", 0},
		{"1234", 123400},
		{"1234.5", 123450},
		{"1234.56", 123456},
		{"1,234.5", 123450},
		{"1,234.56", 123456},
		{"¥1,234.56", 123456},
		{"￥1,234.56", 123456},
		{"¥ 1234", 123400},
		{" 12.30 ", 1230},
		{"１２３４．５６", 123456},
		{"１，２３４", 123400},
		{"1，234，567.89", 123456789},
		{"０.０５", 5},
		{"007", 700},
		{"92233720368547758.07", math.MaxInt64},
		{"92,233,720,368,547,758.07", math.MaxInt64},
	}
	for _, tt := range tests {
		got, err := ParseYuan(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestParseYuanInvalid(t *testing.T) {
	for _, in := range []string{
		"", " ", "¥", ".", ".5", "1.", "1.234", "1.2.3", "-1", "-0", "¥-1", "+1",
		"1,23", "1,2345", ",123", "1234,567", "1,,234", "12a", "1 234", "1e3",
		"一百", "NaN", "92233720368547758.08", "99999999999999999999",
		"1.-5", "1.+5",
	} {
		got, err := ParseYuan(in)
		if err == nil {
			t.Errorf("ParseYuan(%q) = %d, nil; want error", in, got)
			continue
		}
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("ParseYuan(%q) error %v, want errs invalid", in, err)
		}
		e, _ := errs.As(err)
		if len(e.Fields) != 1 || e.Fields[0].Code != "amount" {
			t.Errorf("ParseYuan(%q) fields = %+v, want one with code amount", in, e.Fields)
		}
	}
}

func TestParseSignedYuan(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
	}{
		{"-1", -100},
		{"-0", 0},
		{"-¥1,234.56", -123456},
		{"¥-1,234.56", -123456},
		{"－１．５", -150},
		{"12", 1200},
		{"-92,233,720,368,547,758.08", math.MinInt64},
	}
	for _, tt := range tests {
		got, err := ParseSignedYuan(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseSignedYuan(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"--1", "-¥-1", "-92233720368547758.09", "- "} {
		if got, err := ParseSignedYuan(in); err == nil {
			t.Errorf("ParseSignedYuan(%q) = %d, nil; want error", in, got)
		}
	}
}

func TestMulRate(t *testing.T) {
	tests := []struct {
		amount   Fen
		num, den int64
		want     Fen
	}{
		{100000, 25, 1000, 2500}, // 2.5% of 1,000.00
		{1, 25, 1000, 0},         // 0.025 fen rounds down
		{20, 25, 1000, 1},        // 0.5 fen rounds up
		{19, 25, 1000, 0},        // 0.475 fen rounds down
		{-20, 25, 1000, -1},      // halves away from zero
		{20, -25, 1000, -1},
		{20, 25, -1000, -1},
		{-20, -25, 1000, 1},
		{1000000, 175, 1000000, 175},   // 0.0175% daily of 10,000.00
		{12345678, 175, 1000000, 2160}, // 2160.49 → 2160
		{2000000, 175, 1000000, 350},
		{2857143, 175, 1000000, 500}, // 500.000025 → 500
		{2857140, 175, 1000000, 500}, // 499.9995 → 500
		{0, 1, 3, 0},
		{100, 1, 3, 33},
		{200, 1, 3, 67},
		// The intermediate product overflows int64 but the result does not.
		{math.MaxInt64, 3, 3, math.MaxInt64},
		{math.MaxInt64 / 2, 1000000, 2000000, math.MaxInt64/4 + 1}, // (2^62-1)/2 = 2^61 - 0.5 rounds up
		{math.MinInt64, 7, 7, math.MinInt64},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		if got := MulRate(tt.amount, tt.num, tt.den); got != tt.want {
			t.Errorf("MulRate(%d, %d, %d) = %d, want %d", tt.amount, tt.num, tt.den, got, tt.want)
		}
	}
}

func TestMulRatePanics(t *testing.T) {
	tests := []struct {
		name     string
		amount   Fen
		num, den int64
	}{
		{"zero denominator", 1, 1, 0},
		{"overflow", math.MaxInt64, 2, 1},
		{"overflow of 128-bit quotient", math.MaxInt64, math.MaxInt64, 1},
		{"negative overflow", math.MinInt64, -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("MulRate(%d, %d, %d) did not panic", tt.amount, tt.num, tt.den)
				}
			}()
			MulRate(tt.amount, tt.num, tt.den)
		})
	}
}

func TestUppercase(t *testing.T) {
	tests := []struct {
		f    Fen
		want string
	}{
		{0, "零元整"},
		{100, "壹元整"},
		{1005, "壹拾元零伍分"},
		{123456789, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"},
		{10000000000, "壹亿元整"},
		{1000100, "壹万零壹元整"},
		{5, "伍分"},
		{50, "伍角"},
		{56, "伍角陆分"},
		{150, "壹元伍角"},
		{105, "壹元零伍分"},
		{1000, "壹拾元整"},
		{1500, "壹拾伍元整"},
		{10100, "壹佰零壹元整"},
		{100000, "壹仟元整"},
		{100100, "壹仟零壹元整"},
		{1001000, "壹万零壹拾元整"},
		{1010000, "壹万零壹佰元整"},
		{1100000, "壹万壹仟元整"},
		{10000000, "壹拾万元整"},
		{10000100, "壹拾万零壹元整"},
		{100000000, "壹佰万元整"},
		{168032, "壹仟陆佰捌拾元叁角贰分"},
		{10001000000, "壹亿零壹万元整"},
		{10100000000, "壹亿零壹佰万元整"},
		{11000000000, "壹亿壹仟万元整"},
		{10000000100, "壹亿零壹元整"},
		{100000000000000, "壹万亿元整"},
		{100010000000000, "壹万零壹亿元整"},
		{-123456, "负壹仟贰佰叁拾肆元伍角陆分"},
		{math.MaxInt64, "玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分"},
	}
	for _, tt := range tests {
		if got := Uppercase(tt.f); got != tt.want {
			t.Errorf("Uppercase(%d) = %q, want %q", int64(tt.f), got, tt.want)
		}
	}
}
