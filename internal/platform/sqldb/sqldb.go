// Package sqldb opens the platform's relational database — SQLite (the
// single-machine default, modernc.org/sqlite, pure Go) or PostgreSQL (pgx) —
// and is the one dialect seam. Stores write portable SQL with "?"
// placeholders; sqldb rebinds them for PostgreSQL, normalises driver errors
// into the platform's errors (package errs), and runs every write in a
// transaction that carries the time taken once from the injected clock.
//
// SQLite is opened with WAL, foreign keys, a busy timeout, one writer
// connection (BEGIN IMMEDIATE) and a pool of query-only readers. It uses
// synchronous=FULL by default: an acknowledged filing must survive a power
// loss, and in WAL mode NORMAL may lose the last commits on power failure
// (it stays consistent, but not durable). Set Options.Synchronous to
// "NORMAL" only where losing the last transactions is acceptable.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL dialect of a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune Open. The zero value is valid.
type Options struct {
	// Clock gives each transaction its time; default clock.System.
	Clock clock.Clock
	// Synchronous is SQLite's synchronous pragma: "FULL" (default) or "NORMAL".
	Synchronous string
	// ReadConns is the size of the reader pool (default max(4, 2*GOMAXPROCS)).
	ReadConns int
	// WriteConns is the PostgreSQL pool size (default 20). SQLite always has one writer.
	WriteConns int
	// NoGroupCommit makes every SQLite transaction commit on its own instead
	// of in batches with concurrent ones (see group.go).
	NoGroupCommit bool
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	w       *sql.DB // the writer: one connection on SQLite
	r       *sql.DB // readers: query-only on SQLite; the same pool as w on PostgreSQL
	clock   clock.Clock
	path    string // SQLite file path
	url     string
	group   *committer    // SQLite group commit; nil on PostgreSQL
	stmts   *stmtCache    // SQLite prepared statements; nil on PostgreSQL
	ckpt    *checkpointer // SQLite file databases: background checkpoints
}

// Open opens the database named by rawURL: "sqlite:///abs/path.db",
// "sqlite://relative/path.db", "sqlite::memory:" (tests), or
// "postgres://…" / "postgresql://…". It checks connectivity before returning.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL, opts)
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, rawURL, opts)
	default:
		return nil, fmt.Errorf("sqldb: unsupported database URL %q (want sqlite:// or postgres://)", redact(rawURL))
	}
}

// SQLitePath returns the file path of a sqlite:// URL.
func SQLitePath(rawURL string) string {
	p := strings.TrimPrefix(rawURL, "sqlite:")
	p = strings.TrimPrefix(p, "//")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func openSQLite(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	path := SQLitePath(rawURL)
	if path == "" {
		return nil, fmt.Errorf("sqldb: empty SQLite path in %q", rawURL)
	}
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("sqldb: %w", err)
		}
	}
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" && sync != "EXTRA" {
		return nil, fmt.Errorf("sqldb: synchronous must be FULL, NORMAL or EXTRA, not %q", opts.Synchronous)
	}
	// A file: URI: '%', '?' and '#' in the path are percent-encoded, or
	// SQLite would read a directory called "Test#01" as a fragment.
	base := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if memory {
		// A shared in-memory database so the writer and readers see the same data.
		base = fmt.Sprintf("file:mem%d?mode=memory&cache=shared", time.Now().UnixNano())
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_time_format", "sqlite")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	// The one writer keeps a larger page cache (64 MiB instead of SQLite's
	// 2 MiB): every write transaction descends the same hot B-trees, and a
	// court's database soon outgrows 2 MiB, turning each descent into reads.
	wq.Add("_pragma", "cache_size(-65536)")
	// Temporary files in memory: above all the statement journal of the
	// group commit's savepoints (group.go), which otherwise spills to a
	// temporary file after 64 KiB — a file created, written and deleted
	// for most transactions of a batch (9 % of a filing's CPU, measured).
	// What it holds is bounded by the pages one transaction changes.
	wq.Add("_pragma", "temp_store(memory)")
	if !memory {
		// Checkpoints run on their own connection (checkpoint.go).
		wq.Add("_pragma", "wal_autocheckpoint(0)")
	}
	w, err := sql.Open("sqlite", base+sep+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqldb: open %s: %w", path, err)
	}
	rq := url.Values{}
	for k, v := range q {
		rq[k] = v
	}
	rq.Add("_pragma", "query_only(1)")
	rq.Add("_pragma", "cache_size(-16384)") // 16 MiB per reader
	r, err := sql.Open("sqlite", base+sep+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	n := opts.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{dialect: SQLite, w: w, r: r, clock: opts.Clock, path: path, url: rawURL}
	db.stmts = &stmtCache{}
	if !memory {
		c, err := sql.Open("sqlite", base+sep+q.Encode())
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("sqldb: %w", err)
		}
		c.SetMaxOpenConns(1)
		c.SetMaxIdleConns(1)
		c.SetConnMaxIdleTime(0)
		c.SetConnMaxLifetime(0)
		db.ckpt = newCheckpointer(c)
	}
	if !opts.NoGroupCommit {
		db.group = newCommitter(db)
	}
	return db, nil
}

func openPostgres(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	p, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("sqldb: %w", err)
	}
	n := opts.WriteConns
	if n <= 0 {
		n = 20
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("sqldb: connect to %s: %w", redact(rawURL), err)
	}
	return &DB{dialect: Postgres, w: p, r: p, clock: opts.Clock, url: rawURL}, nil
}

// redact hides a password in a database URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect returns the database's dialect.
func (db *DB) Dialect() Dialect { return db.dialect }

// Clock returns the clock that stamps transactions.
func (db *DB) Clock() clock.Clock { return db.clock }

// SQLitePath returns the database file of a SQLite DB, or "".
func (db *DB) SQLitePath() string { return db.path }

// Close closes every pool.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	if db.stmts != nil {
		db.stmts.close()
	}
	if db.ckpt != nil {
		db.ckpt.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return errs.Wrap(errs.Unavailable, "error.unavailable", err)
	}
	return nil
}

// Querier runs statements. Both *DB (reads, on the reader pool) and *Tx
// implement it, so store functions can take either.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *Row
	Dialect() Dialect
}

// Exec runs a statement outside any transaction on the writer. Prefer
// DB.Tx for changes; Exec is for maintenance statements.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.w.ExecContext(ctx, db.Rebind(query), args...)
	return res, db.normalize(err)
}

// Query runs a read on the reader pool.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	if st := db.readStmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, db.normalize(err)
		}
		return &Rows{Rows: rows, db: db}, nil
	}
	rows, err := db.r.QueryContext(ctx, db.Rebind(query), args...)
	if err != nil {
		return nil, db.normalize(err)
	}
	return &Rows{Rows: rows, db: db}, nil
}

// QueryRow runs a single-row read on the reader pool. Its Scan returns an
// errs.NotFound error when there is no row.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if st := db.readStmt(ctx, query); st != nil {
		return &Row{row: st.QueryRowContext(ctx, args...), db: db}
	}
	return &Row{row: db.r.QueryRowContext(ctx, db.Rebind(query), args...), db: db}
}

// readStmt returns the cached prepared statement of a read on SQLite.
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if db.stmts == nil {
		return nil
	}
	return db.stmts.reader(ctx, db.r, query)
}

// Rows wraps *sql.Rows so that iteration errors are normalised.
type Rows struct {
	*sql.Rows
	db *DB
}

// Err returns the normalised iteration error.
func (r *Rows) Err() error { return r.db.normalize(r.Rows.Err()) }

// Row wraps *sql.Row.
type Row struct {
	row *sql.Row
	db  *DB
}

// Scan copies the row's columns into dest. No row gives an errs.NotFound error.
func (r *Row) Scan(dest ...any) error { return r.db.normalize(r.row.Scan(dest...)) }

// Rebind turns "?" placeholders into the dialect's form ($1, $2, … on
// PostgreSQL). Question marks inside quoted strings and identifiers are kept.
func (db *DB) Rebind(query string) string {
	if db.dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
