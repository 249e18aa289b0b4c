package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// buildNotify makes the notification pipeline with the development
// channels: SMS through the development gateway (every text is kept and
// shown on the demo page), e-mail as .eml files under <data>/mail, and
// webhooks signed with a key derived from the server secret. A real SMS
// gateway plugs in behind notify.SMSProvider (notify.HTTPSMS speaks the
// common HTTP form), real mail through notify.SMTPSender.
func (a *App) buildNotify() error {
	a.svc.devSMS = notify.NewDevSMS(notify.DevSMSOptions{Name: "devsms"})
	sms, err := notify.NewSMSChannel(notify.SMSOptions{Logger: a.log}, notify.SMSRoute{Provider: a.svc.devSMS, Rate: 50, Burst: 10})
	if err != nil {
		return err
	}
	a.svc.notify, err = notify.New(notify.Deps{DB: a.DB, Bus: a.Bus, Directory: contactDirectory{a.svc.identity}, Logger: a.log},
		notify.Options{
			SMS:     sms,
			Email:   &notify.EMLSink{Dir: filepath.Join(a.cfg.DataDir, "mail")},
			Webhook: &notify.WebhookSender{Secret: derive(a.secret, "notify.webhook")},
		})
	return err
}

// ContactDirectory is the adapter the app gives notify as its Directory
// (exported for tools that run contexts outside the app).
func ContactDirectory(id *identity.Service) notify.Directory { return contactDirectory{id} }

// contactDirectory gives the notification pipeline each account's language
// and mobile number from the identity context.
type contactDirectory struct{ id *identity.Service }

func (d contactDirectory) Contact(ctx context.Context, accountID string) (notify.Contact, error) {
	m, err := d.Contacts(ctx, []string{accountID})
	if err != nil {
		return notify.Contact{}, err
	}
	return m[accountID], nil
}

func (d contactDirectory) Contacts(ctx context.Context, ids []string) (map[string]notify.Contact, error) {
	cs, err := d.id.Contacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]notify.Contact, len(cs))
	for id, c := range cs {
		out[id] = notify.Contact{Language: c.Lang, Phone: c.Mobile}
	}
	return out, nil
}

// deliveryNotifier sends the electronic-service notices of the delivery
// context through the notification pipeline, in the delivery's own
// transaction (so a service record never exists without its notice).
type deliveryNotifier struct{}

func (deliveryNotifier) Notify(ctx context.Context, tx *sqldb.Tx, n delivery.Outgoing) error {
	m := notify.Message{ID: n.ID, Ref: n.Ref, Template: n.Template, Data: n.Data, CourtID: n.CourtID, CaseID: n.CaseID}
	for _, ch := range n.Channels {
		if ch == delivery.Inbox && n.RecipientAccount == "" {
			continue // no account, no inbox
		}
		m.Channels = append(m.Channels, notify.Channel(ch))
	}
	if n.RecipientAccount != "" {
		m.Recipients = []string{n.RecipientAccount}
	}
	for ch, to := range n.Addresses {
		if to == "" || ch == delivery.Inbox {
			continue // the inbox is the account's own
		}
		m.Addresses = append(m.Addresses, notify.Address{Recipient: n.RecipientAccount, Channel: notify.Channel(ch), To: to})
	}
	return notify.Enqueue(ctx, tx, m)
}

// subscribeDeliveryOutcomes feeds the notification pipeline's per-channel
// outcomes back into the delivery context: "sent" is the arrival in the
// recipient's system that fixes the legal time of service (Online
// Litigation Rules Art. 31), "read" the read receipt.
func (a *App) subscribeDeliveryOutcomes(ctx context.Context) (func(), error) {
	handle := func(ctx context.Context, ev bus.Event) error {
		var o notify.Outcome
		if err := ev.Decode(&o); err != nil {
			return err
		}
		if !strings.HasPrefix(o.Ref, "delivery.") {
			return nil
		}
		ch := delivery.Channel(o.Channel)
		switch ev.Type {
		case notify.EventSent, notify.EventRead:
			at, err := time.Parse(time.RFC3339Nano, o.At)
			if err != nil {
				return fmt.Errorf("delivery outcome %s: time %q: %w", ev.ID, o.At, err)
			}
			if ev.Type == notify.EventSent {
				return a.svc.delivery.ChannelSent(ctx, o.Ref, ch, at, o.ProviderMessageID)
			}
			return a.svc.delivery.Read(ctx, o.Ref, ch, at)
		case notify.EventFailed:
			return a.svc.delivery.ChannelFailed(ctx, o.Ref, ch, o.Error)
		}
		return nil
	}
	var stops []func()
	for durable, subject := range map[string]string{"delivery-outcome-sent": notify.EventSent,
		"delivery-outcome-failed": notify.EventFailed, "delivery-outcome-read": notify.EventRead} {
		stop, err := a.Bus.Subscribe(ctx, durable, subject, handle, bus.Retry(20, time.Second, 5*time.Second, 30*time.Second))
		if err != nil {
			for _, s := range stops {
				s()
			}
			return nil, err
		}
		stops = append(stops, stop)
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}, nil
}
