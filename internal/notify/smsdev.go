package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"golang.org/x/time/rate"
)

// MaxSMSRunes is the longest text the development gateway takes (a long
// message of seven 67-character segments, as mainland gateways allow).
const MaxSMSRunes = 469

// DevSMS is the development SMS gateway. It behaves like a real one: it
// refuses numbers that are not mainland mobiles ("invalid_number",
// permanent) and the reserved test range 1999999xxxx ("unreachable",
// permanent), texts longer than MaxSMSRunes ("too_long", permanent) and
// texts without a 【signature】 ("no_signature", permanent, as carriers
// require); it answers "rate_limited" (transient) above its own rate and
// "outage" (transient) while SetOutage is on; it gives each accepted
// message an ID and an accepted time and can be queried by client
// reference. It records every accepted request, duplicates included, so a
// test sees anything sent twice.
//
// Handler serves the same gateway over HTTP (the API HTTPSMS speaks), so
// it can run in another process than the dispatcher.
type DevSMS struct {
	name  string
	clock clock.Clock
	lim   *rate.Limiter

	mu     sync.Mutex
	outage bool
	inject func(TextMessage) error
	sent   []DevText
	byRef  map[string]int
}

// DevText is one message the development gateway accepted.
type DevText struct {
	TextMessage
	ID         string    `json:"id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// DevSMSOptions configure NewDevSMS.
type DevSMSOptions struct {
	Name string // default "devsms"
	// Rate is the gateway's own limit in messages per second (0: none).
	// Requests above it get "rate_limited", as from a real gateway.
	Rate  float64
	Clock clock.Clock
}

// NewDevSMS returns a development gateway.
func NewDevSMS(o DevSMSOptions) *DevSMS {
	if o.Name == "" {
		o.Name = "devsms"
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	d := &DevSMS{name: o.Name, clock: o.Clock, byRef: map[string]int{}}
	if o.Rate > 0 {
		d.lim = rate.NewLimiter(rate.Limit(o.Rate), max(1, int(o.Rate)))
	}
	return d
}

// Name returns the gateway's name.
func (d *DevSMS) Name() string { return d.name }

// SetOutage makes the gateway answer every request with "outage" (true)
// or work again (false).
func (d *DevSMS) SetOutage(on bool) {
	d.mu.Lock()
	d.outage = on
	d.mu.Unlock()
}

// Inject sets a failure injection: fn is called for every request before
// the gateway's own checks and a non-nil error is returned as the
// gateway's answer (use PermanentError, TransientError or UnknownError;
// an Unknown error is returned after the message was accepted, like a
// lost response). nil removes it.
func (d *DevSMS) Inject(fn func(TextMessage) error) {
	d.mu.Lock()
	d.inject = fn
	d.mu.Unlock()
}

// Send accepts m or refuses it like a real gateway.
func (d *DevSMS) Send(ctx context.Context, m TextMessage) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, UnknownError("timeout", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var lost error
	if d.inject != nil {
		if err := d.inject(m); err != nil {
			if k, _ := Classify(err); k != Unknown {
				return Receipt{}, err
			}
			lost = err
		}
	}
	if d.outage {
		return Receipt{}, TransientError("outage", errors.New("gateway unavailable"))
	}
	if d.lim != nil && !d.lim.Allow() {
		return Receipt{}, TransientError("rate_limited", errors.New("too many requests"))
	}
	phone, ok := NormalisePhone(m.Phone)
	switch {
	case !ok:
		return Receipt{}, PermanentError("invalid_number", fmt.Errorf("%q is not a mainland mobile number", m.Phone))
	case strings.HasPrefix(phone, "1999999"):
		return Receipt{}, PermanentError("unreachable", fmt.Errorf("%s cannot be reached", phone))
	case utf8.RuneCountInString(m.Text) > MaxSMSRunes:
		return Receipt{}, PermanentError("too_long", fmt.Errorf("text of %d characters", utf8.RuneCountInString(m.Text)))
	case !strings.HasPrefix(m.Text, "【") && !strings.HasPrefix(m.Text, "["):
		return Receipt{}, PermanentError("no_signature", errors.New("the text must start with the sender's signature"))
	}
	t := DevText{TextMessage: m, ID: "sms-" + ids.New(), AcceptedAt: d.clock.Now().UTC()}
	t.Phone = phone
	d.sent = append(d.sent, t)
	if _, seen := d.byRef[m.ClientRef]; !seen && m.ClientRef != "" {
		d.byRef[m.ClientRef] = len(d.sent) - 1
	}
	if lost != nil {
		return Receipt{}, lost
	}
	return Receipt{Provider: d.name, ProviderID: t.ID, AcceptedAt: t.AcceptedAt}, nil
}

// Query returns the receipt of the first message accepted with clientRef.
func (d *DevSMS) Query(ctx context.Context, clientRef string) (Receipt, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.outage {
		return Receipt{}, TransientError("outage", errors.New("gateway unavailable"))
	}
	i, ok := d.byRef[clientRef]
	if !ok {
		return Receipt{}, ErrNotAccepted
	}
	t := d.sent[i]
	return Receipt{Provider: d.name, ProviderID: t.ID, AcceptedAt: t.AcceptedAt}, nil
}

// Sent returns every accepted request, oldest first.
func (d *DevSMS) Sent() []DevText {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DevText(nil), d.sent...)
}

// Count returns how many requests with clientRef were accepted.
func (d *DevSMS) Count(clientRef string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, t := range d.sent {
		if t.ClientRef == clientRef {
			n++
		}
	}
	return n
}

// Handler serves the gateway's HTTP API:
//
//	POST /messages              {"client_ref","phone","text"} → 200 {"id","accepted_at"}
//	                            400 {"code"} refused for good; 429, 503 {"code"} try later
//	GET  /messages?client_ref=R → 200 {"id","accepted_at"} | 404
func (d *DevSMS) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /messages", func(w http.ResponseWriter, r *http.Request) {
		var m TextMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&m); err != nil {
			devJSON(w, http.StatusBadRequest, map[string]string{"code": "bad_request"})
			return
		}
		rc, err := d.Send(r.Context(), m)
		if err != nil {
			kind, code := Classify(err)
			status := http.StatusServiceUnavailable
			switch {
			case kind == Permanent:
				status = http.StatusBadRequest
			case code == "rate_limited":
				status = http.StatusTooManyRequests
			case kind == Unknown:
				// A lost answer: the client never hears back.
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
			}
			devJSON(w, status, map[string]string{"code": code})
			return
		}
		devJSON(w, http.StatusOK, devReceipt{ID: rc.ProviderID, AcceptedAt: rc.AcceptedAt})
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		rc, err := d.Query(r.Context(), r.URL.Query().Get("client_ref"))
		switch {
		case errors.Is(err, ErrNotAccepted):
			devJSON(w, http.StatusNotFound, map[string]string{"code": "not_found"})
		case err != nil:
			devJSON(w, http.StatusServiceUnavailable, map[string]string{"code": "outage"})
		default:
			devJSON(w, http.StatusOK, devReceipt{ID: rc.ProviderID, AcceptedAt: rc.AcceptedAt})
		}
	})
	return mux
}

type devReceipt struct {
	ID         string    `json:"id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

func devJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
