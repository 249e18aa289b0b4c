package exhibit

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/ecourt/ecourt/internal/platform/web"
)

func (s *Service) handleRoomPresented(w http.ResponseWriter, r *http.Request) {
	p, err := s.RoomPresented(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	web.JSON(w, http.StatusOK, p)
}

func (s *Service) handleRoomFile(w http.ResponseWriter, r *http.Request) {
	e, rc, err := s.OpenRoomExhibit(r.Context(), r.PathValue("id"), r.PathValue("eid"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer rc.Close()
	name := e.Label
	if name == "" {
		name = e.Name
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType())
	h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name + "." + e.Kind}))
	h.Set("X-Content-Type-Options", "nosniff")
	// Never kept by the browser: the file is the room's only while shown.
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	io.Copy(w, rc) //nolint:errcheck // the client went away
}

// handleRoomLive streams the exhibits presented in a hearing to a
// participant in its room as server-sent events named "exhibit" (data: the
// RoomPresentation as JSON), starting with the current one when there is
// one. When the caller's access ends (a witness sent out, the hearing
// closed) it sends one event "closed" (data: {"hearing_id": …}) and ends;
// a reconnect is then refused, so the page stops.
func (s *Service) handleRoomLive(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	updates, stop, err := s.WatchRoom(ctx, id)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer stop()
	sse, err := web.NewSSE(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	if cur, err := s.RoomPresented(ctx, id); err == nil {
		b, _ := json.Marshal(cur)
		if sse.Send(web.Event{Name: "exhibit", Data: string(b)}) != nil {
			return
		}
	}
	out := make(chan web.Event)
	go func() {
		defer close(out)
		for u := range updates {
			ev := web.Event{Name: "exhibit"}
			if u.Closed {
				b, _ := json.Marshal(map[string]string{"hearing_id": id})
				ev = web.Event{Name: "closed", Data: string(b)}
			} else {
				b, _ := json.Marshal(u.Presentation)
				ev.Data = string(b)
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
			if u.Closed {
				return
			}
		}
	}()
	_ = sse.Serve(ctx, out, 25*time.Second)
}
