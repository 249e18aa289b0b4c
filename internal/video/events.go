package video

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	"github.com/livekit/protocol/webhook"
)

// EventKind says what happened in a room.
type EventKind string

// Event kinds.
const (
	RoomStarted      EventKind = "room_started"
	RoomFinished     EventKind = "room_finished"
	Joined           EventKind = "participant_joined"
	Left             EventKind = "participant_left"
	TrackPublished   EventKind = "track_published"
	TrackUnpublished EventKind = "track_unpublished"
)

// Event is a room or participant event reported by the media server.
type Event struct {
	ID       string // unique per event; webhooks may be delivered more than once
	Kind     EventKind
	Room     string
	Identity string // participant events only
	Name     string
	Metadata string
	At       time.Time
	// Reason is LiveKit's disconnect reason for Left (CLIENT_INITIATED,
	// PARTICIPANT_REMOVED, SIGNAL_CLOSE, CONNECTION_TIMEOUT, …).
	Reason string
	// Interrupted is true for a Left caused by the network or the server (connection
	// lost, timed out, media failure, join failure, server shutdown): under Art. 25 of
	// the Online Litigation Rules such a participant is marked as a technical
	// interruption, not as absent. A leave the participant chose (CLIENT_INITIATED), a
	// removal by the judge or the room's closure are not interruptions. A connection
	// replaced by a second one with the same identity is not reported at all.
	//
	// Interrupted means "the media server received no leave": a client that closes
	// its connection right after sending its leave (the Go SDK's Room.Disconnect
	// sometimes does) is reported as SIGNAL_CLOSE. The app should also record an
	// explicit leave (the page's leave button calls the app first) and let that win.
	Interrupted bool
	// NeverConnected is true for a Left of a participant whose media connection was
	// never established (LiveKit's participant_connection_aborted): a participant
	// whose network blocks WebRTC shows up here with Interrupted set.
	NeverConnected bool
	Track          *Track // track events only
}

// interruptedBy reports whether a departure for reason r was not the participant's or
// the court's choice.
func interruptedBy(r livekit.DisconnectReason) bool {
	switch r {
	case livekit.DisconnectReason_CLIENT_INITIATED,
		livekit.DisconnectReason_PARTICIPANT_REMOVED,
		livekit.DisconnectReason_ROOM_DELETED,
		livekit.DisconnectReason_ROOM_CLOSED,
		livekit.DisconnectReason_DUPLICATE_IDENTITY,
		livekit.DisconnectReason_USER_REJECTED:
		return false
	}
	return true
}

// eventHub fans webhook events out to one buffered channel.
type eventHub struct {
	log    *slog.Logger
	mu     sync.Mutex
	ch     chan Event
	closed bool
}

const eventBuffer = 1024

func newEventHub(log *slog.Logger) *eventHub {
	return &eventHub{log: log, ch: make(chan Event, eventBuffer)}
}

func (h *eventHub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	select {
	case h.ch <- e:
	default:
		h.log.Warn("video: event dropped, nobody reads Events fast enough", "kind", e.Kind, "room", e.Room, "identity", e.Identity)
	}
}

func (h *eventHub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.ch)
	}
}

// Events returns the channel of room and participant events, in the order the server
// sent them. There is one channel per Server: read it from one goroutine, and keep up
// (events beyond a buffer of 1024 are dropped and logged). The channel is closed by
// Close. Delivery is at least once (match Event.ID), and best effort: after a restart
// reconcile with Participants.
//
// In embedded mode events arrive by themselves. In external mode they arrive only
// when the cluster posts its webhooks to WebhookHandler, mounted by the app.
func (s *Server) Events() <-chan Event { return s.events.ch }

// WebhookHandler returns the handler that receives LiveKit's webhooks (signed with
// APIKey/APISecret; unsigned or forged requests get 401) and feeds Events. The
// embedded server uses it on its own loopback listener; with an external cluster the
// app mounts it (for example at POST /internal/livekit/webhook) and lists that URL
// under webhook.urls in the cluster's configuration.
func (s *Server) WebhookHandler() http.Handler {
	keys := auth.NewSimpleKeyProvider(s.cfg.APIKey, s.cfg.APISecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ev, err := webhook.ReceiveWebhookEvent(r, keys)
		if err != nil {
			http.Error(w, "bad webhook", http.StatusUnauthorized)
			return
		}
		if e, ok := toEvent(ev); ok {
			s.events.publish(e)
		}
		w.WriteHeader(http.StatusOK)
	})
}

func toEvent(ev *livekit.WebhookEvent) (Event, bool) {
	e := Event{ID: ev.Id, At: time.Unix(ev.CreatedAt, 0)}
	if ev.Room != nil {
		e.Room = ev.Room.Name
	}
	if p := ev.Participant; p != nil {
		e.Identity, e.Name, e.Metadata = p.Identity, p.Name, p.Metadata
	}
	// A connection replaced by a newer one with the same identity (the page
	// reconnecting with a fresh token) is not a departure of the person: the
	// newer connection is them.
	if (ev.Event == webhook.EventParticipantLeft || ev.Event == webhook.EventParticipantConnectionAborted) &&
		ev.Participant != nil && ev.Participant.DisconnectReason == livekit.DisconnectReason_DUPLICATE_IDENTITY {
		return Event{}, false
	}
	switch ev.Event {
	case webhook.EventRoomStarted:
		e.Kind = RoomStarted
	case webhook.EventRoomFinished:
		e.Kind = RoomFinished
	case webhook.EventParticipantJoined:
		e.Kind = Joined
	case webhook.EventParticipantLeft:
		e.Kind = Left
		if ev.Participant != nil {
			e.Reason = ev.Participant.DisconnectReason.String()
			e.Interrupted = interruptedBy(ev.Participant.DisconnectReason)
		}
	case webhook.EventParticipantConnectionAborted:
		// The participant left before its media connection was established; the
		// disconnect reason still tells a leave from a failure.
		e.Kind = Left
		e.NeverConnected = true
		if ev.Participant != nil {
			e.Reason = ev.Participant.DisconnectReason.String()
			e.Interrupted = interruptedBy(ev.Participant.DisconnectReason)
		}
	case webhook.EventTrackPublished, webhook.EventTrackUnpublished:
		e.Kind = TrackPublished
		if ev.Event == webhook.EventTrackUnpublished {
			e.Kind = TrackUnpublished
		}
		if t := ev.Track; t != nil {
			k := Audio
			if t.Type == livekit.TrackType_VIDEO {
				k = Video
			}
			e.Track = &Track{SID: t.Sid, Kind: k, Source: t.Source.String(), Muted: t.Muted, Name: t.Name}
		}
	default:
		return Event{}, false
	}
	return e, true
}
