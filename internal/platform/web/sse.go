package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Event is one server-sent event. Name is the event type ("" means
// "message"); Data may span lines.
type Event struct {
	ID, Name, Data string
}

// SSE writes a text/event-stream response. Use it from one goroutine.
type SSE struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	ctx context.Context
}

// ErrNoFlush is returned by NewSSE when the response cannot be streamed.
var ErrNoFlush = errors.New("web: response writer cannot flush")

// NewSSE starts an event stream on w: it sets Content-Type text/event-stream,
// Cache-Control no-cache and X-Accel-Buffering no, clears the server's write
// deadline, and sends the headers. It returns ErrNoFlush, having written
// nothing, when w cannot flush.
func NewSSE(w http.ResponseWriter, r *http.Request) (*SSE, error) {
	if !canFlush(w) {
		return nil, ErrNoFlush
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // not every writer has deadlines
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return nil, err
	}
	return &SSE{w: w, rc: rc, ctx: r.Context()}, nil
}

func canFlush(w http.ResponseWriter) bool {
	for {
		if _, ok := w.(http.Flusher); ok {
			return true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
}

// Send writes ev and flushes it. ID and Name must not contain line breaks.
func (s *SSE) Send(ev Event) error {
	if strings.ContainsAny(ev.ID, "\r\n") || strings.ContainsAny(ev.Name, "\r\n") {
		return errors.New("web: SSE event ID and name must be one line")
	}
	var b strings.Builder
	if ev.ID != "" {
		b.WriteString("id: " + ev.ID + "\n")
	}
	if ev.Name != "" {
		b.WriteString("event: " + ev.Name + "\n")
	}
	data := strings.ReplaceAll(strings.ReplaceAll(ev.Data, "\r\n", "\n"), "\r", "\n")
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	return s.write(b.String())
}

// Comment writes a comment line, which clients ignore; use it as a
// heartbeat so proxies keep the connection open.
func (s *SSE) Comment(text string) error {
	return s.write(": " + strings.ReplaceAll(text, "\n", " ") + "\n\n")
}

func (s *SSE) write(p string) error {
	if _, err := s.w.Write([]byte(p)); err != nil {
		return err
	}
	return s.rc.Flush()
}

// Serve sends every event from ch, and a heartbeat comment every heartbeat
// (none if heartbeat <= 0), until ch is closed, ctx is done or the client
// disconnects. It returns nil in those cases and the write error otherwise.
func (s *SSE) Serve(ctx context.Context, ch <-chan Event, heartbeat time.Duration) error {
	var tick <-chan time.Time
	if heartbeat > 0 {
		t := time.NewTicker(heartbeat)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.ctx.Done():
			return nil
		case ev, ok := <-ch:
			if !ok {
				return nil
			}
			if err := s.Send(ev); err != nil {
				return err
			}
		case <-tick:
			if err := s.Comment("ping"); err != nil {
				return err
			}
		}
	}
}

// LastEventID returns the ID of the last event a reconnecting client saw
// (the Last-Event-ID header), or "".
func LastEventID(r *http.Request) string {
	return r.Header.Get("Last-Event-ID")
}
