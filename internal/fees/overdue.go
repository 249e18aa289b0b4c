package fees

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// JobOverdue is the job kind of the per-bill overdue timer (WithJobs).
const JobOverdue = "fees.overdue"

// RegisterJobs registers the handler of JobOverdue on the app's job
// runner: it runs MarkOverdue for the time it runs at (idempotent, so a
// retried or duplicated job is harmless).
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobOverdue, func(ctx context.Context, j jobs.Job) error {
		_, err := s.MarkOverdue(ctx, s.clock().Now())
		return err
	})
}

// scheduleOverdue sets (or moves) the bill's overdue timer to the start of
// the day after its due date, China time.
func (s *Service) scheduleOverdue(ctx context.Context, tx *sqldb.Tx, b Bill) error {
	if !s.jobs {
		return nil
	}
	j := jobs.New(JobOverdue, b.ID, b.DueDate.Plus(1).Time(), map[string]string{"bill_id": b.ID})
	j.CourtID, j.CaseID = b.CourtID, b.CaseID
	return jobs.Schedule(ctx, tx, j)
}

// cancelOverdue cancels the bill's overdue timer, if any.
func (s *Service) cancelOverdue(ctx context.Context, tx *sqldb.Tx, b Bill) error {
	if !s.jobs {
		return nil
	}
	return jobs.Cancel(ctx, tx, JobOverdue, b.ID)
}

// overdueBatch bounds the bills marked in one transaction.
const overdueBatch = 100

// TimelineOverdue is the casefile timeline entry type of an overdue bill.
const TimelineOverdue = "fees.bill_overdue"

// MarkOverdue marks every bill still unpaid (unpaid, reduced or deferred)
// after its due date as of now (China-time date) overdue, and returns how
// many it marked. A bill with a pending judicial-aid application is left
// alone (Art. 22 para 4: non-payment counts only without aid or after aid
// is refused). Each mark writes the audit entry "fees.bill.overdue" and the
// event ecourt.fees.bill.overdue — the judge's task: whether to rule the
// case withdrawn (按撤诉处理) is the judge's decision (民诉法解释 Art. 213);
// the platform only flags it. The bill is then recorded on the case
// timeline (casefile AddEvent, type "fees.bill_overdue"); a timeline entry
// that failed is retried on the next run. The app calls MarkOverdue from a
// timer (daily is enough; it is idempotent).
func (s *Service) MarkOverdue(ctx context.Context, now time.Time) (int, error) {
	ctx = audit.WithActor(ctx, audit.Actor{UserID: "system:fees"})
	day := calendar.DateOf(now).String()
	marked := 0
	for {
		n := 0
		err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			n = 0
			bills, err := queryBills(ctx, tx, `SELECT `+billColumns+` FROM fees_bill b
				WHERE status IN (?, ?, ?) AND due_date < ?
				AND NOT EXISTS (SELECT 1 FROM fees_aid a WHERE a.court_id = b.court_id AND a.bill_id = b.id AND a.status = ?)
				ORDER BY due_date, id LIMIT ?`, Unpaid, Reduced, Deferred, day, AidPending, overdueBatch)
			if err != nil {
				return err
			}
			for _, b := range bills {
				if err := checkTransition(b.Status, Overdue); err != nil {
					return err
				}
				from := b.Status
				b.Status, b.UpdatedAt = Overdue, tx.Now
				if err := updateBill(ctx, tx, b); err != nil {
					return err
				}
				if err := audit.Append(ctx, tx, audit.Record{Action: "fees.bill.overdue", CourtID: b.CourtID, CaseID: b.CaseID, Target: b.ID,
					Detail: map[string]any{"from": from, "due_date": b.DueDate}}); err != nil {
					return err
				}
				if err := enqueue(ctx, tx, "ecourt.fees.bill.overdue", b, map[string]any{
					"bill_id": b.ID, "case_id": b.CaseID, "court_id": b.CourtID, "payer_party_id": b.PayerPartyID,
					"kind": b.Kind, "amount_fen": b.AmountFen, "due_date": b.DueDate,
					"rule": "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释第二百一十三条",
				}); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return marked, err
		}
		marked += n
		if n < overdueBatch {
			break
		}
	}
	return marked, s.flagTimelines(ctx)
}

// flagTimelines records every overdue bill not yet on its case's timeline.
func (s *Service) flagTimelines(ctx context.Context) error {
	bills, err := queryBills(ctx, s.db, `SELECT `+billColumns+` FROM fees_bill WHERE status = ? AND flagged = 0 ORDER BY due_date, id`, Overdue)
	if err != nil {
		return err
	}
	sys := casefile.AsSystem(ctx)
	for _, b := range bills {
		detail, _ := json.Marshal(struct {
			BillID    string        `json:"bill_id"`
			Kind      Kind          `json:"kind"`
			AmountFen money.Fen     `json:"amount_fen"`
			DueDate   calendar.Date `json:"due_date"`
		}{b.ID, b.Kind, b.AmountFen, b.DueDate})
		if _, err := s.cases.AddEvent(sys, b.CaseID, casefile.Event{Type: TimelineOverdue, Detail: detail}); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE fees_bill SET flagged = 1 WHERE court_id = ? AND id = ?`, b.CourtID, b.ID); err != nil {
			return err
		}
	}
	return nil
}
