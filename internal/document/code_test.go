package document_test

import (
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/document"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// validCodes are codes with a correct check symbol (the first is the
// example the page shows).
var validCodes = []string{"7K3Q-9XTB-M2HD-4RWZ", "0000-0000-0000-0000"}

func TestParseCode(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{"7K3Q-9XTB-M2HD-4RWZ", "7K3Q9XTBM2HD4RWZ", ""},
		{"7k3q9xtbm2hd4rwz", "7K3Q9XTBM2HD4RWZ", ""},
		{" 7K3Q 9XTB　M2HD－4RWZ ", "7K3Q9XTBM2HD4RWZ", ""},
		{"OOOO-OOOO-OOOO-OOOO", "0000000000000000", ""}, // O is read as 0
		{"7K3Q-9XTB-M2HD-4RWU", "", "format"},           // U never occurs
		{"7K3Q-9XTB-M2HD-4RW", "", "format"},            // too short
		{"7K3Q-9XTB-M2HD-4RWZZ", "", "format"},          // too long
		{"7K3Q-9XTB-M2HD-4RW?", "", "format"},           // not a symbol
		{"7K3Q-9XTB-M2HD-4RWC", "", "checksum"},         // last symbol wrong
		{"K73Q-9XTB-M2HD-4RWZ", "", "checksum"},         // two swapped
		{"", "", "format"},
	} {
		got, err := document.ParseCode(tt.in)
		if tt.err != "" {
			if !hasField(err, "code", tt.err) {
				t.Errorf("ParseCode(%q) = %q, %v; want %s", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if got := document.FormatCode("7K3Q9XTBM2HD4RWZ"); got != "7K3Q-9XTB-M2HD-4RWZ" {
		t.Errorf("FormatCode = %q", got)
	}
	if got := document.VerifyPath("7K3Q9XTBM2HD4RWZ"); got != "/documents/verify?code=7K3Q-9XTB-M2HD-4RWZ" {
		t.Errorf("VerifyPath = %q", got)
	}
}

// TestCodeCatchesTypos: every single mistyped symbol is caught, and every
// swap of two different neighbours except 0 and Z (the one pair Luhn mod 32
// cannot tell apart; neither example has it).
func TestCodeCatchesTypos(t *testing.T) {
	for _, code := range validCodes {
		c := strings.ReplaceAll(code, "-", "")
		for i := range c {
			for _, r := range alphabet {
				if byte(r) == c[i] {
					continue
				}
				typo := c[:i] + string(r) + c[i+1:]
				if _, err := document.ParseCode(typo); err == nil {
					t.Errorf("%s accepted (one symbol of %s changed)", typo, c)
				}
			}
		}
		missed, swaps := 0, 0
		for i := 0; i+1 < len(c); i++ {
			if c[i] == c[i+1] {
				continue
			}
			swaps++
			if _, err := document.ParseCode(c[:i] + string(c[i+1]) + string(c[i]) + c[i+2:]); err == nil {
				missed++
			}
		}
		if missed > 0 {
			t.Errorf("%s: %d of %d neighbour swaps not caught", c, missed, swaps)
		}
	}
}

func TestMaskCaseNumber(t *testing.T) {
	for in, want := range map[string]string{
		"（2026）浙0225民初123号": "（2026）浙0225民初***号",
		"（2019）最高法知民终1号":    "（2019）最高法知民终***号",
		"(2018)沪01民初937号之三": "（2018）沪01民初***号",
		"":                  "",
		"not a number":      "******",
	} {
		if got := document.MaskCaseNumber(in); got != want {
			t.Errorf("MaskCaseNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	for _, c := range append(validCodes, "", "7k3q 9xtb", "ＡＢＣ", "IIII-LLLL-OOOO-0000") {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := document.ParseCode(s)
		if err != nil {
			return
		}
		if len(c) != 16 || strings.Trim(c, alphabet) != "" {
			t.Fatalf("ParseCode(%q) = %q", s, c)
		}
		if again, err := document.ParseCode(document.FormatCode(c)); err != nil || again != c {
			t.Fatalf("round trip of %q: %q, %v", c, again, err)
		}
	})
}
