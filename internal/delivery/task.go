package delivery

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Task kinds.
const (
	// TaskFallback: serve by other means (the Options), because electronic
	// service was not lawful (Reason: a refusal code) or every channel
	// failed (Reason "all_failed"). Closed by RecordFallback, or by itself
	// when a resend succeeds.
	TaskFallback = "fallback"
	// TaskPaperCopy: send the recipient a paper copy of a judgment, ruling
	// or mediation document served electronically (CPL Art. 90 para 1).
	// Closed by CloseTask.
	TaskPaperCopy = "paper_copy"
)

// Task states.
const (
	TaskOpen = "open"
	TaskDone = "done"
)

// ReasonAllFailed is the reason of a fallback task opened because every
// channel of the electronic attempts failed.
const ReasonAllFailed = "all_failed"

// Task is a to-do for the clerk of the case (AssigneeID; "" when the case
// has no clerk yet: every case-handling staff member of the court sees it).
type Task struct {
	ID         string     `json:"id"`
	CourtID    string     `json:"court_id"`
	CaseID     string     `json:"case_id"`
	ServiceID  string     `json:"service_id"`
	Kind       string     `json:"kind"`
	Reason     string     `json:"reason"`
	Options    []Method   `json:"options"`
	AssigneeID string     `json:"assignee_id"`
	Status     string     `json:"status"`
	Outcome    string     `json:"outcome,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	ClosedBy   string     `json:"closed_by,omitempty"`
	// DocumentTitle and RecipientName are filled by the list methods.
	DocumentTitle string `json:"document_title,omitempty"`
	RecipientName string `json:"recipient_name,omitempty"`
}

// fallbackOptions returns the fallback methods open for a document in a
// case: 留置送达 is not used for a mediation document (民诉法解释 Art. 133:
// 调解书应当直接送达当事人本人，不适用留置送达), and 公告送达 not in simplified
// procedure, small claims included (民诉法解释 Art. 140).
func fallbackOptions(kind DocumentKind, proc casefile.Procedure) []Method {
	out := make([]Method, 0, len(Fallbacks))
	for _, m := range Fallbacks {
		if m == LeftAtPlace && kind == DocMediation {
			continue
		}
		if m == Announcement && (proc == casefile.Simplified || proc == casefile.SmallClaims) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// openFallbackTask opens a fallback task for r unless one is open, and
// enqueues ecourt.delivery.task.created.
func openTask(ctx context.Context, tx *sqldb.Tx, r Record, kind, reason string, options []Method, assignee string) (Task, error) {
	open, err := openTasksOf(ctx, tx, r.CourtID, r.ID, kind)
	if err != nil {
		return Task{}, err
	}
	if len(open) > 0 {
		return open[0], nil
	}
	t := Task{ID: ids.New(), CourtID: r.CourtID, CaseID: r.CaseID, ServiceID: r.ID, Kind: kind, Reason: reason,
		Options: options, AssigneeID: assignee, Status: TaskOpen, CreatedAt: tx.Now}
	if t.Options == nil {
		t.Options = []Method{}
	}
	if err := insertTask(ctx, tx, t); err != nil {
		return Task{}, err
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.task.open", CourtID: r.CourtID, CaseID: r.CaseID, Target: t.ID,
		Detail: map[string]any{"service_id": r.ID, "kind": kind, "reason": reason, "options": t.Options}}); err != nil {
		return Task{}, err
	}
	return t, enqueue(ctx, tx, "ecourt.delivery.task.created", r.CourtID, r.CaseID, map[string]any{
		"task_id": t.ID, "service_id": r.ID, "case_id": r.CaseID, "kind": kind, "reason": reason,
		"options": t.Options, "assignee_id": assignee})
}

// closeOpenTasks closes every open task of kind for r with outcome.
func closeOpenTasks(ctx context.Context, tx *sqldb.Tx, r Record, kind, outcome string) error {
	open, err := openTasksOf(ctx, tx, r.CourtID, r.ID, kind)
	if err != nil {
		return err
	}
	for _, t := range open {
		now := tx.Now
		t.Status, t.Outcome, t.ClosedAt, t.ClosedBy = TaskDone, outcome, &now, audit.ActorFrom(ctx).UserID
		if err := closeTask(ctx, tx, t); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.task.close", CourtID: t.CourtID, CaseID: t.CaseID,
			Target: t.ID, Detail: map[string]any{"outcome": outcome}}); err != nil {
			return err
		}
	}
	return nil
}

// CloseTask marks a paper-copy task done with the clerk's note of what was
// sent (outcome, required). Fallback tasks close when the fallback is
// recorded (RecordFallback). Errors: unauthenticated; not_found;
// forbidden for callers who may not serve in the case; conflict for a
// fallback task or a task already closed; invalid outcome.
func (s *Service) CloseTask(ctx context.Context, taskID, outcome string) (Task, error) {
	ctx = withActor(ctx)
	if _, err := auth.Require(ctx); err != nil && !isSystem(ctx) {
		return Task{}, err
	}
	t, err := loadTask(ctx, s.db, taskID)
	if err != nil {
		return Task{}, err
	}
	st, err := s.authorize(ctx, t.CaseID, casefile.NeedRecord)
	if err != nil {
		return Task{}, err
	}
	if err := st.requireServer(); err != nil {
		return Task{}, err
	}
	if t.Kind != TaskPaperCopy {
		return Task{}, errs.New(errs.Conflict, "delivery.error.task_fallback")
	}
	var v errs.Collector
	checkText(&v, "outcome", outcome, true, 500)
	if err := v.Err(); err != nil {
		return Task{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadTask(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if cur.Status != TaskOpen {
			return errs.New(errs.Conflict, "delivery.error.task_closed")
		}
		now := tx.Now
		cur.Status, cur.Outcome, cur.ClosedAt, cur.ClosedBy = TaskDone, outcome, &now, audit.ActorFrom(ctx).UserID
		if err := closeTask(ctx, tx, cur); err != nil {
			return err
		}
		t = cur
		return audit.Append(ctx, tx, audit.Record{Action: "delivery.task.close", CourtID: t.CourtID, CaseID: t.CaseID,
			Target: t.ID, Detail: map[string]any{"outcome": outcome}})
	})
	return t, err
}

// ListTasks returns the tasks of a case, open first, to its court's staff;
// each names its document and recipient. The read is audited
// ("delivery.task.list"). Errors: as casefile Authorize; forbidden for
// parties.
func (s *Service) ListTasks(ctx context.Context, caseID string) ([]Task, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return nil, err
	}
	if err := st.requireStaff(); err != nil {
		return nil, err
	}
	var out []Task
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = queryTasks(ctx, tx, `SELECT `+taskColumns+` FROM delivery_task WHERE court_id = ? AND case_id = ?
			ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, created_at, id`, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		if err := s.nameTasks(ctx, tx, out); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "delivery.task.list", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Detail: map[string]any{"count": len(out)}})
	})
	return out, err
}

// MyTasks returns the open tasks of the signed-in staff member: those
// assigned to them and those of their courts' cases without a clerk, oldest
// first, at most 200.
func (s *Service) MyTasks(ctx context.Context) ([]Task, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	courts := p.Courts(staffRoles...)
	if len(courts) == 0 && !p.Has("", auth.PlatformAdmin) {
		return nil, errs.New(errs.Forbidden, "delivery.error.staff_only")
	}
	q := `SELECT ` + taskColumns + ` FROM delivery_task WHERE status = ? AND (assignee_id = ?`
	args := []any{TaskOpen, p.UserID}
	if len(courts) > 0 {
		q += ` OR (assignee_id = '' AND court_id IN (?` + strings.Repeat(", ?", len(courts)-1) + `))`
		for _, c := range courts {
			args = append(args, c)
		}
	}
	q += `) ORDER BY created_at, id LIMIT 200`
	out, err := queryTasks(ctx, s.db, q, args...)
	if err != nil {
		return nil, err
	}
	return out, s.nameTasks(ctx, s.db, out)
}

// nameTasks fills the document title and recipient name of tasks.
func (s *Service) nameTasks(ctx context.Context, q sqldb.Querier, tasks []Task) error {
	for i := range tasks {
		r, err := loadService(ctx, q, tasks[i].ServiceID)
		if err != nil {
			return err
		}
		tasks[i].DocumentTitle, tasks[i].RecipientName = r.Document.Title, r.RecipientName
	}
	return nil
}

// isFallback reports whether m is a fallback method.
func isFallback(m Method) bool { return slices.Contains(Fallbacks, m) }
