package casefund

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// SharedRequest identifies a person at a shared-court terminal: the number
// of their case (as printed on the court's documents) and the number of the
// identity document the shared-court staff checked in front of them.
type SharedRequest struct {
	CaseNumber string `json:"case_number"`
	IDNumber   string `json:"id_number"`
}

// RecordConsent records a party's consent to be shown the case account at
// a shared court (Station: the shared court's court ID, "" for any) until
// ExpiresOn (included; at most Options.MaxConsentDays ahead). A party or
// their representative records their own consent on the platform (How
// "platform"); court staff of the case record a consent signed in writing
// in front of them (How "written"). Others get errs.Forbidden
// ("casefund.error.consent_not_yours"). Bad input is errs.Invalid with
// fields "party_id", "expires_on", "station", "how". Audited as
// "casefund.consent.record".
func (s *Service) RecordConsent(ctx context.Context, caseID string, in ConsentInput) (Consent, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Consent{}, err
	}
	if in.PartyID == "" {
		if own := st.ownParties(); len(own) == 1 {
			in.PartyID = own[0]
		}
	}
	switch {
	case st.own[in.PartyID]:
		if in.How == "" {
			in.How = ConsentPlatform
		}
		if in.How != ConsentPlatform {
			return Consent{}, errs.Fields(errs.Field("how", "casefund_consent_how"))
		}
	case st.staff:
		if in.How == "" {
			in.How = ConsentWritten
		}
		if in.How != ConsentWritten {
			return Consent{}, errs.Fields(errs.Field("how", "casefund_consent_how"))
		}
	default:
		if _, ok := st.c.Party(in.PartyID); !ok {
			return Consent{}, errs.Fields(errs.Field("party_id", "casefund_party_unknown"))
		}
		return Consent{}, errs.New(errs.Forbidden, "casefund.error.consent_not_yours")
	}
	return s.recordConsent(ctx, st.c, in)
}

func (s *Service) recordConsent(ctx context.Context, c casefile.Case, in ConsentInput) (Consent, error) {
	today := s.today()
	in.Station = strings.TrimSpace(in.Station)
	var v errs.Collector
	if _, ok := c.Party(in.PartyID); !ok {
		v.Add("party_id", "casefund_party_unknown")
	}
	switch {
	case !in.ExpiresOn.Valid():
		v.Add("expires_on", "date")
	case in.ExpiresOn.Before(today):
		v.Add("expires_on", "casefund_consent_past")
	case in.ExpiresOn.After(today.Plus(s.opts.MaxConsentDays)):
		v.Add("expires_on", "casefund_consent_too_long", s.opts.MaxConsentDays)
	}
	checkText(&v, "station", in.Station, false, 64)
	if err := v.Err(); err != nil {
		return Consent{}, err
	}
	var out Consent
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cs := Consent{ID: ids.New(), CaseID: c.ID, PartyID: in.PartyID, Station: in.Station, How: in.How, GrantedOn: today,
			ExpiresOn: in.ExpiresOn, RecordedBy: audit.ActorFrom(ctx).UserID, RecordedAt: tx.Now, Active: true}
		if err := insertConsent(ctx, tx, c.CourtID, cs); err != nil {
			return err
		}
		out = cs
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.consent.record", CourtID: c.CourtID, CaseID: c.ID, Target: cs.ID,
			Detail: map[string]any{"party_id": cs.PartyID, "station": cs.Station, "how": cs.How, "expires_on": cs.ExpiresOn.String()}})
	})
	if err != nil {
		return Consent{}, err
	}
	return out, nil
}

// RevokeConsent withdraws a consent at once. The party (or representative)
// it belongs to and court staff of the case may; revoking twice is
// errs.Conflict ("casefund.error.consent_revoked"). Audited as
// "casefund.consent.revoke".
func (s *Service) RevokeConsent(ctx context.Context, consentID string) error {
	ctx = withActor(ctx)
	caseID, err := consentCase(ctx, s.db, consentID)
	if err != nil {
		return err
	}
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return err
	}
	cs, err := loadConsents(ctx, s.db, st.c.CourtID, st.c.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cs, func(c Consent) bool { return c.ID == consentID })
	if i < 0 {
		return errs.New(errs.NotFound, "casefund.error.consent_not_found")
	}
	if !st.staff && !st.own[cs[i].PartyID] {
		return errs.New(errs.Forbidden, "casefund.error.consent_not_yours")
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		ok, err := revokeConsent(ctx, tx, st.c.CourtID, consentID, audit.ActorFrom(ctx).UserID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.Conflict, "casefund.error.consent_revoked")
		}
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.consent.revoke", CourtID: st.c.CourtID, CaseID: st.c.ID, Target: consentID,
			Detail: map[string]any{"party_id": cs[i].PartyID}})
	})
}

// sharedParty resolves a shared-court request: the caller must be a
// shared-court director (共享法庭 staff) somewhere; the case must have an
// account; the identity number must be a party's of the case. The case is
// loaded through the casefile's access check as the platform (the person's
// consent, checked by the caller of sharedParty, is what grants access) and
// that read is audited there with the director as actor. A wrong number or
// identity gives errs.NotFound ("casefund.error.shared_not_found") so that
// nobody can probe cases from a terminal.
func (s *Service) sharedParty(ctx context.Context, req SharedRequest) (casefile.Case, casefile.Party, []string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return casefile.Case{}, casefile.Party{}, nil, err
	}
	stations := p.Courts(auth.SharedCourtDirector)
	if len(stations) == 0 {
		return casefile.Case{}, casefile.Party{}, nil, errs.New(errs.Forbidden, "casefund.error.shared_only")
	}
	var v errs.Collector
	n, err := casefile.ParseNumber(req.CaseNumber)
	if err != nil {
		v.Add("case_number", "format")
	}
	idn := strings.ToUpper(strings.TrimSpace(req.IDNumber))
	if idn == "" {
		v.Add("id_number", "required")
	}
	if err := v.Err(); err != nil {
		return casefile.Case{}, casefile.Party{}, nil, err
	}
	notFound := errs.New(errs.NotFound, "casefund.error.shared_not_found")
	_, caseID, err := caseByNumber(ctx, s.db, n.String())
	if errs.CodeOf(err) == errs.NotFound {
		return casefile.Case{}, casefile.Party{}, nil, notFound
	}
	if err != nil {
		return casefile.Case{}, casefile.Party{}, nil, err
	}
	c, err := s.deps.Cases.Authorize(casefile.AsSystem(ctx), caseID, casefile.NeedRead)
	if err != nil {
		return casefile.Case{}, casefile.Party{}, nil, err
	}
	for _, pt := range c.Parties {
		if pt.IDNumber != "" && strings.ToUpper(pt.IDNumber) == idn {
			return c, pt, stations, nil
		}
	}
	return casefile.Case{}, casefile.Party{}, nil, notFound
}

// RecordSharedConsent records, at a shared-court terminal, the consent the
// person signed in front of the shared-court director (How "written",
// Station the director's shared court). The person is identified as in
// SharedLedger. Audited as "casefund.consent.record".
func (s *Service) RecordSharedConsent(ctx context.Context, req SharedRequest, expiresOn calendar.Date) (Consent, error) {
	ctx = withActor(ctx)
	c, pt, stations, err := s.sharedParty(ctx, req)
	if err != nil {
		return Consent{}, err
	}
	return s.recordConsent(ctx, c, ConsentInput{PartyID: pt.ID, Station: stations[0], ExpiresOn: expiresOn, How: ConsentWritten})
}

// SharedLedger is the read API of a shared-court terminal: the ledger of
// the person's case as that party sees it, when the person has an active
// consent (recorded, not revoked, today between its start and expiry, for
// this shared court or any). Without one it is errs.Forbidden
// ("casefund.error.no_consent"). The read is audited as
// "casefund.ledger.shared_read" (detail: the consent and the station), in
// addition to the casefile's own read entry.
func (s *Service) SharedLedger(ctx context.Context, req SharedRequest) (Ledger, Consent, error) {
	ctx = withActor(ctx)
	c, pt, stations, err := s.sharedParty(ctx, req)
	if err != nil {
		return Ledger{}, Consent{}, err
	}
	consents, err := loadConsents(ctx, s.db, c.CourtID, c.ID)
	if err != nil {
		return Ledger{}, Consent{}, err
	}
	today := s.today()
	var use *Consent
	for i := range consents {
		cs := &consents[i]
		if cs.PartyID != pt.ID || cs.RevokedAt != nil || today.Before(cs.GrantedOn) || today.After(cs.ExpiresOn) {
			continue
		}
		if cs.Station == "" || slices.Contains(stations, cs.Station) {
			cs.Active = true
			use = cs
		}
	}
	if use == nil {
		return Ledger{}, Consent{}, errs.New(errs.Forbidden, "casefund.error.no_consent")
	}
	st := standing{c: c, own: map[string]bool{pt.ID: true}}
	l, err := s.ledger(ctx, st)
	if err != nil {
		return Ledger{}, Consent{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.ledger.shared_read", CourtID: c.CourtID, CaseID: c.ID, Target: use.ID,
			Detail: map[string]any{"party_id": pt.ID, "stations": stations}})
	})
	if err != nil {
		return Ledger{}, Consent{}, err
	}
	return l, *use, nil
}
