package video

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/livekit/protocol/livekit"
)

// Kind is a media kind.
type Kind string

// Media kinds.
const (
	Audio Kind = "audio"
	Video Kind = "video"
)

// ErrNotFound is returned when a room, participant or track does not exist.
var ErrNotFound = errors.New("video: not found")

// SeatMetadata is the JSON this package's callers put in Grant.Metadata: the role and
// the seat label shown under the participant's video (Art. 24). Other fields may be
// added; the browser reads the JSON as it is.
type SeatMetadata struct {
	Role    string `json:"role"`    // judge, clerk, plaintiff, defendant, agent, witness …
	Seat    string `json:"seat"`    // 审判长, 书记员, 原告 …
	Waiting bool   `json:"waiting"` // in the waiting room (no permissions)
	Extra   any    `json:"extra,omitempty"`
}

// JSON returns m as the metadata string for Grant.Metadata or UpdateMetadata.
func (m SeatMetadata) JSON() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// RoomOptions configures CreateRoom.
type RoomOptions struct {
	// EmptyTimeout closes the room when nobody has been in it for this long
	// (default 10 minutes; LiveKit's resolution is one second).
	EmptyTimeout time.Duration
	// DepartureTimeout keeps the room open this long after the last participant left
	// (default 20 s).
	DepartureTimeout time.Duration
	// MaxParticipants limits the room, the hidden recorder included (0: no limit).
	MaxParticipants int
	// Metadata is opaque room metadata visible to all participants.
	Metadata string
}

// CreateRoom creates the room name, or returns successfully if it exists already
// (LiveKit's CreateRoom is idempotent). Joining with a token also creates the room; call
// CreateRoom first to set its limits.
func (s *Server) CreateRoom(ctx context.Context, name string, o RoomOptions) error {
	if name == "" {
		return errors.New("video: room name is empty")
	}
	if o.EmptyTimeout <= 0 {
		o.EmptyTimeout = 10 * time.Minute
	}
	if o.DepartureTimeout <= 0 {
		o.DepartureTimeout = 20 * time.Second
	}
	_, err := s.rooms.CreateRoom(ctx, &livekit.CreateRoomRequest{
		Name:             name,
		EmptyTimeout:     uint32(o.EmptyTimeout / time.Second),
		DepartureTimeout: uint32(o.DepartureTimeout / time.Second),
		MaxParticipants:  uint32(o.MaxParticipants),
		Metadata:         o.Metadata,
	})
	if err != nil {
		return fmt.Errorf("video: create room %s: %w", name, err)
	}
	return nil
}

// DeleteRoom disconnects everyone in the room and closes it (the session is closed).
// Deleting a room that does not exist is not an error.
func (s *Server) DeleteRoom(ctx context.Context, name string) error {
	_, err := s.rooms.DeleteRoom(ctx, &livekit.DeleteRoomRequest{Room: name})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("video: delete room %s: %w", name, err)
	}
	return nil
}

// Track is one published track of a participant.
type Track struct {
	SID    string
	Kind   Kind
	Source string // CAMERA, MICROPHONE, SCREEN_SHARE, …
	Muted  bool
	Name   string
}

// Participant is a participant's state as the server sees it.
type Participant struct {
	Identity       string
	Name           string
	State          string // JOINING, JOINED, ACTIVE, DISCONNECTED
	Metadata       string
	JoinedAt       time.Time
	CanPublish     bool
	CanSubscribe   bool
	CanPublishData bool
	AudioOnly      bool // may publish the microphone only
	Hidden         bool
	Tracks         []Track
}

func toParticipant(p *livekit.ParticipantInfo) Participant {
	out := Participant{
		Identity: p.Identity,
		Name:     p.Name,
		State:    p.State.String(),
		Metadata: p.Metadata,
	}
	if p.JoinedAtMs > 0 {
		out.JoinedAt = time.UnixMilli(p.JoinedAtMs)
	} else if p.JoinedAt > 0 {
		out.JoinedAt = time.Unix(p.JoinedAt, 0)
	}
	if perm := p.Permission; perm != nil {
		out.CanPublish, out.CanSubscribe, out.CanPublishData, out.Hidden = perm.CanPublish, perm.CanSubscribe, perm.CanPublishData, perm.Hidden
		out.AudioOnly = len(perm.CanPublishSources) == 1 && perm.CanPublishSources[0] == livekit.TrackSource_MICROPHONE
	}
	for _, t := range p.Tracks {
		k := Audio
		if t.Type == livekit.TrackType_VIDEO {
			k = Video
		}
		out.Tracks = append(out.Tracks, Track{SID: t.Sid, Kind: k, Source: t.Source.String(), Muted: t.Muted, Name: t.Name})
	}
	return out
}

// Participants lists the participants in room (hidden ones, such as the recorder,
// included). A room that does not exist has no participants.
func (s *Server) Participants(ctx context.Context, room string) ([]Participant, error) {
	res, err := s.rooms.ListParticipants(ctx, &livekit.ListParticipantsRequest{Room: room})
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("video: list participants of %s: %w", room, err)
	}
	out := make([]Participant, 0, len(res.Participants))
	for _, p := range res.Participants {
		out = append(out, toParticipant(p))
	}
	return out, nil
}

// Participant returns one participant, or ErrNotFound.
func (s *Server) Participant(ctx context.Context, room, identity string) (Participant, error) {
	p, err := s.rooms.GetParticipant(ctx, &livekit.RoomParticipantIdentity{Room: room, Identity: identity})
	if err != nil {
		if isNotFound(err) {
			return Participant{}, ErrNotFound
		}
		return Participant{}, fmt.Errorf("video: get participant %s/%s: %w", room, identity, err)
	}
	return toParticipant(p), nil
}

// Permissions are a participant's media permissions in a room.
type Permissions struct {
	Publish     bool // may publish tracks
	Subscribe   bool // may receive the others' tracks
	PublishData bool // may send data messages
	// AudioOnly limits publishing to the microphone (a weak network, or the judge's
	// choice); the client should also stop receiving video.
	AudioOnly bool
	// Hidden keeps the participant out of the others' lists (the recorder, a
	// livestream viewer).
	Hidden bool
}

func (p Permissions) proto() *livekit.ParticipantPermission {
	pp := &livekit.ParticipantPermission{
		CanPublish:     p.Publish,
		CanSubscribe:   p.Subscribe,
		CanPublishData: p.PublishData,
		Hidden:         p.Hidden,
	}
	if p.Publish && p.AudioOnly {
		pp.CanPublishSources = []livekit.TrackSource{livekit.TrackSource_MICROPHONE}
	}
	return pp
}

// SetPermissions sets what a participant in the room may do, effective at once: a
// participant who loses Subscribe stops receiving everyone's media, one who loses
// Publish (or a source, with AudioOnly) has those tracks unpublished. RoomAdmin is a
// token grant and cannot be changed here. It returns ErrNotFound when the participant
// is not connected; the caller's next token must then carry the new permissions.
func (s *Server) SetPermissions(ctx context.Context, room, identity string, p Permissions) error {
	_, err := s.rooms.UpdateParticipant(ctx, &livekit.UpdateParticipantRequest{
		Room:       room,
		Identity:   identity,
		Permission: p.proto(),
	})
	if err != nil {
		if isNotFound(err) {
			return ErrNotFound
		}
		return fmt.Errorf("video: update permissions of %s/%s: %w", room, identity, err)
	}
	return nil
}

// Admit lets a participant out of the waiting room: it may publish, subscribe and send
// data. Also used to bring a witness back in (Art. 26).
func (s *Server) Admit(ctx context.Context, room, identity string) error {
	return s.SetPermissions(ctx, room, identity, Permissions{Publish: true, Subscribe: true, PublishData: true})
}

// Hold sends a participant back to the waiting room: it neither publishes nor
// subscribes (nor sends data), but stays connected. Used for a witness who must not
// follow the proceedings (Art. 26) and for a recess.
func (s *Server) Hold(ctx context.Context, room, identity string) error {
	return s.SetPermissions(ctx, room, identity, Permissions{})
}

// Mute mutes (muted=true) or unmutes a participant's published tracks of the given
// kind. It returns ErrNotFound if the participant publishes no such track. Unmuting an
// embedded server's participant works; an external server needs
// room.enable_remote_unmute: true in its configuration.
func (s *Server) Mute(ctx context.Context, room, identity string, kind Kind, muted bool) error {
	if kind != Audio && kind != Video {
		return fmt.Errorf("video: unknown kind %q", kind)
	}
	p, err := s.Participant(ctx, room, identity)
	if err != nil {
		return err
	}
	n := 0
	for _, t := range p.Tracks {
		if t.Kind != kind {
			continue
		}
		if _, err := s.rooms.MutePublishedTrack(ctx, &livekit.MuteRoomTrackRequest{
			Room: room, Identity: identity, TrackSid: t.SID, Muted: muted,
		}); err != nil {
			return fmt.Errorf("video: mute %s of %s/%s: %w", kind, room, identity, err)
		}
		n++
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Remove disconnects a participant from the room. The participant's token still allows
// it to join again until it expires: hand out short-lived tokens and refuse new ones to
// removed participants.
func (s *Server) Remove(ctx context.Context, room, identity string) error {
	_, err := s.rooms.RemoveParticipant(ctx, &livekit.RoomParticipantIdentity{Room: room, Identity: identity})
	if err != nil {
		if isNotFound(err) {
			return ErrNotFound
		}
		return fmt.Errorf("video: remove %s/%s: %w", room, identity, err)
	}
	return nil
}

// UpdateMetadata replaces a participant's metadata (for example its seat label, or the
// waiting flag); every participant sees the change.
func (s *Server) UpdateMetadata(ctx context.Context, room, identity, metadata string) error {
	_, err := s.rooms.UpdateParticipant(ctx, &livekit.UpdateParticipantRequest{
		Room: room, Identity: identity, Metadata: metadata,
	})
	if err != nil {
		if isNotFound(err) {
			return ErrNotFound
		}
		return fmt.Errorf("video: update metadata of %s/%s: %w", room, identity, err)
	}
	return nil
}
