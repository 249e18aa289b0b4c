package fees

import (
	"context"
	"embed"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the fees schema (tables fees_*). It needs audit.Migrations
// and bus.Migrations before it.
var Migrations = sqldb.Embedded("fees", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the fees message bundle (zh-CN.json, en.json).
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the fees pages (namespace "fees"): "fees/bill" and
// "fees/receipt".
var Templates fs.FS = mustSub(templatesFS, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile the fees context uses:
// *casefile.Service satisfies it. Authorize is the one access check;
// AddEvent records fee events on the case timeline.
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
	AddEvent(ctx context.Context, caseID string, e casefile.Event) (casefile.Event, error)
}

// Courts is the part of the court context the fees context uses:
// *court.Service satisfies it. The province of a court chooses the
// provincial fee figures, its calendar the payment deadline.
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
	CalendarFor(ctx context.Context, ref string) (*calendar.Calendar, error)
}

// Option configures New.
type Option func(*Service)

// WithGateway registers a payment gateway under name (lowercase letters,
// digits, '_'): its callbacks arrive at POST /api/v1/fees/callbacks/{name}.
// The first registered gateway is the one StartPayment uses.
func WithGateway(name string, g Gateway) Option {
	return func(s *Service) {
		if s.gateways == nil {
			s.gateways = map[string]Gateway{}
		}
		if _, dup := s.gateways[name]; !dup {
			s.gatewayOrder = append(s.gatewayOrder, name)
		}
		s.gateways[name] = g
	}
}

// WithSchedule replaces the embedded national schedule (tests, or a
// deployment with a newer version loaded by LoadSchedule).
func WithSchedule(sc *Schedule) Option { return func(s *Service) { s.sched = sc } }

// WithBlobs lets the service check that aid attachments exist in the store.
func WithBlobs(b blob.Store) Option { return func(s *Service) { s.blobs = b } }

// WithJobs makes the service keep a durable timer per bill in the platform
// job table (package jobs; the app must migrate jobs.Migrations and call
// RegisterJobs on its runner): a job of kind JobOverdue, keyed by the bill
// ID, due at the start of the day after the bill's due date, moved when an
// aid decision changes the date and cancelled when the bill is paid or
// waived. Without it the app calls MarkOverdue from a timer of its own.
func WithJobs() Option { return func(s *Service) { s.jobs = true } }

// WithCallbackWindow sets how far a callback's timestamp may be from now
// (default 5 minutes); older or newer callbacks are rejected as stale.
func WithCallbackWindow(d time.Duration) Option { return func(s *Service) { s.window = d } }

// Service is the fees context: the schedule, bills, payments, refunds and
// judicial aid. It is safe for concurrent use.
type Service struct {
	db           *sqldb.DB
	cases        Cases
	courts       Courts
	sched        *Schedule
	blobs        blob.Store
	gateways     map[string]Gateway
	gatewayOrder []string
	window       time.Duration
	jobs         bool

	mu      sync.RWMutex
	baseURL string
}

// New returns the fees service. cases and courts may be nil for a service
// that only quotes (Quote); everything else needs both.
func New(db *sqldb.DB, cases Cases, courts Courts, opts ...Option) *Service {
	s := &Service{db: db, cases: cases, courts: courts, sched: DefaultSchedule(), window: 5 * time.Minute}
	for _, o := range opts {
		o(s)
	}
	return s
}

// SetBaseURL sets the absolute URL at which payment gateways and browsers
// reach this server ("https://court.example.cn", or "http://127.0.0.1:8080"
// once the app listens). Notify and return URLs of new payments are built
// on it. Safe to call while serving.
func (s *Service) SetBaseURL(u string) {
	s.mu.Lock()
	s.baseURL = strings.TrimSuffix(u, "/")
	s.mu.Unlock()
}

func (s *Service) base() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.baseURL
}

// Schedule returns the schedule the service quotes on.
func (s *Service) Schedule() *Schedule { return s.sched }

func (s *Service) clock() clock.Clock {
	if s.db == nil {
		return clock.System{}
	}
	return s.db.Clock()
}

func (s *Service) today() calendar.Date { return calendar.Today(s.clock()) }

func asErr(err error) (*errs.Error, bool) {
	if err == nil {
		return nil, false
	}
	return errs.As(err)
}
