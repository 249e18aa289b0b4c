// Package hearing is the hearing context: scheduling hearings (开庭) with
// their conflicts, notice period and online/offline mode per party, the
// iCalendar feed of every participant, and the rules of the online hearing
// room (waiting room, seats, moderators, witnesses, technical
// interruptions). Video itself is behind the Rooms interface, which the app
// adapts to internal/video (embedded LiveKit or a cluster).
//
// Legal basis: CPL Art. 137 (public hearings), Art. 139 (three days'
// notice), Art. 140 (the clerk checks attendance); Online Litigation Rules
// (人民法院在线诉讼规则) Art. 4 (consent per stage), Art. 7 (identity),
// Art. 21 (when a hearing must not be online), Art. 24 (the online
// courtroom: emblem and seat names), Art. 25 (technical interruption is not
// refusal to appear), Art. 26 (witnesses do not follow the hearing).
//
// # Events
//
// ecourt.hearing.hearing.{scheduled,rescheduled,cancelled,opened,closed}
// carry a Summons payload (see Summons); ecourt.hearing.room.changed carries
// a RoomChange and feeds the room pages' SSE stream.
//
// # Wiring
//
// Migrate Migrations after audit, bus and jobs; add Messages to the
// catalogue, Templates as web.PageSet{Namespace: "hearing"}, Static to the
// assets under "hearing/" (templates load "hearing/room.js",
// "hearing/selftest.js" and "vendor/livekit-client.umd.js"); call Routes
// and Pages; RegisterJobs on the job runner; feed RoomLeft from the video
// service's participant-left events of every "hearing-…" room (the
// hearing's room and its consultation rooms); serve summonses from the
// ecourt.hearing.hearing.* events. OpenAPI returns the API fragment.
package hearing

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the hearing schema (tables hearing_*). It needs
// audit.Migrations, bus.Migrations and jobs.Migrations before it.
var Migrations = sqldb.Embedded("hearing", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the hearing message bundle (zh-CN.json, en.json): keys
// "hearing.…", the field codes "field.hearing_…" and the timeline labels
// "casefile.event.hearing.…".
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the hearing pages, for web.PageSet{Namespace: "hearing"}:
// "hearing/schedule", "hearing/selftest", "hearing/room", "hearing/public"
// and "hearing/live".
var Templates fs.FS = mustSub(templatesFS, "templates")

//go:generate go run emblem_gen.go static/emblem.svg
//go:embed static
var staticFS embed.FS

// Static holds the hearing pages' scripts (room.js, selftest.js), their
// stylesheet (room.css) and the national emblem (emblem.svg, drawn by
// emblem_gen.go). The app must add them to the asset set under the names
// "hearing/…" (e.g. by mounting this FS at "hearing/" in the web.Assets it
// builds), since the templates reference them through the asset helper.
var Static fs.FS = mustSub(staticFS, "static")

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment of the hearing API.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile the hearing context uses;
// *casefile.Service satisfies it.
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
	Consents(ctx context.Context, caseID string) ([]casefile.Consent, error)
	AddEvent(ctx context.Context, caseID string, e casefile.Event) (casefile.Event, error)
}

// Staff tells whether an account holds a role at a court; the identity
// context implements it (as for casefile.WithStaff). Schedule uses it to
// check that the bench are judges and the clerk a clerk of the court.
type Staff interface {
	HasRole(ctx context.Context, accountID, courtID string, role auth.Role) (bool, error)
}

// Deps are the Service's collaborators. Cases and Rooms are required; Bus
// is needed only for the SSE stream of the room pages. Without Staff the
// bench and clerk named in a schedule request are not checked against the
// court's roles.
type Deps struct {
	Cases Cases
	Rooms Rooms
	Staff Staff
	Bus   *bus.Bus
	// Logger receives what jobs skip (default slog.Default()).
	Logger *slog.Logger
}

// Service is the hearing context. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	deps Deps
	log  *slog.Logger
}

// New returns the hearing service on db (migrated with Migrations).
func New(db *sqldb.DB, deps Deps) *Service {
	s := &Service{db: db, deps: deps, log: deps.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

func (s *Service) clock() clock.Clock { return s.db.Clock() }
