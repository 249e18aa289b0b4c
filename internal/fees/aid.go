package fees

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// AidForm is the form of judicial aid (司法救助, Art. 44) applied for.
type AidForm string

// The aid forms.
const (
	AidDefer  AidForm = "defer"  // 缓交, Art. 47
	AidReduce AidForm = "reduce" // 减交, Art. 46
	AidWaive  AidForm = "waive"  // 免交, Art. 45 (natural persons only, Art. 44)
)

// AidForms lists the forms.
var AidForms = []AidForm{AidDefer, AidReduce, AidWaive}

// AidStatus is the state of an aid application.
type AidStatus string

// The aid statuses.
const (
	AidPending  AidStatus = "pending"
	AidApproved AidStatus = "approved"
	AidRefused  AidStatus = "refused"
)

// Aid is an application for judicial aid on a bill and its decision.
// Attachments are blob SHA-256 hashes of the supporting evidence (Art. 48).
type Aid struct {
	ID             string        `json:"id"`
	BillID         string        `json:"bill_id"`
	CaseID         string        `json:"case_id"`
	CourtID        string        `json:"court_id"`
	ApplicantID    string        `json:"applicant_id"`
	Form           AidForm       `json:"form"`
	Reason         string        `json:"reason"`
	Attachments    []string      `json:"attachments"`
	Status         AidStatus     `json:"status"`
	DecidedBy      string        `json:"decided_by,omitempty"`
	DecisionReason string        `json:"decision_reason,omitempty"`
	NewAmountFen   money.Fen     `json:"new_amount_fen"`
	NewDueDate     calendar.Date `json:"new_due_date,omitzero"`
	CreatedAt      time.Time     `json:"created_at"`
	DecidedAt      *time.Time    `json:"decided_at,omitempty"`
}

// NewAid is an application for aid.
type NewAid struct {
	Form        AidForm  `json:"form"`
	Reason      string   `json:"reason"`
	Attachments []string `json:"attachments"`
}

// AidDecision decides an application. Approving a deferral needs
// NewDueDate (after the current due date); a reduction NewAmountFen (at
// least 30% less than the amount due, Art. 46, and more than zero) and
// optionally NewDueDate; a waiver nothing. Refusing needs Reason (Art. 48
// para 3: reasons in writing).
type AidDecision struct {
	Approve      bool          `json:"approve"`
	NewAmountFen money.Fen     `json:"new_amount_fen"`
	NewDueDate   calendar.Date `json:"new_due_date,omitzero"`
	Reason       string        `json:"reason"`
}

// aidRoles decide aid applications.
var aidRoles = []auth.Role{auth.Judge, auth.FilingOfficer}

// ApplyAid files an application for judicial aid on a bill. Only the payer
// or the payer party's representative may apply, only while the bill is
// payable and has no pending application. A waiver is for natural persons
// only (Art. 44). While the application is pending the bill is not marked
// overdue. Writes the audit entry "fees.aid.apply" and the event
// ecourt.fees.aid.applied. Errors: unauthenticated; not_found; forbidden;
// conflict "fees.error.aid_pending" or "fees.error.not_payable"; invalid
// fields (form, reason, attachments).
func (s *Service) ApplyAid(ctx context.Context, billID string, na NewAid) (Aid, error) {
	b, st, err := s.readBill(ctx, billID, true)
	if err != nil {
		return Aid{}, err
	}
	var v errs.Collector
	if !slices.Contains(AidForms, na.Form) {
		v.AddField(fieldErr("form", "aid_form"))
	} else if na.Form == AidWaive {
		if pt, ok := st.c.Party(b.PayerPartyID); ok && pt.Kind != casefile.Person {
			v.AddField(fieldErr("form", "waive_person_only"))
		}
	}
	if na.Reason == "" {
		v.Add("reason", "required")
	} else if utf8.RuneCountInString(na.Reason) > 2000 {
		v.Add("reason", "too_long", 2000)
	}
	if len(na.Attachments) > 20 {
		v.AddField(fieldErr("attachments", "too_many"))
	}
	for i, h := range na.Attachments {
		if !blob.ValidHash(h) {
			v.AddField(fieldErr("attachments", "blob_ref"))
			break
		}
		if s.blobs != nil {
			if _, err := s.blobs.Stat(ctx, h); err != nil {
				v.AddField(fieldErr("attachments", "blob_missing"))
				break
			}
		}
		_ = i
	}
	if err := v.Err(); err != nil {
		return Aid{}, err
	}
	if na.Attachments == nil {
		na.Attachments = []string{}
	}
	a := Aid{ID: ids.New(), BillID: b.ID, CaseID: b.CaseID, CourtID: b.CourtID, ApplicantID: audit.ActorFrom(ctx).UserID,
		Form: na.Form, Reason: na.Reason, Attachments: na.Attachments, Status: AidPending}
	if p, ok := auth.From(ctx); ok {
		a.ApplicantID = p.UserID
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		b, err := lockBill(ctx, tx, b.CourtID, b.ID)
		if err != nil {
			return err
		}
		if !slices.Contains(payable, b.Status) {
			return errs.New(errs.Conflict, "fees.error.not_payable")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM fees_aid WHERE court_id = ? AND bill_id = ? AND status = ?`,
			b.CourtID, b.ID, AidPending).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, "fees.error.aid_pending")
		}
		a.CreatedAt = tx.Now
		att, _ := json.Marshal(a.Attachments)
		if _, err := tx.Exec(ctx, `INSERT INTO fees_aid (court_id, id, bill_id, case_id, applicant_id, form, reason, attachments,
			status, decided_by, decision_reason, new_amount_fen, new_due_date, created_at, decided_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, '', ?, NULL)`,
			a.CourtID, a.ID, a.BillID, a.CaseID, a.ApplicantID, a.Form, a.Reason, string(att), a.Status, a.CreatedAt); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "fees.aid.apply", CourtID: b.CourtID, CaseID: b.CaseID, Target: a.ID,
			Detail: map[string]any{"bill_id": b.ID, "form": a.Form, "attachments": len(a.Attachments)}}); err != nil {
			return err
		}
		return enqueue(ctx, tx, "ecourt.fees.aid.applied", b, map[string]any{
			"aid_id": a.ID, "bill_id": b.ID, "case_id": b.CaseID, "court_id": b.CourtID, "form": a.Form})
	})
	if err != nil {
		return Aid{}, err
	}
	return a, nil
}

// DecideAid decides a pending aid application; the caller must be a judge
// or filing officer of the bill's court. Approval changes the bill:
// deferral → status deferred with the new due date; reduction → status
// reduced with the new amount (and due date, if given); waiver → status
// waived. Refusal leaves the bill as it was (if its due date has passed the
// next MarkOverdue flags it). Writes the audit entry "fees.aid.decide" and
// the event ecourt.fees.aid.decided. Errors: unauthenticated; not_found;
// forbidden; conflict "fees.error.aid_decided" for an application already
// decided; invalid fields (new_due_date, new_amount_fen, reason).
func (s *Service) DecideAid(ctx context.Context, aidID string, d AidDecision) (Aid, error) {
	if _, err := auth.Require(ctx); err != nil {
		return Aid{}, err
	}
	a, err := loadAid(ctx, s.db, aidID)
	if err != nil {
		return Aid{}, err
	}
	p, err := auth.RequireRole(ctx, a.CourtID, aidRoles...)
	if err != nil {
		return Aid{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		b, err := lockBill(ctx, tx, a.CourtID, a.BillID)
		if err != nil {
			return err
		}
		cur, err := loadAid(ctx, tx, aidID)
		if err != nil {
			return err
		}
		if cur.Status != AidPending {
			return errs.New(errs.Conflict, "fees.error.aid_decided")
		}
		a = cur
		var v errs.Collector
		if utf8.RuneCountInString(d.Reason) > 2000 {
			v.Add("reason", "too_long", 2000)
		}
		today := calendar.DateOf(tx.Now)
		checkDue := func(required bool) {
			switch {
			case d.NewDueDate == (calendar.Date{}):
				if required {
					v.Add("new_due_date", "required")
				}
			case !d.NewDueDate.Valid() || !d.NewDueDate.After(b.DueDate) || !d.NewDueDate.After(today):
				v.AddField(fieldErr("new_due_date", "later_due_date"))
			}
		}
		to := b.Status
		if !d.Approve {
			if d.Reason == "" {
				v.Add("reason", "required")
			}
		} else {
			switch a.Form {
			case AidDefer:
				checkDue(true)
				to = Deferred
			case AidReduce:
				// Art. 46: the reduction is at least 30%.
				if d.NewAmountFen <= 0 || d.NewAmountFen > money.MulRate(b.AmountFen, 7, 10) {
					v.AddField(fieldErr("new_amount_fen", "reduction_30"))
				}
				checkDue(false)
				to = Reduced
			case AidWaive:
				to = Waived
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if d.Approve {
			if !slices.Contains(payable, b.Status) {
				return errs.New(errs.Conflict, "fees.error.not_payable")
			}
			if err := checkTransition(b.Status, to); err != nil {
				return err
			}
			switch a.Form {
			case AidReduce:
				b.AmountFen = d.NewAmountFen
				a.NewAmountFen = d.NewAmountFen
			case AidWaive:
				b.AmountFen = 0
			}
			if d.NewDueDate != (calendar.Date{}) {
				b.DueDate, a.NewDueDate = d.NewDueDate, d.NewDueDate
			}
			b.Status, b.UpdatedAt = to, tx.Now
			if err := updateBill(ctx, tx, b); err != nil {
				return err
			}
			timer := s.scheduleOverdue
			if to == Waived {
				timer = s.cancelOverdue
			}
			if err := timer(ctx, tx, b); err != nil {
				return err
			}
			a.Status = AidApproved
		} else {
			a.Status = AidRefused
		}
		now := tx.Now
		a.DecidedBy, a.DecisionReason, a.DecidedAt = p.UserID, d.Reason, &now
		due := ""
		if a.NewDueDate != (calendar.Date{}) {
			due = a.NewDueDate.String()
		}
		if _, err := tx.Exec(ctx, `UPDATE fees_aid SET status = ?, decided_by = ?, decision_reason = ?, new_amount_fen = ?,
			new_due_date = ?, decided_at = ? WHERE court_id = ? AND id = ?`,
			a.Status, a.DecidedBy, a.DecisionReason, a.NewAmountFen, due, now, a.CourtID, a.ID); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "fees.aid.decide", CourtID: b.CourtID, CaseID: b.CaseID, Target: a.ID,
			Detail: map[string]any{"bill_id": b.ID, "form": a.Form, "status": a.Status, "bill_status": b.Status}}); err != nil {
			return err
		}
		return enqueue(ctx, tx, "ecourt.fees.aid.decided", b, map[string]any{
			"aid_id": a.ID, "bill_id": b.ID, "case_id": b.CaseID, "court_id": b.CourtID, "form": a.Form,
			"approved": a.Status == AidApproved, "bill_status": b.Status, "amount_fen": b.AmountFen, "due_date": b.DueDate})
	})
	if err != nil {
		return Aid{}, err
	}
	return a, nil
}

// ListAid returns the aid applications of a bill the caller may see.
func (s *Service) ListAid(ctx context.Context, billID string) ([]Aid, error) {
	b, _, err := s.readBill(ctx, billID, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+aidColumns+` FROM fees_aid WHERE court_id = ? AND bill_id = ? ORDER BY created_at, id`, b.CourtID, b.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Aid{}
	for rows.Next() {
		a, err := scanAid(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const aidColumns = `court_id, id, bill_id, case_id, applicant_id, form, reason, attachments, status, decided_by,
	decision_reason, new_amount_fen, new_due_date, created_at, decided_at`

func scanAid(r scanner) (Aid, error) {
	var a Aid
	var att, due string
	var decided sql.NullTime
	err := r.Scan(&a.CourtID, &a.ID, &a.BillID, &a.CaseID, &a.ApplicantID, &a.Form, &a.Reason, &att, &a.Status, &a.DecidedBy,
		&a.DecisionReason, &a.NewAmountFen, &due, &a.CreatedAt, &decided)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return Aid{}, errs.New(errs.NotFound, "fees.error.aid_not_found")
		}
		return Aid{}, err
	}
	if err := json.Unmarshal([]byte(att), &a.Attachments); err != nil {
		return Aid{}, err
	}
	if due != "" {
		if a.NewDueDate, err = calendar.ParseDate(due); err != nil {
			return Aid{}, err
		}
	}
	a.CreatedAt = a.CreatedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		a.DecidedAt = &t
	}
	return a, nil
}

func loadAid(ctx context.Context, q sqldb.Querier, id string) (Aid, error) {
	return scanAid(q.QueryRow(ctx, `SELECT `+aidColumns+` FROM fees_aid WHERE id = ?`, id))
}
