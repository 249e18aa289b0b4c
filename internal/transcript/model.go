package transcript

import "time"

// State is the state of a record: open (the clerk writes) → signing (the
// participants check and sign; no writing) → final (all signed or their
// refusals recorded). Reopen takes signing back to open.
type State string

// The states of a record.
const (
	Open    State = "open"
	Signing State = "signing"
	Final   State = "final"
)

// transitions is the table of allowed state changes.
var transitions = map[State][]State{
	Open:    {Signing},
	Signing: {Open, Final},
}

// EntryKind is what an entry is: something said (speech) or a session
// mark from the hearing context.
type EntryKind string

// The entry kinds.
const (
	Speech EntryKind = "speech"
	Marked EntryKind = "mark"
)

// MarkKind is a session mark (the hearing context calls Mark).
type MarkKind string

// The session marks.
const (
	MarkOpen   MarkKind = "open"   // 开庭
	MarkRecess MarkKind = "recess" // 休庭
	MarkResume MarkKind = "resume" // 继续开庭
	MarkClose  MarkKind = "close"  // 闭庭
)

// markText is the printed text of each mark.
var markText = map[MarkKind]string{MarkOpen: "开庭", MarkRecess: "休庭", MarkResume: "继续开庭", MarkClose: "闭庭"}

// Valid reports whether k is a known mark.
func (k MarkKind) Valid() bool { _, ok := markText[k]; return ok }

// SignerState is where a signer stands in the current signing round.
type SignerState string

// The signer states.
const (
	Pending  SignerState = "pending"
	Signed   SignerState = "signed"
	Objected SignerState = "objected" // objected and has not signed (yet)
	Refused  SignerState = "refused"  // the clerk recorded a refusal (CPL Art. 150 para 3)
)

// Limits of the input.
const (
	MaxSpeaker   = 40
	MaxText      = 10000
	MaxReason    = 1000
	MaxSigners   = 30
	MaxAudio     = 25 << 20 // the usual limit of OpenAI-compatible endpoints
	purposeStart = "transcript.sign:"
)

// Record is the record of one hearing.
type Record struct {
	HearingID string `json:"hearing_id"`
	CaseID    string `json:"case_id"`
	CourtID   string `json:"court_id"`
	// CaseNumber is the case's 案号 (filled by Find).
	CaseNumber string `json:"case_number"`
	Place      string `json:"place"`
	Mode       string `json:"mode,omitempty"`
	State      State  `json:"state"`
	// Round counts the times the record was closed for signing; signatures
	// of an earlier round are void.
	Round int `json:"round"`
	// Version grows with every change; the live page re-reads when it sees
	// a newer one.
	Version    int          `json:"version"`
	Entries    []Entry      `json:"entries"`
	Signers    []Signer     `json:"signers"`
	Objections []Objection  `json:"objections"`
	Document   *DocumentRef `json:"document,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	FinalAt    *time.Time   `json:"final_at,omitempty"`
	// Viewer-specific: whether the caller may write, and the caller's own
	// place among the signers ("" when not a signer).
	CanWrite    bool        `json:"can_write"`
	MyState     SignerState `json:"my_state,omitempty"`
	Transcriber bool        `json:"transcriber"`
}

// Entry is one entry of the record. A deleted entry stays, marked, with its
// history; pages strike it through.
type Entry struct {
	ID        string    `json:"id"`
	Seq       int       `json:"seq"`
	Kind      EntryKind `json:"kind"`
	Speaker   string    `json:"speaker,omitempty"`
	Text      string    `json:"text"` // for a mark, the MarkKind
	At        time.Time `json:"at"`
	Revision  int       `json:"revision"`
	Deleted   bool      `json:"deleted"`
	CreatedBy string    `json:"created_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Revision is one version of an entry: what it said after the action,
// who did it and when. Revisions are append-only.
type Revision struct {
	Revision int       `json:"revision"`
	Action   string    `json:"action"` // create, edit, delete
	Speaker  string    `json:"speaker,omitempty"`
	Text     string    `json:"text"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Signer is one participant who must confirm the record in the current
// round.
type Signer struct {
	AccountID  string      `json:"account_id"`
	Role       string      `json:"role"`
	Name       string      `json:"name"`
	State      SignerState `json:"state"`
	SignedAt   *time.Time  `json:"signed_at,omitempty"`
	Reason     string      `json:"reason,omitempty"`
	RecordedBy string      `json:"recorded_by,omitempty"`
}

// Objection is a participant's application to correct the record (CPL
// Art. 150 para 2), kept with the record whatever the clerk does with it.
type Objection struct {
	ID        string    `json:"id"`
	Round     int       `json:"round"`
	AccountID string    `json:"account_id"`
	Role      string    `json:"role"`
	Name      string    `json:"name"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

// StartRequest opens the record of a hearing.
type StartRequest struct {
	HearingID string `json:"hearing_id"`
	CaseID    string `json:"case_id"`
	Place     string `json:"place"` // 本院第三法庭, 互联网法庭 …
	Mode      string `json:"mode"`  // 在线庭审, 线上线下结合 … ("" prints nothing)
}

// NewEntry is an entry the clerk adds. At defaults to now.
type NewEntry struct {
	Speaker string     `json:"speaker"`
	Text    string     `json:"text"`
	At      *time.Time `json:"at,omitempty"`
}

// EntryEdit replaces an entry's speaker and text.
type EntryEdit struct {
	Speaker string `json:"speaker"`
	Text    string `json:"text"`
}

// SignerSpec names one participant who must sign: the account (which
// receives the code), the role as printed (审判长, 原告, 被告委托诉讼代理人,
// 书记员 …) and the name. Judges (审判长, 审判员, 人民陪审员) and clerks
// (书记员) also sign the printed record's 落款 (CPL Art. 150 para 1).
type SignerSpec struct {
	AccountID string `json:"account_id"`
	Role      string `json:"role"`
	Name      string `json:"name"`
}

// Key is the message key of the state's label.
func (s State) Key() string { return "transcript.state." + string(s) }

// Key is the message key of the signer state's label.
func (s SignerState) Key() string { return "transcript.signer." + string(s) }

// Key is the message key of the mark's label.
func (k MarkKind) Key() string { return "transcript.mark." + string(k) }

// MarkKey is the message key of a session mark's label ("" for speech).
func (e Entry) MarkKey() string {
	if e.Kind != Marked {
		return ""
	}
	return MarkKind(e.Text).Key()
}

// States, SignerStates and MarkKinds list the values, for catalogue checks.
var (
	States       = []State{Open, Signing, Final}
	SignerStates = []SignerState{Pending, Signed, Objected, Refused}
	MarkKinds    = []MarkKind{MarkOpen, MarkRecess, MarkResume, MarkClose}
)
