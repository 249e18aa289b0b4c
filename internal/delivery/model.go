package delivery

import (
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
)

// Channel is an electronic address type (Online Litigation Rules Art. 29:
// 电子邮箱、即时通讯账号、诉讼平台专用账号; CPL Art. 90; 民诉法解释 Art. 135).
type Channel string

// The channels.
const (
	// Inbox is the recipient's platform account (诉讼平台专用账号); its
	// address is the account ID.
	Inbox Channel = "inbox"
	// SMS is a mobile number (移动通信).
	SMS Channel = "sms"
	// Email is an e-mail address (电子邮件).
	Email Channel = "email"
)

// Channels lists the channels in display order.
var Channels = []Channel{Inbox, SMS, Email}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Address is one electronic address: a channel and the address on it.
type Address struct {
	Channel Channel `json:"channel"`
	Address string  `json:"address"`
}

// DocumentKind classifies a served document by what its service means in
// law. The document context maps its templates onto these kinds.
type DocumentKind string

// The document kinds.
const (
	DocJudgment          DocumentKind = "judgment"           // 判决书
	DocRuling            DocumentKind = "ruling"             // 裁定书
	DocMediation         DocumentKind = "mediation"          // 调解书
	DocComplaintCopy     DocumentKind = "complaint_copy"     // 起诉状副本 (with the 应诉通知书): the answer period
	DocAppealCopy        DocumentKind = "appeal_copy"        // 上诉状副本: the appellee's answer period
	DocSummons           DocumentKind = "summons"            // 传票
	DocNotice            DocumentKind = "notice"             // 受理、缴费、举证通知书 and other notices
	DocEnforcementNotice DocumentKind = "enforcement_notice" // 执行通知书
	DocOther             DocumentKind = "other"
)

// DocumentKinds lists the document kinds.
var DocumentKinds = []DocumentKind{DocJudgment, DocRuling, DocMediation, DocComplaintCopy, DocAppealCopy,
	DocSummons, DocNotice, DocEnforcementNotice, DocOther}

// Valid reports whether k is a known document kind.
func (k DocumentKind) Valid() bool { return slices.Contains(DocumentKinds, k) }

// Decisive reports whether k is a judgment, ruling or mediation document:
// CPL Art. 90 para 1 lets the recipient of one served electronically ask
// for a paper copy, and the platform serves these electronically only with
// the recipient's explicit consent to it in the 送达地址确认书 (see decide).
func (k DocumentKind) Decisive() bool {
	return k == DocJudgment || k == DocRuling || k == DocMediation
}

// Document is the document served: the document context's ID, its kind, its
// title as the recipient sees it ("民事判决书") and its public verification
// code. Appealable marks a judgment or ruling that may be appealed (a
// first-instance judgment; a ruling under CPL Art. 157 (一)–(三)): its
// service starts the appeal period.
type Document struct {
	ID         string       `json:"id"`
	Kind       DocumentKind `json:"kind"`
	Title      string       `json:"title"`
	Code       string       `json:"code"`
	Appealable bool         `json:"appealable"`
}

// Method is how a document was served.
type Method string

// The methods: electronic service and the fallbacks a clerk records.
const (
	Electronic   Method = "electronic"   // 电子送达, CPL Art. 90
	Post         Method = "post"         // 邮寄送达, CPL Art. 91: the date on the return receipt
	Direct       Method = "direct"       // 直接送达, CPL Art. 87–88: the date signed on the 送达回证
	LeftAtPlace  Method = "left"         // 留置送达, CPL Art. 89: the date the document was left
	Announcement Method = "announcement" // 公告送达, CPL Art. 95: 30 days after publication (Art. 283: 60)
)

// Fallbacks lists the fallback methods in the order the clerk tries them.
var Fallbacks = []Method{Direct, Post, LeftAtPlace, Announcement}

// Status is the state of a service record.
type Status string

// The statuses of a service record.
const (
	// Sending: an electronic attempt is out and no valid channel has
	// reported success yet.
	Sending Status = "sending"
	// Served: the document is served; ServedAt/ServedOn is the legal time.
	Served Status = "served"
	// Failed: every channel of the electronic attempts failed; a fallback
	// task is open.
	Failed Status = "failed"
	// Refused: electronic service was not lawful for this recipient (no
	// consent or basis); a fallback task is open.
	Refused Status = "refused"
	// Announced: served by announcement, deemed served on ServedOn, which
	// is still to come.
	Announced Status = "announced"
)

// Statuses lists the statuses.
var Statuses = []Status{Sending, Served, Failed, Refused, Announced}

// transitions is the state machine of a service record. Served is final;
// a resend of a served record adds an attempt without changing its status
// or its time of service.
var transitions = map[Status][]Status{
	Sending:   {Served, Failed, Announced},
	Failed:    {Sending, Served, Announced},
	Refused:   {Sending, Served, Announced},
	Announced: {Served},
}

// RecipientSpec names one recipient of a document: a party of the case,
// by party ID or by the platform account linked to the party or of a
// representative acting for it (service on the representative is service
// on the party, 民诉法解释 Art. 132). ForeignDomicile marks a party without
// a domicile in the PRC (CPL Art. 285, 286, 283). Name, when given, must be
// the party's name.
type RecipientSpec struct {
	PartyID         string `json:"party_id,omitempty"`
	AccountID       string `json:"account_id,omitempty"`
	Name            string `json:"name,omitempty"`
	ForeignDomicile bool   `json:"foreign_domicile,omitempty"`
}

// ServeRequest asks to serve a document on recipients. CourtID, when given,
// must be the case's court. ServedBy names the acting system under
// AsSystem (default: the audit actor); a signed-in person always serves as
// themself.
type ServeRequest struct {
	CaseID     string          `json:"case_id"`
	CourtID    string          `json:"court_id,omitempty"`
	Document   Document        `json:"document"`
	Recipients []RecipientSpec `json:"recipients"`
	ServedBy   string          `json:"served_by,omitempty"`
}

// Record is the service of one document on one recipient (a party): every
// electronic attempt with its channels, the fallbacks recorded by the
// clerk, and the legal time of service once there is one.
type Record struct {
	ID              string   `json:"id"`
	CourtID         string   `json:"court_id"`
	CaseID          string   `json:"case_id"`
	CaseNumber      string   `json:"case_number"`
	BatchID         string   `json:"batch_id"`
	Document        Document `json:"document"`
	PartyID         string   `json:"party_id"`
	AccountID       string   `json:"account_id"`
	RecipientName   string   `json:"recipient_name"`
	RecipientRole   string   `json:"recipient_role"`
	ForeignDomicile bool     `json:"foreign_domicile"`
	Status          Status   `json:"status"`
	// Decision is why electronic service was lawful (its bases) for the
	// latest attempt, or why it was refused.
	Decision Decision `json:"decision"`
	Method   Method   `json:"method,omitempty"`
	// ServedAt is the legal time of service: for electronic service the
	// earliest "sent successfully" of a valid channel (Online Litigation
	// Rules Art. 31; CPL Art. 90 para 2; 民诉法解释 Art. 135); for a
	// fallback the start of ServedOn, court-local.
	ServedAt         *time.Time     `json:"served_at,omitempty"`
	ServedOn         *calendar.Date `json:"served_on,omitempty"`
	ServedChannel    Channel        `json:"served_channel,omitempty"`
	ReadAt           *time.Time     `json:"read_at,omitempty"`
	PaperRequestedAt *time.Time     `json:"paper_requested_at,omitempty"`
	Certificate      *DocumentRef   `json:"certificate,omitempty"`
	ServedBy         string         `json:"served_by"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Attempts         []Attempt      `json:"attempts"`
	Fallbacks        []Fallback     `json:"fallbacks"`

	procedure casefile.Procedure // the case's procedure when served (fallback options)
	cause     string             // the case's 案由 when served (the certificate)
}

// Attempt is one electronic sending of the document (the first, or a
// resend) with the basis it was made on and its channels.
type Attempt struct {
	ID        string         `json:"id"`
	Ref       string         `json:"ref"`
	Seq       int            `json:"seq"`
	Decision  Decision       `json:"decision"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
	Channels  []ChannelState `json:"channels"`
}

// Channel states.
const (
	ChannelQueued = "queued"
	ChannelSent   = "sent"
	ChannelFailed = "failed"
)

// ChannelState is one channel of an attempt. Valid channels are addresses
// the recipient provided or confirmed: only they fix the time of service.
// The platform inbox is added as a notice (Online Litigation Rules Art. 32)
// when it is not one of them.
type ChannelState struct {
	Channel    Channel    `json:"channel"`
	Address    string     `json:"address"`
	Valid      bool       `json:"valid"`
	Status     string     `json:"status"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
	ProviderID string     `json:"provider_id,omitempty"`
	Failure    string     `json:"failure,omitempty"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Fallback is a service by other means recorded by the clerk.
type Fallback struct {
	ID     string `json:"id"`
	Method Method `json:"method"`
	// PublishedOn is the day an announcement was published (the last
	// posting or printing, 民诉法解释 Art. 138); nil for other methods.
	PublishedOn *calendar.Date `json:"published_on,omitempty"`
	// ServedOn is the legal date of service of this fallback.
	ServedOn    calendar.Date `json:"served_on"`
	Provisional bool          `json:"provisional"`
	ProofRef    string        `json:"proof_ref"`
	Note        string        `json:"note"`
	RecordedBy  string        `json:"recorded_by"`
	RecordedAt  time.Time     `json:"recorded_at"`
}

// Outgoing is one notification handed to the Notifier: the service of a
// document on one recipient (Ref "delivery.attempt:<attempt ID>") or a
// period reminder (Ref "delivery.reminder:<period ID>:<days>").
type Outgoing struct {
	// ID is unique per notification and stable across retries: the
	// Notifier must send a given ID at most once.
	ID string
	// Ref is what the outcome methods (ChannelSent, ChannelFailed, Read)
	// are called with.
	Ref string
	// RecipientAccount is the platform account whose inbox receives it
	// ("" when the recipient has none).
	RecipientAccount string
	Channels         []Channel
	Addresses        map[Channel]string
	// Template names the message ("delivery.service", "delivery.reminder");
	// NoticeText renders it from Messages.
	Template string
	Data     map[string]string
	CourtID  string
	CaseID   string
}

// Certificate is the content of a 电子送达凭证 (Online Litigation Rules
// Art. 31 para 3): what was served on whom, on what basis, to which
// addresses, when each channel reported, the legal time of service and the
// read time.
type Certificate struct {
	// Key is the idempotency key: the service record and its legal time.
	Key            string             `json:"key"`
	ServiceID      string             `json:"service_id"`
	CourtID        string             `json:"court_id"`
	CaseID         string             `json:"case_id"`
	CaseNumber     string             `json:"case_number"`
	Cause          string             `json:"cause"`
	Document       Document           `json:"document"`
	RecipientName  string             `json:"recipient_name"`
	RecipientRole  string             `json:"recipient_role"`
	PartyID        string             `json:"party_id"`
	Bases          []Basis            `json:"bases"`
	Attempts       []CertificateEntry `json:"attempts"`
	ServedAt       time.Time          `json:"served_at"`
	ServedChannel  Channel            `json:"served_channel"`
	ReadAt         *time.Time         `json:"read_at,omitempty"`
	ServedBy       string             `json:"served_by"`
	RequestedAt    time.Time          `json:"requested_at"`
	LegalReference string             `json:"legal_reference"`
}

// CertificateEntry is one channel of one attempt on a certificate:
// AttemptedAt is when the court sent it, SentAt when the channel reported
// it "sent successfully" (its arrival, 民诉法解释 Art. 135). AddressMasked
// is the address as a certificate in the case file may print it
// ("138****1234", "li***@example.com").
type CertificateEntry struct {
	Seq           int        `json:"seq"`
	Channel       Channel    `json:"channel"`
	Address       string     `json:"address"`
	AddressMasked string     `json:"address_masked"`
	Valid         bool       `json:"valid"`
	Status        string     `json:"status"`
	AttemptedAt   time.Time  `json:"attempted_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	Failure       string     `json:"failure,omitempty"`
	ReadAt        *time.Time `json:"read_at,omitempty"`
}
