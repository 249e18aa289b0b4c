package live

import (
	"context"
	"fmt"
	"sync"

	"github.com/ecourt/ecourt/internal/platform/bus"
)

// Routed is one message for one topic, produced from a bus event.
type Routed struct {
	Topic string
	Msg   Message
}

// Feed listens to the bus events matching subjectFilter ("ecourt.enforcement.>")
// with one listener for the whole process, whatever the number of
// subscribers, and publishes what route returns for each event. route runs
// on Feed's one goroutine, once per event: it decodes the payload and
// renders the per-audience messages, so the work per event does not grow
// with the number of subscribers. A route that panics is logged and the
// event skipped.
//
// The listener is bus.LiveN with Options.FeedBuffer events of buffer: it
// sees the events published by any process from now on, and loses events
// (counted in bus.Stats.LiveDropped) only if route falls that far behind.
// stop ends the listener and waits for the events already received to be
// published; it is also called when ctx ends or the bus is closed.
func (h *Hub) Feed(ctx context.Context, b *bus.Bus, subjectFilter string, route func(bus.Event) []Routed) (stop func()) {
	events, stopLive := b.LiveN(ctx, subjectFilter, h.o.FeedBuffer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			h.fed.Add(1)
			routed, err := callRoute(route, ev)
			if err != nil {
				h.log.Error("live: route", "filter", subjectFilter, "event_id", ev.ID, "type", ev.Type, "err", err)
				continue
			}
			for _, r := range routed {
				h.Publish(r.Topic, r.Msg)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			stopLive()
			<-done
		})
	}
}

func callRoute(route func(bus.Event) []Routed, ev bus.Event) (out []Routed, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("route panicked: %v", p)
		}
	}()
	return route(ev), nil
}
