package delivery

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Period is a period that started when a document was served on a party:
// its kind and rule, the date of service (Start, not counted: CPL Art. 85,
// 民诉法解释 Art. 125) and its last day on the court's calendar (End; a
// NominalEnd on a rest day moves to the first working day after it, and
// Skipped lists the days moved over). Provisional marks an End that
// depends on a year whose holiday notice is not published yet.
type Period struct {
	ID            string        `json:"id"`
	CourtID       string        `json:"court_id"`
	CaseID        string        `json:"case_id"`
	ServiceID     string        `json:"service_id"`
	PartyID       string        `json:"party_id"`
	RecipientName string        `json:"recipient_name"`
	Kind          PeriodKind    `json:"kind"`
	RulesVersion  string        `json:"rules_version"`
	Days          int           `json:"days"`
	Foreign       bool          `json:"foreign"`
	Article       string        `json:"article"`
	Start         calendar.Date `json:"start"`
	NominalEnd    calendar.Date `json:"nominal_end"`
	End           calendar.Date `json:"end"`
	Provisional   bool          `json:"provisional"`
	Skipped       []SkippedDay  `json:"skipped"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	// DocumentTitle and DaysLeft (from today, court-local; negative once
	// the period has run out) are filled by ListPeriods.
	DocumentTitle string `json:"document_title,omitempty"`
	DaysLeft      int    `json:"days_left"`
}

// SkippedDay is a rest day a period's last day moved over, with the
// holiday's name ("国庆节"), "" for an ordinary weekend day.
type SkippedDay struct {
	Date calendar.Date `json:"date"`
	Name string        `json:"name,omitempty"`
}

// SkippedSummary describes the rest days the last day moved over
// ("2026-10-01–2026-10-07 国庆节"), "" when it did not move.
func (p Period) SkippedSummary() string {
	if len(p.Skipped) == 0 {
		return ""
	}
	out := p.Skipped[0].Date.String()
	if last := p.Skipped[len(p.Skipped)-1].Date; last != p.Skipped[0].Date {
		out += "–" + last.String()
	}
	var names []string
	for _, sd := range p.Skipped {
		if sd.Name != "" && !slices.Contains(names, sd.Name) {
			names = append(names, sd.Name)
		}
	}
	if len(names) > 0 {
		out += " " + strings.Join(names, "、")
	}
	return out
}

// startPeriods computes (or recomputes, when the time of service moved)
// the periods that the service of r starts, under the rules in force on
// the date of service, and schedules their reminders.
func (s *Service) startPeriods(ctx context.Context, tx *sqldb.Tx, r Record) error {
	ver, ok := s.rules.At(*r.ServedOn)
	if !ok {
		s.log.Warn("delivery: no period rules in force on the date of service", "service_id", r.ID, "served_on", r.ServedOn.String())
		return nil
	}
	existing, err := periodsOfService(ctx, tx, r.CourtID, r.ID)
	if err != nil {
		return err
	}
	ids0 := map[PeriodKind]string{}
	for _, p := range existing {
		ids0[p.Kind] = p.ID
	}
	for _, rule := range ver.PeriodsFor(r.Document.Kind, r.Document.Appealable) {
		days, article := rule.Length(r.ForeignDomicile)
		cp, err := s.deps.Courts.ComputePeriod(ctx, court.PeriodRequest{Start: *r.ServedOn, Days: days, CourtID: r.CourtID})
		if err != nil {
			return fmt.Errorf("delivery: period %s of %s: %w", rule.Kind, r.ID, err)
		}
		p := Period{ID: ids0[rule.Kind], CourtID: r.CourtID, CaseID: r.CaseID, ServiceID: r.ID, PartyID: r.PartyID,
			RecipientName: r.RecipientName, Kind: rule.Kind, RulesVersion: ver.Version, Days: days, Foreign: r.ForeignDomicile,
			Article: article, Start: cp.Start, NominalEnd: cp.NominalEnd, End: cp.End, Provisional: cp.Provisional,
			Skipped: []SkippedDay{}, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if p.ID == "" {
			p.ID = ids.New()
		}
		for _, sd := range cp.Skipped {
			p.Skipped = append(p.Skipped, SkippedDay{Date: sd.Date, Name: sd.Name})
		}
		if err := upsertPeriod(ctx, tx, p); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.period.start", CourtID: r.CourtID, CaseID: r.CaseID,
			Target: p.ID, Detail: map[string]any{"service_id": r.ID, "kind": p.Kind, "days": p.Days, "start": p.Start.String(),
				"end": p.End.String(), "article": p.Article, "rules_version": p.RulesVersion}}); err != nil {
			return err
		}
		if err := s.scheduleReminders(ctx, tx, p, ver.ReminderDays); err != nil {
			return err
		}
	}
	return nil
}

// reminderKey is the job key of the reminder n days before the end of
// period kind of a service: stable, so a recomputed period moves it.
func reminderKey(serviceID string, kind PeriodKind, n int) string {
	return fmt.Sprintf("%s:%s:%d", serviceID, kind, n)
}

// reminderPayload is the payload of a JobReminder.
type reminderPayload struct {
	PeriodID string `json:"period_id"`
	End      string `json:"end"`
	Days     int    `json:"days"`
}

// scheduleReminders schedules a reminder days before p's last day at the
// configured hour, court-local, for each of days still in the future, and
// cancels the others.
func (s *Service) scheduleReminders(ctx context.Context, tx *sqldb.Tx, p Period, days []int) error {
	for _, n := range days {
		key := reminderKey(p.ServiceID, p.Kind, n)
		at := p.End.Plus(-n).Time().Add(time.Duration(s.deps.ReminderHour) * time.Hour)
		if !at.After(tx.Now) {
			if err := jobs.Cancel(ctx, tx, JobReminder, key); err != nil {
				return err
			}
			continue
		}
		j := jobs.New(JobReminder, key, at, reminderPayload{PeriodID: p.ID, End: p.End.String(), Days: n})
		j.CourtID, j.CaseID = p.CourtID, p.CaseID
		if err := jobs.Schedule(ctx, tx, j); err != nil {
			return err
		}
	}
	return nil
}

// ListPeriods returns the periods of a case that started at service, by
// last day: to both sides (every party and representative) and the court's
// staff. The read is audited ("delivery.period.list"). Errors as for
// casefile Authorize.
func (s *Service) ListPeriods(ctx context.Context, caseID string) ([]Period, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return nil, err
	}
	var out []Period
	today := s.today()
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = queryPeriods(ctx, tx, `SELECT `+periodColumns+` FROM delivery_period WHERE court_id = ? AND case_id = ?
			ORDER BY end_date, recipient_name, kind`, st.c.CourtID, st.c.ID)
		if err != nil {
			return err
		}
		titles := map[string]string{}
		for i := range out {
			t, ok := titles[out[i].ServiceID]
			if !ok {
				r, err := loadService(ctx, tx, out[i].ServiceID)
				if err != nil {
					return err
				}
				t, titles[out[i].ServiceID] = r.Document.Title, r.Document.Title
			}
			out[i].DocumentTitle, out[i].DaysLeft = t, calendar.DaysLeft(today, out[i].End)
		}
		return audit.Append(ctx, tx, audit.Record{Action: "delivery.period.list", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Detail: map[string]any{"count": len(out)}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
