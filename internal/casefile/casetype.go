package casefile

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// CaseType is one 类型代字 in one version of the SPC's case-type standard
// (法〔2015〕137号 附件, amended 2016, 2018 and 2022). A code is valid on
// dates d with ValidFrom ≤ d < ValidTo (a zero ValidTo: still valid).
type CaseType struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Class     string    `json:"class"` // civil, criminal, administrative, enforcement, bankruptcy, …
	ValidFrom time.Time `json:"valid_from"`
	ValidTo   time.Time `json:"valid_to"`
	Source    string    `json:"source"`
}

// ValidOn reports whether the code may be used for a case received on day
// (compared as calendar dates in China time).
func (t CaseType) ValidOn(day time.Time) bool {
	d := dateOf(day)
	return !d.Before(t.ValidFrom) && (t.ValidTo.IsZero() || d.Before(t.ValidTo))
}

// SpecCode is a 专门审判代字 (法〔2018〕335号 Art. 2: one character fixed by
// the SPC), with its validity.
type SpecCode = CaseType

// The type classes that the rest of the package looks at.
const (
	ClassEnforcement = "enforcement"
	ClassCriminal    = "criminal"
)

//go:embed data/case_types.json
var caseTypesJSON []byte

type typeTable struct {
	types map[string][]CaseType // code → versions
	specs map[string][]CaseType
	all   []CaseType
}

var caseTypes = sync.OnceValue(func() *typeTable {
	t, err := loadTypes(caseTypesJSON)
	if err != nil {
		panic(err) // embedded data, checked by TestCaseTypesData
	}
	return t
})

func loadTypes(b []byte) (*typeTable, error) {
	type row struct {
		Code, Name, Class, Source string
		ValidFrom                 string `json:"valid_from"`
		ValidTo                   string `json:"valid_to"`
	}
	var doc struct {
		Types []row `json:"types"`
		Specs []row `json:"spec_codes"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("casefile: case types: %w", err)
	}
	conv := func(r row) (CaseType, error) {
		ct := CaseType{Code: r.Code, Name: r.Name, Class: r.Class, Source: r.Source}
		var err error
		if ct.ValidFrom, err = time.Parse(time.DateOnly, r.ValidFrom); err != nil {
			return ct, fmt.Errorf("casefile: case type %s: valid_from: %w", r.Code, err)
		}
		if r.ValidTo != "" {
			if ct.ValidTo, err = time.Parse(time.DateOnly, r.ValidTo); err != nil {
				return ct, fmt.Errorf("casefile: case type %s: valid_to: %w", r.Code, err)
			}
			if !ct.ValidTo.After(ct.ValidFrom) {
				return ct, fmt.Errorf("casefile: case type %s: valid_to before valid_from", r.Code)
			}
		}
		if r.Code == "" || r.Name == "" || r.Class == "" || r.Source == "" {
			return ct, fmt.Errorf("casefile: case type %q: code, name, class and source are required", r.Code)
		}
		return ct, nil
	}
	t := &typeTable{types: map[string][]CaseType{}, specs: map[string][]CaseType{}}
	for _, r := range doc.Types {
		ct, err := conv(r)
		if err != nil {
			return nil, err
		}
		t.types[ct.Code] = append(t.types[ct.Code], ct)
		t.all = append(t.all, ct)
	}
	for _, r := range doc.Specs {
		ct, err := conv(r)
		if err != nil {
			return nil, err
		}
		t.specs[ct.Code] = append(t.specs[ct.Code], ct)
	}
	return t, nil
}

func (t *typeTable) knownType(code string) bool { return len(t.types[code]) > 0 }
func (t *typeTable) knownSpec(code string) bool { return len(t.specs[code]) > 0 }

func lookup(m map[string][]CaseType, code string, day time.Time) (CaseType, bool) {
	for _, ct := range m[code] {
		if ct.ValidOn(day) {
			return ct, true
		}
	}
	return CaseType{}, false
}

// LookupType returns the version of the case-type code valid on day, and
// false when the code does not exist or is not valid then (民破 after
// 2016-07-31, 诉前调确 before 2022).
func LookupType(code string, day time.Time) (CaseType, bool) {
	return lookup(caseTypes().types, code, day)
}

// LookupSpec returns the 专门审判代字 valid on day.
func LookupSpec(code string, day time.Time) (SpecCode, bool) {
	return lookup(caseTypes().specs, code, day)
}

// Types returns every version of every case-type code, in the order of the
// data file.
func Types() []CaseType { return append([]CaseType(nil), caseTypes().all...) }

// dateOf returns the calendar date of t in China time, as a UTC midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(clock.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
