package idnum

import (
	_ "embed"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

//go:embed data/iso3166_alpha3.txt
var alpha3Text string

var alpha3 = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(alpha3Text, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[line] = true
		}
	}
	return m
})

// IsCountry reports whether code is an ISO 3166-1 alpha-3 country code
// ("CHN", "USA"), upper case. The list (data/iso3166_alpha3.txt, 249 codes)
// has no ICAO-only passport codes such as "D", "UNO", "XXA" or Kosovo's "XKX".
func IsCountry(code string) bool { return alpha3()[code] }

// ValidatePassport checks a passport's issuing country and number. country is
// an ISO 3166-1 alpha-3 code; number is 5–20 characters of A–Z, 0–9 and the
// MRZ filler "<". Both are trimmed and upper-cased before the check, so the
// caller should store strings.ToUpper(strings.TrimSpace(…)) of each. It
// returns an Invalid error listing every problem: "country" on
// Options.CountryField (default "passport_country") and "format" on
// Options.Field (default "passport_number").
func ValidatePassport(country, number string, opts ...Options) error {
	o := options(opts, "passport_number")
	var c errs.Collector
	if !IsCountry(strings.ToUpper(strings.TrimSpace(country))) {
		c.Add(o.CountryField, "country")
	}
	n := strings.ToUpper(strings.TrimSpace(number))
	ok := len(n) >= 5 && len(n) <= 20
	for i := 0; ok && i < len(n); i++ {
		ok = isDigit(n[i]) || (n[i] >= 'A' && n[i] <= 'Z') || n[i] == '<'
	}
	if !ok {
		c.Add(o.Field, "format")
	}
	return c.Err()
}
