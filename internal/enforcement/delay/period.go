package delay

import (
	"fmt"
	"slices"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// ApplicationYears is the application period of CPL (2023) Art. 250: "申请执
// 行的期间为二年".
const ApplicationYears = 2

// Interruption is an event that interrupts the application period (执行程序
// 解释 (2020) Art. 20: 申请执行、当事人双方达成和解协议、当事人一方提出履行要求
// 或者同意履行义务; Civil Code Art. 195); the two years run anew from it.
type Interruption struct {
	On     calendar.Date `json:"on"`
	Reason string        `json:"reason"`
}

// PeriodInput is what ApplicationPeriod needs: the day the document took
// effect, and either the last day of its performance period (Due) or its
// instalments, or neither. Suspended lists obstacles to applying (force
// majeure or other obstacles: Civil Code Art. 194, 执行程序解释 Art. 19),
// Interrupted the interruptions (Civil Code Art. 195, 执行程序解释 Art. 20). Calendar is the holiday calendar used to move a last day that
// falls on a rest day; nil means the national calendar (calendar.Default).
type PeriodInput struct {
	Effective   calendar.Date      `json:"effective"`
	Due         *calendar.Date     `json:"due,omitempty"`
	Instalments []Instalment       `json:"instalments,omitempty"`
	Suspended   []Excluded         `json:"suspended,omitempty"`
	Interrupted []Interruption     `json:"interrupted,omitempty"`
	Calendar    *calendar.Calendar `json:"-"`
}

// Period start notes (PeriodResult.Note): which rule of CPL Art. 250 fixed
// the start. They double as i18n keys.
const (
	NoteFromDue         = "delay.period.from_due"
	NoteFromInstalments = "delay.period.from_last_instalment"
	NoteFromEffective   = "delay.period.from_effective"
)

// PeriodResult is the application period: it starts after Start (Start
// itself is not counted, Civil Code Art. 201) and Last is its last day, after
// suspensions and interruptions and moved off a rest day (Civil Code Art.
// 203). Nominal is the last day before that move. Provisional is true when
// the move relied on a year whose holiday notice is not published yet, so
// Last may still change. Note is one of the Note* keys. Suspensions and
// Interruptions list the events that changed the period, in date order.
type PeriodResult struct {
	Start         calendar.Date  `json:"start"`
	Nominal       calendar.Date  `json:"nominal"`
	Last          calendar.Date  `json:"last"`
	Provisional   bool           `json:"provisional"`
	Note          string         `json:"note"`
	Suspensions   []Excluded     `json:"suspensions"`
	Interruptions []Interruption `json:"interruptions"`
}

// ApplicationPeriod computes the enforcement application period of CPL
// (2023) Art. 250. Bad input is errs.Invalid with field codes (keys
// "delay.field.*").
//
// Start: "从法律文书规定履行期间的最后一日起计算；法律文书规定分期履行的，从最后一期
// 履行期限届满之日起计算；法律文书未规定履行期间的，从法律文书生效之日起计算".
// The two years end on the day of the 24th month after Start with Start's day
// number, or that month's last day (Civil Code Art. 201–202).
//
// Suspension: CPL Art. 250 para 1 applies the law on the suspension and
// interruption of limitation periods, that is Civil Code Art. 194: an
// obstacle counts only when it exists within the last six months of the
// running period, and then the period ends six months after the day the
// obstacle ends ("自中止时效的原因消除之日起满六个月，诉讼时效期间届满"). (执行程序解释 (2020) Art. 19 still
// reads "继续计算", the wording of the old 民法通则 Art. 139, which would give
// only the days that remained; the calculator follows the Civil Code the
// statute points to, which is never shorter.) Interruption (Civil Code
// Art. 195, 执行程序解释 Art. 20): the two years run anew from the
// interruption day. Events are taken in date order; an event after the
// period has expired changes nothing.
func ApplicationPeriod(in PeriodInput) (PeriodResult, error) {
	if err := validatePeriod(in); err != nil {
		return PeriodResult{}, err
	}
	var res PeriodResult
	switch {
	case len(in.Instalments) > 0:
		// CPL Art. 250: from the last instalment's due date.
		res.Start, res.Note = in.Instalments[0].Due, NoteFromInstalments
		for _, s := range in.Instalments[1:] {
			if s.Due.After(res.Start) {
				res.Start = s.Due
			}
		}
	case in.Due != nil:
		res.Start, res.Note = *in.Due, NoteFromDue
	default:
		res.Start, res.Note = in.Effective, NoteFromEffective
	}
	last := res.Start.PlusMonths(12 * ApplicationYears)

	type event struct {
		on   calendar.Date
		susp *Excluded
		intr *Interruption
	}
	var evs []event
	for i := range in.Suspended {
		evs = append(evs, event{on: in.Suspended[i].From, susp: &in.Suspended[i]})
	}
	for i := range in.Interrupted {
		evs = append(evs, event{on: in.Interrupted[i].On, intr: &in.Interrupted[i]})
	}
	slices.SortStableFunc(evs, func(a, b event) int { return a.on.Compare(b.on) })
	for _, e := range evs {
		if e.on.After(last) {
			break // expired before the event: nothing revives it here
		}
		if e.intr != nil {
			if e.intr.On.Before(res.Start.Plus(1)) {
				continue // before the period began: nothing to interrupt
			}
			// 执行程序解释 Art. 20: 从中断时起，申请执行时效期间重新计算.
			last = e.intr.On.PlusMonths(12 * ApplicationYears)
			res.Interruptions = append(res.Interruptions, *e.intr)
			continue
		}
		s := e.susp
		// Civil Code Art. 194: only an obstacle within the last six months
		// suspends the period.
		window := last.PlusMonths(-6).Plus(1)
		from := s.From
		if from.Before(window) {
			from = window
		}
		if from.Before(res.Start.Plus(1)) {
			from = res.Start.Plus(1)
		}
		if s.To.Before(from) {
			continue
		}
		// 自中止时效的原因消除之日起满六个月，诉讼时效期间届满.
		if end := s.To.PlusMonths(6); end.After(last) {
			last = end
		}
		res.Suspensions = append(res.Suspensions, Excluded{From: from, To: s.To, Reason: s.Reason})
	}
	res.Nominal = last

	cal := in.Calendar
	if cal == nil {
		cal = calendar.Default()
	}
	// Civil Code Art. 203: a last day on a statutory rest day moves to the
	// day after the rest ends. Years without a published notice are
	// estimated and flagged.
	r, err := cal.Provisional().AddDays(last.Plus(-1), 1)
	if err != nil {
		return PeriodResult{}, err
	}
	res.Last, res.Provisional = r.Date, r.Provisional
	if res.Suspensions == nil {
		res.Suspensions = []Excluded{}
	}
	if res.Interruptions == nil {
		res.Interruptions = []Interruption{}
	}
	return res, nil
}

// WithinApplicationPeriod reports whether an application filed on filed is
// within the period of in, with the period. filed on the last day is in
// time. Note 民诉法解释 (2022) Art. 481 (old numbering; CPL Art. 250): a late
// application is still accepted, and it is the debtor's objection that leads
// to a ruling not to enforce — so callers should warn and record, not refuse.
func WithinApplicationPeriod(in PeriodInput, filed calendar.Date) (bool, PeriodResult, error) {
	if !filed.Valid() {
		return false, PeriodResult{}, errs.Fields(errs.FieldError{Field: "filed", Code: "date", Key: "delay.field.date"})
	}
	res, err := ApplicationPeriod(in)
	if err != nil {
		return false, PeriodResult{}, err
	}
	return !filed.After(res.Last), res, nil
}

func validatePeriod(in PeriodInput) error {
	var c errs.Collector
	add := func(field, code string, args ...any) {
		c.AddField(errs.FieldError{Field: field, Code: code, Key: "delay.field." + code, Args: args})
	}
	date := func(field string, d calendar.Date) bool {
		switch {
		case d == (calendar.Date{}):
			add(field, "required")
		case !d.Valid() || d.Y < 1900 || d.Y > 9000:
			add(field, "date")
		default:
			return true
		}
		return false
	}
	effOK := date("effective", in.Effective)
	if in.Due != nil && len(in.Instalments) > 0 {
		add("due", "with_instalments")
	}
	if in.Due != nil && date("due", *in.Due) && effOK && in.Due.Before(in.Effective) {
		add("due", "before_effective")
	}
	if len(in.Instalments) > MaxItems {
		add("instalments", "too_many", MaxItems)
	} else {
		for i, s := range in.Instalments {
			f := fmt.Sprintf("instalments.%d.due", i)
			if date(f, s.Due) && effOK && s.Due.Before(in.Effective) {
				add(f, "before_effective")
			}
		}
	}
	if len(in.Suspended) > MaxItems {
		add("suspended", "too_many", MaxItems)
	} else {
		for i, s := range in.Suspended {
			f := fmt.Sprintf("suspended.%d", i)
			okF, okT := date(f+".from", s.From), date(f+".to", s.To)
			if okF && okT && s.To.Before(s.From) {
				add(f+".to", "before_from")
			}
		}
	}
	if len(in.Interrupted) > MaxItems {
		add("interrupted", "too_many", MaxItems)
	} else {
		for i, s := range in.Interrupted {
			date(fmt.Sprintf("interrupted.%d.on", i), s.On)
		}
	}
	return c.Err()
}
