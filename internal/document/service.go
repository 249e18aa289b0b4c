package document

import (
	"context"
	"embed"
	"io/fs"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/web"
	"github.com/ecourt/ecourt/internal/seal"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the document schema (tables documents_*). It needs
// audit.Migrations and bus.Migrations before it.
var Migrations = sqldb.Embedded("document", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the document message bundle (zh-CN.json, en.json).
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the document pages (namespace "document"):
// "document/verify" (public verification) and "document/case" (a case's
// documents, with the fragment "documents-list" for htmx).
var Templates fs.FS = mustSub(templatesFS, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// EventIssued is the outbox event of Issue. Its payload is IssuedPayload;
// the event's CourtID and CaseID are set too. The ledger appends the
// document's hash to its Merkle log when it sees it.
const EventIssued = "ecourt.document.document.issued"

// IssuedPayload is the payload of EventIssued. SHA256 is lowercase hex.
type IssuedPayload struct {
	DocumentID string `json:"document_id"`
	CourtID    string `json:"court_id"`
	CaseID     string `json:"case_id"`
	Kind       string `json:"kind"`
	SHA256     string `json:"sha256"`
}

// Kinds are the document types with a label of their own
// ("document.kind.<kind>"); Issue accepts other well-formed kinds too, shown
// as "other". The templates of these are rendered by document/render.
var Kinds = []string{
	"acceptance_notice",    // 受理通知书
	"fee_notice",           // 交纳诉讼费用通知书
	"evidence_notice",      // 举证通知书
	"answer_notice",        // 应诉通知书
	"summons",              // 传票
	"address_confirmation", // 送达地址确认书
	"service_certificate",  // 电子送达凭证
	"judgment",             // 判决书
	"ruling",               // 裁定书
	"mediation",            // 调解书
	"decision",             // 决定书
	"enforcement_notice",   // 执行通知书
	"notice",               // 通知书
	"other",
}

// KindKey returns the message key of a kind's label.
func KindKey(kind string) string {
	if slices.Contains(Kinds, kind) {
		return "document.kind." + kind
	}
	return "document.kind.other"
}

// Cases is the part of the casefile the document context uses:
// *casefile.Service satisfies it. Authorize is the one access check;
// AddEvent puts an issued document on the case's timeline.
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
	AddEvent(ctx context.Context, caseID string, e casefile.Event) (casefile.Event, error)
}

// Courts gives the names of issuing courts: *court.Service satisfies it.
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
}

// Seals seals and verifies PDFs: *seal.Service satisfies it.
type Seals interface {
	Sign(ctx context.Context, courtID string, pdf []byte, o seal.SignOptions) (seal.Signed, error)
	Verify(ctx context.Context, pdf []byte) (seal.Verification, error)
}

// LedgerStatus is whether a hash is in the platform's append-only Merkle
// log (RFC 6962 style): when Included, the leaf's index, the size of the
// tree the inclusion proof is for, and where to download the proof.
type LedgerStatus struct {
	Included  bool   `json:"included"`
	LeafIndex int64  `json:"leaf_index"`
	TreeSize  int64  `json:"tree_size"`
	ProofURL  string `json:"proof_url"`
}

// Ledger answers whether a document's SHA-256 (32 bytes) is in the
// evidence and document ledger. A hash not yet appended (or appended but
// not yet covered by a signed tree head) is Included false, or an
// errs.NotFound error: the public sees "pending". Other errors show as
// "unavailable".
type Ledger interface {
	Inclusion(ctx context.Context, sha256 []byte) (LedgerStatus, error)
}

// Deps are the services the document context uses. Cases, Courts, Seals
// and Blobs are required; Ledger may be nil (inclusion then shows as
// unavailable).
type Deps struct {
	Cases  Cases
	Courts Courts
	Seals  Seals
	Blobs  blob.Store
	Ledger Ledger
}

// Option configures New.
type Option func(*Service)

// WithLimiter replaces the rate limiter of the public verification routes
// (default: per client IP, bursts of 20, then one request every 3
// seconds).
func WithLimiter(l *web.RateLimiter) Option { return func(s *Service) { s.limiter = l } }

// WithMaxUpload sets the largest PDF the public verification accepts
// (default 20 MiB).
func WithMaxUpload(n int64) Option { return func(s *Service) { s.maxUpload = n } }

// Service is the document context: issuing sealed documents, access to a
// case's documents and public verification. It is safe for concurrent use.
type Service struct {
	db        *sqldb.DB
	cases     Cases
	courts    Courts
	seals     Seals
	blobs     blob.Store
	ledger    Ledger
	limiter   *web.RateLimiter
	maxUpload int64
}

// DefaultMaxUpload is the default limit of a verification upload.
const DefaultMaxUpload = 20 << 20

// MaxIssue is the largest PDF Issue accepts.
const MaxIssue = 64 << 20

// New returns the document service.
func New(db *sqldb.DB, d Deps, opts ...Option) *Service {
	s := &Service{db: db, cases: d.Cases, courts: d.Courts, seals: d.Seals, blobs: d.Blobs, ledger: d.Ledger,
		maxUpload: DefaultMaxUpload}
	for _, o := range opts {
		o(s)
	}
	if s.limiter == nil {
		s.limiter = web.NewRateLimiter(rate.Every(3*time.Second), 20)
	}
	return s
}
