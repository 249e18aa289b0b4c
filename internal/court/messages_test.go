package court_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/i18n"
)

func TestMessages(t *testing.T) {
	// Complete in every language, and no key clashes with the platform's.
	if err := i18n.CheckComplete(court.Messages, i18n.Platform()); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(court.Messages, i18n.Platform())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, l := range court.Levels {
		keys = append(keys, l.MessageKey())
	}
	for _, k := range court.Kinds {
		keys = append(keys, k.MessageKey())
	}
	// Every message key the package's code names.
	re := regexp.MustCompile(`"((?:court|field)\.[a-z_.]+)"`)
	for _, f := range []string{"service.go", "period.go", "http.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	// Field codes the handlers and services add without a key of their own.
	keys = append(keys, "field.required", "field.date", "field.format")
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message for %q", k)
		}
	}
	if got, want := cat.T(i18n.EN, court.Basic.MessageKey()), "Basic People's Court"; got != want {
		t.Errorf("en basic: got %q, want %q", got, want)
	}
	if got, want := cat.T(i18n.ZH, court.Basic.MessageKey()), "基层人民法院"; got != want {
		t.Errorf("zh basic: got %q, want %q", got, want)
	}
}
