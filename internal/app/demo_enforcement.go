package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/clock"
)

// seedDemoEnforcement opens one enforcement case for the demo: the demo
// litigant enforces an (uploaded, demo) arbitral award of 80,000 yuan
// against the second demo litigant at 象山县人民法院; the filing officer
// accepts it with the demo enforcement officer as lead; the officer has
// searched the debtor's bank accounts and frozen one; the applicant has
// sent a lead that waits for an answer; and 20,000 yuan has arrived in the
// case account (it becomes a node once the platform runs). Sign in as
// "litigant" to follow it, as "enforcer" to record the next step.
func (a *App) seedDemoEnforcement(ctx context.Context, ids map[string]string, courtID string) error {
	as := func(login string, role auth.Role) context.Context {
		g := auth.Grant{Role: role}
		if role.CourtScoped() {
			g.CourtID = courtID
		}
		return auth.WithPrincipal(ctx, auth.Principal{UserID: ids[login], Verified: true, Via: "system",
			Grants: []auth.Grant{g}})
	}
	applicant := auth.WithPrincipal(ctx, auth.Principal{UserID: ids["litigant"], Verified: true, Via: "system",
		Grants: []auth.Grant{{Role: auth.Litigant}}})
	today := calendar.DateOf(a.DB.Now().In(clock.China))
	effective := today.Plus(-40)
	due := today.Plus(-30)
	app, err := a.svc.enforce.Apply(applicant, enforcement.ApplyInput{
		CourtID: courtID, TypeCode: enforcement.TypeEnforcement,
		TitleKind: enforcement.TitleArbitralAward, TitleNumber: "（2026）甬仲裁字第8号", TitleIssuer: "宁波仲裁委员会（演示）",
		Effective: effective, Due: &due, Cause: "买卖合同纠纷",
		Parties: []enforcement.TitleParty{
			{Side: enforcement.SideCreditor, Kind: casefile.Person, Name: "演示当事人 王小渔", IDType: "resident_id",
				IDNumber: residentID("33022519800101001"), Phone: "13800000001", Address: "浙江省象山县石浦镇演示路1号", AccountID: ids["litigant"]},
			{Side: enforcement.SideDebtor, Kind: casefile.Person, Name: "演示当事人 李海丰", IDType: "resident_id",
				IDNumber: residentID("33028219850505002"), Phone: "13800000002", Address: "浙江省慈溪市演示街2号"},
		},
		TitleFile: &enforcement.File{Name: "仲裁裁决书（演示）.pdf", Body: bytes.NewReader(demoPDF("DEMO ARBITRAL AWARD - not a real document"))},
		AmountFen: 8_000_000, Claim: "支付货款80,000元", SMS: true,
	})
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	rec, err := a.svc.enforce.Accept(as("filing", auth.FilingOfficer), app.ID, enforcement.AcceptInput{Lead: ids["enforcer"]})
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	// The court links the debtor's own account (the applicant cannot), so
	// the second demo litigant sees the respondent's view.
	c, err := a.svc.casefile.Get(as("filing", auth.FilingOfficer), rec.CaseID)
	if err != nil {
		return err
	}
	for _, p := range c.Parties {
		if p.Role == casefile.JudgmentDebtor {
			if err := a.svc.casefile.LinkAccount(as("filing", auth.FilingOfficer), rec.CaseID, p.ID, ids["litigant2"]); err != nil {
				return fmt.Errorf("link debtor: %w", err)
			}
		}
	}
	officer := as("enforcer", auth.EnforcementOfficer)
	for _, n := range []enforcement.NodeInput{
		{Kind: "notice_served", Text: "向被执行人送达执行通知书、报告财产令。"},
		{Kind: "search_bank", Text: "通过网络执行查控系统查询被执行人名下银行账户 6 个。"},
		{Kind: "freeze", Text: "冻结被执行人银行存款。", AmountFen: 8_000_000, CarriedOut: true,
			Fields: map[string]string{"bank": "中国农业银行慈溪支行", "account_no": "6228480000012345678"}},
	} {
		if _, err := a.svc.enforce.RecordNode(officer, rec.CaseID, n); err != nil {
			return fmt.Errorf("node %s: %w", n.Kind, err)
		}
	}
	if _, err := a.svc.enforce.SubmitLead(applicant, rec.CaseID, enforcement.LeadInput{Kind: "vehicle",
		Text: "被执行人名下有一辆白色轿车，常停在慈溪市演示街2号楼下。"}); err != nil {
		return fmt.Errorf("lead: %w", err)
	}
	if _, err := a.svc.casefund.Receive(officer, rec.CaseID, casefund.ReceiptInput{On: today.Plus(-1), Amount: 2_000_000,
		Payer: "演示当事人 李海丰", PayerAccount: "6228480000012345678", Reference: "DEMO-" + strings.ReplaceAll(today.String(), "-", "") + "-0001",
		Remark: rec.Number}); err != nil {
		return fmt.Errorf("receipt: %w", err)
	}
	return nil
}

// demoPDF is a one-page PDF saying text (ASCII), for demo uploads.
func demoPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 14 Tf 72 760 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
