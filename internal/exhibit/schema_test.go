package exhibit_test

import (
	"context"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestSchemaSameInBothDialects(t *testing.T) {
	if err := sqldb.CheckSet(exhibit.Migrations); err != nil {
		t.Error(err)
	}
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.DeleteFunc(cols, func(c sqldb.Column) bool { return !strings.HasPrefix(c.Table, "exhibit_") }))
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
}

// TestMessages: both languages complete, and every key the templates and
// the code name has a message (printf-built keys expanded over their
// values).
func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(exhibit.Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), exhibit.Messages)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`\.T "([^"]+)"`)
	printf := regexp.MustCompile(`printf "(exhibit\.[a-z_.]*)%s"`)
	stances := []string{}
	for _, s := range exhibit.Stances {
		stances = append(stances, string(s))
	}
	values := map[string][]string{
		"exhibit.exchange.state.": {"upcoming", "open", "closed"},
		"exhibit.kind.":           filing.Kinds,
		"exhibit.mark.":           {exhibit.MarkDisputed, exhibit.MarkUndisputed, "none"},
		"exhibit.point.":          exhibit.Points,
		"exhibit.stance.":         stances,
	}
	err = fs.WalkDir(exhibit.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(exhibit.Templates, p)
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
	// The code's error keys and field codes.
	errKey := regexp.MustCompile(`"(exhibit\.(?:error|flash)\.[a-z_]+)"`)
	fieldCode := regexp.MustCompile(`"(exhibit_[a-z_]+[a-z])"`)
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, _ := os.ReadFile(e.Name())
		for _, m := range errKey.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range fieldCode.FindAllStringSubmatch(string(b), -1) {
			if m[1] != "exhibit_id" {
				keys = append(keys, "field."+m[1])
			}
		}
	}
	for _, c := range append(slices.Clone(exhibit.Conditions), exhibit.CondProcedure) {
		keys = append(keys, "field.exhibit_missing_"+c)
	}
	if len(keys) < 60 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("%s: no message", k)
		}
	}
}
