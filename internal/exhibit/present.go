package exhibit

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// hearing resolves a hearing through Deps.Hearings.
func (s *Service) hearing(ctx context.Context, hearingID string) (HearingRef, error) {
	if s.deps.Hearings == nil {
		return HearingRef{}, errs.New(errs.Unavailable, "exhibit.error.no_hearings")
	}
	if hearingID == "" {
		return HearingRef{}, errs.New(errs.NotFound, "exhibit.error.hearing_not_found")
	}
	return s.deps.Hearings.FindHearing(ctx, hearingID)
}

// Present shows an exhibit in a hearing (synchronous exchange, Online
// Litigation Rules Art. 14 para 2; CPL Art. 71: evidence is shown in court
// and examined by the parties). The judge, assistant or clerk of the case
// may show any exhibit, a party only its own. The exhibit becomes the
// hearing's current one (Presented) and visible to every party of the
// case and to everyone admitted to the hearing's room (RoomPresented, a
// witness brought in included); EventPresented goes out through the
// outbox, so every hearing page listening with bus.Live on EventPresented
// (and filtering on hearing_id) sees it. Errors: errs.NotFound for an unknown hearing or exhibit, or an
// exhibit of another case; errs.Forbidden for a party showing another's
// exhibit.
func (s *Service) Present(ctx context.Context, hearingID, exhibitID string) (Presentation, error) {
	ctx = withActor(ctx)
	h, err := s.hearing(ctx, hearingID)
	if err != nil {
		return Presentation{}, err
	}
	caseID, err := caseOfExhibit(ctx, s.db, exhibitID)
	if err != nil {
		return Presentation{}, err
	}
	if caseID != h.CaseID {
		return Presentation{}, errs.New(errs.NotFound, "exhibit.error.not_found")
	}
	v, err := s.view(ctx, caseID)
	if err != nil {
		return Presentation{}, err
	}
	var e Exhibit
	found := false
	for _, x := range v.exhibits {
		if x.ID == exhibitID && v.visible(x) {
			e, found = x, true
		}
	}
	if !found {
		return Presentation{}, errs.New(errs.NotFound, "exhibit.error.not_found")
	}
	if !v.st.clerk && !v.st.own[e.PartyID] {
		return Presentation{}, errs.New(errs.Forbidden, "exhibit.error.present_own")
	}
	p := Presentation{HearingID: h.ID, PresentedBy: audit.ActorFrom(ctx).UserID}
	// The number shown in court is kept with the presentation for the
	// room's participants who do not read the case file (RoomPresented).
	shownAs := v.complete(s, e).Label
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		p.PresentedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO exhibit_presentation (court_id, hearing_id, case_id, exhibit_id, presented_by, presented_at, label)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (court_id, hearing_id, exhibit_id) DO UPDATE SET presented_by = excluded.presented_by,
			presented_at = excluded.presented_at, label = excluded.label`, e.CourtID, h.ID, e.CaseID, e.ID, p.PresentedBy, p.PresentedAt, shownAs); err != nil {
			return err
		}
		detail := map[string]any{"hearing_id": h.ID, "exhibit_id": e.ID, "case_id": e.CaseID, "party_id": e.PartyID, "seq": e.Seq, "kind": e.Kind}
		if err := enqueue(ctx, tx, v.st.c, EventPresented, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.exhibit.present", CourtID: e.CourtID, CaseID: e.CaseID, Target: e.ID, Detail: detail})
	})
	if err != nil {
		return Presentation{}, err
	}
	v.presented[e.ID] = true
	p.Exhibit = v.complete(s, e)
	return p, nil
}

// Presented returns the exhibit shown last in a hearing. Errors:
// errs.NotFound for an unknown hearing, a hearing of a case the caller may
// not read, or when nothing has been shown yet
// ("exhibit.error.nothing_presented").
func (s *Service) Presented(ctx context.Context, hearingID string) (Presentation, error) {
	ctx = withActor(ctx)
	h, err := s.hearing(ctx, hearingID)
	if err != nil {
		return Presentation{}, err
	}
	v, err := s.view(ctx, h.CaseID)
	if err != nil {
		return Presentation{}, err
	}
	p := Presentation{HearingID: h.ID}
	var exhibitID string
	var at time.Time
	err = s.db.QueryRow(ctx, `SELECT exhibit_id, presented_by, presented_at FROM exhibit_presentation
		WHERE court_id = ? AND hearing_id = ? ORDER BY presented_at DESC LIMIT 1`, v.st.c.CourtID, h.ID).Scan(&exhibitID, &p.PresentedBy, &at)
	if errs.CodeOf(err) == errs.NotFound {
		return Presentation{}, errs.New(errs.NotFound, "exhibit.error.nothing_presented")
	}
	if err != nil {
		return Presentation{}, err
	}
	p.PresentedAt = at.UTC()
	for _, e := range v.exhibits {
		if e.ID == exhibitID {
			p.Exhibit = v.complete(s, e)
			return p, nil
		}
	}
	return Presentation{}, errs.New(errs.NotFound, "exhibit.error.nothing_presented")
}
