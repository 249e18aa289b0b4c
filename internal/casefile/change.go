package casefile

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func jsonDetail(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of strings and numbers are passed
	}
	return b
}

// Transition moves the case to status to, if the state machine allows it
// from its current status (see CanTransition; suspending and withdrawing need
// a reason). It writes the timeline entry "case.status_changed", the outbox
// event ecourt.casefile.case.status_changed and the audit entry
// casefile.case.transition in one transaction, and returns the case as the
// caller may see it. Errors: those of Authorize (NeedStatus), errs.Invalid
// for an unknown status or a missing reason, errs.Conflict for a move the
// table does not allow or a concurrent change.
func (s *Service) Transition(ctx context.Context, caseID string, to Status, reason string) (Case, error) {
	var out Case
	err := s.change(ctx, caseID, NeedStatus, "casefile.case.transition", func(tx *sqldb.Tx, g grant) (any, error) {
		from := g.c.Status
		if err := checkTransition(from, to, reason); err != nil {
			return nil, err
		}
		if err := updateStatus(ctx, tx, g.c, to); err != nil {
			return nil, err
		}
		detail := map[string]any{"from": from, "to": to, "reason": reason}
		if err := insertEvent(ctx, tx, g.c.CourtID, Event{ID: ids.New(), CaseID: g.c.ID, Type: "case.status_changed",
			At: tx.Now, ActorID: audit.ActorFrom(ctx).UserID, Note: reason, Detail: jsonDetail(detail)}); err != nil {
			return nil, err
		}
		if err := enqueue(ctx, tx, "ecourt.casefile.case.status_changed", g.c, detail); err != nil {
			return nil, err
		}
		g.c.Status, g.c.UpdatedAt = to, tx.Now
		out = g.finish()
		return detail, nil
	})
	return out, err
}

// Assign sets the case's judge, judge's assistant and clerk (an empty ID
// clears the post). Each person named must hold that role at the case's
// court (Staff.HasRole); otherwise errs.Invalid with field judge_id,
// assistant_id or clerk_id. Needs NeedAssign (filing officers, court
// administrators). Writes the timeline entry "case.assigned", the outbox
// event ecourt.casefile.case.assigned and the audit entry
// casefile.case.assign.
func (s *Service) Assign(ctx context.Context, caseID string, a Assignment) (Case, error) {
	if s.staff == nil {
		return Case{}, errs.Wrap(errs.Unavailable, "", errNoStaff)
	}
	// Staff is asked before the transaction: identity may use the database too.
	courtID, err := courtOfCase(ctx, s.db, caseID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return Case{}, errs.New(errs.NotFound, "casefile.error.not_found")
		}
		return Case{}, err
	}
	var v errs.Collector
	for _, post := range []struct {
		field, id string
		role      auth.Role
	}{{"judge_id", a.JudgeID, auth.Judge}, {"assistant_id", a.AssistantID, auth.JudgeAssistant}, {"clerk_id", a.ClerkID, auth.Clerk}} {
		if post.id == "" {
			continue
		}
		ok, err := s.staff.HasRole(ctx, post.id, courtID, post.role)
		if err != nil {
			return Case{}, err
		}
		if !ok {
			v.Add(post.field, "casefile_not_staff")
		}
	}
	var out Case
	err = s.change(ctx, caseID, NeedAssign, "casefile.case.assign", func(tx *sqldb.Tx, g grant) (any, error) {
		if err := v.Err(); err != nil {
			return nil, err
		}
		if err := updateAssignment(ctx, tx, g.c, a); err != nil {
			return nil, err
		}
		detail := map[string]any{"judge_id": a.JudgeID, "assistant_id": a.AssistantID, "clerk_id": a.ClerkID}
		if err := insertEvent(ctx, tx, g.c.CourtID, Event{ID: ids.New(), CaseID: g.c.ID, Type: "case.assigned",
			At: tx.Now, ActorID: audit.ActorFrom(ctx).UserID, Detail: jsonDetail(detail)}); err != nil {
			return nil, err
		}
		if err := enqueue(ctx, tx, "ecourt.casefile.case.assigned", g.c, detail); err != nil {
			return nil, err
		}
		g.c.Assignment, g.c.UpdatedAt = a, tx.Now
		out = g.finish()
		return detail, nil
	})
	return out, err
}

var errNoStaff = errors.New("casefile: Assign needs a Staff directory (casefile.WithStaff)")

// eventTypeRE is the form of timeline event types: dot-separated lowercase
// tokens, e.g. "hearing.scheduled".
var eventTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// AddEvent appends an entry to the case's timeline for another context
// ("hearing.scheduled", "document.served", …) and returns it with its ID. At
// defaults to now; Detail, if given, must be a JSON object. Needs NeedRecord
// (case-handling staff of the court, or AsSystem). Writes the outbox event
// ecourt.casefile.timeline.appended and the audit entry casefile.event.add.
func (s *Service) AddEvent(ctx context.Context, caseID string, e Event) (Event, error) {
	err := s.change(ctx, caseID, NeedRecord, "casefile.event.add", func(tx *sqldb.Tx, g grant) (any, error) {
		var v errs.Collector
		if !eventTypeRE.MatchString(e.Type) || len(e.Type) > 100 {
			v.Add("type", "format")
		}
		if utf8.RuneCountInString(e.Note) > 1000 {
			v.Add("note", "too_long", 1000)
		}
		if len(e.Detail) > 0 {
			var obj map[string]any
			if json.Unmarshal(e.Detail, &obj) != nil || obj == nil {
				v.Add("detail", "format")
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		e.ID, e.CaseID = ids.New(), g.c.ID
		e.At = orNow(e.At, tx.Now)
		e.ActorID = audit.ActorFrom(ctx).UserID
		if len(e.Detail) == 0 {
			e.Detail = json.RawMessage("{}")
		}
		if err := insertEvent(ctx, tx, g.c.CourtID, e); err != nil {
			return nil, err
		}
		if err := touchCase(ctx, tx, g.c); err != nil {
			return nil, err
		}
		if err := enqueue(ctx, tx, "ecourt.casefile.timeline.appended", g.c, e); err != nil {
			return nil, err
		}
		return map[string]any{"event_id": e.ID, "type": e.Type}, nil
	})
	if err != nil {
		return Event{}, err
	}
	return e, nil
}

// SetConsent records whether party partyID consents to online proceedings
// in stage (Online Litigation Rules Art. 4: per party and per stage, never
// inferred for other stages, and withdrawable), how it was given
// (ConsentMethods), by whom and when. The party themself (linked account),
// their representative, or case-handling staff may record it; parties and
// representatives only with how "platform" or "active_choice", since written
// and oral declarations are recorded by staff. Writes the timeline entry
// "consent.given" or "consent.withdrawn", the outbox event
// ecourt.casefile.consent.changed and the audit entry casefile.consent.set.
// Art. 5 (a change of mind must come a reasonable time before the activity)
// is for the court to judge and is not checked here.
func (s *Service) SetConsent(ctx context.Context, caseID, partyID string, stage Stage, consent bool, how string) (Consent, error) {
	var k Consent
	err := s.change(ctx, caseID, NeedConsent, "casefile.consent.set", func(tx *sqldb.Tx, g grant) (any, error) {
		var v errs.Collector
		if _, ok := g.c.Party(partyID); !ok {
			v.Add("party_id", "casefile_party_unknown")
		} else if !g.staff && !g.own[partyID] {
			return nil, errs.New(errs.Forbidden, "casefile.error.forbidden")
		}
		if !stage.Valid() {
			v.Add("stage", "casefile_stage")
		}
		switch {
		case !slices.Contains(ConsentMethods, how):
			v.Add("how", "casefile_consent_how")
		case !g.staff && how != HowPlatform && how != HowActiveChoice:
			v.Add("how", "casefile_consent_how_staff")
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		k = Consent{ID: ids.New(), CaseID: g.c.ID, PartyID: partyID, Stage: stage, Consent: consent, How: how,
			RecordedBy: audit.ActorFrom(ctx).UserID, RecordedAt: tx.Now}
		if err := insertConsent(ctx, tx, g.c.CourtID, k); err != nil {
			return nil, err
		}
		typ := "consent.given"
		if !consent {
			typ = "consent.withdrawn"
		}
		detail := map[string]any{"party_id": partyID, "stage": stage, "consent": consent, "how": how}
		if err := insertEvent(ctx, tx, g.c.CourtID, Event{ID: ids.New(), CaseID: g.c.ID, Type: typ, At: tx.Now,
			ActorID: k.RecordedBy, Detail: jsonDetail(detail)}); err != nil {
			return nil, err
		}
		if err := touchCase(ctx, tx, g.c); err != nil {
			return nil, err
		}
		if err := enqueue(ctx, tx, "ecourt.casefile.consent.changed", g.c, k); err != nil {
			return nil, err
		}
		return detail, nil
	})
	if err != nil {
		return Consent{}, err
	}
	return k, nil
}

// Consents returns each party's current consent per stage (the latest
// record; a stage without a record has no consent: Art. 4(四) forbids
// inferring it). The read is audited.
func (s *Service) Consents(ctx context.Context, caseID string) ([]Consent, error) {
	ctx = withActor(ctx)
	var out []Consent
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		g, err := s.authorize(ctx, tx, caseID, NeedRead)
		if err != nil {
			return err
		}
		if out, err = loadConsents(ctx, tx, g.c, false); err != nil {
			return err
		}
		return s.auditRead(ctx, tx, g.c, map[string]any{"what": "consents"})
	})
	if err != nil {
		s.auditDenied(ctx, caseID, NeedRead, err)
		return nil, err
	}
	return out, nil
}

// HasConsent reports whether party partyID currently consents to online
// proceedings in stage. It reads through the access check like Consents.
func (s *Service) HasConsent(ctx context.Context, caseID, partyID string, stage Stage) (bool, error) {
	ks, err := s.Consents(ctx, caseID)
	if err != nil {
		return false, err
	}
	for _, k := range ks {
		if k.PartyID == partyID && k.Stage == stage {
			return k.Consent, nil
		}
	}
	return false, nil
}

// AddParty adds a party to the case (joinder, a third party…). Needs
// NeedParties. Writes the timeline entry "party.added", the outbox event
// ecourt.casefile.party.added and the audit entry casefile.party.add.
func (s *Service) AddParty(ctx context.Context, caseID string, np NewParty) (Party, error) {
	var p Party
	err := s.change(ctx, caseID, NeedParties, "casefile.party.add", func(tx *sqldb.Tx, g grant) (any, error) {
		var v errs.Collector
		validateParty(&v, "", np)
		if err := v.Err(); err != nil {
			return nil, err
		}
		n, err := countParties(ctx, tx, g.c.CourtID, g.c.ID)
		if err != nil {
			return nil, err
		}
		p = newParty(np)
		if err := insertParty(ctx, tx, g.c.CourtID, g.c.ID, n, p); err != nil {
			return nil, err
		}
		detail := map[string]any{"party_id": p.ID, "role": p.Role}
		if err := s.recordChange(ctx, tx, g.c, "party.added", "ecourt.casefile.party.added", detail); err != nil {
			return nil, err
		}
		return detail, nil
	})
	return p, err
}

// AddRepresentative adds a lawyer or agent for party partyID. Needs
// NeedParties. Writes "representative.added" to the timeline, the outbox
// event ecourt.casefile.representative.added and the audit entry
// casefile.representative.add.
func (s *Service) AddRepresentative(ctx context.Context, caseID, partyID string, nr NewRepresentative) (Representative, error) {
	var r Representative
	err := s.change(ctx, caseID, NeedParties, "casefile.representative.add", func(tx *sqldb.Tx, g grant) (any, error) {
		var v errs.Collector
		if _, ok := g.c.Party(partyID); !ok {
			v.Add("party_id", "casefile_party_unknown")
		}
		validateRepresentative(&v, "", nr)
		if err := v.Err(); err != nil {
			return nil, err
		}
		r = newRepresentative(nr, partyID)
		if err := insertRepresentative(ctx, tx, g.c.CourtID, g.c.ID, r); err != nil {
			return nil, err
		}
		detail := map[string]any{"representative_id": r.ID, "party_id": partyID, "kind": r.Kind, "account_id": r.AccountID}
		if err := s.recordChange(ctx, tx, g.c, "representative.added", "ecourt.casefile.representative.added", detail); err != nil {
			return nil, err
		}
		return detail, nil
	})
	return r, err
}

// LinkAccount links party partyID to the platform account accountID once
// the person has verified their identity and associated the case (Online
// Litigation Rules Art. 10: 验证身份、关联案件). From then on the account
// sees the case as that party. Needs NeedParties. Writes
// "party.account_linked", ecourt.casefile.party.linked and the audit entry
// casefile.party.link.
func (s *Service) LinkAccount(ctx context.Context, caseID, partyID, accountID string) error {
	return s.change(ctx, caseID, NeedParties, "casefile.party.link", func(tx *sqldb.Tx, g grant) (any, error) {
		var v errs.Collector
		if _, ok := g.c.Party(partyID); !ok {
			v.Add("party_id", "casefile_party_unknown")
		}
		checkText(&v, "account_id", accountID, true, 64)
		if err := v.Err(); err != nil {
			return nil, err
		}
		if err := linkPartyAccount(ctx, tx, g.c.CourtID, partyID, accountID); err != nil {
			return nil, err
		}
		detail := map[string]any{"party_id": partyID, "account_id": accountID}
		if err := s.recordChange(ctx, tx, g.c, "party.account_linked", "ecourt.casefile.party.linked", detail); err != nil {
			return nil, err
		}
		return detail, nil
	})
}

// recordChange writes a change's timeline entry and outbox event and bumps
// the case's updated_at.
func (s *Service) recordChange(ctx context.Context, tx *sqldb.Tx, c Case, eventType, busType string, detail map[string]any) error {
	if err := insertEvent(ctx, tx, c.CourtID, Event{ID: ids.New(), CaseID: c.ID, Type: eventType, At: tx.Now,
		ActorID: audit.ActorFrom(ctx).UserID, Detail: jsonDetail(detail)}); err != nil {
		return err
	}
	if err := touchCase(ctx, tx, c); err != nil {
		return err
	}
	return enqueue(ctx, tx, busType, c, detail)
}
