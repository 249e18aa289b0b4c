package money

import (
	"math"
	"testing"
)

// FuzzParseYuan checks that every accepted input round-trips through String
// and Yuan, and that the parser never panics on outside input.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{
		"0", "1234", "1,234.5", "1234.56", "¥1,234.56", "１２３４", "１，２３４．５", "-1",
		"-¥0.05", "92233720368547758.07", "-92,233,720,368,547,758.08", "1.234", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSignedYuan(s)
		unsigned, uerr := ParseYuan(s)
		if uerr == nil && (err != nil || unsigned != got || unsigned < 0) {
			t.Fatalf("ParseYuan(%q) = %d, ParseSignedYuan = %d, %v", s, unsigned, got, err)
		}
		if err != nil {
			return
		}
		for _, out := range []string{got.String(), got.Yuan()} {
			back, err := ParseSignedYuan(out)
			if err != nil || back != got {
				t.Fatalf("ParseSignedYuan(%q) = %d, %v; want %d (from %q)", out, back, err, got, s)
			}
		}
		_ = Uppercase(got)
	})
}

// FuzzStringRoundTrip checks that String and Yuan of any amount parse back.
func FuzzStringRoundTrip(f *testing.F) {
	for _, v := range []int64{0, 1, -1, 99, 100, 123456, math.MaxInt64, math.MinInt64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v int64) {
		for _, out := range []string{Fen(v).String(), Fen(v).Yuan()} {
			back, err := ParseSignedYuan(out)
			if err != nil || back != Fen(v) {
				t.Fatalf("ParseSignedYuan(%q) = %d, %v; want %d", out, back, err, v)
			}
		}
	})
}
