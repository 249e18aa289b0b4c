package app

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/pgtest"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// TestMigrationsSameOnBothDialects proves that every context's schema
// comes out with the same tables and columns on SQLite and PostgreSQL, and
// that each migration set has a twin for every number in both dialects.
func TestMigrationsSameOnBothDialects(t *testing.T) {
	t.Parallel()
	for _, set := range Migrations() {
		if err := sqldb.CheckSet(set); err != nil {
			t.Errorf("CheckSet(%s): %v", set.Name, err)
		}
	}
	ctx := context.Background()
	columns := func(url string) []sqldb.Column {
		t.Helper()
		db, err := sqldb.Open(ctx, url, sqldb.Options{})
		if err != nil {
			t.Fatalf("open %s: %v", url, err)
		}
		defer db.Close()
		if err := db.Migrate(ctx, Migrations()...); err != nil {
			t.Fatalf("migrate %s: %v", db.Dialect(), err)
		}
		// Migrating twice is a no-op.
		if err := db.Migrate(ctx, Migrations()...); err != nil {
			t.Fatalf("migrate again %s: %v", db.Dialect(), err)
		}
		cols, err := db.Columns(ctx)
		if err != nil {
			t.Fatalf("columns %s: %v", db.Dialect(), err)
		}
		if len(cols) == 0 {
			t.Fatalf("%s: no columns", db.Dialect())
		}
		return cols
	}
	lite := columns("sqlite://" + filepath.Join(t.TempDir(), "schema.db"))
	pg := columns(pgtest.Fresh(t))
	if diff := cmp.Diff(lite, pg); diff != "" {
		t.Errorf("schema differs between SQLite (-) and PostgreSQL (+):\n%s", diff)
	}
}

// TestCatalogComplete proves that every message bundle has every key in
// both languages and that every key the templates name literally (or
// through a printf prefix over known values) exists.
func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	if err := i18n.CheckComplete(bundles()...); err != nil {
		t.Fatal(err)
	}
	for i, b := range bundles() {
		if err := i18n.CheckComplete(b); err != nil {
			t.Errorf("bundle %d: %v", i, err)
		}
	}
	cat, err := i18n.New(bundles()...)
	if err != nil {
		t.Fatal(err)
	}
	keys := templateKeys(t)
	if len(keys) < 50 {
		t.Fatalf("found only %d template keys; the scan is broken", len(keys))
	}
	// CheckComplete above makes every key present in one language present
	// in all, so Has is enough here.
	for _, k := range keys {
		if !cat.Has(k.key) {
			t.Errorf("%s: key %q has no message", k.file, k.key)
		}
	}
}
