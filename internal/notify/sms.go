package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// TextMessage is one SMS as a provider gets it.
type TextMessage struct {
	// ClientRef is our reference (the provider's "OutId"/"client_ref"):
	// real SMS gateways store it and let the sender query by it.
	ClientRef string `json:"client_ref"`
	// Phone is an 11-digit mainland mobile number.
	Phone string `json:"phone"`
	Text  string `json:"text"`
}

// SMSProvider is an SMS gateway. Send returns the provider's message ID
// and accepted time, or a SendError: Permanent for a number or text the
// gateway refuses, Transient for an outage or its rate limit, Unknown when
// the request may have been taken. Query finds a message by ClientRef
// (ErrNotAccepted when there is none).
type SMSProvider interface {
	Name() string
	Send(ctx context.Context, m TextMessage) (Receipt, error)
	Query(ctx context.Context, clientRef string) (Receipt, error)
}

// Limiter paces sends to a provider. *rate.Limiter implements it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// SMSRoute is one provider of the SMS channel with the rate it allows.
type SMSRoute struct {
	Provider SMSProvider
	// Rate is the provider's contracted rate in messages per second
	// (default 10); Burst the messages it takes at once (default 1).
	Rate  float64
	Burst int
	// Limiter replaces the limiter built from Rate and Burst (tests).
	Limiter Limiter
}

// SMSChannel sends text messages through one or more providers in order
// of preference, each kept to its rate: every attempt waits for its
// provider's limiter first. A transient failure of one provider (outage,
// rate limited) falls back to the next at once, and the failing provider
// goes to the back of the line for Cooldown; a permanent failure (invalid
// number) does not fall back, since no gateway can deliver it. When a
// provider's answer is lost (timeout), it is asked by client reference
// before any other provider is tried, so a message is never sent by two.
type SMSChannel struct {
	routes   []smsRoute
	cooldown time.Duration
	log      *slog.Logger

	mu        sync.Mutex
	downUntil map[int]time.Time
}

type smsRoute struct {
	p   SMSProvider
	lim Limiter
}

// SMSOptions configure NewSMSChannel.
type SMSOptions struct {
	// Cooldown is how long a provider that failed transiently is tried
	// after the others (default 30 s).
	Cooldown time.Duration
	Logger   *slog.Logger
}

// NewSMSChannel returns the SMS channel over routes (at least one).
func NewSMSChannel(opts SMSOptions, routes ...SMSRoute) (*SMSChannel, error) {
	if len(routes) == 0 {
		return nil, errors.New("notify: the SMS channel needs a provider")
	}
	if opts.Cooldown <= 0 {
		opts.Cooldown = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &SMSChannel{cooldown: opts.Cooldown, log: opts.Logger, downUntil: map[int]time.Time{}}
	for _, r := range routes {
		if r.Provider == nil {
			return nil, errors.New("notify: SMS route without a provider")
		}
		lim := r.Limiter
		if lim == nil {
			rt, burst := r.Rate, r.Burst
			if rt <= 0 {
				rt = 10
			}
			if burst <= 0 {
				burst = 1
			}
			lim = rate.NewLimiter(rate.Limit(rt), burst)
		}
		c.routes = append(c.routes, smsRoute{p: r.Provider, lim: lim})
	}
	return c, nil
}

// order returns the routes to try: healthy ones first, in preference order.
func (c *SMSChannel) order() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	var up, down []int
	for i := range c.routes {
		if now.Before(c.downUntil[i]) {
			down = append(down, i)
		} else {
			up = append(up, i)
		}
	}
	return append(up, down...)
}

func (c *SMSChannel) markDown(i int, down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if down {
		c.downUntil[i] = time.Now().Add(c.cooldown)
	} else {
		delete(c.downUntil, i)
	}
}

// Send sends o.Content.SMS to o.To.
func (c *SMSChannel) Send(ctx context.Context, o Outgoing) (Receipt, error) {
	m := TextMessage{ClientRef: o.ClientRef, Phone: o.To, Text: o.Content.SMS}
	var last error
	for n, i := range c.order() {
		r := c.routes[i]
		if err := r.lim.Wait(ctx); err != nil {
			// The deadline would pass while waiting: nothing was sent.
			return Receipt{}, TransientError("rate_wait", err)
		}
		rc, err := r.p.Send(ctx, m)
		if err == nil {
			c.markDown(i, false)
			rc.Provider = r.p.Name()
			return rc, nil
		}
		kind, code := Classify(err)
		switch kind {
		case Permanent:
			return Receipt{}, err
		case Unknown:
			// Ask before trying anyone else: the message may be out.
			rc, qerr := r.p.Query(ctx, m.ClientRef)
			if qerr == nil {
				rc.Provider = r.p.Name()
				return rc, nil
			}
			if !errors.Is(qerr, ErrNotAccepted) {
				return Receipt{}, UnknownError(code, fmt.Errorf("%s: %w; query: %v", r.p.Name(), err, qerr))
			}
		}
		c.markDown(i, true)
		last = fmt.Errorf("%s: %w", r.p.Name(), err)
		if n+1 < len(c.routes) {
			c.log.Warn("notify: SMS provider failed; falling back", "provider", r.p.Name(), "code", code, "err", err)
		}
	}
	_, code := Classify(last)
	return Receipt{}, TransientError(code, last)
}

// Query asks every provider for clientRef, and returns the first receipt.
// It returns ErrNotAccepted only when every provider said so.
func (c *SMSChannel) Query(ctx context.Context, clientRef string) (Receipt, error) {
	var errList []error
	for _, r := range c.routes {
		rc, err := r.p.Query(ctx, clientRef)
		if err == nil {
			rc.Provider = r.p.Name()
			return rc, nil
		}
		if !errors.Is(err, ErrNotAccepted) {
			errList = append(errList, fmt.Errorf("%s: %w", r.p.Name(), err))
		}
	}
	if len(errList) > 0 {
		return Receipt{}, errors.Join(errList...)
	}
	return Receipt{}, ErrNotAccepted
}
