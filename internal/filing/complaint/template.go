package complaint

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

//go:embed data/templates/*.json
var templatesFS embed.FS

// The field kinds.
const (
	KindText     = "text"
	KindTextarea = "textarea"
	KindMoney    = "money"  // yuan text, held as money.Fen; Min/Max in fen
	KindRate     = "rate"   // percentage text, held as Rate; Min/Max in Rate units (0.0001%) a year
	KindDate     = "date"   // "2006-01-02"
	KindChoice   = "choice" // one of Options
	KindYesNo    = "yesno"  // "yes" or "no"
	KindNumber   = "number" // non-negative whole number; Min/Max as is
)

var kinds = []string{KindText, KindTextarea, KindMoney, KindRate, KindDate, KindChoice, KindYesNo, KindNumber}

// The fee kinds a template may imply; they are the kinds of the fees context
// (诉讼费用交纳办法 Art. 13).
var FeeKinds = []string{"property", "divorce", "personality", "non_property", "ip", "labour", "administrative"}

// The procedure hints: candidates the filing officer may consider. The
// small-claims threshold (CPL Art. 165: 50% of the province's average annual
// wage of employed persons) is decided elsewhere, on the amount.
const (
	HintSmallClaims = "small_claims" // 小额诉讼程序 (CPL Art. 165; not for the cases of Art. 166)
	HintSimplified  = "simplified"   // 简易程序 (CPL Art. 160)
)

// Template is one version of a guided complaint form for one cause of action.
// Templates are read-only values; the maps and slices they hold must not be
// modified.
type Template struct {
	ID            string
	Version       string // "YYYY.N"; a filed complaint records it
	EffectiveFrom time.Time
	Cause         string // 案由, e.g. 民间借贷纠纷
	CauseCode     string // number in 民事案件案由规定 (2020 revision), e.g. "103(3)"; "" when unknown
	TypeCode      string // 类型代字 of the case it opens, e.g. 民初
	FeeKind       string // one of FeeKinds
	CourtKind     string // "general" or "maritime" (court.Kind)
	Procedures    []string
	PartyRules    PartyRules
	Sections      []Section
	Evidence      []EvidenceHint
	Notes         []string // provenance and caveats of the data

	calcs  []string
	claims []claimDef
	facts  *template.Template
	basis  string
}

// Section groups the fields of one step of the form.
type Section struct {
	Key      string `json:"key"`
	LabelKey string `json:"label_key"`
	Fields   []Field
}

// Field is one input of a template.
//
// Min and Max bound the value in the field's unit: fen for money, basis
// Rate units (0.0001%) a year for rate, the value for number, runes for text and textarea
// (Max only; 0 means the default of 200 for text and 5000 for textarea).
// For the other kinds they are unused; 0 means no bound except that money
// and rate are never negative.
type Field struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	LabelKey string   `json:"label_key"` // default "complaint.field.<name>"
	HintKey  string   `json:"hint_key"`  // "" when there is no hint
	Required bool     `json:"required"`
	Options  []Option `json:"options"` // choice only
	Min      int64    `json:"min"`
	Max      int64    `json:"max"`
	// RequiredIf makes the field required when another field has a value,
	// e.g. the rate when interest_agreed is "yes".
	RequiredIf *Condition `json:"required_if"`
	// NotFuture rejects a date after today (China); code "future".
	NotFuture bool `json:"not_future"`
	// After names a date field this one may not precede; code "date_order".
	After string `json:"after"`
	// AtMost names a money field this one may not exceed; code "too_large".
	AtMost string `json:"at_most"`
	// Pattern is a regular expression a text answer must match in full;
	// code "format".
	Pattern string `json:"pattern"`
	// Group names a group of fields of which at least one must be filled
	// in with a non-zero value; code "at_least_one" on the group's first field.
	Group string `json:"group"`

	pattern *regexp.Regexp
}

// Condition is "field has value".
type Condition struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Option is one choice of a choice field. LabelKey defaults to
// "complaint.option.<field>.<value>"; ZH is the wording used inside the
// complaint, which is always Chinese.
type Option struct {
	Value    string `json:"value"`
	LabelKey string `json:"label_key"`
	ZH       string `json:"zh"`
}

// PartyRules says which parties the complaint takes. Parties themselves are
// collected by the filing package; ValidateParties applies these rules.
type PartyRules struct {
	Plaintiff  RoleRule `json:"plaintiff"`
	Defendant  RoleRule `json:"defendant"`
	ThirdParty RoleRule `json:"third_party"`
}

// RoleRule bounds the parties of one role. Max 0 means no upper bound;
// Kinds empty means both "person" and "organisation"; Forbidden means the
// role may not appear at all.
type RoleRule struct {
	Min       int      `json:"min"`
	Max       int      `json:"max"`
	Kinds     []string `json:"kinds"`
	Forbidden bool     `json:"forbidden"`
}

// EvidenceHint is one suggested item of evidence: its name and the purpose of
// proof, as message keys for the form and in Chinese for the complaint.
type EvidenceHint struct {
	Key        string `json:"key"`
	NameKey    string `json:"name_key"`    // default "complaint.evidence.<key>"
	PurposeKey string `json:"purpose_key"` // default "complaint.evidence.<key>.purpose"
	Source     string `json:"source"`      // 来源, Chinese, e.g. 原告持有
	Name       string `json:"-"`           // Chinese, from the zh-CN bundle
	Purpose    string `json:"-"`           // Chinese, from the zh-CN bundle
}

type claimDef struct {
	Text   string `json:"text"`   // text/template over the answers; empty output drops the claim
	Amount string `json:"amount"` // name of a money value (answer or calc result) or ""
	tmpl   *template.Template
}

type templateFile struct {
	ID            string         `json:"id"`
	Version       string         `json:"version"`
	EffectiveFrom string         `json:"effective_from"`
	Cause         string         `json:"cause"`
	CauseCode     string         `json:"cause_code"`
	TypeCode      string         `json:"type_code"`
	FeeKind       string         `json:"fee_kind"`
	CourtKind     string         `json:"court_kind"`
	Procedures    []string       `json:"procedure_hints"`
	PartyRules    PartyRules     `json:"party_rules"`
	Sections      []sectionFile  `json:"sections"`
	Calcs         []string       `json:"calcs"`
	Claims        []claimDef     `json:"claims"`
	Facts         []string       `json:"facts"` // paragraphs, text/template
	Basis         string         `json:"basis"` // legal basis sentence, Chinese
	Evidence      []EvidenceHint `json:"evidence"`
	Notes         []string       `json:"notes"`
}

type sectionFile struct {
	Key      string  `json:"key"`
	LabelKey string  `json:"label_key"`
	Fields   []Field `json:"fields"`
}

// store is the loaded templates: every version of each ID, oldest first.
type store struct {
	versions map[string][]Template
	ids      []string
}

var loaded = sync.OnceValues(func() (*store, error) { return load(templatesFS, "data/templates") })

func mustStore() *store {
	s, err := loaded()
	if err != nil {
		panic(err) // the package tests load the embedded data
	}
	return s
}

// All returns the version of every template in effect today (China time),
// ordered by ID. See AllOn.
func All() []Template { return AllOn(time.Now()) }

// AllOn returns, for every template ID, the newest version whose
// EffectiveFrom is on or before day's date in China, ordered by ID. An ID with
// no version in effect yet is left out.
func AllOn(day time.Time) []Template {
	s := mustStore()
	var out []Template
	for _, id := range s.ids {
		if t, ok := s.on(id, day); ok {
			out = append(out, t)
		}
	}
	return out
}

// Find returns the version of the template id in effect today; see FindOn.
func Find(id string) (Template, bool) { return mustStore().on(id, time.Now()) }

// FindOn returns the newest version of template id in effect on day.
func FindOn(id string, day time.Time) (Template, bool) { return mustStore().on(id, day) }

// FindVersion returns one exact version of template id, in effect or not:
// a complaint filed with it is always rendered with it.
func FindVersion(id, version string) (Template, bool) {
	for _, t := range mustStore().versions[id] {
		if t.Version == version {
			return t, true
		}
	}
	return Template{}, false
}

func (s *store) on(id string, day time.Time) (Template, bool) {
	d := dateOf(day)
	vs := s.versions[id]
	for i := len(vs) - 1; i >= 0; i-- {
		if !vs[i].EffectiveFrom.After(d) {
			return vs[i], true
		}
	}
	return Template{}, false
}

// Fields returns every field of the template in form order.
func (t Template) Fields() []Field {
	var out []Field
	for _, s := range t.Sections {
		out = append(out, s.Fields...)
	}
	return out
}

// Field returns the named field.
func (t Template) Field(name string) (Field, bool) {
	for _, s := range t.Sections {
		for _, f := range s.Fields {
			if f.Name == name {
				return f, true
			}
		}
	}
	return Field{}, false
}

// SuggestedEvidence returns the template's evidence suggestions as items of
// a complaint's evidence list, in Chinese, without files. The filing package
// offers them to the user and attaches the uploaded file's hash.
func (t Template) SuggestedEvidence() []EvidenceItem {
	out := make([]EvidenceItem, 0, len(t.Evidence))
	for _, h := range t.Evidence {
		out = append(out, EvidenceItem{Name: h.Name, Source: h.Source, Purpose: h.Purpose})
	}
	return out
}

// load reads and checks every *.json under dir of fsys.
func load(fsys fs.FS, dir string) (*store, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("complaint: no templates in %s", dir)
	}
	cat := catalog()
	s := &store{versions: make(map[string][]Template)}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		t, err := parseTemplate(b, cat.zh)
		if err != nil {
			return nil, fmt.Errorf("complaint: %s: %w", name, err)
		}
		for _, o := range s.versions[t.ID] {
			if o.Version == t.Version {
				return nil, fmt.Errorf("complaint: %s: duplicate version %s of %s", name, t.Version, t.ID)
			}
		}
		if len(s.versions[t.ID]) == 0 {
			s.ids = append(s.ids, t.ID)
		}
		s.versions[t.ID] = append(s.versions[t.ID], t)
	}
	for id, vs := range s.versions {
		sort.Slice(vs, func(i, j int) bool {
			if !vs[i].EffectiveFrom.Equal(vs[j].EffectiveFrom) {
				return vs[i].EffectiveFrom.Before(vs[j].EffectiveFrom)
			}
			return vs[i].Version < vs[j].Version
		})
		s.versions[id] = vs
	}
	slices.Sort(s.ids)
	return s, nil
}

func parseTemplate(b []byte, zh map[string]string) (Template, error) {
	var f templateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Template{}, err
	}
	eff, err := time.ParseInLocation(dateLayout, f.EffectiveFrom, clock.China)
	if err != nil {
		return Template{}, fmt.Errorf("effective_from: %w", err)
	}
	t := Template{
		ID: f.ID, Version: f.Version, EffectiveFrom: eff, Cause: f.Cause, CauseCode: f.CauseCode,
		TypeCode: f.TypeCode, FeeKind: f.FeeKind, CourtKind: f.CourtKind, Procedures: f.Procedures,
		PartyRules: f.PartyRules, Evidence: f.Evidence, Notes: f.Notes, calcs: f.Calcs, basis: f.Basis,
	}
	switch {
	case t.ID == "" || t.Version == "" || t.Cause == "" || t.TypeCode == "":
		return t, fmt.Errorf("id, version, cause and type_code are required")
	case !slices.Contains(FeeKinds, t.FeeKind):
		return t, fmt.Errorf("unknown fee_kind %q", t.FeeKind)
	case t.CourtKind != "general" && t.CourtKind != "maritime":
		return t, fmt.Errorf("unknown court_kind %q", t.CourtKind)
	}
	for _, p := range t.Procedures {
		if p != HintSmallClaims && p != HintSimplified {
			return t, fmt.Errorf("unknown procedure hint %q", p)
		}
	}
	for _, c := range t.calcs {
		if _, ok := calcs[c]; !ok {
			return t, fmt.Errorf("unknown calc %q", c)
		}
	}
	for _, r := range []RoleRule{t.PartyRules.Plaintiff, t.PartyRules.Defendant, t.PartyRules.ThirdParty} {
		for _, k := range r.Kinds {
			if k != KindPerson && k != KindOrganisation {
				return t, fmt.Errorf("unknown party kind %q", k)
			}
		}
	}
	seen := map[string]bool{}
	for _, sf := range f.Sections {
		sec := Section{Key: sf.Key, LabelKey: sf.LabelKey}
		if sec.LabelKey == "" {
			sec.LabelKey = "complaint.section." + sf.Key
		}
		for _, fd := range sf.Fields {
			if fd.Name == "" || seen[fd.Name] {
				return t, fmt.Errorf("field name %q empty or repeated", fd.Name)
			}
			seen[fd.Name] = true
			if !slices.Contains(kinds, fd.Kind) {
				return t, fmt.Errorf("field %s: unknown kind %q", fd.Name, fd.Kind)
			}
			if fd.LabelKey == "" {
				fd.LabelKey = "complaint.field." + fd.Name
			}
			if fd.Pattern != "" {
				re, err := regexp.Compile("^(?:" + fd.Pattern + ")$")
				if err != nil {
					return t, fmt.Errorf("field %s: pattern: %w", fd.Name, err)
				}
				fd.pattern = re
			}
			if fd.Kind == KindChoice && len(fd.Options) == 0 {
				return t, fmt.Errorf("field %s: a choice without options", fd.Name)
			}
			if fd.Kind != KindChoice && len(fd.Options) > 0 {
				return t, fmt.Errorf("field %s: options on a %s field", fd.Name, fd.Kind)
			}
			for i := range fd.Options {
				o := &fd.Options[i]
				if o.LabelKey == "" {
					o.LabelKey = "complaint.option." + fd.Name + "." + o.Value
				}
				if o.ZH == "" {
					o.ZH = zh[o.LabelKey]
				}
			}
			sec.Fields = append(sec.Fields, fd)
		}
		t.Sections = append(t.Sections, sec)
	}
	// References between fields must name fields of the right kind.
	for _, fd := range t.Fields() {
		ref := func(name, kind string) error {
			other, ok := t.Field(name)
			if name != "" && (!ok || other.Kind != kind) {
				return fmt.Errorf("field %s refers to %q, which is no %s field", fd.Name, name, kind)
			}
			return nil
		}
		if err := ref(fd.After, KindDate); err != nil {
			return t, err
		}
		if err := ref(fd.AtMost, KindMoney); err != nil {
			return t, err
		}
		if fd.RequiredIf != nil {
			if _, ok := t.Field(fd.RequiredIf.Field); !ok {
				return t, fmt.Errorf("field %s: required_if names unknown field %q", fd.Name, fd.RequiredIf.Field)
			}
		}
	}
	funcs := textFuncs()
	for i, c := range f.Claims {
		tm, err := template.New(fmt.Sprintf("claim%d", i)).Option("missingkey=zero").Funcs(funcs).Parse(c.Text)
		if err != nil {
			return t, fmt.Errorf("claim %d: %w", i, err)
		}
		c.tmpl = tm
		t.claims = append(t.claims, c)
	}
	facts, err := template.New("facts").Option("missingkey=zero").Funcs(funcs).Parse(strings.Join(f.Facts, "\n"))
	if err != nil {
		return t, fmt.Errorf("facts: %w", err)
	}
	t.facts = facts
	for i := range t.Evidence {
		h := &t.Evidence[i]
		if h.NameKey == "" {
			h.NameKey = "complaint.evidence." + h.Key
		}
		if h.PurposeKey == "" {
			h.PurposeKey = "complaint.evidence." + h.Key + ".purpose"
		}
		h.Name, h.Purpose = zh[h.NameKey], zh[h.PurposeKey]
		if h.Name == "" || h.Purpose == "" {
			return t, fmt.Errorf("evidence %s: no zh-CN message for %s or %s", h.Key, h.NameKey, h.PurposeKey)
		}
	}
	return t, nil
}
