package filing

import (
	"context"
	_ "embed"
	"encoding/json"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Status is where an application stands.
type Status string

// The statuses. draft → submitted → (correction_requested → resubmitted)*
// → accepted | rejected | registered_by_default.
const (
	Draft               Status = "draft"
	Submitted           Status = "submitted"
	CorrectionRequested Status = "correction_requested"
	Resubmitted         Status = "resubmitted"
	Accepted            Status = "accepted"
	Rejected            Status = "rejected"
	RegisteredByDefault Status = "registered_by_default"
)

// Statuses lists every status in order.
var Statuses = []Status{Draft, Submitted, CorrectionRequested, Resubmitted, Accepted, Rejected, RegisteredByDefault}

// transitions is the state machine: the statuses each status may move to.
// A correction stops the clock; a rejection may follow a correction that
// was not completed (Online Litigation Rules Art. 9(三)).
var transitions = map[Status][]Status{
	Draft:               {Submitted},
	Submitted:           {CorrectionRequested, Accepted, Rejected, RegisteredByDefault},
	CorrectionRequested: {Resubmitted, Rejected},
	Resubmitted:         {CorrectionRequested, Accepted, Rejected, RegisteredByDefault},
}

// eventOf names the outbox event of entering a status.
var eventOf = map[Status]string{
	Submitted:           "ecourt.filing.application.submitted",
	CorrectionRequested: "ecourt.filing.application.correction_requested",
	Resubmitted:         "ecourt.filing.application.corrected",
	Accepted:            "ecourt.filing.application.accepted",
	Rejected:            "ecourt.filing.application.rejected",
	RegisteredByDefault: "ecourt.filing.application.registered_by_default",
}

// CanMove reports whether the state machine allows from → to.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Pending reports whether the court still has to decide (the clock runs).
func (s Status) Pending() bool { return s == Submitted || s == Resubmitted }

// Editable reports whether the filer may change the application.
func (s Status) Editable() bool { return s == Draft || s == CorrectionRequested }

// Decided reports whether the application has reached a final status.
func (s Status) Decided() bool { return s == Accepted || s == Rejected || s == RegisteredByDefault }

// FiledAs is the filer's standing.
type FiledAs string

// The standings.
const (
	AsSelf     FiledAs = "self"     // the plaintiff files for themself
	AsLawyer   FiledAs = "lawyer"   // a lawyer for a client, under a power of attorney
	AsAgent    FiledAs = "agent"    // another agent (公民代理 …), under a power of attorney
	AsAssisted FiledAs = "assisted" // a clerk or shared-court director for a person offline
)

// FiledAsValues lists the standings a filer may choose (assisted is set by
// CreateAssisted).
var FiledAsValues = []FiledAs{AsSelf, AsLawyer, AsAgent}

// Party is one party of the complaint, in the API's form (complaint.Party
// with the birth date as "YYYY-MM-DD"). Role is plaintiff, defendant or
// third_party; Kind person or organisation; Sex "M" or "F".
type Party struct {
	Role          string `json:"role"`
	Kind          string `json:"kind"`
	Name          string `json:"name"`
	Sex           string `json:"sex"`
	Ethnicity     string `json:"ethnicity"`
	BirthDate     string `json:"birth_date"`
	Occupation    string `json:"occupation"`
	Employer      string `json:"employer"`
	IDType        string `json:"id_type"`
	IDNumber      string `json:"id_number"`
	Address       string `json:"address"`
	Phone         string `json:"phone"`
	LegalRep      string `json:"legal_rep"`       // an organisation's 法定代表人, a minor's 法定代理人
	LegalRepTitle string `json:"legal_rep_title"` // 职务, or the relation of a 法定代理人
}

// Representative is the lawyer or agent who files for a client. Client is
// the index in Parties of the party represented (a plaintiff).
type Representative struct {
	Name      string `json:"name"`
	LicenceNo string `json:"licence_no"`
	Firm      string `json:"firm"`
	Phone     string `json:"phone"`
	Client    int    `json:"client"`
}

// Assisted records an assisted filing: who filed at the counter, how the
// person's identity was checked, and how they consented.
type Assisted struct {
	ClerkID    string    `json:"clerk_id"`
	PersonName string    `json:"person_name"`
	IDType     string    `json:"id_type"`
	IDNumber   string    `json:"id_number"`
	Consent    bool      `json:"consent"`
	ConsentHow string    `json:"consent_how"` // written (signed paper, scanned) or oral (before the clerk)
	CheckedAt  time.Time `json:"checked_at"`
}

// Consent methods of an assisted filing.
const (
	ConsentWritten = "written"
	ConsentOral    = "oral"
)

// Application is one filing. Its JSON form is the API representation.
type Application struct {
	ID              string            `json:"id"`
	CourtID         string            `json:"court_id"`
	AccountID       string            `json:"account_id"`
	FiledAs         FiledAs           `json:"filed_as"`
	ClientAccountID string            `json:"client_account_id"`
	TemplateID      string            `json:"template_id"`
	TemplateVersion string            `json:"template_version"`
	Cause           string            `json:"cause"`
	Answers         map[string]string `json:"answers"`
	Parties         []Party           `json:"parties"`
	Representative  *Representative   `json:"representative"`
	Assisted        *Assisted         `json:"assisted"`
	Status          Status            `json:"status"`
	ClaimTotalFen   int64             `json:"claim_total_fen"`
	SubmittedAt     *time.Time        `json:"submitted_at"`
	Clock           *Clock            `json:"clock"`
	Corrections     int               `json:"corrections"`
	DecidedAt       *time.Time        `json:"decided_at"`
	Procedure       string            `json:"procedure"`
	RejectReason    string            `json:"reject_reason"`
	Accepting       bool              `json:"accepting"`
	CaseID          string            `json:"case_id"`
	CaseNumber      string            `json:"case_number"`
	Evidence        []Evidence        `json:"evidence"`
	Notices         []Notice          `json:"notices"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`

	decidedBy     string
	periodStart   calendar.Date
	deadline      calendar.Date
	acceptStarted *time.Time
	acceptKind    Status
}

// Notice is a correction notice (补正通知): every deficiency at once, with
// the date by which to complete it.
type Notice struct {
	ID          string     `json:"id"`
	Items       []string   `json:"items"`
	Note        string     `json:"note"`
	Due         string     `json:"due"`
	RequestedAt time.Time  `json:"requested_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// Event is one entry of an application's timeline.
type Event struct {
	Type    string          `json:"type"`
	At      time.Time       `json:"at"`
	ActorID string          `json:"actor_id"`
	Detail  json.RawMessage `json:"detail"`
}

// transition moves a to status to inside tx after checking the state
// machine, and writes the outbox event (payload), the timeline entry and the
// audit entry "filing.application.<to>". The caller has already updated the
// other columns of the row; transition sets status and updated_at with a
// compare-and-set on the old status, so a concurrent change makes it fail
// with errs.Conflict.
func (s *Service) transition(ctx context.Context, tx *sqldb.Tx, a *Application, to Status, payload any, detail map[string]any) error {
	rec, err := s.move(ctx, tx, a, to, columns{}, payload, detail)
	if err != nil {
		return err
	}
	return audit.Append(ctx, tx, rec)
}

// columns are more columns a transition sets in its own UPDATE: set is
// "col = ?, …" (with a trailing comma omitted), args its arguments.
type columns struct {
	set  string
	args []any
}

// move is transition without the audit entry, which it returns for the
// caller to append (with others: audit.AppendAll); more columns of the row
// are written by the same statement.
func (s *Service) move(ctx context.Context, tx *sqldb.Tx, a *Application, to Status, more columns, payload any, detail map[string]any) (audit.Record, error) {
	from := a.Status
	if !CanMove(from, to) {
		return audit.Record{}, errs.New(errs.Conflict, "filing.error.transition", string(from), string(to))
	}
	q := `UPDATE filing_application SET status = ?, updated_at = ? WHERE court_id = ? AND id = ? AND status = ?`
	args := []any{to, tx.Now, a.CourtID, a.ID, from}
	if more.set != "" {
		q = `UPDATE filing_application SET ` + more.set + `, status = ?, updated_at = ? WHERE court_id = ? AND id = ? AND status = ?`
		args = append(append([]any{}, more.args...), args...)
	}
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return audit.Record{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return audit.Record{}, errs.New(errs.Conflict, "filing.error.changed")
	}
	a.Status, a.UpdatedAt = to, tx.Now
	if payload == nil {
		payload = map[string]any{"application_id": a.ID, "court_id": a.CourtID, "status": to}
	}
	if err := s.enqueue(ctx, tx, a, eventOf[to], payload); err != nil {
		return audit.Record{}, err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["from"] = from
	if err := addEvent(ctx, tx, a, string(to), detail); err != nil {
		return audit.Record{}, err
	}
	return audit.Record{Action: "filing.application." + string(to), CourtID: a.CourtID,
		CaseID: a.CaseID, Target: a.ID, Detail: detail}, nil
}

// EventEvidenceAdded is published for every evidence file added to an
// application, with its SHA-256 (payload: evidence_id, application_id,
// court_id, sha256, size).
const EventEvidenceAdded = "ecourt.filing.evidence.added"

// enqueue writes a filing event to the outbox in tx.
func (s *Service) enqueue(ctx context.Context, tx *sqldb.Tx, a *Application, typ string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID = a.CourtID, a.CaseID
	ev.Actor = audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}

// addEvent appends a timeline entry.
func addEvent(ctx context.Context, tx *sqldb.Tx, a *Application, typ string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO filing_event (court_id, id, application_id, type, at, actor_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.CourtID, ids.New(), a.ID, typ, tx.Now, audit.ActorFrom(ctx).UserID, string(b))
	return err
}
