package complaint

import (
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// The field error codes of Validate and ValidateParties. Each error carries
// the message key "complaint.error.<code>".
const (
	CodeRequired   = "required"     // no answer to a required field
	CodeFormat     = "format"       // not a valid money, rate, date, number or yes/no
	CodeTooSmall   = "too_small"    // below Min (arg: the bound, formatted)
	CodeTooLarge   = "too_large"    // above Max or above the AtMost field (arg: the bound)
	CodeTooLong    = "too_long"     // text longer than Max runes (arg: the bound)
	CodeFuture     = "future"       // a date after today
	CodeDateOrder  = "date_order"   // a date before its After field (see Field.After)
	CodeOption     = "option"       // not one of the options
	CodeAtLeastOne = "at_least_one" // none of a group filled in
	CodeUnknown    = "unknown"      // an answer to no field of the template

	CodeCountMin  = "count_min"  // fewer parties of a role than the template needs (arg: min)
	CodeCountMax  = "count_max"  // more parties of a role than allowed (arg: max)
	CodeForbidden = "forbidden"  // a role the template does not take
	CodePartyKind = "party_kind" // person/organisation not allowed for the role
	CodeRole      = "role"       // unknown role
	CodeIDType    = "id_type"    // unknown or unsuitable identity document type
	CodeIDNumber  = "id_number"  // identity number invalid; key "complaint.error.id_number.<reason>" with the idnum code as reason
	CodeMismatch  = "mismatch"   // sex or birth date contradicts the resident ID
	CodeSameParty = "same_party" // the same person on both sides
	CodeGuardian  = "guardian"   // a minor plaintiff without a legal representative
	CodePhone     = "phone"      // not a phone number
)

func fieldErr(c *errs.Collector, field, code string, args ...any) {
	c.AddField(errs.FieldError{Field: field, Code: code, Key: "complaint.error." + code, Args: args})
}

// Validate checks ans against the template and reports every problem at
// once as an errs.Invalid error whose fields are the template's field names
// (codes above). now is the transaction's time; dates after its China date
// are "future". Unknown answer names are reported as "unknown" so that a
// client sending stale field names notices.
func (t Template) Validate(ans Answers, now time.Time) error {
	var c errs.Collector
	t.validate(&c, ans, now)
	return c.Err()
}

func (t Template) validate(c *errs.Collector, ans Answers, now time.Time) {
	today := dateOf(now)
	fields := t.Fields()
	names := make([]string, 0, len(ans))
	for name := range ans {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := t.Field(name); !ok {
			fieldErr(c, name, CodeUnknown)
		}
	}
	groups := map[string]bool{} // group → some member filled
	var groupOrder []string
	for _, f := range fields {
		v := ans.Get(f.Name)
		if f.Group != "" {
			if _, seen := groups[f.Group]; !seen {
				groupOrder = append(groupOrder, f.Group)
				groups[f.Group] = false
			}
		}
		if v == "" {
			if f.Required || (f.RequiredIf != nil && ans.Get(f.RequiredIf.Field) == f.RequiredIf.Value) {
				fieldErr(c, f.Name, CodeRequired)
			}
			continue
		}
		nonZero := true
		switch f.Kind {
		case KindText, KindTextarea:
			max := f.Max
			if max == 0 {
				max = 200
				if f.Kind == KindTextarea {
					max = 5000
				}
			}
			if n := runeLen(v); n > max {
				fieldErr(c, f.Name, CodeTooLong, max)
			} else if f.pattern != nil && !f.pattern.MatchString(v) {
				fieldErr(c, f.Name, CodeFormat)
			}
		case KindMoney:
			fen, err := money.ParseYuan(v)
			if err != nil {
				fieldErr(c, f.Name, CodeFormat)
				continue
			}
			nonZero = fen != 0
			switch {
			case fen < money.Fen(f.Min):
				fieldErr(c, f.Name, CodeTooSmall, yuanText(money.Fen(f.Min)))
			case f.Max > 0 && fen > money.Fen(f.Max):
				fieldErr(c, f.Name, CodeTooLarge, yuanText(money.Fen(f.Max)))
			case f.AtMost != "":
				if other, err := money.ParseYuan(ans.Get(f.AtMost)); err == nil && fen > other {
					fieldErr(c, f.Name, CodeTooLarge, yuanText(other))
				}
			}
		case KindRate:
			r, err := ParseRate(v)
			if err != nil {
				fieldErr(c, f.Name, CodeFormat)
				continue
			}
			nonZero = r != 0
			switch {
			case r < Rate(f.Min):
				fieldErr(c, f.Name, CodeTooSmall, Rate(f.Min).String())
			case f.Max > 0 && r > Rate(f.Max):
				fieldErr(c, f.Name, CodeTooLarge, Rate(f.Max).String())
			}
		case KindNumber:
			n, err := parseNumber(v)
			if err != nil {
				fieldErr(c, f.Name, CodeFormat)
				continue
			}
			nonZero = n != 0
			switch {
			case n < f.Min:
				fieldErr(c, f.Name, CodeTooSmall, f.Min)
			case f.Max > 0 && n > f.Max:
				fieldErr(c, f.Name, CodeTooLarge, f.Max)
			}
		case KindDate:
			d, err := ParseDate(v)
			if err != nil {
				fieldErr(c, f.Name, CodeFormat)
				continue
			}
			if f.NotFuture && d.After(today) {
				fieldErr(c, f.Name, CodeFuture)
			}
			if f.After != "" {
				if before, err := ParseDate(ans.Get(f.After)); err == nil && d.Before(before) {
					fieldErr(c, f.Name, CodeDateOrder)
				}
			}
		case KindYesNo:
			if v != "yes" && v != "no" {
				fieldErr(c, f.Name, CodeOption)
			}
			nonZero = v == "yes"
		case KindChoice:
			if !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == v }) {
				fieldErr(c, f.Name, CodeOption)
			}
		}
		if f.Group != "" && nonZero {
			groups[f.Group] = true
		}
	}
	for _, g := range groupOrder {
		if groups[g] {
			continue
		}
		for _, f := range fields {
			if f.Group == g {
				if !c.Has(f.Name) {
					fieldErr(c, f.Name, CodeAtLeastOne)
				}
				break
			}
		}
	}
}
