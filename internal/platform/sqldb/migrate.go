package sqldb

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// MigrationSet is one context's schema history: FS holds the folders
// "sqlite" and "postgres", each with numbered files "0001_name.sql",
// "0002_name.sql", … The two folders must have the same numbers (a test in
// every context checks it with CheckSet). Files are append-only: never edit
// an applied migration, add a new one.
type MigrationSet struct {
	Name string // the context that owns the tables, e.g. "identity"
	FS   fs.FS
}

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) loadSet(set MigrationSet, dialect Dialect) ([]migration, error) {
	dir := string(dialect)
	entries, err := fs.ReadDir(set.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqldb: migrations %s/%s: %w", set.Name, dir, err)
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqldb: migration %s/%s/%s: name must start with a number and '_'", set.Name, dir, e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqldb: migration %s/%s: %s and %s share number %d", set.Name, dir, prev, e.Name(), v)
		}
		seen[v] = e.Name()
		b, err := fs.ReadFile(set.FS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// CheckSet verifies that a set's two dialect folders hold the same migration
// numbers. Contexts call it from a test.
func CheckSet(set MigrationSet) error {
	db := &DB{}
	a, err := db.loadSet(set, SQLite)
	if err != nil {
		return err
	}
	b, err := db.loadSet(set, Postgres)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("sqldb: %s has %d sqlite and %d postgres migrations", set.Name, len(a), len(b))
	}
	for i := range a {
		if a[i].version != b[i].version {
			return fmt.Errorf("sqldb: %s: sqlite migration %s has no postgres twin (%s)", set.Name, a[i].name, b[i].name)
		}
	}
	return nil
}

// Migrate applies the sets' pending migrations in order, each in its own
// transaction, recording them in schema_migrations. Sets must be given in
// dependency order (a set may reference tables of earlier sets). On
// PostgreSQL an advisory lock keeps concurrent starters from racing.
func (db *DB) Migrate(ctx context.Context, sets ...MigrationSet) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		set_name TEXT NOT NULL,
		version INTEGER NOT NULL,
		name TEXT NOT NULL,
		PRIMARY KEY (set_name, version))`); err != nil {
		return fmt.Errorf("sqldb: create schema_migrations: %w", db.normalize(err))
	}
	if db.dialect == Postgres {
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return db.normalize(err)
		}
		defer conn.Close()
		h := fnv.New64a()
		h.Write([]byte("ecourt.migrate"))
		key := int64(h.Sum64() >> 1)
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
			return db.normalize(err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
	}
	for _, set := range sets {
		ms, err := db.loadSet(set, db.dialect)
		if err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := db.w.QueryContext(ctx, db.Rebind("SELECT version FROM schema_migrations WHERE set_name = ?"), set.Name)
		if err != nil {
			return db.normalize(err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		rows.Close()
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			err := db.runTx(ctx, func(tx *Tx) error {
				if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (set_name, version, name) VALUES (?, ?, ?)", set.Name, m.version, m.name)
				return err
			})
			if err != nil {
				return fmt.Errorf("sqldb: migration %s/%s/%s: %w", set.Name, db.dialect, m.name, err)
			}
		}
	}
	return nil
}

// Column describes one column for schema comparison.
type Column struct {
	Table, Name string
}

// Columns lists every table and column of the schema (excluding SQLite's
// internal tables), sorted. Tests compare the two dialects with it.
func (db *DB) Columns(ctx context.Context) ([]Column, error) {
	var q string
	if db.dialect == SQLite {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2`
	} else {
		q = `SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY 1, 2`
	}
	rows, err := db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Table, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Embedded returns the MigrationSet of a context whose embed.FS holds the
// folder "migrations" (with "sqlite" and "postgres" inside). It panics if
// the folder is missing, which the context's CheckSet test catches.
func Embedded(name string, fsys fs.FS) MigrationSet {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		panic(err)
	}
	return MigrationSet{Name: name, FS: sub}
}
