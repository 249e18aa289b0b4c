package delivery

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/ecourt/ecourt/internal/court/calendar"
)

// PeriodKind names a period that starts at service.
type PeriodKind string

// The period kinds of the embedded rules.
const (
	// PeriodAnswer: the defendant's answer, CPL Art. 128 (15 days from
	// receipt of the complaint copy); Art. 285 (30 days without a PRC
	// domicile).
	PeriodAnswer PeriodKind = "answer"
	// PeriodAppealAnswer: the appellee's answer, CPL Art. 174 (15 days);
	// Art. 286 (30 days without a PRC domicile).
	PeriodAppealAnswer PeriodKind = "appeal_answer"
	// PeriodAppealJudgment: appeal against a first-instance judgment, CPL
	// Art. 171 para 1 (15 days from service); Art. 286 (30 days).
	PeriodAppealJudgment PeriodKind = "appeal_judgment"
	// PeriodAppealRuling: appeal against an appealable ruling, CPL Art. 171
	// para 2 (10 days from service); Art. 286 (30 days).
	PeriodAppealRuling PeriodKind = "appeal_ruling"
)

// Rules are the versioned service rules: which documents start which
// period and for how long, the deemed-service delay of announcements and
// when reminders go out. They are data (data/rules.json), not code.
type Rules struct {
	versions []RuleVersion // ascending by Effective
}

// RuleVersion is one version of the rules, in force for services whose
// legal date is on or after Effective.
type RuleVersion struct {
	Version   string        `json:"version"`
	Effective calendar.Date `json:"effective"`
	Source    string        `json:"source"`
	// ReminderDays lists how many days before a period's last day the holder
	// is reminded (e.g. 3 and 1).
	ReminderDays []int `json:"reminder_days"`
	// Announcement is the deemed-service delay of 公告送达: CPL Art. 95
	// (30 days from publication), Art. 283 para 2 (60 days for a recipient
	// without a PRC domicile).
	Announcement AnnouncementRule `json:"announcement"`
	Periods      []PeriodRule     `json:"periods"`
}

// AnnouncementRule is the delay after which an announcement counts as
// service.
type AnnouncementRule struct {
	Days           int    `json:"days"`
	Article        string `json:"article"`
	ForeignDays    int    `json:"foreign_days"`
	ForeignArticle string `json:"foreign_article"`
}

// PeriodRule is one period kind: the documents whose service starts it, and
// its length for recipients with and without a PRC domicile.
type PeriodRule struct {
	Kind      PeriodKind     `json:"kind"`
	Documents []DocumentKind `json:"documents"`
	// AppealableOnly limits the period to documents served as appealable
	// (a first-instance judgment, a ruling under CPL Art. 157 (一)–(三)).
	AppealableOnly bool   `json:"appealable_only"`
	Days           int    `json:"days"`
	Article        string `json:"article"`
	ForeignDays    int    `json:"foreign_days"`
	ForeignArticle string `json:"foreign_article"`
}

//go:embed data/rules.json
var rulesJSON []byte

// DefaultRules returns the embedded rules (CPL 2023). It panics if the
// embedded file is broken, which the package tests catch.
func DefaultRules() *Rules {
	r, err := LoadRules(bytes.NewReader(rulesJSON))
	if err != nil {
		panic(err)
	}
	return r
}

// LoadRules reads rules in the format of data/rules.json and checks them:
// unique versions and effective dates, known document kinds, positive day
// counts, an article for every period, reminder days between 1 and 30.
func LoadRules(r io.Reader) (*Rules, error) {
	var file struct {
		Versions []RuleVersion `json:"versions"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("delivery: rules: %w", err)
	}
	if len(file.Versions) == 0 {
		return nil, fmt.Errorf("delivery: rules: no versions")
	}
	seen := map[string]bool{}
	for _, v := range file.Versions {
		if v.Version == "" || seen[v.Version] || !v.Effective.Valid() {
			return nil, fmt.Errorf("delivery: rules: version %q: empty, duplicate or without an effective date", v.Version)
		}
		seen[v.Version] = true
		if v.Announcement.Days < 1 || v.Announcement.ForeignDays < 1 || v.Announcement.Article == "" || v.Announcement.ForeignArticle == "" {
			return nil, fmt.Errorf("delivery: rules %s: announcement needs days, foreign_days and both articles", v.Version)
		}
		for _, d := range v.ReminderDays {
			if d < 1 || d > 30 {
				return nil, fmt.Errorf("delivery: rules %s: reminder day %d out of 1..30", v.Version, d)
			}
		}
		kinds := map[PeriodKind]bool{}
		for _, p := range v.Periods {
			if p.Kind == "" || kinds[p.Kind] {
				return nil, fmt.Errorf("delivery: rules %s: period kind %q empty or duplicate", v.Version, p.Kind)
			}
			kinds[p.Kind] = true
			if p.Days < 1 || p.ForeignDays < 1 || p.Article == "" || p.ForeignArticle == "" || len(p.Documents) == 0 {
				return nil, fmt.Errorf("delivery: rules %s: period %s needs documents, days, foreign_days and both articles", v.Version, p.Kind)
			}
			for _, d := range p.Documents {
				if !d.Valid() {
					return nil, fmt.Errorf("delivery: rules %s: period %s: unknown document kind %q", v.Version, p.Kind, d)
				}
			}
		}
	}
	sort.Slice(file.Versions, func(i, j int) bool { return file.Versions[i].Effective.Before(file.Versions[j].Effective) })
	for i := 1; i < len(file.Versions); i++ {
		if file.Versions[i].Effective == file.Versions[i-1].Effective {
			return nil, fmt.Errorf("delivery: rules: two versions effective on %s", file.Versions[i].Effective)
		}
	}
	return &Rules{versions: file.Versions}, nil
}

// At returns the version in force on day d (the newest whose Effective is
// not after d), and false when none is.
func (r *Rules) At(d calendar.Date) (RuleVersion, bool) {
	for i := len(r.versions) - 1; i >= 0; i-- {
		if !r.versions[i].Effective.After(d) {
			return r.versions[i], true
		}
	}
	return RuleVersion{}, false
}

// Versions returns every version, oldest first.
func (r *Rules) Versions() []RuleVersion { return slices.Clone(r.versions) }

// PeriodsFor returns the period rules that the service of a document of
// kind starts (appealable as served).
func (v RuleVersion) PeriodsFor(kind DocumentKind, appealable bool) []PeriodRule {
	var out []PeriodRule
	for _, p := range v.Periods {
		if slices.Contains(p.Documents, kind) && (!p.AppealableOnly || appealable) {
			out = append(out, p)
		}
	}
	return out
}

// Length returns the period's days and article for a recipient with
// (foreign false) or without (foreign true) a PRC domicile.
func (p PeriodRule) Length(foreign bool) (int, string) {
	if foreign {
		return p.ForeignDays, p.ForeignArticle
	}
	return p.Days, p.Article
}

// Length returns the announcement delay and its article.
func (a AnnouncementRule) Length(foreign bool) (int, string) {
	if foreign {
		return a.ForeignDays, a.ForeignArticle
	}
	return a.Days, a.Article
}
