package complaint

import (
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// testNow is the fixed "now" of the tests: 2026-05-06 10:00 in China.
var testNow = time.Date(2026, 5, 6, 10, 0, 0, 0, clock.China)

func day(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// residentID completes a 17-character body with its GB 11643 check character.
func residentID(body string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

func person(role, name, sex, birth, body, address string) Party {
	return Party{Role: role, Kind: KindPerson, Name: name, Sex: sex, Ethnicity: "汉族", BirthDate: day(birth),
		IDType: "resident_id", IDNumber: residentID(body), Address: address, Phone: "13800138000"}
}

func org(role, name, uscc, address, rep string) Party {
	return Party{Role: role, Kind: KindOrganisation, Name: name, IDType: "uscc", IDNumber: uscc,
		Address: address, Phone: "0571-88888888", LegalRep: rep, LegalRepTitle: "董事长"}
}

var (
	zhang   = person(RolePlaintiff, "张三", "M", "1985-03-02", "33010619850302001", "浙江省杭州市西湖区文三路1号")
	li      = person(RoleDefendant, "李四", "M", "1990-07-15", "33010219900715003", "浙江省杭州市上城区解放路2号")
	wang    = person(RoleDefendant, "王芳", "F", "1988-11-20", "33010619881120002", "浙江省杭州市西湖区文一路3号")
	bank    = org(RolePlaintiff, "杭州示例银行股份有限公司", "91330100000000001X", "浙江省杭州市上城区示例路8号", "赵六")
	company = org(RoleDefendant, "杭州示例贸易有限公司", "91330106000000002Y", "浙江省杭州市西湖区示例街9号", "钱七")
)

func withAgent(p Party) Party {
	p.Agent, p.AgentFirm, p.AgentTitle = "孙律", "浙江示例律师事务所", "律师"
	return p
}

func mustFind(t *testing.T, id string) Template {
	t.Helper()
	tp, ok := FindOn(id, testNow)
	if !ok {
		t.Fatalf("template %s not found", id)
	}
	return tp
}

// fieldCodes returns err's field errors as "field:code".
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("err = %v, want errs.Invalid", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

type example struct {
	answers Answers
	parties []Party
}

// examples are one filled complaint per template, the golden files' input.
var examples = map[string]example{
	"private_lending": {Answers{
		"loan_date": "2023-06-15", "principal": "100,000", "delivery": "bank_transfer", "iou": "yes",
		"due_date": "2024-06-14", "interest_agreed": "yes", "rate": "15%",
		"narrative": "被告借款用于经营周转。\n原告于2024年7月起多次通过微信催要，被告均未还款。",
	}, []Party{withAgent(zhang), li}},
	"financial_loan": {Answers{
		"contract_no": "HZ2023-0815", "contract_date": "2023-08-15", "principal": "500000", "loan_date": "2023-08-16",
		"due_date": "2025-08-15", "contract_rate": "4.35%", "overdue_rate": "6.525%", "outstanding": "320000",
		"interest_owed": "8765.43", "penalty_owed": "1234.57", "cutoff_date": "2026-04-30", "lawyer_fee": "5000",
		"security": "guarantee",
	}, []Party{bank, li, wang}},
	"credit_card": {Answers{
		"card_last4": "1234", "card_issued": "2021-03-01", "statement_date": "2026-04-20", "principal_owed": "48000",
		"interest_owed": "3600.5", "fees_owed": "820", "overdue_rate": "日利率0.05%", "reminders": "yes",
	}, []Party{bank, li}},
	"sale_contract": {Answers{
		"plaintiff_role": "seller", "contract_date": "2024-11-01", "goods": "不锈钢板材20吨", "price_total": "260000",
		"paid": "60000", "delivered": "yes", "delivery_date": "2024-11-20", "payment_due": "2024-12-31", "late_basis": "lpr",
	}, []Party{zhang, company}},
	"traffic_accident": {Answers{
		"accident_date": "2025-09-10", "accident_place": "杭州市西湖区天目山路与学院路交叉口", "vehicle_plate": "浙A12345",
		"liability": "full", "police_report": "yes", "insurer_involved": "yes", "medical_fee": "23456.78",
		"lost_earnings": "12000", "nursing_fee": "3000", "hospital_meals": "1500", "transport_fee": "800", "property_loss": "4200",
	}, []Party{zhang, li, org(RoleDefendant, "示例财产保险股份有限公司杭州分公司", "91330100000000003P", "浙江省杭州市江干区示例大道10号", "周八")}},
	"labour_service": {Answers{
		"work": "装修木工", "start_date": "2025-03-01", "end_date": "2025-06-30", "pay_basis": "daily", "pay_standard": "350元/天",
		"total_pay": "42000", "unpaid": "22000", "settlement": "yes", "promised_date": "2025-08-31",
	}, []Party{zhang, li}},
	"property_service": {Answers{
		"property_address": "杭州市西湖区示例小区5幢2单元301室", "monthly_fee": "268.5", "period_from": "2024-01-01",
		"period_to": "2025-12-31", "arrears": "6444", "late_fee": "300", "notices": "yes",
	}, []Party{org(RolePlaintiff, "杭州示例物业服务有限公司", "91330106000000004K", "浙江省杭州市西湖区示例路11号", "吴九"), li}},
	"divorce": {Answers{
		"marriage_date": "2015-10-01", "marriage_place": "杭州市西湖区民政局", "separation_date": "2024-02-01",
		"wife_pregnant": "no", "children": "1", "custody": "plaintiff", "child_support": "2000",
		"property_division": "yes", "property_value": "1,500,000", "property_desc": "杭州市西湖区示例小区1幢101室房屋一套\n浙A67890小型轿车一辆",
		"narrative": "双方婚后因生活琐事经常争吵，被告对家庭不闻不问。",
	}, []Party{person(RolePlaintiff, "王芳", "F", "1988-11-20", "33010619881120002", "浙江省杭州市西湖区文一路3号"), li}},
	"ship_charter": {Answers{
		"charter_type": "time", "ship_name": "示例海", "contract_date": "2025-01-10", "delivered_on": "2025-01-20",
		"redelivered_on": "2025-10-20", "hire_rate": "每日人民币30,000元", "unpaid_hire": "1,350,000", "hire_due": "2025-10-31",
		"other_loss": "86000",
	}, []Party{org(RolePlaintiff, "舟山示例海运有限公司", "91330900000000005M", "浙江省舟山市定海区示例码头1号", "郑十"), company}},
}
