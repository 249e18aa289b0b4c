package live

import (
	"errors"
	"net/http"
	"time"

	"github.com/ecourt/ecourt/internal/platform/web"
)

var ping = []byte(": ping\n\n")

// Serve streams sub as server-sent events until the client goes, the
// request's context ends or the subscription ends, and closes sub when it
// returns. It starts with the stream headers (web.NewSSE) and the "retry:"
// delay (Options.Retry); then it writes every pending frame and flushes once
// per batch, and sends a heartbeat comment when the stream has been idle for
// Options.Heartbeat.
//
// It returns nil when the client or the context ends the stream,
// web.ErrNoFlush (having written nothing) when w cannot stream, ErrLagged
// when the subscriber fell Options.Buffer messages behind (the browser's
// EventSource reconnects after the retry delay; the page should then re-read
// its state), and the write error when a write fails or does not finish
// within Options.WriteTimeout.
func Serve(w http.ResponseWriter, r *http.Request, sub *Subscription) error {
	defer sub.Close()
	o := sub.h.o
	if _, err := web.NewSSE(w, r); err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	write := func(frames []*frame, extra []byte) error {
		// The deadline covers this batch only and is cleared after it: on
		// HTTP/2 a deadline is a timer that resets the stream when it
		// fires, written to or not.
		_ = rc.SetWriteDeadline(time.Now().Add(o.WriteTimeout))
		defer rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // not every writer has deadlines
		for _, f := range frames {
			if _, err := w.Write(f.sse); err != nil {
				return err
			}
		}
		if extra != nil {
			if _, err := w.Write(extra); err != nil {
				return err
			}
		}
		return rc.Flush()
	}
	if err := write(nil, retryField(o.Retry)); err != nil {
		return err
	}

	var beat <-chan time.Time
	var ticker *time.Ticker
	if o.Heartbeat > 0 {
		ticker = time.NewTicker(o.Heartbeat)
		defer ticker.Stop()
		beat = ticker.C
	}
	idle := true // nothing written since the last tick
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.done:
			if errors.Is(sub.Err(), ErrLagged) {
				return ErrLagged
			}
			return nil
		case <-sub.notify:
			if batch := sub.take(); len(batch) > 0 {
				if err := write(batch, nil); err != nil {
					return err
				}
				idle = false
			}
		case <-beat:
			if idle {
				if err := write(nil, ping); err != nil {
					return err
				}
			}
			idle = true
		}
	}
}
