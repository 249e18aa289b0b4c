package bus

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/nats-io/nats.go"
)

// LiveBuffer is how many events a Live listener may fall behind before
// further events are dropped for it.
const LiveBuffer = 64

// Live returns a channel of the events matching subjectFilter that are
// published from now on, by any process connected to the same NATS, and a
// function that stops the listener and closes the channel (also called when
// ctx is done or the bus is closed). It is meant for live pages: one
// listener per browser tab, each handed to the web package's server-sent
// events helper (web.NewSSE), e.g.
//
//	events, stop := b.Live(r.Context(), "ecourt.hearing.session.>")
//	defer stop()
//	for ev := range events { /* render the fragment, send it on the SSE stream */ }
//
// Live is ephemeral and best effort: it is a core NATS subscription, not a
// durable consumer, so it sees nothing published before it started or
// while the connection is down, and a rare republish by the relay after a
// crash shows up twice. Each listener has a buffer of LiveBuffer events; a
// listener that does not keep up loses events (counted in
// Stats.LiveDropped) and never slows the others or the publisher, so a page
// should re-read its state on reconnect rather than trust it saw every
// event. An invalid filter gives a closed channel (and a log line).
func (b *Bus) Live(ctx context.Context, subjectFilter string) (<-chan Event, func()) {
	return b.LiveN(ctx, subjectFilter, LiveBuffer)
}

// LiveN is Live with a buffer of buffer events (LiveBuffer when buffer <= 0)
// instead of LiveBuffer. It is meant for a process-wide listener that
// fans events out further (live.Hub.Feed), which must absorb the relay's
// bursts (a batch is up to 256 events) without losing any.
func (b *Bus) LiveN(ctx context.Context, subjectFilter string, buffer int) (<-chan Event, func()) {
	if buffer <= 0 {
		buffer = LiveBuffer
	}
	ch := make(chan Event, buffer)
	if err := checkSubject(subjectFilter, true); err != nil {
		b.log.Error("bus: live", "err", err)
		close(ch)
		return ch, func() {}
	}
	var (
		mu     sync.Mutex
		closed bool
	)
	sub, err := b.nc.Subscribe(subjectFilter, func(m *nats.Msg) {
		var ev Event
		if err := json.Unmarshal(m.Data, &ev); err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return
		}
		select {
		case ch <- ev:
			b.liveDelivery.Add(1)
		default:
			b.liveDropped.Add(1)
		}
	})
	if err != nil {
		b.log.Error("bus: live", "filter", subjectFilter, "err", err)
		close(ch)
		return ch, func() {}
	}
	h := b.track(ctx, func() {
		_ = sub.Unsubscribe()
		mu.Lock()
		closed = true
		close(ch)
		mu.Unlock()
	})
	return ch, h.stop
}
