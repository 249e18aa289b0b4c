package idnum

import (
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// ResidentID is a parsed 公民身份号码 (GB 11643-1999), or a Hong Kong, Macao
// or Taiwan residence-permit number, which has the same structure.
type ResidentID struct {
	Number string    // 18 characters, a check character x upper-cased to X
	Region string    // 6-digit address code (GB/T 2260) of the registered residence
	Birth  time.Time // birth date, midnight in court-local time (clock.China)
	Sex    string    // "M" (odd sequence code) or "F" (even)
	Legacy bool      // the input was a 15-digit GB 11643-1989 number, upgraded
}

// MaxAgeYears is how far back a birth date may lie. GB 11643's own example
// 440524188001010014 (born 1880-01-01) passes until 2030-01-01 and is
// rejected as "too_old" from 2030-01-02; a registration flow that wants a
// stricter plausibility test compares AgeAt with its own limit.
const MaxAgeYears = 150

// idWeights are W_i = 2^(18-i) mod 11, i = 1..17 (ISO 7064 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheck maps S mod 11 to the check character.
const idCheck = "10X98765432"

// provinces are the GB/T 2260 province-level prefixes, plus 81/82/83 of the
// Hong Kong, Macao and Taiwan residence permits.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// ParseResidentID validates and normalises a resident identity number. It
// accepts 18 characters (a lowercase x is upper-cased) and legacy 15-digit
// numbers, which it upgrades (see Upgrade15). Surrounding spaces are ignored.
//
// The checks, each failing with its field code on Options.Field (default
// "id_number"): "format" (length or characters), "region" (the first two
// digits are no GB/T 2260 province and no 81/82/83 permit prefix, or the code
// is a bare province code XX0000 outside 81/82/83), "date" (no such birth
// date), "future" (born after Options.Now in China), "too_old" (born more than
// MaxAgeYears before it), "checksum" (ISO 7064 MOD 11-2 check character,
// GB 11643-1999 §5.2). The region is checked only by province, leniently,
// because abolished county codes stay valid in old numbers.
func ParseResidentID(s string, opts ...Options) (ResidentID, error) {
	o := options(opts, "id_number")
	s = strings.ToUpper(strings.TrimSpace(s))
	legacy := false
	if len(s) == 15 {
		up, err := Upgrade15(s, o)
		if err != nil {
			return ResidentID{}, err
		}
		s, legacy = up, true
	}
	if len(s) != 18 || !allDigits(s[:17]) || !(isDigit(s[17]) || s[17] == 'X') {
		return ResidentID{}, invalid(o.Field, "format")
	}
	region := s[:6]
	if !provinces[region[:2]] || (region[2:] == "0000" && region[0] != '8') {
		return ResidentID{}, invalid(o.Field, "region")
	}
	birth, err := time.ParseInLocation("20060102", s[6:14], clock.China)
	if err != nil {
		return ResidentID{}, invalid(o.Field, "date")
	}
	y, m, d := o.Now.In(clock.China).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, clock.China)
	if birth.After(today) {
		return ResidentID{}, invalid(o.Field, "future")
	}
	if birth.Before(today.AddDate(-MaxAgeYears, 0, 0)) {
		return ResidentID{}, invalid(o.Field, "too_old")
	}
	if s[17] != checkChar(s[:17]) {
		return ResidentID{}, invalid(o.Field, "checksum")
	}
	sex := "F"
	if (s[16]-'0')%2 == 1 {
		sex = "M"
	}
	return ResidentID{Number: s, Region: region, Birth: birth, Sex: sex, Legacy: legacy}, nil
}

// Upgrade15 converts a 15-digit GB 11643-1989 number (6-digit address, YYMMDD,
// 3-digit sequence) to 18 characters by inserting the century "19" and
// appending the check character. It checks only the form (15 digits, code
// "format" on Options.Field, default "id_number"); ParseResidentID checks the
// rest.
func Upgrade15(s string, opts ...Options) (string, error) {
	o := options(opts, "id_number")
	s = strings.TrimSpace(s)
	if len(s) != 15 || !allDigits(s) {
		return "", invalid(o.Field, "format")
	}
	body := s[:6] + "19" + s[6:]
	return body + string(checkChar(body)), nil
}

// AgeAt returns the age in whole years on the court-local date of now.
func (r ResidentID) AgeAt(now time.Time) int {
	ny, nm, nd := now.In(clock.China).Date()
	by, bm, bd := r.Birth.Date()
	age := ny - by
	if nm < bm || (nm == bm && nd < bd) {
		age--
	}
	return age
}

// checkChar computes the GB 11643 check character of 17 digits.
func checkChar(body string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return idCheck[sum%11]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
