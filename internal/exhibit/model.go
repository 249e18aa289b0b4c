package exhibit

import (
	"slices"
	"strconv"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
)

// Events written to the outbox (ecourt.exhibit.<entity>.<verb>).
const (
	// EventSubmitted: an exhibit was submitted. Payload: exhibit_id,
	// evidence_id (the same ID, so the evidence ledger can treat it like
	// ecourt.filing.evidence.added), case_id, court_id, sha256, size, kind.
	EventSubmitted = "ecourt.exhibit.exhibit.submitted"
	// EventPresented: an exhibit is shown in a hearing. Payload: hearing_id,
	// exhibit_id, case_id, party_id, seq, kind. Live pages subscribe to it with
	// bus.Live and re-read the exhibit through the access-checked API.
	EventPresented       = "ecourt.exhibit.exhibit.presented"
	EventExchangeOpened  = "ecourt.exhibit.exchange.opened"
	EventExchangeExtends = "ecourt.exhibit.exchange.extended"
	EventOpinion         = "ecourt.exhibit.opinion.recorded"
	EventDispute         = "ecourt.exhibit.dispute.marked"
	EventCondition       = "ecourt.exhibit.condition.recorded"
	EventStageSet        = "ecourt.exhibit.stage.set"
	// EventStatement: a recorded statement of an asynchronous trial was
	// uploaded. Payload: statement_id, evidence_id, case_id, court_id,
	// sha256 ("" for a typed statement), size, kind, stage.
	EventStatement = "ecourt.exhibit.statement.submitted"
)

// Origins of an exhibit.
const (
	OriginUpload = "upload" // uploaded for the exchange
	OriginFiling = "filing" // taken over from the evidence filed with the complaint
)

// Exhibit is one item of evidence submitted for exchange.
type Exhibit struct {
	ID        string `json:"id"`
	CourtID   string `json:"court_id"`
	CaseID    string `json:"case_id"`
	PartyID   string `json:"party_id"`
	PartyRole string `json:"party_role"`
	PartyName string `json:"party_name"`
	// Seq numbers the exhibits of one party from 1; Label is the number
	// shown in court (原告证据1, 被告证据2 …).
	Seq              int       `json:"seq"`
	Label            string    `json:"label"`
	Name             string    `json:"name"`
	Purpose          string    `json:"purpose"` // 证明目的
	Source           string    `json:"source"`  // 证据来源
	Origin           string    `json:"origin"`
	FilingEvidenceID string    `json:"filing_evidence_id"`
	FileName         string    `json:"file_name"`
	Kind             string    `json:"kind"`
	SHA256           string    `json:"sha256"`
	Size             int64     `json:"size"`
	SubmittedBy      string    `json:"submitted_by"`
	SubmittedAt      time.Time `json:"submitted_at"`
	// Opinions has one entry per opposing party, in case order: its current
	// opinion, or State "pending" when it has recorded none.
	Opinions []OpinionState `json:"opinions"`
	// Dispute is the judge's current marks (nil when none).
	Dispute *Dispute `json:"dispute"`
	// Presented reports whether the exhibit was shown in a hearing.
	Presented bool `json:"presented"`
}

// Stance is a party's position on one of the three properties of evidence
// (民诉法解释 Art. 104: 真实性、合法性、关联性).
type Stance string

// The stances.
const (
	Admitted  Stance = "admitted"   // 认可
	Disputed  Stance = "disputed"   // 有异议
	NoOpinion Stance = "no_opinion" // 不发表意见
)

// Stances lists the stances.
var Stances = []Stance{Admitted, Disputed, NoOpinion}

func (s Stance) valid() bool { return slices.Contains(Stances, s) }

// Points are the three properties of evidence, in order.
var Points = []string{"authenticity", "legality", "relevance"}

// OpinionInput is a party's cross-examination opinion on one exhibit.
// Reasons are required for a disputed point.
type OpinionInput struct {
	// PartyID is the party the opinion is given for; it may be empty when
	// the caller acts for one party only.
	PartyID            string `json:"party_id,omitempty"`
	Authenticity       Stance `json:"authenticity"`
	AuthenticityReason string `json:"authenticity_reason,omitempty"`
	Legality           Stance `json:"legality"`
	LegalityReason     string `json:"legality_reason,omitempty"`
	Relevance          Stance `json:"relevance"`
	RelevanceReason    string `json:"relevance_reason,omitempty"`
}

// Opinion is one recorded version of a party's opinion on an exhibit.
type Opinion struct {
	ID                 string    `json:"id"`
	ExhibitID          string    `json:"exhibit_id"`
	PartyID            string    `json:"party_id"`
	Version            int       `json:"version"`
	Authenticity       Stance    `json:"authenticity"`
	AuthenticityReason string    `json:"authenticity_reason"`
	Legality           Stance    `json:"legality"`
	LegalityReason     string    `json:"legality_reason"`
	Relevance          Stance    `json:"relevance"`
	RelevanceReason    string    `json:"relevance_reason"`
	RecordedBy         string    `json:"recorded_by"`
	RecordedAt         time.Time `json:"recorded_at"`
}

// OpinionState is where one opposing party stands on an exhibit.
type OpinionState struct {
	PartyID   string `json:"party_id"`
	PartyRole string `json:"party_role"`
	PartyName string `json:"party_name"`
	// State is "pending" (no opinion yet) or "recorded".
	State   string   `json:"state"`
	Current *Opinion `json:"current"`
}

// Marks of the judge on one point.
const (
	MarkDisputed   = "disputed"   // 有争议 (争议焦点)
	MarkUndisputed = "undisputed" // 无争议
	MarkUnmarked   = ""           // not marked
)

// DisputeInput is the judge's marking of an exhibit's points (民诉法解释
// Art. 226: the court sums up the points in dispute). Each point is
// "disputed", "undisputed" or "" (not marked).
type DisputeInput struct {
	Authenticity string `json:"authenticity"`
	Legality     string `json:"legality"`
	Relevance    string `json:"relevance"`
	Note         string `json:"note"`
}

// Dispute is the judge's current marks of an exhibit.
type Dispute struct {
	Version      int       `json:"version"`
	Authenticity string    `json:"authenticity"`
	Legality     string    `json:"legality"`
	Relevance    string    `json:"relevance"`
	Note         string    `json:"note"`
	MarkedBy     string    `json:"marked_by"`
	MarkedAt     time.Time `json:"marked_at"`
}

// Any reports whether some point is marked disputed.
func (d *Dispute) Any() bool {
	return d != nil && (d.Authenticity == MarkDisputed || d.Legality == MarkDisputed || d.Relevance == MarkDisputed)
}

// Exchange is an asynchronous evidence exchange (Online Litigation Rules
// Art. 14 para 3): from Start to End inclusive (court-local dates) each
// party logs in separately, sees the other side's exhibits and records its
// opinions.
type Exchange struct {
	ID         string        `json:"id"`
	CaseID     string        `json:"case_id"`
	Start      calendar.Date `json:"start"`
	End        calendar.Date `json:"end"`
	Note       string        `json:"note"`
	OpenedBy   string        `json:"opened_by"`
	OpenedAt   time.Time     `json:"opened_at"`
	ExtendedBy string        `json:"extended_by"`
	ExtendedAt *time.Time    `json:"extended_at"`
	// State is "upcoming", "open" or "closed" on the day it was read.
	State string `json:"state"`
}

func (e *Exchange) setState(today calendar.Date) {
	switch {
	case today.Before(e.Start):
		e.State = "upcoming"
	case today.After(e.End):
		e.State = "closed"
	default:
		e.State = "open"
	}
}

// ExchangeInput opens an exchange. Agreed is the judge's confirmation
// that every party chose the asynchronous way (Online Litigation Rules
// Art. 14 para 4: parties who agree to an online exchange but not on its
// way exchange synchronously; Art. 20 para 1: "经各方当事人同意").
type ExchangeInput struct {
	Start  calendar.Date `json:"start"`
	End    calendar.Date `json:"end"`
	Note   string        `json:"note"`
	Agreed bool          `json:"agreed"`
}

// Presentation is the exhibit currently shown in a hearing.
type Presentation struct {
	HearingID   string    `json:"hearing_id"`
	Exhibit     Exhibit   `json:"exhibit"`
	PresentedBy string    `json:"presented_by"`
	PresentedAt time.Time `json:"presented_at"`
}

// roleLabels are the labels that number exhibits (原告证据1 …).
var roleLabels = map[casefile.PartyRole]string{
	casefile.Plaintiff: "原告", casefile.Defendant: "被告", casefile.ThirdParty: "第三人", casefile.Applicant: "申请人",
	casefile.Respondent: "被申请人", casefile.Appellant: "上诉人", casefile.Appellee: "被上诉人", casefile.Creditor: "债权人",
	casefile.Debtor: "债务人", casefile.JudgmentCreditor: "申请执行人", casefile.JudgmentDebtor: "被执行人",
	casefile.Objector: "案外人",
}

// label returns the exhibit number shown in court. When several parties
// share a role the party's name is added (原告张三证据1).
func label(c casefile.Case, p casefile.Party, seq int) string {
	role := roleLabels[p.Role]
	if role == "" {
		role = "当事人"
	}
	n := 0
	for _, q := range c.Parties {
		if q.Role == p.Role {
			n++
		}
	}
	if n > 1 || role == "当事人" {
		role += p.Name
	}
	return role + "证据" + strconv.Itoa(seq)
}
