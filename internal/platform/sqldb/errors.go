package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite extended result codes (sqlite3.h).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintCheck  = 275
	sqliteConstraintFK     = 787
	sqliteConstraintNotNul = 1299
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// normalize maps driver errors of both dialects onto the platform's errors,
// keeping the driver error as the internal cause:
//
//   - no rows → not_found
//   - unique or primary-key violation → conflict
//   - foreign-key, not-null or check violation → invalid
//   - SQLite busy/locked, PostgreSQL serialization failure or deadlock,
//     connection loss → unavailable (the caller may retry)
func (db *DB) normalize(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.NotFound, "", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqliteConstraintUnique, sqliteConstraintPK:
			return errs.Wrap(errs.Conflict, "", err)
		case sqliteConstraintFK, sqliteConstraintNotNul, sqliteConstraintCheck:
			return errs.Wrap(errs.Invalid, "", err)
		}
		switch se.Code() & 0xff {
		case sqliteBusy, sqliteLocked:
			return errs.Wrap(errs.Unavailable, "", err)
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return errs.Wrap(errs.Conflict, "", err)
		case pe.Code == "23503", pe.Code == "23502", pe.Code == "23514", pe.Code == "22001", pe.Code == "22P02":
			return errs.Wrap(errs.Invalid, "", err)
		case pe.Code == "40001", pe.Code == "40P01", strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01":
			return errs.Wrap(errs.Unavailable, "", err)
		}
		return err
	}
	if errors.Is(err, sql.ErrConnDone) {
		return errs.Wrap(errs.Unavailable, "", err)
	}
	return err
}

// IsRetryable reports whether err is a transient conflict (busy database,
// serialization failure) after which the whole transaction may be retried.
func IsRetryable(err error) bool {
	return errs.CodeOf(err) == errs.Unavailable
}
