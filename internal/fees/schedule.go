package fees

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Kind names a fee of the schedule: a case-acceptance fee (案件受理费, Art. 13)
// or, for application fees (申请费, Art. 14), the application.
type Kind string

// The kinds of the 2007 schedule (data/schedule.json holds their rules).
const (
	Property                      Kind = "property"                                 // Art. 13(一)
	Divorce                       Kind = "divorce"                                  // Art. 13(二)1
	PersonalityRights             Kind = "personality_rights"                       // Art. 13(二)2
	NonProperty                   Kind = "non_property"                             // Art. 13(二)3
	IP                            Kind = "ip"                                       // Art. 13(三)
	Labour                        Kind = "labour"                                   // Art. 13(四)
	Administrative                Kind = "administrative"                           // Art. 13(五)2
	AdministrativeTrademarkPatent Kind = "administrative_trademark_patent_maritime" // Art. 13(五)1
	JurisdictionObjection         Kind = "jurisdiction_objection"                   // Art. 13(六)
	Enforcement                   Kind = "enforcement"                              // Art. 14(一)
	ForeignRecognition            Kind = "foreign_recognition"                      // Art. 14(一)
	Preservation                  Kind = "preservation"                             // Art. 14(二)
	PaymentOrder                  Kind = "payment_order"                            // Art. 14(三)
	PublicSummons                 Kind = "public_summons"                           // Art. 14(四)
	ArbitrationReview             Kind = "arbitration_review"                       // Art. 14(五)
	Bankruptcy                    Kind = "bankruptcy"                               // Art. 14(六)
	MaritimeLimitationFund        Kind = "maritime_limitation_fund"                 // Art. 14(七)1
	MaritimeInjunction            Kind = "maritime_injunction"                      // Art. 14(七)2
	MaritimePrioritySummons       Kind = "maritime_priority_summons"                // Art. 14(七)3
	MaritimeClaimRegistration     Kind = "maritime_claim_registration"              // Art. 14(七)4
	MaritimeGeneralAverage        Kind = "maritime_general_average"                 // Art. 14(七)5
)

// Halving is a reason for paying half the case-acceptance fee.
type Halving string

// The halving reasons. Whatever their number, the fee is halved once
// (民诉法解释 Art. 206).
const (
	HalveSimplified   Halving = "simplified"   // Art. 16: simplified procedure (small claims included)
	HalveMediation    Halving = "mediation"    // Art. 15: closed by mediation
	HalveWithdrawal   Halving = "withdrawal"   // Art. 15: withdrawn by the plaintiff
	HalveCounterclaim Halving = "counterclaim" // Art. 18: counterclaim or joined third-party claim
)

// Halvings lists the reasons in the order HalvedBy reports the first.
var Halvings = []Halving{HalveSimplified, HalveMediation, HalveWithdrawal, HalveCounterclaim}

// Procedures are the trial procedures a quote distinguishes.
var Procedures = []string{"ordinary", "simplified", "small_claims"}

//go:embed data/schedule.json
var scheduleJSON []byte

// Schedule is the fee schedule: versions with effective dates. Build it with
// LoadSchedule or use DefaultSchedule.
type Schedule struct {
	versions []*Version // ascending by From
}

// Version is one version of the schedule, in force from From until the
// next version's From.
type Version struct {
	Name           string
	From           calendar.Date
	Source         string
	PaymentDays    int
	PaymentArticle string
	DefaultNotes   string

	brackets  map[string][]bracket
	kinds     map[Kind]*kindRule
	halving   map[Halving]string
	once      string
	provinces map[string]province
}

type bracket struct {
	to       money.Fen // inclusive upper bound; 0 for the open top bracket
	fixed    money.Fen
	hasFixed bool
	num, den int64
	article  string
}

type amountRule string

const (
	amountRequired amountRule = "required"
	amountOptional amountRule = "optional"
	amountNone     amountRule = "none"
)

type perCase struct {
	fixed    money.Fen
	min, max money.Fen
	key      string // province figure key; "" for a fixed figure
	article  string
}

type kindRule struct {
	class          string // "case" or "application"
	perCase        *perCase
	brackets       string
	amount         amountRule
	withoutAmount  *perCase
	fracNum        int64
	fracDen        int64
	fracArticle    string
	capFen         money.Fen
	capArticle     string
	halvable       bool
	payable        string
	payableArticle string
}

type province struct {
	name    string
	figures map[string]money.Fen
	notes   string
}

var defaultSchedule = sync.OnceValue(func() *Schedule {
	s, err := LoadSchedule(bytes.NewReader(scheduleJSON))
	if err != nil {
		panic("fees: embedded schedule: " + err.Error()) // checked by the tests
	}
	return s
})

// DefaultSchedule returns the embedded national schedule.
func DefaultSchedule() *Schedule { return defaultSchedule() }

// At returns the version in force on day, or false when day is before the
// first version.
func (s *Schedule) At(day calendar.Date) (*Version, bool) {
	for i := len(s.versions) - 1; i >= 0; i-- {
		if !s.versions[i].From.After(day) {
			return s.versions[i], true
		}
	}
	return nil, false
}

// Kinds returns the kinds of the version, sorted.
func (v *Version) Kinds() []Kind {
	out := make([]Kind, 0, len(v.kinds))
	for k := range v.kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// IsApplication reports whether k is an application fee (申请费, Art. 14),
// to which the halving rules of Art. 15, 16 and 18 do not apply.
func (v *Version) IsApplication(k Kind) bool {
	r, ok := v.kinds[k]
	return ok && r.class == "application"
}

// PayableLater reports whether the fee of k is not prepaid (Art. 20 para 2:
// the enforcement fee is paid after enforcement, the bankruptcy fee after
// liquidation) and the article that says so.
func (v *Version) PayableLater(k Kind) (bool, string) {
	r, ok := v.kinds[k]
	if !ok || r.payable == "" {
		return false, ""
	}
	return true, r.payableArticle
}

// The JSON form of data/schedule.json.
type fileSchedule struct {
	Format   int           `json:"format"`
	About    string        `json:"about"`
	Versions []fileVersion `json:"versions"`
}

type fileVersion struct {
	Version            string                   `json:"version"`
	EffectiveFrom      string                   `json:"effective_from"`
	Source             string                   `json:"source"`
	Brackets           map[string][]fileBracket `json:"brackets"`
	Kinds              map[string]fileKind      `json:"kinds"`
	Halving            map[string]string        `json:"halving"`
	PaymentDays        int                      `json:"payment_days"`
	PaymentDaysArticle string                   `json:"payment_days_article"`
	Provinces          map[string]fileProvince  `json:"provinces"`
	DefaultNotes       string                   `json:"province_default_notes"`
}

type fileBracket struct {
	To      string `json:"to"`
	Fixed   string `json:"fixed"`
	Rate    string `json:"rate"`
	Article string `json:"article"`
}

type filePerCase struct {
	Fixed   string   `json:"fixed"`
	Range   []string `json:"range"`
	Key     string   `json:"key"`
	Article string   `json:"article"`
}

type fileKind struct {
	Class         string       `json:"class"`
	PerCase       *filePerCase `json:"per_case"`
	Brackets      string       `json:"brackets"`
	Amount        string       `json:"amount"`
	WithoutAmount *filePerCase `json:"without_amount"`
	Fraction      *struct {
		Num     int64  `json:"num"`
		Den     int64  `json:"den"`
		Article string `json:"article"`
	} `json:"fraction"`
	Cap *struct {
		Fixed   string `json:"fixed"`
		Article string `json:"article"`
	} `json:"cap"`
	Halvable       *bool  `json:"halvable"`
	Payable        string `json:"payable"`
	PayableArticle string `json:"payable_article"`
	Note           string `json:"note"`
}

type fileProvince struct {
	Name    string            `json:"name"`
	Figures map[string]string `json:"figures"`
	Notes   string            `json:"notes"`
}

// LoadSchedule reads a schedule in the format of data/schedule.json and
// checks it: versions in ascending order of effective date, brackets
// ascending with only the last one open, every article named, every kind
// referring to known brackets, province figures inside their national
// ranges.
func LoadSchedule(r io.Reader) (*Schedule, error) {
	var f fileSchedule
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("fees: schedule: %w", err)
	}
	if f.Format != 1 {
		return nil, fmt.Errorf("fees: schedule format %d, want 1", f.Format)
	}
	s := &Schedule{}
	for _, fv := range f.Versions {
		v, err := loadVersion(fv)
		if err != nil {
			return nil, fmt.Errorf("fees: schedule %s: %w", fv.Version, err)
		}
		if n := len(s.versions); n > 0 && !v.From.After(s.versions[n-1].From) {
			return nil, fmt.Errorf("fees: schedule %s: versions must be in ascending order", fv.Version)
		}
		s.versions = append(s.versions, v)
	}
	if len(s.versions) == 0 {
		return nil, fmt.Errorf("fees: schedule has no versions")
	}
	return s, nil
}

func loadVersion(fv fileVersion) (*Version, error) {
	from, err := calendar.ParseDate(fv.EffectiveFrom)
	if err != nil {
		return nil, fmt.Errorf("effective_from: %w", err)
	}
	if fv.Version == "" || fv.Source == "" || fv.PaymentDays < 1 || fv.PaymentDaysArticle == "" {
		return nil, fmt.Errorf("version, source, payment_days and payment_days_article are required")
	}
	v := &Version{
		Name: fv.Version, From: from, Source: fv.Source, PaymentDays: fv.PaymentDays,
		PaymentArticle: fv.PaymentDaysArticle, DefaultNotes: fv.DefaultNotes,
		brackets: map[string][]bracket{}, kinds: map[Kind]*kindRule{}, halving: map[Halving]string{},
		provinces: map[string]province{},
	}
	for name, fbs := range fv.Brackets {
		var prev money.Fen
		for i, fb := range fbs {
			b, err := loadBracket(fb)
			if err != nil {
				return nil, fmt.Errorf("brackets %s[%d]: %w", name, i, err)
			}
			last := i == len(fbs)-1
			if (b.to == 0) != last || (!last && b.to <= prev) {
				return nil, fmt.Errorf("brackets %s[%d]: bounds must ascend and only the last bracket be open", name, i)
			}
			prev = b.to
			v.brackets[name] = append(v.brackets[name], b)
		}
	}
	ranges := map[string][2]money.Fen{}
	for name, fk := range fv.Kinds {
		k, err := loadKind(v, fk, ranges)
		if err != nil {
			return nil, fmt.Errorf("kind %s: %w", name, err)
		}
		v.kinds[Kind(name)] = k
	}
	for _, h := range Halvings {
		if fv.Halving[string(h)] == "" {
			return nil, fmt.Errorf("halving %s: article missing", h)
		}
		v.halving[h] = fv.Halving[string(h)]
	}
	if v.once = fv.Halving["once"]; v.once == "" {
		return nil, fmt.Errorf("halving once: article missing")
	}
	for code, fp := range fv.Provinces {
		if len(code) != 2 || strings.Trim(code, "0123456789") != "" {
			return nil, fmt.Errorf("province %q: want a two-digit GB/T 2260 code", code)
		}
		p := province{name: fp.Name, figures: map[string]money.Fen{}, notes: fp.Notes}
		for key, s := range fp.Figures {
			r, ok := ranges[key]
			if !ok {
				return nil, fmt.Errorf("province %s: figure %q is not a range of the schedule", code, key)
			}
			f, err := money.ParseYuan(s)
			if err != nil || f < r[0] || f > r[1] {
				return nil, fmt.Errorf("province %s: figure %s = %q outside the national range %s–%s", code, key, s, r[0].Yuan(), r[1].Yuan())
			}
			p.figures[key] = f
		}
		v.provinces[code] = p
	}
	return v, nil
}

func loadBracket(fb fileBracket) (bracket, error) {
	var b bracket
	var err error
	if fb.Article == "" {
		return b, fmt.Errorf("article missing")
	}
	b.article = fb.Article
	if fb.To != "" {
		if b.to, err = money.ParseYuan(fb.To); err != nil || b.to == 0 {
			return b, fmt.Errorf("to %q", fb.To)
		}
	}
	switch {
	case fb.Fixed != "" && fb.Rate == "":
		if b.fixed, err = money.ParseYuan(fb.Fixed); err != nil {
			return b, fmt.Errorf("fixed %q", fb.Fixed)
		}
		b.hasFixed = true
	case fb.Rate != "" && fb.Fixed == "":
		if b.num, b.den, err = parseRate(fb.Rate); err != nil {
			return b, err
		}
	default:
		return b, fmt.Errorf("exactly one of fixed and rate")
	}
	return b, nil
}

// parseRate parses an exact percentage such as "2.5%" into 25/1000.
func parseRate(s string) (num, den int64, err error) {
	p, ok := strings.CutSuffix(s, "%")
	if !ok || p == "" {
		return 0, 0, fmt.Errorf("rate %q: want a percentage such as 2.5%%", s)
	}
	den = 100
	intPart, frac, _ := strings.Cut(p, ".")
	for range frac {
		den *= 10
	}
	num, err = strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || num <= 0 || len(frac) > 6 {
		return 0, 0, fmt.Errorf("rate %q", s)
	}
	return num, den, nil
}

func loadPerCase(fp *filePerCase, ranges map[string][2]money.Fen) (*perCase, error) {
	if fp == nil {
		return nil, nil
	}
	pc := &perCase{article: fp.Article, key: fp.Key}
	if pc.article == "" {
		return nil, fmt.Errorf("per-case article missing")
	}
	var err error
	switch {
	case fp.Fixed != "" && len(fp.Range) == 0 && fp.Key == "":
		if pc.fixed, err = money.ParseYuan(fp.Fixed); err != nil {
			return nil, fmt.Errorf("fixed %q", fp.Fixed)
		}
	case fp.Fixed == "" && len(fp.Range) == 2 && fp.Key != "":
		if pc.min, err = money.ParseYuan(fp.Range[0]); err != nil {
			return nil, fmt.Errorf("range %q", fp.Range)
		}
		if pc.max, err = money.ParseYuan(fp.Range[1]); err != nil || pc.max < pc.min {
			return nil, fmt.Errorf("range %q", fp.Range)
		}
		if r, dup := ranges[fp.Key]; dup && r != [2]money.Fen{pc.min, pc.max} {
			return nil, fmt.Errorf("range key %s used with two ranges", fp.Key)
		}
		ranges[fp.Key] = [2]money.Fen{pc.min, pc.max}
	default:
		return nil, fmt.Errorf("per-case: either fixed, or range with key")
	}
	return pc, nil
}

func loadKind(v *Version, fk fileKind, ranges map[string][2]money.Fen) (*kindRule, error) {
	k := &kindRule{class: fk.Class, brackets: fk.Brackets, amount: amountRule(fk.Amount), payable: fk.Payable, payableArticle: fk.PayableArticle}
	if k.class != "case" && k.class != "application" {
		return nil, fmt.Errorf("class %q", fk.Class)
	}
	// Art. 15, 16 and 18 halve the case-acceptance fee only.
	k.halvable = k.class == "case"
	if fk.Halvable != nil {
		k.halvable = k.halvable && *fk.Halvable
	}
	if k.amount != amountRequired && k.amount != amountOptional && k.amount != amountNone {
		return nil, fmt.Errorf("amount %q", fk.Amount)
	}
	var err error
	if k.perCase, err = loadPerCase(fk.PerCase, ranges); err != nil {
		return nil, err
	}
	if k.withoutAmount, err = loadPerCase(fk.WithoutAmount, ranges); err != nil {
		return nil, err
	}
	if k.brackets != "" {
		if _, ok := v.brackets[k.brackets]; !ok {
			return nil, fmt.Errorf("unknown brackets %q", k.brackets)
		}
	}
	if k.brackets == "" && k.perCase == nil {
		return nil, fmt.Errorf("neither brackets nor a per-case fee")
	}
	if (k.brackets == "") != (k.amount == amountNone) {
		return nil, fmt.Errorf("amount %q does not fit the rule", k.amount)
	}
	if f := fk.Fraction; f != nil {
		if f.Num <= 0 || f.Den <= 0 || f.Article == "" {
			return nil, fmt.Errorf("fraction")
		}
		k.fracNum, k.fracDen, k.fracArticle = f.Num, f.Den, f.Article
	}
	if c := fk.Cap; c != nil {
		if k.capFen, err = money.ParseYuan(c.Fixed); err != nil || c.Article == "" {
			return nil, fmt.Errorf("cap")
		}
		k.capArticle = c.Article
	}
	if k.payable != "" && k.payableArticle == "" {
		return nil, fmt.Errorf("payable article missing")
	}
	return k, nil
}

// figure returns the province's figure for a ranged per-case fee: the
// province's own, else the national minimum (the documented default).
func (v *Version) figure(pc *perCase, provinceCode string) (money.Fen, string) {
	if pc.key == "" {
		return pc.fixed, ""
	}
	if p, ok := v.provinces[provinceCode]; ok {
		if f, ok := p.figures[pc.key]; ok {
			return f, "fees.note.province_figure"
		}
	}
	return pc.min, "fees.note.range_minimum"
}
