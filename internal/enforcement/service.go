package enforcement

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"os"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the enforcement schema (tables enforcement_*). It needs
// audit.Migrations, bus.Migrations and jobs.Migrations before it.
var Migrations = sqldb.Embedded("enforcement", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the enforcement message bundle (zh-CN.json, en.json): keys
// "enforcement.…", the field codes "field.enforcement_…" and the timeline
// labels "casefile.event.enforcement.…".
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the enforcement pages, for web.PageSet{Namespace:
// "enforcement"}: "enforcement/case" (the parties' and officers' case page),
// "enforcement/record" (the officer's node form), "enforcement/officer"
// (the officer's list), "enforcement/apply" (the application form) and
// "enforcement/queue" (the filing officers' queue).
var Templates fs.FS = mustSub(templatesFS, "templates")

//go:embed static
var staticFS embed.FS

// Static holds the pages' scripts and style (live.js, capture.js,
// enforcement.css). The app must add them to its assets under
// "enforcement/" (the templates load "enforcement/live.js",
// "enforcement/capture.js" and "enforcement/enforcement.css").
var Static fs.FS = mustSub(staticFS, "static")

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment of the enforcement API.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile enforcement uses; *casefile.Service
// satisfies it. Authorize is the one access check of every read and
// change; Create opens the enforcement case on acceptance (idempotent by
// Origin) and the 执监 record on escalation; Transition marks the case
// accepted; AddEvent puts the nodes on the case timeline (from a job,
// since it runs its own transaction).
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
	Create(ctx context.Context, nc casefile.NewCase) (casefile.Case, error)
	Transition(ctx context.Context, caseID string, to casefile.Status, reason string) (casefile.Case, error)
	AddEvent(ctx context.Context, caseID string, e casefile.Event) (casefile.Event, error)
	ListMine(ctx context.Context, page casefile.Page) (casefile.List, error)
}

// Courts is the part of the court context enforcement uses; *court.Service
// satisfies it: the court's name, province (fee figures) and the court
// above it (CPL Art. 237), and periods on the court's calendar (CPL
// Art. 85).
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
	ComputePeriod(ctx context.Context, req court.PeriodRequest) (court.Period, error)
}

// Roles tells whether an account holds a role at a court; the identity
// context implements it (as for casefile.WithStaff). Accept checks the
// assigned officers with it.
type Roles interface {
	HasRole(ctx context.Context, accountID, courtID string, role auth.Role) (bool, error)
}

// Titles finds an effective legal document of a platform case (judgment,
// ruling, mediation document, judicial confirmation ruling) by its ID; the
// app adapts internal/document (and the casefile) to it. It is called with
// the applicant's context; the applicant's access to the source case is
// checked here afterwards through Cases.Authorize. A document that does not
// exist, is not effective or is not enforceable is an errs.NotFound error.
type Titles interface {
	EffectiveTitle(ctx context.Context, documentID string) (Title, error)
}

// Notifier hands a notice to the notification context inside the caller's
// transaction, so it exists exactly when the node (or answer) does. The app
// adapts internal/notify to it (notify.Enqueue with the inbox channel, and
// SMS for the recipients whose SMS flag is set; the templates are listed in
// Templates of the notice: see NoticeTemplates).
type Notifier interface {
	Notify(ctx context.Context, tx *sqldb.Tx, n Notice) error
}

// Deps are the Service's collaborators. Cases, Courts and Blobs are
// required. Without Roles, officers are not checked against the court's
// roles; without Titles, applications can only upload their title; without
// Notifier, nobody is notified (nodes still reach open pages live); without
// Hub, the live endpoint answers errs.Unavailable.
type Deps struct {
	Cases    Cases
	Courts   Courts
	Blobs    blob.Store
	Roles    Roles
	Titles   Titles
	Notifier Notifier
	Hub      Hub
	// Logger receives what jobs skip (default slog.Default()).
	Logger *slog.Logger
}

// Options tune the Service. The zero value is valid.
type Options struct {
	// Fees is the fee schedule (default fees.DefaultSchedule()).
	Fees *fees.Schedule
	// Catalogue replaces the embedded node catalogue (tests, or a newer
	// version loaded with LoadCatalogue).
	Catalogue *Catalogue
	// LeadAnswerDays is the answer period of a lead for courts without a
	// setting of their own (default DefaultLeadAnswerDays).
	LeadAnswerDays int
	// Limits are the largest accepted attachment per kind in bytes
	// (default: PDF and images 20 MiB, video 200 MiB).
	Limits map[string]int64
	// TempDir is where uploads are spooled for checking ("" = os.TempDir()).
	TempDir string
}

// Service is the enforcement context. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	deps Deps
	opts Options
	cat  *Catalogue
	log  *slog.Logger
}

// New returns the enforcement service on db (migrated with Migrations).
func New(db *sqldb.DB, deps Deps, opts Options) *Service {
	s := &Service{db: db, deps: deps, opts: opts, cat: opts.Catalogue, log: deps.Logger}
	if s.cat == nil {
		s.cat = DefaultCatalogue()
	}
	if s.opts.Fees == nil {
		s.opts.Fees = fees.DefaultSchedule()
	}
	if s.opts.LeadAnswerDays <= 0 {
		s.opts.LeadAnswerDays = DefaultLeadAnswerDays
	}
	if s.opts.Limits == nil {
		s.opts.Limits = map[string]int64{filing.KindPDF: 20 << 20, filing.KindJPEG: 20 << 20, filing.KindPNG: 20 << 20,
			filing.KindMP4: 200 << 20}
	}
	if s.opts.TempDir == "" {
		s.opts.TempDir = os.TempDir()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Catalogue returns the built-in node catalogue the service uses.
func (s *Service) Catalogue() *Catalogue { return s.cat }

func (s *Service) today() calendar.Date { return calendar.Today(s.db.Clock()) }

// MaxUpload is the largest request body an upload may have.
func (s *Service) MaxUpload() int64 {
	var m int64
	for _, n := range s.opts.Limits {
		m = max(m, n)
	}
	return 4*m + 1<<20 // a few attachments per node
}
