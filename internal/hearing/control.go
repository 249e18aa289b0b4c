package hearing

import (
	"context"
	"slices"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// isModerator reports whether the signed-in account moderates the room.
func isModerator(h Hearing, account string) (Participant, bool) {
	p, ok := participantOf(h, func(p Participant) bool { return p.AccountID == account && p.AccountID != "" })
	return p, ok && p.Moderator
}

// Control carries out one control action by a moderator of the room (the
// presiding judge, and a second moderator the judge designates with
// add_moderator). The clerk may also admit and hold (CPL Art. 140: the
// clerk checks who is present). The action is applied to the video room
// through Rooms, then recorded (hearing_action, audit, room event; open and
// close also ecourt.hearing.hearing.opened/closed and the timeline).
// Repeating an action whose effect is already in place changes nothing
// and calls nothing. audio_only may also be set by the participant
// themself. Errors: errs.Forbidden "hearing.error.not_moderator";
// errs.Invalid for an unknown action or target; errs.Conflict for an action
// the state does not allow; errs.Unavailable when the video service fails
// (nothing recorded).
func (s *Service) Control(ctx context.Context, hearingID string, c Control) (Hearing, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return Hearing{}, err
	}
	h, err := loadHearing(ctx, s.db, hearingID)
	if err != nil {
		return Hearing{}, err
	}
	actor, member := participantOf(h, func(p Participant) bool { return p.AccountID == pr.UserID && p.AccountID != "" })
	if !member {
		return Hearing{}, errs.New(errs.NotFound, "hearing.error.not_found")
	}
	if err := checkStanding(ctx, pr, h, actor); err != nil {
		return Hearing{}, err
	}
	if !slices.Contains(Actions, c.Action) {
		return Hearing{}, errs.Fields(errs.Field("action", "hearing_action"))
	}
	if c.Action == ActAudioOnly && c.Target == "" {
		c.Target = actor.Identity // switching one's own mode
	}
	var target Participant
	if !slices.Contains(sessionActions, c.Action) {
		var ok bool
		target, ok = participantOf(h, func(p Participant) bool { return p.Identity == c.Target })
		if !ok {
			return Hearing{}, errs.Fields(errs.Field("target", "hearing_target"))
		}
	}
	allowed := actor.Moderator ||
		(actor.Kind == KindClerk && (c.Action == ActAdmit || c.Action == ActHold)) ||
		(c.Action == ActAudioOnly && target.Identity == actor.Identity)
	if !allowed {
		return Hearing{}, errs.New(errs.Forbidden, "hearing.error.not_moderator")
	}
	if c.Action == ActAddModerator && actor.Kind != KindPresiding && !(actor.Kind == KindJudge && actor.Moderator) {
		return Hearing{}, errs.New(errs.Forbidden, "hearing.error.not_presiding")
	}
	if h.Status == Cancelled || h.Status == Closed {
		return Hearing{}, errs.New(errs.Conflict, "hearing.error.not_live")
	}
	plan, err := s.planControl(h, target, c)
	if err != nil || plan.noop {
		return h, err
	}
	if err := plan.video(ctx, s.deps.Rooms); err != nil {
		return Hearing{}, errs.Wrap(errs.Unavailable, "hearing.error.video", err)
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadHearing(ctx, tx, h.ID)
		if err != nil {
			return err
		}
		if cur.Status != h.Status {
			return errs.New(errs.Conflict, "hearing.error.changed")
		}
		h = cur
		if plan.status != "" {
			h.Status, h.UpdatedAt = plan.status, tx.Now
			now := tx.Now
			if c.Action == ActOpen {
				h.OpenedAt = &now
			}
			if c.Action == ActClose {
				h.ClosedAt = &now
			}
			if err := updateHearing(ctx, tx, h); err != nil {
				return err
			}
		}
		for _, up := range plan.updates {
			up.UpdatedAt = tx.Now
			if err := updateParticipant(ctx, tx, h.CourtID, h.ID, up); err != nil {
				return err
			}
		}
		if err := s.roomRecord(ctx, tx, h, c.Action, c.Target, plan.state, plan.detail); err != nil {
			return err
		}
		if c.Action == ActOpen || c.Action == ActClose {
			verb := map[string]string{ActOpen: "opened", ActClose: "closed"}[c.Action]
			return s.record(ctx, tx, h, verb, c.Action, "")
		}
		return nil
	})
	if err != nil {
		return Hearing{}, err
	}
	return loadHearing(ctx, s.db, h.ID)
}

// controlPlan is what an action does: the video calls, then the state.
type controlPlan struct {
	noop    bool
	status  Status
	updates []Participant
	state   State
	detail  map[string]any
	video   func(ctx context.Context, r Rooms) error
}

func nothing(context.Context, Rooms) error { return nil }

// planControl applies the room's rules to one action (no I/O).
func (s *Service) planControl(h Hearing, t Participant, c Control) (controlPlan, error) {
	room := h.Room
	conflict := func() (controlPlan, error) { return controlPlan{}, errs.New(errs.Conflict, "hearing.error.state") }
	switch c.Action {
	case ActOpen, ActResume:
		from := map[string]Status{ActOpen: Scheduled, ActResume: Recessed}[c.Action]
		if h.Status == Open {
			return controlPlan{noop: true}, nil
		}
		if h.Status != from {
			return conflict()
		}
		return controlPlan{status: Open, video: nothing}, nil
	case ActRecess:
		if h.Status == Recessed {
			return controlPlan{noop: true}, nil
		}
		if h.Status != Open {
			return conflict()
		}
		return controlPlan{status: Recessed, video: nothing}, nil
	case ActClose:
		if h.Status != Open && h.Status != Recessed {
			return conflict()
		}
		// Who never entered is absent; who dropped for network reasons stays
		// a technical interruption (Art. 25) — both are kept as they are.
		return controlPlan{status: Closed, video: func(ctx context.Context, r Rooms) error { return r.DeleteRoom(ctx, room) }}, nil
	}
	if t.Mode != Online && c.Action != ActAddModerator {
		return controlPlan{}, errs.New(errs.Conflict, "hearing.error.offline")
	}
	id := t.Identity
	switch c.Action {
	case ActAdmit:
		if t.Kind == KindWitness {
			return controlPlan{}, errs.New(errs.Conflict, "hearing.error.use_witness_in")
		}
		if t.State == Admitted {
			return controlPlan{noop: true}, nil
		}
		if t.State != Waiting {
			return conflict()
		}
		t.State = Admitted
		perms := t.perms()
		return controlPlan{updates: []Participant{t}, state: Admitted,
			video: func(ctx context.Context, r Rooms) error { return r.Admit(ctx, room, id, perms) }}, nil
	case ActHold:
		if t.Kind.staff() {
			return conflict()
		}
		if t.State == Waiting {
			return controlPlan{noop: true}, nil
		}
		if t.State != Admitted {
			return conflict()
		}
		t.State = Waiting
		return controlPlan{updates: []Participant{t}, state: Waiting,
			video: func(ctx context.Context, r Rooms) error { return r.Hold(ctx, room, id) }}, nil
	case ActWitnessIn:
		if t.Kind != KindWitness {
			return conflict()
		}
		if t.State == Admitted {
			return controlPlan{noop: true}, nil
		}
		if t.State != WitnessOut && t.State != Waiting {
			return conflict()
		}
		t.State = Admitted
		perms := Perms{Publish: true, Subscribe: true, AudioOnly: t.AudioOnly}
		return controlPlan{updates: []Participant{t}, state: Admitted,
			video: func(ctx context.Context, r Rooms) error { return r.Admit(ctx, room, id, perms) }}, nil
	case ActWitnessOut:
		if t.Kind != KindWitness {
			return conflict()
		}
		if t.State == WitnessOut {
			return controlPlan{noop: true}, nil
		}
		if t.State != Admitted {
			return conflict()
		}
		// Art. 26: out of the proceedings means no subscription at all.
		t.State = WitnessOut
		return controlPlan{updates: []Participant{t}, state: WitnessOut,
			video: func(ctx context.Context, r Rooms) error { return r.Hold(ctx, room, id) }}, nil
	case ActMute, ActUnmute:
		muted := c.Action == ActMute
		return controlPlan{state: t.State, detail: map[string]any{"muted": muted},
			video: func(ctx context.Context, r Rooms) error { return r.Mute(ctx, room, id, muted) }}, nil
	case ActRemove:
		if t.Kind.staff() {
			return conflict()
		}
		if t.State == Removed {
			return controlPlan{noop: true}, nil
		}
		t.State, t.Consult = Removed, ""
		return controlPlan{updates: []Participant{t}, state: Removed,
			video: func(ctx context.Context, r Rooms) error { return r.Remove(ctx, room, id) }}, nil
	case ActAudioOnly:
		if t.AudioOnly == c.On {
			return controlPlan{noop: true}, nil
		}
		t.AudioOnly = c.On
		perms := t.perms()
		video := nothing
		if t.State == Admitted {
			video = func(ctx context.Context, r Rooms) error { return r.Admit(ctx, room, id, perms) }
		}
		return controlPlan{updates: []Participant{t}, state: t.State, detail: map[string]any{"audio_only": c.On}, video: video}, nil
	case ActAddModerator:
		if t.Moderator {
			return controlPlan{noop: true}, nil
		}
		if !t.Kind.staff() {
			return controlPlan{}, errs.New(errs.Conflict, "hearing.error.moderator_staff")
		}
		t.Moderator = true
		perms := t.perms()
		video := nothing
		if t.State == Admitted && t.Mode == Online {
			video = func(ctx context.Context, r Rooms) error { return r.Admit(ctx, room, id, perms) }
		}
		return controlPlan{updates: []Participant{t}, state: t.State, video: video}, nil
	case ActConsultStart, ActConsultEnd:
		// The party and its representatives step out together into a
		// sub-room where the court cannot hear them.
		if t.Kind != KindParty && t.Kind != KindRep {
			return conflict()
		}
		var group []Participant
		for _, p := range h.Participants {
			if p.PartyID == t.PartyID && (p.Kind == KindParty || p.Kind == KindRep) && p.Mode == Online {
				group = append(group, p)
			}
		}
		if c.Action == ActConsultStart {
			if t.State == InConsult {
				return controlPlan{noop: true}, nil
			}
			if len(group) < 2 {
				return controlPlan{}, errs.New(errs.Conflict, "hearing.error.consult_alone")
			}
			sub := room + consultInfix + t.PartyID
			var ups []Participant
			for _, p := range group {
				if p.State == Admitted {
					p.State, p.Consult = InConsult, sub
					ups = append(ups, p)
				}
			}
			if len(ups) == 0 {
				return conflict()
			}
			return controlPlan{updates: ups, state: InConsult, detail: map[string]any{"party_id": t.PartyID},
				video: func(ctx context.Context, r Rooms) error {
					if err := r.CreateRoom(ctx, sub); err != nil {
						return err
					}
					for _, p := range ups {
						if err := r.Hold(ctx, room, p.Identity); err != nil {
							return err
						}
					}
					return nil
				}}, nil
		}
		// The consultation ends for the whole group, also when the target
		// is the one whose connection dropped during it (Art. 25): that one
		// keeps the interruption and comes back to the main room (Enter).
		sub := ""
		for _, p := range group {
			if p.Consult != "" && (p.State == InConsult || p.State == Interruption) {
				sub = p.Consult
				break
			}
		}
		if sub == "" {
			return controlPlan{noop: true}, nil
		}
		var ups, back []Participant
		state := t.State
		for _, p := range group {
			if p.Consult != sub || (p.State != InConsult && p.State != Interruption) {
				continue
			}
			if p.State == InConsult {
				p.State = Admitted
				back = append(back, p)
			}
			p.Consult = ""
			ups = append(ups, p)
			if p.Identity == t.Identity {
				state = p.State
			}
		}
		return controlPlan{updates: ups, state: state, detail: map[string]any{"party_id": t.PartyID},
			video: func(ctx context.Context, r Rooms) error {
				for _, p := range back {
					if err := r.Admit(ctx, room, p.Identity, p.perms()); err != nil {
						return err
					}
				}
				return r.DeleteRoom(ctx, sub)
			}}, nil
	}
	return controlPlan{}, errs.Fields(errs.Field("action", "hearing_action"))
}
