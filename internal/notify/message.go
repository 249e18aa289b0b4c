package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Channel is a way a notification reaches a person.
type Channel string

// The channels. Inbox is the platform's in-app inbox (always available,
// needs an account); the others go through a provider and need an address.
const (
	Inbox   Channel = "inbox"
	SMS     Channel = "sms"
	Email   Channel = "email"
	Webhook Channel = "webhook"
)

// Channels lists every channel.
var Channels = []Channel{Inbox, SMS, Email, Webhook}

// external are the channels that go through a dispatcher.
var external = []Channel{SMS, Email, Webhook}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Limits of a Message.
const (
	// MaxRecipients bounds the account recipients of one message. A
	// message is stored once and fanned out in batches, so this is a limit
	// on the size of one row (about 40 bytes per recipient), not on work.
	MaxRecipients = 100_000
	// MaxAddresses bounds the explicit addresses of one message.
	MaxAddresses = 1_000
	maxIDLen     = 128
	maxRefLen    = 200
	maxDataKeys  = 64
	maxDataValue = 4_000
)

// Message is what a producer enqueues: one template rendered for each
// recipient in their own language and sent on the requested channels.
type Message struct {
	// ID is the producer's idempotency key (1–128 printable characters,
	// e.g. "delivery.service:<service ID>"): enqueuing the same ID again is
	// a no-op, whatever the rest of the message says.
	ID string
	// Ref is echoed in the outcome events (ecourt.notify.delivery.sent,
	// .failed) so the producer can match them to its own records, e.g.
	// "delivery.service:<id>". Outcome events are emitted only for messages
	// with a Ref: a mass announcement without one puts no per-recipient
	// events through the outbox.
	Ref string
	// Recipients are identity account IDs. Their language, phone, e-mail
	// and webhook come from the Directory when the message is fanned out.
	// Duplicates are dropped.
	Recipients []string
	// Channels requested for every recipient (at least one, unless
	// Addresses name the channels).
	Channels []Channel
	// Addresses are explicit addresses: with a Recipient they replace that
	// account's address on that channel (a party's confirmed service
	// address, 送达地址确认书) — or, for a channel not in Channels, add
	// that channel for that recipient alone (the channels a party chose);
	// without a Recipient they are recipients of their own (a person
	// without an account). Not for the inbox channel.
	Addresses []Address
	// Template is the key of the message template (see Templates), e.g.
	// "delivery.document_served".
	Template string
	// Data fills the template's fields.
	Data map[string]string
	// CourtID and CaseID are copied onto every row and event ("" when the
	// message concerns no court or case).
	CourtID string
	CaseID  string
}

// Address is an explicit address for one channel.
type Address struct {
	// Recipient is the account the address belongs to, or "" for a
	// recipient without an account.
	Recipient string  `json:"recipient,omitempty"`
	Channel   Channel `json:"channel"`
	// To is the phone number (sms), e-mail address (email) or https URL
	// (webhook).
	To string `json:"to"`
	// Language of an address-only recipient ("zh-CN" or "en"; default
	// zh-CN). Ignored when Recipient is set (the account's language wins).
	Language string `json:"language,omitempty"`
}

// Event types. The first four are the pipeline's own (fan-out and
// dispatch); the last three are the outcome events other contexts consume.
const (
	EventMessageQueued = "ecourt.notify.message.queued"
	EventInboxAdded    = "ecourt.notify.inbox.added"
	// EventSent: a delivery was accepted by the provider (SMS, e-mail,
	// webhook) or written to the inbox. Payload Outcome; At is the
	// provider's accepted time or the time the inbox row was written — the
	// time of arrival in the recipient's system (Online Litigation Rules
	// Art. 31; 民诉法解释 Art. 135).
	EventSent = "ecourt.notify.delivery.sent"
	// EventFailed: a delivery failed for good (dead letter). Payload
	// Outcome with Error. An administrator may still retry it, which can
	// lead to a later EventSent.
	EventFailed = "ecourt.notify.delivery.failed"
	// EventRead: the recipient opened the message in the inbox (read
	// receipt). Payload Outcome. Emitted for every message, with or
	// without a Ref.
	EventRead = "ecourt.notify.message.read"
)

// dispatchEvent is the work-queue event of an external channel.
func dispatchEvent(c Channel) string { return "ecourt.notify." + string(c) + ".queued" }

// Outcome is the payload of EventSent, EventFailed and EventRead.
type Outcome struct {
	MessageID         string  `json:"message_id"`
	Ref               string  `json:"ref"`
	DeliveryID        string  `json:"delivery_id"`
	Recipient         string  `json:"recipient"`
	Channel           Channel `json:"channel"`
	At                string  `json:"at"` // RFC 3339, UTC
	ProviderMessageID string  `json:"provider_message_id,omitempty"`
	Error             string  `json:"error,omitempty"`
}

// queuedPayload is the payload of EventMessageQueued.
type queuedPayload struct {
	MessageID string `json:"message_id"`
}

// dispatchPayload is the payload of a channel's work-queue event.
type dispatchPayload struct {
	MessageID   string   `json:"message_id,omitempty"`
	DeliveryIDs []string `json:"delivery_ids"`
}

// InboxAdded is the payload of EventInboxAdded, the live push to open
// inbox pages: the accounts that have a new message.
type InboxAdded struct {
	MessageID string   `json:"message_id"`
	Accounts  []string `json:"accounts"`
}

// Enqueue stores m inside the producer's transaction and schedules its
// fan-out, so the notification exists if and only if the producer's change
// commits, and survives any crash after that. Enqueuing an ID that exists
// already does nothing and returns nil. The template is rendered once per
// language with m.Data before anything is written, so bad data is refused
// here, not discovered by a dispatcher.
//
// It returns an errs.Invalid error naming the fields (id, ref, recipients,
// channels, addresses, template, data) when m is not acceptable; nothing is
// written then. The app must migrate bus.Migrations and Migrations before.
func Enqueue(ctx context.Context, tx *sqldb.Tx, m Message) error {
	m, addrs, err := normalise(m)
	if err != nil {
		return err
	}
	recips, _ := json.Marshal(m.Recipients)
	addrJSON, _ := json.Marshal(addrs)
	data, _ := json.Marshal(m.Data)
	chans := make([]string, len(m.Channels))
	for i, c := range m.Channels {
		chans[i] = string(c)
	}
	total := len(m.Recipients) + countStandalone(addrs)
	res, err := tx.Exec(ctx, `INSERT INTO notify_message (id, ref, court_id, case_id, template, data, channels,
		recipients, addresses, recipient_count, fanout_total, fanout_cursor, fanned_out_at, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?) ON CONFLICT DO NOTHING`,
		m.ID, m.Ref, m.CourtID, m.CaseID, m.Template, string(data), strings.Join(chans, ","),
		string(recips), string(addrJSON), len(m.Recipients), total, audit.ActorFrom(ctx).UserID, tx.Now)
	if err != nil {
		return fmt.Errorf("notify: enqueue %s: %w", m.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // a repeat: the first one stands
	}
	ev := bus.NewEvent(EventMessageQueued, queuedPayload{MessageID: m.ID})
	ev.CourtID, ev.CaseID = m.CourtID, m.CaseID
	return bus.Enqueue(ctx, tx, ev)
}

func countStandalone(addrs []Address) int {
	n := 0
	for _, a := range addrs {
		if a.Recipient == "" {
			n++
		}
	}
	return n
}

// normalise validates m and returns it with duplicates dropped, and the
// addresses in a canonical form.
func normalise(m Message) (Message, []Address, error) {
	var c errs.Collector
	m.ID = strings.TrimSpace(m.ID)
	switch {
	case m.ID == "":
		c.Add("id", "required")
	case len(m.ID) > maxIDLen || !printable(m.ID):
		c.AddField(errs.FieldError{Field: "id", Code: "invalid", Key: "notify.field.id"})
	}
	if len(m.Ref) > maxRefLen || !printable(m.Ref) {
		c.AddField(errs.FieldError{Field: "ref", Code: "invalid", Key: "notify.field.ref"})
	}
	seen := make(map[string]struct{}, len(m.Recipients))
	recips := make([]string, 0, len(m.Recipients))
	for _, r := range m.Recipients {
		if r == "" || len(r) > maxIDLen || !printable(r) {
			c.AddField(errs.FieldError{Field: "recipients", Code: "invalid", Key: "notify.field.recipient"})
			break
		}
		if _, dup := seen[r]; !dup {
			seen[r] = struct{}{}
			recips = append(recips, r)
		}
	}
	m.Recipients = recips
	if len(m.Recipients) > MaxRecipients {
		c.AddField(errs.FieldError{Field: "recipients", Code: "too_many", Key: "notify.field.too_many_recipients", Args: []any{MaxRecipients}})
	}
	var chans []Channel
	for _, ch := range m.Channels {
		if !ch.Valid() {
			c.AddField(errs.FieldError{Field: "channels", Code: "invalid", Key: "notify.field.channel"})
			break
		}
		if !slices.Contains(chans, ch) {
			chans = append(chans, ch)
		}
	}
	m.Channels = chans
	addrs, ok := normaliseAddresses(m.Addresses, seen)
	if !ok {
		c.AddField(errs.FieldError{Field: "addresses", Code: "invalid", Key: "notify.field.address"})
	}
	if len(chans) == 0 && len(m.Addresses) == 0 && !c.Has("channels") {
		c.Add("channels", "required")
	}
	if len(m.Recipients) == 0 && countStandalone(addrs) == 0 {
		c.AddField(errs.FieldError{Field: "recipients", Code: "required", Key: "notify.field.no_recipients"})
	}
	if len(m.Data) > maxDataKeys {
		c.AddField(errs.FieldError{Field: "data", Code: "too_long", Key: "notify.field.data"})
	}
	for k, v := range m.Data {
		if k == "" || len(v) > maxDataValue || !utf8.ValidString(v) {
			c.AddField(errs.FieldError{Field: "data", Code: "invalid", Key: "notify.field.data"})
			break
		}
	}
	if err := c.Err(); err != nil {
		return m, nil, err
	}
	if _, ok := texts.lookup(m.Template); !ok {
		return m, nil, errs.Fields(errs.FieldError{Field: "template", Code: "unknown", Key: "notify.field.template"})
	}
	for _, l := range i18n.Supported {
		if _, err := texts.render(m.Template, l, m.Data); err != nil {
			e := errs.Fields(errs.FieldError{Field: "data", Code: "template", Key: "notify.field.template_data"})
			e.Cause = err
			return m, nil, e
		}
	}
	if m.Data == nil {
		m.Data = map[string]string{}
	}
	return m, addrs, nil
}

// normaliseAddresses checks explicit addresses: a known external channel,
// a well-formed address, a Recipient that is one of the message's
// recipients; duplicates are dropped.
func normaliseAddresses(in []Address, recips map[string]struct{}) ([]Address, bool) {
	if len(in) > MaxAddresses {
		return nil, false
	}
	out := make([]Address, 0, len(in))
	type key struct {
		r  string
		ch Channel
		to string
	}
	seen := map[key]bool{}
	for _, a := range in {
		a.To = strings.TrimSpace(a.To)
		if !slices.Contains(external, a.Channel) {
			return nil, false
		}
		to, ok := checkAddress(a.Channel, a.To)
		if !ok {
			return nil, false
		}
		a.To = to
		if a.Recipient != "" {
			if _, ok := recips[a.Recipient]; !ok {
				return nil, false
			}
			a.Language = ""
		} else if a.Language != "" {
			l, ok := i18n.Parse(a.Language)
			if !ok {
				return nil, false
			}
			a.Language = string(l)
		}
		k := key{a.Recipient, a.Channel, a.To}
		if a.Recipient != "" {
			k.to = "" // one override per account and channel
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, a)
	}
	return out, true
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}
