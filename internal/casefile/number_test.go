package casefile

import (
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

func TestNumberFormat(t *testing.T) {
	tests := []struct {
		n    Number
		want string
	}{
		{Number{Year: 2026, CourtCode: "浙0225", TypeCode: "民初", Seq: 123}, "（2026）浙0225民初123号"},
		{Number{Year: 2019, CourtCode: "最高法", SpecCode: "知", TypeCode: "民终", Seq: 1}, "（2019）最高法知民终1号"},
		{Number{Year: 2024, CourtCode: "粤01", TypeCode: "破", Seq: 123}, "（2024）粤01破123号"},
		{Number{Year: 2024, CourtCode: "粤0604", TypeCode: "诉前调确", Seq: 1716}, "（2024）粤0604诉前调确1716号"},
		{Number{Year: 2018, CourtCode: "沪01", TypeCode: "民初", Seq: 937, Sub: 3}, "（2018）沪01民初937号之三"},
	}
	for _, tt := range tests {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("%+v: got %s, want %s", tt.n, got, tt.want)
		}
	}
	if got, want := Format(2026, "浙0225", "", "民初", 123), "（2026）浙0225民初123号"; got != want {
		t.Errorf("Format: got %s, want %s", got, want)
	}
}

func TestFormatSub(t *testing.T) {
	n := Number{Year: 2026, CourtCode: "浙0225", TypeCode: "民初", Seq: 123}
	tests := []struct {
		sub  int
		want string
	}{
		{1, "（2026）浙0225民初123号之一"},
		{2, "（2026）浙0225民初123号之二"},
		{10, "（2026）浙0225民初123号之十"},
		{11, "（2026）浙0225民初123号之十一"},
		{20, "（2026）浙0225民初123号之二十"},
		{105, "（2026）浙0225民初123号之一百零五"},
		{110, "（2026）浙0225民初123号之一百一十"},
	}
	for _, tt := range tests {
		if got := FormatSub(n, tt.sub); got != tt.want {
			t.Errorf("FormatSub(%d): got %s, want %s", tt.sub, got, tt.want)
		}
	}
}

func TestChineseNumeralsRoundTrip(t *testing.T) {
	for v := 1; v <= 9999; v++ {
		got, ok := parseChineseNumeral(chineseNumeral(v))
		if !ok || got != v {
			t.Fatalf("parse(%s) = %d, %v; want %d", chineseNumeral(v), got, ok, v)
		}
	}
	for _, s := range []string{"", "零", "一十", "十零", "二二", "万"} {
		if v, ok := parseChineseNumeral(s); ok {
			t.Errorf("parse(%q) = %d; want refusal", s, v)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want Number
	}{
		{"（2026）浙0225民初123号", Number{Year: 2026, CourtCode: "浙0225", TypeCode: "民初", Seq: 123}},
		{"(2026)浙0225民初123号", Number{Year: 2026, CourtCode: "浙0225", TypeCode: "民初", Seq: 123}},
		{" （2019）最高法知民终1号 ", Number{Year: 2019, CourtCode: "最高法", SpecCode: "知", TypeCode: "民终", Seq: 1}},
		{"(2018)沪01民初937号之三", Number{Year: 2018, CourtCode: "沪01", TypeCode: "民初", Seq: 937, Sub: 3}},
		{"（2024）粤01破123号", Number{Year: 2024, CourtCode: "粤01", TypeCode: "破", Seq: 123}},
		{"（2024）粤0604诉前调确1716号", Number{Year: 2024, CourtCode: "粤0604", TypeCode: "诉前调确", Seq: 1716}},
		{"（2021）川0104民诉前调801号", Number{Year: 2021, CourtCode: "川0104", TypeCode: "民诉前调", Seq: 801}},
		{"（2025）浙执恢12号", Number{Year: 2025, CourtCode: "浙", TypeCode: "执恢", Seq: 12}},
		{"（2026）京0491执1号", Number{Year: 2026, CourtCode: "京0491", TypeCode: "执", Seq: 1}},
		{"（2026）最高法刑核12345678号", Number{Year: 2026, CourtCode: "最高法", TypeCode: "刑核", Seq: 12345678}},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseNumber(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{
		"", "2026浙0225民初123号", "（2026浙0225民初123号", "（26）浙0225民初123号", "（2026）浙025民初123号",
		"（2026）X0225民初123号", "（2026）浙0225民初号", "（2026）浙0225民初123", "（2026）浙0225民初0123号",
		"（2026）浙0225某某123号", "（2026）浙0225知某123号", "（2026）浙0225民初123号之", "（2026）浙0225民初123号之零",
		"（2026）浙0225民初123号附",
	} {
		if n, err := ParseNumber(bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ParseNumber(%q) = %+v, %v; want invalid", bad, n, err)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"（2026）浙0225民初123号", "(2019)最高法知民终1号", "（2018）沪01民初937号之三", "（2024）粤01破1号"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil {
			return
		}
		again, err := ParseNumber(n.String())
		if err != nil || again != n {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, n, n.String(), again, err)
		}
	})
}

func TestCaseTypesData(t *testing.T) {
	if _, err := loadTypes(caseTypesJSON); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(4 * time.Hour) // noon in China
	}
	tests := []struct {
		code, on string
		want     bool
	}{
		{"民初", "2016-01-01", true},
		{"民初", "2015-12-31", false}, // before the 2015 standard took effect
		{"民破", "2016-07-31", true},
		{"民破", "2016-08-01", false}, // 法〔2016〕237号
		{"民算", "2016-08-01", false},
		{"破申", "2016-07-31", false},
		{"破申", "2016-08-01", true},
		{"破", "2026-03-02", true},
		{"强清", "2026-03-02", true},
		{"清申", "2026-03-02", true},
		{"破终", "2026-03-02", true},
		{"破监", "2026-03-02", true},
		{"诉前调确", "2021-12-31", false},
		{"诉前调确", "2022-01-01", true},
		{"诉前调书", "2022-01-01", true},
		{"民特", "2026-03-02", true},
		{"行赔初", "2026-03-02", true},
		{"刑核", "2026-03-02", true},
		{"民诉前确", "2026-03-02", false}, // not an official code (legal-rules-cn §9.3)
	}
	for _, c := range []string{"执", "执恢", "执保", "执异", "执复", "执监", "执协", "执他"} {
		tests = append(tests, struct {
			code, on string
			want     bool
		}{c, "2026-03-02", true})
		if ct, _ := LookupType(c, day("2026-03-02")); ct.Class != ClassEnforcement {
			t.Errorf("%s: class %q, want enforcement", c, ct.Class)
		}
	}
	for _, tt := range tests {
		if _, got := LookupType(tt.code, day(tt.on)); got != tt.want {
			t.Errorf("LookupType(%s, %s) = %v, want %v", tt.code, tt.on, got, tt.want)
		}
	}
	// The date is the China calendar date: 2016-07-31T16:30Z is 1 August in China.
	if _, ok := LookupType("民破", time.Date(2016, 7, 31, 16, 30, 0, 0, time.UTC)); ok {
		t.Error("民破 valid at 2016-08-01 00:30 China time; want invalid")
	}
	if _, ok := LookupSpec("知", day("2019-01-01")); !ok {
		t.Error("知 not valid on 2019-01-01")
	}
	if _, ok := LookupSpec("知", day("2018-12-31")); ok {
		t.Error("知 valid before 2019")
	}
	for _, ct := range Types() {
		if ct.Source == "" || ct.Class == "" {
			t.Errorf("%s: missing source or class", ct.Code)
		}
	}
}
