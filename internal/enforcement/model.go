package enforcement

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Events written to the outbox (ecourt.enforcement.<entity>.<verb>).
const (
	// EventApplied: an application for enforcement was submitted. Payload:
	// application_id, court_id, type_code, late.
	EventApplied = "ecourt.enforcement.application.submitted"
	// EventAccepted: an application was accepted and its case opened.
	// Payload: application_id, case_id, number, fee_fen, deadline.
	EventAccepted = "ecourt.enforcement.application.accepted"
	// EventRejected: an application was not accepted. Payload:
	// application_id, reason.
	EventRejected = "ecourt.enforcement.application.rejected"
	// EventNodeRecorded: an officer recorded a node. Payload NodeEvent: the
	// case, the node, and one view per audience that may see it now (masked;
	// nil for the others). RouteNode turns it into live messages.
	EventNodeRecorded = "ecourt.enforcement.node.recorded"
	// EventNodeDisclosed: a node kept from the parties until carried out
	// (preservation) was disclosed. Payload NodeEvent, as for recorded.
	EventNodeDisclosed = "ecourt.enforcement.node.disclosed"
	// EventLeadSubmitted, EventLeadAnswered: a property lead and its answer.
	// Payload: lead_id, case_id, state, due_on.
	EventLeadSubmitted = "ecourt.enforcement.lead.submitted"
	EventLeadAnswered  = "ecourt.enforcement.lead.answered"
	// EventExtended: the case's deadline was extended. Payload: case_id,
	// deadline, approver.
	EventExtended = "ecourt.enforcement.case.extended"
	// EventEscalated: the applicant asked the higher court to enforce (CPL
	// Art. 237). Payload: escalation_id, case_id, supervision_case_id,
	// higher_court_id.
	EventEscalated = "ecourt.enforcement.case.escalated"
)

// NodeSubjects is the bus subject filter of the node events, for
// live.Hub.Feed together with RouteNode.
const NodeSubjects = "ecourt.enforcement.node.*"

// Type codes of enforcement cases (rules §2.3, 法〔2015〕137号 附件).
const (
	TypeEnforcement  = "执"  // first enforcement
	TypeResumed      = "执恢" // resumed (after 终本 or suspension)
	TypePreservation = "执保" // enforcement of a preservation ruling
	TypeObjection    = "执异" // enforcement objection
	TypeSupervision  = "执监" // enforcement supervision (escalation, CPL Art. 237)
)

// ApplicationTypes are the type codes an application may ask for.
var ApplicationTypes = []string{TypeEnforcement, TypeResumed, TypePreservation, TypeObjection}

// TitleKind is the kind of the legal document enforced (执行依据).
type TitleKind string

// The title kinds. The first four come from platform cases (by document
// ID); the last two are uploaded.
const (
	TitleJudgment      TitleKind = "judgment"              // 判决书
	TitleRuling        TitleKind = "ruling"                // 裁定书
	TitleMediation     TitleKind = "mediation"             // 调解书
	TitleConfirmation  TitleKind = "judicial_confirmation" // 确认调解协议裁定 (CPL Art. 206)
	TitleNotarisedDebt TitleKind = "notarised_debt"        // 赋予强制执行效力的公证债权文书 (CPL Art. 249)
	TitleArbitralAward TitleKind = "arbitral_award"        // 仲裁裁决书 (CPL Art. 248)
)

// DocumentTitles and UploadTitles list the kinds by source.
var (
	DocumentTitles = []TitleKind{TitleJudgment, TitleRuling, TitleMediation, TitleConfirmation}
	UploadTitles   = []TitleKind{TitleNotarisedDebt, TitleArbitralAward}
)

// Instalment is one instalment of the performance a title orders.
type Instalment struct {
	Due       calendar.Date `json:"due"`
	AmountFen money.Fen     `json:"amount_fen"`
}

// Suspension is a period in which the application period was suspended
// (CPL Art. 250 para 1 with the Civil Code's rules on limitation).
type Suspension struct {
	From   calendar.Date `json:"from"`
	To     calendar.Date `json:"to"`
	Reason string        `json:"reason"`
}

// Sides of a party in a title.
const (
	SideCreditor = "creditor" // 申请执行人 (the person owed)
	SideDebtor   = "debtor"   // 被执行人
)

// TitleParty is a party to a title: its side and who it is.
type TitleParty struct {
	Side      string             `json:"side"`
	Kind      casefile.PartyKind `json:"kind"`
	Name      string             `json:"name"`
	IDType    string             `json:"id_type,omitempty"`
	IDNumber  string             `json:"id_number,omitempty"`
	Phone     string             `json:"phone,omitempty"`
	Address   string             `json:"address,omitempty"`
	AccountID string             `json:"account_id,omitempty"`
}

// Title is an effective legal document of a platform case, as Titles
// returns it. Due is the last day of the performance period (nil when the
// document sets none); Instalments replace it for performance in
// instalments. AmountFen is the money the document orders paid (0 when it
// orders something else).
type Title struct {
	DocumentID  string         `json:"document_id"`
	CaseID      string         `json:"case_id"`
	CourtID     string         `json:"court_id"`
	Kind        TitleKind      `json:"kind"`
	Number      string         `json:"number"` // the document's case number
	Issuer      string         `json:"issuer"`
	Cause       string         `json:"cause"`
	Effective   calendar.Date  `json:"effective"`
	Due         *calendar.Date `json:"due,omitempty"`
	Instalments []Instalment   `json:"instalments,omitempty"`
	AmountFen   money.Fen      `json:"amount_fen"`
	Parties     []TitleParty   `json:"parties"`
}

// Application states.
const (
	AppSubmitted = "submitted"
	AppAccepted  = "accepted"
	AppRejected  = "rejected"
)

// Application is an application for enforcement.
type Application struct {
	ID               string         `json:"id"`
	CourtID          string         `json:"court_id"`
	ApplicantAccount string         `json:"applicant_account"`
	TypeCode         string         `json:"type_code"`
	TitleSource      string         `json:"title_source"` // "document" or "upload"
	TitleKind        TitleKind      `json:"title_kind"`
	DocumentID       string         `json:"document_id,omitempty"`
	SourceCaseID     string         `json:"source_case_id,omitempty"`
	PriorCaseID      string         `json:"prior_case_id,omitempty"`
	TitleNumber      string         `json:"title_number"`
	TitleIssuer      string         `json:"title_issuer"`
	TitleSHA256      string         `json:"title_sha256,omitempty"`
	TitleFileKind    string         `json:"title_file_kind,omitempty"`
	TitleSize        int64          `json:"title_size,omitempty"`
	Effective        calendar.Date  `json:"effective"`
	Due              *calendar.Date `json:"due,omitempty"`
	Instalments      []Instalment   `json:"instalments"`
	Suspended        []Suspension   `json:"suspended"`
	AmountFen        money.Fen      `json:"amount_fen"`
	Claim            string         `json:"claim"`
	// SMS is whether the applicant wants enforcement news by SMS too.
	SMS     bool         `json:"sms"`
	Cause   string       `json:"cause"`
	Parties []TitleParty `json:"parties"`
	// PeriodStart and PeriodLast are the CPL Art. 250 application period;
	// Late is true when the application came after PeriodLast.
	PeriodStart calendar.Date `json:"period_start"`
	PeriodLast  calendar.Date `json:"period_last"`
	Late        bool          `json:"late"`
	State       string        `json:"state"`
	Reason      string        `json:"reason,omitempty"`
	CaseID      string        `json:"case_id,omitempty"`
	SubmittedAt time.Time     `json:"submitted_at"`
	DecidedBy   string        `json:"decided_by,omitempty"`
	DecidedAt   *time.Time    `json:"decided_at,omitempty"`
}

// Record is the enforcement record of a case enforcement opened: its
// deadline (严格执行审限规定 Art. 5), fee (诉讼费用交纳办法 Art. 14(一),
// payable after enforcement: Art. 20) and officers.
type Record struct {
	CaseID            string         `json:"case_id"`
	CourtID           string         `json:"court_id"`
	ApplicationID     string         `json:"application_id"`
	Number            string         `json:"number"`
	TypeCode          string         `json:"type_code"`
	FiledOn           calendar.Date  `json:"filed_on"`
	Deadline          calendar.Date  `json:"deadline"`
	ExtendedTo        *calendar.Date `json:"extended_to,omitempty"`
	ExtensionReason   string         `json:"extension_reason,omitempty"`
	ExtensionApprover string         `json:"extension_approver,omitempty"`
	AmountFen         money.Fen      `json:"amount_fen"`
	FeeFen            money.Fen      `json:"fee_fen"`
	FeePayableLater   bool           `json:"fee_payable_later"`
	FeeVersion        string         `json:"fee_version"`
	EnforcedFen       money.Fen      `json:"enforced_fen"`
	ConcludedOn       *calendar.Date `json:"concluded_on,omitempty"`
	Officers          []Officer      `json:"officers"`
	CreatedAt         time.Time      `json:"created_at"`
	// Computed on reading:
	DaysLeft   int         `json:"days_left"`
	Warning    string      `json:"warning"` // "", "30", "7", "overdue"
	Escalation *Escalation `json:"escalation,omitempty"`
	// CanEscalate is whether the applicant may now ask the higher court
	// (CPL Art. 237); set for the applicant's side only.
	CanEscalate bool `json:"can_escalate"`
}

// Due returns the case's current deadline: the extended one if any.
func (r Record) Due() calendar.Date {
	if r.ExtendedTo != nil {
		return *r.ExtendedTo
	}
	return r.Deadline
}

// AmountYuan is the amount to enforce in yuan ("100000.00").
func (r Record) AmountYuan() string { return r.AmountFen.Yuan() }

// Officer is an enforcement officer assigned to a case; Lead is the 承办人.
type Officer struct {
	AccountID  string    `json:"account_id"`
	Lead       bool      `json:"lead"`
	AssignedAt time.Time `json:"assigned_at"`
}

// Audiences of a node.
const (
	Applicant  = "applicant"  // 申请执行人 and their representatives
	Respondent = "respondent" // 被执行人 and their representatives
	Staff      = "staff"      // the court's staff
)

// Audiences lists the audiences.
var Audiences = []string{Applicant, Respondent, Staff}

// Node is one recorded progress node, unmasked (staff's form).
type Node struct {
	ID          string            `json:"id"`
	CourtID     string            `json:"court_id"`
	CaseID      string            `json:"case_id"`
	Seq         int               `json:"seq"`
	Kind        string            `json:"kind"`
	Catalogue   string            `json:"catalogue"`
	Text        string            `json:"text"`
	AmountFen   money.Fen         `json:"amount_fen"`
	Fields      map[string]string `json:"fields"`
	Position    *Position         `json:"position,omitempty"`
	DeviceAt    *time.Time        `json:"device_at,omitempty"`
	RecordedBy  string            `json:"recorded_by"`
	RecordedAt  time.Time         `json:"recorded_at"`
	Disclosed   bool              `json:"disclosed"`
	DisclosedAt *time.Time        `json:"disclosed_at,omitempty"`
	Attachments []Attachment      `json:"attachments"`

	source string // NodeInput.Source
}

// Position is where a phone was when a node or lead was recorded, as its
// browser reported it (Geolocation API): micro-degrees and metres.
type Position struct {
	LatE6     int64 `json:"lat_e6"`
	LonE6     int64 `json:"lon_e6"`
	AccuracyM int   `json:"accuracy_m"`
}

// Lat and Lon format the position in degrees with six decimals.
func (p Position) Lat() string { return degrees(p.LatE6) }

// Lon: see Lat.
func (p Position) Lon() string { return degrees(p.LonE6) }

func degrees(e6 int64) string {
	sign := ""
	if e6 < 0 {
		sign, e6 = "-", -e6
	}
	return fmt.Sprintf("%s%d.%06d", sign, e6/1_000_000, e6%1_000_000)
}

// Attachment is a file of a node or lead in the blob store.
type Attachment struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"` // pdf, jpeg, png, mp4
	FileName string `json:"file_name"`
	SHA256   string `json:"-"`
	Size     int64  `json:"size"`
}

// FieldValue is one field of a node view, with its labels.
type FieldValue struct {
	Name    string `json:"name"`
	LabelZH string `json:"label_zh"`
	LabelEN string `json:"label_en"`
	Value   string `json:"value"`
	Masked  bool   `json:"masked"`
}

// NodeView is a node as one audience sees it: masked fields, a coarse
// position for the parties, labels in both languages (live pages render it
// without another request).
type NodeView struct {
	ID          string       `json:"id"`
	CaseID      string       `json:"case_id"`
	Seq         int          `json:"seq"`
	Kind        string       `json:"kind"`
	NameZH      string       `json:"name_zh"`
	NameEN      string       `json:"name_en"`
	Category    string       `json:"category"`
	Text        string       `json:"text"`
	AmountFen   money.Fen    `json:"amount_fen"`
	Amount      string       `json:"amount"` // yuan, "" when none
	Fields      []FieldValue `json:"fields"`
	Position    *Position    `json:"position,omitempty"`
	DeviceAt    *time.Time   `json:"device_at,omitempty"`
	RecordedAt  time.Time    `json:"recorded_at"`
	Disclosed   bool         `json:"disclosed"`
	Attachments []Attachment `json:"attachments"`
}

// NodeEvent is the payload of EventNodeRecorded and EventNodeDisclosed.
type NodeEvent struct {
	CaseID  string               `json:"case_id"`
	CourtID string               `json:"court_id"`
	NodeID  string               `json:"node_id"`
	Seq     int                  `json:"seq"`
	Kind    string               `json:"kind"`
	Views   map[string]*NodeView `json:"views"`
}

// Lead states and the allowed answers from each (the lead state machine).
const (
	LeadPending  = "pending"
	LeadAccepted = "accepted" // taken up, to be acted on
	LeadActedOn  = "acted_on" // a measure was taken on it
	LeadRejected = "rejected" // not followed, with a reason
)

var leadTransitions = map[string][]string{
	LeadPending:  {LeadAccepted, LeadActedOn, LeadRejected},
	LeadAccepted: {LeadActedOn, LeadRejected},
}

func canAnswer(from, to string) bool { return slices.Contains(leadTransitions[from], to) }

// LeadKinds are the kinds of property a lead points to.
var LeadKinds = []string{"bank", "real_estate", "vehicle", "securities", "online_payment", "receivable", "other"}

// Lead is a property lead (财产线索) of the applicant.
type Lead struct {
	ID          string        `json:"id"`
	CourtID     string        `json:"court_id"`
	CaseID      string        `json:"case_id"`
	PartyID     string        `json:"party_id"`
	Kind        string        `json:"kind"`
	Text        string        `json:"text"`
	Position    *Position     `json:"position,omitempty"`
	SubmittedBy string        `json:"submitted_by"`
	SubmittedAt time.Time     `json:"submitted_at"`
	DueOn       calendar.Date `json:"due_on"`
	State       string        `json:"state"`
	Answer      string        `json:"answer,omitempty"`
	AnsweredBy  string        `json:"answered_by,omitempty"`
	AnsweredAt  *time.Time    `json:"answered_at,omitempty"`
	Attachments []Attachment  `json:"attachments"`
	// Overdue is set on reading: pending after DueOn.
	Overdue bool `json:"overdue"`
}

// Escalation is the applicant's request to the higher court (CPL Art. 237).
type Escalation struct {
	ID                string    `json:"id"`
	CaseID            string    `json:"case_id"`
	HigherCourtID     string    `json:"higher_court_id"`
	PartyID           string    `json:"party_id"`
	Reason            string    `json:"reason"`
	SupervisionCaseID string    `json:"supervision_case_id"`
	RequestedBy       string    `json:"requested_by"`
	RequestedAt       time.Time `json:"requested_at"`
}

// Notice is a notification of enforcement news to party accounts.
type Notice struct {
	// ID is the idempotency key ("enforcement.node:<node id>:<audience>").
	ID         string
	Ref        string
	Recipients []Recipient
	// Template is one of NoticeTemplates.
	Template string
	Data     map[string]string
	CourtID  string
	CaseID   string
}

// Recipient is one account to notify; SMS when it chose SMS for the case.
type Recipient struct {
	AccountID string
	SMS       bool
}

// Notice templates (notify texts the app must provide, data keys listed).
const (
	// NoticeNode: case_number, node_name_zh, node_name_en, text, link,
	// court_name, court_name_en.
	NoticeNode = "enforcement.node_recorded"
	// NoticeLeadAnswered: case_number, state, answer, link, court_name,
	// court_name_en.
	NoticeLeadAnswered = "enforcement.lead_answered"

	// NoticeDeadline (to the officers): case_number, deadline, days_left,
	// link, court_name, court_name_en.
	NoticeDeadline = "enforcement.deadline_warning"
)

// NoticeTemplates lists the notify templates enforcement uses.
var NoticeTemplates = []string{NoticeNode, NoticeLeadAnswered, NoticeDeadline}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
