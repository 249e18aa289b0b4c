package live

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waitTimeout bounds every wait for an asynchronous outcome; it is a
// failure deadline, not a timing assertion.
const waitTimeout = 15 * time.Second

// recv reads n messages from sub.C or fails.
func recv(t *testing.T, sub *Subscription, n int) []Message {
	t.Helper()
	var got []Message
	for len(got) < n {
		select {
		case m, ok := <-sub.C():
			if !ok {
				t.Fatalf("C closed after %d of %d messages (Err %v)", len(got), n, sub.Err())
			}
			got = append(got, m)
		case <-time.After(waitTimeout):
			t.Fatalf("got %d of %d messages", len(got), n)
		}
	}
	return got
}

// pending returns how many messages sub has queued (for subscriptions not
// read through C).
func pending(sub *Subscription) int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return len(sub.q)
}

func TestEncode(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{Data: []byte("x")}, "data: x\n\n"},
		{Message{ID: "7", Event: "node", Data: []byte(`{"a":1}`)}, "id: 7\nevent: node\ndata: {\"a\":1}\n\n"},
		{Message{Data: []byte("a\nb\r\nc\rd")}, "data: a\ndata: b\ndata: c\ndata: d\n\n"},
		{Message{Data: []byte("end\n")}, "data: end\ndata: \n\n"},
		{Message{}, "data: \n\n"},
		{Message{ID: "1\n2", Event: "a\r\nb"}, "id: 1 2\nevent: a b\ndata: \n\n"},
	}
	for _, tt := range tests {
		if got := string(encode(tt.m)); got != tt.want {
			t.Errorf("encode(%+v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}

// TestTopics: a message reaches the subscribers of its topic only, each
// once even when subscribed to the topic twice; a closed subscription gets
// nothing and leaves the hub.
func TestTopics(t *testing.T) {
	h := NewHub(Options{})
	a := h.Subscribe([]string{"enforcement:1:applicant"})
	b := h.Subscribe([]string{"enforcement:1:applicant", "enforcement:1:staff", "enforcement:1:staff"})
	c := h.Subscribe([]string{"enforcement:2:applicant"})
	defer a.Close()
	defer b.Close()
	defer c.Close()
	if st := h.Stats(); st.Subscribers != 3 || st.Topics != 3 {
		t.Fatalf("Stats = %+v, want 3 subscribers on 3 topics", st)
	}

	h.Publish("enforcement:1:applicant", Message{ID: "1", Event: "node", Data: []byte("one")})
	h.Publish("enforcement:1:staff", Message{ID: "2", Event: "node", Data: []byte("two")})
	h.Publish("enforcement:3:staff", Message{ID: "3", Data: []byte("nobody")})

	if got, want := recv(t, a, 1), []Message{{ID: "1", Event: "node", Data: []byte("one")}}; !cmp.Equal(got, want) {
		t.Errorf("a got %v, want %v", got, want)
	}
	if got, want := recv(t, b, 2), []Message{{ID: "1", Event: "node", Data: []byte("one")}, {ID: "2", Event: "node", Data: []byte("two")}}; !cmp.Equal(got, want) {
		t.Errorf("b got %v, want %v", got, want)
	}
	if n := pending(c); n != 0 {
		t.Errorf("c has %d messages, want none", n)
	}
	if st := h.Stats(); st.Published != 3 || st.Delivered != 3 {
		t.Errorf("Stats = %+v, want 3 published, 3 delivered", st)
	}

	b.Close()
	b.Close() // twice is fine
	if _, ok := <-b.C(); ok {
		t.Error("C of a closed subscription delivers")
	}
	if b.Err() != ErrClosed {
		t.Errorf("Err = %v, want ErrClosed", b.Err())
	}
	h.Publish("enforcement:1:staff", Message{Data: []byte("after")})
	if st := h.Stats(); st.Subscribers != 2 || st.Topics != 2 {
		t.Errorf("after Close: Stats = %+v, want 2 subscribers on 2 topics", st)
	}
	if got := b.Topics(); !cmp.Equal(got, []string{"enforcement:1:applicant", "enforcement:1:staff"}) {
		t.Errorf("Topics = %v", got)
	}
}

// TestManySubscribers: 2,000 topics with 6 subscribers each; one message
// per topic reaches each of the 12,000 subscribers exactly once.
func TestManySubscribers(t *testing.T) {
	const topics, per = 2000, 6
	h := NewHub(Options{})
	subs := make([]*Subscription, 0, topics*per)
	for i := range topics {
		for range per {
			subs = append(subs, h.Subscribe([]string{fmt.Sprintf("t:%d", i)}))
		}
	}
	if st := h.Stats(); st.Subscribers != topics*per || st.Topics != topics {
		t.Fatalf("Stats = %+v", st)
	}
	var wg sync.WaitGroup
	for w := range 4 { // concurrent publishers
		wg.Go(func() {
			for i := w; i < topics; i += 4 {
				h.Publish(fmt.Sprintf("t:%d", i), Message{ID: fmt.Sprint(i), Data: []byte("x")})
			}
		})
	}
	wg.Wait()
	for j, s := range subs {
		if got := pending(s); got != 1 {
			t.Fatalf("subscriber %d has %d messages, want 1", j, got)
		}
		f := s.take()[0]
		if want := fmt.Sprint(j / per); f.msg.ID != want {
			t.Fatalf("subscriber %d got message %s, want %s", j, f.msg.ID, want)
		}
	}
	// A frame is encoded once and shared by the topic's subscribers.
	h.Publish("t:0", Message{Data: []byte("shared")})
	f0 := subs[0].take()[0]
	for _, s := range subs[1:per] {
		if f := s.take()[0]; f != f0 {
			t.Fatal("subscribers of one topic got different frames")
		}
	}
	for _, s := range subs {
		s.Close()
	}
	if st := h.Stats(); st.Subscribers != 0 || st.Topics != 0 {
		t.Errorf("after closing all: Stats = %+v", st)
	}
}

// TestSlowSubscriber: a subscriber that reads nothing is closed with
// ErrLagged once Buffer messages are pending; the others and the publisher
// carry on and receive everything.
func TestSlowSubscriber(t *testing.T) {
	const buffer = 8
	h := NewHub(Options{Buffer: buffer})
	slow := h.Subscribe([]string{"t"})
	fast := h.Subscribe([]string{"t"})
	defer fast.Close()
	got := make(chan Message, 100)
	go func() {
		for m := range fast.C() {
			got <- m
		}
	}()
	for i := range 3 * buffer { // the fast one reads each before the next
		h.Publish("t", Message{ID: fmt.Sprint(i)})
		select {
		case m := <-got:
			if m.ID != fmt.Sprint(i) {
				t.Fatalf("fast got %s, want %d", m.ID, i)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("fast got %d of %d", i, 3*buffer)
		}
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("slow subscriber not closed")
	}
	if slow.Err() != ErrLagged {
		t.Errorf("slow Err = %v, want ErrLagged", slow.Err())
	}
	if _, ok := <-slow.C(); ok {
		t.Error("lagged subscription still delivers")
	}
	if st := h.Stats(); st.Lagged != 1 || st.Subscribers != 1 {
		t.Errorf("Stats = %+v, want 1 lagged, 1 subscriber left", st)
	}
	slow.Close() // after lag: a no-op
	if st := h.Stats(); st.Subscribers != 1 {
		t.Errorf("Close after lag: %d subscribers, want 1", st.Subscribers)
	}
}

// TestConcurrent runs Subscribe, Publish and Close at once (for -race).
func TestConcurrent(t *testing.T) {
	h := NewHub(Options{Buffer: 4})
	var wg sync.WaitGroup
	stopPub := make(chan struct{})
	for p := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopPub:
					return
				default:
				}
				h.Publish(fmt.Sprintf("t:%d", (i+p)%10), Message{Data: []byte("x")})
			}
		})
	}
	var subWG sync.WaitGroup
	for w := range 4 {
		subWG.Go(func() {
			for i := range 300 {
				s := h.Subscribe([]string{fmt.Sprintf("t:%d", (i+w)%10), fmt.Sprintf("t:%d", (i+w+1)%10)})
				if i%2 == 0 {
					select {
					case <-s.C():
					case <-s.Done():
					}
				}
				s.Close()
			}
		})
	}
	subWG.Wait()
	close(stopPub)
	wg.Wait()
	if st := h.Stats(); st.Subscribers != 0 || st.Topics != 0 {
		t.Errorf("Stats = %+v, want none left", st)
	}
}
