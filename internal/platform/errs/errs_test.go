package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestClassification(t *testing.T) {
	base := New(NotFound, "court.not_found")
	wrapped := fmt.Errorf("loading: %w", base)
	if got := CodeOf(wrapped); got != NotFound {
		t.Errorf("CodeOf(wrapped) = %q, want not_found", got)
	}
	if !errors.Is(wrapped, ErrNotFound) || errors.Is(wrapped, ErrConflict) {
		t.Error("errors.Is by code failed")
	}
	if CodeOf(errors.New("boom")) != Internal || CodeOf(nil) != "" {
		t.Error("unclassified errors must be internal; nil must have no code")
	}
	cause := errors.New("driver detail")
	w := Wrap(Unavailable, "", cause)
	if !errors.Is(w, cause) || w.MessageKey() != "error.unavailable" {
		t.Errorf("Wrap: %v, key %q", w, w.MessageKey())
	}
}

func TestCollectorReportsEveryField(t *testing.T) {
	var c Collector
	if c.Err() != nil {
		t.Fatal("empty collector returned an error")
	}
	c.Add("mobile", "format")
	c.AddField(FieldError{Field: "code", Code: "code_wrong", Key: "identity.field.code_wrong"})
	err := c.Err()
	e, ok := As(err)
	if !ok || e.Code != Invalid || len(e.Fields) != 2 || !c.Has("mobile") || c.Has("name") {
		t.Fatalf("got %v", err)
	}
	if got, want := e.Fields[0].MessageKey(), "field.format"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := e.Fields[1].MessageKey(), "identity.field.code_wrong"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
