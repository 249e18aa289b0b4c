// Package identity is the accounts context: registration with a mobile
// number, password (argon2id) and SMS one-time code; login by password or
// code with lockout; sessions and API tokens (stored hashed, listable,
// revocable); real-name verification through a pluggable Provider; and the
// roles people hold at courts.
package identity

import (
	"embed"
	"io/fs"
	"time"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the identity context's schema.
var Migrations = sqldb.Embedded("identity", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the identity context's i18n bundle.
var Messages, _ = fs.Sub(messagesFS, "messages")

// Kind is a natural person or an organisation.
type Kind string

// Account kinds.
const (
	Person       Kind = "person"
	Organisation Kind = "organisation"
)

// Account is a registered user. IDNumber is never shown in full outside
// the account's own pages.
type Account struct {
	ID           string
	Login        string
	Mobile       string
	DisplayName  string
	Lang         string
	Elderly      bool
	Kind         Kind
	Verification Verification
	RealName     string
	IDType       IDType
	IDNumber     string
	OrgName      string
	LegalRep     string
	VerifiedAt   *time.Time
	CreatedAt    time.Time
	Grants       []auth.Grant
}

// Verified reports whether the account's real name has been checked.
func (a Account) Verified() bool { return a.Verification != Unverified && a.Verification != "" }

// Session is a sign-in (kind "web") or an API token (kind "api").
type Session struct {
	ID         string
	AccountID  string
	Kind       string
	Name       string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	Current    bool
}

// Session kinds.
const (
	WebSession = "web"
	APIToken   = "api"
)

// Purpose says what a one-time code is for.
type Purpose string

// One-time code purposes.
const (
	PurposeRegister Purpose = "register"
	PurposeLogin    Purpose = "login"
)

// MaskIDNumber keeps the first 3 and last 4 characters of an ID number.
func MaskIDNumber(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return s
	}
	out := make([]rune, len(r))
	for i := range r {
		if i < 3 || i >= len(r)-4 {
			out[i] = r[i]
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}

// MaskMobile hides the middle four digits of a mainland mobile number.
func MaskMobile(s string) string {
	if len(s) == 11 {
		return s[:3] + "****" + s[7:]
	}
	return s
}

//go:embed templates
var templatesFS embed.FS

// Templates are the identity context's pages.
var Templates, _ = fs.Sub(templatesFS, "templates")
