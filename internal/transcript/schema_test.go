package transcript_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/transcript"
)

func TestSchemaSameInBothDialects(t *testing.T) {
	if err := sqldb.CheckSet(transcript.Migrations); err != nil {
		t.Error(err)
	}
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.DeleteFunc(cols, func(c sqldb.Column) bool { return !strings.HasPrefix(c.Table, "transcript_") }))
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
}

// TestMessages: both languages complete, and every key the templates and
// the code name has a message.
func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(transcript.Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), transcript.Messages)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	literal := regexp.MustCompile(`\.T "([^"]+)"`)
	err = fs.WalkDir(transcript.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(transcript.Templates, p)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "printf") {
			t.Errorf("%s builds a message key with printf", p)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range transcript.States {
		keys = append(keys, s.Key(), "transcript.error.state_"+string(s))
	}
	for _, s := range transcript.SignerStates {
		keys = append(keys, s.Key())
	}
	keys = append(keys, "transcript.error.already_signed", "transcript.error.already_refused")
	for _, k := range transcript.MarkKinds {
		keys = append(keys, k.Key())
	}
	// Keys and field codes named in the code.
	named := regexp.MustCompile(`"(transcript\.(?:error|flash)\.[a-z_]*[a-z])"`)
	field := regexp.MustCompile(`fieldErr\([^,]+, "([a-z_]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range named.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range field.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, "transcript.field."+m[1])
		}
	}
	if len(keys) < 80 {
		t.Fatalf("found only %d keys", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message for %q", k)
		}
	}
}
