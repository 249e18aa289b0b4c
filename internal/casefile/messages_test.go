package casefile

import (
	"os"
	"regexp"
	"strings"
)

var (
	errorKeyRE  = regexp.MustCompile(`"(casefile\.error\.[a-z_]+)"`)
	fieldCodeRE = regexp.MustCompile(`"(casefile_[a-z_]+)"`)
)

// readSources returns the message keys that the package's code names: the
// casefile.error.* keys and, as field.<code>, the casefile_* field codes.
func readSources() ([]string, error) {
	entries, err := os.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(e.Name())
		if err != nil {
			return nil, err
		}
		for _, m := range errorKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range fieldCodeRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, "field."+m[1])
		}
	}
	return keys, nil
}
