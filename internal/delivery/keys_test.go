package delivery_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	// "delivery.error.x", "delivery.flash.x" … written out in the code.
	literalKeyRE = regexp.MustCompile(`"(delivery\.(?:error|flash|refusal|field)\.[a-z_]+)"`)
	// fieldErr(field, "code") → delivery.field.code
	fieldCodeRE = regexp.MustCompile(`fieldErr\([^,]+, "([a-z_]+)"\)`)
	// {{.T "key"}} and {{$.T "key"}} in the templates.
	templateKeyRE = regexp.MustCompile(`\.T "([a-zA-Z0-9_.]+)"`)
)

// sourceKeys returns the message keys the package's code and templates
// name literally.
func sourceKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	files, _ := filepath.Glob("*.go")
	tmpl, _ := filepath.Glob("templates/*.html")
	for _, name := range append(files, tmpl...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literalKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range fieldCodeRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, "delivery.field."+m[1])
		}
		for _, m := range templateKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 80 {
		t.Fatalf("found only %d keys; the scan is broken", len(keys))
	}
	return keys
}
