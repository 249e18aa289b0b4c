package calendar

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// holidaysJSON is the versioned national holiday data. To add a year, add its
// notice to data/holidays_cn.json (published: true, off ranges, workdays); no
// code changes. The test TestEmbeddedMatchesReference compares it with the
// cited reference file.
//
//go:embed data/holidays_cn.json
var holidaysJSON []byte

// Year is the provenance of one year's holiday arrangement: the State Council
// notice (国务院办公厅关于YYYY年部分节假日安排的通知) that sets it. A Year with
// Published false is known to be missing: dates in it are unknown, never
// "no holidays".
type Year struct {
	Year      int
	Published bool
	Notice    string   // title of the notice
	Issued    string   // date the notice was issued, "2025-11-04"
	URL       string   // official publication
	Sources   []string // where the data was taken from and cross-checked
	Verified  string   // "yes" when cross-checked against the notice text
	Check     string   // how it was verified
	LawChange string   // a change of the underlying rules noted for the year
	Remark    string
}

// Closure is a court-local extra day without service (for example a typhoon
// closure ordered for the court's area). Closures are loaded from data by the
// deployment; the embedded national data has none.
type Closure struct {
	From, To Date
	Name     string
	Court    string // the court or area it applies to, free text for display
	Basis    string // the order that closed the court
}

// file is the on-disk format, version 1. See data/holidays_cn.json.
type file struct {
	Format   int                  `json:"format"`
	About    string               `json:"about,omitempty"`
	Years    map[string]*fileYear `json:"years"`
	Closures []fileClosure        `json:"closures"`
}

type fileYear struct {
	Published bool        `json:"published"`
	Notice    string      `json:"notice,omitempty"`
	Issued    string      `json:"issued,omitempty"`
	URL       string      `json:"url,omitempty"`
	Sources   []string    `json:"sources,omitempty"`
	Verified  string      `json:"verified,omitempty"`
	Check     string      `json:"check,omitempty"`
	LawChange string      `json:"law_change,omitempty"`
	Remark    string      `json:"remark,omitempty"`
	Off       []fileRange `json:"off,omitempty"`
	Workdays  []Date      `json:"workdays,omitempty"`
}

type fileRange struct {
	From Date   `json:"from"`
	To   Date   `json:"to"`
	Name string `json:"name"`
}

type fileClosure struct {
	From  Date   `json:"from"`
	To    Date   `json:"to"`
	Name  string `json:"name"`
	Court string `json:"court,omitempty"`
	Basis string `json:"basis,omitempty"`
}

// yearData is one year as held by a Calendar.
type yearData struct {
	meta     Year
	off      []fileRange
	workdays []Date
}

var (
	defaultOnce sync.Once
	defaultCal  *Calendar
	defaultErr  error
)

// Default returns the calendar built from the embedded national data, parsed
// once. It panics if the embedded data is broken, which the package tests
// rule out.
func Default() *Calendar {
	defaultOnce.Do(func() { defaultCal, defaultErr = Load(bytes.NewReader(holidaysJSON)) })
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultCal
}

// Load reads a calendar from r in the format of data/holidays_cn.json. It
// checks the data: each off range lies in its notice year (or the December
// before, which a notice may cover), an adjusted working day is a Saturday or
// Sunday and not also an off day, no date is set by two notices, and an
// unpublished year carries no days. Errors are Invalid with key
// "calendar.invalid_data" and the detail in the cause.
func Load(r io.Reader) (*Calendar, error) {
	return (&Calendar{years: map[int]*yearData{}}).With(r)
}

// With returns a new calendar: c with the data read from r laid over it. A
// year in r replaces the same year of c entirely (so a deployment can add a
// newly published year before the next release); closures in r are added to
// c's. c itself is not changed.
func (c *Calendar) With(r io.Reader) (*Calendar, error) {
	var f file
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, badData(err)
	}
	if f.Format != 1 {
		return nil, badData(fmt.Errorf("format %d, want 1", f.Format))
	}
	n := &Calendar{years: maps.Clone(c.years), closures: slices.Clone(c.closures)}
	for key, fy := range f.Years {
		y, err := strconv.Atoi(key)
		if err != nil || y < 1900 || y > 9999 {
			return nil, badData(fmt.Errorf("year %q", key))
		}
		if fy == nil {
			return nil, badData(fmt.Errorf("year %d: null", y))
		}
		if err := checkYear(y, fy); err != nil {
			return nil, badData(err)
		}
		n.years[y] = &yearData{
			meta: Year{Year: y, Published: fy.Published, Notice: fy.Notice, Issued: fy.Issued,
				URL: fy.URL, Sources: fy.Sources, Verified: fy.Verified, Check: fy.Check,
				LawChange: fy.LawChange, Remark: fy.Remark},
			off:      fy.Off,
			workdays: fy.Workdays,
		}
	}
	for i, fc := range f.Closures {
		if !fc.From.Valid() || !fc.To.Valid() || fc.To.Before(fc.From) || fc.To.Sub(fc.From) > 366 || fc.Name == "" {
			return nil, badData(fmt.Errorf("closure %d: bad range or empty name", i))
		}
		n.closures = append(n.closures, Closure{From: fc.From, To: fc.To, Name: fc.Name, Court: fc.Court, Basis: fc.Basis})
	}
	if err := n.index(); err != nil {
		return nil, badData(err)
	}
	return n, nil
}

func checkYear(y int, fy *fileYear) error {
	if !fy.Published {
		if len(fy.Off) > 0 || len(fy.Workdays) > 0 {
			return fmt.Errorf("year %d: unpublished but has days", y)
		}
		return nil
	}
	// A notice covers its year and may reach back into the December before
	// (the 2023 notice's 元旦 block starts 2022-12-31).
	lo, hi := Date{y - 1, time.December, 1}, Date{y, time.December, 31}
	in := func(d Date) bool { return d.Valid() && !d.Before(lo) && !d.After(hi) }
	for _, r := range fy.Off {
		if !in(r.From) || !in(r.To) || r.To.Before(r.From) || r.Name == "" {
			return fmt.Errorf("year %d: bad off range %v..%v %q", y, r.From, r.To, r.Name)
		}
	}
	for _, d := range fy.Workdays {
		if !in(d) || !isWeekend(d) {
			return fmt.Errorf("year %d: adjusted working day %v is not a Saturday or Sunday of the year", y, d)
		}
	}
	return nil
}

// index rebuilds the per-date maps from the years and closures.
func (c *Calendar) index() error {
	c.off = map[Date]string{}
	c.work = map[Date]bool{}
	c.closed = map[Date]string{}
	owner := map[Date]int{}
	for _, y := range slices.Sorted(maps.Keys(c.years)) {
		yd := c.years[y]
		claim := func(d Date) error {
			if o, dup := owner[d]; dup && o == y {
				return fmt.Errorf("%v is listed twice in the %d notice", d, y)
			} else if dup {
				return fmt.Errorf("%v is set by both the %d and the %d notice", d, o, y)
			}
			owner[d] = y
			return nil
		}
		for _, r := range yd.off {
			for d := r.From; !d.After(r.To); d = d.Plus(1) {
				if err := claim(d); err != nil {
					return err
				}
				c.off[d] = r.Name
			}
		}
		for _, d := range yd.workdays {
			if err := claim(d); err != nil {
				return err
			}
			c.work[d] = true
		}
	}
	for _, cl := range c.closures {
		for d := cl.From; !d.After(cl.To); d = d.Plus(1) {
			if _, dup := c.closed[d]; !dup {
				c.closed[d] = cl.Name
			}
		}
	}
	return nil
}

func badData(err error) error {
	return errs.Wrap(errs.Invalid, "calendar.invalid_data", fmt.Errorf("calendar data: %w", err))
}
