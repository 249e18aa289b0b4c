package delay

import (
	"fmt"
	"slices"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Limits on input, so that no sum can overflow a Fen and a request cannot
// ask for unbounded work.
const (
	// MaxAmount is the largest principal, instalment total or payment: 10
	// trillion yuan.
	MaxAmount money.Fen = 1_000_000_000_000_000
	// MaxItems is the largest number of instalments, payments or excluded
	// periods.
	MaxItems = 1000
	// MaxYears bounds the span from the earliest due date to Until.
	MaxYears = 200
)

// Instalment is one instalment of a performance in instalments: the day its
// performance period ends (履行期限届满之日) and its amount (2014
// interpretation Art. 2: each instalment bears doubled interest from its own
// due date).
type Instalment struct {
	Due    calendar.Date `json:"due"`
	Amount money.Fen     `json:"amount"`
}

// Payment is one partial performance, or a deduction, or an auction or
// transfer in kind, on the day that ends the delay for the amount (2014
// interpretation Art. 3: the performance day; the deduction day; the day the
// ruling on the transaction or transfer takes effect). Amount is the part
// applied to the base debt (see the package comment on order of application).
type Payment struct {
	On     calendar.Date `json:"on"`
	Amount money.Fen     `json:"amount"`
}

// Excluded is a period that bears no doubled interest (2014 interpretation
// Art. 3 para 3: suspension or stay not requested by the debtor, retrial
// suspension). From and To are both included. In ApplicationPeriod the same
// type is a suspension of the application period.
type Excluded struct {
	From   calendar.Date `json:"from"`
	To     calendar.Date `json:"to"`
	Reason string        `json:"reason"`
}

// Input is what Compute needs. Give either Principal and Due (a single
// performance period, or the effective date when the document set none), or
// Instalments.
type Input struct {
	Principal   money.Fen     `json:"principal"`
	Due         calendar.Date `json:"due"`
	Instalments []Instalment  `json:"instalments"`
	Payments    []Payment     `json:"payments"`
	Excluded    []Excluded    `json:"excluded"`
	Until       calendar.Date `json:"until"`
}

// Line kinds.
const (
	// KindAccrual is a span that bears doubled interest.
	KindAccrual = "accrual"
	// KindExcluded is a span inside an excluded period (Art. 3 para 3).
	KindExcluded = "excluded"
	// KindBeforeRate is a span before the first rate of the table took
	// effect (Art. 7): computed under earlier rules, not here.
	KindBeforeRate = "before_rate"
)

// Line explains one span of constant base: From and To are the first and
// last day of the span (both included), Days the days that bear interest (0
// for excluded spans and spans before the rate table), Base the unpaid base
// during the span, Interest its doubled interest. Debt is the index of the
// instalment (0 for a single principal). Note is the reason of an excluded
// span.
type Line struct {
	Debt     int           `json:"debt"`
	From     calendar.Date `json:"from"`
	To       calendar.Date `json:"to"`
	Days     int           `json:"days"`
	Base     money.Fen     `json:"base"`
	Interest money.Fen     `json:"interest"`
	Kind     string        `json:"kind"`
	Note     string        `json:"note,omitempty"`
}

// Result is the computed doubled interest up to and including Until.
//
// Interest is the doubled interest accrued; InterestPaid the part of it
// covered by payments left over after the whole base was paid (Art. 4);
// InterestOutstanding the rest. Outstanding is the unpaid base (including
// instalments not yet due); Overpaid what the payments exceed base and
// interest by. Rate names the rates applied and RateVersion the table.
type Result struct {
	Interest            money.Fen `json:"interest"`
	InterestPaid        money.Fen `json:"interest_paid"`
	InterestOutstanding money.Fen `json:"interest_outstanding"`
	Outstanding         money.Fen `json:"outstanding"`
	Overpaid            money.Fen `json:"overpaid"`
	Lines               []Line    `json:"lines"`
	Rate                string    `json:"rate"`
	RateVersion         string    `json:"rate_version"`
}

// debt is one base debt during computation.
type debt struct {
	due     calendar.Date
	amount  money.Fen
	changes []change // remaining amount after each payment that touched it
}

type change struct {
	on        calendar.Date
	remaining money.Fen
}

// Compute returns the doubled part of delay interest for in, with one line
// per span of constant base, rate and exclusion. Bad input is an errs.Invalid
// error with one field error per problem (keys "delay.field.*"); Compute
// never panics on input.
func Compute(in Input) (Result, error) {
	if err := validate(in); err != nil {
		return Result{}, err
	}
	t := Rates()
	debts := debtsOf(in)
	excl := mergeExcluded(in.Excluded)

	// Art. 4: each payment goes to the base first, earliest due first; the
	// rest goes to the doubled interest.
	pays := slices.Clone(in.Payments)
	slices.SortStableFunc(pays, func(a, b Payment) int { return a.On.Compare(b.On) })
	var excess money.Fen
	for _, p := range pays {
		if p.On.After(in.Until) {
			continue // the result is as of Until
		}
		left := p.Amount
		for i := range debts {
			d := &debts[i]
			rem := d.remaining()
			if rem == 0 || left == 0 {
				continue
			}
			paid := min(rem, left)
			left -= paid
			d.changes = append(d.changes, change{on: p.On, remaining: rem - paid})
		}
		excess += left
	}

	res := Result{Rate: t.label(), RateVersion: t.Version}
	for i, d := range debts {
		lines := d.lines(i, in.Until, excl, t)
		for _, l := range lines {
			res.Interest += l.Interest
		}
		res.Lines = append(res.Lines, lines...)
		res.Outstanding += d.remaining()
	}
	res.InterestPaid = min(excess, res.Interest)
	res.InterestOutstanding = res.Interest - res.InterestPaid
	res.Overpaid = excess - res.InterestPaid
	if res.Lines == nil {
		res.Lines = []Line{}
	}
	return res, nil
}

func (d *debt) remaining() money.Fen {
	if n := len(d.changes); n > 0 {
		return d.changes[n-1].remaining
	}
	return d.amount
}

// remainingOn returns the unpaid amount during day x: payments made on or
// after x have not yet reduced it, because the payment day itself still
// bears interest on the paid part (Art. 3: 计算至每次履行完毕之日).
func (d *debt) remainingOn(x calendar.Date) money.Fen {
	r := d.amount
	for _, c := range d.changes {
		if !c.on.Before(x) {
			break
		}
		r = c.remaining
	}
	return r
}

// lines splits the delay of d into spans of constant base, exclusion and
// rate. The delay runs from the day after due (CPL Art. 85) to the day the
// debt is paid off or Until, whichever is first, both included.
func (d *debt) lines(idx int, until calendar.Date, excl []Excluded, t Table) []Line {
	first := d.due.Plus(1)
	last := until
	if n := len(d.changes); n > 0 && d.changes[n-1].remaining == 0 && d.changes[n-1].on.Before(last) {
		last = d.changes[n-1].on
	}
	if last.Before(first) {
		return nil
	}
	// Boundaries are days on which a new span starts.
	cuts := []calendar.Date{first, last.Plus(1)}
	for _, c := range d.changes {
		cuts = append(cuts, c.on.Plus(1))
	}
	for _, e := range excl {
		cuts = append(cuts, e.From, e.To.Plus(1))
	}
	for _, r := range t.Rates {
		cuts = append(cuts, r.From)
	}
	slices.SortFunc(cuts, calendar.Date.Compare)
	cuts = slices.Compact(cuts)

	var out []Line
	for i := 0; i+1 < len(cuts); i++ {
		from, next := cuts[i], cuts[i+1]
		if from.Before(first) || next.After(last.Plus(1)) {
			continue
		}
		base := d.remainingOn(from)
		if base == 0 {
			continue
		}
		l := Line{Debt: idx, From: from, To: next.Plus(-1), Base: base, Kind: KindAccrual}
		if e, ok := excludedOn(excl, from); ok {
			l.Kind, l.Note = KindExcluded, e.Reason
		} else if r := t.at(from); r == nil {
			l.Kind = KindBeforeRate
		} else {
			l.Days = next.Sub(from)
			l.Interest = money.MulRate(base, r.Num*int64(l.Days), r.Den)
		}
		// Adjacent spans with the same base and kind are one line.
		if n := len(out); n > 0 && out[n-1].Kind == l.Kind && out[n-1].Base == l.Base && out[n-1].Note == l.Note && l.Kind != KindAccrual {
			out[n-1].To = l.To
			continue
		}
		out = append(out, l)
	}
	return out
}

func excludedOn(excl []Excluded, d calendar.Date) (Excluded, bool) {
	for _, e := range excl {
		if !d.Before(e.From) && !d.After(e.To) {
			return e, true
		}
	}
	return Excluded{}, false
}

// mergeExcluded sorts the periods and merges overlapping or adjacent ones,
// joining their reasons.
func mergeExcluded(in []Excluded) []Excluded {
	ex := slices.Clone(in)
	slices.SortStableFunc(ex, func(a, b Excluded) int { return a.From.Compare(b.From) })
	var out []Excluded
	for _, e := range ex {
		if n := len(out); n > 0 && !e.From.After(out[n-1].To.Plus(1)) {
			if e.To.After(out[n-1].To) {
				out[n-1].To = e.To
			}
			if e.Reason != "" && e.Reason != out[n-1].Reason {
				if out[n-1].Reason != "" {
					out[n-1].Reason += "; "
				}
				out[n-1].Reason += e.Reason
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func debtsOf(in Input) []debt {
	if len(in.Instalments) == 0 {
		return []debt{{due: in.Due, amount: in.Principal}}
	}
	ds := make([]debt, len(in.Instalments))
	for i, s := range in.Instalments {
		ds[i] = debt{due: s.Due, amount: s.Amount}
	}
	// Civil Code Art. 560: among several debts, the one due first is paid
	// first. The stable sort keeps the document's order for equal days, and
	// the line's Debt index is the position after sorting.
	slices.SortStableFunc(ds, func(a, b debt) int { return a.due.Compare(b.due) })
	return ds
}

// validate checks in and reports every problem at once.
func validate(in Input) error {
	var c errs.Collector
	add := func(field, code string, args ...any) {
		c.AddField(errs.FieldError{Field: field, Code: code, Key: "delay.field." + code, Args: args})
	}
	date := func(field string, d calendar.Date) bool {
		if d == (calendar.Date{}) {
			add(field, "required")
			return false
		}
		if !d.Valid() {
			add(field, "date")
			return false
		}
		return true
	}
	amount := func(field string, a money.Fen) {
		switch {
		case a <= 0:
			add(field, "positive")
		case a > MaxAmount:
			add(field, "too_large")
		}
	}
	untilOK := date("until", in.Until)
	var earliest calendar.Date
	if len(in.Instalments) == 0 {
		amount("principal", in.Principal)
		if date("due", in.Due) {
			earliest = in.Due
		}
	} else {
		if in.Principal != 0 {
			add("principal", "with_instalments")
		}
		if in.Due != (calendar.Date{}) {
			add("due", "with_instalments")
		}
		if len(in.Instalments) > MaxItems {
			add("instalments", "too_many", MaxItems)
		}
		var total money.Fen
		for i, s := range in.Instalments {
			f := fmt.Sprintf("instalments.%d", i)
			if date(f+".due", s.Due) && (earliest == (calendar.Date{}) || s.Due.Before(earliest)) {
				earliest = s.Due
			}
			amount(f+".amount", s.Amount)
			if s.Amount > 0 && s.Amount <= MaxAmount {
				total += s.Amount
			}
			if total > MaxAmount {
				add("instalments", "too_large")
				break
			}
		}
	}
	if len(in.Payments) > MaxItems {
		add("payments", "too_many", MaxItems)
	} else {
		for i, p := range in.Payments {
			f := fmt.Sprintf("payments.%d", i)
			date(f+".on", p.On)
			amount(f+".amount", p.Amount)
		}
	}
	if len(in.Excluded) > MaxItems {
		add("excluded", "too_many", MaxItems)
	} else {
		for i, e := range in.Excluded {
			f := fmt.Sprintf("excluded.%d", i)
			okF, okT := date(f+".from", e.From), date(f+".to", e.To)
			if okF && okT && e.To.Before(e.From) {
				add(f+".to", "before_from")
			}
			if len(e.Reason) > 500 {
				add(f+".reason", "too_long", 500)
			}
		}
	}
	if untilOK && earliest != (calendar.Date{}) && in.Until.Sub(earliest) > MaxYears*366 {
		add("until", "span_too_long", MaxYears)
	}
	return c.Err()
}
