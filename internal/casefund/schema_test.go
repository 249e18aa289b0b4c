package casefund_test

import (
	"context"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestSchemaSameInBothDialects(t *testing.T) {
	if err := sqldb.CheckSet(casefund.Migrations); err != nil {
		t.Error(err)
	}
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.DeleteFunc(cols, func(c sqldb.Column) bool { return !strings.HasPrefix(c.Table, "casefund_") }))
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
}

// TestMessages: both languages complete, and every key the templates and
// the code name has a message (printf-built keys expanded over their
// values).
func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(casefund.Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), casefund.Messages)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`\.T "([^"]+)"`)
	printf := regexp.MustCompile(`printf "(casefund\.[a-z_.]*)%s"`)
	values := map[string][]string{
		"casefund.kind.":   casefund.Kinds,
		"casefund.source.": {casefund.SourceStatement, casefund.SourceAPI},
		"casefund.payout.": {"amount", "paid_on", "payee_name", "payee_account", "payee_bank", "reference"},
	}
	err = fs.WalkDir(casefund.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(casefund.Templates, p)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range printf.FindAllStringSubmatch(string(b), -1) {
			vs, ok := values[m[1]]
			if !ok {
				t.Errorf("%s: printf key prefix %q has no known values", p, m[1])
			}
			for _, v := range vs {
				keys = append(keys, m[1]+v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, casefund.BasisFee, casefund.BasisCosts, casefund.BasisPrincipal, casefund.BasisInterest, casefund.BasisDelay,
		casefund.BasisProRata, casefund.BasisSurplus)
	// The code's message keys and field codes.
	msgKey := regexp.MustCompile(`"(casefund\.(?:error|flash)\.[a-z_]+)"`)
	fieldCode := regexp.MustCompile(`"(casefund_[a-z_]+[a-z])"`)
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, _ := os.ReadFile(e.Name())
		for _, m := range msgKey.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range fieldCode.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[1], "casefund_account") || m[1] == "casefund_account_number" {
				keys = append(keys, "field."+m[1])
			}
		}
	}
	// Generic field codes the code uses come from the platform bundle.
	for _, c := range []string{"required", "date", "format", "future", "too_long"} {
		keys = append(keys, "field."+c)
	}
	if len(keys) < 80 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("%s: no message", k)
		}
	}
}
