package idnum

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// now is the fixed reference time of the tests: 2026-11-26 12:00 Beijing.
var now = time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)

var opt = Options{Now: now}

// fieldCode returns the single field error code of err ("" if err is nil).
func fieldCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || len(e.Fields) != 1 {
		t.Fatalf("err = %#v, want one invalid field", err)
	}
	return e.Fields[0].Code
}

// refCheck is an independent ISO 7064 MOD 11-2 implementation: weights are
// computed as 2^(18-i) mod 11 with big integers, and the check value a18 is
// the one that makes Σ a_i·W_i ≡ 1 (mod 11) with W_18 = 1; 10 is written X.
func refCheck(body string) string {
	sum := 0
	for i := 1; i <= 17; i++ {
		w := new(big.Int).Exp(big.NewInt(2), big.NewInt(int64(18-i)), big.NewInt(11)).Int64()
		sum += int(body[i-1]-'0') * int(w)
	}
	a18 := ((1-sum)%11 + 11) % 11
	if a18 == 10 {
		return "X"
	}
	return fmt.Sprint(a18)
}

func TestParseResidentID(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		now    time.Time
		want   string // normalised number, or "" when an error is expected
		code   string // field error code
		region string
		birth  string
		sex    string
	}{
		// GB 11643-1999's own example: Beijing 朝阳区 110105, born 1949-12-31,
		// sequence 002 (even → female), check X.
		{"standard example 1", "11010519491231002X", now, "11010519491231002X", "", "110105", "1949-12-31", "F"},
		{"lowercase x", " 11010519491231002x ", now, "11010519491231002X", "", "110105", "1949-12-31", "F"},
		// The standard's second example, born 1880-01-01 (146 years before
		// 2026): accepted as a number; sequence 001 → male.
		{"standard example 2 (1880)", "440524188001010014", now, "440524188001010014", "", "440524", "1880-01-01", "M"},
		// …until it is more than 150 years old: on 2030-01-01 it is exactly
		// 150 and still accepted, on 2030-01-02 it is rejected.
		{"1880 at exactly 150", "440524188001010014", time.Date(2030, 1, 1, 0, 0, 0, 0, clock.China), "440524188001010014", "", "440524", "1880-01-01", "M"},
		{"1880 too old in 2030", "440524188001010014", time.Date(2030, 1, 2, 0, 0, 0, 0, clock.China), "", "too_old", "", "", ""},
		// Legacy 15 digits: insert 19, compute the check → the first example.
		{"15-digit legacy", "110105491231002", now, "11010519491231002X", "", "110105", "1949-12-31", "F"},
		// One digit changed (sequence 002 → 003): MOD 11-2 catches it.
		{"digit changed", "11010519491231003X", now, "", "checksum", "", "", ""},
		{"check changed", "110105194912310021", now, "", "checksum", "", "", ""},
		// 2026-02-30 does not exist (check digit computed for the body).
		{"no such date", "11010520260230001" + refCheck("11010520260230001"), now, "", "date", "", "", ""},
		{"born in the future", "11010520261201001" + refCheck("11010520261201001"), now, "", "future", "", "", ""},
		// Born today (court-local 2026-11-26) is not the future.
		{"born today", "11010520261126001" + refCheck("11010520261126001"), now, "11010520261126001" + refCheck("11010520261126001"), "", "110105", "2026-11-26", "M"},
		{"bad province 99", "99010519491231002" + refCheck("99010519491231002"), now, "", "region", "", "", ""},
		{"region 000000", "00000019491231002" + refCheck("00000019491231002"), now, "", "region", "", "", ""},
		{"bare province code", "11000019491231002" + refCheck("11000019491231002"), now, "", "region", "", "", ""},
		// Hong Kong residence permit: 810000 prefix, same algorithm.
		{"HK residence permit", "81000019900101001" + refCheck("81000019900101001"), now, "81000019900101001" + refCheck("81000019900101001"), "", "810000", "1990-01-01", "M"},
		{"too short", "11010519491231002", now, "", "format", "", "", ""},
		{"too long", "11010519491231002X1", now, "", "format", "", "", ""},
		{"letter inside", "1101051949123100AX", now, "", "format", "", "", ""},
		{"X not last in 15", "11010549123100X", now, "", "format", "", "", ""},
		{"empty", "", now, "", "format", "", "", ""},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", now, "", "format", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResidentID(tt.in, Options{Now: tt.now})
			if code := fieldCode(t, err); code != tt.code {
				t.Fatalf("ParseResidentID(%q) error code = %q, want %q (%v)", tt.in, code, tt.code, err)
			}
			if tt.code != "" {
				return
			}
			if got.Number != tt.want || got.Region != tt.region || got.Birth.Format(time.DateOnly) != tt.birth || got.Sex != tt.sex {
				t.Errorf("got %+v, want %s %s %s %s", got, tt.want, tt.region, tt.birth, tt.sex)
			}
			if got.Birth.Location() != clock.China {
				t.Errorf("birth zone = %v", got.Birth.Location())
			}
			if got.Legacy != (len(tt.in) == 15) {
				t.Errorf("Legacy = %v", got.Legacy)
			}
		})
	}
}

func TestResidentIDFieldName(t *testing.T) {
	_, err := ParseResidentID("123", Options{Field: "parties.0.id_number", Now: now})
	e, _ := errs.As(err)
	if e == nil || e.Fields[0].Field != "parties.0.id_number" || e.Fields[0].MessageKey() != "field.format" {
		t.Errorf("err = %v", err)
	}
	_, err = ParseResidentID("123")
	if e, _ := errs.As(err); e == nil || e.Fields[0].Field != "id_number" {
		t.Errorf("default field: %v", err)
	}
}

// Every single-digit change of a valid number must be rejected (MOD 11-2
// detects all single substitutions); within the sequence code, where region
// and date stay valid, the reason must be the checksum.
func TestSingleDigitChanges(t *testing.T) {
	const valid = "11010519491231002X"
	for i := 0; i < 17; i++ {
		for dgt := byte('0'); dgt <= '9'; dgt++ {
			if valid[i] == dgt {
				continue
			}
			s := valid[:i] + string(dgt) + valid[i+1:]
			_, err := ParseResidentID(s, opt)
			if err == nil {
				t.Fatalf("%s accepted", s)
			}
			if i >= 14 {
				if code := fieldCode(t, err); code != "checksum" {
					t.Errorf("%s: code %q, want checksum", s, code)
				}
			}
		}
	}
}

// Generated numbers: random real-looking bodies with the check character
// from the independent implementation must parse, with the right fields.
func TestGeneratedResidentIDs(t *testing.T) {
	regions := []string{"110105", "310104", "440305", "510107", "650102", "330106", "210102", "540102", "820000", "710000"}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 2000 {
		region := regions[rng.IntN(len(regions))]
		if region == "710000" {
			region = "710101" // Taiwan province code with a county part
		}
		birth := start.AddDate(0, 0, rng.IntN(46000)) // up to 2025-12
		seq := rng.IntN(1000)
		body := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq)
		num := body + refCheck(body)
		got, err := ParseResidentID(num, opt)
		if err != nil {
			t.Fatalf("%s: %v", num, err)
		}
		wantSex := "F"
		if seq%2 == 1 {
			wantSex = "M"
		}
		if got.Number != num || got.Sex != wantSex || got.Birth.Format("20060102") != birth.Format("20060102") || got.Region != region {
			t.Fatalf("%s: got %+v", num, got)
		}
		if checkChar(body) != refCheck(body)[0] {
			t.Fatalf("checkChar(%s) disagrees with reference", body)
		}
	}
}

func TestUpgrade15(t *testing.T) {
	got, err := Upgrade15("110105491231002")
	if err != nil || got != "11010519491231002X" {
		t.Errorf("Upgrade15 = %q, %v", got, err)
	}
	for _, s := range []string{"11010549123100", "11010549123100X", "1101054912310021"} {
		if _, err := Upgrade15(s); fieldCode(t, err) != "format" {
			t.Errorf("Upgrade15(%q) = %v, want format", s, err)
		}
	}
}

func TestAgeAt(t *testing.T) {
	id, err := ParseResidentID("11010519491231002X", opt)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 11, 26, 0, 0, 0, 0, clock.China), 76},
		{time.Date(2026, 12, 30, 0, 0, 0, 0, clock.China), 76},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, clock.China), 77},
		// 2026-12-30 16:30 UTC is already 2026-12-31 in Beijing.
		{time.Date(2026, 12, 30, 16, 30, 0, 0, time.UTC), 77},
	}
	for _, tt := range tests {
		if got := id.AgeAt(tt.at); got != tt.want {
			t.Errorf("AgeAt(%v) = %d, want %d", tt.at, got, tt.want)
		}
	}
}
