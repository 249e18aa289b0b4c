package web

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSSE(t *testing.T) {
	e := newTestEnv(t)
	events := make(chan Event)
	done := make(chan error, 1)
	srv := e.server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := NewSSE(w, r)
		if err != nil {
			t.Error(err)
			return
		}
		if LastEventID(r) != "41" {
			t.Errorf("LastEventID = %q", LastEventID(r))
		}
		done <- s.Serve(context.Background(), events, time.Hour)
	}), AccessLog(e.opts.Logger)) // streaming must work through AccessLog's writer

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events", nil)
	req.Header.Set("Last-Event-ID", "41")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" ||
		resp.Header.Get("Cache-Control") != "no-cache" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Errorf("headers = %v", resp.Header)
	}
	rd := bufio.NewReader(resp.Body)
	readEvent := func() string {
		var b strings.Builder
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("read: %v (so far %q)", err, b.String())
			}
			if line == "\n" {
				return b.String()
			}
			b.WriteString(line)
		}
	}
	events <- Event{ID: "42", Name: "status", Data: "line one\nline two"}
	if got, want := readEvent(), "id: 42\nevent: status\ndata: line one\ndata: line two\n"; got != want {
		t.Errorf("event = %q, want %q", got, want)
	}
	events <- Event{Data: "plain"}
	if got, want := readEvent(), "data: plain\n"; got != want {
		t.Errorf("event = %q, want %q", got, want)
	}

	cancel() // the client goes away: Serve must return
	if err := <-done; err != nil {
		t.Errorf("Serve() = %v, want nil", err)
	}
}

type noFlushWriter struct{ http.ResponseWriter }

func TestSSERequiresFlusher(t *testing.T) {
	rec := httptest.NewRecorder()
	_, err := NewSSE(noFlushWriter{rec}, httptest.NewRequest(http.MethodGet, "/", nil))
	if err != ErrNoFlush {
		t.Errorf("NewSSE() = %v, want ErrNoFlush", err)
	}
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("NewSSE wrote something")
	}
}

func TestSSESendRejectsMultilineID(t *testing.T) {
	rec := httptest.NewRecorder()
	s, err := NewSSE(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(Event{ID: "1\nevent: evil"}); err == nil {
		t.Errorf("Send accepted a multi-line ID")
	}
	if err := s.Comment("ping"); err != nil || !strings.HasSuffix(rec.Body.String(), ": ping\n\n") {
		t.Errorf("Comment: %v %q", err, rec.Body.String())
	}
}
