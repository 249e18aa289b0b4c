package live

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// sseServer serves the topics named in ?topic= (repeatable) and records
// what Serve returned.
func sseServer(t *testing.T, h *Hub) (*httptest.Server, chan error) {
	t.Helper()
	errc := make(chan error, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errc <- Serve(w, r, h.Subscribe(r.URL.Query()["topic"]))
	}))
	t.Cleanup(srv.Close)
	return srv, errc
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readUntil reads the stream up to and including the line want, and
// returns what it read.
func readUntil(t *testing.T, r *bufio.Reader, want string) string {
	t.Helper()
	var b strings.Builder
	done := make(chan error, 1)
	go func() {
		for {
			line, err := r.ReadString('\n')
			b.WriteString(line)
			if err != nil {
				done <- err
				return
			}
			if strings.TrimSuffix(line, "\n") == want {
				done <- nil
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("reading up to %q: %v (read %q)", want, err, b.String())
		}
	case <-time.After(waitTimeout):
		t.Fatalf("no line %q within %v", want, waitTimeout)
	}
	return b.String()
}

// TestServe streams two topics to a real HTTP client: headers, the retry
// delay, the frames in order, a heartbeat when idle; when the client goes,
// Serve returns nil and the subscription leaves the hub.
func TestServe(t *testing.T) {
	h := NewHub(Options{Heartbeat: 20 * time.Millisecond, Retry: 2 * time.Second})
	srv, errc := sseServer(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"?topic=a&topic=b", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Type"); got != "text/event-stream; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q", got)
	}
	r := bufio.NewReader(resp.Body)
	if got := readUntil(t, r, ""); got != "retry: 2000\n\n" {
		t.Errorf("stream starts with %q, want the retry delay", got)
	}
	waitUntil(t, "subscribed", func() bool { return h.Stats().Subscribers == 1 })

	h.Publish("a", Message{ID: "1", Event: "node", Data: []byte("{\"n\":1}")})
	h.Publish("c", Message{ID: "x", Data: []byte("not mine")})
	h.Publish("b", Message{ID: "2", Event: "node", Data: []byte("line 1\nline 2")})
	got := readUntil(t, r, "id: 2") // skips heartbeats
	got = strings.ReplaceAll(got, string(ping), "")
	got += readUntil(t, r, "")
	want := "id: 1\nevent: node\ndata: {\"n\":1}\n\nid: 2\nevent: node\ndata: line 1\ndata: line 2\n\n"
	if got != want {
		t.Errorf("stream = %q, want %q", got, want)
	}
	readUntil(t, r, ": ping") // the stream is idle now

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve = %v, want nil after the client left", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Serve did not return after the client left")
	}
	if st := h.Stats(); st.Subscribers != 0 {
		t.Errorf("%d subscribers after the client left, want 0", st.Subscribers)
	}
}

// stallingWriter is a streaming ResponseWriter whose first write of an
// event frame blocks until released, like a client that stopped reading.
type stallingWriter struct {
	header  http.Header
	mu      sync.Mutex
	buf     bytes.Buffer
	stalled chan struct{} // closed when the write blocks
	release chan struct{}
	once    sync.Once
}

func (w *stallingWriter) Header() http.Header { return w.header }
func (w *stallingWriter) WriteHeader(int)     {}
func (w *stallingWriter) Flush()              {}
func (w *stallingWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("data:")) {
		w.once.Do(func() {
			close(w.stalled)
			<-w.release
		})
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestServeLagged: while Serve is stuck writing to a client, messages pile
// up; at Buffer pending the subscription is closed and Serve returns
// ErrLagged. Publish never waits for the stuck client.
func TestServeLagged(t *testing.T) {
	const buffer = 4
	h := NewHub(Options{Buffer: buffer, Heartbeat: -1})
	w := &stallingWriter{header: http.Header{}, stalled: make(chan struct{}), release: make(chan struct{})}
	sub := h.Subscribe([]string{"t"})
	other := h.Subscribe([]string{"t"})
	defer other.Close()
	r := httptest.NewRequest("GET", "/live", nil)
	errc := make(chan error, 1)
	go func() { errc <- Serve(w, r, sub) }()

	h.Publish("t", Message{ID: "0"})
	select {
	case <-w.stalled:
	case <-time.After(waitTimeout):
		t.Fatal("Serve did not write the first message")
	}
	got := len(other.take())
	for i := 1; i <= buffer+1; i++ {
		if sub.Err() != nil {
			t.Fatalf("closed after %d pending messages, want %d", i-1, buffer)
		}
		h.Publish("t", Message{ID: "more"})
		got += len(other.take()) // the other subscriber keeps up
	}
	if sub.Err() != ErrLagged {
		t.Errorf("Err = %v, want ErrLagged", sub.Err())
	}
	if got != buffer+2 {
		t.Errorf("other subscriber got %d messages, want %d", got, buffer+2)
	}
	close(w.release)
	select {
	case err := <-errc:
		if !errors.Is(err, ErrLagged) {
			t.Errorf("Serve = %v, want ErrLagged", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Serve did not return")
	}
	if st := h.Stats(); st.Lagged != 1 || st.Subscribers != 1 {
		t.Errorf("Stats = %+v, want 1 lagged, 1 left", st)
	}
}

type noFlush struct{ http.ResponseWriter }

func TestServeNeedsFlusher(t *testing.T) {
	h := NewHub(Options{})
	rec := httptest.NewRecorder()
	sub := h.Subscribe([]string{"t"})
	err := Serve(noFlush{rec}, httptest.NewRequest("GET", "/", nil), sub)
	if err == nil {
		t.Fatal("Serve without a Flusher: no error")
	}
	if rec.Body.Len() != 0 {
		t.Errorf("wrote %q", rec.Body.String())
	}
	if sub.Err() != ErrClosed {
		t.Errorf("subscription not closed: Err = %v", sub.Err())
	}
}

// TestServeHTTP2 streams over HTTP/2 (TLS) with a write timeout much
// shorter than the idle time between messages: the per-batch deadline must
// not outlive its batch, or HTTP/2 resets the idle stream.
func TestServeHTTP2(t *testing.T) {
	h := NewHub(Options{Heartbeat: -1, WriteTimeout: 20 * time.Millisecond})
	errc := make(chan error, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errc <- Serve(w, r, h.Subscribe([]string{"t"}))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("protocol %s, want HTTP/2", resp.Proto)
	}
	r := bufio.NewReader(resp.Body)
	readUntil(t, r, "") // retry
	waitUntil(t, "subscribed", func() bool { return h.Stats().Subscribers == 1 })
	for i := range 2 {
		time.Sleep(100 * time.Millisecond) // idle for several write timeouts
		h.Publish("t", Message{ID: fmt.Sprint(i)})
		if got := readUntil(t, r, ""); got != fmt.Sprintf("id: %d\ndata: \n\n", i) {
			t.Fatalf("message %d: read %q", i, got)
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Serve = %v", err)
	}
}
