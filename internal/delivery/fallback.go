package delivery

import (
	"context"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// FallbackInput is the outcome of a service by other means, as the clerk
// records it. ServedOn is the date of service for direct service (the date
// signed on the 送达回证, CPL Art. 87), post (the date on the return
// receipt, Art. 91) and leaving at the residence (the day it was left,
// Art. 89). For an announcement PublishedOn is the day it was published
// (the last posting or printing, 民诉法解释 Art. 138) and ServedOn is
// computed. ProofRef points at the proof (the scanned receipt, the
// newspaper page); Note says why and how, and is required for an
// announcement (CPL Art. 95 para 2: 公告送达，应当在案卷中记明原因和经过).
type FallbackInput struct {
	Method      Method         `json:"method"`
	ServedOn    *calendar.Date `json:"served_on,omitempty"`
	PublishedOn *calendar.Date `json:"published_on,omitempty"`
	ProofRef    string         `json:"proof_ref"`
	Note        string         `json:"note,omitempty"`
}

// RecordFallback records the outcome of a fallback service, which sets the
// legal time of service (unless an electronic channel succeeded earlier:
// the earliest completion stands). An announcement counts as served 30 days
// after publication (CPL Art. 95), 60 for a recipient without a PRC
// domicile (Art. 283 para 2), counted on the court's calendar like any
// period (Art. 85: a last day on a rest day moves to the next working day);
// the record is "announced" until that day and becomes "served" then (a
// job). The open fallback task is closed. Writes the audit entry
// "delivery.fallback.record", the event ecourt.delivery.fallback.recorded
// and, once served, what ChannelSent writes on service.
//
// Errors: unauthenticated; not_found; forbidden for callers who may not
// serve in the case; conflict "delivery.error.already_complete" for a
// record served or announced already; invalid with field codes ("method"
// "method_not_allowed" for 留置 of a mediation document, 民诉法解释 Art. 133,
// or an announcement in simplified procedure, Art. 140; dates in the
// future; missing proof or note).
func (s *Service) RecordFallback(ctx context.Context, serviceID string, in FallbackInput) (Record, error) {
	ctx = withActor(ctx)
	r, st, err := s.recordFor(ctx, serviceID, casefile.NeedRecord)
	if err != nil {
		return Record{}, err
	}
	if err := st.requireServer(); err != nil {
		return Record{}, err
	}
	today := s.today()
	var v errs.Collector
	if !isFallback(in.Method) {
		v.AddField(fieldErr("method", "method"))
	} else if !slices.Contains(fallbackOptions(r.Document.Kind, st.c.Procedure), in.Method) {
		v.AddField(fieldErr("method", "method_not_allowed"))
	}
	f := Fallback{ID: ids.New(), Method: in.Method, ProofRef: in.ProofRef, Note: in.Note, RecordedBy: audit.ActorFrom(ctx).UserID}
	if in.Method == Announcement {
		switch {
		case in.PublishedOn == nil:
			v.AddField(fieldErr("published_on", "required"))
		case in.PublishedOn.After(today):
			v.AddField(fieldErr("published_on", "future"))
		case in.PublishedOn.Before(calendar.DateOf(r.CreatedAt)):
			v.AddField(fieldErr("published_on", "before_request"))
		}
		checkText(&v, "note", in.Note, true, 1000)
	} else {
		switch {
		case in.ServedOn == nil:
			v.AddField(fieldErr("served_on", "required"))
		case in.ServedOn.After(today):
			v.AddField(fieldErr("served_on", "future"))
		case in.ServedOn.Before(calendar.DateOf(r.CreatedAt)):
			v.AddField(fieldErr("served_on", "before_request"))
		}
		checkText(&v, "note", in.Note, false, 1000)
	}
	checkText(&v, "proof_ref", in.ProofRef, true, 200)
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	if in.Method == Announcement {
		pub := *in.PublishedOn
		f.PublishedOn = &pub
		ver, ok := s.rules.At(pub)
		if !ok {
			return Record{}, errs.Fields(fieldErr("published_on", "no_rules"))
		}
		days, _ := ver.Announcement.Length(r.ForeignDomicile)
		p, err := s.deps.Courts.ComputePeriod(ctx, court.PeriodRequest{Start: pub, Days: days, CourtID: r.CourtID})
		if err != nil {
			return Record{}, err
		}
		f.ServedOn, f.Provisional = p.End, p.Provisional
	} else {
		f.ServedOn = *in.ServedOn
	}
	var out Record
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		before, err := s.loadFull(ctx, tx, r.CourtID, r.ID, true)
		if err != nil {
			return err
		}
		if before.Status == Served || before.Status == Announced {
			return errs.New(errs.Conflict, "delivery.error.already_complete")
		}
		f.RecordedAt = tx.Now
		if err := insertFallback(ctx, tx, before.CourtID, before.ID, before.CaseID, f); err != nil {
			return err
		}
		after := cloneRecord(before)
		after.Fallbacks = append(after.Fallbacks, f)
		detail := map[string]any{"fallback_id": f.ID, "method": f.Method, "served_on": f.ServedOn.String(),
			"published_on": dateText(f.PublishedOn), "proof_ref": f.ProofRef}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.fallback.record", CourtID: after.CourtID,
			CaseID: after.CaseID, Target: after.ID, Detail: detail}); err != nil {
			return err
		}
		p := s.payload(after)
		p["fallback_id"], p["method"], p["fallback_served_on"] = f.ID, f.Method, f.ServedOn.String()
		if f.PublishedOn != nil {
			p["published_on"] = f.PublishedOn.String()
		}
		if err := enqueue(ctx, tx, "ecourt.delivery.fallback.recorded", after.CourtID, after.CaseID, p); err != nil {
			return err
		}
		if err := closeOpenTasks(ctx, tx, after, TaskFallback, "fallback:"+string(f.Method)); err != nil {
			return err
		}
		if err := s.settle(ctx, tx, before, &after, ""); err != nil {
			return err
		}
		if after.Status == Announced {
			if err := s.scheduleAnnouncement(ctx, tx, after); err != nil {
				return err
			}
			if err := s.timelineAt(ctx, tx, after.CourtID, after.CaseID, TimelineAnnounced, f.PublishedOn.Time(),
				after.Document.Title+" · "+after.RecipientName, map[string]any{"service_id": after.ID,
					"published_on": f.PublishedOn.String(), "served_on": f.ServedOn.String()}); err != nil {
				return err
			}
		}
		out = after
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return out, nil
}

// announcementDue runs when an announcement's deemed date has come: the
// record becomes served (settle does the rest).
func (s *Service) announcementDue(ctx context.Context, tx *sqldb.Tx, courtID, serviceID string) error {
	before, err := s.loadFull(ctx, tx, courtID, serviceID, true)
	if err != nil {
		return err
	}
	if before.Status != Announced {
		return nil
	}
	after := cloneRecord(before)
	return s.settle(ctx, tx, before, &after, "")
}

// announcementRunAt is when the announcement job runs: the start of the
// deemed day, court-local.
func announcementRunAt(d calendar.Date) time.Time { return d.Time() }
