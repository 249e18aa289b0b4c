package exhibit

import (
	"context"
	"embed"
	"io/fs"
	"os"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the exhibit schema (tables exhibit_*). It needs
// audit.Migrations and bus.Migrations before it.
var Migrations = sqldb.Embedded("exhibit", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the exhibit message bundle (zh-CN.json, en.json): keys
// "exhibit.…" and the field codes "field.exhibit_…".
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the exhibit pages, for web.PageSet{Namespace: "exhibit"}:
// "exhibit/list" (the exhibit list of a case with every opinion, the
// opinion form and the judge's dispute marks).
var Templates fs.FS = mustSub(templatesFS, "templates")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile exhibit uses; *casefile.Service
// satisfies it. Authorize is the one access check of every read and change;
// Consents tells whether each party agreed to online evidence exchange
// (casefile.StageEvidence) before an exchange is opened.
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
	Consents(ctx context.Context, caseID string) ([]casefile.Consent, error)
}

// FiledItem is one item of evidence that came with the case's filing
// (the complaint's evidence), stored in the blob store by its SHA-256.
type FiledItem struct {
	ID       string // the filing context's evidence ID
	Name     string
	Purpose  string
	Source   string
	FileName string
	Kind     string // one of filing.Kinds
	SHA256   string
	Size     int64
}

// Filings gives the evidence filed with a case. The app adapts
// internal/filing to it (the application of the case, role "evidence").
// Submitting a filed item by reference is only possible for items it
// returns, so nobody can turn a blob hash they learned elsewhere into an
// exhibit. It is called with the caller's context after the casefile check
// has passed (use casefile.AsSystem inside if filing's own check would
// refuse the defendant).
type Filings interface {
	FiledEvidence(ctx context.Context, caseID string) ([]FiledItem, error)
}

// HearingRef is what exhibit needs to know about a hearing.
type HearingRef struct {
	ID     string
	CaseID string
}

// Attendee is the signed-in caller as a participant of a hearing's room,
// as the hearing context sees them now.
type Attendee struct {
	HearingID string
	CaseID    string
	CourtID   string
	// Identity and Kind name the caller's participant in the room (its
	// video identity; "witness", "party", "representative", "presiding" …),
	// for the audit record.
	Identity string
	Kind     string
	// Admitted reports whether the caller is in the hearing's main room at
	// this moment: admitted by the court, or a witness brought in — not
	// waiting, not a witness kept out (Online Litigation Rules Art. 26), not
	// in a private consultation, not left, interrupted or removed.
	Admitted bool
	// Ended reports whether the hearing is closed or cancelled.
	Ended bool
}

// Hearings is what exhibit asks the hearing context; the app adapts
// internal/hearing to it.
type Hearings interface {
	// FindHearing finds a hearing by ID. A hearing that does not exist is
	// an errs.NotFound error.
	FindHearing(ctx context.Context, hearingID string) (HearingRef, error)
	// FindAttendee returns the signed-in caller's place in the hearing's
	// room, also for a participant who may not read the case file (a
	// witness). A hearing that does not exist, or of which the caller is
	// no participant, is an errs.NotFound error; errs.Unauthenticated
	// without a principal.
	FindAttendee(ctx context.Context, hearingID string) (Attendee, error)
}

// Deps are the Service's collaborators. Cases and Blobs are required.
// Without Filings, exhibits can only be uploaded; without Hearings,
// Present and Presented answer errs.Unavailable; without Live, Watch does.
type Deps struct {
	Cases    Cases
	Blobs    blob.Store
	Filings  Filings
	Hearings Hearings
	// Live feeds Watch and the hearing's event stream (optional).
	Live Live
	// Limits are the largest accepted file per kind in bytes (default:
	// PDF and images 20 MiB, audio 50 MiB, video 200 MiB).
	Limits map[string]int64
	// TempDir is where uploads are spooled for checking ("" = os.TempDir()).
	TempDir string
}

// Service is the exhibit context. It is safe for concurrent use.
type Service struct {
	db     *sqldb.DB
	deps   Deps
	limits map[string]int64
}

// DefaultLimits are the per-kind size limits used when Deps.Limits is nil.
func DefaultLimits() map[string]int64 {
	return map[string]int64{filing.KindPDF: 20 << 20, filing.KindJPEG: 20 << 20, filing.KindPNG: 20 << 20,
		filing.KindMP3: 50 << 20, filing.KindWAV: 50 << 20, filing.KindMP4: 200 << 20}
}

// New returns the exhibit service on db with deps.
func New(db *sqldb.DB, deps Deps) *Service {
	s := &Service{db: db, deps: deps, limits: deps.Limits}
	if s.limits == nil {
		s.limits = DefaultLimits()
	}
	if s.deps.TempDir == "" {
		s.deps.TempDir = os.TempDir()
	}
	return s
}

func (s *Service) today() calendar.Date { return calendar.Today(s.db.Clock()) }

// MaxUpload is the largest request body an upload may have.
func (s *Service) MaxUpload() int64 {
	var m int64
	for _, n := range s.limits {
		m = max(m, n)
	}
	return m + 1<<20
}
