package casefund

import (
	"context"
	"embed"
	"io/fs"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the casefund schema (tables casefund_*). It needs
// audit.Migrations and bus.Migrations before it.
var Migrations = sqldb.Embedded("casefund", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the casefund message bundle (zh-CN.json, en.json): keys
// "casefund.…" and the field codes "field.casefund_…".
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the casefund pages, for web.PageSet{Namespace: "casefund"}:
// "casefund/ledger" (a case's account: arrivals, allocations explained,
// payouts, the staff forms and the shared-court consent form) and
// "casefund/shared" (the shared-court terminal form and result).
var Templates fs.FS = mustSub(templatesFS, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile casefund uses; *casefile.Service
// satisfies it. Authorize is the one access check of every read and change
// of a case's account (audited there).
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
}

// Fees tells the enforcement application fee owed on a case, payable after
// enforcement (诉讼费用交纳办法 Art. 20: "执行申请费执行后交纳") and borne by
// the debtor (Art. 38), which the court deducts from the money received
// before paying the applicant. The integrator adapts the enforcement or
// fees context to it. ok is false when no fee is recorded for the case.
type Fees interface {
	EnforcementFee(ctx context.Context, caseID string) (fee money.Fen, ok bool, err error)
}

// Deps are the Service's collaborators. Cases is required; without Fees
// the enforcement fee is the one staff enter with SetClaims.
type Deps struct {
	Cases Cases
	Fees  Fees
}

// Options tune the Service; zero values take the defaults.
type Options struct {
	// MaxConsentDays is the longest a shared-court consent may run
	// (default 365).
	MaxConsentDays int
	// MaxStatementBytes is the largest statement file accepted (default
	// 10 MiB).
	MaxStatementBytes int64
	// MaxStatementLines is the largest number of lines in one statement
	// (default 20,000).
	MaxStatementLines int
}

// Service is the casefund context. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	deps Deps
	opts Options
}

// New returns the casefund service on db.
func New(db *sqldb.DB, deps Deps, opts Options) *Service {
	if opts.MaxConsentDays <= 0 {
		opts.MaxConsentDays = 365
	}
	if opts.MaxStatementBytes <= 0 {
		opts.MaxStatementBytes = 10 << 20
	}
	if opts.MaxStatementLines <= 0 {
		opts.MaxStatementLines = 20000
	}
	return &Service{db: db, deps: deps, opts: opts}
}

// MaxStatementBytes is the largest statement upload accepted.
func (s *Service) MaxStatementBytes() int64 { return s.opts.MaxStatementBytes }

func (s *Service) today() calendar.Date { return calendar.Today(s.db.Clock()) }
