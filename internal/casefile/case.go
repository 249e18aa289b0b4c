package casefile

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Case is the case every other context refers to. Its JSON form is the API
// representation (snake_case); party ID and phone numbers in it are already
// masked for readers who may not see them (see Party).
type Case struct {
	ID           string     `json:"id"`
	CourtID      string     `json:"court_id"`
	CourtCode    string     `json:"court_code"`
	Number       string     `json:"number"` // the formatted 案号
	Year         int        `json:"year"`
	Seq          int64      `json:"seq"`
	SpecCode     string     `json:"spec_code"`
	TypeCode     string     `json:"type_code"`
	TypeClass    string     `json:"type_class"`
	Cause        string     `json:"cause"`
	CauseCode    string     `json:"cause_code"`
	Procedure    Procedure  `json:"procedure"`
	Status       Status     `json:"status"`
	ParentCaseID string     `json:"parent_case_id"`
	Assignment   Assignment `json:"assignment"`
	Parties      []Party    `json:"parties"`
	// Representatives are the lawyers and agents of the parties.
	Representatives []Representative `json:"representatives"`
	CreatedBy       string           `json:"-"`
	CreatedAt       time.Time        `json:"created_at"`
	UpdatedAt       time.Time        `json:"updated_at"`
}

// ParsedNumber returns the case's number taken apart.
func (c Case) ParsedNumber() Number {
	return Number{Year: c.Year, CourtCode: c.CourtCode, SpecCode: c.SpecCode, TypeCode: c.TypeCode, Seq: c.Seq}
}

// Final reports whether the case's judgments and rulings are final when
// made, so that nothing in it can be appealed: small claims are decided at
// one instance (CPL Art. 165), so are the special procedures (Art. 185:
// 依照本章程序审理的案件，实行一审终审), and a second instance is final
// (Art. 182; its type code ends in 终, 法〔2015〕137号).
func (c Case) Final() bool {
	return c.Procedure == SmallClaims || c.Procedure == Special || strings.HasSuffix(c.TypeCode, "终")
}

// Party returns the party with the given ID.
func (c Case) Party(id string) (Party, bool) {
	i := slices.IndexFunc(c.Parties, func(p Party) bool { return p.ID == id })
	if i < 0 {
		return Party{}, false
	}
	return c.Parties[i], true
}

// Procedure is the trial procedure of a case. The valid values and their
// labels are data (procedures below and the message bundle).
type Procedure string

// The procedures.
const (
	Ordinary      Procedure = "ordinary"       // 普通程序
	Simplified    Procedure = "simplified"     // 简易程序
	SmallClaims   Procedure = "small_claims"   // 小额诉讼程序
	Special       Procedure = "special"        // 特别程序
	NonLitigation Procedure = "non_litigation" // 非讼程序 (督促、公示催告、保全审查…)
	Enforcement   Procedure = "enforcement"    // 执行程序
	Bankruptcy    Procedure = "bankruptcy"     // 破产与强制清算程序
)

// Procedures lists the valid procedures in display order.
var Procedures = []Procedure{Ordinary, Simplified, SmallClaims, Special, NonLitigation, Enforcement, Bankruptcy}

// Valid reports whether p is a known procedure.
func (p Procedure) Valid() bool { return slices.Contains(Procedures, p) }

// PartyRole is a party's procedural position.
type PartyRole string

// The party roles.
const (
	Plaintiff        PartyRole = "plaintiff"         // 原告
	Defendant        PartyRole = "defendant"         // 被告
	ThirdParty       PartyRole = "third_party"       // 第三人
	Applicant        PartyRole = "applicant"         // 申请人
	Respondent       PartyRole = "respondent"        // 被申请人
	Creditor         PartyRole = "creditor"          // 债权人
	Debtor           PartyRole = "debtor"            // 债务人
	Appellant        PartyRole = "appellant"         // 上诉人
	Appellee         PartyRole = "appellee"          // 被上诉人
	JudgmentCreditor PartyRole = "judgment_creditor" // 申请执行人
	JudgmentDebtor   PartyRole = "judgment_debtor"   // 被执行人
	Objector         PartyRole = "objector"          // 异议人 / 案外人
	Victim           PartyRole = "victim"            // 被害人
	PrivateProsecut  PartyRole = "private_prosecutor"
	Accused          PartyRole = "accused" // 被告人
	OtherRole        PartyRole = "other"
)

// PartyRoles lists the valid roles in display order.
var PartyRoles = []PartyRole{Plaintiff, Defendant, ThirdParty, Applicant, Respondent, Creditor, Debtor,
	Appellant, Appellee, JudgmentCreditor, JudgmentDebtor, Objector, Victim, PrivateProsecut, Accused, OtherRole}

// Valid reports whether r is a known role.
func (r PartyRole) Valid() bool { return slices.Contains(PartyRoles, r) }

// PartyKind tells a natural person from an organisation.
type PartyKind string

// The party kinds.
const (
	Person       PartyKind = "person"
	Organisation PartyKind = "organisation"
)

// IDTypes are the kinds of identity document a party may give.
var IDTypes = []string{"resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "uscc", "org_code", "other"}

// Party is one party to a case. IDNumber and Phone are masked ("3302**********1234",
// "138****5678") unless the reader is staff with access to the case, the
// party themself, or the party's representative.
type Party struct {
	ID        string    `json:"id"`
	Role      PartyRole `json:"role"`
	Kind      PartyKind `json:"kind"`
	Name      string    `json:"name"`
	IDType    string    `json:"id_type"`
	IDNumber  string    `json:"id_number"`
	Phone     string    `json:"phone"`
	Address   string    `json:"address"`
	AccountID string    `json:"account_id"` // "" until the party has a platform account linked
	Masked    bool      `json:"masked"`     // whether IDNumber and Phone are masked
}

// RepresentativeKind is how a representative acts for a party.
type RepresentativeKind string

// The representative kinds.
const (
	Lawyer RepresentativeKind = "lawyer" // 律师
	Agent  RepresentativeKind = "agent"  // 其他诉讼代理人 (公民代理, 基层法律服务工作者…)
	// LegalRep is a natural person's 法定代理人 or an organisation's 法定代表人.
	LegalRep RepresentativeKind = "legal_representative"
)

// Representative acts for one party of the case.
type Representative struct {
	ID        string             `json:"id"`
	PartyID   string             `json:"party_id"`
	Kind      RepresentativeKind `json:"kind"`
	Name      string             `json:"name"`
	AccountID string             `json:"account_id"`
	LicenceNo string             `json:"licence_no"` // a lawyer's 执业证号
	Firm      string             `json:"firm"`
	Phone     string             `json:"phone"`
}

// Assignment names the judge, judge's assistant and clerk of a case by
// account ID ("" when not yet assigned).
type Assignment struct {
	JudgeID     string `json:"judge_id"`
	AssistantID string `json:"assistant_id"`
	ClerkID     string `json:"clerk_id"`
}

// Event is one dated entry of a case's timeline. Other contexts add theirs
// with AddEvent ("hearing.scheduled", "document.served", …). StaffOnly
// entries are hidden from parties and representatives (e.g. preservation
// steps until they are carried out: 审判流程公开规定 Art. 8).
type Event struct {
	ID        string          `json:"id"`
	CaseID    string          `json:"case_id"`
	Type      string          `json:"type"`
	At        time.Time       `json:"at"`
	ActorID   string          `json:"actor_id"`
	StaffOnly bool            `json:"staff_only"`
	Note      string          `json:"note"`
	Detail    json.RawMessage `json:"detail"`
}

// Stage is a litigation stage for which consent to online proceedings is
// given separately (Online Litigation Rules Art. 1, Art. 4(四)).
type Stage string

// The stages.
const (
	StageFiling    Stage = "filing"    // 立案
	StageService   Stage = "service"   // 送达
	StageMediation Stage = "mediation" // 调解
	StageEvidence  Stage = "evidence"  // 证据交换
	StageHearing   Stage = "hearing"   // 询问、庭审
	StageOther     Stage = "other"
)

// Stages lists the stages in procedural order.
var Stages = []Stage{StageFiling, StageService, StageMediation, StageEvidence, StageHearing, StageOther}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return slices.Contains(Stages, s) }

// How a consent was given.
const (
	HowActiveChoice = "active_choice" // the party chose online itself (Art. 4(一))
	HowPlatform     = "platform"      // agreed on the platform after notice (Art. 10)
	HowWritten      = "written"       // in writing, recorded by staff
	HowOral         = "oral"          // orally, recorded by staff in the file
)

// ConsentMethods lists the valid ways of giving or withdrawing consent.
var ConsentMethods = []string{HowActiveChoice, HowPlatform, HowWritten, HowOral}

// Consent is a party's current position on online proceedings in one stage:
// who recorded it, when and how. A later record for the same party and stage
// replaces it (consent can be withdrawn and given again).
type Consent struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	PartyID    string    `json:"party_id"`
	Stage      Stage     `json:"stage"`
	Consent    bool      `json:"consent"`
	How        string    `json:"how"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Summary is a case in a list.
type Summary struct {
	ID        string    `json:"id"`
	CourtID   string    `json:"court_id"`
	Number    string    `json:"number"`
	TypeCode  string    `json:"type_code"`
	Cause     string    `json:"cause"`
	Procedure Procedure `json:"procedure"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Page selects one page of a list, newest first. Before is the ID of the
// last case of the previous page ("" for the first page); Limit defaults to
// 20 and is capped at 100.
type Page struct {
	Limit  int
	Before string
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > 100:
		return 100
	}
	return p.Limit
}

// List is one page of cases. Next is the Before of the following page, ""
// when this is the last.
type List struct {
	Items []Summary `json:"items"`
	Next  string    `json:"next"`
}
