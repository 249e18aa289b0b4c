package idnum

import (
	"strings"
	"unicode"
)

// ParseMobile validates a mobile number and returns its normal form.
//
// A Chinese mainland number is 11 digits starting 13–19 and is returned as
// those 11 digits; it may be written with a "+86", "86" or "0086" prefix.
// Any other number must be in E.164 form, "+" and 8–15 digits with no leading
// zero (country code included, e.g. "+85291234567" for Hong Kong), and is
// returned as "+" and its digits. Spaces and dashes anywhere are ignored. A
// "+86" number that is not a mainland mobile number fails. Failures are an
// Invalid error with code "format" on Options.Field (default "mobile").
func ParseMobile(s string, opts ...Options) (string, error) {
	o := options(opts, "mobile")
	var b strings.Builder
	for _, r := range s {
		if r == '-' || unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
	}
	n := b.String()
	intl := false
	switch {
	case strings.HasPrefix(n, "+"):
		n, intl = n[1:], true
	case strings.HasPrefix(n, "0086"):
		n, intl = n[2:], true
	}
	if !allDigits(n) {
		return "", invalid(o.Field, "format")
	}
	switch {
	case strings.HasPrefix(n, "86") && (intl || len(n) == 13):
		n = n[2:]
	case intl:
		if len(n) < 8 || len(n) > 15 || n[0] == '0' {
			return "", invalid(o.Field, "format")
		}
		return "+" + n, nil
	}
	if len(n) != 11 || n[0] != '1' || n[1] < '3' {
		return "", invalid(o.Field, "format")
	}
	return n, nil
}
