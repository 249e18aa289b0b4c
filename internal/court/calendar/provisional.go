package calendar

// Provisional is a view of a Calendar that answers for years whose holiday
// notice is not published as if they had ordinary weekends only, and says so
// in every result. Use it to show an estimate ("provisional: the 2027
// holidays are not yet published"), never to fix a binding deadline: when the
// notice appears the estimate may move.
type Provisional struct{ c *Calendar }

// Result is a provisional answer. When Provisional is true the answer relied
// on at least one day of a year whose notice was missing; Unpublished lists
// those years in the order they were met.
type Result struct {
	Date        Date
	Provisional bool
	Unpublished []int
}

// Provisional returns the provisional view of c.
func (c *Calendar) Provisional() Provisional { return Provisional{c: c} }

// IsWorkingDay reports whether d is a working day and whether the answer is
// provisional. It fails only for an invalid d.
func (v Provisional) IsWorkingDay(d Date) (working, provisional bool, err error) {
	p := probe{c: v.c, lenient: true}
	working, err = p.working(d)
	return working, len(p.missing) > 0, err
}

// AddDays is Calendar.AddDays with unknown years estimated.
func (v Provisional) AddDays(start Date, n int) (Result, error) {
	p := probe{c: v.c, lenient: true}
	return p.result(p.addDays(start, n))
}

// AddMonths is Calendar.AddMonths with unknown years estimated.
func (v Provisional) AddMonths(start Date, n int) (Result, error) {
	p := probe{c: v.c, lenient: true}
	return p.result(p.addMonths(start, n))
}

// AddYears is Calendar.AddYears with unknown years estimated.
func (v Provisional) AddYears(start Date, n int) (Result, error) {
	p := probe{c: v.c, lenient: true}
	return p.result(p.addYears(start, n))
}

// AddWorkingDays is Calendar.AddWorkingDays with unknown years estimated.
func (v Provisional) AddWorkingDays(start Date, n int) (Result, error) {
	p := probe{c: v.c, lenient: true}
	return p.result(p.addWorkingDays(start, n))
}

func (p *probe) result(d Date, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	return Result{Date: d, Provisional: len(p.missing) > 0, Unpublished: p.missing}, nil
}
