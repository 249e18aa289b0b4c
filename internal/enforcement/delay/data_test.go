package delay

import (
	"testing"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// TestRates: the embedded table loads and is the 2014 interpretation's rate.
func TestRates(t *testing.T) {
	r := Rates()
	if len(r.Rates) == 0 || r.Rates[0].From != d("2014-08-01") || r.Rates[0].Num != 175 || r.Rates[0].Den != 1_000_000 {
		t.Errorf("got %+v", r)
	}
	for _, bad := range []string{
		`{}`,
		`{"version":"x","rates":[{"from":"2014-08-01","num":175,"den":0,"label_zh":"a","label_en":"b","source":"c"}]}`,
		`{"version":"x","rates":[{"from":"2014-08-01","num":1,"den":1,"label_zh":"a","label_en":"b","source":"c"},{"from":"2014-08-01","num":1,"den":1,"label_zh":"a","label_en":"b","source":"c"}]}`,
		`{"version":"x","extra":1,"rates":[]}`,
	} {
		if _, err := loadTable([]byte(bad)); err == nil {
			t.Errorf("loadTable(%s) = nil error", bad)
		}
	}
}

// TestMessages: both languages complete; every field code, kind and note
// the package can return has a message.
func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(Messages)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{NoteFromDue, NoteFromEffective, NoteFromInstalments,
		"delay.kind." + KindAccrual, "delay.kind." + KindExcluded, "delay.kind." + KindBeforeRate}
	for _, c := range []string{"required", "date", "positive", "too_large", "with_instalments", "too_many", "before_from", "too_long", "span_too_long", "before_effective"} {
		keys = append(keys, "delay.field."+c)
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("missing %s", k)
		}
	}
}
