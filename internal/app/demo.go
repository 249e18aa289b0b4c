package app

import (
	"context"
	"fmt"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// DemoPassword is the password of every demo account. Demo data is for
// trying the platform on one machine; never run --demo in production.
const DemoPassword = "demo1234"

// demoAccount is one invented person of the demo data. Every name carries
// "演示" (demo) so nobody mistakes it for a real person.
type demoAccount struct {
	Login, Mobile, Name, Court string // Court is a court code, "" for platform-wide
	Roles                      []auth.Role
	IDNumber                   string // without check digit; one is computed
	Licence                    string
	Staff                      bool
}

func demoAccounts() []demoAccount {
	staff := func(login, mobile, name, court string, roles ...auth.Role) demoAccount {
		return demoAccount{Login: login, Mobile: mobile, Name: name, Court: court, Roles: roles, Staff: true}
	}
	return []demoAccount{
		{Login: "litigant", Mobile: "13800000001", Name: "演示当事人 王小渔", IDNumber: "33022519800101001", Roles: []auth.Role{auth.Litigant}},
		{Login: "litigant2", Mobile: "13800000002", Name: "演示当事人 李海丰", IDNumber: "33028219850505002", Roles: []auth.Role{auth.Litigant}},
		{Login: "lawyer", Mobile: "13800000003", Name: "演示律师 赵明理", IDNumber: "33020319790909003", Roles: []auth.Role{auth.Litigant, auth.Lawyer}, Licence: "13302201510000001"},
		staff("filing", "13900000001", "演示立案法官 陈立", "浙0225", auth.FilingOfficer),
		staff("judge", "13900000002", "演示法官 周正", "浙0225", auth.Judge),
		staff("assistant", "13900000003", "演示法官助理 吴勤", "浙0225", auth.JudgeAssistant),
		staff("clerk", "13900000004", "演示书记员 郑记", "浙0225", auth.Clerk),
		staff("enforcer", "13900000005", "演示执行干警 冯执", "浙0225", auth.EnforcementOfficer),
		staff("mediator", "13900000006", "演示调解员 褚和", "浙0225", auth.Mediator),
		staff("shipiju", "13900000007", "演示庭务主任 卫石", "浙0225", auth.SharedCourtDirector),
		staff("courtadmin", "13900000008", "演示法院管理员 蒋管", "浙0225", auth.CourtAdmin),
		staff("appealjudge", "13900000009", "演示二审法官 沈衡", "浙02", auth.Judge),
		staff("maritimejudge", "13900000010", "演示海事法官 韩舟", "浙72", auth.Judge, auth.FilingOfficer),
		staff("zhenhai", "13900000011", "演示立案法官 杨镇", "浙0211", auth.FilingOfficer, auth.Judge),
		staff("cixi", "13900000012", "演示立案法官 朱慈", "浙0282", auth.FilingOfficer, auth.Judge),
		staff("internet", "13900000013", "演示互联网法官 秦网", "浙0192", auth.FilingOfficer, auth.Judge),
		staff("administrator", "13900000014", "演示破产管理人 尤清", "浙02", auth.BankruptcyAdmin),
		staff("platform", "13900000015", "演示平台管理员 许台", "", auth.PlatformAdmin),
	}
}

// residentID completes a 17-digit body with its GB 11643-1999 check
// character (ISO 7064 MOD 11-2).
func residentID(body string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// seedDemo creates the demo people and cases when the database has no
// accounts yet; otherwise it does nothing.
func (a *App) seedDemo(ctx context.Context) error {
	var n int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM identity_account`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	ids := map[string]string{}
	for _, d := range demoAccounts() {
		sd := identity.Seed{Login: d.Login, Mobile: d.Mobile, Password: DemoPassword, Name: d.Name}
		if d.IDNumber != "" {
			sd.Claim = &identity.Claim{Kind: identity.Person, Name: d.Name, IDType: identity.ResidentIDCard, IDNumber: residentID(d.IDNumber)}
		}
		courtID := ""
		if d.Court != "" {
			c, err := a.svc.court.FindByCode(ctx, d.Court)
			if err != nil {
				return fmt.Errorf("demo court %s: %w", d.Court, err)
			}
			courtID = c.ID
		}
		for _, r := range d.Roles {
			g := auth.Grant{Role: r, Licence: d.Licence}
			if r.CourtScoped() {
				g.CourtID = courtID
			}
			if r != auth.Lawyer {
				g.Licence = ""
			}
			sd.Grants = append(sd.Grants, g)
		}
		acct, err := a.svc.identity.SeedAccount(ctx, sd)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", d.Login, err)
		}
		ids[d.Login] = acct.ID
	}
	return a.seedDemoCases(ctx, ids)
}

func (a *App) seedDemoCases(ctx context.Context, ids map[string]string) error {
	sys := casefile.AsSystem(ctx)
	xs, err := a.svc.court.FindByCode(ctx, "浙0225")
	if err != nil {
		return err
	}
	hs, err := a.svc.court.FindByCode(ctx, "浙72")
	if err != nil {
		return err
	}
	nb, err := a.svc.court.FindByCode(ctx, "浙02")
	if err != nil {
		return err
	}
	loan, err := a.svc.casefile.Create(sys, casefile.NewCase{
		CourtID: xs.ID, TypeCode: "民初", Cause: "民间借贷纠纷", Procedure: casefile.Simplified,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: "演示当事人 王小渔", IDType: "resident_id", IDNumber: residentID("33022519800101001"), Phone: "13800000001", Address: "浙江省象山县石浦镇演示路1号", AccountID: ids["litigant"]},
			{Role: casefile.Defendant, Kind: casefile.Person, Name: "演示当事人 李海丰", IDType: "resident_id", IDNumber: residentID("33028219850505002"), Phone: "13800000002", Address: "浙江省慈溪市演示街2号", AccountID: ids["litigant2"]},
		},
		Representatives: []casefile.NewRepresentative{{PartyIndex: 0, Kind: casefile.Lawyer, Name: "演示律师 赵明理", AccountID: ids["lawyer"], LicenceNo: "13302201510000001", Firm: "演示律师事务所"}},
	})
	if err != nil {
		return fmt.Errorf("demo case: %w", err)
	}
	if _, err := a.svc.casefile.Assign(sys, loan.ID, casefile.Assignment{JudgeID: ids["judge"], AssistantID: ids["assistant"], ClerkID: ids["clerk"]}); err != nil {
		return fmt.Errorf("demo assign: %w", err)
	}
	if _, err := a.svc.casefile.Transition(sys, loan.ID, casefile.Accepted, "立案受理"); err != nil {
		return fmt.Errorf("demo transition: %w", err)
	}
	for _, st := range []casefile.Stage{casefile.StageFiling, casefile.StageService, casefile.StageHearing} {
		if _, err := a.svc.casefile.SetConsent(sys, loan.ID, loan.Parties[0].ID, st, true, casefile.HowActiveChoice); err != nil {
			return fmt.Errorf("demo consent: %w", err)
		}
	}
	ship, err := a.svc.casefile.Create(sys, casefile.NewCase{
		CourtID: hs.ID, TypeCode: "民初", Cause: "船舶租赁合同纠纷", Procedure: casefile.Ordinary,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: "演示当事人 王小渔", IDType: "resident_id", IDNumber: residentID("33022519800101001"), AccountID: ids["litigant"]},
			{Role: casefile.Defendant, Kind: casefile.Organisation, Name: "演示远洋航运有限公司", IDType: "uscc", IDNumber: "91350100M000100Y43"},
		},
	})
	if err != nil {
		return fmt.Errorf("demo maritime case: %w", err)
	}
	_ = ship
	if _, err := a.svc.casefile.Create(sys, casefile.NewCase{
		CourtID: nb.ID, TypeCode: "民终", Cause: "民间借贷纠纷", Procedure: casefile.Ordinary, ParentCaseID: loan.ID,
		Parties: []casefile.NewParty{
			{Role: casefile.Appellant, Kind: casefile.Person, Name: "演示当事人 李海丰", AccountID: ids["litigant2"], IDType: "resident_id", IDNumber: residentID("33028219850505002")},
			{Role: casefile.Appellee, Kind: casefile.Person, Name: "演示当事人 王小渔", AccountID: ids["litigant"], IDType: "resident_id", IDNumber: residentID("33022519800101001")},
		},
	}); err != nil && errs.CodeOf(err) != errs.Conflict {
		return fmt.Errorf("demo appeal: %w", err)
	}
	if err := a.seedDemoEnforcement(ctx, ids, xs.ID); err != nil {
		return fmt.Errorf("demo enforcement: %w", err)
	}
	return nil
}
