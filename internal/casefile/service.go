package casefile

import (
	"context"
	"embed"
	"io/fs"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the casefile's schema. The app runs it after audit.Migrations
// and bus.Migrations.
var Migrations = sqldb.MigrationSet{Name: "casefile", FS: mustSub(migrationsFS, "migrations")}

//go:embed messages/*.json
var messagesFS embed.FS

// Messages is the casefile's message bundle (zh-CN.json and en.json):
// labels of statuses, procedures, party roles, stages and timeline events,
// and error messages.
var Messages fs.FS = mustSub(messagesFS, "messages")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// CourtRef is what the casefile needs to know of a court.
type CourtRef struct {
	ID   string
	Code string // 法院代字 (法〔2015〕137号 Art. 4–5), e.g. "浙0225"
}

// Courts is the part of the court context the casefile uses; the app adapts
// court.Service to it. Its methods are called inside casefile transactions,
// so they must not open a write transaction on the same database.
type Courts interface {
	// CaseCourt returns the court that numbers cases as courtID, or an
	// errs.NotFound error.
	CaseCourt(ctx context.Context, courtID string) (CourtRef, error)
	// IsAbove reports whether court upper is above court lower in the
	// hierarchy (an appeal from lower may lie to upper).
	IsAbove(ctx context.Context, upper, lower string) (bool, error)
}

// Staff tells whether an account holds a role at a court; the identity
// context implements it. Assign uses it to check the people assigned.
type Staff interface {
	HasRole(ctx context.Context, accountID, courtID string, role auth.Role) (bool, error)
}

// Option configures a Service.
type Option func(*Service)

// WithStaff sets the staff directory that Assign checks against. Without it
// Assign fails with errs.Unavailable.
func WithStaff(st Staff) Option { return func(s *Service) { s.staff = st } }

// Service holds the casefile's rules. It is safe for concurrent use.
type Service struct {
	db     *sqldb.DB
	courts Courts
	staff  Staff
}

// New returns a Service on db (migrated with Migrations, after audit and
// bus) that asks courts about the court hierarchy.
func New(db *sqldb.DB, courts Courts, opts ...Option) *Service {
	s := &Service{db: db, courts: courts}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Get returns the case when the principal may read it (see Authorize), with
// the parties' identity and phone numbers masked for readers who may not see
// them, and records the read in the audit log.
func (s *Service) Get(ctx context.Context, caseID string) (Case, error) {
	ctx = withActor(ctx)
	var c Case
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		g, err := s.authorize(ctx, tx, caseID, NeedRead)
		if err != nil {
			return err
		}
		c = g.finish()
		return s.auditRead(ctx, tx, c, map[string]any{"what": "case"})
	})
	if err != nil {
		s.auditDenied(ctx, caseID, NeedRead, err)
		return Case{}, err
	}
	return c, nil
}

// Timeline returns the case's timeline, oldest first. Parties and
// representatives do not see staff-only entries. The read is audited.
func (s *Service) Timeline(ctx context.Context, caseID string) ([]Event, error) {
	ctx = withActor(ctx)
	var out []Event
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		g, err := s.authorize(ctx, tx, caseID, NeedRead)
		if err != nil {
			return err
		}
		if out, err = loadTimeline(ctx, tx, g.c, g.staff); err != nil {
			return err
		}
		return s.auditRead(ctx, tx, g.c, map[string]any{"what": "timeline"})
	})
	if err != nil {
		s.auditDenied(ctx, caseID, NeedRead, err)
		return nil, err
	}
	return out, nil
}

// ListMine lists the cases in which the signed-in person is a party (with
// a linked account) or a representative, newest first. Each listed case
// passes the access check and gets its own "casefile.case.read" audit
// entry, so that the audit trail of a case (audit.ListForCase) shows every
// list it appeared in, in its own court's chain.
func (s *Service) ListMine(ctx context.Context, page Page) (List, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return List{}, err
	}
	var out List
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cases, err := listByAccount(ctx, tx, p.UserID, page)
		if err != nil {
			return err
		}
		out, err = s.checkedList(ctx, tx, cases, page, "mine")
		return err
	})
	return out, err
}

// Query selects cases in Search; every non-empty field must match. Number,
// Party (a party's name) and Cause match substrings; Text matches any of
// the three; Status matches exactly.
type Query struct {
	Number string
	Party  string
	Status Status
	Cause  string
	Text   string
}

// Search lists the cases of court courtID matching qy, newest first. Only
// case-handling staff of that court (and platform administrators) may
// search it; others get errs.Forbidden. Every listed case passes the access
// check and its read is audited, one entry per case.
func (s *Service) Search(ctx context.Context, courtID string, qy Query, page Page) (List, error) {
	ctx = withActor(ctx)
	if err := requireCourtStaff(ctx, courtID); err != nil {
		return List{}, err
	}
	if qy.Status != "" && !qy.Status.Valid() {
		return List{}, errs.Fields(errs.Field("status", "casefile_status"))
	}
	var out List
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cases, err := searchCases(ctx, tx, courtID, qy, page)
		if err != nil {
			return err
		}
		out, err = s.checkedList(ctx, tx, cases, page, "search")
		return err
	})
	return out, err
}

// checkedList passes each case of a list through the access check, audits
// its read and builds the page.
func (s *Service) checkedList(ctx context.Context, tx *sqldb.Tx, cases []Case, page Page, via string) (List, error) {
	out := List{Items: []Summary{}}
	if len(cases) > page.limit() {
		cases = cases[:page.limit()]
		out.Next = cases[len(cases)-1].ID
	}
	for _, c := range cases {
		g, err := s.authorize(ctx, tx, c.ID, NeedRead)
		if err != nil {
			return List{}, err
		}
		if err := s.auditRead(ctx, tx, g.c, map[string]any{"what": "list", "via": via}); err != nil {
			return List{}, err
		}
		out.Items = append(out.Items, g.c.summary())
	}
	return out, nil
}

// requireCourtStaff checks that the caller is case-handling staff of court,
// a platform administrator or the system.
func requireCourtStaff(ctx context.Context, courtID string) error {
	if isSystem(ctx) {
		return nil
	}
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	if courtID == "" || !(p.Has(courtID, caseRoles...) || p.Has("", auth.PlatformAdmin)) {
		return errs.New(errs.Forbidden, "casefile.error.forbidden")
	}
	return nil
}

// Counts returns, for court courtID's dashboard, the number of its cases in
// each open status (every status but closed; statuses without cases count
// 0). Only the court's case-handling staff and platform administrators may
// ask. No case data is returned, so nothing is audited.
func (s *Service) Counts(ctx context.Context, courtID string) (map[Status]int, error) {
	if err := requireCourtStaff(ctx, courtID); err != nil {
		return nil, err
	}
	return countByStatus(ctx, s.db, courtID)
}

// Appealed reports whether a later case names caseID as its original (an
// appeal, or a retrial): a first-instance judgment against which an appeal
// was filed does not take effect (CPL Art. 171, 182). The caller must be
// allowed to read caseID (the check is audited); nothing of the later case
// is returned.
func (s *Service) Appealed(ctx context.Context, caseID string) (bool, error) {
	if _, err := s.Authorize(ctx, caseID, NeedRead); err != nil {
		return false, err
	}
	return hasChildCase(ctx, s.db, caseID)
}

// change runs fn in a transaction after the access check for need, and
// appends the audit entry action for the case. fn gets the unmasked grant.
func (s *Service) change(ctx context.Context, caseID string, need Need, action string, fn func(tx *sqldb.Tx, g grant) (detail any, err error)) error {
	ctx = withActor(ctx)
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		g, err := s.authorize(ctx, tx, caseID, need)
		if err != nil {
			return err
		}
		detail, err := fn(tx, g)
		if err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: action, CourtID: g.c.CourtID, CaseID: g.c.ID, Detail: detail})
	})
	if err != nil {
		s.auditDenied(ctx, caseID, need, err)
	}
	return err
}

// enqueue writes a casefile event to the outbox in tx.
func enqueue(ctx context.Context, tx *sqldb.Tx, typ string, c Case, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID = c.CourtID, c.ID
	ev.Actor = audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}
