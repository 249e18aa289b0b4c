package complaint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	lending := mustFind(t, "private_lending")
	good := examples["private_lending"].answers
	with := func(changes map[string]string) Answers {
		a := Answers{}
		for k, v := range good {
			a[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(a, k)
			} else {
				a[k] = v
			}
		}
		return a
	}
	for _, tc := range []struct {
		name string
		ans  Answers
		want []string
	}{
		{"good", good, nil},
		{"missing required", with(map[string]string{"loan_date": "", "principal": "  "}),
			[]string{"loan_date:required", "principal:required"}},
		{"bad money", with(map[string]string{"principal": "12.345", "repaid": "abc"}),
			[]string{"principal:format", "repaid:format"}},
		{"future date", with(map[string]string{"loan_date": "2026-05-07", "due_date": "2026-06-01"}), []string{"loan_date:future"}},
		{"today is not future", with(map[string]string{"loan_date": "2026-05-06", "due_date": "2026-06-06"}), nil},
		{"bad date", with(map[string]string{"loan_date": "2023/06/15", "due_date": "2023-02-30"}),
			[]string{"loan_date:format", "due_date:format"}},
		{"date order", with(map[string]string{"due_date": "2023-06-14", "interest_from": "2023-01-01"}),
			[]string{"due_date:date_order", "interest_from:date_order"}},
		{"bad option", with(map[string]string{"delivery": "cheque", "iou": "maybe"}),
			[]string{"delivery:option", "iou:option"}},
		{"required if", with(map[string]string{"rate": ""}), []string{"rate:required"}},
		{"not required if", with(map[string]string{"rate": "", "interest_agreed": "no"}), nil},
		{"bad rate", with(map[string]string{"rate": "15.00005%"}), []string{"rate:format"}},
		{"rate above 1000%", with(map[string]string{"rate": "1001%"}), []string{"rate:format"}},
		{"rate above the field's max", with(map[string]string{"rate": "150%"}), []string{"rate:too_large"}},
		{"money too small", with(map[string]string{"principal": "0"}), []string{"principal:too_small"}},
		{"repaid above principal", with(map[string]string{"repaid": "100000.01"}), []string{"repaid:too_large"}},
		{"unknown field", with(map[string]string{"colour": "red"}), []string{"colour:unknown"}},
		{"text too long", with(map[string]string{"narrative": string(make([]rune, 5001))}), []string{"narrative:too_long"}},
		{"all at once", Answers{"loan_date": "2030-01-01", "principal": "-5", "delivery": "x", "interest_agreed": "yes", "due_date": "2029-12-31"},
			[]string{"loan_date:future", "principal:format", "delivery:option", "iou:required", "due_date:date_order", "rate:required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldCodes(t, lending.Validate(tc.ans, testNow))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateOtherKinds(t *testing.T) {
	for _, tc := range []struct {
		id   string
		ans  Answers
		want []string
	}{
		// The damages group needs one non-zero amount.
		{"traffic_accident", Answers{"accident_date": "2025-09-10", "accident_place": "路口", "liability": "full",
			"police_report": "yes", "insurer_involved": "no", "medical_fee": "0"}, []string{"medical_fee:at_least_one"}},
		{"credit_card", Answers{"card_last4": "12a4", "card_issued": "2021-03-01", "statement_date": "2020-01-01",
			"principal_owed": "1", "reminders": "no"}, []string{"card_last4:format", "statement_date:date_order"}},
		{"divorce", Answers{"marriage_date": "2015-10-01", "wife_pregnant": "no", "children": "21", "custody": "none",
			"property_division": "yes"}, []string{"children:too_large", "property_value:required", "property_desc:required"}},
		{"divorce", Answers{"marriage_date": "2015-10-01", "wife_pregnant": "no", "children": "1.5", "custody": "none",
			"property_division": "no"}, []string{"children:format"}},
	} {
		got := fieldCodes(t, mustFind(t, tc.id).Validate(tc.ans, testNow))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: field errors (-want +got):\n%s", tc.id, diff)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		ok   bool
	}{
		{"15%", 150000, true}, {"15", 150000, true}, {"12.5%", 125000, true}, {"１４．６％", 146000, true},
		{"年利率15%", 150000, true}, {"年息 3.85%", 38500, true}, {"月利率1.5%", 180000, true}, {"1.5分", 180000, true},
		{"月息2分", 240000, true}, {"日利率0.05%", 182500, true}, {"0", 0, true}, {"6.525%", 65250, true},
		{"15.125%", 151250, true}, {"日利率0.0333%", 121545, true}, {"15.00005%", 0, false}, {"", 0, false}, {"-1%", 0, false}, {"abc", 0, false}, {"1e3", 0, false},
		{"日息1分", 0, false}, {"1001%", 0, false}, {".5%", 0, false}, {"5.%", 0, false},
	} {
		got, err := ParseRate(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for r, want := range map[Rate]string{150000: "15%", 146000: "14.6%", 142500: "14.25%", 65250: "6.525%", 1: "0.0001%", 0: "0%", 31000: "3.1%"} {
		if got := r.String(); got != want {
			t.Errorf("Rate(%d).String() = %q, want %q", int64(r), got, want)
		}
	}
}
