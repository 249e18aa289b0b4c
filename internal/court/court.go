// Package court is the court bounded context: the hierarchy of Chinese
// courts, their court codes (法院代字) that number cases, and the court
// calendar that fixes procedural deadlines.
//
// The court list is versioned data (data/courts_cn.json, embedded), seeded
// idempotently at every start by Service.Seed and held in memory afterwards,
// so lookups do not touch the database. Codes follow 法〔2015〕137号 Art. 4–5
// as amended by 法〔2018〕335号; see the data file's notes for what is
// verified.
package court

import (
	"embed"
	"io/fs"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the court context's schema (tables court_*). It needs the
// audit and bus sets migrated before it, since Seed writes audit entries and
// outbox events.
var Migrations = sqldb.MigrationSet{Name: "court", FS: mustSub(migrationsFS, "migrations")}

//go:embed messages/*.json
var messagesFS embed.FS

// Messages is the court context's i18n bundle (zh-CN.json, en.json): the
// level and kind labels ("court.level.basic", "court.kind.maritime") and the
// context's error messages.
var Messages fs.FS = mustSub(messagesFS, "messages")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// Level is a court's place in the hierarchy (人民法院组织法 Art. 12–13).
type Level string

// The levels, top down. A tribunal (人民法庭) is part of a basic court: it
// sits below it and numbers its cases under the basic court's code.
const (
	Supreme      Level = "supreme"
	High         Level = "high"
	Intermediate Level = "intermediate"
	Basic        Level = "basic"
	Tribunal     Level = "tribunal"
)

// Levels lists every level, top down.
var Levels = []Level{Supreme, High, Intermediate, Basic, Tribunal}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return slices.Contains(Levels, l) }

// Rank returns l's depth in the hierarchy: 0 for the SPC, 4 for a tribunal,
// and len(Levels) for an unknown level.
func (l Level) Rank() int {
	if i := slices.Index(Levels, l); i >= 0 {
		return i
	}
	return len(Levels)
}

// MessageKey returns the i18n key of l's label ("court.level.basic").
func (l Level) MessageKey() string { return "court.level." + string(l) }

// Kind says whether a court is a general court or a specialised one.
type Kind string

// The kinds. Specialised intermediate courts take the fixed digit codes of
// 法〔2015〕137号 Art. 5 item (三) as amended by 法〔2018〕335号: 71 railway,
// 72 maritime, 73 intellectual property.
const (
	General   Kind = "general"
	Maritime  Kind = "maritime"
	IP        Kind = "ip"
	Internet  Kind = "internet"
	Financial Kind = "financial"
	Railway   Kind = "railway"
	Military  Kind = "military"
	Other     Kind = "other"
)

// Kinds lists every kind.
var Kinds = []Kind{General, Maritime, IP, Internet, Financial, Railway, Military, Other}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// MessageKey returns the i18n key of k's label ("court.kind.maritime").
func (k Kind) MessageKey() string { return "court.kind." + string(k) }

// Court is one court. IDs are UUIDv7 derived from the code and ValidFrom
// (see SeedID), so they are the same in every deployment and stable across
// restarts.
type Court struct {
	ID string
	// Code is the court code (法院代字) of 法〔2015〕137号 Art. 4–5, e.g.
	// "浙0225" or "最高法". A tribunal has its own slug ("浙0225-石浦") that is
	// not an official code: number its cases with CaseCode.
	Code string
	// CaseCode is the code that numbers this court's cases: Code itself, or
	// the basic court's code for a tribunal.
	CaseCode string
	NameZH   string
	NameEN   string
	Level    Level
	Kind     Kind
	// ParentID is the court above ("" for the SPC): basic → intermediate →
	// high → SPC, tribunal → basic; a specialised court sits under the court
	// that hears its appeals.
	ParentID string
	// AppealCourtID is the court that hears appeals from this one: normally
	// ParentID, set explicitly where not (a tribunal's judgments go to its
	// basic court's appeal court). "" for the SPC.
	AppealCourtID string
	// Province is the two-digit GB/T 2260 province code ("33"), "" for
	// courts of no province (the SPC, the PLA Military Court).
	Province string
	// RegionCode is the six-digit GB/T 2260 code the court code derives
	// from ("330225"), "" where none applies (specialised courts, tribunals).
	RegionCode string
	Address    string
	Phone      string
	Active     bool
	ValidFrom  calendar.Date
	Note       string // provenance of the entry, from the data
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Name returns the court's name in lang ("en" or anything else for Chinese).
func (c Court) Name(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameZH
}

// Filter selects courts for List. Empty fields do not filter.
type Filter struct {
	Level Level
	Kind  Kind
	// ParentID is the ID or the code of the parent court.
	ParentID string
	// Province is the two-digit GB/T 2260 province code.
	Province string
	// Query matches a substring of the code or of either name (case-insensitive).
	Query string
}
