package hearing

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// JobTimeline adds one entry to the case timeline (casefile AddEvent runs
// its own transaction, so it cannot run inside the hearing's). At least
// once.
const JobTimeline = "hearing.timeline"

// RegisterJobs registers the hearing's job handlers on r.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobTimeline, s.runTimeline)
}

type timelinePayload struct {
	CaseID string          `json:"case_id"`
	Type   string          `json:"type"`
	At     time.Time       `json:"at"`
	Note   string          `json:"note"`
	Actor  string          `json:"actor"`
	Detail json.RawMessage `json:"detail"`
}

func (s *Service) timeline(ctx context.Context, tx *sqldb.Tx, courtID, caseID, typ, note string, detail map[string]any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	j := jobs.New(JobTimeline, "", tx.Now, timelinePayload{CaseID: caseID, Type: typ, At: tx.Now, Note: note,
		Actor: audit.ActorFrom(ctx).UserID, Detail: d})
	j.CourtID, j.CaseID = courtID, caseID
	return jobs.Schedule(ctx, tx, j)
}

func (s *Service) runTimeline(ctx context.Context, j jobs.Job) error {
	var p timelinePayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	actor := p.Actor
	if actor == "" {
		actor = "system:hearing"
	}
	ctx = casefile.AsSystem(audit.WithActor(ctx, audit.Actor{UserID: actor}))
	_, err := s.deps.Cases.AddEvent(ctx, p.CaseID, casefile.Event{Type: p.Type, At: p.At, Note: p.Note, Detail: p.Detail})
	return err
}
