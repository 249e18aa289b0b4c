// Package video runs the hearing room's media: a LiveKit server v1.13.5 embedded in
// the process (the single-machine default) or an external LiveKit cluster reached by
// URL, key and secret, with the same tokens and RoomService API either way.
//
// The browser joins with a per-participant access token (Token) carrying role and seat
// label in its metadata (Online Litigation Rules Art. 24). The judge's controls map onto
// the RoomService API: Admit and Hold move a participant out of and back into the
// waiting room, Mute, Remove, and UpdateMetadata (Art. 26: a witness who is "out" holds
// no permissions and so follows nothing). Events reports joins and departures and tells
// a network drop from a leave (Art. 25: a technical interruption is not absence). The
// recorder (StartRecording) is a hidden participant that writes every track to a file
// (Art. 27: every hearing is recorded; nobody else records).
//
// LiveKit keeps some process-wide state (its logger and Prometheus collectors); several
// embedded servers may run side by side in one process on different ports, but they
// share one logger.
package video

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/livekit/livekit-server/pkg/config"
	"github.com/livekit/livekit-server/pkg/routing"
	"github.com/livekit/livekit-server/pkg/service"
	"github.com/livekit/livekit-server/pkg/telemetry/prometheus"
	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lklogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"gopkg.in/yaml.v3"
)

// Modes of Config.Mode.
const (
	// ModeEmbedded starts a LiveKit server inside this process.
	ModeEmbedded = "embedded"
	// ModeExternal uses a LiveKit server or cluster reached at Config.URL.
	ModeExternal = "external"
)

// Config says where the media server is. The zero value is not valid: APIKey and
// APISecret are always required (the app derives them from its server secret).
type Config struct {
	// Mode is ModeEmbedded (default when empty) or ModeExternal.
	Mode string
	// URL is the ws:// or wss:// URL of the external server (ModeExternal only; the
	// browser connects to it and the RoomService API is called on its http(s) twin).
	// In embedded mode it may be set to the URL browsers must use when they reach the
	// server through a proxy (for example wss://court.example/rtc); by default it is
	// ws://BindAddress:HTTPPort.
	URL string
	// APIKey and APISecret sign access tokens and RoomService calls. In embedded mode
	// they are the server's only key pair; the secret should be at least 32 characters.
	APIKey    string
	APISecret string

	// BindAddress is the address the embedded server listens on for signalling and
	// media (default 127.0.0.1). Use 0.0.0.0 to serve other machines.
	BindAddress string
	// NodeIP is the IP address announced to browsers in ICE candidates (default
	// 127.0.0.1). Behind NAT set it to the public address.
	NodeIP string
	// HTTPPort is the signalling (HTTP + WebSocket) and RoomService port (default 7880).
	HTTPPort int
	// UDPPort is the single UDP port all media is multiplexed on (default 7882).
	UDPPort int
	// TCPPort is the ICE/TCP fallback port for networks that block UDP (default 7881).
	TCPPort int

	// WebhookAddress is where the embedded server's webhook receiver listens
	// (host:port; default BindAddress with a free port). The receiver feeds Events.
	// In external mode nothing listens: mount WebhookHandler and point the cluster's
	// webhook configuration at it.
	WebhookAddress string

	// RecordDir is the directory recordings are written to (default os.TempDir()).
	RecordDir string
	// OnRecordedTrack, when set, is called once for every finished recorded file (from
	// the recorder's goroutine). The file stays on disk; the callee may move or delete it.
	OnRecordedTrack func(RecordedTrack)

	// Logger receives this package's logs and, in embedded mode, LiveKit's own logs at
	// error level (LiveKit's logger is process-wide: the first Start's Logger is used
	// for all servers in the process).
	// Default slog.Default().
	Logger *slog.Logger
}

// Server is a running embedded LiveKit server or a handle on an external one. All
// methods are safe for concurrent use.
type Server struct {
	cfg    Config
	url    string // ws(s):// for browsers and SDK clients
	apiURL string // http(s):// for RoomService
	rooms  *lksdk.RoomServiceClient
	log    *slog.Logger

	lk      *service.LivekitServer // nil in external mode
	lkDone  chan error
	webhook *http.Server

	events *eventHub

	closeOnce sync.Once
}

// Start validates cfg and, in embedded mode, starts a LiveKit server and waits until it
// accepts connections (or ctx ends). The caller must Close the returned Server.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Mode == "" {
		cfg.Mode = ModeEmbedded
	}
	if cfg.APIKey == "" || cfg.APISecret == "" {
		return nil, errors.New("video: APIKey and APISecret are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("component", "video")}
	s.events = newEventHub(s.log)

	switch cfg.Mode {
	case ModeExternal:
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss" && u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("video: external mode needs a ws://, wss://, http:// or https:// URL, got %q", cfg.URL)
		}
		s.url, s.apiURL = wsAndHTTP(u)
	case ModeEmbedded:
		if err := s.startEmbedded(ctx); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("video: unknown mode %q (want %q or %q)", cfg.Mode, ModeEmbedded, ModeExternal)
	}
	s.rooms = lksdk.NewRoomServiceClient(s.apiURL, cfg.APIKey, cfg.APISecret)
	return s, nil
}

func wsAndHTTP(u *url.URL) (ws, api string) {
	w, h := *u, *u
	switch u.Scheme {
	case "ws", "http":
		w.Scheme, h.Scheme = "ws", "http"
	default:
		w.Scheme, h.Scheme = "wss", "https"
	}
	return strings.TrimRight(w.String(), "/"), strings.TrimRight(h.String(), "/")
}

// embeddedYAML is the subset of LiveKit's configuration this package sets.
type embeddedYAML struct {
	Port          int               `yaml:"port"`
	BindAddresses []string          `yaml:"bind_addresses"`
	Keys          map[string]string `yaml:"keys"`
	RTC           struct {
		UDPPort                 int    `yaml:"udp_port"`
		TCPPort                 int    `yaml:"tcp_port"`
		NodeIP                  string `yaml:"node_ip"`
		UseExternalIP           bool   `yaml:"use_external_ip"`
		EnableLoopbackCandidate bool   `yaml:"enable_loopback_candidate"`
	} `yaml:"rtc"`
	Room struct {
		// The judge unmutes through RoomService (Mute with muted=false).
		EnableRemoteUnmute bool `yaml:"enable_remote_unmute"`
	} `yaml:"room"`
	Webhook struct {
		APIKey string   `yaml:"api_key"`
		URLs   []string `yaml:"urls"`
	} `yaml:"webhook"`
	Logging struct {
		Level string `yaml:"level"`
	} `yaml:"logging"`
}

// lkLoggerOnce sets LiveKit's process-wide logger once: later writes would race with
// the goroutines of servers already running.
var lkLoggerOnce sync.Once

func (s *Server) startEmbedded(ctx context.Context) error {
	c := &s.cfg
	if c.BindAddress == "" {
		c.BindAddress = "127.0.0.1"
	}
	if c.NodeIP == "" {
		c.NodeIP = "127.0.0.1"
	}
	if c.HTTPPort == 0 {
		c.HTTPPort = 7880
	}
	if c.TCPPort == 0 {
		c.TCPPort = 7881
	}
	if c.UDPPort == 0 {
		c.UDPPort = 7882
	}
	if net.ParseIP(c.NodeIP) == nil {
		return fmt.Errorf("video: NodeIP %q is not an IP address", c.NodeIP)
	}
	if net.ParseIP(c.BindAddress) == nil {
		return fmt.Errorf("video: BindAddress %q is not an IP address", c.BindAddress)
	}
	for _, p := range []int{c.HTTPPort, c.TCPPort, c.UDPPort} {
		if p <= 0 || p > 65535 {
			return fmt.Errorf("video: port %d out of range", p)
		}
	}

	// Webhook receiver first: LiveKit posts participant events to it.
	whAddr := c.WebhookAddress
	if whAddr == "" {
		whAddr = net.JoinHostPort(c.BindAddress, "0")
	}
	ln, err := net.Listen("tcp", whAddr)
	if err != nil {
		return fmt.Errorf("video: webhook listener: %w", err)
	}
	s.webhook = &http.Server{Handler: s.WebhookHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.webhook.Serve(ln) }()

	var y embeddedYAML
	y.Port = c.HTTPPort
	y.BindAddresses = []string{c.BindAddress}
	y.Keys = map[string]string{c.APIKey: c.APISecret}
	y.RTC.UDPPort = c.UDPPort
	y.RTC.TCPPort = c.TCPPort
	y.RTC.NodeIP = c.NodeIP
	y.RTC.EnableLoopbackCandidate = net.ParseIP(c.NodeIP).IsLoopback()
	y.Room.EnableRemoteUnmute = true
	y.Webhook.APIKey = c.APIKey
	y.Webhook.URLs = []string{"http://" + ln.Addr().String() + "/"}
	y.Logging.Level = "warn"
	body, err := yaml.Marshal(&y)
	if err != nil {
		_ = s.webhook.Close()
		return err
	}
	conf, err := config.NewConfig(string(body), true, nil, nil)
	if err != nil {
		_ = s.webhook.Close()
		return fmt.Errorf("video: livekit config: %w", err)
	}

	// LiveKit logs through a process-wide logger; route its errors into ours (its
	// logr adapter logs warnings at info level, which would be too chatty).
	// (config.InitLoggerFromConfig would also replace slog's default logger.)
	lkLoggerOnce.Do(func() {
		l := lklogger.LogRLogger(logr.FromSlogHandler(minLevel{s.log.Handler(), slog.LevelError}))
		lklogger.SetLogger(l, "livekit")
		lksdk.SetLogger(l)
	})

	if err := conf.ValidateKeys(); err != nil {
		_ = s.webhook.Close()
		return fmt.Errorf("video: %w", err)
	}
	node, err := routing.NewLocalNode(conf)
	if err != nil {
		_ = s.webhook.Close()
		return fmt.Errorf("video: livekit node: %w", err)
	}
	if err := prometheus.Init(string(node.NodeID()), node.NodeType()); err != nil {
		_ = s.webhook.Close()
		return fmt.Errorf("video: livekit metrics: %w", err)
	}
	lk, err := service.InitializeServer(conf, node)
	if err != nil {
		_ = s.webhook.Close()
		return fmt.Errorf("video: livekit server: %w", err)
	}
	s.lk = lk
	s.lkDone = make(chan error, 1)
	go func() { s.lkDone <- lk.Start() }()

	hostPort := net.JoinHostPort(c.BindAddress, strconv.Itoa(c.HTTPPort))
	if ip := net.ParseIP(c.BindAddress); ip.IsUnspecified() {
		hostPort = net.JoinHostPort("127.0.0.1", strconv.Itoa(c.HTTPPort))
	}
	s.apiURL = "http://" + hostPort
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || u.Host == "" {
			s.Close()
			return fmt.Errorf("video: bad URL %q", c.URL)
		}
		s.url, _ = wsAndHTTP(u)
	} else {
		s.url = "ws://" + hostPort
	}

	// Wait until LiveKit is running and its HTTP port answers.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-s.lkDone:
			s.lk = nil
			_ = s.webhook.Close()
			if err == nil {
				err = errors.New("stopped")
			}
			return fmt.Errorf("video: livekit server: %w", err)
		case <-ctx.Done():
			// LiveKit's Stop does nothing before Start has set it running: wait for
			// one or the other, then stop it.
			for s.lk != nil && !lk.IsRunning() {
				select {
				case <-s.lkDone:
					s.lk = nil
				case <-time.After(20 * time.Millisecond):
				}
			}
			s.Close()
			return ctx.Err()
		case <-tick.C:
			if !lk.IsRunning() {
				continue
			}
			conn, err := net.DialTimeout("tcp", hostPort, time.Second)
			if err != nil {
				continue
			}
			_ = conn.Close()
			s.log.Info("video: embedded LiveKit started", "url", s.url, "udp", c.UDPPort, "tcp", c.TCPPort, "node_ip", c.NodeIP)
			return nil
		}
	}
}

// URL returns the ws:// or wss:// URL browsers and SDK clients connect to.
func (s *Server) URL() string { return s.url }

// Embedded reports whether this Server runs LiveKit in-process.
func (s *Server) Embedded() bool { return s.lk != nil }

// Close stops the embedded server (disconnecting everyone) and the webhook receiver.
// It does not delete rooms on an external cluster. Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.lk != nil {
			s.lk.Stop(true)
			select {
			case <-s.lkDone:
			case <-time.After(10 * time.Second):
				s.log.Warn("video: embedded LiveKit did not stop in 10s")
			}
		}
		if s.webhook != nil {
			_ = s.webhook.Close()
		}
		s.events.close()
	})
}

// Grant describes one participant's access token.
type Grant struct {
	// Room and Identity are required. Identity is unique within a room: a second
	// connection with the same identity replaces the first.
	Room     string
	Identity string
	// Name is the display name shown to others.
	Name string
	// Metadata is opaque JSON visible to all participants (role, seat label; see
	// SeatMetadata).
	Metadata string
	// Initial permissions. A participant entering the waiting room gets none of them;
	// Admit grants publish, subscribe and data.
	CanPublish     bool
	CanSubscribe   bool
	CanPublishData bool
	// AudioOnly limits publishing to the microphone.
	AudioOnly bool
	// Hidden participants are not announced to others (the recorder).
	Hidden bool
	// RoomAdmin allows the holder to call RoomService for this room (judge, clerk,
	// second moderator) directly from a client.
	RoomAdmin bool
	// TTL is how long the token can be used to join (default 6 hours). A participant
	// already in the room is not disconnected when it expires.
	TTL time.Duration
}

// Token signs an access token for g. The browser passes it with URL() to
// LivekitClient.Room.connect.
func (s *Server) Token(g Grant) (string, error) {
	if g.Room == "" || g.Identity == "" {
		return "", errors.New("video: token needs a room and an identity")
	}
	if g.TTL <= 0 {
		g.TTL = 6 * time.Hour
	}
	pub, sub, data := g.CanPublish, g.CanSubscribe, g.CanPublishData
	no := false
	vg := &auth.VideoGrant{
		RoomJoin:             true,
		Room:                 g.Room,
		RoomAdmin:            g.RoomAdmin,
		CanPublish:           &pub,
		CanSubscribe:         &sub,
		CanPublishData:       &data,
		CanUpdateOwnMetadata: &no,
		Hidden:               g.Hidden,
	}
	if g.CanPublish && g.AudioOnly {
		vg.SetCanPublishSources([]livekit.TrackSource{livekit.TrackSource_MICROPHONE})
	}
	return auth.NewAccessToken(s.cfg.APIKey, s.cfg.APISecret).
		SetVideoGrant(vg).
		SetIdentity(g.Identity).
		SetName(g.Name).
		SetMetadata(g.Metadata).
		SetValidFor(g.TTL).
		ToJWT()
}

// minLevel drops records below a level (LiveKit is chatty at info).
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(a), h.min}
}
func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.Handler.WithGroup(n), h.min} }
