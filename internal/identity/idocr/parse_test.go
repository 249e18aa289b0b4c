package idocr

import (
	"testing"
	"time"
)

// parseNow is the reference date of the parser tests.
var parseNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestParseText(t *testing.T) {
	id := validNumber("33022519900101001")
	if id != "330225199001010012" {
		t.Fatalf("validNumber = %s", id)
	}
	female := validNumber("65010219851231002")
	cases := []struct {
		name     string
		raw      string
		want     map[string]string // field → value
		problems map[string]string // field → problem; absent means none
		derived  []string
	}{
		{
			name: "tesseract output of the clean card",
			raw:  "姓名 ”张演示\n性别 “男          民族 ”汉\n出生 ”1990年1月1日\n住址 ”浙江省宁波市象山县丹东\n街道演示路1号\n公民身份号码       " + id + "\n",
			want: map[string]string{"name": "张演示", "sex": "M", "ethnicity": "汉", "birth_date": "1990-01-01", "address": "浙江省宁波市象山县丹东街道演示路1号", "id_number": id},
		},
		{
			name: "spaces between characters, full-width digits, blank lines",
			raw:  "\n姓 名  张 演 示\n\n性 别 男  民 族 汉\n出 生 １９９０ 年 １ 月 １ 日\n住 址 浙 江 省 宁 波 市 象 山 县 丹 东\n街 道 演 示 路 １ 号\n\n公 民 身 份 号 码 " + fullWidth(id[:6]) + " " + fullWidth(id[6:14]) + " " + fullWidth(id[14:]) + "\n",
			want: map[string]string{"name": "张演示", "sex": "M", "ethnicity": "汉", "birth_date": "1990-01-01", "address": "浙江省宁波市象山县丹东街道演示路1号", "id_number": id},
		},
		{
			name: "misread labels, letters for digits, noise",
			raw:  "| 娃名: 张演示\n性剧 男 民旅 汉\n出土 l99O年l月1日\n住扯 浙江省宁波市象山县丹东\n街道演示路l号 _\n公民身份号玛 33O225l99OOlOl0Ol2\n",
			want: map[string]string{"name": "张演示", "sex": "M", "ethnicity": "汉", "birth_date": "1990-01-01", "address": "浙江省宁波市象山县丹东街道演示路1号", "id_number": id},
		},
		{
			name: "lower-case x check character, minority name and ethnicity",
			raw:  "姓名 阿依古丽.买买提\n性别 女 民族 维吾尔\n出生 1985年12月31日\n住址 新疆乌鲁木齐市天山区演示\n街道演示巷2号\n公民身份号码 " + lowerX(female) + "\n",
			want: map[string]string{"name": "阿依古丽·买买提", "sex": "F", "ethnicity": "维吾尔", "birth_date": "1985-12-31", "address": "新疆乌鲁木齐市天山区演示街道演示巷2号", "id_number": female},
		},
		{
			name:     "wrong check digit is flagged, not dropped",
			raw:      "姓名 张演示\n性别 男 民族 汉\n出生 1990年1月1日\n住址 浙江省宁波市象山县丹东街道演示路1号\n公民身份号码 " + wrongCheck(id) + "\n",
			want:     map[string]string{"name": "张演示", "sex": "M", "birth_date": "1990-01-01", "id_number": wrongCheck(id)},
			problems: map[string]string{"id_number": "checksum"},
		},
		{
			name:     "printed birth date and sex disagree with the number",
			raw:      "姓名 张演示\n性别 女 民族 汉\n出生 1990年1月2日\n住址 浙江省宁波市象山县丹东街道演示路1号\n公民身份号码 " + id + "\n",
			want:     map[string]string{"sex": "F", "birth_date": "1990-01-02", "id_number": id},
			problems: map[string]string{"birth_date": "mismatch_birth", "sex": "mismatch_sex"},
		},
		{
			name:    "unreadable birth and sex lines are derived from the number",
			raw:     "姓名 张演示\n@#~ 民族 汉\n出生 ■■■■\n住址 浙江省宁波市象山县丹东街道演示路1号\n公民身份号码 " + id + "\n",
			want:    map[string]string{"name": "张演示", "sex": "M", "ethnicity": "汉", "birth_date": "1990-01-01", "id_number": id},
			derived: []string{"sex", "birth_date"},
		},
		{
			name:     "a number of 17 digits",
			raw:      "姓名 张演示\n公民身份号码 " + id[:17] + "\n",
			want:     map[string]string{"id_number": id[:17]},
			problems: map[string]string{"id_number": "format", "sex": "not_found", "ethnicity": "not_found", "birth_date": "not_found", "address": "not_found"},
		},
		{
			name:     "an address starting with 民 after the address label",
			raw:      "姓名 张演示\n性别 男 民族 汉\n出生 1990年1月1日\n住址 浙江省宁波市象山县\n民主路1号\n" + id + "\n",
			want:     map[string]string{"address": "浙江省宁波市象山县民主路1号", "ethnicity": "汉", "id_number": id},
			problems: map[string]string{},
		},
		{
			name:     "an unknown ethnicity is kept and flagged",
			raw:      "性别 男 民族 火星\n",
			want:     map[string]string{"ethnicity": "火星"},
			problems: map[string]string{"ethnicity": "unknown", "name": "not_found", "birth_date": "not_found", "address": "not_found", "id_number": "not_found"},
		},
		{
			name:     "nothing readable",
			raw:      "",
			want:     map[string]string{"name": "", "id_number": ""},
			problems: map[string]string{"name": "not_found", "sex": "not_found", "ethnicity": "not_found", "birth_date": "not_found", "address": "not_found", "id_number": "not_found"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := parseText(tc.raw, parseNow)
			if len(res.Fields) != len(FieldKeys) {
				t.Fatalf("got %d fields, want %d", len(res.Fields), len(FieldKeys))
			}
			for field, want := range tc.want {
				if got := res.Fields[field].Value; got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			for _, field := range FieldKeys {
				f := res.Fields[field]
				if got, want := f.Problem, tc.problems[field]; got != want {
					t.Errorf("%s problem = %q, want %q", field, got, want)
				}
				if got, want := f.OK, f.Value != "" && f.Problem == ""; got != want {
					t.Errorf("%s OK = %v, want %v", field, got, want)
				}
			}
			for _, field := range tc.derived {
				if !res.Fields[field].Derived {
					t.Errorf("%s not marked derived", field)
				}
			}
			if res.Name != res.Fields["name"].Value || res.IDNumber != res.Fields["id_number"].Value || res.BirthDate != res.Fields["birth_date"].Value {
				t.Error("string fields differ from Fields")
			}
		})
	}
}

func fullWidth(s string) string {
	var b []rune
	for _, r := range s {
		b = append(b, r+0xFEE0)
	}
	return string(b)
}

func lowerX(s string) string {
	if s[17] == 'X' {
		return s[:17] + "x"
	}
	return s
}

func TestLowerXCase(t *testing.T) {
	// Find a body whose check character is X, to be sure the case above
	// is exercised at least once somewhere.
	n := validNumber("11010519491231002")
	if n[17] != 'X' {
		t.Fatalf("%s: pick a body with check character X", n)
	}
	res := parseText("公民身份号码 "+lowerX(n)+"\n出生 1949年12月31日\n性别 女", parseNow)
	if got := res.Fields[FieldIDNumber]; got.Value != n || !got.OK {
		t.Errorf("got %+v, want %s OK", got, n)
	}
}

func TestParseDate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1990年1月1日", "1990-01-01"},
		{"1990年1月:日", "1990-01-01"},
		{"2000年2月29日", "2000-02-29"},
		{"1999年2月29日", ""},
		{"2030年1月1日", ""}, // after parseNow
		{"199O年l2月3l日", "1990-12-31"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := parseDate(tc.in, parseNow); got != tc.want {
			t.Errorf("parseDate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMessageKey(t *testing.T) {
	cases := []struct {
		f    FieldResult
		want string
	}{
		{FieldResult{Value: "x"}, ""},
		{FieldResult{Problem: ProblemChecksum}, "idocr.problem.checksum"},
		{FieldResult{Value: "M", Derived: true}, "idocr.problem.derived"},
	}
	for _, tc := range cases {
		if got := tc.f.MessageKey(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.f, got, tc.want)
		}
	}
}
