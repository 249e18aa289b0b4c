package delivery

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// completion is one way the document reached the recipient.
type completion struct {
	method  Method
	at      time.Time // electronic: the sent time; fallback: start of the day
	on      calendar.Date
	channel Channel
}

// earlier orders completions by legal date, electronic service first on
// the same day, then by time.
func (c completion) earlier(d completion) bool {
	if c.on != d.on {
		return c.on.Before(d.on)
	}
	if (c.method == Electronic) != (d.method == Electronic) {
		return c.method == Electronic
	}
	return c.at.Before(d.at)
}

// firstCompletion returns the earliest completion of r: the earliest
// "sent successfully" of a valid channel of any attempt (Online Litigation
// Rules Art. 31 para 4: 以最先完成的有效送达时间作为送达生效时间) or a recorded
// fallback, whichever comes first.
func firstCompletion(r Record) (completion, bool) {
	var best completion
	found := false
	consider := func(c completion) {
		if !found || c.earlier(best) {
			best, found = c, true
		}
	}
	for _, a := range r.Attempts {
		for _, c := range a.Channels {
			if c.Valid && c.Status == ChannelSent && c.SentAt != nil {
				consider(completion{method: Electronic, at: *c.SentAt, on: calendar.DateOf(*c.SentAt), channel: c.Channel})
			}
		}
	}
	for _, f := range r.Fallbacks {
		consider(completion{method: f.Method, at: f.ServedOn.Time().UTC(), on: f.ServedOn})
	}
	return best, found
}

// allFinal reports whether every channel of every attempt has reported.
func allFinal(r Record) bool {
	for _, a := range r.Attempts {
		for _, c := range a.Channels {
			if c.Status == ChannelQueued {
				return false
			}
		}
	}
	return true
}

// allFailed reports whether r has attempts and every valid channel of
// them failed.
func allFailed(r Record) bool {
	n := 0
	for _, a := range r.Attempts {
		for _, c := range a.Channels {
			if !c.Valid {
				continue
			}
			if c.Status != ChannelFailed {
				return false
			}
			n++
		}
	}
	return n > 0
}

// settle works out the record's status and legal time of service from its
// attempts and fallbacks after a change, writes it, and performs what the
// change means: on service the effective event, the timeline entry, the
// periods with their reminders, the certificate job, closing fallback
// tasks; on failure the fallback task and the failed event. before is the
// record as it was; after carries the change.
//
// assignee is the case's clerk, for a fallback task that may open.
func (s *Service) settle(ctx context.Context, tx *sqldb.Tx, before Record, after *Record, assignee string) error {
	today := calendar.DateOf(tx.Now)
	if comp, ok := firstCompletion(*after); ok {
		after.Method, after.ServedChannel = comp.method, comp.channel
		t, d := comp.at, comp.on
		after.ServedAt, after.ServedOn = &t, &d
		after.Status = Served
		if comp.method == Announcement && comp.on.After(today) {
			after.Status = Announced
		}
	} else if after.Status == Sending && allFailed(*after) {
		after.Status = Failed
	}
	if err := checkTransition(before.Status, after.Status); err != nil {
		return err
	}
	after.UpdatedAt = tx.Now
	if err := updateService(ctx, tx, *after); err != nil {
		return err
	}
	timeChanged := after.ServedOn != nil && (before.ServedAt == nil || !before.ServedAt.Equal(*after.ServedAt))
	becameServed := after.Status == Served && before.Status != Served
	switch {
	case after.Status == Failed && before.Status != Failed:
		if err := s.fail(ctx, tx, *after, assignee); err != nil {
			return err
		}
	case becameServed || (after.Status == Served && timeChanged):
		if err := s.effective(ctx, tx, before, *after); err != nil {
			return err
		}
	}
	if after.ServedOn != nil && (before.ServedOn == nil || *before.ServedOn != *after.ServedOn) {
		if err := s.startPeriods(ctx, tx, *after); err != nil {
			return err
		}
	}
	if after.Status == Served && after.Method == Electronic {
		return s.scheduleCertificate(ctx, tx, before, *after)
	}
	return nil
}

// effective reports a record that became served, or whose time of service
// moved earlier.
func (s *Service) effective(ctx context.Context, tx *sqldb.Tx, before, after Record) error {
	p := s.payload(after)
	detail := map[string]any{"service_id": after.ID, "document_id": after.Document.ID, "party_id": after.PartyID,
		"method": after.Method, "served_at": *after.ServedAt, "served_on": after.ServedOn.String()}
	if before.Status == Served && before.ServedAt != nil {
		p["revised"], p["previous_served_at"] = true, *before.ServedAt
		detail["previous_served_at"] = *before.ServedAt
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.service.effective", CourtID: after.CourtID,
		CaseID: after.CaseID, Target: after.ID, Detail: detail}); err != nil {
		return err
	}
	if err := enqueue(ctx, tx, "ecourt.delivery.service.effective", after.CourtID, after.CaseID, p); err != nil {
		return err
	}
	if err := closeOpenTasks(ctx, tx, after, TaskFallback, "served:"+string(after.Method)); err != nil {
		return err
	}
	if before.Status == Served {
		return nil // the timeline already has the entry; the certificate is re-issued
	}
	detail["channel"] = after.ServedChannel
	return s.timelineAt(ctx, tx, after.CourtID, after.CaseID, TimelineServed, *after.ServedAt,
		after.Document.Title+" · "+after.RecipientName, detail)
}

// fail reports a record whose every channel failed and opens the fallback
// task.
func (s *Service) fail(ctx context.Context, tx *sqldb.Tx, r Record, assignee string) error {
	failures := map[string]string{}
	for _, a := range r.Attempts {
		for _, ch := range a.Channels {
			if ch.Valid {
				failures[string(ch.Channel)] = ch.Failure
			}
		}
	}
	t, err := openTask(ctx, tx, r, TaskFallback, ReasonAllFailed, fallbackOptions(r.Document.Kind, r.procedure), assignee)
	if err != nil {
		return err
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.service.fail", CourtID: r.CourtID, CaseID: r.CaseID,
		Target: r.ID, Detail: map[string]any{"failures": failures, "task_id": t.ID}}); err != nil {
		return err
	}
	p := s.payload(r)
	p["reason"], p["failures"], p["task_id"] = ReasonAllFailed, failures, t.ID
	if err := enqueue(ctx, tx, "ecourt.delivery.service.failed", r.CourtID, r.CaseID, p); err != nil {
		return err
	}
	return s.timeline(ctx, tx, r.CourtID, r.CaseID, TimelineFailed, r.Document.Title+" · "+r.RecipientName,
		map[string]any{"service_id": r.ID, "document_id": r.Document.ID, "party_id": r.PartyID, "reason": ReasonAllFailed})
}

// clerkOf returns the clerk assigned to a case, read as the system ("" if
// none or the case cannot be read: the task then shows to all the court's
// case staff).
func (s *Service) clerkOf(ctx context.Context, caseID string) string {
	c, err := s.deps.Cases.Authorize(casefile.AsSystem(ctx), caseID, casefile.NeedRead)
	if err != nil {
		s.log.Warn("delivery: case not readable for its clerk", "case_id", caseID, "err", err)
		return ""
	}
	return c.Assignment.ClerkID
}
