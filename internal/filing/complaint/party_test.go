package complaint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidatePartiesDivorce(t *testing.T) {
	divorce := mustFind(t, "divorce")
	wife := person(RolePlaintiff, "王芳", "F", "1988-11-20", "33010619881120002", "浙江省杭州市西湖区文一路3号")
	thirdParty := li
	thirdParty.Role = RoleThirdParty
	secondWife := wife
	secondWife.Name, secondWife.IDNumber = "陈静", residentID("33010619900101002")
	secondWife.BirthDate = day("1990-01-01")
	orgDefendant := company
	for _, tc := range []struct {
		name    string
		parties []Party
		want    []string
	}{
		{"one plaintiff, one defendant", []Party{wife, li}, nil},
		{"no defendant", []Party{wife}, []string{"defendant:count_min"}},
		{"two plaintiffs", []Party{wife, secondWife, li}, []string{"plaintiff:count_max"}},
		{"organisation defendant", []Party{wife, orgDefendant}, []string{"parties[1].kind:party_kind"}},
		{"no third party", []Party{wife, li, thirdParty}, []string{"third_party:forbidden"}},
		{"same person on both sides", []Party{wife, func() Party { p := wife; p.Role = RoleDefendant; return p }()},
			[]string{"parties[1].id_number:same_party"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldCodes(t, ValidateParties(divorce, tc.parties, testNow))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateParties(t *testing.T) {
	lending := mustFind(t, "private_lending")
	bad := zhang
	bad.IDNumber = bad.IDNumber[:17] + "0" // wrong check digit (the right one is not 0)
	if bad.IDNumber == zhang.IDNumber {
		bad.IDNumber = bad.IDNumber[:17] + "1"
	}
	wrongSex := zhang
	wrongSex.Sex = "F"
	minor := person(RolePlaintiff, "小明", "M", "2012-01-01", "33010620120101001", "浙江省杭州市西湖区文三路1号")
	vague := Party{Role: RoleDefendant, Kind: KindPerson, Name: "李某"}
	noRep := bank
	noRep.LegalRep = ""
	badPhone := zhang
	badPhone.Phone = "call me"
	bankAsPerson := bank
	bankAsPerson.Kind = KindPerson
	for _, tc := range []struct {
		name    string
		parties []Party
		want    []string
	}{
		{"good", []Party{zhang, li, company}, nil},
		{"defendant without ID number is fine", []Party{zhang, func() Party { p := li; p.IDNumber = ""; return p }()}, nil},
		{"checksum", []Party{bad, li}, []string{"parties[0].id_number:id_number"}},
		{"sex contradicts ID", []Party{wrongSex, li}, []string{"parties[0].sex:mismatch"}},
		{"minor without guardian", []Party{minor, li}, []string{"parties[0].legal_rep:guardian"}},
		{"defendant not definite (CPL Art. 122)", []Party{zhang, vague}, []string{"parties[1].address:required"}},
		{"organisation plaintiff without legal representative", []Party{noRep, li}, []string{"parties[0].legal_rep:required"}},
		{"bad phone", []Party{badPhone, li}, []string{"parties[0].phone:phone"}},
		{"USCC for a person", []Party{bankAsPerson, li}, []string{"parties[0].id_type:id_type"}},
		{"no parties", nil, []string{"plaintiff:count_min", "defendant:count_min"}},
		{"unknown role", []Party{zhang, li, {Role: "witness", Kind: KindPerson, Name: "x"}}, []string{"parties[2].role:role"}},
		{"plaintiff missing everything", []Party{{Role: RolePlaintiff, Kind: KindPerson}, li},
			[]string{"parties[0].name:required", "parties[0].address:required", "parties[0].id_number:required", "parties[0].phone:required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldCodes(t, ValidateParties(lending, tc.parties, testNow))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
	// Build reports the answers' and the parties' problems together.
	_, _, err := lending.Build(Answers{"principal": "x"}, []Party{zhang}, testNow)
	got := fieldCodes(t, err)
	want := []string{"loan_date:required", "principal:format", "delivery:required", "iou:required", "interest_agreed:required", "defendant:count_min"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Build errors (-want +got):\n%s", diff)
	}
}

func TestDivorceWarnings(t *testing.T) {
	tp := mustFind(t, "divorce")
	ans := Answers{"marriage_date": "2015-10-01", "previous_judgment_date": "2026-01-10", "wife_pregnant": "yes",
		"children": "0", "custody": "none", "property_division": "no"}
	c, warns, err := tp.Build(ans, []Party{func() Party { p := li; p.Role = RolePlaintiff; return p }(),
		person(RoleDefendant, "王芳", "F", "1988-11-20", "33010619881120002", "浙江省杭州市西湖区文一路3号")}, testNow)
	if err != nil {
		t.Fatal(fieldCodes(t, err))
	}
	var codes []string
	for _, w := range warns {
		codes = append(codes, w.Code)
	}
	if diff := cmp.Diff([]string{"divorce_six_months", "divorce_husband_restricted"}, codes); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if c.ClaimTotalFen != 0 || len(c.Claims) != 2 {
		t.Errorf("claims %+v, total %d", c.Claims, c.ClaimTotalFen)
	}
}
