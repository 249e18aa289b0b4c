package idocr

import "time"

// The keys of Result.Fields, which are also the filing form's field names.
const (
	FieldName      = "name"
	FieldSex       = "sex"
	FieldEthnicity = "ethnicity"
	FieldBirthDate = "birth_date"
	FieldAddress   = "address"
	FieldIDNumber  = "id_number"
)

// FieldKeys lists the Result.Fields keys in the card's order.
var FieldKeys = []string{FieldName, FieldSex, FieldEthnicity, FieldBirthDate, FieldAddress, FieldIDNumber}

// The problems a FieldResult can carry. Each has the message key
// "idocr.problem."+Problem. An identity number that fails validation carries
// the idnum field code instead ("format", "region", "date", "future",
// "too_old"), of which "checksum" is the commonest.
const (
	ProblemNotFound      = "not_found"      // nothing readable was found
	ProblemChecksum      = "checksum"       // the ID number's check character is wrong
	ProblemMismatchBirth = "mismatch_birth" // printed birth date ≠ the one in the ID number
	ProblemMismatchSex   = "mismatch_sex"   // printed sex ≠ the one in the ID number
	ProblemUnknown       = "unknown"        // an ethnicity that is none of the 56 (or a birth date that is no date)
)

// FieldResult is one recognised field.
type FieldResult struct {
	Value   string
	OK      bool   // a value was read and passed every check
	Problem string // "" or one of the Problem constants: show it next to the field
	Derived bool   // the value was not read but computed from the ID number
}

// MessageKey returns the i18n key explaining the problem, or "".
func (f FieldResult) MessageKey() string {
	switch {
	case f.Problem != "":
		return "idocr.problem." + f.Problem
	case f.Derived:
		return "idocr.problem.derived"
	}
	return ""
}

// Result is what was read from a card. The string fields repeat the values of
// Fields for convenience. The person must confirm them: a value may be wrong
// even when its FieldResult is OK.
type Result struct {
	Name      string
	Sex       string // "M" or "F", as idnum.ResidentID.Sex
	Ethnicity string // as printed, without 族: "汉", "维吾尔"
	BirthDate string // YYYY-MM-DD
	Address   string
	IDNumber  string // upper-case X
	Fields    map[string]FieldResult
	Raw       string        // tesseract's text of the chosen attempt
	Rotation  int           // degrees the photo was turned clockwise before reading
	Attempts  int           // tesseract runs, orientation detection included
	Duration  time.Duration // whole recognition, decoding included
}

func (r *Result) set(key string, f FieldResult) {
	f.OK = f.Value != "" && f.Problem == ""
	r.Fields[key] = f
	switch key {
	case FieldName:
		r.Name = f.Value
	case FieldSex:
		r.Sex = f.Value
	case FieldEthnicity:
		r.Ethnicity = f.Value
	case FieldBirthDate:
		r.BirthDate = f.Value
	case FieldAddress:
		r.Address = f.Value
	case FieldIDNumber:
		r.IDNumber = f.Value
	}
}

// found counts the fields with a value.
func (r Result) found() int {
	n := 0
	for _, f := range r.Fields {
		if f.Value != "" && !f.Derived {
			n++
		}
	}
	return n
}
