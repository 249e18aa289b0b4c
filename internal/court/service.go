package court

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Service holds the court rules. It keeps the whole court list in memory
// (a few thousand rows at most): loaded at Seed or on first use, replaced
// after every change this process commits. Courts change only through Seed,
// that is with a new release's data, so processes that share a database
// agree once each has started; Reload picks up changes made by others.
type Service struct {
	db    *sqldb.DB
	cal   *calendar.Calendar
	local map[string]*calendar.Calendar // court code → calendar with local closures
	data  Dataset

	snap   atomic.Pointer[snapshot]
	loadMu sync.Mutex
}

// Option configures a Service.
type Option func(*Service)

// WithLocalCalendar makes cal the calendar of the court with the given code
// (for example the national calendar plus the court's typhoon closures,
// built with calendar.Calendar.With). Courts without one use the national
// calendar.
func WithLocalCalendar(code string, cal *calendar.Calendar) Option {
	return func(s *Service) { s.local[code] = cal }
}

// WithData replaces the embedded court list (tests, or a deployment that
// loads a newer list with LoadData).
func WithData(d Dataset) Option {
	return func(s *Service) { s.data = d }
}

// New returns the court service on db. cal is the national court calendar;
// nil means calendar.Default(). Call Seed once at start-up.
func New(db *sqldb.DB, cal *calendar.Calendar, opts ...Option) *Service {
	if cal == nil {
		cal = calendar.Default()
	}
	s := &Service{db: db, cal: cal, local: map[string]*calendar.Calendar{}}
	for _, o := range opts {
		o(s)
	}
	if s.data.Version == "" {
		s.data = EmbeddedData()
	}
	return s
}

// Data returns the court list the service seeds from, with its version and
// provenance notes.
func (s *Service) Data() Dataset { return s.data }

// snapshot is an immutable view of every court.
type snapshot struct {
	list     []Court // in hierarchy order, see less
	byID     map[string]int
	byCode   map[string]int
	children map[string][]int // parent ID → indexes, in list order
}

// less orders courts by hierarchy: level, then province, then code.
func less(a, b Court) int {
	return cmp.Or(cmp.Compare(a.Level.Rank(), b.Level.Rank()),
		cmp.Compare(a.Province, b.Province), cmp.Compare(a.Code, b.Code))
}

func newSnapshot(courts []Court) *snapshot {
	list := slices.Clone(courts)
	slices.SortFunc(list, less)
	sn := &snapshot{list: list, byID: make(map[string]int, len(list)),
		byCode: make(map[string]int, len(list)), children: map[string][]int{}}
	for i, c := range list {
		sn.byID[c.ID] = i
		sn.byCode[c.Code] = i
	}
	for i := range list {
		c := &list[i]
		c.CaseCode = c.Code
		if c.Level == Tribunal {
			if p, ok := sn.byID[c.ParentID]; ok {
				c.CaseCode = list[p].Code
			}
		}
		if c.ParentID != "" {
			sn.children[c.ParentID] = append(sn.children[c.ParentID], i)
		}
	}
	return sn
}

// current returns the cached snapshot, loading it on first use.
func (s *Service) current(ctx context.Context) (*snapshot, error) {
	if sn := s.snap.Load(); sn != nil {
		return sn, nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if sn := s.snap.Load(); sn != nil {
		return sn, nil
	}
	return s.reload(ctx)
}

func (s *Service) reload(ctx context.Context) (*snapshot, error) {
	courts, err := loadCourts(ctx, s.db)
	if err != nil {
		return nil, err
	}
	sn := newSnapshot(courts)
	s.snap.Store(sn)
	return sn, nil
}

// Reload replaces the cached court list with the database's.
func (s *Service) Reload(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	_, err := s.reload(ctx)
	return err
}

func notFound() error { return errs.New(errs.NotFound, "court.not_found") }

// Find returns the court with the given ID, or an errs.NotFound error.
func (s *Service) Find(ctx context.Context, id string) (Court, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return Court{}, err
	}
	i, ok := sn.byID[id]
	if !ok {
		return Court{}, notFound()
	}
	return sn.list[i], nil
}

// FindByCode returns the court with the given code ("浙0225", "最高法", or a
// tribunal's slug), or an errs.NotFound error.
func (s *Service) FindByCode(ctx context.Context, code string) (Court, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return Court{}, err
	}
	i, ok := sn.byCode[code]
	if !ok {
		return Court{}, notFound()
	}
	return sn.list[i], nil
}

// Resolve returns the court named by ref, an ID or a code; errs.NotFound
// when there is none.
func (s *Service) Resolve(ctx context.Context, ref string) (Court, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return Court{}, err
	}
	i, ok := sn.resolve(ref)
	if !ok {
		return Court{}, notFound()
	}
	return sn.list[i], nil
}

// resolve finds ref as an ID, else as a code.
func (sn *snapshot) resolve(ref string) (int, bool) {
	if ids.Valid(ref) {
		i, ok := sn.byID[strings.ToLower(ref)]
		return i, ok
	}
	i, ok := sn.byCode[ref]
	return i, ok
}

// List returns the courts that match f in hierarchy order (level, then
// province, then code). An unknown level or kind, or a parent that does not
// exist, is an errs.Invalid error naming the field ("level", "kind",
// "parent").
func (s *Service) List(ctx context.Context, f Filter) ([]Court, error) {
	var bad errs.Collector
	if f.Level != "" && !f.Level.Valid() {
		bad.AddField(errs.FieldError{Field: "level", Code: "unknown", Key: "court.field.level"})
	}
	if f.Kind != "" && !f.Kind.Valid() {
		bad.AddField(errs.FieldError{Field: "kind", Code: "unknown", Key: "court.field.kind"})
	}
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	parentID := ""
	if f.ParentID != "" {
		if i, ok := sn.resolve(f.ParentID); ok {
			parentID = sn.list[i].ID
		} else {
			bad.AddField(errs.FieldError{Field: "parent", Code: "unknown", Key: "court.field.parent"})
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	out := []Court{}
	for _, c := range sn.list {
		switch {
		case f.Level != "" && c.Level != f.Level,
			f.Kind != "" && c.Kind != f.Kind,
			parentID != "" && c.ParentID != parentID,
			f.Province != "" && c.Province != f.Province,
			q != "" && !strings.Contains(strings.ToLower(c.Code), q) &&
				!strings.Contains(c.NameZH, q) && !strings.Contains(strings.ToLower(c.NameEN), q):
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// Children returns the courts directly under the court ref (an ID or a
// code), in hierarchy order; errs.NotFound when there is no such court.
func (s *Service) Children(ctx context.Context, ref string) ([]Court, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	i, ok := sn.resolve(ref)
	if !ok {
		return nil, notFound()
	}
	id := sn.list[i].ID
	out := make([]Court, 0, len(sn.children[id]))
	for _, i := range sn.children[id] {
		out = append(out, sn.list[i])
	}
	return out, nil
}

// Ancestors returns the courts above id along parent links, nearest first,
// ending with the SPC; empty for the SPC itself. errs.NotFound when id is
// unknown.
func (s *Service) Ancestors(ctx context.Context, id string) ([]Court, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	i, ok := sn.byID[id]
	if !ok {
		return nil, notFound()
	}
	var out []Court
	for p := sn.list[i].ParentID; p != ""; {
		j, ok := sn.byID[p]
		if !ok || len(out) > len(Levels) { // a dangling or cyclic link in hand-edited rows
			break
		}
		out = append(out, sn.list[j])
		p = sn.list[j].ParentID
	}
	return out, nil
}

// IsAbove reports whether the court upper is above the court lower: reachable
// from lower by following parent and appeal-court links, so that an appeal
// court and every court above it "see" the cases of the courts below
// (casefile's access rule for a higher court on appeal). A court is not
// above itself. errs.NotFound when either court is unknown.
func (s *Service) IsAbove(ctx context.Context, upper, lower string) (bool, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return false, err
	}
	if _, ok := sn.byID[upper]; !ok {
		return false, notFound()
	}
	start, ok := sn.byID[lower]
	if !ok {
		return false, notFound()
	}
	seen := map[string]bool{sn.list[start].ID: true}
	queue := []int{start}
	for len(queue) > 0 {
		c := sn.list[queue[0]]
		queue = queue[1:]
		for _, next := range []string{c.ParentID, c.AppealCourtID} {
			if next == "" || seen[next] {
				continue
			}
			if next == upper {
				return true, nil
			}
			seen[next] = true
			if j, ok := sn.byID[next]; ok {
				queue = append(queue, j)
			}
		}
	}
	return false, nil
}

// CaseCourt returns the court whose code numbers the cases of the court id:
// the court itself, or for a people's tribunal its basic court (a tribunal
// is part of the basic court; 法〔2015〕137号 Art. 2 gives case numbers only
// the 承办法院's code). errs.NotFound when id is unknown.
func (s *Service) CaseCourt(ctx context.Context, id string) (Court, error) {
	c, err := s.Find(ctx, id)
	if err != nil || c.Level != Tribunal {
		return c, err
	}
	return s.Find(ctx, c.ParentID)
}

// AppealCourt returns the court that hears appeals from the court id;
// errs.NotFound when id is unknown or is the SPC.
func (s *Service) AppealCourt(ctx context.Context, id string) (Court, error) {
	c, err := s.Find(ctx, id)
	if err != nil {
		return Court{}, err
	}
	if c.AppealCourtID == "" {
		return Court{}, notFound()
	}
	return s.Find(ctx, c.AppealCourtID)
}
