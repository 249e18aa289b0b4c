package video

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

const (
	testKey    = "ecourt-test-key"
	testSecret = "ecourt-test-secret-0123456789abcdef0123"
)

// freePorts returns n TCP ports and one UDP port that were free on loopback a moment ago.
func freePorts(t *testing.T) (httpPort, tcpPort, udpPort int) {
	t.Helper()
	tcp := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	return tcp(), tcp(), u.LocalAddr().(*net.UDPAddr).Port
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	h, tc, u := freePorts(t)
	cfg.Mode, cfg.APIKey, cfg.APISecret = ModeEmbedded, testKey, testSecret
	cfg.HTTPPort, cfg.TCPPort, cfg.UDPPort = h, tc, u
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// opusSilence is one valid 20 ms Opus frame: TOC 0xF8 (CELT, fullband, 20 ms, mono,
// one frame) followed by the silence payload browsers send.
var opusSilence = []byte{0xf8, 0xff, 0xfe}

func publishAudio(t *testing.T, r *lksdk.Room) (stop func()) {
	t.Helper()
	track, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{Name: "mic", Source: livekit.TrackSource_MICROPHONE}); err != nil {
		t.Fatalf("PublishTrack: %v", err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				_ = track.WriteSample(media.Sample{Data: opusSilence, Duration: 20 * time.Millisecond}, nil)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// vp8Frame returns a synthetic VP8 frame of n bytes: a valid 640x360 keyframe header
// (or an interframe tag) and zero padding. The SFU and the IVF writer read only the
// headers.
func vp8Frame(key bool, n int) []byte {
	b := make([]byte, n)
	if key {
		b[0], b[1], b[2] = 0x10, 0x02, 0x00 // keyframe, version 0, shown
		copy(b[3:], []byte{0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01})
	} else {
		b[0], b[1], b[2] = 0x11, 0x02, 0x00 // interframe, shown
	}
	return b
}

func publishVideo(t *testing.T, r *lksdk.Room) (stop func()) {
	t.Helper()
	track, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: 640, VideoHeight: 360}); err != nil {
		t.Fatalf("PublishTrack video: %v", err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(33 * time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-tk.C:
				_ = track.WriteSample(media.Sample{Data: vp8Frame(i%3 == 0, 300), Duration: 33 * time.Millisecond}, nil)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

type subscriber struct {
	room         *lksdk.Room
	subscribed   atomic.Int32
	unsubscribed atomic.Int32
	ended        atomic.Int32 // remote tracks whose RTP stream ended
	packets      atomic.Int64
	muted        atomic.Int32
	unmuted      atomic.Int32
	disconnected atomic.Bool
	reason       atomic.Value
}

func joinSubscriber(t *testing.T, s *Server, room, identity string, admitted bool) *subscriber {
	t.Helper()
	sub := &subscriber{}
	cb := lksdk.NewRoomCallback()
	cb.ParticipantCallback.OnTrackSubscribed = func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		sub.subscribed.Add(1)
		go func() {
			for {
				if _, _, err := track.ReadRTP(); err != nil {
					sub.ended.Add(1)
					return
				}
				sub.packets.Add(1)
			}
		}()
	}
	cb.ParticipantCallback.OnTrackUnsubscribed = func(*webrtc.TrackRemote, *lksdk.RemoteTrackPublication, *lksdk.RemoteParticipant) {
		sub.unsubscribed.Add(1)
	}
	cb.ParticipantCallback.OnTrackMuted = func(lksdk.TrackPublication, lksdk.Participant) { sub.muted.Add(1) }
	cb.ParticipantCallback.OnTrackUnmuted = func(lksdk.TrackPublication, lksdk.Participant) { sub.unmuted.Add(1) }
	cb.OnDisconnectedWithReason = func(r lksdk.DisconnectionReason) {
		sub.reason.Store(string(r))
		sub.disconnected.Store(true)
	}
	meta := SeatMetadata{Role: "plaintiff", Seat: "原告", Waiting: !admitted}.JSON()
	tok, err := s.Token(Grant{Room: room, Identity: identity, Name: identity, Metadata: meta,
		CanPublish: admitted, CanSubscribe: admitted, CanPublishData: admitted})
	if err != nil {
		t.Fatal(err)
	}
	r, err := lksdk.ConnectToRoomWithToken(s.URL(), tok, cb, lksdk.WithAutoSubscribe(true))
	if err != nil {
		t.Fatalf("join %s: %v", identity, err)
	}
	sub.room = r
	t.Cleanup(r.Disconnect)
	return sub
}

type eventLog struct {
	mu sync.Mutex
	ev []Event
}

func collect(s *Server) *eventLog {
	l := &eventLog{}
	go func() {
		for e := range s.Events() {
			l.mu.Lock()
			l.ev = append(l.ev, e)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *eventLog) find(kind EventKind, identity string) (Event, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.ev {
		if e.Kind == kind && e.Identity == identity {
			return e, true
		}
	}
	return Event{}, false
}

// TestHearingRoom runs the judge's controls against a real embedded server: a
// participant in the waiting room receives nothing; admitted, it receives the judge's
// audio; mute and unmute reach it; Hold takes its media away; Remove disconnects it;
// the recorder wrote the judge's audio to a non-empty Ogg file.
func TestHearingRoom(t *testing.T) {
	var handed sync.Map
	s := startTestServer(t, Config{RecordDir: t.TempDir(), OnRecordedTrack: func(rt RecordedTrack) { handed.Store(rt.Path, rt) }})
	events := collect(s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const room = "case-2026-001-hearing-1"
	if err := s.CreateRoom(ctx, room, RoomOptions{MaxParticipants: 10}); err != nil {
		t.Fatal(err)
	}

	rec, err := s.StartRecording(ctx, room)
	if err != nil {
		t.Fatalf("StartRecording: %v", err)
	}

	judgeTok, err := s.Token(Grant{Room: room, Identity: "judge", Name: "审判长", Metadata: SeatMetadata{Role: "judge", Seat: "审判长"}.JSON(),
		CanPublish: true, CanSubscribe: true, CanPublishData: true, RoomAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	judge, err := lksdk.ConnectToRoomWithToken(s.URL(), judgeTok, lksdk.NewRoomCallback())
	if err != nil {
		t.Fatalf("judge join: %v", err)
	}
	defer judge.Disconnect()
	stopAudio := publishAudio(t, judge)
	defer stopAudio()
	stopVideo := publishVideo(t, judge)
	defer stopVideo()

	party := joinSubscriber(t, s, room, "plaintiff", false)

	// The server sees both, with the permissions of their tokens.
	waitFor(t, "judge's audio track and the waiting plaintiff", func() bool {
		ps, err := s.Participants(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		var j, p bool
		for _, x := range ps {
			switch x.Identity {
			case "judge":
				j = len(x.Tracks) == 2 && x.CanPublish
			case "plaintiff":
				p = !x.CanSubscribe && !x.CanPublish && strings.Contains(x.Metadata, "原告") && !x.JoinedAt.IsZero()
			}
		}
		return j && p
	})
	// The recorder receives the judge's audio (media flows through the SFU to
	// subscribers) while the waiting plaintiff is subscribed to nothing.
	waitFor(t, "the recorder to receive audio", func() bool { return rec.Packets() >= 10 })
	if n := party.subscribed.Load(); n != 0 {
		t.Fatalf("waiting participant subscribed to %d tracks, want 0", n)
	}

	// Admitted, the plaintiff receives the judge's audio packets.
	if err := s.Admit(ctx, room, "plaintiff"); err != nil {
		t.Fatalf("Admit: %v", err)
	}
	waitFor(t, "audio packets at the admitted plaintiff", func() bool { return party.packets.Load() >= 10 })

	// Mute and unmute through RoomService reach the subscriber.
	if err := s.Mute(ctx, room, "judge", Audio, true); err != nil {
		t.Fatalf("Mute: %v", err)
	}
	waitFor(t, "the muted event", func() bool { return party.muted.Load() >= 1 })
	p, err := s.Participant(ctx, room, "judge")
	for _, tr := range p.Tracks {
		if tr.Muted != (tr.Kind == Audio) {
			t.Fatalf("judge after Mute = %+v, %v; want the audio track muted, the video not", p, err)
		}
	}
	if err := s.Mute(ctx, room, "judge", Audio, false); err != nil {
		t.Fatalf("Unmute: %v", err)
	}
	waitFor(t, "the unmuted event", func() bool { return party.unmuted.Load() >= 1 })
	if err := s.Mute(ctx, room, "plaintiff", Video, true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Mute of a missing video track = %v, want ErrNotFound", err)
	}

	// Audio-only mode for the judge: the camera track is unpublished (after the
	// plaintiff has received both of the judge's tracks).
	waitFor(t, "the judge's video at the plaintiff", func() bool { return party.subscribed.Load() >= 2 && party.packets.Load() >= 100 })
	if err := s.SetPermissions(ctx, room, "judge", Permissions{Publish: true, Subscribe: true, PublishData: true, AudioOnly: true}); err != nil {
		t.Fatalf("SetPermissions audio-only: %v", err)
	}
	waitFor(t, "the judge's video to be unpublished", func() bool {
		p, err := s.Participant(ctx, room, "judge")
		return err == nil && p.AudioOnly && len(p.Tracks) == 1 && p.Tracks[0].Kind == Audio
	})
	stopVideo()

	// Hold (a witness sent out): the plaintiff loses its subscription.
	if err := s.Hold(ctx, room, "plaintiff"); err != nil {
		t.Fatalf("Hold: %v", err)
	}
	waitFor(t, "the plaintiff to be unsubscribed", func() bool { return party.unsubscribed.Load() >= 1 || party.ended.Load() >= 1 })
	p, err = s.Participant(ctx, room, "plaintiff")
	if err != nil || p.CanSubscribe || p.CanPublish {
		t.Fatalf("plaintiff after Hold = %+v, %v; want no permissions", p, err)
	}

	// Metadata update (seat label).
	if err := s.UpdateMetadata(ctx, room, "plaintiff", SeatMetadata{Role: "plaintiff", Seat: "原告（到庭）"}.JSON()); err != nil {
		t.Fatal(err)
	}
	p, _ = s.Participant(ctx, room, "plaintiff")
	if !strings.Contains(p.Metadata, "到庭") {
		t.Fatalf("metadata = %q", p.Metadata)
	}

	// Remove disconnects the participant; the event says it was not an interruption.
	if err := s.Remove(ctx, room, "plaintiff"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	waitFor(t, "the plaintiff to be disconnected", func() bool { return party.disconnected.Load() })
	if _, err := s.Participant(ctx, room, "plaintiff"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Participant after Remove: %v, want ErrNotFound", err)
	}
	if err := s.Remove(ctx, room, "plaintiff"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Remove = %v, want ErrNotFound", err)
	}
	waitFor(t, "participant_left for the plaintiff", func() bool { _, ok := events.find(Left, "plaintiff"); return ok })
	left, _ := events.find(Left, "plaintiff")
	if left.Interrupted || left.Reason != livekit.DisconnectReason_PARTICIPANT_REMOVED.String() {
		t.Fatalf("left event = %+v, want PARTICIPANT_REMOVED, not interrupted", left)
	}
	if _, ok := events.find(Joined, "judge"); !ok {
		t.Fatal("no participant_joined event for the judge")
	}

	// Stop the recording: one non-empty Ogg file for the judge's audio.
	stopAudio()
	tracks, err := rec.Stop()
	if err != nil {
		t.Fatalf("Stop: %v", err)
	}
	var rt, vt RecordedTrack
	for _, x := range tracks {
		switch x.Kind {
		case Audio:
			rt = x
		case Video:
			vt = x
		}
	}
	if len(tracks) != 2 {
		t.Fatalf("recorded %d tracks, want 2: %+v", len(tracks), tracks)
	}
	if rt.Identity != "judge" || !strings.HasSuffix(rt.Path, ".ogg") || rt.Packets == 0 || rt.Bytes <= 0 || rt.End.Before(rt.Start) {
		t.Fatalf("recorded audio = %+v", rt)
	}
	if vt.Identity != "judge" || !strings.HasSuffix(vt.Path, ".ivf") || vt.Packets == 0 || vt.Bytes <= 32 {
		t.Fatalf("recorded video = %+v", vt)
	}
	if b, err := os.ReadFile(vt.Path); err != nil || string(b[:4]) != "DKIF" {
		t.Fatalf("video file: %v; want an IVF file", err)
	}
	head := make([]byte, 4)
	f, err := os.Open(rt.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "OggS" {
		t.Fatalf("file starts with %q, %v; want OggS", head, err)
	}
	if _, ok := handed.Load(rt.Path); !ok {
		t.Fatal("OnRecordedTrack was not called for the file")
	}

	// Closing the session disconnects everyone.
	if err := s.DeleteRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.Participants(ctx, room); err != nil || len(ps) != 0 {
		t.Fatalf("participants after DeleteRoom = %v, %v", ps, err)
	}
}

// TestSideBySideAndExternal runs two embedded servers on different free ports, and an
// external-mode handle on the second one: each works on its own.
func TestSideBySideAndExternal(t *testing.T) {
	a := startTestServer(t, Config{})
	b := startTestServer(t, Config{})
	if a.URL() == b.URL() {
		t.Fatalf("both servers at %s", a.URL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ext, err := Start(ctx, Config{Mode: ModeExternal, URL: b.URL(), APIKey: testKey, APISecret: testSecret, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	if ext.Embedded() || ext.URL() != b.URL() {
		t.Fatalf("external handle: embedded=%v url=%s", ext.Embedded(), ext.URL())
	}

	for i, s := range []*Server{a, b, ext} {
		room := []string{"room-a", "room-b", "room-ext"}[i]
		if err := s.CreateRoom(ctx, room, RoomOptions{}); err != nil {
			t.Fatalf("%d: CreateRoom: %v", i, err)
		}
		sub := joinSubscriber(t, s, room, "p", true)
		stop := publishAudio(t, sub.room)
		waitFor(t, "active participant in "+room, func() bool {
			ps, err := s.Participants(ctx, room)
			return err == nil && len(ps) == 1 && ps[0].Identity == "p" && ps[0].State == "ACTIVE"
		})
		stop()
		sub.room.Disconnect()
	}
	// Rooms are per server: a does not know b's room.
	if ps, err := a.Participants(ctx, "room-b"); err != nil || len(ps) != 0 {
		t.Fatalf("a sees room-b: %v, %v", ps, err)
	}
}

func TestTokenCarriesGrant(t *testing.T) {
	s := &Server{cfg: Config{APIKey: testKey, APISecret: testSecret}}
	tok, err := s.Token(Grant{Room: "r", Identity: "w1", Name: "证人", Metadata: SeatMetadata{Role: "witness", Seat: "证人"}.JSON(), Hidden: true, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.ParseAPIToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	_, claims, err := v.Verify(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	g := claims.Video
	if claims.Identity != "w1" || claims.Name != "证人" || !strings.Contains(claims.Metadata, `"seat":"证人"`) ||
		g.Room != "r" || !g.RoomJoin || g.GetCanPublish() || g.GetCanSubscribe() || g.GetCanPublishData() || !g.Hidden || g.RoomAdmin {
		t.Fatalf("claims = %+v, video = %+v", claims, g)
	}
	if _, _, err := v.Verify("wrong-secret-wrong-secret-wrong-secret"); err == nil {
		t.Fatal("token verified with the wrong secret")
	}
	if _, err := s.Token(Grant{Room: "r"}); err == nil {
		t.Fatal("token without identity accepted")
	}
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	for name, cfg := range map[string]Config{
		"no key":       {Mode: ModeEmbedded},
		"bad mode":     {Mode: "cloud", APIKey: "k", APISecret: "s"},
		"external url": {Mode: ModeExternal, URL: "ftp://x", APIKey: "k", APISecret: "s"},
		"bad node ip":  {NodeIP: "localhost", APIKey: "k", APISecret: "s"},
		"bad port":     {HTTPPort: 70000, APIKey: "k", APISecret: "s"},
	} {
		cfg.Logger = quietLogger()
		if s, err := Start(ctx, cfg); err == nil {
			s.Close()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

func TestInterruptionMapping(t *testing.T) {
	for r, want := range map[livekit.DisconnectReason]bool{
		livekit.DisconnectReason_CLIENT_INITIATED:    false,
		livekit.DisconnectReason_PARTICIPANT_REMOVED: false,
		livekit.DisconnectReason_ROOM_DELETED:        false,
		livekit.DisconnectReason_SIGNAL_CLOSE:        true,
		livekit.DisconnectReason_CONNECTION_TIMEOUT:  true,
		livekit.DisconnectReason_MEDIA_FAILURE:       true,
		livekit.DisconnectReason_JOIN_FAILURE:        true,
		livekit.DisconnectReason_SERVER_SHUTDOWN:     true,
		livekit.DisconnectReason_UNKNOWN_REASON:      true,
	} {
		e, ok := toEvent(&livekit.WebhookEvent{Event: "participant_left", Room: &livekit.Room{Name: "r"},
			Participant: &livekit.ParticipantInfo{Identity: "x", DisconnectReason: r}})
		if !ok || e.Kind != Left || e.Interrupted != want || e.Reason != r.String() {
			t.Errorf("%v: event %+v, want interrupted=%v", r, e, want)
		}
	}
	// A connection replaced by a newer one of the same identity is no departure.
	for _, ev := range []string{"participant_left", "participant_connection_aborted"} {
		if e, ok := toEvent(&livekit.WebhookEvent{Event: ev, Room: &livekit.Room{Name: "r"},
			Participant: &livekit.ParticipantInfo{Identity: "x", DisconnectReason: livekit.DisconnectReason_DUPLICATE_IDENTITY}}); ok {
			t.Errorf("%s of a replaced connection reported: %+v", ev, e)
		}
	}
	e, ok := toEvent(&livekit.WebhookEvent{Event: "participant_connection_aborted", Participant: &livekit.ParticipantInfo{Identity: "x", DisconnectReason: livekit.DisconnectReason_SIGNAL_CLOSE}})
	if !ok || e.Kind != Left || !e.Interrupted || !e.NeverConnected {
		t.Errorf("connection aborted: %+v", e)
	}
	if _, ok := toEvent(&livekit.WebhookEvent{Event: "egress_started"}); ok {
		t.Error("egress event reported")
	}
}

func TestWebhookRejectsUnsigned(t *testing.T) {
	s := &Server{cfg: Config{APIKey: testKey, APISecret: testSecret}, events: newEventHub(quietLogger())}
	srv := httptest.NewServer(s.WebhookHandler())
	defer srv.Close()
	res, err := http.Post(srv.URL, "application/webhook+json", strings.NewReader(`{"event":"participant_joined","participant":{"identity":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
	select {
	case e := <-s.Events():
		t.Fatalf("unsigned webhook produced %+v", e)
	default:
	}
}

// TestPortInUse: a second server on a port already taken fails to start with an
// error instead of hanging, and leaves the first one working.
func TestPortInUse(t *testing.T) {
	a := startTestServer(t, Config{})
	_, tc, u := freePorts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := Start(ctx, Config{APIKey: testKey, APISecret: testSecret, HTTPPort: a.cfg.HTTPPort, TCPPort: tc, UDPPort: u, Logger: quietLogger()})
	if err == nil {
		b.Close()
		t.Fatal("second server on the same HTTP port started")
	}
	if err := a.CreateRoom(ctx, "still-there", RoomOptions{}); err != nil {
		t.Fatalf("first server after the failed start: %v", err)
	}
}

// TestStartCancelled: a cancelled context stops a starting server and frees its port.
func TestStartCancelled(t *testing.T) {
	h, tc, u := freePorts(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := Config{APIKey: testKey, APISecret: testSecret, HTTPPort: h, TCPPort: tc, UDPPort: u, Logger: quietLogger()}
	if s, err := Start(ctx, cfg); err == nil {
		s.Close()
		t.Fatal("Start with a cancelled context succeeded")
	}
	// The ports are free again: a server starts on them.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	s, err := Start(ctx2, cfg)
	if err != nil {
		t.Fatalf("restart on the same ports: %v", err)
	}
	s.Close()
}
