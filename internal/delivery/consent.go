package delivery

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// How a 送达地址确认书 was given (Online Litigation Rules Art. 30: 电话确认、
// 诉讼平台在线确认、线下发送电子送达确认书).
const (
	HowPlatform = "platform" // signed on the platform by the party or its representative (Art. 33 在线确认)
	HowPhone    = "phone"    // confirmed by telephone, recorded by the clerk
	HowWritten  = "written"  // a paper form, recorded by the clerk with its scan
)

// Consent is one version of a party's 送达地址确认书 in one case. The newest
// version applies to every service made after it was signed; services made
// before keep the version they were made on.
type Consent struct {
	ID      string `json:"id"`
	CaseID  string `json:"case_id"`
	PartyID string `json:"party_id"`
	Version int    `json:"version"`
	// Electronic: the party accepts electronic service (CPL Art. 90).
	Electronic bool `json:"electronic"`
	// Judgments: the acceptance covers judgments, rulings and mediation
	// documents too.
	Judgments bool      `json:"judgments"`
	Channels  []Address `json:"channels"`
	// PostalAddress and PostalRecipient (代收人) are where paper documents
	// go (post, a paper copy under CPL Art. 90).
	PostalAddress   string    `json:"postal_address"`
	PostalRecipient string    `json:"postal_recipient"`
	ContactPhone    string    `json:"contact_phone"`
	How             string    `json:"how"`
	ProofRef        string    `json:"proof_ref,omitempty"`
	SignedBy        string    `json:"signed_by"`
	SignedAt        time.Time `json:"signed_at"`
}

// ConsentForm is a new version of the 送达地址确认书. PartyID may be empty
// when the signed-in person is (or represents) exactly one party. An inbox
// channel needs no address: it is the signer's own platform account (for a
// clerk recording by phone or paper, the party's linked account). How is
// HowPlatform for the party or its representative (the default) and
// HowPhone or HowWritten for a clerk; ProofRef (the scanned form) is
// required for HowWritten. Acknowledged confirms that the notice of the
// scope and effect of electronic service and of how to change the address
// was given (Online Litigation Rules Art. 30).
type ConsentForm struct {
	PartyID         string    `json:"party_id,omitempty"`
	Electronic      bool      `json:"electronic"`
	Judgments       bool      `json:"judgments"`
	Channels        []Address `json:"channels"`
	PostalAddress   string    `json:"postal_address,omitempty"`
	PostalRecipient string    `json:"postal_recipient,omitempty"`
	ContactPhone    string    `json:"contact_phone,omitempty"`
	How             string    `json:"how,omitempty"`
	ProofRef        string    `json:"proof_ref,omitempty"`
	Acknowledged    bool      `json:"acknowledged"`
}

// BasisRecord is a recorded fact of Online Litigation Rules Art. 29 para 2
// (二)–(四) that makes electronic service lawful without a signed
// confirmation, with the addresses it names.
type BasisRecord struct {
	ID         string    `json:"id"`
	CaseID     string    `json:"case_id"`
	PartyID    string    `json:"party_id"`
	Kind       BasisKind `json:"kind"`
	Article    string    `json:"article"`
	Fact       string    `json:"fact"`
	SourceRef  string    `json:"source_ref"`
	Channels   []Address `json:"channels"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// NewBasis records a basis: Kind is one of DeemedKinds, Fact says what
// happened in words the clerk can defend ("借款合同第十二条约定以电子邮件送达",
// "答辩状第一页载明接收送达的电子邮箱", "2026-03-01 短信送达举证通知书后回复'已收到'"),
// SourceRef points at the evidence (a document or evidence ID), Channels
// are the addresses it names.
type NewBasis struct {
	PartyID   string    `json:"party_id"`
	Kind      BasisKind `json:"kind"`
	Fact      string    `json:"fact"`
	SourceRef string    `json:"source_ref,omitempty"`
	Channels  []Address `json:"channels"`
}

// ConsentView is a party's position on electronic service in a case: the
// current confirmation and its history (newest first), the recorded bases,
// and what the rules decide today for ordinary documents and for
// judgments, rulings and mediation documents.
type ConsentView struct {
	CaseID     string `json:"case_id"`
	CaseNumber string `json:"case_number"`
	PartyID    string `json:"party_id"`
	PartyName  string `json:"party_name"`
	HasAccount bool   `json:"has_account"`
	// ViewerIsParty is true when the caller is the party or its
	// representative (who sign on the platform); false for court staff
	// (who record a confirmation given by telephone or on paper).
	ViewerIsParty bool          `json:"viewer_is_party"`
	Current       *Consent      `json:"current,omitempty"`
	History       []Consent     `json:"history"`
	Bases         []BasisRecord `json:"bases"`
	Ordinary      Decision      `json:"ordinary"`
	Decisive      Decision      `json:"decisive"`
}

var contactRE = regexp.MustCompile(`^[0-9+\-() ]{5,20}$`)

// partyOf resolves the party a person acts for: partyID when given (which
// the caller must be, represent, or see as staff), else the one party the
// caller is or represents.
func (st standing) partyOf(v *errs.Collector, partyID string) (casefile.Party, error) {
	if partyID == "" {
		if len(st.own) != 1 {
			v.AddField(fieldErr("party_id", "required"))
			return casefile.Party{}, nil
		}
		for id := range st.own {
			partyID = id
		}
	}
	pt, ok := st.c.Party(partyID)
	if !ok {
		v.AddField(fieldErr("party_id", "unknown_party"))
		return casefile.Party{}, nil
	}
	if !st.sees(partyID) {
		return casefile.Party{}, errs.New(errs.Forbidden, "delivery.error.not_your_party")
	}
	return pt, nil
}

// SignConsent records a new version of a party's 送达地址确认书 (Online
// Litigation Rules Art. 29–30, 33; 民诉法解释 Art. 136): by the party or
// its representative on the platform, or by court staff recording a
// confirmation given by telephone or on paper. The new version applies to
// services made from now on only. It writes the audit entry
// "delivery.consent.sign", the event ecourt.delivery.consent.signed and a
// timeline entry "delivery.consent_signed". Errors: unauthenticated;
// not_found/forbidden from the casefile; forbidden for a party that is not
// the caller's; invalid with field codes (see the messages "delivery.field.*").
func (s *Service) SignConsent(ctx context.Context, caseID string, f ConsentForm) (Consent, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedConsent)
	if err != nil {
		return Consent{}, err
	}
	var v errs.Collector
	pt, err := st.partyOf(&v, f.PartyID)
	if err != nil {
		return Consent{}, err
	}
	self := st.own[pt.ID] && !st.system
	k := Consent{ID: ids.New(), CaseID: st.c.ID, PartyID: pt.ID, Electronic: f.Electronic, Judgments: f.Judgments,
		Channels: []Address{}, PostalAddress: f.PostalAddress, PostalRecipient: f.PostalRecipient,
		ContactPhone: f.ContactPhone, How: f.How, ProofRef: f.ProofRef, SignedBy: audit.ActorFrom(ctx).UserID}
	switch {
	case st.system:
		// Another context passing on a confirmation the party gave in its
		// own form (the filing form's 送达地址确认书) or that staff took.
		if k.How == "" {
			k.How = HowPlatform
		}
		if k.How != HowPlatform && k.How != HowPhone && k.How != HowWritten {
			v.AddField(fieldErr("how", "how_staff"))
		}
	case self:
		if k.How == "" {
			k.How = HowPlatform
		}
		if k.How != HowPlatform {
			v.AddField(fieldErr("how", "how_self"))
		}
	case st.staff:
		if k.How != HowPhone && k.How != HowWritten {
			v.AddField(fieldErr("how", "how_staff"))
		}
		if k.How == HowWritten && k.ProofRef == "" {
			v.AddField(fieldErr("proof_ref", "required"))
		}
	}
	if !f.Acknowledged {
		v.AddField(fieldErr("acknowledged", "acknowledged"))
	}
	if f.Judgments && !f.Electronic {
		v.AddField(fieldErr("judgments", "judgments_need_electronic"))
	}
	if f.Electronic {
		list := slices.Clone(f.Channels)
		for i, a := range list {
			if a.Channel != Inbox {
				continue
			}
			if self {
				list[i].Address = st.userID
			} else {
				list[i].Address = pt.AccountID // "" → no_account below
			}
		}
		k.Channels = checkChannels(&v, list)
		if len(f.Channels) == 0 {
			v.AddField(fieldErr("channels", "required"))
		}
	}
	checkText(&v, "postal_address", k.PostalAddress, false, 200)
	checkText(&v, "postal_recipient", k.PostalRecipient, false, 50)
	if k.ContactPhone != "" && !contactRE.MatchString(k.ContactPhone) {
		v.AddField(fieldErr("contact_phone", "phone"))
	}
	checkText(&v, "proof_ref", k.ProofRef, false, 200)
	if err := v.Err(); err != nil {
		return Consent{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		n, err := lastConsentVersion(ctx, tx, st.c.CourtID, st.c.ID, pt.ID)
		if err != nil {
			return err
		}
		k.Version, k.SignedAt = n+1, tx.Now
		if err := insertConsent(ctx, tx, st.c.CourtID, k); err != nil {
			return err
		}
		names := channelNames(k.Channels)
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.consent.sign", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Target: k.ID, Detail: map[string]any{"party_id": pt.ID, "version": k.Version, "electronic": k.Electronic,
				"judgments": k.Judgments, "channels": names, "how": k.How}}); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, "ecourt.delivery.consent.signed", st.c.CourtID, st.c.ID, map[string]any{
			"consent_id": k.ID, "case_id": st.c.ID, "party_id": pt.ID, "version": k.Version,
			"electronic": k.Electronic, "judgments": k.Judgments, "channels": names, "how": k.How,
		}); err != nil {
			return err
		}
		return s.timeline(ctx, tx, st.c.CourtID, st.c.ID, TimelineConsent, pt.Name, map[string]any{
			"party_id": pt.ID, "version": k.Version, "electronic": k.Electronic, "judgments": k.Judgments})
	})
	if err != nil {
		return Consent{}, err
	}
	return k, nil
}

func channelNames(list []Address) []Channel {
	out := make([]Channel, 0, len(list))
	for _, a := range list {
		out = append(out, a.Channel)
	}
	return out
}

// RecordBasis records a fact of Online Litigation Rules Art. 29 para 2
// (二)–(四) on which electronic service on a party is lawful without a
// signed confirmation. Staff who may serve in the case record it, or
// another context under AsSystem (the filing context for the address a
// complaint gives). A later 送达地址确认书 takes precedence over every basis
// (see decide). Writes the audit entry "delivery.basis.record" and the
// event ecourt.delivery.basis.recorded. A basis with a SourceRef is
// recorded once: repeating it (same party, kind and source) returns the
// first record and writes nothing. Errors: as SignConsent; forbidden
// for callers who may not serve.
func (s *Service) RecordBasis(ctx context.Context, caseID string, nb NewBasis) (BasisRecord, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRecord)
	if err != nil {
		return BasisRecord{}, err
	}
	if err := st.requireServer(); err != nil {
		return BasisRecord{}, err
	}
	var v errs.Collector
	if nb.PartyID == "" {
		v.AddField(fieldErr("party_id", "required"))
	}
	pt, err := st.partyOf(&v, nb.PartyID)
	if err != nil {
		return BasisRecord{}, err
	}
	if !slices.Contains(DeemedKinds, nb.Kind) {
		v.AddField(fieldErr("kind", "basis_kind"))
	}
	checkText(&v, "fact", nb.Fact, true, 500)
	checkText(&v, "source_ref", nb.SourceRef, false, 200)
	list := checkChannels(&v, nb.Channels)
	if len(nb.Channels) == 0 {
		v.AddField(fieldErr("channels", "required"))
	}
	if err := v.Err(); err != nil {
		return BasisRecord{}, err
	}
	b := BasisRecord{ID: ids.New(), CaseID: st.c.ID, PartyID: pt.ID, Kind: nb.Kind, Article: articles[nb.Kind],
		Fact: nb.Fact, SourceRef: nb.SourceRef, Channels: list, RecordedBy: audit.ActorFrom(ctx).UserID}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		b.RecordedAt = tx.Now
		// The same fact from the same source (a consumer retrying, the
		// filing seen again for the fee notice) is recorded once.
		if b.SourceRef != "" {
			prev, err := loadBases(ctx, tx, st.c.CourtID, st.c.ID, pt.ID)
			if err != nil {
				return err
			}
			for _, p := range prev {
				if p.Kind == b.Kind && p.SourceRef == b.SourceRef {
					b = p
					return nil
				}
			}
		}
		if err := insertBasis(ctx, tx, st.c.CourtID, b); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.basis.record", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Target: b.ID, Detail: map[string]any{"party_id": pt.ID, "kind": b.Kind, "channels": channelNames(list)}}); err != nil {
			return err
		}
		return enqueue(ctx, tx, "ecourt.delivery.basis.recorded", st.c.CourtID, st.c.ID, map[string]any{
			"basis_id": b.ID, "case_id": st.c.ID, "party_id": pt.ID, "kind": b.Kind, "channels": channelNames(list)})
	})
	if err != nil {
		return BasisRecord{}, err
	}
	return b, nil
}

// FindConsent returns a party's position on electronic service in a case:
// to the party or its representative (partyID may then be empty when they
// act for one party only) and to court staff. The read is audited
// ("delivery.consent.read"). Errors: unauthenticated; not_found/forbidden
// from the casefile; forbidden for another party; invalid party_id.
func (s *Service) FindConsent(ctx context.Context, caseID, partyID string) (ConsentView, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return ConsentView{}, err
	}
	var v errs.Collector
	pt, err := st.partyOf(&v, partyID)
	if err != nil {
		return ConsentView{}, err
	}
	if err := v.Err(); err != nil {
		return ConsentView{}, err
	}
	view := ConsentView{CaseID: st.c.ID, CaseNumber: st.c.Number, PartyID: pt.ID, PartyName: pt.Name, HasAccount: pt.AccountID != "",
		ViewerIsParty: st.own[pt.ID] && !st.system}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if view.History, err = loadConsents(ctx, tx, st.c.CourtID, st.c.ID, pt.ID); err != nil {
			return err
		}
		if view.Bases, err = loadBases(ctx, tx, st.c.CourtID, st.c.ID, pt.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "delivery.consent.read", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Detail: map[string]any{"party_id": pt.ID}})
	})
	if err != nil {
		return ConsentView{}, err
	}
	if len(view.History) > 0 {
		cur := view.History[0]
		view.Current = &cur
	}
	view.Ordinary = decide(view.Current, view.Bases, DocNotice)
	view.Decisive = decide(view.Current, view.Bases, DocJudgment)
	return view, nil
}
