package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a write transaction. Now is the transaction's time, taken once from
// the DB's clock (UTC, truncated to microseconds so both dialects store the
// same value). Functions registered with AfterCommit run after a successful
// commit, in order; they must not fail the change (it is already durable).
type Tx struct {
	tx          *sql.Tx
	db          *DB
	Now         time.Time
	afterCommit []func()
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.stmt(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, tx.db.normalize(err)
	}
	res, err := tx.tx.ExecContext(ctx, tx.db.Rebind(query), args...)
	return res, tx.db.normalize(err)
}

// stmt binds the cached prepared statement of query to the transaction
// (SQLite only; see stmtcache.go), or returns nil.
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if tx.db.stmts == nil {
		return nil
	}
	if st := tx.db.stmts.writerStmt(query); st != nil {
		return tx.tx.StmtContext(ctx, st)
	}
	return nil
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	if st := tx.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, tx.db.normalize(err)
		}
		return &Rows{Rows: rows, db: tx.db}, nil
	}
	rows, err := tx.tx.QueryContext(ctx, tx.db.Rebind(query), args...)
	if err != nil {
		return nil, tx.db.normalize(err)
	}
	return &Rows{Rows: rows, db: tx.db}, nil
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if st := tx.stmt(ctx, query); st != nil {
		return &Row{row: st.QueryRowContext(ctx, args...), db: tx.db}
	}
	return &Row{row: tx.tx.QueryRowContext(ctx, tx.db.Rebind(query), args...), db: tx.db}
}

// Dialect returns the dialect of the transaction's database.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// AfterCommit registers fn to run after the transaction commits.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// maxAttempts bounds retries of a transaction that hit a transient conflict.
const maxAttempts = 5

// Tx runs fn in a write transaction and commits it when fn returns nil.
// On SQLite, concurrent calls are committed together (group commit: each in
// its own savepoint, one fsync for the batch; see group.go); Tx returns only
// once the change is durable, and a failing fn affects no other caller's.
// A transaction that fails with a transient conflict (SQLite busy,
// PostgreSQL serialization failure or deadlock) is retried from the start a
// few times, so fn must not have effects outside the transaction other than
// through AfterCommit. The error fn returns is returned unchanged.
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if db.group != nil {
			err = db.group.submit(ctx, fn)
		} else {
			err = db.runTx(ctx, fn)
		}
		if err == nil || !IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
	return err
}

func (db *DB) runTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.ckpt != nil {
		db.ckpt.beforeWrite(ctx, db.w)
	}
	stx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.normalize(fmt.Errorf("sqldb: begin: %w", err))
	}
	tx := &Tx{tx: stx, db: db, Now: db.clock.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := stx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	if err := stx.Commit(); err != nil {
		return db.normalize(fmt.Errorf("sqldb: commit: %w", err))
	}
	if db.ckpt != nil {
		db.ckpt.noteWrite()
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// Now returns the clock's time in the form a transaction would store.
func (db *DB) Now() time.Time { return db.clock.Now().UTC().Truncate(time.Microsecond) }
