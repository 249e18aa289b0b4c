package document_test

import (
	"context"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/seal"
)

func TestSchemaSameInBothDialects(t *testing.T) {
	if err := sqldb.CheckSet(document.Migrations); err != nil {
		t.Error(err)
	}
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.DeleteFunc(cols, func(c sqldb.Column) bool { return !strings.HasPrefix(c.Table, "documents_") }))
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
}

// TestMessages: both languages complete, and every key the templates and
// the code name has a message.
func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(document.Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), document.Messages, seal.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`\.T "([^"]+)"`)
	err = fs.WalkDir(document.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(document.Templates, p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "printf") {
			t.Errorf("%s builds a message key with printf: the app's catalogue test cannot check it", p)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d template keys", len(keys))
	}
	for _, k := range document.Kinds {
		keys = append(keys, document.KindKey(k))
	}
	for _, s := range []document.Status{document.StatusValid, document.StatusInvalid, document.StatusNotIssued} {
		keys = append(keys, "document.status."+string(s))
	}
	for _, p := range []seal.Problem{seal.ProblemNotPDF, seal.ProblemUnsigned, seal.ProblemMalformed, seal.ProblemModified,
		seal.ProblemBadSignature, seal.ProblemUntrusted, seal.ProblemRetired} {
		keys = append(keys, "seal.problem."+string(p))
	}
	keys = append(keys, "casefile.event.document.issued", "document.field.code_format", "document.field.code_checksum",
		"document.field.code_not_reserved", "document.field.code_used", "document.field.court_mismatch", "document.field.not_pdf",
		"document.field.file_not_pdf", "document.field.file_too_large", "document.field.file_required",
		"document.error.not_found", "document.error.code_unknown", "document.error.key_reused")
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message for %q", k)
		}
	}
	if document.KindKey("writ_of_something") != "document.kind.other" {
		t.Error("an unknown kind is not shown as other")
	}
}
