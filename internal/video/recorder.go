package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
)

// RecorderIdentity prefixes the identity of the recorder participant. It is hidden,
// so browsers do not see it; filter it out of Participants when showing the room.
const RecorderIdentity = "ecourt-recorder-"

// RecordedTrack is one finished recording file: one track of one participant. A
// participant who unpublishes and republishes (for example after a reconnection)
// produces several files.
type RecordedTrack struct {
	Room     string
	Identity string // the participant whose track this is
	TrackSID string
	Kind     Kind
	Codec    string // audio/opus, video/VP8
	Path     string // .ogg (Opus) or .ivf (VP8)
	Bytes    int64
	Packets  int
	Start    time.Time // first packet written
	End      time.Time // file closed
}

// Recording is a recorder participant in one room.
type Recording struct {
	s    *Server
	room *lksdk.Room
	name string
	dir  string

	packets atomic.Int64

	mu      sync.Mutex
	wg      sync.WaitGroup
	done    []RecordedTrack
	errs    []error
	stopped bool
}

// StartRecording joins room as a hidden participant that subscribes to every audio
// and video track, present and future, and writes each to a file in Config.RecordDir:
// Opus audio to Ogg, VP8 video to IVF (other codecs are skipped and logged). Each
// finished file is passed to Config.OnRecordedTrack. The caller must Stop the
// recording; Stop returns every file written.
//
// Packets are written in arrival order without a jitter buffer: on a lossy network
// gaps and reordering end up in the file. Use LiveKit Egress at scale.
func (s *Server) StartRecording(ctx context.Context, room string) (*Recording, error) {
	dir := s.cfg.RecordDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("video: recording dir: %w", err)
	}
	identity := RecorderIdentity + uuid.NewString()[:8]
	token, err := s.Token(Grant{Room: room, Identity: identity, Name: "recorder", CanSubscribe: true, Hidden: true, TTL: time.Hour})
	if err != nil {
		return nil, err
	}
	rec := &Recording{s: s, name: room, dir: dir}
	cb := lksdk.NewRoomCallback()
	cb.ParticipantCallback.OnTrackSubscribed = func(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
		rec.record(track, pub, rp)
	}
	r := lksdk.NewRoom(cb)
	if err := r.JoinWithContextAndToken(ctx, s.url, token, lksdk.WithAutoSubscribe(true)); err != nil {
		return nil, fmt.Errorf("video: recorder join %s: %w", room, err)
	}
	rec.room = r
	return rec, nil
}

func (rec *Recording) record(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
	rec.mu.Lock()
	if rec.stopped {
		rec.mu.Unlock()
		return
	}
	rec.wg.Add(1)
	rec.mu.Unlock()
	go func() {
		defer rec.wg.Done()
		rt, err := rec.write(track, pub, rp)
		rec.mu.Lock()
		if err != nil {
			rec.errs = append(rec.errs, err)
		}
		if rt != nil {
			rec.done = append(rec.done, *rt)
		}
		rec.mu.Unlock()
		if rt != nil && rec.s.cfg.OnRecordedTrack != nil {
			rec.s.cfg.OnRecordedTrack(*rt)
		}
	}()
}

type rtpWriter interface {
	WriteRTP(*rtp.Packet) error
	Close() error
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// write copies one track's RTP packets to a file until the track ends.
func (rec *Recording) write(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) (*RecordedTrack, error) {
	mime := track.Codec().MimeType
	rt := &RecordedTrack{Room: rec.name, Identity: rp.Identity(), TrackSID: pub.SID(), Codec: mime, Kind: Audio}
	base := filepath.Join(rec.dir, safeName(rec.name)+"-"+safeName(rt.Identity)+"-"+safeName(rt.TrackSID)+"-"+time.Now().UTC().Format("20060102T150405"))
	var w rtpWriter
	var err error
	switch {
	case strings.EqualFold(mime, webrtc.MimeTypeOpus):
		rt.Path = base + ".ogg"
		w, err = oggwriter.New(rt.Path, 48000, 2)
	case strings.EqualFold(mime, webrtc.MimeTypeVP8):
		rt.Kind = Video
		rt.Path = base + ".ivf"
		w, err = ivfwriter.New(rt.Path, ivfwriter.WithCodec(webrtc.MimeTypeVP8))
	default:
		rec.s.log.Warn("video: recorder skips a track with an unsupported codec", "room", rec.name, "identity", rt.Identity, "codec", mime)
		// Drain so the subscription does not stall.
		for {
			if _, _, err := track.ReadRTP(); err != nil {
				return nil, nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("video: recorder file %s: %w", rt.Path, err)
	}
	for {
		p, _, err := track.ReadRTP()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				rec.s.log.Debug("video: recorder track ended", "err", err)
			}
			break
		}
		if rt.Packets == 0 {
			rt.Start = time.Now()
		}
		if err := w.WriteRTP(p); err != nil {
			// ivfwriter waits for a keyframe and reports nothing; other errors end the file.
			rec.s.log.Warn("video: recorder write", "path", rt.Path, "err", err)
			break
		}
		rt.Packets++
		rec.packets.Add(1)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("video: recorder close %s: %w", rt.Path, err)
	}
	rt.End = time.Now()
	if st, err := os.Stat(rt.Path); err == nil {
		rt.Bytes = st.Size()
	}
	if rt.Packets == 0 {
		rt.Start = rt.End
	}
	return rt, nil
}

// Packets returns how many RTP packets the recorder has written so far, over all
// tracks: a status page can show that the recording is live.
func (rec *Recording) Packets() int64 { return rec.packets.Load() }

// Stop leaves the room, closes every file and returns them all (also those already
// handed to Config.OnRecordedTrack). Stop waits for the writers; it is idempotent.
func (rec *Recording) Stop() ([]RecordedTrack, error) {
	rec.mu.Lock()
	already := rec.stopped
	rec.stopped = true
	rec.mu.Unlock()
	if !already {
		rec.room.Disconnect()
	}
	rec.wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]RecordedTrack(nil), rec.done...), errors.Join(rec.errs...)
}
