package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/identity/idnum"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Limits of the account rules. They are policy, not law.
const (
	MaxFailedLogins  = 5                // failed attempts before the account locks
	LockDuration     = 15 * time.Minute // how long a lock lasts
	CodeTTL          = 5 * time.Minute  // a one-time code's life
	CodeResendAfter  = 60 * time.Second // minimum gap between two codes to one number
	CodesPerDay      = 10               // codes one number may receive in 24 hours
	CodeAttempts     = 5                // wrong entries before a code is void
	SessionTTL       = 30 * 24 * time.Hour
	MinPasswordRunes = 8
)

// Service holds the identity rules.
type Service struct {
	db       *sqldb.DB
	sms      SMS
	provider Provider
	secret   []byte // keys the one-time-code hashes
}

// New returns the identity service. secret keys the stored hashes of
// one-time codes; it must be at least 32 bytes and stable across restarts.
func New(db *sqldb.DB, sms SMS, provider Provider, secret []byte) *Service {
	if provider == nil {
		provider = DevProvider{}
	}
	return &Service{db: db, sms: sms, provider: provider, secret: secret}
}

func (s *Service) codeHash(mobile string, p Purpose, code string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "%s|%s|%s", mobile, p, code)
	return hex.EncodeToString(m.Sum(nil))
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func newToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func enqueue(ctx context.Context, tx *sqldb.Tx, typ, actor string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.Actor = actor
	return bus.Enqueue(ctx, tx, ev)
}

// RequestCode sends a six-digit one-time code by SMS. At most one code a
// minute and CodesPerDay a day go to one number; more is rate_limited.
// Asking for a registration code for a registered number, or a login code
// for an unknown one, is refused with a field error on "mobile".
func (s *Service) RequestCode(ctx context.Context, mobile string, p Purpose) error {
	m, err := idnum.ParseMobile(mobile, idnum.Options{Field: "mobile"})
	if err != nil {
		return err
	}
	if p != PurposeRegister && p != PurposeLogin {
		return errs.Fields(errs.Field("purpose", "unknown"))
	}
	return s.issueCode(ctx, m, p, func(tx *sqldb.Tx) error {
		var exists int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_account WHERE mobile = ?`, m).Scan(&exists); err != nil {
			return err
		}
		if p == PurposeRegister && exists > 0 {
			return errs.Fields(errs.FieldError{Field: "mobile", Code: "taken"})
		}
		if p == PurposeLogin && exists == 0 {
			return errs.Fields(errs.FieldError{Field: "mobile", Code: "unknown_account", Key: "identity.field.unknown_account"})
		}
		return nil
	})
}

// issueCode stores a new six-digit code for (mobile, purpose) after check
// passes in the same transaction, within the resend and daily limits, and
// sends it by SMS after the commit.
func (s *Service) issueCode(ctx context.Context, m string, p Purpose, check func(tx *sqldb.Tx) error) error {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	codeID := ids.New()
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		var recent, today int
		if err := tx.QueryRow(ctx, `SELECT
			COALESCE(SUM(CASE WHEN created_at > ? THEN 1 ELSE 0 END), 0), COUNT(*)
			FROM identity_code WHERE mobile = ? AND created_at > ?`,
			tx.Now.Add(-CodeResendAfter), m, tx.Now.Add(-24*time.Hour)).Scan(&recent, &today); err != nil {
			return err
		}
		if recent > 0 || today >= CodesPerDay {
			return errs.New(errs.RateLimited, "identity.code_too_soon")
		}
		_, err := tx.Exec(ctx, `INSERT INTO identity_code (id, mobile, purpose, code_hash, attempts, created_at, expires_at)
			VALUES (?, ?, ?, ?, 0, ?, ?)`, codeID, m, string(p), s.codeHash(m, p, code), tx.Now, tx.Now.Add(CodeTTL))
		return err
	})
	if err != nil {
		return err
	}
	// Sent after commit: a code the database does not know would be useless.
	// A code that could not be sent is removed again, so the failure neither
	// blocks a retry for a minute nor counts against the daily limit.
	err = s.sms.Send(ctx, m, fmt.Sprintf("【人民法院在线服务】验证码 %s，%d分钟内有效。Your ecourt code is %s.", code, int(CodeTTL.Minutes()), code))
	if err != nil {
		_ = s.db.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
			_, derr := tx.Exec(ctx, `DELETE FROM identity_code WHERE id = ?`, codeID)
			return derr
		})
	}
	return err
}

// SendAccountCode sends a one-time code to the account's own mobile number
// for purpose, a text of other contexts ("transcript.sign:<hearing>:<round>"
// for signing a hearing record online, Online Litigation Rules Art. 33): a
// code is good only for its purpose, for CodeTTL, and CodeAttempts tries;
// the resend and daily limits of RequestCode apply. It cannot be used to
// sign in or register.
func (s *Service) SendAccountCode(ctx context.Context, accountID, purpose string) error {
	p, err := accountPurpose(purpose)
	if err != nil {
		return err
	}
	a, err := findAccount(ctx, s.db, "id = ?", accountID)
	if err != nil {
		return err
	}
	return s.issueCode(ctx, a.Mobile, p, func(*sqldb.Tx) error { return nil })
}

// CheckAccountCode reports whether code is the account's unused, unexpired
// code for purpose, and uses it up. A wrong code counts an attempt and
// reports false; so do an expired or used one.
func (s *Service) CheckAccountCode(ctx context.Context, accountID, purpose, code string) (bool, error) {
	p, err := accountPurpose(purpose)
	if err != nil {
		return false, err
	}
	a, err := findAccount(ctx, s.db, "id = ?", accountID)
	if err != nil {
		return false, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error { return s.consumeCode(ctx, tx, a.Mobile, p, code) })
	var w *wrongCode
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &w):
		if cerr := s.countWrongCode(ctx, err); errs.CodeOf(cerr) != errs.Invalid {
			return false, cerr
		}
		return false, nil
	case errs.CodeOf(err) == errs.Invalid:
		return false, nil // expired or used
	}
	return false, err
}

// accountPurpose checks an account code's purpose: a context's own text,
// never one of the sign-in purposes.
func accountPurpose(purpose string) (Purpose, error) {
	p := Purpose(strings.TrimSpace(purpose))
	if p == "" || p == PurposeRegister || p == PurposeLogin || len(p) > 100 {
		return "", errs.Fields(errs.Field("purpose", "unknown"))
	}
	return p, nil
}

// consumeCode checks code for (mobile, purpose) inside tx and marks it used.
// A wrong code counts an attempt; after CodeAttempts the code is void.
func (s *Service) consumeCode(ctx context.Context, tx *sqldb.Tx, mobile string, p Purpose, code string) error {
	var id, hash string
	var attempts int
	err := tx.QueryRow(ctx, `SELECT id, code_hash, attempts FROM identity_code
		WHERE mobile = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
		ORDER BY created_at DESC LIMIT 1`, mobile, string(p), tx.Now).Scan(&id, &hash, &attempts)
	if errs.CodeOf(err) == errs.NotFound {
		return errs.Fields(errs.FieldError{Field: "code", Code: "code_expired", Key: "identity.field.code_expired"})
	}
	if err != nil {
		return err
	}
	if attempts >= CodeAttempts {
		return errs.Fields(errs.FieldError{Field: "code", Code: "code_expired", Key: "identity.field.code_expired"})
	}
	if !hmac.Equal([]byte(hash), []byte(s.codeHash(mobile, p, strings.TrimSpace(code)))) {
		// The attempt must count even though the caller's transaction rolls
		// back, so countWrongCode records it in a transaction of its own.
		return &wrongCode{id: id}
	}
	_, err = tx.Exec(ctx, `UPDATE identity_code SET used_at = ? WHERE id = ?`, tx.Now, id)
	return err
}

// wrongCode is returned inside a transaction so the caller can count the
// attempt after rolling back.
type wrongCode struct{ id string }

func (w *wrongCode) Error() string { return "wrong one-time code" }

// countWrongCode records a failed code attempt and returns the user-facing error.
func (s *Service) countWrongCode(ctx context.Context, err error) error {
	var w *wrongCode
	if !errors.As(err, &w) {
		return err
	}
	if e := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE identity_code SET attempts = attempts + 1 WHERE id = ?`, w.id)
		return err
	}); e != nil {
		return e
	}
	return errs.Fields(errs.FieldError{Field: "code", Code: "code_wrong", Key: "identity.field.code_wrong"})
}

// Registration is what a person submits to register.
type Registration struct {
	Mobile   string
	Password string
	Code     string
	Name     string // display name; defaults to the masked mobile number
	Lang     string
}

func validatePassword(col *errs.Collector, field, pw string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case n == 0:
		col.Add(field, "required")
	case n < MinPasswordRunes:
		col.Add(field, "too_short", MinPasswordRunes)
	case n > 128:
		col.Add(field, "too_long", 128)
	default:
		hasLetter, hasDigit := false, false
		for _, r := range pw {
			switch {
			case r >= '0' && r <= '9':
				hasDigit = true
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
				hasLetter = true
			}
		}
		if !hasLetter || !hasDigit {
			col.AddField(errs.FieldError{Field: field, Code: "weak_password", Key: "identity.field.weak_password"})
		}
	}
}

// Register creates an unverified litigant account after checking the SMS
// code, and signs it in. It reports every invalid field at once; a number
// already registered is a field error "taken" on "mobile".
func (s *Service) Register(ctx context.Context, r Registration, meta ClientMeta) (Account, string, error) {
	var col errs.Collector
	m, err := idnum.ParseMobile(r.Mobile, idnum.Options{Field: "mobile"})
	if err != nil {
		if e, ok := errs.As(err); ok {
			for _, f := range e.Fields {
				col.AddField(f)
			}
		}
	}
	validatePassword(&col, "password", r.Password)
	if strings.TrimSpace(r.Code) == "" {
		col.Add("code", "required")
	}
	name := strings.TrimSpace(r.Name)
	if utf8.RuneCountInString(name) > 50 {
		col.Add("name", "too_long", 50)
	}
	if err := col.Err(); err != nil {
		return Account{}, "", err
	}
	if name == "" {
		name = MaskMobile(m)
	}
	lang := r.Lang
	if lang != "en" {
		lang = "zh-CN"
	}
	pwHash, err := hashPassword(r.Password)
	if err != nil {
		return Account{}, "", err
	}
	var acct Account
	var token string
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.consumeCode(ctx, tx, m, PurposeRegister, r.Code); err != nil {
			return err
		}
		acct = Account{ID: ids.New(), Login: m, Mobile: m, DisplayName: name, Lang: lang, Kind: Person,
			Verification: Unverified, CreatedAt: tx.Now, Grants: []auth.Grant{{Role: auth.Litigant}}}
		if err := insertAccount(ctx, tx, acct, pwHash); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return errs.Fields(errs.Field("mobile", "taken"))
			}
			return err
		}
		if err := insertGrant(ctx, tx, acct.ID, auth.Grant{Role: auth.Litigant}, acct.ID); err != nil {
			return err
		}
		var err error
		token, err = s.startSession(ctx, tx, acct.ID, WebSession, "", meta)
		if err != nil {
			return err
		}
		if err := audit.Append(audit.WithActor(ctx, audit.Actor{UserID: acct.ID, IP: meta.IP}), tx,
			audit.Record{Action: "identity.account.registered", Target: acct.ID}); err != nil {
			return err
		}
		return enqueue(ctx, tx, "ecourt.identity.account.registered", acct.ID, map[string]string{"account_id": acct.ID})
	})
	if err != nil {
		return Account{}, "", s.countWrongCode(ctx, err)
	}
	return acct, token, nil
}

// ClientMeta describes where a sign-in comes from.
type ClientMeta struct {
	IP        string
	UserAgent string
}

func (s *Service) startSession(ctx context.Context, tx *sqldb.Tx, accountID, kind, name string, meta ClientMeta) (string, error) {
	prefix := "ecs_"
	ttl := SessionTTL
	if kind == APIToken {
		prefix = "ect_"
	}
	tok := newToken(prefix)
	ua := meta.UserAgent
	if len(ua) > 300 {
		ua = ua[:300]
	}
	ua = strings.ToValidUTF8(ua, "")
	sess := Session{ID: ids.New(), AccountID: accountID, Kind: kind, Name: name, IP: meta.IP, UserAgent: ua,
		CreatedAt: tx.Now, LastSeenAt: tx.Now, ExpiresAt: tx.Now.Add(ttl)}
	return tok, insertSession(ctx, tx, sess, tokenHash(tok))
}

// LoginPassword signs in with a mobile number (or login name) and
// password. After MaxFailedLogins failures in a row the account locks for
// LockDuration; while locked every attempt is refused with rate_limited.
// A wrong number and a wrong password give the same error.
func (s *Service) LoginPassword(ctx context.Context, login, password string, meta ClientMeta) (string, error) {
	login = normaliseLogin(login)
	st, err := findLoginState(ctx, s.db, login)
	if errs.CodeOf(err) == errs.NotFound {
		checkPassword(dummyHash, password)
		return "", errs.New(errs.Unauthenticated, "identity.bad_credentials")
	}
	if err != nil {
		return "", err
	}
	now := s.db.Now()
	if st.lockedUntil.Valid && st.lockedUntil.Time.After(now) {
		return "", errs.New(errs.RateLimited, "identity.locked", st.lockedUntil.Time.Sub(now).Round(time.Minute).Minutes())
	}
	ok := checkPassword(st.passwordHash, password)
	return s.finishLogin(ctx, st.id, ok, meta, "password")
}

func normaliseLogin(login string) string {
	login = strings.TrimSpace(login)
	if m, err := idnum.ParseMobile(login); err == nil {
		return m
	}
	return login
}

// finishLogin records the outcome of a login attempt and, on success,
// starts a session.
func (s *Service) finishLogin(ctx context.Context, accountID string, ok bool, meta ClientMeta, how string) (string, error) {
	var token string
	actx := audit.WithActor(ctx, audit.Actor{UserID: accountID, IP: meta.IP})
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if !ok {
			var failed int
			if err := tx.QueryRow(ctx, `UPDATE identity_account SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`,
				accountID).Scan(&failed); err != nil {
				return err
			}
			if failed >= MaxFailedLogins {
				if _, err := tx.Exec(ctx, `UPDATE identity_account SET locked_until = ?, failed_logins = 0 WHERE id = ?`,
					tx.Now.Add(LockDuration), accountID); err != nil {
					return err
				}
				return audit.Append(actx, tx, audit.Record{Action: "identity.account.locked", Target: accountID})
			}
			return audit.Append(actx, tx, audit.Record{Action: "identity.login.failed", Target: accountID, Detail: map[string]string{"how": how}})
		}
		if _, err := tx.Exec(ctx, `UPDATE identity_account SET failed_logins = 0, locked_until = NULL WHERE id = ?`, accountID); err != nil {
			return err
		}
		var err error
		if token, err = s.startSession(ctx, tx, accountID, WebSession, "", meta); err != nil {
			return err
		}
		return audit.Append(actx, tx, audit.Record{Action: "identity.login", Target: accountID, Detail: map[string]string{"how": how}})
	})
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errs.New(errs.Unauthenticated, "identity.bad_credentials")
	}
	return token, nil
}

// LoginCode signs in with a one-time code sent by RequestCode(PurposeLogin).
// Locked accounts are refused as with passwords.
func (s *Service) LoginCode(ctx context.Context, mobile, code string, meta ClientMeta) (string, error) {
	m, err := idnum.ParseMobile(mobile, idnum.Options{Field: "mobile"})
	if err != nil {
		return "", err
	}
	st, err := findLoginState(ctx, s.db, m)
	if errs.CodeOf(err) == errs.NotFound {
		return "", errs.New(errs.Unauthenticated, "identity.bad_credentials")
	}
	if err != nil {
		return "", err
	}
	now := s.db.Now()
	if st.lockedUntil.Valid && st.lockedUntil.Time.After(now) {
		return "", errs.New(errs.RateLimited, "identity.locked", st.lockedUntil.Time.Sub(now).Round(time.Minute).Minutes())
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error { return s.consumeCode(ctx, tx, m, PurposeLogin, code) })
	if err != nil {
		var w *wrongCode
		if errors.As(err, &w) {
			_ = s.countWrongCode(ctx, err)
			return s.finishLogin(ctx, st.id, false, meta, "code")
		}
		return "", err
	}
	return s.finishLogin(ctx, st.id, true, meta, "code")
}
