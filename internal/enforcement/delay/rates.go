package delay

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/ecourt/ecourt/internal/court/calendar"
)

// ratesJSON is the versioned rate table. A new rate is a new entry with its
// effective date; no code changes.
//
//go:embed data/rates.json
var ratesJSON []byte

// Rate is one entry of the rate table: from From on, the doubled part is
// base × Num / Den per day.
type Rate struct {
	From    calendar.Date `json:"from"`
	Num     int64         `json:"num"`
	Den     int64         `json:"den"`
	LabelZh string        `json:"label_zh"`
	LabelEn string        `json:"label_en"`
	Source  string        `json:"source"`
}

// Table is the versioned rate table.
type Table struct {
	Version    string `json:"version"`
	Instrument string `json:"instrument"`
	Remark     string `json:"remark"`
	Rates      []Rate `json:"rates"`
}

var (
	tableOnce sync.Once
	table     Table
	tableErr  error
)

// Rates returns the embedded rate table, parsed once. It panics if the
// embedded data is broken, which the package tests rule out.
func Rates() Table {
	tableOnce.Do(func() { table, tableErr = loadTable(ratesJSON) })
	if tableErr != nil {
		panic(tableErr)
	}
	return table
}

func loadTable(b []byte) (Table, error) {
	var t Table
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return Table{}, fmt.Errorf("delay: rates: %w", err)
	}
	if t.Version == "" || len(t.Rates) == 0 {
		return Table{}, fmt.Errorf("delay: rates: version and at least one rate required")
	}
	for i, r := range t.Rates {
		if !r.From.Valid() || r.Num < 0 || r.Den <= 0 || r.Num > 1_000_000 || r.LabelZh == "" || r.LabelEn == "" || r.Source == "" {
			return Table{}, fmt.Errorf("delay: rates: entry %d is incomplete or out of range", i)
		}
		if i > 0 && !r.From.After(t.Rates[i-1].From) {
			return Table{}, fmt.Errorf("delay: rates: entry %d is not after entry %d", i, i-1)
		}
	}
	return t, nil
}

// at returns the rate in force on d, or nil before the first entry.
func (t Table) at(d calendar.Date) *Rate {
	var r *Rate
	for i := range t.Rates {
		if t.Rates[i].From.After(d) {
			break
		}
		r = &t.Rates[i]
	}
	return r
}

// label describes the rates used, for Result.Rate.
func (t Table) label() string {
	s := ""
	for i, r := range t.Rates {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s / %s (%s, from %s)", r.LabelZh, r.LabelEn, r.Source, r.From)
	}
	return s
}
