package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
	"github.com/ecourt/ecourt/internal/video"
)

// rooms is the video rooms of hearings: the embedded LiveKit server
// (started at the first use, so that start-up stays fast and a court that
// never holds an online hearing never opens media ports), or a LiveKit
// cluster named by --video, or none.
func (a *App) rooms() hearing.Rooms {
	if a.cfg.VideoURL == "none" {
		return noVideo{}
	}
	a.video = &liveRooms{a: a}
	return a.video
}

// liveRooms adapts internal/video to the hearing context.
type liveRooms struct {
	a    *App
	once sync.Once
	srv  *video.Server
	err  error
}

// server starts the video backend once; a failed start is reported to
// every caller as unavailable (and logged once).
func (r *liveRooms) server() (*video.Server, error) {
	r.once.Do(func() {
		a := r.a
		cfg := video.Config{APIKey: "ecourt", APISecret: fmt.Sprintf("%x", derive(a.secret, "video.livekit")),
			BindAddress: a.cfg.VideoBind, NodeIP: a.cfg.VideoNodeIP, HTTPPort: a.cfg.VideoHTTPPort,
			UDPPort: a.cfg.VideoUDPPort, TCPPort: a.cfg.VideoTCPPort,
			RecordDir: filepath.Join(a.cfg.DataDir, "recordings"), OnRecordedTrack: a.storeRecording, Logger: a.log}
		if cfg.HTTPPort == 0 || cfg.UDPPort == 0 || cfg.TCPPort == 0 { // tests: free loopback ports
			ps, err := freePorts(3)
			if err != nil {
				r.err = err
				return
			}
			cfg.HTTPPort, cfg.UDPPort, cfg.TCPPort = ps[0], ps[1], ps[2]
		}
		if u := a.cfg.VideoURL; u != "" && u != "livekit://embedded" {
			cfg = video.Config{Mode: "external", URL: u, APIKey: a.cfg.VideoAPIKey, APISecret: a.cfg.VideoAPISecret, Logger: a.log}
		}
		if r.srv, r.err = video.Start(context.Background(), cfg); r.err != nil {
			a.log.Error("video: the hearing rooms are unavailable", "err", r.err)
			return
		}
		a.onClose(r.srv.Close)
		go a.followVideo(r.srv)
	})
	if r.err != nil {
		return nil, errs.Wrap(errs.Unavailable, "error.unavailable", r.err)
	}
	return r.srv, nil
}

// followVideo feeds the video server's departures to the hearing context:
// a participant whose connection dropped is a technical interruption, not an
// absence (Online Litigation Rules Art. 25).
func (a *App) followVideo(s *video.Server) {
	for ev := range s.Events() {
		if ev.Kind != video.Left || strings.HasPrefix(ev.Identity, video.RecorderIdentity) {
			continue
		}
		if !strings.HasPrefix(ev.Room, "hearing-") {
			continue
		}
		// A participant who entered again (a new token after being admitted,
		// or switching to audio only) replaces their connection: the old
		// one's departure is not theirs.
		if p, err := s.Participant(context.Background(), ev.Room, ev.Identity); err == nil && p.State != "DISCONNECTED" {
			continue
		}
		reason := "leave"
		if ev.Interrupted {
			reason = "disconnect"
		}
		if err := a.svc.hearing.RoomLeft(asSystem(context.Background()), ev.Room, ev.Identity, reason); err != nil {
			a.log.Warn("hearing: recording a departure failed", "room", ev.Room, "identity", ev.Identity, "err", err)
		}
	}
}

func (r *liveRooms) URL() string {
	s, err := r.server()
	if err != nil {
		return ""
	}
	return s.URL()
}

func (r *liveRooms) CreateRoom(ctx context.Context, room string) error {
	s, err := r.server()
	if err != nil {
		return err
	}
	return s.CreateRoom(ctx, room, video.RoomOptions{})
}

func (r *liveRooms) DeleteRoom(ctx context.Context, room string) error {
	s, err := r.server()
	if err != nil {
		return err
	}
	return s.DeleteRoom(ctx, room)
}

func (r *liveRooms) Token(ctx context.Context, t hearing.TokenRequest) (string, error) {
	s, err := r.server()
	if err != nil {
		return "", err
	}
	return s.Token(video.Grant{Room: t.Room, Identity: t.Identity, Name: t.Name, Metadata: t.Metadata,
		CanPublish: t.Perms.Publish, CanSubscribe: t.Perms.Subscribe, CanPublishData: t.Perms.Publish,
		AudioOnly: t.Perms.AudioOnly, Hidden: t.Perms.Hidden, RoomAdmin: t.Perms.Admin, TTL: t.TTL})
}

// notThere makes a control on a participant who is not connected a no-op:
// the next token they get carries the current permissions.
func notThere(err error) error {
	if errors.Is(err, video.ErrNotFound) {
		return nil
	}
	return err
}

func (r *liveRooms) Admit(ctx context.Context, room, identity string, p hearing.Perms) error {
	s, err := r.server()
	if err != nil {
		return err
	}
	return notThere(s.SetPermissions(ctx, room, identity, video.Permissions{Publish: p.Publish, Subscribe: p.Subscribe,
		PublishData: p.Publish, AudioOnly: p.AudioOnly, Hidden: p.Hidden}))
}

func (r *liveRooms) Hold(ctx context.Context, room, identity string) error {
	s, err := r.server()
	if err != nil {
		return err
	}
	return notThere(s.Hold(ctx, room, identity))
}

func (r *liveRooms) Mute(ctx context.Context, room, identity string, muted bool) error {
	s, err := r.server()
	if err != nil {
		return err
	}
	return notThere(s.Mute(ctx, room, identity, video.Audio, muted))
}

func (r *liveRooms) Remove(ctx context.Context, room, identity string) error {
	s, err := r.server()
	if err != nil {
		return err
	}
	return notThere(s.Remove(ctx, room, identity))
}

// noVideo answers every video call with "unavailable" (--video none): a
// platform without a video backend still schedules hearings, keeps records
// and exchanges evidence; entering a room says plainly that video is off.
type noVideo struct{}

func unavailable() error { return errs.New(errs.Unavailable, "error.unavailable") }

func (noVideo) URL() string                                                 { return "" }
func (noVideo) CreateRoom(context.Context, string) error                    { return unavailable() }
func (noVideo) DeleteRoom(context.Context, string) error                    { return unavailable() }
func (noVideo) Token(context.Context, hearing.TokenRequest) (string, error) { return "", unavailable() }
func (noVideo) Admit(context.Context, string, string, hearing.Perms) error  { return unavailable() }
func (noVideo) Hold(context.Context, string, string) error                  { return unavailable() }
func (noVideo) Mute(context.Context, string, string, bool) error            { return unavailable() }
func (noVideo) Remove(context.Context, string, string) error                { return unavailable() }

// freePorts returns n free loopback TCP ports (tests; port 0 in the config).
func freePorts(n int) ([]int, error) {
	var out []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		// LiveKit's ICE/TCP listener binds every interface: a port free on
		// 127.0.0.1 alone may be taken elsewhere on loopback.
		l, err := net.Listen("tcp", ":0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// videoPages lets the hearing room and livestream pages connect to the
// media server: their Content-Security-Policy also allows its origin
// (signalling over WebSocket and the client's HTTP check), nothing else.
func (a *App) videoPages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.video != nil && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/hearings/") &&
			(strings.HasSuffix(r.URL.Path, "/room") || strings.HasSuffix(r.URL.Path, "/live")) {
			if s, err := a.video.server(); err == nil {
				if u, err := url.Parse(s.URL()); err == nil && u.Host != "" {
					httpScheme := "http"
					if u.Scheme == "wss" {
						httpScheme = "https"
					}
					web.AllowConnect(w, u.Scheme+"://"+u.Host, httpScheme+"://"+u.Host)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// startRecording has the platform's recorder join a hearing's room when
// the session opens (Online Litigation Rules Art. 27); stopRecording ends
// it at the close, and storeRecording keeps each finished track.
func (a *App) startRecording(hearingID string) {
	if a.video == nil {
		return
	}
	s, err := a.video.server()
	if err != nil {
		return
	}
	a.recMu.Lock()
	defer a.recMu.Unlock()
	if a.recordings == nil {
		a.recordings = map[string]*video.Recording{}
	}
	if _, on := a.recordings[hearingID]; on {
		return
	}
	rec, err := s.StartRecording(context.Background(), "hearing-"+hearingID)
	if err != nil {
		a.log.Error("hearing: the recorder could not join", "hearing", hearingID, "err", err)
		return
	}
	a.recordings[hearingID] = rec
}

func (a *App) stopRecording(hearingID string) {
	a.recMu.Lock()
	rec := a.recordings[hearingID]
	delete(a.recordings, hearingID)
	a.recMu.Unlock()
	if rec == nil {
		return
	}
	if _, err := rec.Stop(); err != nil {
		a.log.Error("hearing: stopping the recorder", "hearing", hearingID, "err", err)
	}
}

// storeRecording puts a finished track into the blob store and on the
// hearing's list of recordings, then removes the local file.
func (a *App) storeRecording(rt video.RecordedTrack) {
	id, ok := strings.CutPrefix(rt.Room, "hearing-")
	if !ok || strings.Contains(id, "-consult-") {
		return
	}
	f, err := os.Open(rt.Path)
	if err != nil {
		a.log.Error("hearing: recorded file", "path", rt.Path, "err", err)
		return
	}
	ref, err := a.Blobs.Put(context.Background(), f)
	f.Close()
	if err != nil {
		a.log.Error("hearing: storing a recording", "path", rt.Path, "err", err)
		return
	}
	if _, err := a.svc.hearing.AddRecording(asSystem(context.Background()), hearing.Recording{HearingID: id, Identity: rt.Identity,
		Kind: string(rt.Kind), Codec: rt.Codec, SHA256: ref.SHA256, Bytes: rt.Bytes, StartedAt: rt.Start, EndedAt: rt.End}); err != nil {
		a.log.Error("hearing: recording the recording", "hearing", id, "err", err)
		return
	}
	os.Remove(rt.Path)
}
