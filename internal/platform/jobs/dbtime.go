package jobs

import (
	"fmt"
	"strings"
	"time"
)

// dbTime scans a timestamp column of either dialect, NULL included (the
// zero time). SQLite hands back text where it lost the column's declared
// type (RETURNING, expressions); the formats are those modernc.org/sqlite
// writes with _time_format=sqlite.
type dbTime struct{ t time.Time }

var sqliteTimeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC3339Nano,
}

func (d *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		d.t = time.Time{}
		return nil
	case time.Time:
		d.t = v.UTC()
		return nil
	case []byte:
		return d.parse(string(v))
	case string:
		return d.parse(v)
	}
	return fmt.Errorf("jobs: cannot scan %T into a time", v)
}

func (d *dbTime) parse(s string) error {
	s = strings.TrimSpace(s)
	for _, f := range sqliteTimeFormats {
		if t, err := time.Parse(f, s); err == nil {
			d.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("jobs: cannot parse time %q", s)
}
