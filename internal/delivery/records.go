package delivery

import (
	"context"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// recordFor loads a record (with attempts and fallbacks) and passes the
// casefile check for need on its case. An unknown record and a case the
// caller has no standing in are both not_found.
func (s *Service) recordFor(ctx context.Context, serviceID string, need casefile.Need) (Record, standing, error) {
	if _, err := auth.Require(ctx); err != nil && !isSystem(ctx) {
		return Record{}, standing{}, err
	}
	r, err := s.loadFull(ctx, s.db, "", serviceID, false)
	if err != nil {
		return Record{}, standing{}, err
	}
	st, err := s.authorize(ctx, r.CaseID, need)
	if err != nil {
		return Record{}, standing{}, err
	}
	return r, st, nil
}

// FindService returns one service record, with its attempts, channels and
// fallbacks, to the court's staff and to the party served (or its
// representative). The read is audited ("delivery.service.read"). Errors:
// unauthenticated; not_found; forbidden for another party of the case.
func (s *Service) FindService(ctx context.Context, serviceID string) (Record, error) {
	ctx = withActor(ctx)
	r, st, err := s.recordFor(ctx, serviceID, casefile.NeedRead)
	if err != nil {
		return Record{}, err
	}
	if !st.sees(r.PartyID) {
		return Record{}, errs.New(errs.Forbidden, "delivery.error.not_your_party")
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "delivery.service.read", CourtID: r.CourtID, CaseID: r.CaseID, Target: r.ID})
	})
	return r, err
}

// ListServices returns the service records of a case, oldest first: all of
// them to the court's staff (the clerk's tracking), the party's own to a
// party or representative. The read is audited ("delivery.service.list").
// Errors as for casefile Authorize.
func (s *Service) ListServices(ctx context.Context, caseID string) ([]Record, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return nil, err
	}
	var out []Record
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		all, err := listServices(ctx, tx, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		out = all[:0]
		for _, r := range all {
			if st.sees(r.PartyID) {
				out = append(out, r)
			}
		}
		if err := loadAttempts(ctx, tx, st.c.CourtID, out); err != nil {
			return err
		}
		if err := loadFallbacks(ctx, tx, st.c.CourtID, out); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "delivery.service.list", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Detail: map[string]any{"count": len(out)}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RequestPaperCopy records that the recipient of a judgment, ruling or
// mediation document served electronically asks for it on paper, which the
// court must provide (CPL Art. 90 para 1), and opens a task for the clerk.
// It does not change the time of service. The party served, its
// representative, or staff who may serve (taking the request by phone) may
// ask; asking again returns the same task. Writes the audit entry
// "delivery.paper.request", the event ecourt.delivery.paper.requested and a
// timeline entry. Errors: unauthenticated; not_found; forbidden for
// others; conflict "delivery.error.paper_not_decisive" for other documents
// and "delivery.error.paper_not_electronic" unless served electronically.
func (s *Service) RequestPaperCopy(ctx context.Context, serviceID string) (Task, error) {
	ctx = withActor(ctx)
	r, st, err := s.recordFor(ctx, serviceID, casefile.NeedRead)
	if err != nil {
		return Task{}, err
	}
	if !st.own[r.PartyID] && !st.server {
		return Task{}, errs.New(errs.Forbidden, "delivery.error.not_your_party")
	}
	if !r.Document.Kind.Decisive() {
		return Task{}, errs.New(errs.Conflict, "delivery.error.paper_not_decisive")
	}
	if r.Status != Served || r.Method != Electronic {
		return Task{}, errs.New(errs.Conflict, "delivery.error.paper_not_electronic")
	}
	var t Task
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := lockService(ctx, tx, r.CourtID, r.ID)
		if err != nil {
			return err
		}
		if cur.PaperRequestedAt != nil {
			tasks, err := queryTasks(ctx, tx, `SELECT `+taskColumns+` FROM delivery_task
				WHERE court_id = ? AND service_id = ? AND kind = ? ORDER BY created_at LIMIT 1`, r.CourtID, r.ID, TaskPaperCopy)
			if err != nil {
				return err
			}
			if len(tasks) > 0 {
				t = tasks[0]
				return nil
			}
		}
		now := tx.Now
		cur.PaperRequestedAt, cur.UpdatedAt = &now, now
		if err := updateService(ctx, tx, cur); err != nil {
			return err
		}
		if t, err = openTask(ctx, tx, cur, TaskPaperCopy, TaskPaperCopy, []Method{Post, Direct}, st.c.Assignment.ClerkID); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.paper.request", CourtID: cur.CourtID, CaseID: cur.CaseID,
			Target: cur.ID, Detail: map[string]any{"task_id": t.ID}}); err != nil {
			return err
		}
		p := s.payload(cur)
		p["task_id"], p["requested_at"] = t.ID, now
		if err := enqueue(ctx, tx, "ecourt.delivery.paper.requested", cur.CourtID, cur.CaseID, p); err != nil {
			return err
		}
		return s.timeline(ctx, tx, cur.CourtID, cur.CaseID, TimelinePaper, cur.Document.Title+" · "+cur.RecipientName,
			map[string]any{"service_id": cur.ID, "document_id": cur.Document.ID, "party_id": cur.PartyID})
	})
	if err != nil {
		return Task{}, err
	}
	t.DocumentTitle, t.RecipientName = r.Document.Title, r.RecipientName
	return t, nil
}
