package identity

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// SMS sends text messages. A real adapter wraps a carrier or an SMS
// gateway; it must return an errs.Unavailable error when the provider is
// down and an errs.Invalid error (field "mobile") when the provider rejects
// the number, so callers can tell the user what happened.
type SMS interface {
	Send(ctx context.Context, mobile, text string) error
}

// SentSMS is one message the development provider accepted.
type SentSMS struct {
	At     time.Time
	Mobile string
	Text   string
}

// DevSMS is the built-in development provider. It writes every message to
// the log and keeps the last 100 for the demo-only page. Like a real
// gateway it rejects numbers it cannot deliver to: mainland numbers in the
// reserved test range 19999990000–19999999999 are "unreachable", and Fail
// makes it behave as if the gateway were down.
type DevSMS struct {
	Log *slog.Logger

	mu   sync.Mutex
	sent []SentSMS
	down bool
}

// NewDevSMS returns a development provider that logs to log.
func NewDevSMS(log *slog.Logger) *DevSMS { return &DevSMS{Log: log} }

// Send logs the message and keeps it for the demo page.
func (d *DevSMS) Send(ctx context.Context, mobile, text string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return errs.New(errs.Unavailable, "identity.sms_unavailable")
	}
	if strings.HasPrefix(mobile, "1999999") {
		return errs.Fields(errs.FieldError{Field: "mobile", Code: "unreachable", Key: "identity.field.unreachable"})
	}
	if d.Log != nil {
		d.Log.Info("sms (development provider)", "mobile", mobile, "text", text)
	}
	d.sent = append(d.sent, SentSMS{At: time.Now().UTC(), Mobile: mobile, Text: text})
	if len(d.sent) > 100 {
		d.sent = d.sent[len(d.sent)-100:]
	}
	return nil
}

// Fail makes the provider behave as if the gateway were down (true) or up.
func (d *DevSMS) Fail(down bool) {
	d.mu.Lock()
	d.down = down
	d.mu.Unlock()
}

// Sent returns the kept messages, newest first.
func (d *DevSMS) Sent() []SentSMS {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]SentSMS, len(d.sent))
	for i, m := range d.sent {
		out[len(d.sent)-1-i] = m
	}
	return out
}

// Last returns the newest message sent to mobile, if any.
func (d *DevSMS) Last(mobile string) (SentSMS, bool) {
	for _, m := range d.Sent() {
		if m.Mobile == mobile {
			return m, true
		}
	}
	return SentSMS{}, false
}
