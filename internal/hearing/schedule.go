package hearing

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// NoticeDays is the minimum notice: CPL Art. 139 — 人民法院审理民事案件，
// 应当在开庭三日前通知当事人和其他诉讼参与人. Counted on court-local calendar
// days: notified on day D, the hearing may be on D+3 at the earliest.
const NoticeDays = 3

// Duration limits of a hearing.
const (
	MinDuration     = 15 * time.Minute
	MaxDuration     = 12 * time.Hour
	DefaultDuration = 2 * time.Hour
)

// staffOf checks that the principal is the case's judge, judge's assistant
// or clerk (or a court administrator), who alone schedule its hearings.
func (s *Service) staffOf(ctx context.Context, caseID string) (casefile.Case, auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return casefile.Case{}, p, err
	}
	c, err := s.deps.Cases.Authorize(ctx, caseID, casefile.NeedRecord)
	if err != nil {
		return c, p, err
	}
	a := c.Assignment
	if p.UserID == a.JudgeID || p.UserID == a.AssistantID || p.UserID == a.ClerkID ||
		p.Has(c.CourtID, auth.CourtAdmin) || p.Has("", auth.PlatformAdmin) {
		return c, p, nil
	}
	return c, p, errs.New(errs.Forbidden, "hearing.error.not_case_staff")
}

// Schedule schedules a hearing of the case. Only the case's judge, judge's
// assistant or clerk (or a court administrator) may. JudgeIDs and ClerkID
// default to the case's assignment. Rules, each refused with a bilingual
// message and nothing changed:
//
//   - CPL Art. 139: the hearing's court-local date is at least NoticeDays
//     after today;
//   - CPL Art. 137: a hearing not in public names its reason
//     (PrivateReasons); state-secret cases are never public;
//   - conflicts: a judge or assessor of the bench, the courtroom, or a
//     representative of a party with another live hearing overlapping
//     (errs.Conflict naming the other case and time);
//   - Online Litigation Rules Art. 4: a party asked to be online without
//     its consent for the hearing stage is made offline (ModeReason
//     "no_consent"); Art. 21: with an exclusion ground (given, or
//     party_objection when every party has declined) nobody is online
//     (ModeReason "exclusion:<ground>"), and the ground is recorded.
//
// It writes the hearing, the event ecourt.hearing.hearing.scheduled (a
// Summons), the audit entry hearing.hearing.schedule and, through a job,
// the timeline entry "hearing.scheduled".
func (s *Service) Schedule(ctx context.Context, nh NewHearing) (Hearing, error) {
	c, p, err := s.staffOf(ctx, nh.CaseID)
	if err != nil {
		return Hearing{}, err
	}
	consents, err := s.deps.Cases.Consents(ctx, c.ID)
	if err != nil {
		return Hearing{}, err
	}
	if nh.Duration == 0 && nh.DurationMinutes > 0 {
		nh.Duration = time.Duration(nh.DurationMinutes) * time.Minute
	}
	if nh.Duration == 0 {
		nh.Duration = DefaultDuration
	}
	if len(nh.JudgeIDs) == 0 && c.Assignment.JudgeID != "" {
		nh.JudgeIDs = []string{c.Assignment.JudgeID}
	}
	if nh.ClerkID == "" {
		nh.ClerkID = c.Assignment.ClerkID
	}
	if err := s.checkRoles(ctx, c.CourtID, nh); err != nil {
		return Hearing{}, err
	}
	now := s.clock().Now()
	h, err := s.plan(c, nh, consents, now)
	if err != nil {
		return Hearing{}, err
	}
	h.CreatedBy = p.UserID
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.checkConflicts(ctx, tx, h); err != nil {
			return err
		}
		h.CreatedAt, h.UpdatedAt = tx.Now, tx.Now
		if err := insertHearing(ctx, tx, h); err != nil {
			return err
		}
		for i := range h.Participants {
			h.Participants[i].UpdatedAt = tx.Now
			if err := insertParticipant(ctx, tx, h.CourtID, h.ID, h.Participants[i]); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, h, "scheduled", "schedule", "")
	})
	if err != nil {
		return Hearing{}, err
	}
	return h, nil
}

// checkRoles checks, when a staff directory is configured, that the bench
// are judges (assessors are not a platform role) and the clerk a clerk of
// the case's court.
func (s *Service) checkRoles(ctx context.Context, courtID string, nh NewHearing) error {
	if s.deps.Staff == nil {
		return nil
	}
	var v errs.Collector
	for _, id := range nh.JudgeIDs {
		ok, err := s.deps.Staff.HasRole(ctx, id, courtID, auth.Judge)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("judge_ids", "hearing_not_judge")
			break
		}
	}
	if nh.ClerkID != "" {
		ok, err := s.deps.Staff.HasRole(ctx, nh.ClerkID, courtID, auth.Clerk)
		if err != nil {
			return err
		}
		if !ok {
			v.Add("clerk_id", "hearing_not_clerk")
		}
	}
	return v.Err()
}

// plan validates nh against the case and builds the hearing (not saved).
func (s *Service) plan(c casefile.Case, nh NewHearing, consents []casefile.Consent, now time.Time) (Hearing, error) {
	var v errs.Collector
	if nh.StartsAt.IsZero() {
		v.Add("starts_at", "required")
	} else if !noticeOK(nh.StartsAt, now) {
		v.Add("starts_at", "hearing_notice", NoticeDays)
	}
	if nh.Duration < MinDuration || nh.Duration > MaxDuration {
		v.Add("duration_minutes", "hearing_duration")
	}
	if len(nh.JudgeIDs) == 0 {
		v.Add("judge_ids", "required")
	}
	seen := map[string]bool{}
	for _, id := range append(append([]string{}, nh.JudgeIDs...), nh.AssessorIDs...) {
		if id == "" || seen[id] {
			v.Add("judge_ids", "hearing_bench")
			break
		}
		seen[id] = true
	}
	if nh.ClerkID == "" {
		v.Add("clerk_id", "required")
	}
	checkLen(&v, "courtroom", nh.Courtroom, 100)
	checkLen(&v, "exclusion_note", nh.ExclusionNote, 1000)
	if nh.Public {
		nh.PrivateReason = ""
		if nh.Exclusion == ExclStateSecurity {
			v.Add("public", "hearing_public_secret")
		}
	} else if !slices.Contains(PrivateReasons, nh.PrivateReason) {
		v.Add("private_reason", "hearing_private_reason")
	}
	if nh.Exclusion != "" && !slices.Contains(ExclusionGrounds, nh.Exclusion) {
		v.Add("online_exclusion", "hearing_exclusion")
	}
	if nh.Exclusion == ExclOther && strings.TrimSpace(nh.ExclusionNote) == "" {
		v.Add("exclusion_note", "required")
	}
	for pid, m := range nh.Modes {
		if _, ok := c.Party(pid); !ok {
			v.Add("modes", "hearing_party_unknown")
		} else if m != Online && m != Offline {
			v.Add("modes", "hearing_mode")
		}
	}
	// Art. 21(一): every party has expressly declined online hearing.
	if nh.Exclusion == "" && len(c.Parties) > 0 && allDeclined(c, consents) {
		nh.Exclusion = ExclPartyObjection
		nh.ExclusionNote = "各方当事人均明确表示不同意在线庭审"
	}
	h := Hearing{ID: ids.New(), CourtID: c.CourtID, CaseID: c.ID, CaseNumber: c.Number, Cause: c.Cause, StartsAt: nh.StartsAt.UTC().Truncate(time.Second),
		Courtroom: strings.TrimSpace(nh.Courtroom), Public: nh.Public, PrivateReason: nh.PrivateReason,
		Exclusion: nh.Exclusion, ExclusionNote: strings.TrimSpace(nh.ExclusionNote), Status: Scheduled, Seq: 1}
	h.EndsAt = h.StartsAt.Add(nh.Duration)
	h.Room = "hearing-" + h.ID
	// The bench and the clerk.
	for i, id := range nh.JudgeIDs {
		k, seat := KindJudge, "审判员"
		if i == 0 && len(nh.JudgeIDs)+len(nh.AssessorIDs) > 1 {
			k, seat = KindPresiding, "审判长"
		}
		h.Participants = append(h.Participants, Participant{Identity: ids.New(), Kind: k, Seat: seat, AccountID: id,
			Moderator: i == 0, State: Expected})
	}
	for _, id := range nh.AssessorIDs {
		h.Participants = append(h.Participants, Participant{Identity: ids.New(), Kind: KindAssessor, Seat: "人民陪审员",
			AccountID: id, State: Expected})
	}
	h.Participants = append(h.Participants, Participant{Identity: ids.New(), Kind: KindClerk, Seat: "书记员",
		AccountID: nh.ClerkID, State: Expected})
	// Parties and their representatives.
	online, offline := 0, 0
	for _, pt := range c.Parties {
		mode, reason := nh.Modes[pt.ID], ""
		if mode == "" {
			mode = Offline
		}
		if mode == Online {
			switch {
			case h.Exclusion != "":
				mode, reason = Offline, "exclusion:"+h.Exclusion
			case !consented(consents, pt.ID):
				mode, reason = Offline, "no_consent"
			}
		}
		if mode == Online {
			online++
		} else {
			offline++
		}
		seat := partySeat(pt.Role)
		h.Participants = append(h.Participants, Participant{Identity: ids.New(), Kind: KindParty, Seat: seat,
			AccountID: pt.AccountID, PartyID: pt.ID, Name: pt.Name, Mode: mode, ModeReason: reason, State: Expected})
		for _, r := range c.Representatives {
			if r.PartyID == pt.ID {
				h.Participants = append(h.Participants, Participant{Identity: ids.New(), Kind: KindRep,
					Seat: repSeat(seat, r.Kind), AccountID: r.AccountID, PartyID: pt.ID, Name: r.Name, Mode: mode,
					ModeReason: reason, State: Expected})
			}
		}
	}
	for _, w := range nh.Witnesses {
		if strings.TrimSpace(w.Name) == "" {
			v.Add("witnesses", "required")
			break
		}
		checkLen(&v, "witnesses", w.Name, 100)
		mode, reason := w.Mode, ""
		if mode != Online {
			mode = Offline
		}
		if mode == Online && h.Exclusion != "" {
			mode, reason = Offline, "exclusion:"+h.Exclusion
		}
		if mode == Online && w.AccountID == "" {
			v.Add("witnesses", "hearing_witness_account")
		}
		h.Participants = append(h.Participants, Participant{Identity: ids.New(), Kind: KindWitness, Seat: "证人",
			AccountID: w.AccountID, PartyID: w.PartyID, Name: strings.TrimSpace(w.Name), Mode: mode, ModeReason: reason,
			State: Expected})
	}
	switch {
	case offline == 0 && online > 0:
		h.Mode = Online
	case online == 0:
		h.Mode = Offline
	default:
		h.Mode = Mixed
	}
	if h.Mode != Online && h.Courtroom == "" {
		v.Add("courtroom", "hearing_courtroom")
	}
	// Staff sit in the courtroom, or in the online courtroom when everyone
	// is online; they always have the room.
	for i := range h.Participants {
		if h.Participants[i].Kind.staff() {
			h.Participants[i].Mode = Online
			if h.Mode == Offline {
				h.Participants[i].Mode = Offline
			}
		}
	}
	if err := v.Err(); err != nil {
		return Hearing{}, err
	}
	return h, nil
}

func checkLen(v *errs.Collector, field, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		v.Add(field, "too_long", n)
	}
}

// noticeOK applies CPL Art. 139 on court-local calendar days.
func noticeOK(startsAt, now time.Time) bool {
	return !calendar.DateOf(startsAt).Before(calendar.DateOf(now).Plus(NoticeDays))
}

func consented(ks []casefile.Consent, partyID string) bool {
	for _, k := range ks {
		if k.PartyID == partyID && k.Stage == casefile.StageHearing {
			return k.Consent
		}
	}
	return false
}

// allDeclined reports whether every party has an explicit refusal on
// record for the hearing stage (Art. 21(一)); silence is not refusal.
func allDeclined(c casefile.Case, ks []casefile.Consent) bool {
	for _, pt := range c.Parties {
		declined := false
		for _, k := range ks {
			if k.PartyID == pt.ID && k.Stage == casefile.StageHearing && !k.Consent {
				declined = true
			}
		}
		if !declined {
			return false
		}
	}
	return true
}

// checkConflicts refuses a hearing that shares a judge, the courtroom or a
// representative with another live hearing overlapping it.
func (s *Service) checkConflicts(ctx context.Context, tx *sqldb.Tx, h Hearing) error {
	var bench, reps []string
	for _, p := range h.Participants {
		switch {
		case p.AccountID == "":
		case p.Kind == KindPresiding || p.Kind == KindJudge || p.Kind == KindAssessor:
			bench = append(bench, p.AccountID)
		case p.Kind == KindRep:
			reps = append(reps, p.AccountID)
		}
	}
	judgeKinds := []Kind{KindPresiding, KindJudge, KindAssessor}
	if cs, err := overlapping(ctx, tx, h.ID, h.StartsAt, h.EndsAt, bench, judgeKinds); err != nil {
		return err
	} else if len(cs) > 0 {
		return errs.New(errs.Conflict, "hearing.error.conflict_judge", cs[0].CaseNumber, localTime(cs[0].StartsAt))
	}
	if h.Courtroom != "" && h.Mode != Online {
		if c, busy, err := roomBusy(ctx, tx, h.CourtID, h.Courtroom, h.ID, h.StartsAt, h.EndsAt); err != nil {
			return err
		} else if busy {
			return errs.New(errs.Conflict, "hearing.error.conflict_courtroom", h.Courtroom, c.CaseNumber, localTime(c.StartsAt))
		}
	}
	if cs, err := overlapping(ctx, tx, h.ID, h.StartsAt, h.EndsAt, reps, []Kind{KindRep}); err != nil {
		return err
	} else if len(cs) > 0 {
		name := ""
		for _, p := range h.Participants {
			if p.AccountID == cs[0].AccountID && p.Kind == KindRep {
				name = p.Name
			}
		}
		return errs.New(errs.Conflict, "hearing.error.conflict_representative", name, cs[0].CaseNumber, localTime(cs[0].StartsAt))
	}
	return nil
}

func localTime(t time.Time) string { return t.In(clock.China).Format("2006-01-02 15:04") }

// record writes the event ecourt.hearing.hearing.<verb>, the audit entry
// hearing.hearing.<auditVerb> and the timeline job for a change of h.
func (s *Service) record(ctx context.Context, tx *sqldb.Tx, h Hearing, verb, auditVerb, reason string) error {
	sm := summonsOf(h, reason)
	ev := bus.NewEvent("ecourt.hearing.hearing."+verb, sm)
	ev.CourtID, ev.CaseID, ev.Actor = h.CourtID, h.CaseID, audit.ActorFrom(ctx).UserID
	if err := bus.Enqueue(ctx, tx, ev); err != nil {
		return err
	}
	detail := map[string]any{"hearing_id": h.ID, "starts_at": h.StartsAt, "mode": h.Mode, "courtroom": h.Courtroom,
		"public": h.Public, "seq": h.Seq}
	if h.Exclusion != "" {
		detail["online_exclusion"] = h.Exclusion
	}
	if reason != "" {
		detail["reason"] = reason
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: "hearing.hearing." + auditVerb, CourtID: h.CourtID,
		CaseID: h.CaseID, Target: h.ID, Detail: detail}); err != nil {
		return err
	}
	note := h.CaseNumber + " " + localTime(h.StartsAt)
	if h.Courtroom != "" {
		note += " " + h.Courtroom
	}
	return s.timeline(ctx, tx, h.CourtID, h.CaseID, "hearing."+verb, note, detail)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
