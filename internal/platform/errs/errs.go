// Package errs is the platform's one error vocabulary. Every context returns
// *Error values (or wraps them); the web layer turns them into HTTP responses
// in exactly one place, and the database layer normalises driver errors into
// them.
//
// An Error keeps the user-safe message apart from the internal cause: Key is
// an i18n message key rendered in the user's language, Cause is logged only.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error. The values double as the "code" of the API error
// envelope.
type Code string

// The codes of the API error envelope.
const (
	Invalid         Code = "invalid"
	Unauthenticated Code = "unauthenticated"
	Forbidden       Code = "forbidden"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	RateLimited     Code = "rate_limited"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

// FieldError names one invalid input field. Code is a short machine code
// ("required", "checksum", "too_long", …); the i18n key of its message is
// "field."+Code unless Key is set. Args fill the message's placeholders.
type FieldError struct {
	Field string
	Code  string
	Key   string
	Args  []any
}

// MessageKey returns the i18n key of the field's message.
func (f FieldError) MessageKey() string {
	if f.Key != "" {
		return f.Key
	}
	return "field." + f.Code
}

// Error is a classified error with a user-safe message key.
type Error struct {
	Code   Code
	Key    string // i18n key of the user-safe message; "" means the code's generic message
	Args   []any  // arguments for the message
	Fields []FieldError
	Cause  error // internal cause; never shown to the user
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s:%s]", f.Field, f.Code)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is an *Error with the same code and, when the
// target has one, the same key. It lets callers write errors.Is(err, errs.ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && (t.Key == "" || t.Key == e.Key)
}

// MessageKey returns the i18n key of the user-safe message.
func (e *Error) MessageKey() string {
	if e.Key != "" {
		return e.Key
	}
	return "error." + string(e.Code)
}

// Sentinels for errors.Is; compare by code only.
var (
	ErrInvalid         = &Error{Code: Invalid}
	ErrUnauthenticated = &Error{Code: Unauthenticated}
	ErrForbidden       = &Error{Code: Forbidden}
	ErrNotFound        = &Error{Code: NotFound}
	ErrConflict        = &Error{Code: Conflict}
	ErrRateLimited     = &Error{Code: RateLimited}
	ErrUnavailable     = &Error{Code: Unavailable}
)

// New returns an error with the given code and message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Wrap returns an error with the given code and message key whose internal
// cause is cause.
func Wrap(code Code, key string, cause error) *Error {
	return &Error{Code: code, Key: key, Cause: cause}
}

// Fields returns an Invalid error listing every invalid field at once.
func Fields(fields ...FieldError) *Error {
	return &Error{Code: Invalid, Key: "error.invalid_fields", Fields: fields}
}

// Field is shorthand for a FieldError.
func Field(field, code string, args ...any) FieldError {
	return FieldError{Field: field, Code: code, Args: args}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the code of err, or Internal when err is not classified.
// CodeOf(nil) is "".
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Collector gathers field errors so a validator can report every problem at
// once. Its zero value is ready to use.
type Collector struct{ fields []FieldError }

// Add records a field error.
func (c *Collector) Add(field, code string, args ...any) {
	c.fields = append(c.fields, FieldError{Field: field, Code: code, Args: args})
}

// AddField records a prepared field error.
func (c *Collector) AddField(f FieldError) { c.fields = append(c.fields, f) }

// Has reports whether the named field already has an error.
func (c *Collector) Has(field string) bool {
	for _, f := range c.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid error with the collected fields, or nil if none.
func (c *Collector) Err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return Fields(c.fields...)
}
