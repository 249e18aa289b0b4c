package blob

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// inlineTestMax is small so that the conformance suite's contents take both
// paths: "hello" and "起诉状\n" stay inline, the larger ones go to files.
const inlineTestMax = 16

func TestInline(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testStore(t, func(t *testing.T, opts Options) Store {
			return newInlineTest(t, sqldbtest.OpenSQLite(t, sqldbtest.Options{}, Migrations), opts)
		})
	})
	if sqldbtest.PostgresConfigured() || os.Getenv("CI") == "true" {
		t.Run("postgres", func(t *testing.T) {
			testStore(t, func(t *testing.T, opts Options) Store {
				return newInlineTest(t, sqldbtest.OpenPostgres(t, sqldbtest.Options{}, Migrations), opts)
			})
		})
	}
}

func newInlineTest(t *testing.T, db *sqldb.DB, opts Options) *Inline {
	t.Helper()
	large, err := NewLocal(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return NewInline(db, large, inlineTestMax, opts)
}

// TestInlinePlacement checks where each blob goes: up to the limit into the
// database and no file, above it into a file and no row; and that a blob
// stored inline is read back after the database is reopened.
func TestInlinePlacement(t *testing.T) {
	sqldbtest.ForEach(t, sqldbtest.Options{}, []sqldb.MigrationSet{Migrations}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		dir := t.TempDir()
		large, err := NewLocal(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := NewInline(db, large, inlineTestMax, Options{})
		small := strings.Repeat("a", inlineTestMax)
		big := strings.Repeat("b", inlineTestMax+1)
		rs, err := s.Put(ctx, strings.NewReader(small))
		if err != nil {
			t.Fatal(err)
		}
		rb, err := s.Put(ctx, strings.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM blob_inline WHERE sha256 = ?`, rs.SHA256).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("inline rows for the small blob = %d, %v; want 1", rows, err)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM blob_inline WHERE sha256 = ?`, rb.SHA256).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("inline rows for the large blob = %d, %v; want 0", rows, err)
		}
		if _, err := large.Stat(ctx, rs.SHA256); err == nil {
			t.Errorf("the small blob is also a file")
		}
		if _, err := large.Stat(ctx, rb.SHA256); err != nil {
			t.Errorf("the large blob is not a file: %v", err)
		}
		files := 0
		filepath.WalkDir(filepath.Join(dir, "sha256"), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files++
			}
			return nil
		})
		if files != 1 {
			t.Errorf("files in the large store = %d, want 1", files)
		}
		if got := readAll(t, s, rs.SHA256); got != small {
			t.Errorf("small blob read back = %q", got)
		}
		if got := readAll(t, s, rb.SHA256); got != big {
			t.Errorf("large blob read back = %q", got)
		}
	})
	t.Run("reopen", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "ecourt.db")
		db, err := sqldb.Open(ctx, "sqlite://"+path, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, Migrations); err != nil {
			t.Fatal(err)
		}
		large, err := NewLocal(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := NewInline(db, large, 0, Options{}).Put(ctx, strings.NewReader("送达回证"))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		db, err = sqldb.Open(ctx, "sqlite://"+path, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := readAll(t, NewInline(db, large, 0, Options{}), ref.SHA256); got != "送达回证" {
			t.Errorf("after reopening: %q", got)
		}
	})
}
