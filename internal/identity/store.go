package identity

import (
	"context"
	"database/sql"
	"time"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

const accountCols = `id, login, mobile, display_name, lang, elderly, kind, verification, real_name, id_type, id_number,
	org_name, legal_rep, verified_at, created_at`

func scanAccount(row interface{ Scan(...any) error }) (Account, error) {
	var a Account
	var verifiedAt sql.NullTime
	err := row.Scan(&a.ID, &a.Login, &a.Mobile, &a.DisplayName, &a.Lang, &a.Elderly, &a.Kind, &a.Verification,
		&a.RealName, &a.IDType, &a.IDNumber, &a.OrgName, &a.LegalRep, &verifiedAt, &a.CreatedAt)
	if verifiedAt.Valid {
		t := verifiedAt.Time
		a.VerifiedAt = &t
	}
	return a, err
}

func findAccount(ctx context.Context, q sqldb.Querier, where string, args ...any) (Account, error) {
	a, err := scanAccount(q.QueryRow(ctx, `SELECT `+accountCols+` FROM identity_account WHERE `+where, args...))
	if err != nil {
		return Account{}, err
	}
	a.Grants, err = loadGrants(ctx, q, a.ID)
	return a, err
}

func loadGrants(ctx context.Context, q sqldb.Querier, accountID string) ([]auth.Grant, error) {
	rows, err := q.Query(ctx, `SELECT court_id, role, licence FROM identity_grant WHERE account_id = ? ORDER BY court_id, role`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auth.Grant
	for rows.Next() {
		var g auth.Grant
		if err := rows.Scan(&g.CourtID, &g.Role, &g.Licence); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func insertAccount(ctx context.Context, tx *sqldb.Tx, a Account, pwHash string) error {
	_, err := tx.Exec(ctx, `INSERT INTO identity_account (id, login, mobile, password_hash, display_name, lang, elderly, kind,
		verification, real_name, id_type, id_number, org_name, legal_rep, verified_at, failed_logins, locked_until, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)`,
		a.ID, a.Login, a.Mobile, pwHash, a.DisplayName, a.Lang, a.Elderly, a.Kind, a.Verification, a.RealName, a.IDType,
		a.IDNumber, a.OrgName, a.LegalRep, a.VerifiedAt, tx.Now, tx.Now)
	return err
}

func insertGrant(ctx context.Context, tx *sqldb.Tx, accountID string, g auth.Grant, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO identity_grant (account_id, court_id, role, licence, granted_by, granted_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, court_id, role) DO UPDATE SET licence = excluded.licence`,
		accountID, g.CourtID, string(g.Role), g.Licence, by, tx.Now)
	return err
}

type loginState struct {
	id           string
	passwordHash string
	failed       int
	lockedUntil  sql.NullTime
}

func findLoginState(ctx context.Context, q sqldb.Querier, login string) (loginState, error) {
	var s loginState
	err := q.QueryRow(ctx, `SELECT id, password_hash, failed_logins, locked_until FROM identity_account
		WHERE login = ? OR mobile = ?`, login, login).Scan(&s.id, &s.passwordHash, &s.failed, &s.lockedUntil)
	return s, err
}

const sessionCols = `id, account_id, kind, name, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at`

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var s Session
	var revoked sql.NullTime
	err := row.Scan(&s.ID, &s.AccountID, &s.Kind, &s.Name, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &revoked)
	if revoked.Valid {
		t := revoked.Time
		s.RevokedAt = &t
	}
	return s, err
}

func insertSession(ctx context.Context, tx *sqldb.Tx, s Session, tokenHash string) error {
	_, err := tx.Exec(ctx, `INSERT INTO identity_session (id, token_hash, account_id, kind, name, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, tokenHash, s.AccountID, s.Kind, s.Name, s.IP, s.UserAgent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt)
	return err
}

func listSessions(ctx context.Context, q sqldb.Querier, accountID string, now time.Time) ([]Session, error) {
	rows, err := q.Query(ctx, `SELECT `+sessionCols+` FROM identity_session
		WHERE account_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY kind DESC, last_seen_at DESC`, accountID, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
