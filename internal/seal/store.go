package seal

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

const certColumns = `id, kind, court_id, court_code, subject, serial, fingerprint, algorithm,
	not_before, not_after, status, cert_pem, created_at, retired_at`

type scanner interface{ Scan(dest ...any) error }

func scanCert(r scanner) (Certificate, error) {
	var c Certificate
	var retired sql.NullTime
	err := r.Scan(&c.ID, &c.Kind, &c.CourtID, &c.CourtCode, &c.Name, &c.Serial, &c.Fingerprint, &c.Algorithm,
		&c.NotBefore, &c.NotAfter, &c.Status, &c.PEM, &c.CreatedAt, &retired)
	if err != nil {
		return Certificate{}, err
	}
	c.NotBefore, c.NotAfter, c.CreatedAt = c.NotBefore.UTC(), c.NotAfter.UTC(), c.CreatedAt.UTC()
	if retired.Valid {
		t := retired.Time.UTC()
		c.RetiredAt = &t
	}
	blk, _ := pem.Decode([]byte(c.PEM))
	if blk == nil {
		return Certificate{}, fmt.Errorf("seal: certificate %s: no PEM", c.ID)
	}
	if c.cert, err = x509.ParseCertificate(blk.Bytes); err != nil {
		return Certificate{}, fmt.Errorf("seal: certificate %s: %w", c.ID, err)
	}
	return c, nil
}

func insertCert(ctx context.Context, tx *sqldb.Tx, c Certificate) error {
	_, err := tx.Exec(ctx, `INSERT INTO seal_certificate (`+certColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Kind, c.CourtID, c.CourtCode, c.Name, c.Serial, c.Fingerprint, c.Algorithm,
		c.NotBefore.UTC(), c.NotAfter.UTC(), c.Status, c.PEM, c.CreatedAt.UTC(), nil)
	return err
}

// insertRootIfAbsent records the root unless a row with its fingerprint
// (or another active root) is there already, and reports whether it did.
func insertRootIfAbsent(ctx context.Context, tx *sqldb.Tx, c Certificate) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO seal_certificate (`+certColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		c.ID, c.Kind, c.CourtID, c.CourtCode, c.Name, c.Serial, c.Fingerprint, c.Algorithm,
		c.NotBefore.UTC(), c.NotAfter.UTC(), c.Status, c.PEM, c.CreatedAt.UTC(), nil)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func notFound() error { return errs.New(errs.NotFound, "seal.error.no_seal") }

func oneCert(r *sqldb.Row) (Certificate, error) {
	c, err := scanCert(r)
	if err == sql.ErrNoRows || errs.CodeOf(err) == errs.NotFound {
		return Certificate{}, notFound()
	}
	return c, err
}

func activeCert(ctx context.Context, q sqldb.Querier, kind Kind, courtID string) (Certificate, error) {
	return oneCert(q.QueryRow(ctx, `SELECT `+certColumns+` FROM seal_certificate
		WHERE kind = ? AND court_id = ? AND status = 'active'`, kind, courtID))
}

// lockActive loads the active certificate inside tx for update (PostgreSQL
// row lock; SQLite serialises writers anyway).
func lockActive(ctx context.Context, tx *sqldb.Tx, kind Kind, courtID string) (Certificate, error) {
	q := `SELECT ` + certColumns + ` FROM seal_certificate WHERE kind = ? AND court_id = ? AND status = 'active'`
	if tx.Dialect() == sqldb.Postgres {
		q += ` FOR UPDATE`
	}
	return oneCert(tx.QueryRow(ctx, q, kind, courtID))
}

func certByFingerprint(ctx context.Context, q sqldb.Querier, fp string) (Certificate, error) {
	return oneCert(q.QueryRow(ctx, `SELECT `+certColumns+` FROM seal_certificate WHERE fingerprint = ?`, fp))
}

func listCerts(ctx context.Context, q sqldb.Querier, courtID string) ([]Certificate, error) {
	rows, err := q.Query(ctx, `SELECT `+certColumns+` FROM seal_certificate
		WHERE kind = 'court' AND court_id = ? ORDER BY created_at, id`, courtID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func retireCert(ctx context.Context, tx *sqldb.Tx, id string, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE seal_certificate SET status = 'retired', retired_at = ? WHERE id = ?`, at.UTC(), id)
	return err
}
