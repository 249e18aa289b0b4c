package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

var testSet = sqldb.MigrationSet{Name: "t", FS: fstest.MapFS{
	"sqlite/0001_init.sql": {Data: []byte(`CREATE TABLE t_parent (id TEXT PRIMARY KEY, at TIMESTAMP NOT NULL);
		CREATE TABLE t_child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES t_parent (id), name TEXT NOT NULL UNIQUE, flag INTEGER NOT NULL DEFAULT 0);`)},
	"postgres/0001_init.sql": {Data: []byte(`CREATE TABLE t_parent (id TEXT PRIMARY KEY, at TIMESTAMPTZ NOT NULL);
		CREATE TABLE t_child (id TEXT PRIMARY KEY, parent_id TEXT NOT NULL REFERENCES t_parent (id), name TEXT NOT NULL UNIQUE, flag BOOLEAN NOT NULL DEFAULT FALSE);`)},
	"sqlite/0002_more.sql":   {Data: []byte(`ALTER TABLE t_parent ADD COLUMN note TEXT NOT NULL DEFAULT '';`)},
	"postgres/0002_more.sql": {Data: []byte(`ALTER TABLE t_parent ADD COLUMN note TEXT NOT NULL DEFAULT '';`)},
}}

func TestDialectsNormaliseErrorsAndCarryTheClock(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 456789123, time.UTC)
	clk := clock.NewFixed(at)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, []sqldb.MigrationSet{testSet}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		// Migrating again is a no-op.
		if err := db.Migrate(ctx, testSet); err != nil {
			t.Fatal(err)
		}
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if want := at.Truncate(time.Microsecond); !tx.Now.Equal(want) {
				t.Errorf("tx.Now = %v, want %v", tx.Now, want)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO t_parent (id, at) VALUES (?, ?)`, "p1", tx.Now); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO t_child (id, parent_id, name, flag) VALUES (?, ?, ?, ?)`, "c1", "p1", "a?b", true)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		var name string
		var flag bool
		// A question mark inside a string literal is not a placeholder.
		if err := db.QueryRow(ctx, `SELECT p.at, c.name, c.flag FROM t_parent p JOIN t_child c ON c.parent_id = p.id WHERE c.name = 'a?b' AND p.id = ?`, "p1").Scan(&got, &name, &flag); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at.Truncate(time.Microsecond)) || name != "a?b" || !flag {
			t.Errorf("got %v %q %v", got, name, flag)
		}
		cases := []struct {
			name string
			sql  string
			args []any
			want errs.Code
		}{
			{"unique", `INSERT INTO t_child (id, parent_id, name) VALUES (?, ?, ?)`, []any{"c2", "p1", "a?b"}, errs.Conflict},
			{"primary key", `INSERT INTO t_parent (id, at) VALUES (?, ?)`, []any{"p1", at}, errs.Conflict},
			{"foreign key", `INSERT INTO t_child (id, parent_id, name) VALUES (?, ?, ?)`, []any{"c3", "nobody", "x"}, errs.Invalid},
			{"not null", `INSERT INTO t_child (id, parent_id, name) VALUES (?, ?, NULL)`, []any{"c4", "p1"}, errs.Invalid},
		}
		for _, c := range cases {
			err := db.Tx(ctx, func(tx *sqldb.Tx) error { _, err := tx.Exec(ctx, c.sql, c.args...); return err })
			if got := errs.CodeOf(err); got != c.want {
				t.Errorf("%s: code = %q (%v), want %q", c.name, got, err, c.want)
			}
		}
		err = db.QueryRow(ctx, `SELECT name FROM t_child WHERE id = ?`, "none").Scan(&name)
		if !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("no row: got %v, want not_found", err)
		}
		// A failed transaction leaves nothing behind; AfterCommit runs only on commit.
		ran := false
		err = db.Tx(ctx, func(tx *sqldb.Tx) error {
			tx.AfterCommit(func() { ran = true })
			if _, err := tx.Exec(ctx, `INSERT INTO t_parent (id, at) VALUES (?, ?)`, "p2", tx.Now); err != nil {
				return err
			}
			return errs.New(errs.Invalid, "x")
		})
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM t_parent WHERE id = 'p2'`).Scan(&n)
		if err == nil || n != 0 || ran {
			t.Errorf("rolled back tx: err=%v rows=%d afterCommit ran=%v", err, n, ran)
		}
		db.Tx(ctx, func(tx *sqldb.Tx) error { tx.AfterCommit(func() { ran = true }); return nil })
		if !ran {
			t.Error("AfterCommit did not run after a commit")
		}
		cols, err := db.Columns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"t_parent.id": true, "t_parent.at": true, "t_parent.note": true, "t_child.flag": true}
		for _, c := range cols {
			delete(want, c.Table+"."+c.Name)
		}
		if len(want) > 0 {
			t.Errorf("Columns misses %v", want)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCheckSet(t *testing.T) {
	if err := sqldb.CheckSet(testSet); err != nil {
		t.Fatal(err)
	}
	bad := sqldb.MigrationSet{Name: "bad", FS: fstest.MapFS{
		"sqlite/0001_a.sql": {Data: []byte("SELECT 1;")}, "sqlite/0002_b.sql": {Data: []byte("SELECT 1;")},
		"postgres/0001_a.sql": {Data: []byte("SELECT 1;")},
	}}
	if err := sqldb.CheckSet(bad); err == nil {
		t.Fatal("CheckSet accepted a set whose dialects differ")
	}
}

func TestRebind(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, "sqlite::memory:", sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Rebind("SELECT ?"); got != "SELECT ?" {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
}

func TestOpenRejectsUnknownURLs(t *testing.T) {
	for _, u := range []string{"mysql://x", "", "sqlite://"} {
		if _, err := sqldb.Open(context.Background(), u, sqldb.Options{}); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
	if _, err := sqldb.Open(context.Background(), "sqlite:///tmp/x.db", sqldb.Options{Synchronous: "OFF"}); err == nil {
		t.Error("synchronous=OFF accepted")
	}
}

// TestSQLitePathWithURICharacters opens a database in a directory whose
// name holds '#' and '%' (t.TempDir of a subtest "sqlite#01"): the
// file must be created there, not at a path cut at the '#'.
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#01 b%20c")
	path := filepath.Join(dir, "x.db")
	db, err := sqldb.Open(context.Background(), "sqlite://"+path, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		_, err := tx.Exec(context.Background(), "CREATE TABLE t (x INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at %s: %v", path, err)
	}
}
