package delivery

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Refs of the notifications delivery hands to the Notifier.
const (
	refAttempt  = "delivery.attempt:"
	refReminder = "delivery.reminder:"
)

// AttemptRef is the Outgoing.Ref of an attempt.
func AttemptRef(attemptID string) string { return refAttempt + attemptID }

// attemptID returns the attempt of ref; reminder refs give ok=true and
// id "" (their outcomes are not tracked).
func attemptID(ref string) (id string, ok bool) {
	if id, ok := strings.CutPrefix(ref, refAttempt); ok && id != "" {
		return id, true
	}
	if strings.HasPrefix(ref, refReminder) {
		return "", true
	}
	return "", false
}

// ChannelSent records that the notification context's system reports ref's
// message on channel as sent successfully at at (the provider accepted it,
// the mail server took it, the inbox stored it), with the provider's
// message ID. That moment is the arrival in the recipient's system: the
// earliest such report among the valid channels of all attempts is the
// legal time of service (Online Litigation Rules Art. 31; CPL Art. 90
// para 2; 民诉法解释 Art. 135), however late it is reported and in
// whatever order. A channel that failed and then reports success counts as
// sent; a repeated report is a no-op (the earlier time is kept), so the
// method is idempotent. A time in the future is taken as now. Reports for
// reminders are accepted and ignored.
//
// The first success makes the record served: the event
// ecourt.delivery.service.effective, the timeline entry "delivery.served",
// the periods that start at service and their reminders, and the
// certificate job follow in the same transaction. An earlier success
// arriving after that moves the time of service (and the periods) back and
// re-issues the certificate. Errors: invalid for an unknown channel or a
// zero time; not_found for an unknown ref or a channel the attempt did not
// use.
func (s *Service) ChannelSent(ctx context.Context, ref string, ch Channel, at time.Time, providerID string) error {
	if at.IsZero() {
		return errs.Fields(fieldErr("at", "required"))
	}
	if utf8.RuneCountInString(providerID) > 200 {
		providerID = string([]rune(providerID)[:200])
	}
	return s.outcome(ctx, ref, ch, "sent", func(c *ChannelState, now time.Time) bool {
		t := at.UTC().Truncate(time.Microsecond)
		if t.After(now) {
			t = now
		}
		changed := false
		switch {
		case c.Status != ChannelSent:
			c.Status, c.SentAt, c.Failure, changed = ChannelSent, &t, "", true
		case c.SentAt == nil || t.Before(*c.SentAt):
			c.SentAt, changed = &t, true
		}
		if providerID != "" && c.ProviderID == "" {
			c.ProviderID, changed = providerID, true
		}
		return changed
	})
}

// ChannelFailed records that ref's message could not be delivered on
// channel (bounced, undeliverable, rejected number), with the provider's
// reason. A channel already reported sent keeps its success (the message
// arrived); a repeated failure is a no-op. When every channel of every
// attempt has failed and none succeeded, the record becomes "failed": a
// fallback task for the clerk, the event ecourt.delivery.service.failed and
// a timeline entry. Errors as for ChannelSent.
func (s *Service) ChannelFailed(ctx context.Context, ref string, ch Channel, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "unknown"
	}
	if utf8.RuneCountInString(reason) > 200 {
		reason = string([]rune(reason)[:200])
	}
	return s.outcome(ctx, ref, ch, "failed", func(c *ChannelState, now time.Time) bool {
		if c.Status != ChannelQueued {
			return false
		}
		c.Status, c.Failure = ChannelFailed, reason
		return true
	})
}

// Read records that the recipient opened ref's message on channel at at.
// Reading is not needed for service to take effect (Art. 31 para 1) but is
// recorded: the earliest read per channel and per record; the first read of
// a record emits ecourt.delivery.service.read. Idempotent; errors as for
// ChannelSent.
func (s *Service) Read(ctx context.Context, ref string, ch Channel, at time.Time) error {
	if at.IsZero() {
		return errs.Fields(fieldErr("at", "required"))
	}
	return s.outcome(ctx, ref, ch, "read", func(c *ChannelState, now time.Time) bool {
		t := at.UTC().Truncate(time.Microsecond)
		if t.After(now) {
			t = now
		}
		if c.ReadAt != nil && !t.Before(*c.ReadAt) {
			return false
		}
		c.ReadAt = &t
		return true
	})
}

// outcome applies one channel report inside a transaction.
func (s *Service) outcome(ctx context.Context, ref string, ch Channel, what string, apply func(*ChannelState, time.Time) bool) error {
	ctx = systemActor(ctx, "system:notify")
	if !ch.Valid() {
		return errs.Fields(fieldErr("channel", "channel"))
	}
	aid, ok := attemptID(ref)
	if !ok {
		return errs.New(errs.NotFound, "delivery.error.unknown_ref")
	}
	if aid == "" {
		return nil // a reminder
	}
	courtID, serviceID, caseID, err := attemptOf(ctx, s.db, aid)
	if err != nil {
		return err
	}
	// A failure may open a fallback task for the case's clerk: read the
	// assignment now, since the casefile cannot be called inside our
	// transaction.
	assignee := ""
	if what == "failed" {
		assignee = s.clerkOf(ctx, caseID)
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		before, err := s.loadFull(ctx, tx, courtID, serviceID, true)
		if err != nil {
			return err
		}
		after := cloneRecord(before)
		c, created := findChannel(&after, aid, ch)
		if c == nil {
			return errs.New(errs.NotFound, "delivery.error.unknown_channel")
		}
		if !apply(c, tx.Now) {
			return nil
		}
		// Nothing arrives before it was sent: a report dated before the
		// attempt (another system's clock) is taken as the attempt's time.
		for _, t := range []*time.Time{c.SentAt, c.ReadAt} {
			if t != nil && t.Before(created) {
				*t = created
			}
		}
		c.UpdatedAt = tx.Now
		if err := updateChannel(ctx, tx, courtID, aid, *c); err != nil {
			return err
		}
		detail := map[string]any{"attempt_id": aid, "channel": ch, "status": c.Status, "valid": c.Valid}
		if c.SentAt != nil {
			detail["sent_at"] = *c.SentAt
		}
		if c.Failure != "" {
			detail["failure"] = c.Failure
		}
		if what == "read" {
			detail["read_at"] = *c.ReadAt
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.channel." + what, CourtID: courtID, CaseID: after.CaseID,
			Target: after.ID, Detail: detail}); err != nil {
			return err
		}
		if what == "read" && (after.ReadAt == nil || c.ReadAt.Before(*after.ReadAt)) {
			first := after.ReadAt == nil
			t := *c.ReadAt
			after.ReadAt = &t
			if first {
				p := s.payload(after)
				p["read_at"], p["channel"] = t, ch
				if err := enqueue(ctx, tx, "ecourt.delivery.service.read", courtID, after.CaseID, p); err != nil {
					return err
				}
			}
		}
		return s.settle(ctx, tx, before, &after, assignee)
	})
}

// findChannel returns channel ch of attempt attemptID in r and the
// attempt's creation time.
func findChannel(r *Record, attemptID string, ch Channel) (*ChannelState, time.Time) {
	for i := range r.Attempts {
		if r.Attempts[i].ID != attemptID {
			continue
		}
		for j := range r.Attempts[i].Channels {
			if r.Attempts[i].Channels[j].Channel == ch {
				return &r.Attempts[i].Channels[j], r.Attempts[i].CreatedAt
			}
		}
	}
	return nil, time.Time{}
}

// cloneRecord copies r deeply enough to change attempts and channels.
func cloneRecord(r Record) Record {
	out := r
	out.Attempts = make([]Attempt, len(r.Attempts))
	for i, a := range r.Attempts {
		a.Channels = slices.Clone(a.Channels)
		out.Attempts[i] = a
	}
	out.Fallbacks = slices.Clone(r.Fallbacks)
	return out
}

// loadFull loads a record with its attempts and fallbacks (locked for
// update when lock is set).
func (s *Service) loadFull(ctx context.Context, q sqldb.Querier, courtID, id string, lock bool) (Record, error) {
	var r Record
	var err error
	if tx, ok := q.(*sqldb.Tx); ok && lock {
		r, err = lockService(ctx, tx, courtID, id)
	} else {
		r, err = loadService(ctx, q, id)
	}
	if err != nil {
		return Record{}, err
	}
	recs := []Record{r}
	if err := loadAttempts(ctx, q, r.CourtID, recs); err != nil {
		return Record{}, err
	}
	if err := loadFallbacks(ctx, q, r.CourtID, recs); err != nil {
		return Record{}, err
	}
	return recs[0], nil
}
