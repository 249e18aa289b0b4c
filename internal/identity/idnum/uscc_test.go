package idnum

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

const refUSCCChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// refUSCCCheck is an independent GB 32100 check: weights 3^(i-1) mod 31
// computed with big integers, C18 = 31 − (Σ mod 31), 31 → 0.
func refUSCCCheck(body string) byte {
	sum := 0
	for i := 1; i <= 17; i++ {
		w := new(big.Int).Exp(big.NewInt(3), big.NewInt(int64(i-1)), big.NewInt(31)).Int64()
		sum += strings.IndexByte(refUSCCChars, body[i-1]) * int(w)
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return refUSCCChars[c]
}

func TestParseUSCC(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		code     string // hard error code, "" = parsed
		want     string
		warnings []string
	}{
		// GB 32100-2015's example: 9 market regulation, 1 enterprise,
		// 350100 Fuzhou, organisation code M000100Y4 (GB 11714: 22·3+1·5+34·2
		// = 139, 139 mod 11 = 7, 11−7 = 4 ✓), check 3.
		{"standard example", "91350100M000100Y43", "", "91350100M000100Y43", nil},
		{"lowercase and spaces", " 91350100m000100y43 ", "", "91350100M000100Y43", nil},
		// Wrong position 18: a warning, not an error (pilot-region codes).
		{"check char wrong", "91350100M000100Y44", "", "91350100M000100Y44", []string{"checksum"}},
		// Organisation code check broken too (M000100Y5).
		{"org code wrong", "91350100M000100Y5" + string(refUSCCCheck("91350100M000100Y5")), "", "91350100M000100Y5" + string(refUSCCCheck("91350100M000100Y5")), []string{"org_checksum"}},
		// A Fujian pilot-era code quoted in legal-rules §8.2 as valid but
		// failing the position-18 check. Its organisation code M0001TGQX
		// passes GB 11714: 22·3+1·5+29·8+16·4+26·2 = 419, 419 mod 11 = 1,
		// 11−1 = 10 → X.
		{"pilot-region code", "91350100M0001TGQXM", "", "91350100M0001TGQXM", []string{"checksum"}},
		{"too short", "91350100M000100Y4", "format", "", nil},
		{"too long", "91350100M000100Y433", "format", "", nil},
		{"letter I", "9I350100M000100Y43", "format", "", nil},
		{"letter O", "91350100M00010OY43", "format", "", nil},
		{"letter in region", "913501A0M000100Y43", "format", "", nil},
		{"empty", "", "format", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUSCC(tt.in)
			if code := fieldCode(t, err); code != tt.code {
				t.Fatalf("ParseUSCC(%q) code = %q, want %q", tt.in, code, tt.code)
			}
			if tt.code != "" {
				return
			}
			if got.Code != tt.want || !slices.Equal(got.Warnings, tt.warnings) {
				t.Errorf("got %+v, want %s warnings %v", got, tt.want, tt.warnings)
			}
		})
	}
	u, _ := ParseUSCC("91350100M000100Y43")
	if u.Authority != "9" || u.Category != "1" || u.Region != "350100" || u.OrgCode != "M000100Y4" {
		t.Errorf("fields = %+v", u)
	}
}

// Generated codes: random bodies completed with the independent check
// character parse without a checksum warning; changing one character of
// positions 1–17 to another in the set always gives a checksum warning (a
// prime modulus 31 with weights coprime to it catches single substitutions).
func TestGeneratedUSCC(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() byte { return refUSCCChars[rng.IntN(31)] }
	for range 2000 {
		var b strings.Builder
		b.WriteByte(pick())
		b.WriteByte(pick())
		b.WriteString("110105")
		for range 9 {
			b.WriteByte(pick())
		}
		body := b.String()
		code := body + string(refUSCCCheck(body))
		got, err := ParseUSCC(code)
		if err != nil || slices.Contains(got.Warnings, "checksum") {
			t.Fatalf("%s: %+v, %v", code, got, err)
		}
		i := rng.IntN(17)
		c := pick()
		if (i >= 2 && i < 8) || c == code[i] {
			continue
		}
		bad := code[:i] + string(c) + code[i+1:]
		got, err = ParseUSCC(bad)
		if err != nil || !slices.Contains(got.Warnings, "checksum") {
			t.Fatalf("%s (from %s): %+v, %v; want checksum warning", bad, code, got, err)
		}
	}
}

func TestValidatePassport(t *testing.T) {
	tests := []struct {
		country, number string
		codes           []string // field codes in order
	}{
		{"CHN", "E12345678", nil},
		{"chn", " e12345678 ", nil},
		{"GBR", "123456789", nil},
		{"USA", "AB<<<12345", nil},
		{"XKX", "P1234567", []string{"country"}}, // not ISO 3166-1
		{"CN", "E12345678", []string{"country"}}, // alpha-2
		{"ZZZ", "E12345678", []string{"country"}},
		{"CHN", "E123", []string{"format"}},
		{"CHN", "E12345678901234567890", []string{"format"}},
		{"CHN", "E1234-5678", []string{"format"}},
		{"", "", []string{"country", "format"}},
	}
	for _, tt := range tests {
		err := ValidatePassport(tt.country, tt.number)
		var codes []string
		if e, ok := errAs(err); ok {
			for _, f := range e {
				codes = append(codes, f)
			}
		}
		if !slices.Equal(codes, tt.codes) {
			t.Errorf("ValidatePassport(%q, %q) = %v, want %v", tt.country, tt.number, err, tt.codes)
		}
	}
	if n := len(alpha3()); n != 249 {
		t.Errorf("%d alpha-3 codes, want 249", n)
	}
	for _, c := range []string{"CHN", "HKG", "MAC", "TWN", "USA", "DEU", "SSD", "BES"} {
		if !IsCountry(c) {
			t.Errorf("IsCountry(%s) = false", c)
		}
	}
}

func TestParseMobile(t *testing.T) {
	tests := []struct {
		in, want string // want "" = invalid
	}{
		{"13812345678", "13812345678"},
		{"138 1234 5678", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"8613812345678", "13812345678"},
		{"0086 13812345678", "13812345678"},
		{"19912345678", "19912345678"},
		{"12812345678", ""},                 // 12x is not a mobile prefix
		{"1381234567", ""},                  // 10 digits
		{"138123456789", ""},                // 12 digits
		{"+86 10 6512 3456", ""},            // a Beijing landline is not a mobile
		{"+85291234567", "+85291234567"},    // Hong Kong, E.164
		{"+1 415-555-2671", "+14155552671"}, // USA
		{"+44 7911 123456", "+447911123456"},
		{"+1234567", ""},          // 7 digits: too short for E.164 here
		{"+1234567890123456", ""}, // 16 digits
		{"+0123456789", ""},       // no country code starts with 0
		{"(138)12345678", ""},
		{"", ""},
		{"+", ""},
		{"138１2345678", ""}, // full-width digit
	}
	for _, tt := range tests {
		got, err := ParseMobile(tt.in)
		if tt.want == "" {
			if fieldCode(t, err) != "format" {
				t.Errorf("ParseMobile(%q) = %q, %v; want format error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMobile(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseMobile("x", Options{Field: "contact.phone"})
	if e, ok := errAs(err); !ok || len(e) != 1 {
		t.Errorf("err = %v", err)
	}
}
