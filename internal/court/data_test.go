package court

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ecourt/ecourt/internal/court/calendar"
)

func TestEmbeddedData(t *testing.T) {
	d := EmbeddedData()
	if d.Version == "" || len(d.Notes) == 0 || len(d.Sources) == 0 {
		t.Fatalf("data lacks version, notes or sources: %+v", d)
	}
	notes := strings.Join(d.Notes, "\n")
	for _, want := range []string{"各级法院代字表", "法〔2015〕137号", "法〔2018〕335号", "[UNVERIFIED]", "71 railway", "72 maritime", "73 intellectual property"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes do not mention %q", want)
		}
	}
	codes := map[string]SeedCourt{}
	for _, c := range d.Courts {
		codes[c.Code] = c
	}
	// 法〔2015〕137号 Art. 4: the SPC, 31 provincial high courts, 兵 and 军.
	for _, code := range strings.Fields("最高法 京 津 冀 晋 内 辽 吉 黑 沪 苏 浙 皖 闽 赣 鲁 豫 鄂 湘 粤 桂 琼 渝 川 黔 云 藏 陕 甘 青 宁 新 兵 军") {
		c, ok := codes[code]
		if !ok {
			t.Errorf("court %s missing", code)
			continue
		}
		if code != "最高法" && (c.Level != High || c.Parent != "最高法") {
			t.Errorf("%s: level %s parent %q, want high under 最高法", code, c.Level, c.Parent)
		}
	}
	if n := len(d.Courts); n < 42 {
		t.Errorf("%d courts, want at least 42", n)
	}
}

func TestLoadDataRejects(t *testing.T) {
	const head = `{"format":1,"version":"t","effective":"2016-01-01","courts":[
		{"code":"最高法","name_zh":"最高人民法院","name_en":"SPC","level":"supreme","kind":"general","active":true,"valid_from":"2016-01-01"}`
	tests := []struct {
		name, courts, want string
	}{
		{"duplicate code", `,{"code":"最高法","name_zh":"x","name_en":"x","level":"high","kind":"general","parent":"最高法","valid_from":"2016-01-01"}`, "twice"},
		{"unknown parent", `,{"code":"浙","name_zh":"x","name_en":"x","level":"high","kind":"general","parent":"无","valid_from":"2016-01-01"}`, "not in the list"},
		{"unknown level", `,{"code":"浙","name_zh":"x","name_en":"x","level":"county","kind":"general","parent":"最高法","valid_from":"2016-01-01"}`, "unknown level"},
		{"parent not above", `,{"code":"浙","name_zh":"x","name_en":"x","level":"high","kind":"general","parent":"最高法","valid_from":"2016-01-01"},
			{"code":"苏","name_zh":"x","name_en":"x","level":"high","kind":"general","parent":"浙","valid_from":"2016-01-01"}`, "cannot sit under"},
		{"tribunal under intermediate", `,{"code":"浙","name_zh":"x","name_en":"x","level":"high","kind":"general","parent":"最高法","valid_from":"2016-01-01"},
			{"code":"浙01","name_zh":"x","name_en":"x","level":"intermediate","kind":"general","parent":"浙","valid_from":"2016-01-01"},
			{"code":"浙01-x","name_zh":"x","name_en":"x","level":"tribunal","kind":"general","parent":"浙01","valid_from":"2016-01-01"}`, "must belong to a basic court"},
		{"missing name", `,{"code":"浙","name_zh":"x","level":"high","kind":"general","parent":"最高法","valid_from":"2016-01-01"}`, "both names"},
		{"unknown field", `,{"code":"浙","name_zh":"x","name_en":"x","level":"high","kind":"general","parent":"最高法","valid_from":"2016-01-01","colour":"red"}`, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadData(strings.NewReader(head + tt.courts + "]}"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadData: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSeedID(t *testing.T) {
	d := calendar.MustParseDate("2016-01-01")
	a, b := SeedID("浙0225", d), SeedID("浙0225", d)
	if a != b {
		t.Fatalf("SeedID not deterministic: %s, %s", a, b)
	}
	u, err := uuid.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Version(), uuid.Version(7); got != want {
		t.Errorf("version: got %d, want %d", got, want)
	}
	if got, want := u.Variant(), uuid.RFC4122; got != want {
		t.Errorf("variant: got %v, want %v", got, want)
	}
	sec, _ := u.Time().UnixTime()
	if got, want := sec, d.Time().Unix(); got != want {
		t.Errorf("timestamp: got %d, want %d", got, want)
	}
	if SeedID("浙0211", d) == a {
		t.Error("two codes share an ID")
	}
}
