package court

import (
	"context"
	"database/sql"
	"errors"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The store loads and saves rows; it decides nothing.

const courtColumns = `id, code, name_zh, name_en, level, kind, parent_id, appeal_court_id,
	province, region_code, address, phone, active, valid_from, note, created_at, updated_at`

// loadCourts reads every court. CaseCode is left for the caller to fill.
func loadCourts(ctx context.Context, q sqldb.Querier) ([]Court, error) {
	rows, err := q.Query(ctx, `SELECT `+courtColumns+` FROM court_court`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Court
	for rows.Next() {
		var c Court
		var parent, appeal sql.NullString
		var validFrom string
		if err := rows.Scan(&c.ID, &c.Code, &c.NameZH, &c.NameEN, &c.Level, &c.Kind, &parent, &appeal,
			&c.Province, &c.RegionCode, &c.Address, &c.Phone, &c.Active, &validFrom, &c.Note,
			&c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, err
		}
		c.ParentID, c.AppealCourtID = parent.String, appeal.String
		if c.ValidFrom, err = calendar.ParseDate(validFrom); err != nil {
			return nil, errs.Wrap(errs.Internal, "", errors.Join(errors.New("court: bad valid_from of "+c.Code), err))
		}
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// insertCourt adds c unless a court with its code exists; it reports
// whether it inserted.
func insertCourt(ctx context.Context, tx *sqldb.Tx, c Court) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO court_court (`+courtColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO NOTHING`,
		c.ID, c.Code, c.NameZH, c.NameEN, string(c.Level), string(c.Kind), null(c.ParentID), null(c.AppealCourtID),
		c.Province, c.RegionCode, c.Address, c.Phone, c.Active, c.ValidFrom.String(), c.Note, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// updateCourt writes every field of c but its ID, code and created_at.
func updateCourt(ctx context.Context, tx *sqldb.Tx, c Court) error {
	_, err := tx.Exec(ctx, `UPDATE court_court SET name_zh = ?, name_en = ?, level = ?, kind = ?,
		parent_id = ?, appeal_court_id = ?, province = ?, region_code = ?, address = ?, phone = ?,
		active = ?, valid_from = ?, note = ?, updated_at = ? WHERE id = ?`,
		c.NameZH, c.NameEN, string(c.Level), string(c.Kind), null(c.ParentID), null(c.AppealCourtID),
		c.Province, c.RegionCode, c.Address, c.Phone, c.Active, c.ValidFrom.String(), c.Note, c.UpdatedAt, c.ID)
	return err
}

// datasetVersion returns the version of the named data set the database
// holds, "" if none.
func datasetVersion(ctx context.Context, q sqldb.Querier, name string) (string, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT version FROM court_dataset WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, errs.ErrNotFound) {
		return "", nil
	}
	return v, err
}

// putDataset records the version of a data set.
func putDataset(ctx context.Context, tx *sqldb.Tx, name, version string, effective calendar.Date) error {
	_, err := tx.Exec(ctx, `INSERT INTO court_dataset (name, version, effective, applied_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET version = excluded.version, effective = excluded.effective,
		applied_at = excluded.applied_at`, name, version, effective.String(), tx.Now)
	return err
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}
