package bus

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Event is one domain event. Its JSON form (the body of every JetStream
// message, and what open-platform subscribers receive) uses the snake_case
// names of the json tags.
type Event struct {
	// ID is a UUIDv7 (package ids). It is also the JetStream message ID, so a
	// republish of the same event is deduplicated.
	ID string `json:"id"`
	// Type is "ecourt.<context>.<entity>.<verb>", e.g.
	// "ecourt.filing.application.accepted"; it is also the NATS subject.
	Type    string    `json:"type"`
	CourtID string    `json:"court_id,omitempty"`
	CaseID  string    `json:"case_id,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	Time    time.Time `json:"time"`
	// Version is the schema version of Payload for this Type (1 when unset).
	Version int             `json:"version"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// NewEvent returns an event of type typ whose payload is payload marshalled
// to JSON (a json.RawMessage or []byte is taken as it is). ID and Time are
// left empty for Enqueue to fill. It panics when payload cannot be
// marshalled, which is a programming error (a payload type with a channel or
// a func in it).
func NewEvent(typ string, payload any) Event {
	ev := Event{Type: typ, Version: 1}
	switch p := payload.(type) {
	case nil:
	case json.RawMessage:
		ev.Payload = p
	case []byte:
		ev.Payload = json.RawMessage(p)
	default:
		b, err := json.Marshal(p)
		if err != nil {
			panic(fmt.Sprintf("bus.NewEvent(%s): payload: %v", typ, err))
		}
		ev.Payload = b
	}
	return ev
}

// Decode unmarshals the event's payload into v.
func (ev Event) Decode(v any) error {
	if len(ev.Payload) == 0 {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("bus: %s %s has no payload", ev.Type, ev.ID))
	}
	if err := json.Unmarshal(ev.Payload, v); err != nil {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("bus: payload of %s %s: %w", ev.Type, ev.ID, err))
	}
	return nil
}

// ValidType checks an event type: it starts with "ecourt.", has at least
// four dot-separated tokens, and each token is lowercase letters, digits or
// '_' starting with a letter. The type is used as the NATS subject, so it
// must not contain wildcards or spaces.
func ValidType(typ string) error {
	return checkSubject(typ, false)
}

// checkSubject validates an event type or, with wildcards, a subscription
// filter ("ecourt.filing.>", "ecourt.*.application.*").
func checkSubject(s string, wildcards bool) error {
	if !strings.HasPrefix(s, "ecourt.") {
		return fmt.Errorf("bus: subject %q must start with \"ecourt.\"", s)
	}
	parts := strings.Split(s, ".")
	if !wildcards && len(parts) < 4 {
		return fmt.Errorf("bus: event type %q must be ecourt.<context>.<entity>.<verb>", s)
	}
	for i, p := range parts {
		if wildcards && (p == "*" || (p == ">" && i == len(parts)-1)) {
			continue
		}
		if !validToken(p) {
			return fmt.Errorf("bus: subject %q: token %q must be lowercase letters, digits or '_', starting with a letter", s, p)
		}
	}
	return nil
}

func validToken(p string) bool {
	if p == "" || p[0] < 'a' || p[0] > 'z' {
		return false
	}
	for i := 1; i < len(p); i++ {
		c := p[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
