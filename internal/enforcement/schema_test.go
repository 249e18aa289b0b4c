package enforcement_test

import (
	"context"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestSchemaSameInBothDialects(t *testing.T) {
	if err := sqldb.CheckSet(enforcement.Migrations); err != nil {
		t.Error(err)
	}
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.DeleteFunc(cols, func(c sqldb.Column) bool { return !strings.HasPrefix(c.Table, "enforcement_") }))
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
}

// TestMessages: both languages complete, and every key the templates and
// the code name has a message (printf-built keys expanded over their
// values).
func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(enforcement.Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), enforcement.Messages)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`\.T "([^"]+)"`)
	printf := regexp.MustCompile(`printf "((?:enforcement|field)\.[a-z_.]*)%s"`)
	values := map[string][]string{
		"enforcement.lead_kind.":  enforcement.LeadKinds,
		"enforcement.lead_state.": {enforcement.LeadPending, enforcement.LeadAccepted, enforcement.LeadActedOn, enforcement.LeadRejected},
		"enforcement.file_kind.":  {"pdf", "jpeg", "png", "mp4"},
		"enforcement.field.":      enforcement.DefaultCatalogue().FieldNames,
		"enforcement.type.":       enforcement.ApplicationTypes,
		"enforcement.title_kind.": {"judgment", "ruling", "mediation", "judicial_confirmation", "notarised_debt", "arbitral_award"},
		"enforcement.app_state.":  {enforcement.AppSubmitted, enforcement.AppAccepted, enforcement.AppRejected},
		"enforcement.side.":       {enforcement.SideCreditor, enforcement.SideDebtor},
		"enforcement.apply.":      {"title_number", "title_issuer", "cause", "effective", "due"},
		"field.":                  nil, // form input names, not messages
		"answer:":                 nil,
	}
	err = fs.WalkDir(enforcement.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(enforcement.Templates, p)
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
	errKey := regexp.MustCompile(`"(enforcement\.(?:error|flash)\.[a-z_]+)"`)
	fieldCode := regexp.MustCompile(`"(enforcement_[a-z_]+[a-z])"`)
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
			keys = append(keys, "field."+m[1])
		}
	}
	for _, typ := range enforcement.TimelineTypes {
		keys = append(keys, "casefile.event."+typ)
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("%s: no message", k)
		}
	}
}
