package identity

import (
	"context"
	"database/sql"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// touchEvery limits how often a session's last-seen time is written.
const touchEvery = 5 * time.Minute

// Authenticate resolves a session cookie or API token into a principal.
// An unknown, expired or revoked token is unauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	if token == "" {
		return auth.Principal{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	// One query for the session, the account fields a principal needs and
	// the account's grants (a row per grant, or one row without): this
	// runs on every request.
	rows, err := s.db.Query(ctx, `SELECT s.id, s.account_id, s.kind, s.last_seen_at, s.expires_at, s.revoked_at,
		a.display_name, a.mobile, a.lang, a.elderly, a.verification, g.court_id, g.role, g.licence
		FROM identity_session s JOIN identity_account a ON a.id = s.account_id
		LEFT JOIN identity_grant g ON g.account_id = s.account_id
		WHERE s.token_hash = ? ORDER BY g.court_id, g.role`, tokenHash(token))
	if err != nil {
		return auth.Principal{}, err
	}
	defer rows.Close()
	var (
		sess    Session
		revoked sql.NullTime
		a       Account
		found   bool
	)
	for rows.Next() {
		var court, role, licence sql.NullString
		if err := rows.Scan(&sess.ID, &sess.AccountID, &sess.Kind, &sess.LastSeenAt, &sess.ExpiresAt, &revoked,
			&a.DisplayName, &a.Mobile, &a.Lang, &a.Elderly, &a.Verification, &court, &role, &licence); err != nil {
			return auth.Principal{}, err
		}
		found = true
		if role.Valid {
			a.Grants = append(a.Grants, auth.Grant{CourtID: court.String, Role: auth.Role(role.String), Licence: licence.String})
		}
	}
	if err := rows.Err(); err != nil {
		return auth.Principal{}, err
	}
	rows.Close()
	if !found {
		return auth.Principal{}, errs.New(errs.Unauthenticated, "error.unauthenticated")
	}
	now := s.db.Now()
	if revoked.Valid || !sess.ExpiresAt.After(now) {
		return auth.Principal{}, errs.New(errs.Unauthenticated, "identity.session_ended")
	}
	a.ID = sess.AccountID
	if now.Sub(sess.LastSeenAt) > touchEvery {
		_ = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE identity_session SET last_seen_at = ? WHERE id = ?`, tx.Now, sess.ID)
			return err
		})
	}
	return principalOf(a, sess), nil
}

func principalOf(a Account, sess Session) auth.Principal {
	return auth.Principal{
		UserID: a.ID, Name: a.DisplayName, Mobile: a.Mobile, Lang: a.Lang, Elderly: a.Elderly,
		Verified: a.Verified(), Via: sess.Kind, Session: sess.ID, Grants: a.Grants,
	}
}

// Logout revokes the current session.
func (s *Service) Logout(ctx context.Context) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	return s.revoke(ctx, p.UserID, p.Session, "identity.session.logout")
}

// Sessions lists the signed-in account's live sessions and API tokens,
// marking the current one.
func (s *Service) Sessions(ctx context.Context) ([]Session, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	list, err := listSessions(ctx, s.db, p.UserID, s.db.Now())
	for i := range list {
		list[i].Current = list[i].ID == p.Session
	}
	return list, err
}

// RevokeSession ends one of the signed-in account's sessions or tokens.
// Another account's session is not found.
func (s *Service) RevokeSession(ctx context.Context, sessionID string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	return s.revoke(ctx, p.UserID, sessionID, "identity.session.revoked")
}

func (s *Service) revoke(ctx context.Context, accountID, sessionID, action string) error {
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE identity_session SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL`,
			tx.Now, sessionID, accountID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.not_found")
		}
		return audit.Append(ctx, tx, audit.Record{Action: action, Target: sessionID})
	})
}

// CreateToken issues an API token for the account with the given login
// (mobile number or login name), valid for ttl (0 = one year). The token is
// returned once and stored only as a hash. It is an operator's tool (the
// `ecourt token create` command) and checks no principal.
func (s *Service) CreateToken(ctx context.Context, login, name string, ttl time.Duration) (string, Session, error) {
	if ttl <= 0 {
		ttl = 365 * 24 * time.Hour
	}
	l := normaliseLogin(login)
	a, err := findAccount(ctx, s.db, "login = ? OR mobile = ?", l, l)
	if err != nil {
		return "", Session{}, err
	}
	if name == "" {
		name = "api"
	}
	tok := newToken("ect_")
	var sess Session
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		sess = Session{ID: newID(), AccountID: a.ID, Kind: APIToken, Name: name, CreatedAt: tx.Now, LastSeenAt: tx.Now, ExpiresAt: tx.Now.Add(ttl)}
		if err := insertSession(ctx, tx, sess, tokenHash(tok)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "identity.token.created", Target: sess.ID, Detail: map[string]string{"account": a.ID, "name": name}})
	})
	return tok, sess, err
}

// RevokeToken revokes an API token by ID for whichever account holds it
// (operator's tool).
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE identity_session SET revoked_at = ? WHERE id = ? AND kind = ? AND revoked_at IS NULL`, tx.Now, id, APIToken)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.not_found")
		}
		return audit.Append(ctx, tx, audit.Record{Action: "identity.token.revoked", Target: id})
	})
}

// SignInAs starts a web session for the account with the given login
// without a password. It exists for the demo site's role switcher only; the
// app registers the route that calls it only in demo mode.
func (s *Service) SignInAs(ctx context.Context, login string, meta ClientMeta) (string, error) {
	a, err := findAccount(ctx, s.db, "login = ?", login)
	if err != nil {
		return "", err
	}
	var tok string
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if tok, err = s.startSession(ctx, tx, a.ID, WebSession, "demo", meta); err != nil {
			return err
		}
		return audit.Append(audit.WithActor(ctx, audit.Actor{UserID: a.ID, IP: meta.IP}), tx,
			audit.Record{Action: "identity.login", Target: a.ID, Detail: map[string]string{"how": "demo_switch"}})
	})
	return tok, err
}
