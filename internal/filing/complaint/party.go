package complaint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/identity/idnum"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// The party roles a complaint takes.
const (
	RolePlaintiff  = "plaintiff"   // 原告
	RoleDefendant  = "defendant"   // 被告
	RoleThirdParty = "third_party" // 第三人
)

// The party kinds.
const (
	KindPerson       = "person"
	KindOrganisation = "organisation"
)

// The identity document types, as in casefile.IDTypes.
var IDTypes = []string{"resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "uscc", "org_code", "other"}

// Party is one party named in the complaint, with the particulars CPL
// Art. 124(一)(二) asks for. The filing package fills it from its forms and
// the ID-card OCR. BirthDate is a China calendar date (zero if unknown).
type Party struct {
	Role          string    `json:"role"` // RolePlaintiff, RoleDefendant, RoleThirdParty
	Kind          string    `json:"kind"` // KindPerson, KindOrganisation
	Name          string    `json:"name"`
	Sex           string    `json:"sex"` // "M" or "F"; persons only
	Ethnicity     string    `json:"ethnicity"`
	BirthDate     time.Time `json:"birth_date"`
	Occupation    string    `json:"occupation"` // 职业
	Employer      string    `json:"employer"`   // 工作单位
	IDType        string    `json:"id_type"`    // one of IDTypes; "" means resident_id for persons, uscc for organisations
	IDNumber      string    `json:"id_number"`
	Address       string    `json:"address"` // 住所 (person: 户籍/经常居住地; organisation: 住所地)
	Phone         string    `json:"phone"`
	LegalRep      string    `json:"legal_rep"`       // organisation: 法定代表人/主要负责人; person: 法定代理人
	LegalRepTitle string    `json:"legal_rep_title"` // 职务, or the relation of a 法定代理人
	Agent         string    `json:"agent"`           // 委托诉讼代理人
	AgentFirm     string    `json:"agent_firm"`      // the agent's law firm or employer
	AgentTitle    string    `json:"agent_title"`     // e.g. 律师
}

// idType returns the party's document type, defaulting by kind.
func (p Party) idType() string {
	if p.IDType != "" {
		return p.IDType
	}
	if p.Kind == KindOrganisation {
		return "uscc"
	}
	return "resident_id"
}

var landline = regexp.MustCompile(`^(\+?[0-9]{1,4}[- ]?)?[0-9]{2,5}[- ]?[0-9]{5,8}([- ][0-9]{1,6})?$`)

// ValidateParties checks the parties of a complaint with template t and
// reports every problem at once (errs.Invalid; field names
// "parties[i].<json name>" for one party and the role, e.g. "defendant",
// for counts; codes in validate.go). The rules:
//   - the template's PartyRules: how many of each role, which kinds;
//   - every party has a name (CPL Art. 124);
//   - plaintiffs: identity number (a resident ID is checked with
//     idnum.ParseResidentID, and the sex and birth date given must agree with
//     it; a USCC with idnum.ParseUSCC), address and phone (CPL Art. 124(一));
//     an organisation its legal representative; a person under 18 a legal
//     representative (法定代理人, CPL Art. 60);
//   - defendants and third parties: a name and an address, so that the
//     defendant is 明确 (CPL Art. 122(二); 民诉法解释 Art. 209); an
//     identity number is optional but checked when given;
//   - the same identity number on both sides is refused.
func ValidateParties(t Template, parties []Party, now time.Time) error {
	var c errs.Collector
	validateParties(&c, t, parties, now)
	return c.Err()
}

func validateParties(c *errs.Collector, t Template, parties []Party, now time.Time) {
	counts := map[string]int{}
	sides := map[string]string{} // id number → role
	for i, p := range parties {
		field := func(name string) string { return fmt.Sprintf("parties[%d].%s", i, name) }
		var rule RoleRule
		switch p.Role {
		case RolePlaintiff:
			rule = t.PartyRules.Plaintiff
		case RoleDefendant:
			rule = t.PartyRules.Defendant
		case RoleThirdParty:
			rule = t.PartyRules.ThirdParty
		default:
			fieldErr(c, field("role"), CodeRole)
			continue
		}
		counts[p.Role]++
		if p.Kind != KindPerson && p.Kind != KindOrganisation {
			fieldErr(c, field("kind"), CodeFormat)
		} else if len(rule.Kinds) > 0 && !slices.Contains(rule.Kinds, p.Kind) {
			fieldErr(c, field("kind"), CodePartyKind)
		}
		if strings.TrimSpace(p.Name) == "" {
			fieldErr(c, field("name"), CodeRequired)
		} else if runeLen(p.Name) > 100 {
			fieldErr(c, field("name"), CodeTooLong, 100)
		}
		if strings.TrimSpace(p.Address) == "" {
			fieldErr(c, field("address"), CodeRequired)
		} else if runeLen(p.Address) > 200 {
			fieldErr(c, field("address"), CodeTooLong, 200)
		}
		plaintiff := p.Role == RolePlaintiff
		idn := strings.TrimSpace(p.IDNumber)
		switch {
		case idn == "" && plaintiff:
			fieldErr(c, field("id_number"), CodeRequired)
		case idn != "":
			if key, ok := checkID(c, p, field, now); ok && key != "" {
				if other, seen := sides[key]; seen && other != p.Role && (other == RolePlaintiff || p.Role == RolePlaintiff) {
					fieldErr(c, field("id_number"), CodeSameParty)
				}
				if _, seen := sides[key]; !seen {
					sides[key] = p.Role
				}
			}
		}
		if plaintiff {
			phone := strings.TrimSpace(p.Phone)
			if phone == "" {
				fieldErr(c, field("phone"), CodeRequired)
			} else if _, err := idnum.ParseMobile(phone); err != nil && !landline.MatchString(phone) {
				fieldErr(c, field("phone"), CodePhone)
			}
			if p.Kind == KindOrganisation && strings.TrimSpace(p.LegalRep) == "" {
				fieldErr(c, field("legal_rep"), CodeRequired)
			}
		}
		if p.Kind == KindPerson && p.Sex != "" && p.Sex != "M" && p.Sex != "F" {
			fieldErr(c, field("sex"), CodeOption)
		}
		if p.Kind == KindPerson && !p.BirthDate.IsZero() && dateOf(p.BirthDate).After(dateOf(now)) {
			fieldErr(c, field("birth_date"), CodeFuture)
		}
		if plaintiff && p.Kind == KindPerson && !p.BirthDate.IsZero() && strings.TrimSpace(p.LegalRep) == "" &&
			dateOf(p.BirthDate).AddDate(18, 0, 0).After(dateOf(now)) {
			fieldErr(c, field("legal_rep"), CodeGuardian)
		}
	}
	for _, role := range []struct {
		name string
		rule RoleRule
	}{{RolePlaintiff, t.PartyRules.Plaintiff}, {RoleDefendant, t.PartyRules.Defendant}, {RoleThirdParty, t.PartyRules.ThirdParty}} {
		n, r := counts[role.name], role.rule
		min := r.Min
		if role.name != RoleThirdParty && min < 1 {
			min = 1 // CPL Art. 122: a plaintiff and a definite defendant
		}
		switch {
		case r.Forbidden && n > 0:
			fieldErr(c, role.name, CodeForbidden)
		case n < min:
			fieldErr(c, role.name, CodeCountMin, min)
		case r.Max > 0 && n > r.Max:
			fieldErr(c, role.name, CodeCountMax, r.Max)
		}
	}
}

// checkID validates the party's identity number by its type. It returns the
// normalised number (for the same-party check) and whether it is valid.
func checkID(c *errs.Collector, p Party, field func(string) string, now time.Time) (string, bool) {
	idt := p.idType()
	if !slices.Contains(IDTypes, idt) {
		fieldErr(c, field("id_type"), CodeIDType)
		return "", false
	}
	person := p.Kind != KindOrganisation
	if person == (idt == "uscc" || idt == "org_code") {
		fieldErr(c, field("id_type"), CodeIDType)
		return "", false
	}
	opts := idnum.Options{Field: field("id_number"), Now: now}
	switch idt {
	case "resident_id", "hk_macao_permit", "taiwan_permit":
		if idt != "resident_id" && !strings.HasPrefix(strings.TrimSpace(p.IDNumber), "8") {
			// A 港澳台居民居住证 number has the resident-ID structure with 81/82/83;
			// an 往来内地通行证 does not, and is only checked for length.
			return checkOther(c, p, field)
		}
		r, err := idnum.ParseResidentID(p.IDNumber, opts)
		if err != nil {
			idErr(c, field("id_number"), idCode(err))
			return "", false
		}
		if p.Sex != "" && p.Sex != r.Sex {
			fieldErr(c, field("sex"), CodeMismatch)
		}
		if !p.BirthDate.IsZero() && !dateOf(p.BirthDate).Equal(dateOf(r.Birth)) {
			fieldErr(c, field("birth_date"), CodeMismatch)
		}
		return r.Number, true
	case "uscc":
		u, err := idnum.ParseUSCC(p.IDNumber, opts)
		if err != nil {
			idErr(c, field("id_number"), idCode(err))
			return "", false
		}
		return u.Code, true
	}
	return checkOther(c, p, field)
}

func checkOther(c *errs.Collector, p Party, field func(string) string) (string, bool) {
	n := strings.ToUpper(strings.TrimSpace(p.IDNumber))
	if len(n) < 5 || len(n) > 30 {
		idErr(c, field("id_number"), "format")
		return "", false
	}
	return p.idType() + ":" + n, true
}

// idErr records an invalid identity number; the message key names the
// validator's reason: "complaint.error.id_number.<reason>".
func idErr(c *errs.Collector, field, reason string) {
	c.AddField(errs.FieldError{Field: field, Code: CodeIDNumber, Key: "complaint.error.id_number." + reason})
}

// idCode returns the validator's field code of err ("format", "checksum", …).
func idCode(err error) string {
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0].Code
	}
	return "format"
}
