package delivery

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// MaxRecipients bounds the recipients of one Serve call.
const MaxRecipients = 50

// recipient is a RecipientSpec resolved against the case.
type recipient struct {
	party   casefile.Party
	account string // the account whose inbox gets the notice
	foreign bool
}

// Serve serves a document on each recipient: one service record per
// recipient. For each it applies the consent rules (decide) to the party's
// newest 送达地址确认书 and recorded bases at this moment:
//
//   - lawful: an attempt goes out to the addresses of the decision (the
//     valid channels) plus the platform inbox as a notice (Online Litigation
//     Rules Art. 32); the Notifier gets it in the same transaction, and the
//     record is "sending" until a channel reports (ChannelSent);
//   - not lawful: the record is "refused" with the reason, and a fallback
//     task for the clerk lists the methods open for the document.
//
// Every record writes its audit entry "delivery.service.serve", the event
// ecourt.delivery.service.requested (and ecourt.delivery.service.failed for
// a refused one) and a timeline entry, in one transaction for the whole
// call. The caller must be the case's judge, assistant or clerk, a filing
// officer or administrator of its court (or AsSystem).
//
// Errors: unauthenticated; the casefile's not_found/forbidden; forbidden
// "delivery.error.not_case_staff"; invalid with field codes (document,
// recipients, court_id, "final_instance" for an appealable document in a
// small-claims or second-instance case); conflict
// "delivery.error.already_served" when the document was already served on
// one of the recipients (use Resend).
func (s *Service) Serve(ctx context.Context, req ServeRequest) ([]Record, error) {
	ctx = withActor(ctx)
	var v errs.Collector
	if req.CaseID == "" {
		v.AddField(fieldErr("case_id", "required"))
	}
	d := req.Document
	checkText(&v, "document.id", d.ID, true, 100)
	if !d.Kind.Valid() {
		v.AddField(fieldErr("document.kind", "document_kind"))
	}
	checkText(&v, "document.title", d.Title, true, 200)
	checkText(&v, "document.code", d.Code, false, 100)
	if d.Appealable && d.Kind != DocJudgment && d.Kind != DocRuling {
		v.AddField(fieldErr("document.appealable", "not_appealable_kind"))
	}
	switch {
	case len(req.Recipients) == 0:
		v.AddField(fieldErr("recipients", "required"))
	case len(req.Recipients) > MaxRecipients:
		v.AddField(errs.FieldError{Field: "recipients", Code: "too_many", Key: "delivery.field.too_many", Args: []any{MaxRecipients}})
	}
	checkText(&v, "served_by", req.ServedBy, false, 100)
	if v.Has("case_id") {
		return nil, v.Err()
	}
	st, err := s.authorize(ctx, req.CaseID, casefile.NeedRecord)
	if err != nil {
		return nil, err
	}
	if err := st.requireServer(); err != nil {
		return nil, err
	}
	c := st.c
	if req.CourtID != "" && req.CourtID != c.CourtID {
		v.AddField(fieldErr("court_id", "case_court"))
	}
	// A final case's documents cannot be appealed (casefile.Case.Final).
	if d.Appealable && c.Final() {
		v.AddField(fieldErr("document.appealable", "final_instance"))
	}
	recips := resolveRecipients(&v, c, req.Recipients)
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Only the platform itself names another actor; a person serves as
	// themself.
	servedBy := req.ServedBy
	if servedBy == "" || !st.system {
		servedBy = audit.ActorFrom(ctx).UserID
	}
	batch := ids.New()
	courtZH, courtEN := s.courtNames(ctx, c.CourtID)
	var out []Record
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		out = out[:0]
		for _, rc := range recips {
			dup, err := documentServed(ctx, tx, c.CourtID, c.ID, d.ID, rc.party.ID)
			if err != nil {
				return err
			}
			if dup {
				return errs.New(errs.Conflict, "delivery.error.already_served", rc.party.Name)
			}
			r := Record{ID: ids.New(), CourtID: c.CourtID, CaseID: c.ID, CaseNumber: c.Number, BatchID: batch, Document: d,
				PartyID: rc.party.ID, AccountID: rc.account, RecipientName: rc.party.Name, RecipientRole: string(rc.party.Role),
				ForeignDomicile: rc.foreign, ServedBy: servedBy, CreatedAt: tx.Now, UpdatedAt: tx.Now,
				Attempts: []Attempt{}, Fallbacks: []Fallback{}, procedure: c.Procedure, cause: c.Cause}
			if err := s.serveOne(ctx, tx, c, &r, courtZH, courtEN); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// resolveRecipients maps each spec to a party of c (field errors into v).
func resolveRecipients(v *errs.Collector, c casefile.Case, specs []RecipientSpec) []recipient {
	var out []recipient
	seen := map[string]bool{}
	for i, spec := range specs {
		field := fmt.Sprintf("recipients[%d]", i)
		var pt casefile.Party
		account := ""
		switch {
		case spec.PartyID != "":
			p, ok := c.Party(spec.PartyID)
			if !ok {
				v.AddField(fieldErr(field+".party_id", "unknown_party"))
				continue
			}
			pt, account = p, p.AccountID
			if spec.AccountID != "" {
				if !actsFor(c, spec.AccountID, p.ID) {
					v.AddField(fieldErr(field+".account_id", "not_party_account"))
					continue
				}
				account = spec.AccountID
			}
		case spec.AccountID != "":
			p, ok := partyOfAccount(c, spec.AccountID)
			if !ok {
				v.AddField(fieldErr(field+".account_id", "unknown_account"))
				continue
			}
			pt, account = p, spec.AccountID
		default:
			v.AddField(fieldErr(field+".party_id", "required"))
			continue
		}
		if spec.Name != "" && spec.Name != pt.Name {
			v.AddField(fieldErr(field+".name", "name_mismatch"))
			continue
		}
		if seen[pt.ID] {
			v.AddField(fieldErr(field+".party_id", "duplicate"))
			continue
		}
		seen[pt.ID] = true
		out = append(out, recipient{party: pt, account: account, foreign: spec.ForeignDomicile})
	}
	return out
}

// actsFor reports whether account is party partyID's linked account or a
// representative's account for it.
func actsFor(c casefile.Case, account, partyID string) bool {
	if p, ok := c.Party(partyID); ok && p.AccountID == account {
		return true
	}
	for _, r := range c.Representatives {
		if r.PartyID == partyID && r.AccountID == account {
			return true
		}
	}
	return false
}

// partyOfAccount finds the party whose linked account, or whose
// representative's account, is account.
func partyOfAccount(c casefile.Case, account string) (casefile.Party, bool) {
	for _, p := range c.Parties {
		if p.AccountID == account {
			return p, true
		}
	}
	for _, r := range c.Representatives {
		if r.AccountID == account {
			return c.Party(r.PartyID)
		}
	}
	return casefile.Party{}, false
}

// serveOne decides and writes one new record inside tx.
func (s *Service) serveOne(ctx context.Context, tx *sqldb.Tx, c casefile.Case, r *Record, courtZH, courtEN string) error {
	dec, err := s.decideFor(ctx, tx, r.CourtID, r.CaseID, r.PartyID, r.Document.Kind)
	if err != nil {
		return err
	}
	var att *Attempt
	if dec.Allowed {
		a := newAttempt(dec, r.AccountID, 1, tx.Now, audit.ActorFrom(ctx).UserID)
		if !hasValid(a.Channels) {
			dec.Allowed, dec.Refusal = false, RefusalNoChannel
		} else {
			att = &a
		}
	}
	r.Decision = dec
	r.Status = Refused
	if att != nil {
		r.Status = Sending
		r.Attempts = append(r.Attempts, *att)
	}
	if err := insertService(ctx, tx, *r); err != nil {
		return err
	}
	detail := map[string]any{"document_id": r.Document.ID, "document_kind": r.Document.Kind, "party_id": r.PartyID,
		"status": r.Status, "bases": basisKinds(dec.Bases), "refusal": dec.Refusal, "consent_version": dec.ConsentVersion}
	if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.service.serve", CourtID: r.CourtID, CaseID: r.CaseID,
		Target: r.ID, Detail: detail}); err != nil {
		return err
	}
	payload := s.payload(*r)
	if att != nil {
		payload["attempt_id"] = att.ID
		payload["channels"] = channelList(att.Channels)
		if err := s.sendAttempt(ctx, tx, *r, *att, courtZH, courtEN); err != nil {
			return err
		}
	}
	if err := enqueue(ctx, tx, "ecourt.delivery.service.requested", r.CourtID, r.CaseID, payload); err != nil {
		return err
	}
	note := r.Document.Title + " · " + r.RecipientName
	if att == nil {
		return s.refuse(ctx, tx, c, *r, note)
	}
	return s.timeline(ctx, tx, r.CourtID, r.CaseID, TimelineRequested, note, map[string]any{
		"service_id": r.ID, "document_id": r.Document.ID, "party_id": r.PartyID})
}

// refuse opens the fallback task of a record whose electronic service is
// not lawful and reports it.
func (s *Service) refuse(ctx context.Context, tx *sqldb.Tx, c casefile.Case, r Record, note string) error {
	t, err := openTask(ctx, tx, r, TaskFallback, r.Decision.Refusal, fallbackOptions(r.Document.Kind, c.Procedure), c.Assignment.ClerkID)
	if err != nil {
		return err
	}
	p := s.payload(r)
	p["reason"], p["task_id"] = r.Decision.Refusal, t.ID
	if err := enqueue(ctx, tx, "ecourt.delivery.service.failed", r.CourtID, r.CaseID, p); err != nil {
		return err
	}
	return s.timeline(ctx, tx, r.CourtID, r.CaseID, TimelineRefused, note, map[string]any{
		"service_id": r.ID, "document_id": r.Document.ID, "party_id": r.PartyID, "reason": r.Decision.Refusal})
}

// decideFor loads the party's newest confirmation and bases and decides.
func (s *Service) decideFor(ctx context.Context, q sqldb.Querier, courtID, caseID, partyID string, kind DocumentKind) (Decision, error) {
	cur, err := newestConsent(ctx, q, courtID, caseID, partyID)
	if err != nil {
		return Decision{}, err
	}
	bases, err := loadBases(ctx, q, courtID, caseID, partyID)
	if err != nil {
		return Decision{}, err
	}
	return decide(cur, bases, kind), nil
}

// newAttempt builds attempt seq of a lawful decision: the decision's
// addresses as valid channels, and the recipient's platform inbox as a
// notice when it is not one of them.
func newAttempt(dec Decision, account string, seq int, now time.Time, by string) Attempt {
	a := Attempt{ID: ids.New(), Seq: seq, Decision: dec, CreatedBy: by, CreatedAt: now}
	a.Ref = AttemptRef(a.ID)
	inbox := false
	for _, ad := range dec.Channels {
		if ad.Address == "" {
			continue
		}
		inbox = inbox || ad.Channel == Inbox
		a.Channels = append(a.Channels, ChannelState{Channel: ad.Channel, Address: ad.Address, Valid: true,
			Status: ChannelQueued, UpdatedAt: now})
	}
	if !inbox && account != "" {
		a.Channels = append(a.Channels, ChannelState{Channel: Inbox, Address: account, Status: ChannelQueued, UpdatedAt: now})
	}
	sortChannels(a.Channels)
	return a
}

func sortChannels(list []ChannelState) {
	slices.SortStableFunc(list, func(a, b ChannelState) int {
		return slices.Index(Channels, a.Channel) - slices.Index(Channels, b.Channel)
	})
}

func hasValid(list []ChannelState) bool {
	return slices.ContainsFunc(list, func(c ChannelState) bool { return c.Valid })
}

func channelList(list []ChannelState) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, c := range list {
		out = append(out, map[string]any{"channel": c.Channel, "valid": c.Valid})
	}
	return out
}

func basisKinds(list []Basis) []BasisKind {
	out := make([]BasisKind, 0, len(list))
	for _, b := range list {
		out = append(out, b.Kind)
	}
	return out
}

// sendAttempt writes an attempt and hands it to the Notifier, in tx.
func (s *Service) sendAttempt(ctx context.Context, tx *sqldb.Tx, r Record, a Attempt, courtZH, courtEN string) error {
	if err := insertAttempt(ctx, tx, r.CourtID, r.ID, r.CaseID, a); err != nil {
		return err
	}
	o := Outgoing{ID: a.ID, Ref: a.Ref, Addresses: map[Channel]string{}, Template: TemplateService,
		CourtID: r.CourtID, CaseID: r.CaseID, Data: map[string]string{
			"case_number": r.CaseNumber, "document_title": r.Document.Title, "document_code": r.Document.Code,
			"document_id": r.Document.ID, "document_kind": string(r.Document.Kind), "recipient_name": r.RecipientName,
			"service_id": r.ID, "link": "/cases/" + r.CaseID, "court_name": courtZH, "court_name_en": courtEN,
		}}
	for _, c := range a.Channels {
		o.Channels = append(o.Channels, c.Channel)
		o.Addresses[c.Channel] = c.Address
		if c.Channel == Inbox {
			o.RecipientAccount = c.Address
		}
	}
	return s.deps.Notifier.Notify(ctx, tx, o)
}

// payload is the common part of the service events (no addresses: events
// reach open-platform subscribers).
func (s *Service) payload(r Record) map[string]any {
	p := map[string]any{"service_id": r.ID, "case_id": r.CaseID, "court_id": r.CourtID, "document_id": r.Document.ID,
		"document_kind": r.Document.Kind, "party_id": r.PartyID, "account_id": r.AccountID, "status": r.Status}
	if r.ServedAt != nil {
		p["served_at"], p["served_on"], p["method"] = *r.ServedAt, r.ServedOn.String(), r.Method
		if r.ServedChannel != "" {
			p["channel"] = r.ServedChannel
		}
	}
	return p
}
