package delivery

import (
	"context"
	"slices"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Resend sends the document again on a new attempt of the same
// record: after a failure or refusal (a new consent was signed, an address
// corrected) or at the recipient's request. It decides again on the
// party's current consent, since every act of service follows the newest
// confirmation. A failed or refused record becomes "sending"; a served one
// keeps its status and its time of service (the earliest completion stands).
// Errors: unauthenticated; not_found; forbidden for callers who may not
// serve; conflict "delivery.error.announced" for a record served by
// announcement, or the refusal reason ("delivery.refusal.*") when
// electronic service is still not lawful.
func (s *Service) Resend(ctx context.Context, serviceID string) (Record, error) {
	ctx = withActor(ctx)
	r, st, err := s.recordFor(ctx, serviceID, casefile.NeedRecord)
	if err != nil {
		return Record{}, err
	}
	if err := st.requireServer(); err != nil {
		return Record{}, err
	}
	courtZH, courtEN := s.courtNames(ctx, r.CourtID)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		before, err := s.loadFull(ctx, tx, r.CourtID, r.ID, true)
		if err != nil {
			return err
		}
		if before.Status == Announced {
			return errs.New(errs.Conflict, "delivery.error.announced")
		}
		dec, err := s.decideFor(ctx, tx, before.CourtID, before.CaseID, before.PartyID, before.Document.Kind)
		if err != nil {
			return err
		}
		seq, err := lastAttemptSeq(ctx, tx, before.CourtID, before.ID)
		if err != nil {
			return err
		}
		a := newAttempt(dec, before.AccountID, seq+1, tx.Now, audit.ActorFrom(ctx).UserID)
		if dec.Allowed && !hasValid(a.Channels) {
			dec.Allowed, dec.Refusal = false, RefusalNoChannel
		}
		if !dec.Allowed {
			return errs.New(errs.Conflict, "delivery.refusal."+dec.Refusal)
		}
		after := before
		after.Attempts = append(slices.Clone(before.Attempts), a)
		after.Decision = dec
		if before.Status != Served {
			if err := checkTransition(before.Status, Sending); err != nil {
				return err
			}
			after.Status = Sending
		}
		after.UpdatedAt = tx.Now
		if err := updateService(ctx, tx, after); err != nil {
			return err
		}
		if err := s.sendAttempt(ctx, tx, after, a, courtZH, courtEN); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.service.resend", CourtID: after.CourtID, CaseID: after.CaseID,
			Target: after.ID, Detail: map[string]any{"attempt_id": a.ID, "seq": a.Seq, "bases": basisKinds(dec.Bases)}}); err != nil {
			return err
		}
		p := s.payload(after)
		p["attempt_id"], p["seq"], p["channels"], p["resend"] = a.ID, a.Seq, channelList(a.Channels), true
		if err := enqueue(ctx, tx, "ecourt.delivery.service.requested", after.CourtID, after.CaseID, p); err != nil {
			return err
		}
		if err := s.timeline(ctx, tx, after.CourtID, after.CaseID, TimelineRequested, after.Document.Title+" · "+after.RecipientName,
			map[string]any{"service_id": after.ID, "document_id": after.Document.ID, "party_id": after.PartyID, "seq": a.Seq}); err != nil {
			return err
		}
		r = after
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return r, nil
}

// checkTransition applies the record's state machine.
func checkTransition(from, to Status) error {
	if from == to || slices.Contains(transitions[from], to) {
		return nil
	}
	return errs.New(errs.Conflict, "delivery.error.transition", string(from), string(to))
}
