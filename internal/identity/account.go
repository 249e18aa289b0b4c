package identity

import (
	"context"
	"regexp"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func newID() string { return ids.New() }

// Me returns the signed-in account.
func (s *Service) Me(ctx context.Context) (Account, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Account{}, err
	}
	return findAccount(ctx, s.db, "id = ?", p.UserID)
}

// Find returns an account by ID. Only staff and the account itself may
// look; others get not_found.
func (s *Service) Find(ctx context.Context, id string) (Account, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Account{}, err
	}
	if p.UserID != id && !p.IsStaff() {
		return Account{}, errs.New(errs.NotFound, "error.not_found")
	}
	return findAccount(ctx, s.db, "id = ?", id)
}

// Settings are the account's display preferences.
type Settings struct {
	Lang        string
	Elderly     bool
	DisplayName string
}

// UpdateSettings changes the signed-in account's language, elderly mode
// and display name.
func (s *Service) UpdateSettings(ctx context.Context, set Settings) (Account, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Account{}, err
	}
	var col errs.Collector
	if set.Lang != "zh-CN" && set.Lang != "en" {
		col.Add("lang", "unknown")
	}
	name := strings.TrimSpace(set.DisplayName)
	if name == "" {
		col.Add("display_name", "required")
	} else if len([]rune(name)) > 50 {
		col.Add("display_name", "too_long", 50)
	}
	if err := col.Err(); err != nil {
		return Account{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE identity_account SET lang = ?, elderly = ?, display_name = ?, updated_at = ? WHERE id = ?`,
			set.Lang, set.Elderly, name, tx.Now, p.UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "identity.account.settings", Target: p.UserID})
	})
	if err != nil {
		return Account{}, err
	}
	return s.Me(ctx)
}

// VerifyIdentity checks the signed-in account's real name through the
// provider and records the result. An ID number already verified for
// another account is a conflict (one person, one account). Warnings from
// the provider are returned to show, not to refuse.
func (s *Service) VerifyIdentity(ctx context.Context, c Claim) (Account, []string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Account{}, nil, err
	}
	now := s.db.Now()
	v, err := s.provider.Verify(ctx, c, now)
	if err != nil {
		return Account{}, nil, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var other int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_account WHERE id_number = ? AND id_type = ? AND id <> ? AND verification <> ?`,
			v.IDNumber, string(c.IDType), p.UserID, string(Unverified)).Scan(&other); err != nil {
			return err
		}
		if other > 0 {
			e := errs.Fields(errs.FieldError{Field: "id_number", Code: "id_taken", Key: "identity.field.id_taken"})
			e.Code = errs.Conflict // one person, one account
			return e
		}
		realName, orgName := strings.TrimSpace(c.Name), ""
		if c.Kind == Organisation {
			realName, orgName = strings.TrimSpace(c.LegalRep), strings.TrimSpace(c.Name)
		}
		if _, err := tx.Exec(ctx, `UPDATE identity_account SET kind = ?, verification = ?, real_name = ?, id_type = ?, id_number = ?,
			org_name = ?, legal_rep = ?, verified_at = ?, display_name = ?, updated_at = ? WHERE id = ?`,
			string(c.Kind), string(v.Level), realName, string(c.IDType), v.IDNumber, orgName, strings.TrimSpace(c.LegalRep),
			tx.Now, strings.TrimSpace(c.Name), tx.Now, p.UserID); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				e := errs.Fields(errs.FieldError{Field: "id_number", Code: "id_taken", Key: "identity.field.id_taken"})
				e.Code = errs.Conflict
				return e
			}
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "identity.account.verified", Target: p.UserID,
			Detail: map[string]any{"level": v.Level, "id_type": c.IDType, "warnings": v.Warnings}}); err != nil {
			return err
		}
		return enqueue(ctx, tx, "ecourt.identity.account.verified", p.UserID, map[string]string{"account_id": p.UserID, "level": string(v.Level)})
	})
	if err != nil {
		return Account{}, nil, err
	}
	a, err := s.Me(ctx)
	return a, v.Warnings, err
}

// lawyerLicence is the 17-digit practising-certificate number
// (律师执业证号) format.
var lawyerLicence = regexp.MustCompile(`^[0-9]{17}$`)

// GrantRole gives an account a role. Court-scoped roles may be granted by
// that court's administrators (a court administrator manages the staff of
// their court) or a platform administrator; platform-wide roles (lawyer,
// platform administrator) only by a platform administrator. A lawyer grant
// needs a 17-digit licence number.
func (s *Service) GrantRole(ctx context.Context, accountID string, g auth.Grant) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	var col errs.Collector
	if !g.Role.Valid() {
		col.Add("role", "unknown")
	}
	if g.Role.CourtScoped() && g.CourtID == "" {
		col.Add("court_id", "required")
	}
	if !g.Role.CourtScoped() {
		g.CourtID = ""
	}
	if g.Role == auth.Lawyer && !lawyerLicence.MatchString(g.Licence) {
		col.AddField(errs.FieldError{Field: "licence", Code: "licence_format", Key: "identity.field.licence_format"})
	}
	if err := col.Err(); err != nil {
		return err
	}
	allowed := p.Has("", auth.PlatformAdmin) || (g.Role.CourtScoped() && p.Has(g.CourtID, auth.CourtAdmin))
	if !allowed {
		return errs.New(errs.Forbidden, "error.forbidden")
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM identity_account WHERE id = ?`, accountID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.New(errs.NotFound, "error.not_found")
		}
		if err := insertGrant(ctx, tx, accountID, g, p.UserID); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "identity.role.granted", CourtID: g.CourtID, Target: accountID,
			Detail: map[string]string{"role": string(g.Role)}}); err != nil {
			return err
		}
		ev := map[string]string{"account_id": accountID, "court_id": g.CourtID, "role": string(g.Role)}
		return enqueue(ctx, tx, "ecourt.identity.role.granted", p.UserID, ev)
	})
}

// RevokeRole takes a role away, under the same permissions as GrantRole.
func (s *Service) RevokeRole(ctx context.Context, accountID string, g auth.Grant) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if !(p.Has("", auth.PlatformAdmin) || (g.Role.CourtScoped() && p.Has(g.CourtID, auth.CourtAdmin))) {
		return errs.New(errs.Forbidden, "error.forbidden")
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM identity_grant WHERE account_id = ? AND court_id = ? AND role = ?`, accountID, g.CourtID, string(g.Role))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "error.not_found")
		}
		return audit.Append(ctx, tx, audit.Record{Action: "identity.role.revoked", CourtID: g.CourtID, Target: accountID,
			Detail: map[string]string{"role": string(g.Role)}})
	})
}

// StaffMember is one person's roles at a court.
type StaffMember struct {
	AccountID string
	Name      string
	Mobile    string
	Roles     []auth.Role
}

// Staff lists the people holding roles at a court, for its administrators
// and staff.
func (s *Service) Staff(ctx context.Context, courtID string) ([]StaffMember, error) {
	if _, err := auth.RequireRole(ctx, courtID, auth.StaffRoles...); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, a.display_name, a.mobile, g.role FROM identity_grant g
		JOIN identity_account a ON a.id = g.account_id WHERE g.court_id = ? ORDER BY a.display_name, a.id, g.role`, courtID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StaffMember
	for rows.Next() {
		var id, name, mobile string
		var role auth.Role
		if err := rows.Scan(&id, &name, &mobile, &role); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].AccountID == id {
			out[n-1].Roles = append(out[n-1].Roles, role)
			continue
		}
		out = append(out, StaffMember{AccountID: id, Name: name, Mobile: MaskMobile(mobile), Roles: []auth.Role{role}})
	}
	return out, rows.Err()
}

// HasRole reports whether an account holds role at court. Other contexts
// use it to check assignments (a judge assigned to a case must be a judge
// of its court).
func (s *Service) HasRole(ctx context.Context, accountID, courtID string, role auth.Role) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM identity_grant WHERE account_id = ? AND court_id = ? AND role = ?`,
		accountID, courtID, string(role)).Scan(&n)
	return n > 0, err
}

// Seed is one account created by SeedAccount.
type Seed struct {
	Login, Mobile, Password, Name string
	Claim                         *Claim
	Grants                        []auth.Grant
}

// SeedAccount creates an account directly, verified through the provider
// when Claim is set, with the given grants. It is for demo data and tests;
// it checks no principal and fails with conflict when the login exists.
func (s *Service) SeedAccount(ctx context.Context, sd Seed) (Account, error) {
	pw, err := hashPassword(sd.Password)
	if err != nil {
		return Account{}, err
	}
	a := Account{ID: ids.New(), Login: sd.Login, Mobile: sd.Mobile, DisplayName: sd.Name, Lang: "zh-CN", Kind: Person, Verification: Unverified}
	if a.Login == "" {
		a.Login = sd.Mobile
	}
	if sd.Claim != nil {
		v, err := s.provider.Verify(ctx, *sd.Claim, s.db.Now())
		if err != nil {
			return Account{}, err
		}
		a.Kind, a.Verification, a.IDType, a.IDNumber = sd.Claim.Kind, v.Level, sd.Claim.IDType, v.IDNumber
		a.RealName = sd.Claim.Name
		if sd.Claim.Kind == Organisation {
			a.RealName, a.OrgName, a.LegalRep = sd.Claim.LegalRep, sd.Claim.Name, sd.Claim.LegalRep
		}
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		a.CreatedAt = tx.Now
		if sd.Claim != nil {
			now := tx.Now
			a.VerifiedAt = &now
		}
		if err := insertAccount(ctx, tx, a, pw); err != nil {
			return err
		}
		for _, g := range sd.Grants {
			if err := insertGrant(ctx, tx, a.ID, g, "seed"); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, audit.Record{Action: "identity.account.seeded", Target: a.ID})
	})
	a.Grants = sd.Grants
	return a, err
}

// GrantRoleByLogin grants a role to the account registered under login (a
// mobile number or login name), under GrantRole's permissions. An unknown
// login is a field error on "login", shown only to those allowed to grant.
func (s *Service) GrantRoleByLogin(ctx context.Context, login string, g auth.Grant) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if !(p.Has("", auth.PlatformAdmin) || (g.Role.CourtScoped() && p.Has(g.CourtID, auth.CourtAdmin))) {
		return errs.New(errs.Forbidden, "error.forbidden")
	}
	l := normaliseLogin(login)
	var id string
	err = s.db.QueryRow(ctx, `SELECT id FROM identity_account WHERE login = ? OR mobile = ?`, l, l).Scan(&id)
	if errs.CodeOf(err) == errs.NotFound {
		return errs.Fields(errs.FieldError{Field: "login", Code: "unknown_account", Key: "identity.field.unknown_account"})
	}
	if err != nil {
		return err
	}
	return s.GrantRole(ctx, id, g)
}

// setLang changes the signed-in account's language only.
func (s *Service) setLang(ctx context.Context, lang string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if lang != "zh-CN" && lang != "en" {
		return errs.Fields(errs.Field("lang", "unknown"))
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE identity_account SET lang = ?, updated_at = ? WHERE id = ?`, lang, tx.Now, p.UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "identity.account.settings", Target: p.UserID, Detail: map[string]string{"lang": lang}})
	})
}

// Contact is how the platform reaches an account: its language and mobile
// number.
type Contact struct {
	Lang   string
	Mobile string
}

// Contacts returns the contact details of the given accounts, for platform
// services that send notifications on the platform's own behalf (no
// signed-in user); unknown IDs are absent from the map. Never expose the
// result to a client: it is not access-checked.
func (s *Service) Contacts(ctx context.Context, ids []string) (map[string]Contact, error) {
	out := make(map[string]Contact, len(ids))
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		part := ids[:n]
		ids = ids[n:]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.db.Query(ctx, `SELECT id, lang, mobile FROM identity_account WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var c Contact
			if err := rows.Scan(&id, &c.Lang, &c.Mobile); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = c
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
