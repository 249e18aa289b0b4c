package filing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Idempotency of creating and submitting. A mobile network retries; a
// retried request must find what the first one did, never do it again.
//
//   - API: the Idempotency-Key header. The first request with a key stores
//     (account, key, digest of the request, application, status) in the
//     same transaction as its effect; a retry with the same key and request
//     replays the outcome (the application as it is now, with the first
//     status code); the same key with a different request is a conflict.
//     Concurrent requests with one key serialise on the key's primary key:
//     the losers find the winner's row and replay it.
//   - HTML: a one-time token in a hidden field, created when the form is
//     rendered (FormToken). The first submit consumes it in the transaction
//     of its effect; a retried submit finds it consumed and is sent to the
//     application it led to.

// MaxKeyLen bounds an Idempotency-Key.
const MaxKeyLen = 200

// RequestHash digests an API request for an Idempotency-Key.
func RequestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// replay ends a transaction whose request was already carried out.
type replay struct {
	appID  string
	status int
}

func (r *replay) Error() string { return "filing: replay of " + r.appID }

// errKeyRace marks a lost race for an Idempotency-Key's row.
var errKeyRace = errors.New("filing: idempotency key taken concurrently")

// once runs fn in a transaction guarded by o (purpose names the operation:
// "create", or "submit:<application ID>" for form tokens). It returns the
// application ID fn returned, or the first request's on a replay.
func (s *Service) once(ctx context.Context, account string, o Once, purpose string, status int, fn func(tx *sqldb.Tx) (string, error)) (string, bool, error) {
	if len(o.Key) > MaxKeyLen {
		return "", false, errs.Fields(errs.Field("Idempotency-Key", "too_long", MaxKeyLen))
	}
	for attempt := 0; ; attempt++ {
		var appID string
		err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			if o.Key != "" {
				var hash, prev string
				var code int
				err := tx.QueryRow(ctx, `SELECT request_hash, application_id, status_code FROM filing_idempotency WHERE account_id = ? AND key = ?`,
					account, o.Key).Scan(&hash, &prev, &code)
				switch {
				case err == nil && hash != o.RequestHash:
					return errs.New(errs.Conflict, "filing.error.idempotency_mismatch")
				case err == nil:
					return &replay{appID: prev, status: code}
				case errs.CodeOf(err) != errs.NotFound:
					return err
				}
			}
			if o.FormToken != "" {
				res, err := tx.Exec(ctx, `UPDATE filing_form_token SET consumed_at = ? WHERE token = ? AND account_id = ? AND purpose = ?
					AND consumed_at IS NULL`, tx.Now, o.FormToken, account, purpose)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					var prev string
					err := tx.QueryRow(ctx, `SELECT application_id FROM filing_form_token WHERE token = ? AND account_id = ? AND purpose = ?
						AND consumed_at IS NOT NULL`, o.FormToken, account, purpose).Scan(&prev)
					switch {
					case err == nil && prev != "":
						return &replay{appID: prev, status: status}
					case err == nil || errs.CodeOf(err) == errs.NotFound:
						return errs.New(errs.Invalid, "filing.error.form_expired")
					}
					return err
				}
			}
			id, err := fn(tx)
			if err != nil {
				return err
			}
			appID = id
			if o.Key != "" {
				_, err := tx.Exec(ctx, `INSERT INTO filing_idempotency (account_id, key, request_hash, application_id, status_code, created_at)
					VALUES (?, ?, ?, ?, ?, ?)`, account, o.Key, o.RequestHash, id, status, tx.Now)
				if errs.CodeOf(err) == errs.Conflict {
					return errKeyRace
				}
				if err != nil {
					return err
				}
			}
			if o.FormToken != "" {
				if _, err := tx.Exec(ctx, `UPDATE filing_form_token SET application_id = ? WHERE token = ?`, id, o.FormToken); err != nil {
					return err
				}
			}
			return nil
		})
		var r *replay
		switch {
		case errors.As(err, &r):
			return r.appID, true, nil
		case errors.Is(err, errKeyRace) && attempt < 5:
			continue
		case err != nil:
			return "", false, err
		}
		return appID, false, nil
	}
}

// replayStatus returns the status code stored for an Idempotency-Key.
func (s *Service) replayStatus(ctx context.Context, account, key string) int {
	var code int
	if err := s.db.QueryRow(ctx, `SELECT status_code FROM filing_idempotency WHERE account_id = ? AND key = ?`, account, key).Scan(&code); err != nil {
		return 200
	}
	return code
}

// FormToken creates a one-time token for a form of the signed-in person
// that creates ("create") or submits ("submit:<application ID>") an
// application. Tokens older than a day are pruned on the way.
func (s *Service) FormToken(ctx context.Context, purpose string) (string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM filing_form_token WHERE created_at < ? AND consumed_at IS NULL`, tx.Now.Add(-24*time.Hour)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO filing_form_token (token, account_id, purpose, application_id, consumed_at, created_at)
			VALUES (?, ?, ?, '', NULL, ?)`, tok, p.UserID, purpose, tx.Now)
		return err
	})
	return tok, err
}

// seenKey checks an Idempotency-Key before the request is validated: a
// replay finds the first outcome (ok), a different request under the key is
// an errs.Conflict.
func (s *Service) seenKey(ctx context.Context, account string, o Once) (appID string, ok bool, err error) {
	if o.Key == "" {
		return "", false, nil
	}
	var hash string
	err = s.db.QueryRow(ctx, `SELECT request_hash, application_id FROM filing_idempotency WHERE account_id = ? AND key = ?`,
		account, o.Key).Scan(&hash, &appID)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return "", false, nil
	case err != nil:
		return "", false, err
	case hash != o.RequestHash:
		return "", false, errs.New(errs.Conflict, "filing.error.idempotency_mismatch")
	}
	return appID, true, nil
}

// replayed returns the application of a replayed request.
func (s *Service) replayed(ctx context.Context, appID string, err error) (*Application, bool, error) {
	if err != nil {
		return nil, false, err
	}
	a, err := s.Get(ctx, appID)
	return a, true, err
}
