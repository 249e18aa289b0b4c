package idnum

import "github.com/ecourt/ecourt/internal/platform/errs"

// errAs returns the field codes of an invalid error.
func errAs(err error) ([]string, bool) {
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		return nil, false
	}
	var codes []string
	for _, f := range e.Fields {
		codes = append(codes, f.Code)
	}
	return codes, true
}
