package fees

import (
	"context"
	"slices"
	"strconv"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// QuoteRequest asks what a fee comes to. AmountFen is the amount the fee is
// computed on: the claim (诉讼请求的金额或者价额) for property and IP cases,
// the property to divide for divorce, the damages claimed for personality
// rights, the amount to enforce, the amount actually preserved (实际保全的财产
// 数额, not the amount applied for), the claim of a payment order, the
// bankruptcy estate. For IP and enforcement, 0 means "no amount in dispute"
// (the per-case range applies). Procedure is "ordinary" (default),
// "simplified" or "small_claims"; the latter two halve the case fee (Art. 16).
// Halving adds reasons (mediation, withdrawal, counterclaim; simplified);
// the fee is halved once whatever their number (民诉法解释 Art. 206).
// Province is a two-digit GB/T 2260 code choosing the provincial figures of
// the ranged fees ("" or unknown: the national range minimum). OnDate picks
// the schedule version (zero: today, China time).
type QuoteRequest struct {
	Kind      Kind          `json:"kind"`
	AmountFen money.Fen     `json:"amount_fen"`
	Procedure string        `json:"procedure,omitempty"`
	Halving   []Halving     `json:"halving,omitempty"`
	Province  string        `json:"province,omitempty"`
	OnDate    calendar.Date `json:"on_date,omitzero"`
}

// Step says how a Part of a quote is computed.
type Step string

// The steps of a quote, in the order they apply.
const (
	StepFixed    Step = "fixed"    // a per-case or flat bracket figure
	StepBracket  Step = "bracket"  // a rate on the part of the amount inside a bracket
	StepFraction Step = "fraction" // a fraction of the subtotal (payment order 1/3, bankruptcy 1/2)
	StepCap      Step = "cap"      // the subtotal cut to a maximum
	StepHalving  Step = "halving"  // half of the case fee (Art. 15, 16, 18)
)

// Part is one line of a quote's breakdown. For a bracket, FromFen–ToFen are
// its bounds (ToFen 0: open), BaseFen the part of the amount inside it and
// RateNum/RateDen the exact rate; for a fixed figure FixedFen; for a
// fraction, cap or halving BaseFen is the subtotal it applies to. PartFen
// is what the line adds (negative for fraction, cap and halving), rounded
// half-up to the fen; the parts add up to the fee. Note is the i18n key of
// the line's label; Article its source.
type Part struct {
	Step     Step      `json:"step"`
	FromFen  money.Fen `json:"from_fen"`
	ToFen    money.Fen `json:"to_fen"`
	BaseFen  money.Fen `json:"base_fen"`
	RateNum  int64     `json:"rate_num"`
	RateDen  int64     `json:"rate_den"`
	FixedFen money.Fen `json:"fixed_fen"`
	PartFen  money.Fen `json:"part_fen"`
	Note     string    `json:"note"`
	Article  string    `json:"article"`
}

// Quote is a computed fee.
type Quote struct {
	Kind            Kind          `json:"kind"`
	AmountFen       money.Fen     `json:"amount_fen"`
	FeeFen          money.Fen     `json:"fee_fen"`
	Breakdown       []Part        `json:"breakdown"`
	Halved          bool          `json:"halved"`
	HalvedBy        Halving       `json:"halved_by,omitempty"`
	Application     bool          `json:"application"`
	PayableLater    bool          `json:"payable_later"`
	Province        string        `json:"province,omitempty"`
	ScheduleVersion string        `json:"schedule_version"`
	OnDate          calendar.Date `json:"on_date"`
	Articles        []string      `json:"articles"`
}

// maxAmount bounds quoted amounts (10^15 yuan): far above any real claim,
// and safe from overflow in every step.
const maxAmount money.Fen = 100_000_000_000_000_000

// Quote computes a fee on the schedule in force on req.OnDate. It needs no
// principal (the calculator is public). Errors: errs.Invalid listing every
// bad field — kind unknown ("kind"), amount negative, too large, missing
// where the kind needs one or given where it takes none ("amount_fen"),
// unknown procedure, unknown or inapplicable halving reason (application
// fees are never halved), a malformed province code, a date before the
// first schedule ("on_date").
func (s *Service) Quote(ctx context.Context, req QuoteRequest) (Quote, error) {
	if req.OnDate == (calendar.Date{}) {
		req.OnDate = calendar.Today(s.clock())
	}
	return s.sched.Quote(req)
}

// Quote computes a fee; see Service.Quote. req.OnDate must be set.
func (s *Schedule) Quote(req QuoteRequest) (Quote, error) {
	var v errs.Collector
	ver, ok := s.At(req.OnDate)
	if !ok || !req.OnDate.Valid() {
		v.AddField(fieldErr("on_date", "no_schedule"))
	}
	var rule *kindRule
	if ver != nil {
		rule = ver.kinds[req.Kind]
	}
	if req.Kind == "" {
		v.AddField(errs.Field("kind", "required"))
	} else if ver != nil && rule == nil {
		v.AddField(fieldErr("kind", "unknown_kind"))
	}
	switch {
	case req.AmountFen < 0:
		v.AddField(fieldErr("amount_fen", "negative"))
	case req.AmountFen > maxAmount:
		v.AddField(fieldErr("amount_fen", "too_large"))
	case rule != nil && rule.amount == amountRequired && req.AmountFen == 0:
		v.AddField(errs.Field("amount_fen", "required"))
	case rule != nil && rule.amount == amountNone && req.AmountFen != 0:
		v.AddField(fieldErr("amount_fen", "no_amount"))
	}
	if req.Procedure != "" && !slices.Contains(Procedures, req.Procedure) {
		v.AddField(fieldErr("procedure", "unknown_procedure"))
	}
	reasons := slices.Clone(req.Halving)
	if req.Procedure == "simplified" || req.Procedure == "small_claims" {
		// Art. 16; small claims are tried under the simplified procedure
		// (CPL ch. 13), so the same halving applies.
		reasons = append(reasons, HalveSimplified)
	}
	for _, h := range req.Halving {
		if !slices.Contains(Halvings, h) {
			v.AddField(fieldErr("halving", "unknown_halving"))
			break
		}
	}
	if rule != nil && len(reasons) > 0 && !rule.halvable {
		v.AddField(fieldErr("halving", "not_halvable"))
	}
	if req.Province != "" && (len(req.Province) != 2 || req.Province[0] < '1' || req.Province[0] > '9' || req.Province[1] < '0' || req.Province[1] > '9') {
		v.AddField(fieldErr("province", "province"))
	}
	if err := v.Err(); err != nil {
		return Quote{}, err
	}
	return ver.compute(req, rule, reasons), nil
}

// compute applies the rule. Every bracket bound of the 2007 schedule is a
// multiple of 1,000 yuan and every rate at least 0.1%, so the part of a full
// bracket is a whole number of fen and only the top bracket's part can have
// a remainder: rounding each part half-up therefore equals rounding the
// exact total once.
func (v *Version) compute(req QuoteRequest, rule *kindRule, reasons []Halving) Quote {
	q := Quote{Kind: req.Kind, AmountFen: req.AmountFen, ScheduleVersion: v.Name, OnDate: req.OnDate,
		Application: rule.class == "application", Province: req.Province, Articles: []string{}}
	q.PayableLater, _ = v.PayableLater(req.Kind)
	add := func(p Part) {
		q.Breakdown = append(q.Breakdown, p)
		q.FeeFen += p.PartFen
		if p.Article != "" && !slices.Contains(q.Articles, p.Article) {
			q.Articles = append(q.Articles, p.Article)
		}
	}
	fixed := func(pc *perCase, note string) {
		f, pnote := v.figure(pc, req.Province)
		if pnote != "" {
			note = pnote
		}
		add(Part{Step: StepFixed, FixedFen: f, PartFen: f, Note: note, Article: pc.article})
	}
	switch {
	case req.AmountFen == 0 && rule.withoutAmount != nil:
		fixed(rule.withoutAmount, "fees.note.without_amount")
	default:
		if rule.perCase != nil {
			fixed(rule.perCase, "fees.note.per_case")
		}
		if rule.brackets != "" {
			for _, p := range brackets(v.brackets[rule.brackets], req.AmountFen) {
				if req.AmountFen == 0 && p.PartFen == 0 {
					continue // no property involved: "不另行交纳" needs no line
				}
				add(p)
			}
		}
	}
	if rule.fracDen != 0 {
		sub := q.FeeFen
		add(Part{Step: StepFraction, BaseFen: sub, RateNum: rule.fracNum, RateDen: rule.fracDen,
			PartFen: money.MulRate(sub, rule.fracNum, rule.fracDen) - sub, Note: "fees.note.fraction", Article: rule.fracArticle})
	}
	if rule.capFen != 0 && q.FeeFen > rule.capFen {
		sub := q.FeeFen
		add(Part{Step: StepCap, BaseFen: sub, FixedFen: rule.capFen, PartFen: rule.capFen - sub, Note: "fees.note.cap", Article: rule.capArticle})
	}
	// Halve once, whatever the number of reasons (民诉法解释 Art. 206).
	var first Halving
	var articles []string
	for _, h := range Halvings {
		if slices.Contains(reasons, h) {
			if first == "" {
				first = h
			}
			if !slices.Contains(articles, v.halving[h]) {
				articles = append(articles, v.halving[h])
			}
		}
	}
	if first != "" {
		sub := q.FeeFen
		add(Part{Step: StepHalving, BaseFen: sub, RateNum: 1, RateDen: 2, PartFen: money.MulRate(sub, 1, 2) - sub,
			Note: "fees.note.halving." + string(first), Article: articles[0]})
		for _, a := range articles[1:] {
			if !slices.Contains(q.Articles, a) {
				q.Articles = append(q.Articles, a)
			}
		}
		if len(articles) > 1 || countDistinct(reasons) > 1 {
			q.Articles = append(q.Articles, v.once)
		}
		q.Halved, q.HalvedBy = true, first
	}
	return q
}

func countDistinct(hs []Halving) int {
	c := slices.Clone(hs)
	slices.Sort(c)
	return len(slices.Compact(c))
}

// brackets returns the parts of amount in each bracket it reaches.
func brackets(bs []bracket, amount money.Fen) []Part {
	var out []Part
	var from money.Fen
	for i, b := range bs {
		if i > 0 && amount <= from {
			break
		}
		top := amount
		if b.to != 0 && b.to < amount {
			top = b.to
		}
		p := Part{FromFen: from, ToFen: b.to, Article: b.article}
		if b.hasFixed {
			// "不超过X元的，每件交纳Y元": the first bracket is a flat figure.
			p.Step, p.FixedFen, p.PartFen, p.Note = StepFixed, b.fixed, b.fixed, "fees.note.first_bracket"
			p.BaseFen = top - from
		} else {
			p.Step, p.BaseFen, p.RateNum, p.RateDen = StepBracket, top-from, b.num, b.den
			p.PartFen = money.MulRate(top-from, b.num, b.den)
			p.Note = "fees.note.bracket"
		}
		out = append(out, p)
		from = b.to
		if b.to == 0 {
			break
		}
	}
	return out
}

// fieldErr is a field error whose message key is this bundle's
// "fees.field.<code>".
func fieldErr(field, code string) errs.FieldError {
	return errs.FieldError{Field: field, Code: code, Key: "fees.field." + code}
}

// Rate formats the part's rate as a percentage ("2.5%", "1/3" for
// fractions that are not a whole number of per-mille), or "" for none.
func (p Part) Rate() string {
	if p.RateDen == 0 {
		return ""
	}
	// Exact when 100·num·10^k/den is an integer for some k ≤ 4.
	for k, scale := 0, int64(1); k <= 4; k, scale = k+1, scale*10 {
		n := p.RateNum * 100 * scale
		if n%p.RateDen == 0 {
			s := strconv.FormatInt(n/p.RateDen, 10)
			if k > 0 {
				for len(s) <= k {
					s = "0" + s
				}
				s = s[:len(s)-k] + "." + s[len(s)-k:]
			}
			return s + "%"
		}
	}
	return strconv.FormatInt(p.RateNum, 10) + "/" + strconv.FormatInt(p.RateDen, 10)
}
