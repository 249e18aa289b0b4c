package live

import "sync"

// Subscription is one subscriber's view of some topics. Read it either with
// Serve or from C, not both. Close it when done (Serve does so itself);
// Close is safe to call more than once and from any goroutine.
type Subscription struct {
	h      *Hub
	topics []string

	mu     sync.Mutex
	q      []*frame      // pending frames, oldest first
	spare  []*frame      // the previous batch's backing array, reused
	notify chan struct{} // capacity 1: "q is not empty"
	done   chan struct{} // closed by Close or on lag
	err    error         // ErrClosed or ErrLagged once done

	cOnce sync.Once
	c     chan Message
}

// Topics returns the topics of the subscription.
func (s *Subscription) Topics() []string { return append([]string(nil), s.topics...) }

// push queues f; it reports whether f was queued. A full queue closes the
// subscription with ErrLagged instead.
func (s *Subscription) push(f *frame) bool {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return false
	}
	if len(s.q) >= s.h.o.Buffer {
		s.finishLocked(ErrLagged)
		s.mu.Unlock()
		s.h.lagged.Add(1)
		s.h.unsubscribe(s) // Publish holds no shard lock while it pushes
		return false
	}
	s.q = append(s.q, f)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return true
}

// finishLocked ends the subscription with err; s.mu must be held.
func (s *Subscription) finishLocked(err error) {
	s.err = err
	s.q = nil
	s.spare = nil
	close(s.done)
}

// take returns the pending frames and empties the queue. The returned slice
// is valid until the next take.
func (s *Subscription) take() []*frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.q
	if len(batch) == 0 {
		return nil
	}
	clear(s.spare)
	s.q = s.spare[:0]
	s.spare = batch
	return batch
}

// Done is closed when the subscription ends: Close, or ErrLagged.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err returns nil while the subscription is open, then ErrClosed or
// ErrLagged.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription and removes it from its topics. Messages still
// queued are discarded; C is closed.
func (s *Subscription) Close() {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.finishLocked(ErrClosed)
	s.mu.Unlock()
	s.h.unsubscribe(s)
}

// C returns a channel that delivers the subscription's messages in order.
// It is closed when the subscription ends (Close or ErrLagged; see Err).
// The first call starts a goroutine that feeds it; a subscription read by
// Serve needs none.
func (s *Subscription) C() <-chan Message {
	s.cOnce.Do(func() {
		s.c = make(chan Message)
		go s.pump()
	})
	return s.c
}

func (s *Subscription) pump() {
	defer close(s.c)
	for {
		select {
		case <-s.done:
			return
		case <-s.notify:
		}
		for _, f := range s.take() {
			select {
			case s.c <- f.msg:
			case <-s.done:
				return
			}
		}
	}
}
