package hearing

import (
	"context"
	"time"
)

// Mode is how a party (and its representatives) takes part in a hearing.
type Mode string

// The modes. A hearing is "mixed" when some parties are online and some
// offline.
const (
	Online  Mode = "online"
	Offline Mode = "offline"
	Mixed   Mode = "mixed"
)

// Status is the state of a hearing.
type Status string

// The hearing statuses: scheduled → open ⇄ recessed → closed; scheduled →
// cancelled.
const (
	Scheduled Status = "scheduled"
	Open      Status = "open"
	Recessed  Status = "recessed"
	Closed    Status = "closed"
	Cancelled Status = "cancelled"
)

// Kind is a participant's role in the hearing.
type Kind string

// The participant kinds.
const (
	KindPresiding Kind = "presiding"      // 审判长
	KindJudge     Kind = "judge"          // 审判员
	KindAssessor  Kind = "assessor"       // 人民陪审员
	KindClerk     Kind = "clerk"          // 书记员
	KindParty     Kind = "party"          // 原告、被告、第三人…
	KindRep       Kind = "representative" // 委托诉讼代理人
	KindWitness   Kind = "witness"        // 证人
	KindViewer    Kind = "viewer"         // the public livestream (never stored)
)

// staff reports whether k sits on the bench or at the clerk's desk.
func (k Kind) staff() bool {
	return k == KindPresiding || k == KindJudge || k == KindAssessor || k == KindClerk
}

// State is a participant's state in the room.
type State string

// The participant states: expected (not entered yet; absent if still so at
// the close) → waiting → admitted → left | technical_interruption |
// removed; left or removed → waiting on a new entry; technical_interruption
// → the place held before it (admitted, a witness outside, or waiting) on
// the new entry, without admission again (Online Litigation Rules Art. 25).
const (
	Expected     State = "expected"
	Waiting      State = "waiting"
	Admitted     State = "admitted"
	Left         State = "left"
	Interruption State = "technical_interruption"
	Removed      State = "removed"
	WitnessOut   State = "witness_out" // a witness kept out between testimonies (Art. 26)
	InConsult    State = "consulting"  // in a private consultation sub-room
)

// States lists the participant states.
var States = []State{Expected, Waiting, Admitted, Left, Interruption, Removed, WitnessOut, InConsult}

// Art. 21 grounds on which a hearing must not be held online.
const (
	ExclPartyObjection = "party_objection"       // (一) all parties object, or one with good reason
	ExclNoCapacity     = "no_technical_capacity" // (二)
	ExclInPerson       = "in_person_check"       // (三) identity, originals or objects must be checked in court
	ExclComplex        = "complex_evidence"      // (四)
	ExclStateSecurity  = "state_security"        // (五) national security, state secrets
	ExclMajorImpact    = "major_public_impact"   // (六)
	ExclOther          = "other"                 // (七)
)

// ExclusionGrounds lists the Online Litigation Rules Art. 21 grounds.
var ExclusionGrounds = []string{ExclPartyObjection, ExclNoCapacity, ExclInPerson, ExclComplex, ExclStateSecurity, ExclMajorImpact, ExclOther}

// Reasons a hearing is not public (CPL Art. 137).
const (
	PrivStateSecret = "state_secret"             // 国家秘密: never public
	PrivPrivacy     = "privacy"                  // 个人隐私: never public
	PrivMinor       = "minor"                    // 未成年人 (未成年人保护法 Art. 103/110): never public
	PrivDivorce     = "divorce_application"      // 离婚案件, on a party's application
	PrivTradeSecret = "trade_secret_application" // 商业秘密, on a party's application
	PrivOtherLaw    = "other_law"                // 法律另有规定
)

// PrivateReasons lists the CPL Art. 137 reasons for a hearing in private.
var PrivateReasons = []string{PrivStateSecret, PrivPrivacy, PrivMinor, PrivDivorce, PrivTradeSecret, PrivOtherLaw}

// NewHearing is the request to schedule a hearing.
type NewHearing struct {
	CaseID   string        `json:"-"`
	StartsAt time.Time     `json:"starts_at"`
	Duration time.Duration `json:"-"`
	// DurationMinutes is Duration in the JSON API.
	DurationMinutes int `json:"duration_minutes"`
	// Courtroom is required when any party is offline.
	Courtroom string `json:"courtroom"`
	// Modes asks for each party's mode by party ID; a party not named is
	// offline. Online needs the party's consent for the hearing stage
	// (Art. 4), and no Art. 21 exclusion.
	Modes map[string]Mode `json:"modes"`
	// JudgeIDs is the bench: with one judge a 独任审判员, with several the
	// first is the presiding judge (审判长).
	JudgeIDs    []string     `json:"judge_ids"`
	AssessorIDs []string     `json:"assessor_ids"`
	ClerkID     string       `json:"clerk_id"`
	Witnesses   []NewWitness `json:"witnesses"`
	Public      bool         `json:"public"`
	// PrivateReason is one of PrivateReasons, required when not Public.
	PrivateReason string `json:"private_reason"`
	// Exclusion is an Online Litigation Rules Art. 21 ground (ExclusionGrounds)
	// decided by the court; with one, nobody takes part online.
	Exclusion     string `json:"online_exclusion"`
	ExclusionNote string `json:"exclusion_note"`
}

// NewWitness is a witness called to the hearing; online witnesses must
// have a verified account (Art. 7).
type NewWitness struct {
	Name      string `json:"name"`
	AccountID string `json:"account_id"`
	PartyID   string `json:"party_id"` // the party who called them ("" when the court did)
	Mode      Mode   `json:"mode"`
}

// Hearing is a scheduled hearing with its participants.
type Hearing struct {
	ID            string     `json:"id"`
	CourtID       string     `json:"court_id"`
	CaseID        string     `json:"case_id"`
	CaseNumber    string     `json:"case_number"`
	Cause         string     `json:"cause"` // the case's 案由 when scheduled
	StartsAt      time.Time  `json:"starts_at"`
	EndsAt        time.Time  `json:"ends_at"`
	Courtroom     string     `json:"courtroom"`
	Mode          Mode       `json:"mode"`
	Public        bool       `json:"public"`
	PrivateReason string     `json:"private_reason"`
	Exclusion     string     `json:"online_exclusion"`
	ExclusionNote string     `json:"exclusion_note"`
	Status        Status     `json:"status"`
	Room          string     `json:"room"`
	CancelReason  string     `json:"cancel_reason"`
	OpenedAt      *time.Time `json:"opened_at,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	Seq           int        `json:"seq"`
	// EventSeq is the number of the last entry of the control record,
	// which is the ID of the last room event (see RoomChange.Seq).
	EventSeq     int64         `json:"event_seq"`
	CreatedBy    string        `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Participants []Participant `json:"participants"`
}

// Participant is one person of the hearing. Identity is the video identity
// (stable for the hearing); Seat is the seat label shown in the room
// (Art. 24), in Chinese as the courtroom shows it.
type Participant struct {
	Identity   string     `json:"identity"`
	Kind       Kind       `json:"kind"`
	Seat       string     `json:"seat"`
	AccountID  string     `json:"account_id"`
	PartyID    string     `json:"party_id"`
	Name       string     `json:"name"`
	Mode       Mode       `json:"mode"`
	ModeReason string     `json:"mode_reason"`
	Moderator  bool       `json:"moderator"`
	State      State      `json:"state"`
	AudioOnly  bool       `json:"audio_only"`
	Consult    string     `json:"consult"`
	EnteredAt  *time.Time `json:"entered_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Action is one entry of a hearing's control record (opened, admitted,
// witness in…), time-stamped for the 笔录.
type Action struct {
	ID string `json:"id"`
	// Seq is the entry's place in the hearing's record (1, 2, 3…), the ID
	// of its room event.
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Action  string    `json:"action"`
	Target  string    `json:"target"`
	Detail  string    `json:"detail"`
}

// Perms are a participant's media permissions in a room.
type Perms struct {
	Publish   bool // may publish tracks
	Subscribe bool // may receive the others' tracks
	// AudioOnly limits publishing to the microphone (and the client stops
	// receiving video).
	AudioOnly bool
	// Admin lets the holder use the room's administrative API from the
	// client (moderators).
	Admin bool
	// Hidden keeps the participant out of the others' lists (the public
	// livestream viewer).
	Hidden bool
}

// TokenRequest asks for a join token of one participant.
type TokenRequest struct {
	Room     string
	Identity string
	Name     string
	// Metadata is JSON with kind, seat and moderator, for the page to label
	// tiles.
	Metadata string
	Perms    Perms
	TTL      time.Duration
}

// Rooms is what the hearing context needs from the video service; the app
// adapts internal/video (LiveKit RoomService and access tokens) to it.
// Every method must be idempotent, and Admit, Hold, Mute and Remove must
// succeed (doing nothing) when the participant is not connected at the
// moment: the next token issued by Enter carries the current permissions.
type Rooms interface {
	// URL is the WebSocket URL browsers connect to.
	URL() string
	// CreateRoom creates the room if it does not exist.
	CreateRoom(ctx context.Context, room string) error
	// DeleteRoom ends the room and disconnects everyone in it.
	DeleteRoom(ctx context.Context, room string) error
	// Token returns a signed join token.
	Token(ctx context.Context, req TokenRequest) (string, error)
	// Admit sets a connected participant's permissions to p.
	Admit(ctx context.Context, room, identity string, p Perms) error
	// Hold takes every permission from a participant (waiting room,
	// witness out, consultation): they neither publish nor receive.
	Hold(ctx context.Context, room, identity string) error
	// Mute mutes (or unmutes) the participant's microphone track.
	Mute(ctx context.Context, room, identity string, muted bool) error
	// Remove disconnects the participant from the room.
	Remove(ctx context.Context, room, identity string) error
}
