// Package live fans events out to the browsers that watch them: a Hub maps
// topics ("enforcement:<case>:applicant") to their subscribers, is fed from
// the bus by one listener per process (Feed), and streams each subscription
// as server-sent events (Serve).
//
// It is built for tens of thousands of subscribers on one process:
//
//   - one bus listener per process, whatever the number of subscribers;
//   - topics are spread over shards, each a map from topic to an immutable
//     slice of subscribers (copy on write), so Publish takes a read lock
//     only to find the slice;
//   - a message is encoded as an SSE frame once, in Publish, and every
//     subscriber's queue holds a pointer to that shared frame: no
//     per-subscriber encoding;
//   - each subscriber has a bounded queue (Options.Buffer) that costs
//     nothing while empty; Publish never blocks: a subscriber that falls
//     Buffer messages behind is closed (ErrLagged), its page reconnects and
//     re-reads its state;
//   - Serve writes every pending frame and flushes once per batch, with a
//     write deadline so that a stalled connection is closed too.
//
// Delivery is best effort and ephemeral, like bus.Live: a subscriber sees
// what is published while it is subscribed, so a page loads its state first
// and treats the stream as "something changed, here is what".
package live

import (
	"errors"
	"hash/maphash"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Message is one pre-encoded event for subscribers. Event is the SSE event
// name ("" means "message"), ID its id (optional); Data may span lines. ID
// and Event must be one line; Publish replaces line breaks in them by
// spaces.
type Message struct {
	ID, Event string
	Data      []byte
}

// ErrLagged is returned by Serve (and Subscription.Err) when the subscriber
// fell Options.Buffer messages behind and was closed.
var ErrLagged = errors.New("live: subscriber fell too far behind")

// ErrClosed is Subscription.Err after Close.
var ErrClosed = errors.New("live: subscription closed")

// Options tunes a Hub. The zero value is usable.
type Options struct {
	// Buffer is how many messages a subscriber may have pending before it
	// is closed with ErrLagged (default 256). The queue grows on demand, so
	// an idle subscriber costs no buffer.
	Buffer int
	// Heartbeat is how often Serve sends a comment on an idle stream so that
	// proxies keep it open (default 25 s; negative: never).
	Heartbeat time.Duration
	// WriteTimeout bounds the writing of one batch by Serve; a client that
	// does not take it in time is disconnected (default 15 s).
	WriteTimeout time.Duration
	// Retry is the reconnection delay Serve tells the browser's EventSource
	// (default 3 s).
	Retry time.Duration
	// FeedBuffer is how many bus events a Feed may hold before the bus drops
	// events for it (default 16,384).
	FeedBuffer int
	// Logger receives Feed's errors (a route that panicked). Default
	// slog.Default().
	Logger *slog.Logger
}

const shardCount = 64

// Hub is a set of topics and their subscribers. It is safe for concurrent
// use; make one per process with NewHub.
type Hub struct {
	o      Options
	log    *slog.Logger
	seed   maphash.Seed
	shards [shardCount]shard

	subscribers atomic.Int64
	published   atomic.Int64
	delivered   atomic.Int64
	lagged      atomic.Int64
	fed         atomic.Int64
}

type shard struct {
	mu     sync.RWMutex
	topics map[string][]*Subscription // never mutated in place: replaced on change
}

// NewHub returns an empty hub.
func NewHub(o Options) *Hub {
	if o.Buffer <= 0 {
		o.Buffer = 256
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 25 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 15 * time.Second
	}
	if o.Retry <= 0 {
		o.Retry = 3 * time.Second
	}
	if o.FeedBuffer <= 0 {
		o.FeedBuffer = 16384
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	h := &Hub{o: o, log: o.Logger.With("component", "live"), seed: maphash.MakeSeed()}
	for i := range h.shards {
		h.shards[i].topics = map[string][]*Subscription{}
	}
	return h
}

func (h *Hub) shard(topic string) *shard {
	return &h.shards[maphash.String(h.seed, topic)%shardCount]
}

// frame is a message with its SSE encoding, shared by all its subscribers.
type frame struct {
	msg Message
	sse []byte
}

var oneLine = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// encode renders m as one SSE frame: "id:", "event:", one "data:" line per
// line of Data, and a blank line.
func encode(m Message) []byte {
	n := len(m.ID) + len(m.Event) + len(m.Data) + 32
	b := make([]byte, 0, n)
	if m.ID != "" {
		b = append(b, "id: "...)
		b = append(b, oneLine.Replace(m.ID)...)
		b = append(b, '\n')
	}
	if m.Event != "" {
		b = append(b, "event: "...)
		b = append(b, oneLine.Replace(m.Event)...)
		b = append(b, '\n')
	}
	data := m.Data
	for {
		i := indexLineBreak(data)
		b = append(b, "data: "...)
		if i < 0 {
			b = append(b, data...)
			b = append(b, '\n')
			break
		}
		b = append(b, data[:i]...)
		b = append(b, '\n')
		if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
			i++
		}
		data = data[i+1:]
	}
	return append(b, '\n')
}

func indexLineBreak(p []byte) int {
	for i, c := range p {
		if c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}

// Publish hands m to every local subscriber of topic; it never blocks on a
// slow one (a subscriber whose queue is full is closed with ErrLagged). The
// frame is encoded once for all of them. Publishing to a topic nobody
// watches costs one map lookup.
func (h *Hub) Publish(topic string, m Message) {
	h.published.Add(1)
	s := h.shard(topic)
	s.mu.RLock()
	subs := s.topics[topic]
	s.mu.RUnlock()
	if len(subs) == 0 {
		return
	}
	f := &frame{msg: m, sse: encode(m)}
	n := 0
	for _, sub := range subs {
		if sub.push(f) {
			n++
		}
	}
	h.delivered.Add(int64(n))
}

// Subscribe returns a subscription to topics (duplicates are ignored).
// Read it with Serve, or from C; Close it when done. Subscribing and
// closing copy the topic's subscriber list (so that Publish reads it
// without a lock): cheap for case topics with a handful of subscribers,
// linear in the subscribers of a topic that thousands watch.
func (h *Hub) Subscribe(topics []string) *Subscription {
	seen := make(map[string]bool, len(topics))
	uniq := make([]string, 0, len(topics))
	for _, t := range topics {
		if !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
		}
	}
	sub := &Subscription{h: h, topics: uniq, notify: make(chan struct{}, 1), done: make(chan struct{})}
	// Holding sub.mu until sub is on all its topics makes a Publish that
	// finds it on the first topic wait in push, so that a lag cannot
	// unsubscribe it half-way through (Publish holds no shard lock there).
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, t := range uniq {
		s := h.shard(t)
		s.mu.Lock()
		old := s.topics[t]
		subs := make([]*Subscription, len(old), len(old)+1)
		copy(subs, old)
		s.topics[t] = append(subs, sub)
		s.mu.Unlock()
	}
	h.subscribers.Add(1)
	return sub
}

// unsubscribe removes sub from its topics; after it returns, Publish calls
// that start no longer see sub.
func (h *Hub) unsubscribe(sub *Subscription) {
	for _, t := range sub.topics {
		s := h.shard(t)
		s.mu.Lock()
		old := s.topics[t]
		subs := make([]*Subscription, 0, len(old))
		for _, x := range old {
			if x != sub {
				subs = append(subs, x)
			}
		}
		if len(subs) == 0 {
			delete(s.topics, t)
		} else {
			s.topics[t] = subs
		}
		s.mu.Unlock()
	}
	h.subscribers.Add(-1)
}

// Stats are the hub's counters, for metrics and benchmarks.
type Stats struct {
	Subscribers int64 // open subscriptions
	Topics      int64 // topics with at least one subscriber
	Published   int64 // Publish calls
	Delivered   int64 // messages queued for a subscriber
	Lagged      int64 // subscribers closed for falling behind
	Fed         int64 // bus events Feed received
}

// Stats returns the current counters.
func (h *Hub) Stats() Stats {
	var topics int64
	for i := range h.shards {
		s := &h.shards[i]
		s.mu.RLock()
		topics += int64(len(s.topics))
		s.mu.RUnlock()
	}
	return Stats{
		Subscribers: h.subscribers.Load(),
		Topics:      topics,
		Published:   h.published.Load(),
		Delivered:   h.delivered.Load(),
		Lagged:      h.lagged.Load(),
		Fed:         h.fed.Load(),
	}
}

// retryField is the SSE "retry:" line for d.
func retryField(d time.Duration) []byte {
	return []byte("retry: " + strconv.FormatInt(d.Milliseconds(), 10) + "\n\n")
}
