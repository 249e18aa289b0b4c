package idnum

import (
	"reflect"
	"testing"
)

// The fuzz targets check that parsers of outside input never panic and that
// whatever they accept re-validates to the same value.

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "440524188001010014", "110105491231002", "", "X", "81000019900101001X", "１１０"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseResidentID(s, opt)
		if err != nil {
			if _, ok := errAs(err); !ok {
				t.Fatalf("ParseResidentID(%q): non-field error %v", s, err)
			}
			return
		}
		again, err := ParseResidentID(got.Number, opt)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", got.Number, s, err)
		}
		again.Legacy = got.Legacy
		if !reflect.DeepEqual(again, got) || len(got.Number) != 18 || checkChar(got.Number[:17]) != got.Number[17] {
			t.Fatalf("re-parse of %q = %+v, want %+v", s, again, got)
		}
	})
}

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M0001TGQXM", "91350100m000100y43", "", "IIIIIIIIIIIIIIIIII", "ı1350100M000100Y43"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUSCC(s)
		if err != nil {
			if _, ok := errAs(err); !ok {
				t.Fatalf("ParseUSCC(%q): non-field error %v", s, err)
			}
			return
		}
		again, err := ParseUSCC(got.Code)
		if err != nil || !reflect.DeepEqual(again, got) || len(got.Code) != 18 {
			t.Fatalf("re-parse of %q = %+v, %v; want %+v", s, again, err, got)
		}
	})
}

func FuzzParseMobile(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "8613812345678", "0086 13812345678", "+85291234567", "+", "", "+8686"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseMobile(s)
		if err != nil {
			if _, ok := errAs(err); !ok {
				t.Fatalf("ParseMobile(%q): non-field error %v", s, err)
			}
			return
		}
		again, err := ParseMobile(got)
		if err != nil || again != got {
			t.Fatalf("ParseMobile(%q) = %q; re-parse = %q, %v", s, got, again, err)
		}
	})
}
