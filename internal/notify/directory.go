package notify

import (
	"context"
	"fmt"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Contact is how an account is reached. The app adapts it from the
// identity context.
type Contact struct {
	// Language is the account's language ("zh-CN" or "en"; anything else
	// means the default, zh-CN).
	Language string
	// Phone is a mainland mobile number ("13800001234" or "+8613800001234"),
	// or "".
	Phone string
	// Email is an e-mail address, or "".
	Email string
	// WebhookURL is an https URL that receives the account's notifications
	// as signed JSON (institutional users, through the open platform), or "".
	WebhookURL string
}

// Directory looks up contacts. Contact returns an errs.NotFound error for
// an unknown account; that recipient still gets the inbox message (in the
// default language) and its other channels fail with "no_address". Any
// other error is treated as the directory being unavailable: the fan-out
// is retried later.
type Directory interface {
	Contact(ctx context.Context, accountID string) (Contact, error)
}

// BatchDirectory is a Directory that can look up many accounts at once;
// the fan-out uses it when the Directory implements it (one call per batch
// of up to FanoutBatch accounts instead of one per account). Contacts
// returns the contacts it found; accounts missing from the map are unknown.
type BatchDirectory interface {
	Directory
	Contacts(ctx context.Context, accountIDs []string) (map[string]Contact, error)
}

// contacts looks up ids through dir, batched when dir can.
func contacts(ctx context.Context, dir Directory, ids []string) (map[string]Contact, error) {
	out := make(map[string]Contact, len(ids))
	if len(ids) == 0 || dir == nil {
		return out, nil
	}
	if bd, ok := dir.(BatchDirectory); ok {
		m, err := bd.Contacts(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("notify: directory: %w", err)
		}
		return m, nil
	}
	for _, id := range ids {
		c, err := dir.Contact(ctx, id)
		if errs.CodeOf(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("notify: directory %s: %w", id, err)
		}
		out[id] = c
	}
	return out, nil
}

// MapDirectory is a Directory held in memory (development, tests and
// benchmarks). It is not safe to change while in use.
type MapDirectory map[string]Contact

// Contact returns the account's contact or an errs.NotFound error.
func (m MapDirectory) Contact(_ context.Context, id string) (Contact, error) {
	c, ok := m[id]
	if !ok {
		return Contact{}, errs.New(errs.NotFound, "")
	}
	return c, nil
}

// Contacts returns the contacts of the accounts it knows.
func (m MapDirectory) Contacts(_ context.Context, ids []string) (map[string]Contact, error) {
	out := make(map[string]Contact, len(ids))
	for _, id := range ids {
		if c, ok := m[id]; ok {
			out[id] = c
		}
	}
	return out, nil
}

// addressFor returns the account's address on an external channel.
func (c Contact) addressFor(ch Channel) string {
	switch ch {
	case SMS:
		return c.Phone
	case Email:
		return c.Email
	case Webhook:
		return c.WebhookURL
	}
	return ""
}
