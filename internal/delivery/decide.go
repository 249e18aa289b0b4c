package delivery

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// BasisKind names why electronic service on a recipient is lawful: one of
// the four cases of Online Litigation Rules Art. 29 para 2.
type BasisKind string

// The bases.
const (
	// BasisExplicit: (一) the recipient expressly agreed — the 送达地址确认书
	// signed on the platform, or confirmed by telephone or on a paper form
	// recorded by the clerk (Art. 30; 民诉法解释 Art. 136).
	BasisExplicit BasisKind = "explicit"
	// BasisAgreement: (二) before the litigation the recipient agreed to or
	// undertook electronic service (a contract clause, a platform's terms).
	BasisAgreement BasisKind = "prior_agreement"
	// BasisPleading: (三) the recipient gave an electronic address for
	// service in its complaint, appeal, application or answer.
	BasisPleading BasisKind = "pleading_address"
	// BasisAccepted: (四) the recipient accepted an electronic service
	// already made (replied that it was received, took part in the
	// proceedings on it) and has not said it does not agree.
	BasisAccepted BasisKind = "accepted_service"
)

// BasisKinds lists the bases in the order of Art. 29 para 2.
var BasisKinds = []BasisKind{BasisExplicit, BasisAgreement, BasisPleading, BasisAccepted}

// DeemedKinds are the bases a clerk records from a fact (everything but the
// signed confirmation).
var DeemedKinds = []BasisKind{BasisAgreement, BasisPleading, BasisAccepted}

// Valid reports whether k is a known basis.
func (k BasisKind) Valid() bool { return slices.Contains(BasisKinds, k) }

// articles cites each basis.
var articles = map[BasisKind]string{
	BasisExplicit:  "《人民法院在线诉讼规则》第二十九条第二款第（一）项、第三十条；民事诉讼法第九十条；民诉法解释第一百三十六条",
	BasisAgreement: "《人民法院在线诉讼规则》第二十九条第二款第（二）项",
	BasisPleading:  "《人民法院在线诉讼规则》第二十九条第二款第（三）项",
	BasisAccepted:  "《人民法院在线诉讼规则》第二十九条第二款第（四）项",
}

// Refusal reasons: why electronic service was not lawful for a recipient.
const (
	// RefusalDeclined: the newest 送达地址确认书 says no to electronic
	// service (consent is required: CPL Art. 90; Online Litigation Rules
	// Art. 29; the deemed case (四) needs the absence of such a refusal).
	RefusalDeclined = "declined"
	// RefusalNoConsent: no confirmation and no fact of Art. 29 para 2.
	RefusalNoConsent = "no_consent"
	// RefusalDecisive: a judgment, ruling or mediation document, and the
	// recipient has not expressly agreed to receive those electronically.
	RefusalDecisive = "decisive_consent"
	// RefusalNoChannel: consent, but no usable address (the platform inbox
	// chosen without a platform account).
	RefusalNoChannel = "no_channel"
)

// Basis is one reason why electronic service is lawful, as the clerk sees
// it: the case of Art. 29 para 2, its citation and the fact it rests on.
type Basis struct {
	Kind    BasisKind `json:"kind"`
	Article string    `json:"article"`
	// Fact is what the clerk recorded ("借款合同第十二条约定…"); for an
	// explicit consent it is empty and Version/How say which confirmation.
	Fact      string    `json:"fact,omitempty"`
	SourceRef string    `json:"source_ref,omitempty"`
	SourceID  string    `json:"source_id"`
	Version   int       `json:"version,omitempty"`
	How       string    `json:"how,omitempty"`
	At        time.Time `json:"at"`
}

// Decision is the outcome of the consent rules for one recipient and one
// document: whether electronic service is lawful, on which bases and to
// which addresses, or why not.
type Decision struct {
	Allowed  bool      `json:"allowed"`
	Refusal  string    `json:"refusal,omitempty"`
	Bases    []Basis   `json:"bases"`
	Channels []Address `json:"channels"`
	// ConsentVersion is the version of the 送达地址确认书 the decision read
	// (0: none signed).
	ConsentVersion int `json:"consent_version,omitempty"`
}

// decide applies the consent rules. cur is the party's newest 送达地址确认书
// (nil when none), bases the recorded facts of Art. 29 para 2 (二)–(四),
// newest first.
//
//   - The newest confirmation wins over everything before it: a "no" is a
//     refusal even where a deemed basis exists (Art. 29 (四) requires that
//     the recipient has not said no; a party may change its mind, Art. 5),
//     and a "yes" applies with the addresses it lists.
//   - Judgments, rulings and mediation documents are served electronically
//     only on an express consent that covers them. CPL Art. 90 para 1 allows
//     it with consent and 民诉法解释 Art. 136 wants consent confirmed in the
//     送达地址确认书; consent to some steps is not consent to others (Online
//     Litigation Rules Art. 4(四)), so a deemed basis does not reach the
//     documents that start appeal periods. This is the platform's reading,
//     on the safe side.
//   - Otherwise each recorded basis is a lawful ground, and the addresses it
//     names are the recipient's provided or confirmed addresses (Art. 31
//     para 1); for a channel named by several, the newest wins.
func decide(cur *Consent, bases []BasisRecord, kind DocumentKind) Decision {
	d := Decision{Bases: []Basis{}, Channels: []Address{}}
	if cur != nil {
		d.ConsentVersion = cur.Version
		if !cur.Electronic {
			d.Refusal = RefusalDeclined
			return d
		}
		if kind.Decisive() && !cur.Judgments {
			d.Refusal = RefusalDecisive
			return d
		}
		d.Allowed = true
		d.Bases = append(d.Bases, Basis{Kind: BasisExplicit, Article: articles[BasisExplicit], SourceID: cur.ID,
			Version: cur.Version, How: cur.How, At: cur.SignedAt})
		d.Channels = append(d.Channels, cur.Channels...)
		return d
	}
	if len(bases) == 0 {
		d.Refusal = RefusalNoConsent
		return d
	}
	if kind.Decisive() {
		d.Refusal = RefusalDecisive
		return d
	}
	d.Allowed = true
	seen := map[Channel]bool{}
	for _, b := range bases {
		d.Bases = append(d.Bases, Basis{Kind: b.Kind, Article: articles[b.Kind], Fact: b.Fact, SourceRef: b.SourceRef,
			SourceID: b.ID, At: b.RecordedAt})
		for _, a := range b.Channels {
			if !seen[a.Channel] {
				seen[a.Channel] = true
				d.Channels = append(d.Channels, a)
			}
		}
	}
	slices.SortStableFunc(d.Channels, func(a, b Address) int {
		return slices.Index(Channels, a.Channel) - slices.Index(Channels, b.Channel)
	})
	return d
}

var (
	mobileRE  = regexp.MustCompile(`^(1[3-9][0-9]{9}|\+[1-9][0-9]{7,14})$`)
	accountRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
)

// normalize trims an address and, for a phone number, drops spaces and
// dashes.
func normalize(a Address) Address {
	a.Address = strings.TrimSpace(a.Address)
	if a.Channel == SMS {
		a.Address = strings.NewReplacer(" ", "", "-", "").Replace(a.Address)
	}
	return a
}

// checkAddress returns the field code of what is wrong with a, or "".
func checkAddress(a Address) string {
	switch a.Channel {
	case SMS:
		if !mobileRE.MatchString(a.Address) {
			return "mobile"
		}
	case Email:
		if a.Address == "" || len(a.Address) > 254 {
			return "email"
		}
		p, err := mail.ParseAddress(a.Address)
		if err != nil || p.Address != a.Address || p.Name != "" {
			return "email"
		}
		_, domain, _ := strings.Cut(a.Address, "@")
		if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
			return "email"
		}
	case Inbox:
		if !accountRE.MatchString(a.Address) {
			return "no_account"
		}
	default:
		return "channel"
	}
	return ""
}

// checkChannels validates a list of addresses: known channels, each at
// most once, each address well formed. Field names are "channels" and
// "channels.<channel>".
func checkChannels(v *errs.Collector, list []Address) []Address {
	out := make([]Address, 0, len(list))
	seen := map[Channel]bool{}
	for _, a := range list {
		a = normalize(a)
		if !a.Channel.Valid() {
			v.AddField(fieldErr("channels", "channel"))
			continue
		}
		field := "channels." + string(a.Channel)
		if seen[a.Channel] {
			v.AddField(fieldErr(field, "duplicate"))
			continue
		}
		seen[a.Channel] = true
		if code := checkAddress(a); code != "" {
			v.AddField(fieldErr(field, code))
			continue
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(a, b Address) int {
		return slices.Index(Channels, a.Channel) - slices.Index(Channels, b.Channel)
	})
	return out
}

// checkText validates a free-text field.
func checkText(v *errs.Collector, field, s string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.AddField(fieldErr(field, "required"))
	case utf8.RuneCountInString(s) > max:
		v.AddField(errs.FieldError{Field: field, Code: "too_long", Key: "delivery.field.too_long", Args: []any{max}})
	}
}

func fieldErr(field, code string) errs.FieldError {
	return errs.FieldError{Field: field, Code: code, Key: "delivery.field." + code}
}

// maskAddress shows enough of an address to recognise it: "138****1234",
// "li***@example.com"; account IDs are shown as they are.
func maskAddress(a Address) string {
	switch a.Channel {
	case SMS:
		if r := []rune(a.Address); len(r) >= 8 {
			return string(r[:len(r)-8]) + "****" + string(r[len(r)-4:])
		}
	case Email:
		if local, domain, ok := strings.Cut(a.Address, "@"); ok {
			r := []rune(local)
			return string(r[:min(2, len(r))]) + "***@" + domain
		}
	}
	return a.Address
}
