package complaint

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

func TestMessagesComplete(t *testing.T) {
	if err := i18n.CheckComplete(Messages, i18n.Platform()); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(Messages)
	if err != nil {
		t.Fatal(err)
	}
	// Every literal message key in the package's code exists.
	re := regexp.MustCompile(`"(complaint\.[a-z_.]+[a-z_])"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if strings.HasSuffix(m[1], ".") {
				continue // a prefix
			}
			if !cat.Has(m[1]) {
				t.Errorf("%s: no message for %q", f, m[1])
			}
		}
	}
	// Every code of validate.go has its message.
	for _, code := range []string{CodeRequired, CodeFormat, CodeTooSmall, CodeTooLarge, CodeTooLong, CodeFuture, CodeDateOrder,
		CodeOption, CodeAtLeastOne, CodeUnknown, CodeCountMin, CodeCountMax, CodeForbidden, CodePartyKind, CodeRole,
		CodeIDType, CodeMismatch, CodeSameParty, CodeGuardian, CodePhone} {
		if !cat.Has("complaint.error." + code) {
			t.Errorf("no message for code %s", code)
		}
	}
	for _, reason := range []string{"format", "region", "date", "future", "too_old", "checksum"} {
		if !cat.Has("complaint.error.id_number." + reason) {
			t.Errorf("no message for id_number reason %s", reason)
		}
	}
	for _, k := range trafficItems {
		if !cat.Has("complaint.doc.item." + k) {
			t.Errorf("no message for item %s", k)
		}
	}
	for _, idt := range IDTypes {
		if !cat.Has("complaint.doc.id." + idt) {
			t.Errorf("no message for id type %s", idt)
		}
	}
	if got, want := cat.T(i18n.EN, "complaint.warning.financial_charges", "30%"), "The overdue rate of 30% is above 24% a year; a court may not support the excess."; got != want {
		t.Errorf("financial_charges: got %q, want %q", got, want)
	}
}

func TestTemplatesWellFormed(t *testing.T) {
	cat, err := i18n.New(Messages)
	if err != nil {
		t.Fatal(err)
	}
	has := func(key string) bool {
		// Present and non-empty in both languages.
		return cat.Has(key) && cat.T(i18n.ZH, key) != key && cat.T(i18n.EN, key) != key
	}
	want := map[string]string{
		"private_lending": "民间借贷纠纷", "financial_loan": "金融借款合同纠纷", "credit_card": "信用卡纠纷",
		"sale_contract": "买卖合同纠纷", "traffic_accident": "机动车交通事故责任纠纷", "labour_service": "劳务合同纠纷",
		"property_service": "物业服务合同纠纷", "divorce": "离婚纠纷", "ship_charter": "船舶租用合同纠纷",
	}
	all := AllOn(testNow)
	if got := len(all); got != len(want) {
		t.Errorf("templates: got %d, want %d", got, len(want))
	}
	for _, tp := range all {
		if got := want[tp.ID]; got != tp.Cause {
			t.Errorf("%s: cause %q, want %q", tp.ID, tp.Cause, got)
		}
		if tp.TypeCode != "民初" {
			t.Errorf("%s: type code %q", tp.ID, tp.TypeCode)
		}
		if tp.CauseCode == "" {
			t.Errorf("%s: no cause code", tp.ID)
		}
		if !has("complaint.template." + tp.ID) {
			t.Errorf("%s: no title message", tp.ID)
		}
		for _, p := range tp.Procedures {
			if !has("complaint.procedure." + p) {
				t.Errorf("%s: no message for procedure %s", tp.ID, p)
			}
		}
		names := map[string]bool{}
		for _, s := range tp.Sections {
			if !has(s.LabelKey) {
				t.Errorf("%s: section %s: no label %s", tp.ID, s.Key, s.LabelKey)
			}
			for _, f := range s.Fields {
				if names[f.Name] {
					t.Errorf("%s: field %s repeated", tp.ID, f.Name)
				}
				names[f.Name] = true
				if !has(f.LabelKey) {
					t.Errorf("%s: field %s: no label %s", tp.ID, f.Name, f.LabelKey)
				}
				if f.HintKey != "" && !has(f.HintKey) {
					t.Errorf("%s: field %s: no hint %s", tp.ID, f.Name, f.HintKey)
				}
				if f.Kind == KindChoice && len(f.Options) < 2 {
					t.Errorf("%s: choice %s has %d options", tp.ID, f.Name, len(f.Options))
				}
				for _, o := range f.Options {
					if !has(o.LabelKey) || o.ZH == "" {
						t.Errorf("%s: option %s.%s: no label %s", tp.ID, f.Name, o.Value, o.LabelKey)
					}
				}
			}
		}
		if !names["narrative"] {
			t.Errorf("%s: no narrative field", tp.ID)
		}
		if len(tp.Evidence) < 3 {
			t.Errorf("%s: %d evidence suggestions", tp.ID, len(tp.Evidence))
		}
		for _, e := range tp.Evidence {
			if !has(e.NameKey) || !has(e.PurposeKey) || e.Source == "" {
				t.Errorf("%s: evidence %s incomplete", tp.ID, e.Key)
			}
		}
		if _, ok := examples[tp.ID]; !ok {
			t.Errorf("%s: no example for the golden test", tp.ID)
		}
	}
	ship := mustFind(t, "ship_charter")
	if ship.CourtKind != "maritime" {
		t.Errorf("ship_charter court kind %q, want maritime", ship.CourtKind)
	}
	if d := mustFind(t, "divorce"); d.FeeKind != "divorce" || slices.Contains(d.Procedures, HintSmallClaims) {
		t.Errorf("divorce: fee kind %q, procedures %v", d.FeeKind, d.Procedures)
	}
	if l := mustFind(t, "private_lending"); l.FeeKind != "property" || l.CauseCode != "103(3)" {
		t.Errorf("private_lending: fee kind %q, cause code %q", l.FeeKind, l.CauseCode)
	}
}

// TestVersions loads two versions of one template: the newest in effect is
// current, and an exact version stays findable for complaints filed with it.
func TestVersions(t *testing.T) {
	b, err := os.ReadFile("data/templates/labour_service.json")
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(strings.Replace(string(b), `"version": "2026.1"`, `"version": "2027.1"`, 1),
		`"effective_from": "2021-01-01"`, `"effective_from": "2027-01-01"`, 1)
	fsys := fstest.MapFS{
		"t/a.json": {Data: b},
		"t/b.json": {Data: []byte(v2)},
	}
	s, err := load(fsys, "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ day, want string }{
		{"2020-12-31", ""}, {"2021-01-01", "2026.1"}, {"2026-12-31", "2026.1"}, {"2027-01-01", "2027.1"},
	} {
		got, ok := s.on("labour_service", day(tc.day))
		if !ok {
			got.Version = ""
		}
		if got.Version != tc.want {
			t.Errorf("on %s: got version %q, want %q", tc.day, got.Version, tc.want)
		}
	}
	if _, ok := FindVersion("private_lending", "2026.1"); !ok {
		t.Error("FindVersion private_lending 2026.1: not found")
	}
	if _, ok := FindVersion("private_lending", "1999.1"); ok {
		t.Error("FindVersion of an unknown version found something")
	}
	if _, ok := Find("no_such_template"); ok {
		t.Error("Find of an unknown id found something")
	}
	// A duplicate version and a broken template are refused.
	if _, err := load(fstest.MapFS{"t/a.json": {Data: b}, "t/c.json": {Data: b}}, "t"); err == nil {
		t.Error("duplicate version loaded")
	}
	bad := strings.Replace(string(b), `"kind": "choice"`, `"kind": "dropdown"`, 1)
	if _, err := load(fstest.MapFS{"t/a.json": {Data: []byte(bad)}}, "t"); err == nil {
		t.Error("unknown field kind loaded")
	}
}
