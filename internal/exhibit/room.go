package exhibit

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// This file is the exhibit as the hearing room shows it: to every
// participant admitted to the room at the moment — a witness brought in
// too, who reads nothing of the case file — the one exhibit presented
// now, and nothing else of the case.

// RoomExhibit is what the room shows of the exhibit presented: the number
// and name it is shown under in court and its file. The purpose of proof,
// the parties' opinions and the judge's marks are left out: they are the
// proceedings a witness must not follow (Online Litigation Rules Art. 26).
type RoomExhibit struct {
	ID     string `json:"id"`
	Label  string `json:"label"` // 原告证据1 …; "" for a presentation made before labels were kept
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// FileURL is the hearing-scoped address of the file, served by
	// OpenRoomExhibit while the exhibit is presented.
	FileURL string `json:"file_url"`
}

// RoomPresentation is the exhibit presented in a hearing as its room's
// participants see it.
type RoomPresentation struct {
	HearingID   string      `json:"hearing_id"`
	Exhibit     RoomExhibit `json:"exhibit"`
	PresentedAt time.Time   `json:"presented_at"`
}

// roomFileURL is the path OpenRoomExhibit is routed at.
func roomFileURL(hearingID, exhibitID string) string {
	return "/api/v1/hearings/" + url.PathEscape(hearingID) + "/room/exhibits/" + url.PathEscape(exhibitID) + "/file"
}

// attendee is the access check of the room's views: the caller must be a
// participant admitted to the hearing's main room now, the hearing neither
// closed nor cancelled. Online Litigation Rules Art. 14 para 2 has the
// evidence shown to who takes part in the synchronous exchange; Art. 26
// keeps a witness from following the proceedings, so a witness sees the
// exhibit only while brought in (not while kept out, witness_out).
// Errors: errs.Unauthenticated; errs.Unavailable without Deps.Hearings;
// errs.NotFound for an unknown hearing or a caller who is no participant
// ("exhibit.error.hearing_not_found"); errs.Forbidden
// "exhibit.error.not_in_room" for a participant not admitted now.
func (s *Service) attendee(ctx context.Context, hearingID string) (Attendee, error) {
	if _, err := auth.Require(ctx); err != nil {
		return Attendee{}, err
	}
	if s.deps.Hearings == nil {
		return Attendee{}, errs.New(errs.Unavailable, "exhibit.error.no_hearings")
	}
	if hearingID == "" {
		return Attendee{}, errs.New(errs.NotFound, "exhibit.error.hearing_not_found")
	}
	a, err := s.deps.Hearings.FindAttendee(ctx, hearingID)
	if errs.CodeOf(err) == errs.NotFound || errs.CodeOf(err) == errs.Forbidden {
		return Attendee{}, errs.New(errs.NotFound, "exhibit.error.hearing_not_found")
	}
	if err != nil {
		return Attendee{}, err
	}
	if a.HearingID != hearingID {
		return Attendee{}, errs.New(errs.NotFound, "exhibit.error.hearing_not_found")
	}
	if !a.Admitted || a.Ended {
		return Attendee{}, errs.New(errs.Forbidden, "exhibit.error.not_in_room")
	}
	return a, nil
}

// roomShown returns the exhibit presented now in the attendee's hearing.
func (s *Service) roomShown(ctx context.Context, a Attendee) (shown, Exhibit, error) {
	cur, err := currentPresentation(ctx, s.db, a.CourtID, a.HearingID)
	if errs.CodeOf(err) == errs.NotFound {
		return shown{}, Exhibit{}, errs.New(errs.NotFound, "exhibit.error.nothing_presented")
	}
	if err != nil {
		return shown{}, Exhibit{}, err
	}
	e, err := loadExhibit(ctx, s.db, a.CourtID, cur.ExhibitID)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && (e.CaseID != a.CaseID || cur.CaseID != a.CaseID)) {
		return shown{}, Exhibit{}, errs.New(errs.NotFound, "exhibit.error.nothing_presented")
	}
	return cur, e, err
}

// roomAudit writes the audit entry of one view by an attendee: action,
// the hearing and the exhibit, and who saw it in which capacity.
func (s *Service) roomAudit(ctx context.Context, action string, a Attendee, e Exhibit, extra map[string]any) error {
	detail := map[string]any{"hearing_id": a.HearingID, "exhibit_id": e.ID, "identity": a.Identity, "kind": a.Kind}
	for k, v := range extra {
		detail[k] = v
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: action, CourtID: e.CourtID, CaseID: e.CaseID, Target: e.ID, Detail: detail})
	})
}

// RoomPresented returns the exhibit presented last in a hearing to a
// participant admitted to its room now (a witness brought in included),
// as the room shows it. Every call is audited as "exhibit.room.view"
// (actor the caller, with the hearing and the exhibit). Errors: those of
// the room's access check — errs.NotFound "exhibit.error.hearing_not_found"
// for a stranger, errs.Forbidden "exhibit.error.not_in_room" for a
// participant not in the room now (waiting, a witness kept out, after the
// hearing ended) — and errs.NotFound "exhibit.error.nothing_presented".
func (s *Service) RoomPresented(ctx context.Context, hearingID string) (RoomPresentation, error) {
	ctx = withActor(ctx)
	a, err := s.attendee(ctx, hearingID)
	if err != nil {
		return RoomPresentation{}, err
	}
	cur, e, err := s.roomShown(ctx, a)
	if err != nil {
		return RoomPresentation{}, err
	}
	if err := s.roomAudit(ctx, "exhibit.room.view", a, e, nil); err != nil {
		return RoomPresentation{}, err
	}
	return RoomPresentation{HearingID: a.HearingID, PresentedAt: cur.PresentedAt, Exhibit: RoomExhibit{ID: e.ID, Label: cur.Label,
		Name: e.Name, Kind: e.Kind, Size: e.Size, SHA256: e.SHA256, FileURL: roomFileURL(a.HearingID, e.ID)}}, nil
}

// OpenRoomExhibit returns the file of exhibit exhibitID to a participant
// admitted to the hearing's room now, only while that exhibit is the one
// presented in the hearing; the caller must close it. Every fetch is
// audited as "exhibit.room.file" with the hearing, the exhibit and the
// file's SHA-256. Errors: as RoomPresented, and errs.NotFound
// "exhibit.error.not_presented" for any other exhibit (one presented
// earlier included).
func (s *Service) OpenRoomExhibit(ctx context.Context, hearingID, exhibitID string) (Exhibit, io.ReadCloser, error) {
	ctx = withActor(ctx)
	a, err := s.attendee(ctx, hearingID)
	if err != nil {
		return Exhibit{}, nil, err
	}
	cur, e, err := s.roomShown(ctx, a)
	if errs.CodeOf(err) == errs.NotFound {
		return Exhibit{}, nil, errs.New(errs.NotFound, "exhibit.error.not_presented")
	}
	if err != nil {
		return Exhibit{}, nil, err
	}
	if e.ID != exhibitID {
		return Exhibit{}, nil, errs.New(errs.NotFound, "exhibit.error.not_presented")
	}
	if err := s.roomAudit(ctx, "exhibit.room.file", a, e, map[string]any{"sha256": e.SHA256}); err != nil {
		return Exhibit{}, nil, err
	}
	rc, err := s.deps.Blobs.Open(ctx, e.SHA256)
	if err != nil {
		return Exhibit{}, nil, err
	}
	// Only what the room shows: the file is served under its number.
	e.Label = cur.Label
	return e, rc, nil
}

// RoomUpdate is one message of WatchRoom: the exhibit presented now, or
// Closed when the caller's access to the room's exhibit has ended (a
// witness sent out, the caller held or removed, the hearing closed).
type RoomUpdate struct {
	Presentation RoomPresentation
	Closed       bool
}

// WatchRoom returns the exhibits presented in a hearing from now on, for
// a participant admitted to its room (a witness brought in included), and
// a function that stops watching (also called when ctx ends). Every update
// passes the room's access check again and is audited like RoomPresented;
// once the check refuses, a last update with Closed set is sent and the
// channel closes, so nothing reaches a witness sent out (Online Litigation
// Rules Art. 26). Errors: those of RoomPresented's access check;
// errs.Unavailable without Deps.Live.
func (s *Service) WatchRoom(ctx context.Context, hearingID string) (<-chan RoomUpdate, func(), error) {
	if s.deps.Live == nil {
		return nil, nil, errs.New(errs.Unavailable, "exhibit.error.no_live")
	}
	if _, err := s.attendee(withActor(ctx), hearingID); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	// Subscribed before returning: nothing presented from now on is missed.
	events, stop := s.deps.Live.Live(ctx, EventPresented)
	out := make(chan RoomUpdate, 4)
	go func() {
		defer close(out)
		defer stop()
		eachPresentation(ctx, events, hearingID, func() bool {
			cur, err := s.RoomPresented(ctx, hearingID)
			switch errs.CodeOf(err) {
			case "":
				select {
				case out <- RoomUpdate{Presentation: cur}:
				default: // a slow client re-reads on reconnect
				}
			case errs.Forbidden, errs.NotFound, errs.Unauthenticated:
				if e, _ := errs.As(err); e.Key == "exhibit.error.nothing_presented" {
					return true
				}
				select {
				case out <- RoomUpdate{Closed: true}:
				case <-ctx.Done():
				}
				return false
			}
			// Other failures (the database busy a moment): the next
			// presentation tries again.
			return true
		})
	}()
	return out, cancel, nil
}
