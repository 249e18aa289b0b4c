// Package sqldbtest opens real databases for tests: a SQLite file in a
// temporary directory always, and a fresh PostgreSQL database as well when
// the test environment names a server (ECOURT_TEST_POSTGRES, set by
// scripts/test.sh). Never mock the database.
package sqldbtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/pgtest"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Options tune the opened databases.
type Options struct {
	Clock clock.Clock
	// Synchronous is SQLite's synchronous pragma; tests default to NORMAL
	// (fast), benchmarks of the durable default pass "FULL".
	Synchronous string
}

// OpenSQLite opens a migrated SQLite database in t.TempDir().
func OpenSQLite(t testing.TB, opts Options, sets ...sqldb.MigrationSet) *sqldb.DB {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	return open(t, url, opts, sets)
}

// OpenPostgres opens a migrated, freshly created PostgreSQL database; it
// skips the test when no server is configured (and fails under CI=true).
func OpenPostgres(t testing.TB, opts Options, sets ...sqldb.MigrationSet) *sqldb.DB {
	t.Helper()
	return open(t, pgtest.Fresh(t), opts, sets)
}

func open(t testing.TB, url string, opts Options, sets []sqldb.MigrationSet) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	sync := opts.Synchronous
	if sync == "" {
		sync = "NORMAL"
	}
	db, err := sqldb.Open(ctx, url, sqldb.Options{Clock: opts.Clock, Synchronous: sync})
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, sets...); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// PostgresConfigured reports whether a PostgreSQL server is configured.
func PostgresConfigured() bool { return os.Getenv("ECOURT_TEST_POSTGRES") != "" }

// ForEach runs fn as a subtest on SQLite and, when a server is configured,
// on PostgreSQL ("sqlite" and "postgres" subtests), each on a fresh migrated
// database.
func ForEach(t *testing.T, opts Options, sets []sqldb.MigrationSet, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t, opts, sets...)) })
	if PostgresConfigured() || os.Getenv("CI") == "true" {
		t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, opts, sets...)) })
	}
}
