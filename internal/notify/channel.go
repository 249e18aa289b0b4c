package notify

import (
	"context"
	"time"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// Outgoing is one delivery handed to a channel's Sender.
type Outgoing struct {
	// ClientRef is our reference for this delivery (the delivery ID). A
	// Sender passes it to its provider (SMS OutId, e-mail Message-ID,
	// webhook X-Ecourt-Delivery) so that Query can find the message later.
	// It stays the same across retries.
	ClientRef string
	MessageID string
	Ref       string
	Template  string
	Recipient string // account ID, or "" for an address-only recipient
	To        string // phone, e-mail address or URL
	Lang      i18n.Lang
	Content   Content
	Data      map[string]string
	CourtID   string
	CaseID    string
}

// Receipt is a provider's acceptance of a message.
type Receipt struct {
	// Provider names the provider that accepted it (the SMS fallback may
	// use the second one).
	Provider string
	// ProviderID is the provider's message ID.
	ProviderID string
	// AcceptedAt is when the provider accepted it, by the provider's own
	// account where it gives one: the legal time of electronic service on
	// this channel.
	AcceptedAt time.Time
}

// Sender sends on one external channel. The SMS channel (SMSChannel),
// SMTP e-mail (SMTPSender), the .eml development sink (EMLSink) and the
// webhook sender (WebhookSender) implement it.
type Sender interface {
	// Send hands o to the provider. A failure should be a SendError (see
	// PermanentError, TransientError, UnknownError); other errors are
	// classified by Classify. Send must return within ctx's deadline.
	Send(ctx context.Context, o Outgoing) (Receipt, error)
	// Query asks the provider about a message by client reference, after
	// a crash left its delivery in "sending". It returns the receipt when
	// the provider accepted it, ErrNotAccepted when it did not (so it can
	// be sent), ErrOutcomeUnknown when the provider cannot tell, and any
	// other error when the provider could not be asked now (asked again
	// later).
	Query(ctx context.Context, clientRef string) (Receipt, error)
}
