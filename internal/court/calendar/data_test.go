package calendar

import (
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

const referenceFile = "/work/shared/reference/data/holidays_cn.json"

// TestEmbeddedMatchesReference checks the embedded data day by day against
// the cited reference file, when it is present.
func TestEmbeddedMatchesReference(t *testing.T) {
	raw, err := os.ReadFile(referenceFile)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("reference file not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		SourceNotes map[string]json.RawMessage `json:"source_notes"`
		Years       map[string]struct {
			Off []struct {
				Date string `json:"date"`
				Name string `json:"name"`
			} `json:"off"`
			Workdays []string `json:"workdays"`
		} `json:"years"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	cal := Default()
	wantOff, wantWork := map[Date]string{}, map[Date]bool{}
	for y, v := range ref.Years {
		yi, _ := strconv.Atoi(y)
		if !cal.Published(yi) {
			t.Errorf("year %s is in the reference but not published here", y)
		}
		for _, o := range v.Off {
			wantOff[d(o.Date)] = o.Name
		}
		for _, w := range v.Workdays {
			wantWork[d(w)] = true
		}
	}
	if len(cal.off) != len(wantOff) || len(cal.work) != len(wantWork) {
		t.Errorf("got %d off / %d workdays, want %d / %d", len(cal.off), len(cal.work), len(wantOff), len(wantWork))
	}
	for day, name := range wantOff {
		if got := cal.off[day]; got != name {
			t.Errorf("off %v = %q, want %q", day, got, name)
		}
	}
	for day := range wantWork {
		if !cal.work[day] {
			t.Errorf("workday %v missing", day)
		}
	}
	// Provenance: every year of the reference notes is here with the same notice.
	for y, rawNote := range ref.SourceNotes {
		yi, err := strconv.Atoi(y)
		if err != nil {
			continue // "_format"
		}
		var note struct {
			Notice string `json:"notice"`
			Issued string `json:"issued"`
			URL    string `json:"url"`
		}
		if err := json.Unmarshal(rawNote, &note); err != nil {
			t.Fatal(err)
		}
		yd, ok := cal.years[yi]
		if !ok {
			t.Errorf("year %d from source_notes missing", yi)
			continue
		}
		if yd.meta.Notice != note.Notice || yd.meta.Issued != note.Issued || yd.meta.URL != note.URL {
			t.Errorf("year %d provenance = %+v, want %+v", yi, yd.meta, note)
		}
		_, hasDays := ref.Years[y]
		if yd.meta.Published != hasDays {
			t.Errorf("year %d published = %v, reference has days = %v", yi, yd.meta.Published, hasDays)
		}
	}
	if cal.Published(2027) {
		t.Error("2027 must be unpublished")
	}
}

func TestYears(t *testing.T) {
	ys := Default().Years()
	var got []string
	for _, y := range ys {
		got = append(got, strconv.Itoa(y.Year)+":"+strconv.FormatBool(y.Published))
	}
	if want := "2023:true 2024:true 2025:true 2026:true 2027:false"; strings.Join(got, " ") != want {
		t.Errorf("Years = %v, want %s", got, want)
	}
	if ys[3].Notice != "国务院办公厅关于2026年部分节假日安排的通知" || ys[3].Issued != "2025-11-04" {
		t.Errorf("2026 provenance = %+v", ys[3])
	}
}

// A court-local closure is data laid over the national calendar.
func TestWithClosure(t *testing.T) {
	overlay := `{"format": 1, "closures": [
	  {"from": "2026-07-15", "to": "2026-07-16", "name": "台风停止办公", "court": "示例市中级人民法院", "basis": "test data"}
	]}`
	cal, err := Default().With(strings.NewReader(overlay))
	if err != nil {
		t.Fatal(err)
	}
	// 2026-06-30 + 15 = 2026-07-15 (Wed), closed with 07-16 (Thu) → 07-17 (Fri).
	got, err := cal.AddDays(d("2026-06-30"), 15)
	if err != nil || got != d("2026-07-17") {
		t.Errorf("with closure: %v, %v; want 2026-07-17", got, err)
	}
	if name, ok := cal.HolidayName(d("2026-07-16")); !ok || name != "台风停止办公" {
		t.Errorf("HolidayName = %q, %v", name, ok)
	}
	// The national calendar is unchanged.
	got, err = Default().AddDays(d("2026-06-30"), 15)
	if err != nil || got != d("2026-07-15") {
		t.Errorf("default: %v, %v; want 2026-07-15", got, err)
	}
}

// A newly published year is added as data, without code changes. The 2027
// days here are FICTIONAL test data, not the real arrangement.
func TestWithNewYear(t *testing.T) {
	overlay := `{"format": 1, "years": {"2027": {"published": true, "notice": "test only",
	  "off": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}], "workdays": []}}}`
	cal, err := Default().With(strings.NewReader(overlay))
	if err != nil {
		t.Fatal(err)
	}
	// 2026-12-17 + 15 = 2027-01-01 (Fri, fictional 元旦 block to Sun 01-03) → Mon 01-04.
	got, err := cal.AddDays(d("2026-12-17"), 15)
	if err != nil || got != d("2027-01-04") {
		t.Errorf("got %v, %v; want 2027-01-04", got, err)
	}
	// 2028 is still unknown, so 2027-12-30 is too.
	if _, err := cal.IsWorkingDay(d("2027-12-30")); !errors.Is(err, ErrUnknownYear) {
		t.Errorf("2027-12-30: %v, want ErrUnknownYear", err)
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	tests := map[string]string{
		"not json":         `{`,
		"wrong format":     `{"format": 2, "years": {}}`,
		"unknown field":    `{"format": 1, "yeers": {}}`,
		"bad year key":     `{"format": 1, "years": {"20x6": {"published": false}}}`,
		"weekday workday":  `{"format": 1, "years": {"2030": {"published": true, "workdays": ["2030-01-02"]}}}`,
		"off outside year": `{"format": 1, "years": {"2030": {"published": true, "off": [{"from": "2031-01-01", "to": "2031-01-01", "name": "x"}]}}}`,
		"reversed range":   `{"format": 1, "years": {"2030": {"published": true, "off": [{"from": "2030-01-03", "to": "2030-01-01", "name": "x"}]}}}`,
		"unnamed off":      `{"format": 1, "years": {"2030": {"published": true, "off": [{"from": "2030-01-01", "to": "2030-01-01", "name": ""}]}}}`,
		"unpublished days": `{"format": 1, "years": {"2030": {"published": false, "off": [{"from": "2030-01-01", "to": "2030-01-01", "name": "元旦"}]}}}`,
		"bad date":         `{"format": 1, "years": {"2030": {"published": true, "workdays": ["2030-02-30"]}}}`,
		"two notices": `{"format": 1, "years": {
			"2030": {"published": true, "off": [{"from": "2030-12-31", "to": "2030-12-31", "name": "x"}]},
			"2031": {"published": true, "off": [{"from": "2030-12-31", "to": "2031-01-01", "name": "元旦"}]}}}`,
		"workday also off": `{"format": 1, "years": {"2030": {"published": true, "off": [{"from": "2030-01-05", "to": "2030-01-05", "name": "x"}], "workdays": ["2030-01-05"]}}}`,
		"closure no name":  `{"format": 1, "closures": [{"from": "2030-01-05", "to": "2030-01-06", "name": ""}]}`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(strings.NewReader(data))
			if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Key != "calendar.invalid_data" {
				t.Errorf("Load = %v, want invalid calendar.invalid_data", err)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	// 2026-09-30 17:30 UTC is 2026-10-01 01:30 in Beijing.
	got := DateOf(time.Date(2026, 9, 30, 17, 30, 0, 0, time.UTC))
	if want := d("2026-10-01"); got != want {
		t.Errorf("DateOf = %v, want %v", got, want)
	}
	b, err := json.Marshal(struct{ D Date }{d("2026-10-01")})
	if err != nil || string(b) != `{"D":"2026-10-01"}` {
		t.Errorf("marshal = %s, %v", b, err)
	}
	var v struct{ D Date }
	if err := json.Unmarshal([]byte(`{"D":"2024-02-29"}`), &v); err != nil || v.D != d("2024-02-29") {
		t.Errorf("unmarshal = %v, %v", v.D, err)
	}
	if d("2026-01-01").Sub(d("2025-01-01")) != 365 || d("2025-01-01").Plus(365) != d("2026-01-01") {
		t.Error("Sub/Plus")
	}
	if !d("2026-01-01").After(d("2025-12-31")) || d("2026-01-01").Time().Location().String() != "CST" {
		t.Error("After/Time")
	}
}

func TestPlusMonths(t *testing.T) {
	tests := []struct {
		start string
		n     int
		want  string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2026-02-28", 1, "2026-03-28"}, // the trigger's day number, not month end
		{"2025-11-15", 3, "2026-02-15"},
		{"2026-03-31", -1, "2026-02-28"},
		{"2026-01-15", -13, "2024-12-15"},
		{"2024-02-29", 12, "2025-02-28"},
	}
	for _, tt := range tests {
		if got := d(tt.start).PlusMonths(tt.n); got != d(tt.want) {
			t.Errorf("%s.PlusMonths(%d) = %v, want %s", tt.start, tt.n, got, tt.want)
		}
	}
}
