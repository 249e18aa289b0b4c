package casefile

import "strings"

// maskParty hides the middle of a party's identity-document and phone
// numbers for readers who may not see them whole.
func maskParty(p Party) Party {
	p.IDNumber = MaskMiddle(p.IDNumber, 4, 4)
	p.Phone = maskPhone(p.Phone)
	p.Masked = true
	return p
}

// maskPhone keeps the first three and last four digits: 138****5678.
func maskPhone(s string) string { return MaskMiddle(s, 3, 4) }

// MaskMiddle replaces all but the first keep1 and last keep2 characters of s
// with '*'; a value too short to keep anything is masked entirely. Other
// contexts mask what they show of a case's people with it.
func MaskMiddle(s string, keep1, keep2 int) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	if len(r) <= keep1+keep2 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:keep1]) + strings.Repeat("*", len(r)-keep1-keep2) + string(r[len(r)-keep2:])
}
