package app

import (
	"context"

	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// FindAttendee tells the exhibit context where the signed-in caller stands
// in a hearing's room, so that everyone admitted to it — a witness brought
// in too, who may not read the case file — sees the exhibit presented
// (Online Litigation Rules Art. 14 para 2, Art. 26). It goes through
// hearing.FindRoom, which lets in readers of the case (audited by the
// casefile) and the hearing's witnesses, and reports the caller's
// participant: admitted when in the main room now (a witness brought in,
// not kept out), and whether the hearing has ended. Someone FindRoom lets
// in who is no participant (a reader of the case not called to the
// hearing) is errs.NotFound, like a stranger.
func (f hearingFinder) FindAttendee(ctx context.Context, id string) (exhibit.Attendee, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return exhibit.Attendee{}, err
	}
	h, err := f.h.FindRoom(ctx, id)
	if err != nil {
		return exhibit.Attendee{}, err
	}
	var mine []hearing.Participant
	for _, p := range h.Participants {
		if p.AccountID != "" && p.AccountID == pr.UserID {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		return exhibit.Attendee{}, errs.New(errs.NotFound, "hearing.error.not_found")
	}
	// One account may take several places (a lawyer for two parties):
	// the one in the room counts.
	p := mine[0]
	for _, q := range mine {
		if q.State == hearing.Admitted {
			p = q
			break
		}
	}
	return exhibit.Attendee{HearingID: h.ID, CaseID: h.CaseID, CourtID: h.CourtID, Identity: p.Identity, Kind: string(p.Kind),
		Admitted: p.State == hearing.Admitted, Ended: h.Status == hearing.Closed || h.Status == hearing.Cancelled}, nil
}
