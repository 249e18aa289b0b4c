// Package filing is the online-filing bounded context (网上立案): a litigant,
// a lawyer or agent for a client, or a clerk at the counter for a person who
// cannot go online, files a complaint at a court from a phone; the court's
// filing officer accepts it (the case opens in casefile with its number),
// asks once for every correction it needs, or refuses it (不予受理) with the
// reasons and the 10-day appeal right. If the court has not decided when the
// 7-day period ends, the case is registered by default (登记立案规定 Art. 8).
//
// The complaint itself (templates, validation of the answers, rendering) is
// the complaint subpackage; this package holds the application, its evidence
// and its statutory clock, the court's decisions, and their pages and API.
//
// Every change of an application is one transaction that writes the new
// state, an outbox event (ecourt.filing.application.<verb>) and an audit
// entry together; see transition.
package filing

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the filing context's schema (tables filing_*). The app runs
// it after audit.Migrations, bus.Migrations and jobs.Migrations.
var Migrations = sqldb.Embedded("filing", migrationsFS)

//go:embed messages/*.json
var messagesFS embed.FS

// Messages is the filing context's message bundle (zh-CN.json, en.json),
// keys "filing.…" and the field codes "field.filing_…". The complaint
// templates' own bundle is complaint.Messages; the app loads both.
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates/*.html
var templatesFS embed.FS

// Templates are the filing pages, for web.PageSet{Namespace: "filing"}.
var Templates fs.FS = mustSub(templatesFS, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Courts is the part of the court context filing uses; *court.Service
// implements it.
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
	List(ctx context.Context, f court.Filter) ([]court.Court, error)
	ComputePeriod(ctx context.Context, req court.PeriodRequest) (court.Period, error)
}

// Recognizer reads identity-card photos off the request path; the app
// adapts idocr.Recognizer to it. Tests use a fake, so they run without
// tesseract.
type Recognizer interface {
	// Available reports whether recognition works on this server.
	Available() bool
	// Submit queues a photo and returns the job's ID.
	Submit(img []byte) (string, error)
	// Status returns the job; errs.NotFound for an unknown ID.
	Status(jobID string) (OCRJob, error)
}

// OCR job states.
const (
	OCRPending = "pending"
	OCRDone    = "done"
	OCRFailed  = "failed"
)

// OCRJob is the state of one recognition.
type OCRJob struct {
	State  string // OCRPending, OCRDone or OCRFailed
	Result OCRResult
	// ErrKey is the i18n key of the failure, when State is OCRFailed.
	ErrKey string
}

// OCRResult is what was read from a card, for the person to confirm.
// Problems maps a field name (name, sex, ethnicity, birth_date, address,
// id_number) to the i18n key of the problem to show next to it.
type OCRResult struct {
	Name, Sex, Ethnicity, BirthDate, Address, IDNumber string
	Problems                                           map[string]string
}

// Quoter previews the litigation fee; the app adapts fees.Service.Quote to
// it. Kind is the template's fee kind ("property", "divorce", …).
type Quoter interface {
	QuoteFee(ctx context.Context, kind string, amountFen int64, procedure string) (FeeQuote, error)
}

// FeeQuote is a fee preview.
type FeeQuote struct {
	FeeFen int64
	// PayableLater is true for fees paid only when the case ends or on
	// application (shown as such, not as a prepayment).
	PayableLater bool
}

// Deps are the Service's collaborators. Courts, Cases and Blobs are
// required; OCR and Quoter are optional (without them the pages say that
// recognition / the fee preview is unavailable).
type Deps struct {
	Courts Courts
	Cases  *casefile.Service
	Blobs  blob.Store
	OCR    Recognizer
	Quoter Quoter
	// FeeURL is the page where the litigant pays a case's fee (the fees
	// context's); nil links to the case page.
	FeeURL func(caseID string) string
	// TempDir holds uploads while they are checked ("" for os.TempDir()).
	TempDir string
}

// Service holds the filing rules. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	deps Deps
	cfg  config

	// afterCaseCreated runs between the case's creation and its recording
	// on the application; tests use it to simulate a crash there.
	afterCaseCreated func(appID string) error
}

// New returns a Service on db (migrated with Migrations after audit, bus
// and jobs).
func New(db *sqldb.DB, deps Deps) *Service {
	return &Service{db: db, deps: deps, cfg: loadConfig()}
}

// acceptLease bounds how long one attempt to open the case may take before
// another (the finish-accept job) may take over.
const acceptLease = 2 * time.Minute
