package enforcement_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestApplyAndAccept: an application from a platform judgment is accepted
// into an enforcement case 执 with the creditor as 申请执行人 and the debtor
// as 被执行人, the fee of 诉讼费用交纳办法 Art. 14(一) payable after
// enforcement (Art. 20), the six-month deadline (严格执行审限规定 Art. 5),
// officers, and the nodes "case filed" and "officers assigned" that reach
// both parties; accepting again opens no second case.
func TestApplyAndAccept(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		_, doc := f.sourceCase(t)
		a, err := f.s.Apply(f.as("u-applicant"), enforcement.ApplyInput{CourtID: f.courtID, DocumentID: doc, Claim: "支付100000元", SMS: true})
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		// The judgment's performance period ended 2026-02-15: two years
		// from then (CPL Art. 250).
		if got, want := a.PeriodLast.String(), "2028-02-15"; got != want || a.Late {
			t.Errorf("period last = %s (late %v), want %s", got, a.Late, want)
		}
		if _, err := f.s.Accept(f.as("u-officer"), a.ID, enforcement.AcceptInput{Lead: "u-officer"}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Accept by an officer: %v, want forbidden", err)
		}
		if _, err := f.s.Accept(f.as("u-filer"), a.ID, enforcement.AcceptInput{Lead: "u-judge"}); fieldCodes(err)["lead"] != "enforcement_not_officer" {
			t.Errorf("Accept with a judge as officer: %v", err)
		}
		r, err := f.s.Accept(f.as("u-filer"), a.ID, enforcement.AcceptInput{Lead: "u-officer", Officers: []string{"u-officer2", "u-officer"}})
		if err != nil {
			t.Fatalf("Accept: %v", err)
		}
		if got, want := r.Number, "（2026）浙0225执1号"; got != want {
			t.Errorf("number = %s, want %s", got, want)
		}
		// 50 yuan up to 10,000, 1.5% of the 90,000 above: 1,400 yuan.
		if r.FeeFen != 140_000 || !r.FeePayableLater {
			t.Errorf("fee = %d fen, payable later %v; want 140000, true", r.FeeFen, r.FeePayableLater)
		}
		if got, want := r.Deadline.String(), "2026-09-02"; got != want {
			t.Errorf("deadline = %s, want %s", got, want)
		}
		if len(r.Officers) != 2 || !r.Officers[0].Lead || r.Officers[0].AccountID != "u-officer" {
			t.Errorf("officers = %+v", r.Officers)
		}
		c, err := f.cases.Get(f.as("u-applicant"), r.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Procedure != casefile.Enforcement || c.TypeCode != "执" || c.Status != casefile.Accepted {
			t.Errorf("case = %s %s %s", c.Procedure, c.TypeCode, c.Status)
		}
		roles := []casefile.PartyRole{}
		for _, p := range c.Parties {
			roles = append(roles, p.Role)
		}
		if !slices.Equal(roles, []casefile.PartyRole{casefile.JudgmentCreditor, casefile.JudgmentDebtor}) {
			t.Errorf("roles = %v", roles)
		}
		for _, who := range []string{"u-applicant", "u-debtor"} {
			nodes, err := f.s.Nodes(f.as(who), r.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, n := range nodes {
				kinds = append(kinds, n.Kind)
			}
			if !slices.Equal(kinds, []string{"case_filed", "officers_assigned"}) {
				t.Errorf("%s sees %v", who, kinds)
			}
		}
		// The applicant chose SMS; the debtor gets the inbox only.
		ns := f.notices.take()
		if len(ns) != 4 {
			t.Fatalf("notices = %d, want 4 (two nodes × two sides)", len(ns))
		}
		for _, n := range ns {
			for _, rc := range n.Recipients {
				if want := rc.AccountID == "u-applicant"; rc.SMS != want {
					t.Errorf("notice %s to %s: sms %v", n.ID, rc.AccountID, rc.SMS)
				}
			}
		}
		again, err := f.s.Accept(f.as("u-filer"), a.ID, enforcement.AcceptInput{Lead: "u-officer"})
		if err != nil || again.CaseID != r.CaseID {
			t.Errorf("second Accept = %v, %v", again.CaseID, err)
		}
		if got := f.count(t, "enforcement_case"); got != 1 {
			t.Errorf("records = %d", got)
		}
		f.runJobs(t)
		tl, err := f.cases.Timeline(f.as("u-debtor"), r.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range tl {
			types = append(types, e.Type)
		}
		if n := strings.Count(strings.Join(types, " "), "enforcement.node_recorded"); n != 2 {
			t.Errorf("timeline = %v", types)
		}
	})
}

// TestApplyRefusals: bad input is refused field by field and changes
// nothing; a stranger cannot enforce someone else's judgment.
func TestApplyRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		_, doc := f.sourceCase(t)
		_, err := f.s.Apply(f.as("u-stranger"), enforcement.ApplyInput{CourtID: f.courtID, DocumentID: doc, Claim: "x"})
		if fieldCodes(err)["document_id"] != "enforcement_title_unknown" {
			t.Errorf("stranger: %v", err)
		}
		_, err = f.s.Apply(f.as("u-debtor"), enforcement.ApplyInput{CourtID: f.courtID, DocumentID: doc, Claim: "x"})
		if fieldCodes(err)["document_id"] != "enforcement_not_creditor" {
			t.Errorf("debtor: %v", err)
		}
		_, err = f.s.Apply(f.as("u-applicant"), enforcement.ApplyInput{CourtID: "nope", TypeCode: "民初", TitleKind: "will"})
		got := fieldCodes(err)
		for field, code := range map[string]string{"court_id": "enforcement_court_unknown", "type_code": "enforcement_type_code",
			"title_kind": "enforcement_title_kind", "claim": "required", "title_file": "required", "parties": "enforcement_parties"} {
			if got[field] != code {
				t.Errorf("field %s: %q, want %q (all: %v)", field, got[field], code, got)
			}
		}
		// A document whose performance period the platform does not know:
		// the applicant states it.
		src, _ := f.sourceCase(t)
		tt := f.titles["doc-"+src.ID]
		tt.Due, tt.AmountFen = nil, 0
		f.titles["doc-"+src.ID] = tt
		due := calendar.MustParseDate("2026-01-15")
		_, err = f.s.Apply(f.as("u-applicant"), enforcement.ApplyInput{CourtID: f.courtID, DocumentID: "doc-" + src.ID, Claim: "x", Due: &due})
		if fieldCodes(err)["due"] != "enforcement_due" {
			t.Errorf("a stated due date before the effective date: %v", err)
		}
		_, err = f.s.Apply(f.as("u-applicant"), enforcement.ApplyInput{CourtID: f.courtID, TypeCode: "执恢", DocumentID: doc, Claim: "x"})
		if fieldCodes(err)["prior_case_id"] != "required" {
			t.Errorf("执恢 without prior case: %v", err)
		}
		if n := f.count(t, "enforcement_application"); n != 0 {
			t.Errorf("applications = %d", n)
		}
		due = calendar.MustParseDate("2026-02-28")
		a, err := f.s.Apply(f.as("u-applicant"), enforcement.ApplyInput{CourtID: f.courtID, DocumentID: "doc-" + src.ID, Claim: "x",
			Due: &due, AmountFen: 5_000_000})
		if err != nil || a.Due == nil || a.PeriodLast.String() != "2028-02-28" || a.AmountFen != 5_000_000 {
			t.Errorf("stated due date: %+v %v", a.PeriodLast, err)
		}
	})
}

// pdf is a minimal well-formed PDF.
var pdf = []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" +
	"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n")

func uploadInput(f *fixture, inst []enforcement.Instalment) enforcement.ApplyInput {
	return enforcement.ApplyInput{CourtID: f.courtID, TitleKind: enforcement.TitleNotarisedDebt, TitleNumber: "（2023）浙甬证经字第88号",
		TitleIssuer: "浙江省宁波市甬信公证处", Effective: calendar.MustParseDate("2023-03-01"), Instalments: inst,
		Cause: "借款合同纠纷", AmountFen: 30_000_000, Claim: "支付欠款300000元",
		Parties: []enforcement.TitleParty{{Side: enforcement.SideCreditor, Kind: casefile.Organisation, Name: "宁波某小额贷款有限公司"},
			{Side: enforcement.SideDebtor, Kind: casefile.Person, Name: "赵五", IDType: "resident_id", IDNumber: "330225199001011230"}},
		TitleFile: &enforcement.File{Name: "公证书.pdf", Body: strings.NewReader(string(pdf))}}
}

// TestApplicationPeriodInstalments: a notarised debt instrument payable in
// instalments: the two years of CPL Art. 250 run from the last instalment,
// not the first; an application after them is refused unless the applicant
// confirms it, and is then recorded as late (民诉法解释 Art. 481: the court
// accepts it, the debtor may object).
func TestApplicationPeriodInstalments(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		inst := []enforcement.Instalment{{Due: calendar.MustParseDate("2023-06-30"), AmountFen: 10_000_000},
			{Due: calendar.MustParseDate("2023-12-31"), AmountFen: 10_000_000},
			{Due: calendar.MustParseDate("2024-03-15"), AmountFen: 10_000_000}}
		a, err := f.s.Apply(f.as("u-applicant"), uploadInput(f, inst))
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
		// 2026-03-15 is a Sunday: the last day is Monday (CPL Art. 85).
		if a.PeriodLast.String() != "2026-03-16" || a.Late || a.TitleFileKind != "pdf" || a.TitleSHA256 == "" {
			t.Errorf("application = last %s late %v file %s %s", a.PeriodLast, a.Late, a.TitleFileKind, a.TitleSHA256)
		}
		if a.Parties[0].AccountID != "u-applicant" {
			t.Errorf("the applicant is not the creditor: %+v", a.Parties[0])
		}
		// Last instalment 2024-01-10: the period ended 2026-01-10, a Saturday,
		// so on Monday 2026-01-12 (CPL Art. 85).
		late := []enforcement.Instalment{{Due: calendar.MustParseDate("2023-06-30"), AmountFen: 10_000_000},
			{Due: calendar.MustParseDate("2024-01-10"), AmountFen: 20_000_000}}
		_, err = f.s.Apply(f.as("u-applicant"), uploadInput(f, late))
		if fieldCodes(err)["late_confirmed"] != "enforcement_period_expired" {
			t.Fatalf("late application: %v", err)
		}
		in := uploadInput(f, late)
		in.LateConfirmed = true
		b, err := f.s.Apply(f.as("u-applicant"), in)
		if err != nil || !b.Late || b.PeriodLast.String() != "2026-01-12" {
			t.Errorf("confirmed late application: %+v, %v", b.PeriodLast, err)
		}
		// A suspension of the period (CPL Art. 250 para 1) inside its last
		// six months moves the end.
		in = uploadInput(f, late)
		in.Suspended = []enforcement.Suspension{{From: calendar.MustParseDate("2025-12-01"), To: calendar.MustParseDate("2026-01-31"),
			Reason: "不可抗力"}}
		c, err := f.s.Apply(f.as("u-applicant"), in)
		if err != nil || c.Late {
			t.Errorf("suspended period: last %s late %v err %v", c.PeriodLast, c.Late, err)
		}
		// A text file is no title.
		in = uploadInput(f, inst)
		in.TitleFile = &enforcement.File{Name: "a.pdf", Body: strings.NewReader("not a pdf at all")}
		if _, err := f.s.Apply(f.as("u-applicant"), in); fieldCodes(err)["title_file"] != "enforcement_file_type" {
			t.Errorf("text as title: %v", err)
		}
	})
}
