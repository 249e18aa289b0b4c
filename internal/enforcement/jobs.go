package enforcement

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// JobTimeline adds one entry to the case timeline: casefile.AddEvent runs
// its own transaction, so the node's transaction schedules this durable job
// instead (at least once; the same pattern as delivery).
const JobTimeline = "enforcement.timeline"

// TimelineTypes are the casefile timeline entry types enforcement writes;
// their labels are "casefile.event.<type>" in Messages.
var TimelineTypes = []string{"enforcement.node_recorded", "enforcement.node_disclosed", "enforcement.lead_submitted",
	"enforcement.lead_answered", "enforcement.extended", "enforcement.escalated"}

// JobDeadlineWarning tells a case's officers that its deadline is 30 or 7
// days away (严格执行审限规定 Art. 5); keyed by case, deadline and days, so
// an extension schedules new warnings and the old ones find the deadline
// moved and do nothing.
const JobDeadlineWarning = "enforcement.deadline_warning"

// WarningDays are the days before the deadline at which officers are
// warned.
var WarningDays = []int{30, 7}

// WarningHour is the China-time hour of the day the warnings go out.
const WarningHour = 9

// RegisterJobs registers enforcement's job kinds on the app's runner (the
// app must migrate jobs.Migrations and start the runner).
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobTimeline, s.runTimeline)
	r.Register(JobDeadlineWarning, s.runDeadlineWarning)
}

type warningPayload struct {
	CaseID   string `json:"case_id"`
	CourtID  string `json:"court_id"`
	Deadline string `json:"deadline"`
	Days     int    `json:"days"`
}

// scheduleWarnings schedules the deadline warnings of r that are still
// ahead.
func scheduleWarnings(ctx context.Context, tx *sqldb.Tx, r Record) error {
	due := r.Due()
	for _, days := range WarningDays {
		d := due.Plus(-days)
		at := time.Date(d.Y, d.M, d.D, WarningHour, 0, 0, 0, clock.China)
		if !at.After(tx.Now) {
			continue
		}
		j := jobs.New(JobDeadlineWarning, r.CaseID+"@"+due.String()+"-"+strconv.Itoa(days), at,
			warningPayload{CaseID: r.CaseID, CourtID: r.CourtID, Deadline: due.String(), Days: days})
		j.CourtID, j.CaseID = r.CourtID, r.CaseID
		if err := jobs.Schedule(ctx, tx, j); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) runDeadlineWarning(ctx context.Context, j jobs.Job) error {
	var p warningPayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: "system:enforcement"})
	r, err := loadRecord(ctx, s.db, p.CaseID)
	if err != nil {
		return err
	}
	courtZH, courtEN := s.courtNames(ctx, r.CourtID)
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		// A concluded case, or a deadline moved since, needs no warning.
		if r.ConcludedOn == nil && r.Due().String() == p.Deadline && s.deps.Notifier != nil && len(r.Officers) > 0 {
			var rs []Recipient
			for _, o := range r.Officers {
				rs = append(rs, Recipient{AccountID: o.AccountID})
			}
			if err := s.deps.Notifier.Notify(ctx, tx, Notice{ID: "enforcement.deadline:" + j.Key, Ref: "enforcement.deadline:" + r.CaseID,
				Recipients: rs, Template: NoticeDeadline, CourtID: r.CourtID, CaseID: r.CaseID,
				Data: map[string]string{"case_number": r.Number, "deadline": p.Deadline, "days_left": strconv.Itoa(p.Days),
					"link": "/enforcement/cases/" + r.CaseID, "court_name": courtZH, "court_name_en": courtEN}}); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, audit.Record{Action: "enforcement.case.deadline_warning", CourtID: r.CourtID, CaseID: r.CaseID,
				Detail: map[string]any{"deadline": p.Deadline, "days": p.Days, "officers": len(rs)}}); err != nil {
				return err
			}
		}
		return jobs.Done(ctx, tx, j.ID)
	})
}

type timelinePayload struct {
	CaseID    string          `json:"case_id"`
	Type      string          `json:"type"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	StaffOnly bool            `json:"staff_only"`
	Detail    json.RawMessage `json:"detail"`
}

func scheduleTimeline(ctx context.Context, tx *sqldb.Tx, courtID, caseID, typ string, staffOnly bool, detail map[string]any) error {
	j := jobs.New(JobTimeline, "", tx.Now, timelinePayload{CaseID: caseID, Type: typ, At: tx.Now, Actor: audit.ActorFrom(ctx).UserID,
		StaffOnly: staffOnly, Detail: mustJSON(detail)})
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
		actor = "system:enforcement"
	}
	ctx = casefile.AsSystem(audit.WithActor(ctx, audit.Actor{UserID: actor}))
	_, err := s.deps.Cases.AddEvent(ctx, p.CaseID, casefile.Event{Type: p.Type, At: p.At, StaffOnly: p.StaffOnly, Detail: p.Detail})
	return err
}

// calendarDate is the China-time day of an instant.
func calendarDate(t time.Time) calendar.Date { return calendar.DateOf(t) }
