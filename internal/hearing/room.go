package hearing

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// EntryWindow is how long before the start participants may enter the room.
const EntryWindow = time.Hour

// TokenTTL is the lifetime of a room token.
const TokenTTL = 6 * time.Hour

// EventRoomChanged is the type of the room-page events (payload RoomChange).
const EventRoomChanged = "ecourt.hearing.room.changed"

// RoomChange is the payload of ecourt.hearing.room.changed: what changed in
// a hearing room, for the room pages (SSE) and the record.
type RoomChange struct {
	HearingID string `json:"hearing_id"`
	// Seq is the change's number in the hearing's control record (1, 2,
	// 3…, Action.Seq), the ID of its event on the SSE stream; a snapshot
	// carries the number of the last change it includes.
	Seq    int64  `json:"seq"`
	Action string `json:"action"`
	Target string `json:"target,omitempty"`
	// PartyID is set for a consultation: every participant of that party
	// (party and representatives) changes rooms.
	PartyID string `json:"party_id,omitempty"`
	State   State  `json:"state,omitempty"`
	Status  Status `json:"status"`
	// AudioOnly is the new mode after an audio_only action.
	AudioOnly *bool     `json:"audio_only,omitempty"`
	At        time.Time `json:"at"`
}

// fromDetail sets the fields a control record entry keeps in its detail.
func (rc *RoomChange) fromDetail(detail map[string]any) {
	if pid, ok := detail["party_id"].(string); ok {
		rc.PartyID = pid
	}
	if on, ok := detail["audio_only"].(bool); ok {
		rc.AudioOnly = &on
	}
}

// Entry is what a participant gets on entering the room: where to connect
// and with which token, and where they stand.
type Entry struct {
	URL       string `json:"url"`
	Token     string `json:"token"`
	Room      string `json:"room"`
	Identity  string `json:"identity"`
	Kind      Kind   `json:"kind"`
	Seat      string `json:"seat"`
	PartyID   string `json:"party_id"`
	State     State  `json:"state"`
	Moderator bool   `json:"moderator"`
	AudioOnly bool   `json:"audio_only"`
	Status    Status `json:"status"`
}

// The control actions.
const (
	ActOpen         = "open"
	ActClose        = "close"
	ActRecess       = "recess"
	ActResume       = "resume"
	ActAdmit        = "admit"
	ActHold         = "hold"
	ActMute         = "mute"
	ActUnmute       = "unmute"
	ActRemove       = "remove"
	ActWitnessIn    = "witness_in"
	ActWitnessOut   = "witness_out"
	ActAudioOnly    = "audio_only"
	ActConsultStart = "consult_start"
	ActConsultEnd   = "consult_end"
	ActAddModerator = "add_moderator"
)

// Actions lists the control actions.
var Actions = []string{ActOpen, ActClose, ActRecess, ActResume, ActAdmit, ActHold, ActMute, ActUnmute, ActRemove,
	ActWitnessIn, ActWitnessOut, ActAudioOnly, ActConsultStart, ActConsultEnd, ActAddModerator}

// sessionActions need no target.
var sessionActions = []string{ActOpen, ActClose, ActRecess, ActResume}

// Control is one control request. Target is the participant's identity;
// On is the value for audio_only, whose empty Target means the caller.
type Control struct {
	Action string `json:"action"`
	Target string `json:"target"`
	On     bool   `json:"on"`
}

func participantOf(h Hearing, pred func(Participant) bool) (Participant, bool) {
	i := slices.IndexFunc(h.Participants, pred)
	if i < 0 {
		return Participant{}, false
	}
	return h.Participants[i], true
}

func (p Participant) perms() Perms {
	return Perms{Publish: true, Subscribe: true, AudioOnly: p.AudioOnly, Admin: p.Moderator}
}

func metadata(p Participant) string {
	return jsonString(map[string]any{"kind": p.Kind, "seat": p.Seat, "moderator": p.Moderator, "name": p.Name})
}

// Enter lets the signed-in person into the hearing room after re-checking
// identity (Online Litigation Rules Art. 7): the account must be one of the
// hearing's online participants, real-name verified (staff instead must
// still hold a staff role at the court). Staff are admitted at once (the
// bench and the clerk run the room); everyone else waits until admitted,
// and a witness until brought in. Who comes back after a technical
// interruption takes up their place again (Art. 25: no new admission); who
// left or was removed waits again. The entry is recorded with its time.
// A participant in a private consultation gets a token for the
// consultation room, and so does one whose connection dropped during a
// consultation that is still going on; if it ended meanwhile, they come
// back to their place in the main room. Errors: errs.Unauthenticated;
// errs.Forbidden "error.unverified"; errs.NotFound for a stranger;
// errs.Conflict when the hearing is cancelled or closed, or not yet open
// for entry, or the person takes part offline.
func (s *Service) Enter(ctx context.Context, hearingID string) (Entry, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return Entry{}, err
	}
	h, err := loadHearing(ctx, s.db, hearingID)
	if err != nil {
		return Entry{}, err
	}
	p, ok := participantOf(h, func(p Participant) bool { return p.AccountID != "" && p.AccountID == pr.UserID })
	if !ok {
		return Entry{}, errs.New(errs.NotFound, "hearing.error.not_found")
	}
	if err := checkStanding(ctx, pr, h, p); err != nil {
		return Entry{}, err
	}
	switch {
	case h.Status == Cancelled || h.Status == Closed:
		return Entry{}, errs.New(errs.Conflict, "hearing.error.not_live")
	case s.clock().Now().Before(h.StartsAt.Add(-EntryWindow)):
		return Entry{}, errs.New(errs.Conflict, "hearing.error.too_early", localTime(h.StartsAt.Add(-EntryWindow)))
	case p.Mode != Online:
		return Entry{}, errs.New(errs.Conflict, "hearing.error.offline")
	}
	if err := s.deps.Rooms.CreateRoom(ctx, h.Room); err != nil {
		return Entry{}, errs.Wrap(errs.Unavailable, "hearing.error.video", err)
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadHearing(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		h = cur
		p, _ = participantOf(h, func(q Participant) bool { return q.Identity == p.Identity })
		switch {
		case p.Kind.staff():
			p.State = Admitted
		case p.Kind == KindWitness && p.State != Admitted:
			p.State = WitnessOut
		case p.State == Admitted || p.State == InConsult:
			// a reconnect keeps the place
		case p.State == Interruption:
			// Art. 25: a technical interruption is not absence; who comes
			// back takes up the place they had, without re-admission: the
			// consultation they were in if it is still going on (consult_end
			// clears Consult), else the main room.
			p.State = resumeState(ctx, tx, h.ID, p.Identity)
			if p.State == InConsult && p.Consult == "" {
				p.State = Admitted
			}
			if p.State != InConsult {
				p.Consult = ""
			}
		default:
			p.State = Waiting
		}
		now := tx.Now
		p.EnteredAt, p.UpdatedAt = &now, now
		if err := updateParticipant(ctx, tx, h.CourtID, h.ID, p); err != nil {
			return err
		}
		return s.roomRecord(ctx, tx, h, "enter", p.Identity, p.State, nil)
	})
	if err != nil {
		return Entry{}, err
	}
	room, perms := h.Room, Perms{}
	switch p.State {
	case Admitted:
		perms = p.perms()
	case InConsult:
		room, perms = p.Consult, Perms{Publish: true, Subscribe: true, AudioOnly: p.AudioOnly}
		// The media server may have closed the consultation room while
		// everyone in it was cut off.
		if err := s.deps.Rooms.CreateRoom(ctx, room); err != nil {
			return Entry{}, errs.Wrap(errs.Unavailable, "hearing.error.video", err)
		}
	}
	tok, err := s.deps.Rooms.Token(ctx, TokenRequest{Room: room, Identity: p.Identity, Name: p.Seat + " " + p.Name,
		Metadata: metadata(p), Perms: perms, TTL: TokenTTL})
	if err != nil {
		return Entry{}, errs.Wrap(errs.Unavailable, "hearing.error.video", err)
	}
	return Entry{URL: s.deps.Rooms.URL(), Token: tok, Room: room, Identity: p.Identity, Kind: p.Kind, Seat: p.Seat,
		PartyID: p.PartyID, State: p.State, Moderator: p.Moderator, AudioOnly: p.AudioOnly, Status: h.Status}, nil
}

// roomRecord writes the control record entry, the audit entry
// hearing.room.<action> and the room event.
func (s *Service) roomRecord(ctx context.Context, tx *sqldb.Tx, h Hearing, action, target string, state State, detail map[string]any) error {
	seq, err := nextActionSeq(ctx, tx, h.CourtID, h.ID)
	if err != nil {
		return err
	}
	a := Action{ID: ids.New(), Seq: seq, At: tx.Now, ActorID: audit.ActorFrom(ctx).UserID, Action: action, Target: target,
		Detail: "{}"}
	if detail != nil {
		a.Detail = jsonString(detail)
	}
	if err := insertAction(ctx, tx, h.CourtID, h.ID, a, state, h.Status); err != nil {
		return err
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "hearing.room." + action, CourtID: h.CourtID, CaseID: h.CaseID,
		Target: h.ID, Detail: map[string]any{"target": target, "state": state}}); err != nil {
		return err
	}
	rc := RoomChange{HearingID: h.ID, Seq: seq, Action: action, Target: target, State: state, Status: h.Status, At: tx.Now}
	rc.fromDetail(detail)
	ev := bus.NewEvent(EventRoomChanged, rc)
	ev.CourtID, ev.CaseID, ev.Actor = h.CourtID, h.CaseID, a.ActorID
	return bus.Enqueue(ctx, tx, ev)
}

// Reasons a participant's connection ended, for ParticipantLeft.
const (
	ReasonDisconnect = "disconnect" // network, device, power: Art. 25 technical interruption
	ReasonLeave      = "leave"      // the participant left on purpose
)

// ParticipantLeft records that a participant's connection to the
// hearing's main room ended; see RoomLeft, which the app should feed
// instead (it also covers the consultation rooms). A participant in a
// private consultation has moved to its sub-room: the end of their
// main-room connection is that move, and changes nothing.
func (s *Service) ParticipantLeft(ctx context.Context, hearingID, identity, reason string) error {
	return s.left(ctx, hearingID, "", identity, reason)
}

// consultInfix joins a hearing's room and a party ID into the name of the
// party's consultation room.
const consultInfix = "-consult-"

// RoomLeft records that a participant's connection to a video room of a
// hearing ended; the app feeds it from the video service's
// participant-left events of every room named "hearing-…": the hearing's
// own room ("hearing-<id>") or one of its private consultation rooms
// ("hearing-<id>-consult-<party>"). A disconnect is a technical
// interruption, not absence (Online Litigation Rules Art. 25), in the main
// room as in a consultation; a deliberate leave is "left". The record
// keeps the place left ("from": admitted, a witness outside, consulting),
// to which Enter returns after an interruption: a participant cut off
// during a consultation returns to it, or to the main room if it ended
// meanwhile. Only the room the participant is in counts: the end of a
// main-room connection of someone in a consultation (they moved), or of a
// consultation connection of someone back in the main room, changes
// nothing. A participant removed by the judge stays removed. Rooms of no
// hearing, unknown hearings or identities are ignored (nil), and repeating
// a report changes nothing, so the feed may deliver at least once.
// Errors: errs.Invalid (field reason) for a reason other than
// ReasonDisconnect or ReasonLeave.
func (s *Service) RoomLeft(ctx context.Context, room, identity, reason string) error {
	rest, ok := strings.CutPrefix(room, "hearing-")
	if !ok {
		return s.left(ctx, "", "", identity, reason)
	}
	if id, _, consult := strings.Cut(rest, consultInfix); consult {
		return s.left(ctx, id, room, identity, reason)
	}
	return s.left(ctx, rest, "", identity, reason)
}

// left records the end of identity's connection to the hearing's main
// room (consult "") or to the consultation room consult.
func (s *Service) left(ctx context.Context, hearingID, consult, identity, reason string) error {
	if reason != ReasonDisconnect && reason != ReasonLeave {
		return errs.Fields(errs.Field("reason", "hearing_left_reason"))
	}
	if hearingID == "" {
		return nil
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		h, err := loadHearing(ctx, tx, hearingID)
		if errs.CodeOf(err) == errs.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		p, ok := participantOf(h, func(p Participant) bool { return p.Identity == identity })
		if !ok || p.State == Removed || p.State == Expected || p.State == Left || p.State == Interruption {
			return nil
		}
		// Only the connection to the room the participant is in counts.
		if inConsult := p.State == InConsult; inConsult != (consult != "") || (inConsult && p.Consult != consult) {
			return nil
		}
		from := p.State
		p.State, p.UpdatedAt = Left, tx.Now
		if reason == ReasonDisconnect {
			// Art. 25; a consultation's room is kept in Consult for the
			// return (consult_end clears it).
			p.State = Interruption
		} else {
			p.Consult = ""
		}
		if err := updateParticipant(ctx, tx, h.CourtID, h.ID, p); err != nil {
			return err
		}
		detail := map[string]any{"reason": reason, "from": from}
		if consult != "" {
			detail["room"] = consult
			detail["party_id"] = p.PartyID
		}
		return s.roomRecord(ctx, tx, h, "left", identity, p.State, detail)
	})
}

// resumeState is the place a participant had before their technical
// interruption (the "from" of their last departure on the record):
// admitted, a witness outside, consulting, or the waiting room when
// unknown.
func resumeState(ctx context.Context, tx *sqldb.Tx, hearingID, identity string) State {
	acts, err := loadActions(ctx, tx, hearingID)
	if err != nil {
		return Waiting
	}
	for i := len(acts) - 1; i >= 0; i-- {
		a := acts[i]
		if a.Target != identity || a.Action != "left" {
			continue
		}
		var d struct {
			From State `json:"from"`
		}
		if json.Unmarshal([]byte(a.Detail), &d) == nil && (d.From == Admitted || d.From == WitnessOut || d.From == InConsult) {
			return d.From
		}
		break
	}
	return Waiting
}

// Participants returns the hearing's participants and its control record
// to its participants and to readers of the case.
func (s *Service) Participants(ctx context.Context, hearingID string) (Hearing, []Action, error) {
	h, err := s.Find(ctx, hearingID)
	if err != nil {
		return Hearing{}, nil, err
	}
	acts, err := loadActions(ctx, s.db, h.ID)
	return h, acts, err
}

// FindRoom returns the hearing for its room page and room events: to
// whoever may read the case (Find), and to a witness called to it, who is
// no reader of the case file. Art. 26 keeps a witness from following the
// proceedings, not from the room they are called to: their media
// permissions (Enter, witness_in/out) decide what they see and hear.
// Errors: as Find.
func (s *Service) FindRoom(ctx context.Context, hearingID string) (Hearing, error) {
	h, err := s.Find(ctx, hearingID)
	if code := errs.CodeOf(err); code != errs.NotFound && code != errs.Forbidden {
		return h, err
	}
	pr, ok := auth.From(ctx)
	if !ok {
		return Hearing{}, err
	}
	hh, lerr := loadHearing(ctx, s.db, hearingID)
	if lerr != nil {
		return Hearing{}, err
	}
	if _, ok := participantOf(hh, func(p Participant) bool {
		return p.Kind == KindWitness && p.AccountID != "" && p.AccountID == pr.UserID
	}); ok {
		return hh, nil
	}
	return Hearing{}, err
}

// checkStanding re-checks who acts in the room (Online Litigation Rules
// Art. 7): the bench and the clerk are known to the court by their
// appointment, so their check is that they still hold a staff role at the
// court; everyone else must be real-name verified.
func checkStanding(ctx context.Context, pr auth.Principal, h Hearing, p Participant) error {
	if p.Kind.staff() {
		if !pr.Has(h.CourtID, auth.Judge, auth.JudgeAssistant, auth.Clerk, auth.CourtAdmin) {
			return errs.New(errs.Forbidden, "hearing.error.not_staff_now")
		}
		return nil
	}
	_, err := auth.RequireVerified(ctx)
	return err
}
