package hearing

import (
	"context"
	"encoding/json"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Watch returns the room events of one hearing for its SSE stream, after
// checking that the caller may read it (FindRoom). Every event carries its
// number in the hearing's control record (RoomChange.Seq), and the channel
// gives them in order, each once, without gaps:
//
//   - with after < 0 (a page connecting for the first time) the first
//     event is a "snapshot" of the hearing's status, numbered with the last
//     change it includes, then the changes after it;
//   - with after >= 0 (a page coming back, which saw the changes up to
//     after) the first events are the recorded changes after that number,
//     then the live ones. A number beyond the record (a page older than a
//     restored database) is answered like a first connection.
//
// The live events come from the bus (bus.Live, best effort): the listener
// starts before the record is read, so nothing falls between the two, and a
// live event that skips numbers (dropped, or overtaken by a later one) is
// preceded by the missing changes read from the record. The channel closes
// when ctx ends, stop is called or the record cannot be read; a page then
// reconnects with the last number it saw. Errors: as FindRoom;
// errs.Unavailable without a bus.
func (s *Service) Watch(ctx context.Context, hearingID string, after int64) (<-chan RoomChange, func(), error) {
	if _, err := s.FindRoom(ctx, hearingID); err != nil {
		return nil, nil, err
	}
	if s.deps.Bus == nil {
		return nil, nil, errs.New(errs.Unavailable, "hearing.error.video")
	}
	ctx, cancel := context.WithCancel(ctx)
	evs, stopLive := s.deps.Bus.Live(ctx, EventRoomChanged)
	stop := func() { cancel(); stopLive() }
	h, err := loadHearing(ctx, s.db, hearingID)
	if err != nil {
		stop()
		return nil, nil, err
	}
	var backlog []RoomChange
	if after < 0 || after > h.EventSeq {
		backlog = []RoomChange{{HearingID: h.ID, Seq: h.EventSeq, Action: "snapshot", Status: h.Status, At: h.UpdatedAt}}
	} else if backlog, err = loadChanges(ctx, s.db, h.CourtID, h.ID, after, 0); err != nil {
		stop()
		return nil, nil, err
	}
	last := max(after, 0)
	out := make(chan RoomChange)
	send := func(rcs ...RoomChange) bool {
		for _, rc := range rcs {
			select {
			case out <- rc:
				last = rc.Seq
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	go func() {
		defer close(out)
		defer stop()
		if !send(backlog...) {
			return
		}
		for ev := range evs {
			var rc RoomChange
			if ev.Type != EventRoomChanged || json.Unmarshal(ev.Payload, &rc) != nil || rc.HearingID != h.ID || rc.Seq <= last {
				continue // another hearing's, or already sent (replayed, or a republish)
			}
			missed := []RoomChange{rc}
			if rc.Seq > last+1 {
				// Number rc.Seq is committed, so every one before it is too.
				var err error
				if missed, err = loadChanges(ctx, s.db, h.CourtID, h.ID, last, rc.Seq); err != nil {
					s.log.Warn("hearing: room events", "hearing", h.ID, "err", err)
					return
				}
			}
			if !send(missed...) {
				return
			}
		}
	}()
	return out, stop, nil
}
