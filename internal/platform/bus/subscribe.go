package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// SubscribeOption tunes Subscribe.
type SubscribeOption func(*subOptions)

type subOptions struct {
	maxDeliver int
	backoff    []time.Duration
}

// Retry sets how often a message whose handler fails is delivered in all
// (maxDeliver, default 6) and the waits before the redeliveries (default
// 1 s, 5 s, 30 s, 2 min, 10 min; the last wait repeats).
func Retry(maxDeliver int, backoff ...time.Duration) SubscribeOption {
	return func(o *subOptions) {
		if maxDeliver > 0 {
			o.maxDeliver = maxDeliver
		}
		if len(backoff) > 0 {
			o.backoff = backoff
		}
	}
}

// ackWait is how long a delivered message may stay unacknowledged before
// JetStream redelivers it; handlers should finish well within it.
const ackWait = time.Minute

// drainTimeout bounds how long stop (and Close) wait for the handler to
// finish the messages already fetched.
const drainTimeout = 10 * time.Second

// Subscribe starts a durable JetStream consumer named durable on the
// events matching subjectFilter ("ecourt.filing.>", "ecourt.*.case.closed")
// and calls handler for each, one at a time. A new durable starts with the
// oldest event in the stream; an existing one resumes after its last
// acknowledged event, also across restarts and processes (several
// processes subscribing with the same durable share the work).
//
// A message is acknowledged after handler returns nil. When handler
// returns an error (or panics) it is redelivered after a backoff; after
// MaxDeliver deliveries it is logged as dead (level error, with the event
// ID) and given up. Delivery is at least once: handlers must be idempotent,
// typically with Once in the transaction of their effect.
//
// durable may use letters, digits, '-' and '_'. stop stops the consumer
// (the durable stays on the server), letting the handler finish the
// messages already fetched for up to 10 seconds; it is also called when
// ctx is done or the bus is closed. The handler's context is cancelled
// only after that.
func (b *Bus) Subscribe(ctx context.Context, durable, subjectFilter string, handler func(context.Context, Event) error, opts ...SubscribeOption) (stop func(), err error) {
	if !validDurable(durable) {
		return nil, fmt.Errorf("bus: durable name %q: use letters, digits, '-' and '_'", durable)
	}
	if err := checkSubject(subjectFilter, true); err != nil {
		return nil, err
	}
	o := subOptions{maxDeliver: 6, backoff: []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}}
	for _, opt := range opts {
		opt(&o)
	}
	cons, err := b.stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       durable,
		FilterSubject: subjectFilter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    o.maxDeliver,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 1000,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: consumer %s: %w", durable, err)
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	log := b.log.With("consumer", durable)
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		b.handle(hctx, log, msg, handler, o)
	},
		jetstream.PullMaxMessages(64),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			log.Debug("consume", "err", err)
		}),
	)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bus: consume %s: %w", durable, err)
	}
	h := b.track(ctx, func() {
		cc.Drain()
		select {
		case <-cc.Closed():
		case <-time.After(drainTimeout):
			cc.Stop() // the unacknowledged rest is redelivered after ackWait

		}
		cancel()
	})
	return h.stop, nil
}

func (b *Bus) handle(ctx context.Context, log *slog.Logger, msg jetstream.Msg, handler func(context.Context, Event) error, o subOptions) {
	var ev Event
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		b.dead.Add(1)
		log.Error("bus: dead message: undecodable event", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	err := callHandler(ctx, handler, ev)
	if err == nil {
		b.handled.Add(1)
		if err := msg.DoubleAck(ctx); err != nil {
			// It will be redelivered; the handler is idempotent.
			log.Warn("bus: ack failed", "event_id", ev.ID, "err", err)
		}
		return
	}
	var n int
	if md, mdErr := msg.Metadata(); mdErr == nil {
		n = int(md.NumDelivered)
	}
	if n >= o.maxDeliver {
		b.dead.Add(1)
		log.Error("bus: dead message: handler failed on every delivery", "event_id", ev.ID, "type", ev.Type,
			"deliveries", n, "err", err)
		_ = msg.Term()
		return
	}
	b.redelivered.Add(1)
	d := o.backoff[min(max(n-1, 0), len(o.backoff)-1)]
	log.Warn("bus: handler failed; will redeliver", "event_id", ev.ID, "type", ev.Type, "delivery", n, "retry_in", d, "err", err)
	_ = msg.NakWithDelay(d)
}

func callHandler(ctx context.Context, handler func(context.Context, Event) error, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bus: handler panicked: %v", p)
		}
	}()
	return handler(ctx, ev)
}

func validDurable(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// handle is a running subscription or live listener; Close stops them all.
type handle struct {
	once sync.Once
	fn   func()
	b    *Bus
	done chan struct{}
}

func (h *handle) stop() {
	h.once.Do(func() {
		close(h.done)
		h.fn()
		h.b.mu.Lock()
		delete(h.b.subs, h)
		h.b.mu.Unlock()
	})
}

// track registers fn as a stopper that runs once: on the returned handle's
// stop, when ctx is done, or on Close.
func (b *Bus) track(ctx context.Context, fn func()) *handle {
	h := &handle{fn: fn, b: b, done: make(chan struct{})}
	b.mu.Lock()
	closed := b.closed
	if !closed {
		b.subs[h] = struct{}{}
	}
	b.mu.Unlock()
	if closed {
		h.stop()
		return h
	}
	go func() {
		select {
		case <-ctx.Done():
			h.stop()
		case <-h.done:
		}
	}()
	return h
}
