// Command hearingload measures how many concurrent 6-party hearings a LiveKit server
// holds: it joins N rooms of P participants (server-sdk-go), each publishing Opus
// audio (50 packets/s) and synthetic VP8 "360p" video (30 frames/s at -vbitrate) and
// subscribed to all the others, then reports the server process's CPU, the packet
// loss seen by the subscribers (gaps in RTP sequence numbers) and the time from
// joining to the first remote packet.
//
// Serve an embedded server (internal/video) in its own process:
//
//	hearingload -serve -http 17880 -tcp 17881 -udp 17882 -key K -secret S
//
// Load a server (embedded or a standalone livekit-server) and sample its CPU:
//
//	hearingload -url ws://127.0.0.1:17880 -key K -secret S -pid PID -rooms 4 -duration 30s
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/video"
	"github.com/livekit/protocol/livekit"
	lklogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

func main() {
	serve := flag.Bool("serve", false, "run an embedded server (internal/video) until interrupted")
	httpPort := flag.Int("http", 17880, "serve: signalling port")
	tcpPort := flag.Int("tcp", 17881, "serve: ICE/TCP port")
	udpPort := flag.Int("udp", 17882, "serve: UDP media port")
	url := flag.String("url", "ws://127.0.0.1:17880", "server URL")
	key := flag.String("key", "hearingload-key", "API key")
	secret := flag.String("secret", "hearingload-secret-0123456789abcdef", "API secret")
	pid := flag.Int("pid", 0, "server process id for CPU sampling (0: none)")
	rooms := flag.Int("rooms", 1, "concurrent rooms")
	parties := flag.Int("parties", 6, "participants per room")
	duration := flag.Duration("duration", 30*time.Second, "measurement time after warm-up")
	warmup := flag.Duration("warmup", 5*time.Second, "time between the last join and the measurement")
	vbitrate := flag.Int("vbitrate", 400_000, "video bits per second per publisher")
	flag.Parse()

	if *serve {
		runServer(*httpPort, *tcpPort, *udpPort, *key, *secret)
		return
	}
	if err := runLoad(*url, *key, *secret, *pid, *rooms, *parties, *duration, *warmup, *vbitrate); err != nil {
		log.Fatal(err)
	}
}

func runServer(httpPort, tcpPort, udpPort int, key, secret string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s, err := video.Start(ctx, video.Config{Mode: video.ModeEmbedded, APIKey: key, APISecret: secret,
		HTTPPort: httpPort, TCPPort: tcpPort, UDPPort: udpPort,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for range s.Events() {
		}
	}()
	fmt.Printf("embedded LiveKit at %s pid %d\n", s.URL(), os.Getpid())
	<-ctx.Done()
	s.Close()
}

// trackStats counts received packets and sequence gaps of one remote track.
type trackStats struct {
	received, lost int64
	last           uint16
	started        bool
}

type participant struct {
	room    *lksdk.Room
	joined  time.Time
	first   atomic.Int64 // ns from join to the first remote packet
	mu      sync.Mutex
	tracks  []*trackStats
	measure *atomic.Bool
}

func (p *participant) onTrack(track *webrtc.TrackRemote) {
	ts := &trackStats{}
	p.mu.Lock()
	p.tracks = append(p.tracks, ts)
	p.mu.Unlock()
	go func() {
		for {
			pkt, _, err := track.ReadRTP()
			if err != nil {
				return
			}
			p.first.CompareAndSwap(0, int64(time.Since(p.joined)))
			p.mu.Lock()
			if ts.started {
				gap := pkt.SequenceNumber - ts.last - 1
				if gap < 1000 && p.measure.Load() {
					ts.lost += int64(gap)
				}
			}
			if !ts.started || int16(pkt.SequenceNumber-ts.last) > 0 {
				ts.last = pkt.SequenceNumber
			}
			ts.started = true
			if p.measure.Load() {
				ts.received++
			}
			p.mu.Unlock()
		}
	}()
}

func publish(ctx context.Context, r *lksdk.Room, vbitrate int) error {
	audio, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		return err
	}
	if _, err := r.LocalParticipant.PublishTrack(audio, &lksdk.TrackPublicationOptions{Name: "mic", Source: livekit.TrackSource_MICROPHONE}); err != nil {
		return err
	}
	vid, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
	if err != nil {
		return err
	}
	if _, err := r.LocalParticipant.PublishTrack(vid, &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA, VideoWidth: 640, VideoHeight: 360}); err != nil {
		return err
	}
	// Opus at ~32 kb/s: 80-byte frames every 20 ms (TOC 0x78: SILK WB 20 ms mono).
	go func() {
		frame := make([]byte, 80)
		_, _ = rand.Read(frame)
		frame[0] = 0x78
		tk := time.NewTicker(20 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				_ = audio.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond}, nil)
			}
		}
	}()
	// VP8: a keyframe every 2 s (larger), interframes otherwise.
	go func() {
		per := vbitrate / 8 / 30
		tk := time.NewTicker(time.Second / 30)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				key := i%60 == 0
				n := per
				if key {
					n = per * 4
				}
				b := make([]byte, n)
				_, _ = rand.Read(b)
				if key {
					b[0], b[1], b[2] = 0x10, 0x02, 0x00
					copy(b[3:], []byte{0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01})
				} else {
					b[0] = b[0] | 0x01 | 0x10
				}
				_ = vid.WriteSample(media.Sample{Data: b, Duration: time.Second / 30}, nil)
			}
		}
	}()
	return nil
}

func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st, nil
}

func runLoad(url, key, secret string, pid, rooms, parties int, duration, warmup time.Duration, vbitrate int) error {
	lksdk.SetLogger(lklogger.GetDiscardLogger())
	srv, err := video.Start(context.Background(), video.Config{Mode: video.ModeExternal, URL: url, APIKey: key, APISecret: secret,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var measure atomic.Bool
	var all []*participant
	for r := 0; r < rooms; r++ {
		name := fmt.Sprintf("load-%d-%d", os.Getpid(), r)
		if err := srv.CreateRoom(ctx, name, video.RoomOptions{}); err != nil {
			return err
		}
		for i := 0; i < parties; i++ {
			tok, err := srv.Token(video.Grant{Room: name, Identity: fmt.Sprintf("p%d", i), CanPublish: true, CanSubscribe: true, CanPublishData: true})
			if err != nil {
				return err
			}
			p := &participant{measure: &measure}
			cb := lksdk.NewRoomCallback()
			cb.ParticipantCallback.OnTrackSubscribed = func(t *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
				p.onTrack(t)
			}
			p.joined = time.Now()
			room, err := lksdk.ConnectToRoomWithToken(url, tok, cb, lksdk.WithAutoSubscribe(true))
			if err != nil {
				return fmt.Errorf("join %s/p%d: %w", name, i, err)
			}
			p.room = room
			defer room.Disconnect()
			if err := publish(ctx, room, vbitrate); err != nil {
				return fmt.Errorf("publish %s/p%d: %w", name, i, err)
			}
			all = append(all, p)
		}
	}
	time.Sleep(warmup)
	measure.Store(true)
	t0 := time.Now()
	self0, _ := cpuTicks(os.Getpid())
	c0, cerr := int64(0), error(nil)
	if pid > 0 {
		c0, cerr = cpuTicks(pid)
	}
	time.Sleep(duration)
	measure.Store(false)
	wall := time.Since(t0)
	self1, _ := cpuTicks(os.Getpid())
	loadCPU := float64(self1-self0) / 100 / wall.Seconds() * 100
	cpu := -1.0
	if pid > 0 && cerr == nil {
		if c1, err := cpuTicks(pid); err == nil {
			cpu = float64(c1-c0) / 100 / wall.Seconds() * 100 // % of one core (CLK_TCK 100)
		}
	}
	var recv, lost int64
	var tracks int
	var firsts []time.Duration
	for _, p := range all {
		p.mu.Lock()
		for _, t := range p.tracks {
			recv += t.received
			lost += t.lost
			tracks++
		}
		p.mu.Unlock()
		if f := p.first.Load(); f > 0 {
			firsts = append(firsts, time.Duration(f))
		}
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	want := rooms * parties * (parties - 1) * 2
	loss := 0.0
	if recv+lost > 0 {
		loss = float64(lost) / float64(recv+lost) * 100
	}
	med := time.Duration(0)
	if len(firsts) > 0 {
		med = firsts[len(firsts)/2]
	}
	fmt.Printf("rooms=%d parties=%d subscribed_tracks=%d/%d server_cpu=%.1f%%_of_one_core packets=%d lost=%d loss=%.2f%% first_remote_packet_median=%v load_cpu=%.0f%%\n",
		rooms, parties, tracks, want, cpu, recv, lost, loss, med.Round(time.Millisecond), loadCPU)
	return nil
}
