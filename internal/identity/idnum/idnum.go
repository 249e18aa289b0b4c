// Package idnum validates and normalises the identifiers people and
// organisations give the platform: resident identity numbers (GB 11643-1999),
// unified social credit codes (GB 32100-2015), passports and mobile numbers.
//
// Every function is pure: no database, no network. Invalid input gives an
// *errs.Error with code Invalid and one errs.FieldError whose Code is a short
// machine code ("format", "region", "date", "future", "too_old", "checksum",
// "country") that doubles as the i18n key "field."+Code. The field name is
// the caller's, passed in Options.Field.
package idnum

import (
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Options tune a validation. The zero value is usable.
type Options struct {
	// Field is the name of the input field reported in errors. Each function
	// documents its default ("id_number", "uscc", "passport_number",
	// "mobile").
	Field string
	// CountryField is the field name for the passport's issuing country;
	// default "passport_country".
	CountryField string
	// Now is the reference time for the "future" and "too_old" birth-date
	// checks. Services pass the "now" of their transaction; the zero value
	// means time.Now().
	Now time.Time
}

func options(opts []Options, field string) Options {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Field == "" {
		o.Field = field
	}
	if o.CountryField == "" {
		o.CountryField = "passport_country"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o
}

func invalid(field, code string) error {
	return errs.Fields(errs.Field(field, code))
}
