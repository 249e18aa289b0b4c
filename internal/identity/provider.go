package identity

import (
	"context"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/identity/idnum"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Verification is how far an account's real name has been checked.
type Verification string

// Verification levels. Unverified accounts can look but not file.
const (
	Unverified          Verification = "none"
	VerifiedDevelopment Verification = "development" // formats and check digits only
	VerifiedNational    Verification = "national"    // confirmed by a national identity service
)

// IDType names the kind of identity document.
type IDType string

// The identity documents the platform accepts (rules file §8).
const (
	ResidentIDCard IDType = "resident_id" // 居民身份证, GB 11643-1999
	Passport       IDType = "passport"
	USCCCode       IDType = "uscc" // 统一社会信用代码, GB 32100-2015
)

// Claim is what a person asserts about themselves for real-name
// verification.
type Claim struct {
	Kind       Kind   // person or organisation
	Name       string // the person's legal name, or the organisation's name
	IDType     IDType
	IDNumber   string
	Country    string // passport's issuing country, ISO 3166-1 alpha-3
	LegalRep   string // organisations: the legal representative's name
	LegalRepID string // organisations: the representative's resident ID number
}

// Verdict is a provider's answer.
type Verdict struct {
	Level    Verification
	IDNumber string   // normalised
	Warnings []string // soft problems (e.g. a USCC check-character mismatch)
}

// Provider checks a claim against an identity authority. A national service
// (public-security citizen ID check, the market-regulation registry) plugs
// in here. It returns an errs.Invalid error with per-field codes when the
// claim is malformed or does not match, and errs.Unavailable when the
// authority cannot be reached.
type Provider interface {
	Verify(ctx context.Context, c Claim, now time.Time) (Verdict, error)
}

// DevProvider is the built-in provider: it checks formats and check digits
// only (GB 11643 for resident IDs, GB 32100 for credit codes, ICAO-style
// passports) and answers "verified (development)". It never claims a
// national check.
type DevProvider struct{}

// Verify validates the claim's formats.
func (DevProvider) Verify(ctx context.Context, c Claim, now time.Time) (Verdict, error) {
	var col errs.Collector
	name := strings.TrimSpace(c.Name)
	if name == "" {
		col.Add("name", "required")
	} else if len([]rune(name)) > 100 {
		col.Add("name", "too_long", 100)
	}
	v := Verdict{Level: VerifiedDevelopment}
	addErr := func(err error) {
		if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
			for _, f := range e.Fields {
				col.AddField(f)
			}
			return
		}
		col.Add("id_number", "format")
	}
	switch c.Kind {
	case Person:
		switch c.IDType {
		case ResidentIDCard:
			id, err := idnum.ParseResidentID(c.IDNumber, idnum.Options{Field: "id_number", Now: now})
			if err != nil {
				addErr(err)
			} else {
				v.IDNumber = id.Number
			}
		case Passport:
			num := strings.ToUpper(strings.TrimSpace(c.IDNumber))
			if err := idnum.ValidatePassport(strings.ToUpper(c.Country), num, idnum.Options{Field: "id_number", CountryField: "country"}); err != nil {
				addErr(err)
			} else {
				v.IDNumber = num
			}
		default:
			col.Add("id_type", "unknown")
		}
	case Organisation:
		if c.IDType != USCCCode {
			col.Add("id_type", "unknown")
			break
		}
		code, err := idnum.ParseUSCC(c.IDNumber, idnum.Options{Field: "id_number"})
		if err != nil {
			addErr(err)
		} else {
			v.IDNumber = code.Code
			v.Warnings = code.Warnings
		}
		if strings.TrimSpace(c.LegalRep) == "" {
			col.Add("legal_rep", "required")
		}
		if _, err := idnum.ParseResidentID(c.LegalRepID, idnum.Options{Field: "legal_rep_id", Now: now}); err != nil {
			addErr(err)
		}
	default:
		col.Add("kind", "unknown")
	}
	if err := col.Err(); err != nil {
		return Verdict{}, err
	}
	return v, nil
}
