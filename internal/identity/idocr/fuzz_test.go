package idocr

import (
	"regexp"
	"testing"
	"unicode/utf8"
)

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func FuzzParseText(f *testing.F) {
	f.Add("姓名 ”张演示\n性别 “男          民族 ”汉\n出生 ”1990年1月1日\n住址 ”浙江省宁波市象山县丹东\n街道演示路1号\n公民身份号码       330225199001010013\n")
	f.Add("| 娃名: 张演示\n性剧 男 民旅 汉\n出土 l99O年l月1日\n住扯 浙江省\n公民身份号玛 33O225l99OOlOl0Ol3\n")
	f.Add("姓名 阿依古丽.买买提\n性别 女 民族 维吾尔\n出生 1985年12月31日\n公民身份号码 11010519491231002x\n")
	f.Add("公民身份号码 1234567890123456789012345X\n\xff\xfe")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		res := parseText(raw, parseNow)
		if len(res.Fields) != len(FieldKeys) {
			t.Fatalf("%d fields", len(res.Fields))
		}
		for _, k := range FieldKeys {
			fr, ok := res.Fields[k]
			if !ok {
				t.Fatalf("field %s missing", k)
			}
			if !utf8.ValidString(fr.Value) {
				t.Errorf("%s = %q is not UTF-8", k, fr.Value)
			}
			if fr.OK != (fr.Value != "" && fr.Problem == "") {
				t.Errorf("%s: OK %v with value %q problem %q", k, fr.OK, fr.Value, fr.Problem)
			}
		}
		if res.BirthDate != "" && !isoDate.MatchString(res.BirthDate) {
			t.Errorf("birth date %q", res.BirthDate)
		}
		if res.Sex != "" && res.Sex != "M" && res.Sex != "F" {
			t.Errorf("sex %q", res.Sex)
		}
		if n := len(res.IDNumber); n > 18 {
			t.Errorf("ID number %q", res.IDNumber)
		}
		if res.Fields[FieldIDNumber].OK && res.Fields[FieldBirthDate].Value == "" {
			t.Error("valid ID number but no birth date")
		}
	})
}
