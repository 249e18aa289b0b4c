package delivery

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the delivery schema (tables delivery_*). It needs
// audit.Migrations, bus.Migrations and jobs.Migrations before it.
var Migrations = sqldb.Embedded("delivery", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the delivery message bundle (zh-CN.json, en.json): keys
// "delivery.…" and the timeline labels "casefile.event.delivery.…".
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the delivery pages, for web.PageSet{Namespace: "delivery"}:
// "delivery/consent" (the party's 送达地址确认书), "delivery/tracking" (the
// clerk's table of service records and tasks) and "delivery/periods" (the
// case page's fragment, template "periods").
var Templates fs.FS = mustSub(templatesFS, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile delivery uses; *casefile.Service
// satisfies it. Authorize is the one access check; AddEvent puts service
// events on the case timeline.
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
	AddEvent(ctx context.Context, caseID string, e casefile.Event) (casefile.Event, error)
}

// Courts is the part of the court context delivery uses; *court.Service
// satisfies it. Periods and the deemed date of an announcement are computed
// on the calendar of the case's court (CPL Art. 85); the court's name goes
// into notifications.
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
	ComputePeriod(ctx context.Context, req court.PeriodRequest) (court.Period, error)
}

// Notifier hands a notification to the notification context inside the
// caller's transaction (its outbox), so the notification exists exactly
// when the service record does. The app adapts internal/notify to it.
// Outcomes come back later through Service.ChannelSent, ChannelFailed and
// Read, keyed by Outgoing.Ref and the channel.
type Notifier interface {
	Notify(ctx context.Context, tx *sqldb.Tx, n Outgoing) error
}

// Certifier renders and seals a 电子送达凭证 (Online Litigation Rules
// Art. 31 para 3: it has the effect of a 送达回证) and attaches it to the
// case. The app adapts internal/document to it. IssueCertificate must be
// idempotent on Certificate.Key: a retry with the same key returns the same
// document.
type Certifier interface {
	IssueCertificate(ctx context.Context, c Certificate) (DocumentRef, error)
}

// DocumentRef names an issued document: its ID and its public verification
// code.
type DocumentRef struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// Deps are the Service's collaborators. Cases, Courts and Notifier are
// required. Without a Certifier no 电子送达凭证 is produced (records show
// none); the rest works.
type Deps struct {
	Cases     Cases
	Courts    Courts
	Notifier  Notifier
	Certifier Certifier
	// Rules replaces the embedded period rules (tests, or a newer version
	// loaded with LoadRules).
	Rules *Rules
	// CertificateDelay is how long after the legal time of service the
	// certificate is issued if some channel of the attempt has not reported
	// yet (default 10 minutes): a later report with an earlier time would
	// otherwise change the time on it. When every channel has reported the
	// certificate is issued at once.
	CertificateDelay time.Duration
	// ReminderHour is the court-local hour at which period reminders go out
	// (default 9).
	ReminderHour int
	// Logger receives what jobs skip (default slog.Default()).
	Logger *slog.Logger
}

// Service is the delivery context. It is safe for concurrent use.
type Service struct {
	db    *sqldb.DB
	deps  Deps
	rules *Rules
	log   *slog.Logger
}

// New returns the delivery service on db with deps.
func New(db *sqldb.DB, deps Deps) *Service {
	s := &Service{db: db, deps: deps, rules: deps.Rules, log: deps.Logger}
	if s.rules == nil {
		s.rules = DefaultRules()
	}
	if s.deps.CertificateDelay <= 0 {
		s.deps.CertificateDelay = 10 * time.Minute
	}
	if s.deps.ReminderHour <= 0 || s.deps.ReminderHour > 23 {
		s.deps.ReminderHour = 9
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Rules returns the period rules the service computes with.
func (s *Service) Rules() *Rules { return s.rules }

func (s *Service) clock() clock.Clock { return s.db.Clock() }

func (s *Service) today() calendar.Date { return calendar.Today(s.clock()) }

// courtNames returns the court's Chinese and English names for
// notifications ("" when it cannot be found: the message still goes out).
func (s *Service) courtNames(ctx context.Context, courtID string) (zh, en string) {
	ct, err := s.deps.Courts.Find(ctx, courtID)
	if err != nil {
		s.log.Warn("delivery: court not found for a notification", "court_id", courtID, "err", err)
		return "", ""
	}
	return ct.NameZH, ct.Name("en")
}
