// Package bus carries the platform's domain events: a transactional outbox
// in the database (Enqueue, inside the caller's transaction), a relay that
// publishes committed outbox rows to NATS JetStream (StartRelay, Flush),
// durable consumers (Subscribe, with Once for idempotency) and an in-process
// live fan-out for server-sent events (Live).
//
// By default NATS runs embedded in the process ("nats://embedded"): a NATS
// server with JetStream and its file store in <DataDir>/nats, reached through
// an in-process connection, so no TCP port is opened. At scale the same code
// talks to an external NATS cluster ("nats://host:4222").
//
// Every event goes to the stream ECOURT on the subject equal to its Type;
// the message body is the JSON form of Event, and the header Nats-Msg-Id is
// the event ID.
//
// Wiring, in the app: migrate Migrations with the other sets, Open the bus,
// StartRelay with the database, Subscribe the contexts' consumers; at
// shutdown Flush, then Close.
//
// Delivery is at least once, end to end. The relay marks a row published
// only after JetStream's PubAck, so a crash between the two leads to a
// republish, which JetStream drops as a duplicate by message ID within the
// stream's duplicate window (DuplicateWindow, 2 minutes). A republish later
// than that (a process that stays down longer between publish and mark)
// reaches consumers twice, and a consumer's ack can be lost too: every
// consumer must be idempotent, which Once makes simple.
package bus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EmbeddedURL selects the NATS server embedded in the process.
const EmbeddedURL = "nats://embedded"

// StreamName is the JetStream stream that holds every event ("ecourt.>").
const StreamName = "ECOURT"

// DuplicateWindow is how long JetStream remembers message IDs to drop
// republished events.
const DuplicateWindow = 2 * time.Minute

// Config configures Open. The zero value (with DataDir set) runs the
// embedded server.
type Config struct {
	// URL is "nats://embedded" (the default) or the URL(s) of an external
	// server or cluster, e.g. "nats://10.0.0.1:4222,nats://10.0.0.2:4222".
	URL string
	// DataDir holds the embedded server's JetStream file store in
	// <DataDir>/nats. Required for the embedded server.
	DataDir string
	// Logger receives the server's warnings and errors and the bus's own
	// messages (dead letters, relay failures). Default slog.Default().
	Logger *slog.Logger
	// SyncInterval chooses when the embedded server fsyncs its file store.
	// 0 (the default) fsyncs every stored message (NATS sync_always), so an
	// event the relay saw acknowledged and marked published survives a
	// power loss, like SQLite's default synchronous=FULL. Measured through
	// outbox and relay on a 2-core VM: 1,700–5,000 events/s
	// (BenchmarkEnqueueAndRelay). A positive value fsyncs periodically
	// instead (NATS's own default is 2 minutes; 13,000–21,000 events/s): a
	// process crash still loses nothing (the data is in the OS page cache),
	// but an OS crash or power loss may lose the events of the last
	// interval although the outbox marked them published. Ignored for an
	// external server, whose own configuration (and R3 replication) decides.
	SyncInterval time.Duration
	// Replicas is the stream's replica count on an external cluster
	// (default 1; use 3 on a 3-node cluster). Ignored when embedded.
	Replicas int
	// MaxMemory caps the embedded JetStream's memory storage (default 32 MiB;
	// the ECOURT stream itself is on file storage).
	MaxMemory int64
}

// Bus is a connection to NATS JetStream with the ECOURT stream. It is safe
// for concurrent use. Close it once at shutdown.
type Bus struct {
	cfg    Config
	log    *slog.Logger
	srv    *server.Server // nil when external
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream

	mu     sync.Mutex
	relays []*relay
	subs   map[*handle]struct{}
	closed bool

	published    atomic.Int64
	duplicates   atomic.Int64
	failed       atomic.Int64
	pending      atomic.Int64
	handled      atomic.Int64
	redelivered  atomic.Int64
	dead         atomic.Int64
	liveDropped  atomic.Int64
	liveDelivery atomic.Int64
}

// Open starts (or connects to) NATS, creates or updates the ECOURT stream
// and returns the bus. With the embedded server it takes well under a
// second on an empty or small store.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	if cfg.URL == "" {
		cfg.URL = EmbeddedURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.MaxMemory <= 0 {
		cfg.MaxMemory = 32 << 20
	}
	b := &Bus{cfg: cfg, log: cfg.Logger.With("component", "bus"), subs: map[*handle]struct{}{}}
	var err error
	if cfg.URL == EmbeddedURL {
		err = b.startEmbedded(ctx)
	} else {
		err = b.connectExternal(ctx)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	if b.js, err = jetstream.New(b.nc, jetstream.WithPublishAsyncTimeout(publishTimeout)); err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	replicas := cfg.Replicas
	if b.srv != nil {
		replicas = 1
	}
	b.stream, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "ecourt domain events",
		Subjects:    []string{"ecourt.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Duplicates:  DuplicateWindow,
		Replicas:    replicas,
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("bus: stream %s: %w", StreamName, err)
	}
	return b, nil
}

func (b *Bus) startEmbedded(ctx context.Context) error {
	if b.cfg.DataDir == "" {
		return fmt.Errorf("bus: embedded NATS needs Config.DataDir")
	}
	opts := &server.Options{
		ServerName:         "ecourt",
		DontListen:         true,
		JetStream:          true,
		StoreDir:           filepath.Join(b.cfg.DataDir, "nats"),
		JetStreamMaxMemory: b.cfg.MaxMemory,
		JetStreamMaxStore:  -1,
		NoSigs:             true,
	}
	if b.cfg.SyncInterval > 0 {
		opts.SyncInterval = b.cfg.SyncInterval
	} else {
		opts.SyncAlways = true
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("bus: embedded NATS: %w", err)
	}
	srv.SetLogger(serverLogger{b.log}, false, false)
	b.srv = srv
	srv.Start()
	deadline := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		deadline = time.Until(d)
	}
	if !srv.ReadyForConnections(deadline) {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("bus: embedded NATS not ready after %v", deadline))
	}
	b.nc, err = nats.Connect("", nats.InProcessServer(srv), nats.Name("ecourt"))
	if err != nil {
		return fmt.Errorf("bus: connect to embedded NATS: %w", err)
	}
	return nil
}

func (b *Bus) connectExternal(ctx context.Context) error {
	var err error
	b.nc, err = nats.Connect(b.cfg.URL,
		nats.Name("ecourt"),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("bus: connect to %s: %w", redactURL(b.cfg.URL), err))
	}
	return nil
}

// Ping checks that JetStream answers, for /readyz. It returns an
// errs.Unavailable error otherwise.
func (b *Bus) Ping(ctx context.Context) error {
	if b.nc == nil || !b.nc.IsConnected() {
		return errs.Wrap(errs.Unavailable, "error.unavailable", errors.New("bus: not connected to NATS"))
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, "error.unavailable", fmt.Errorf("bus: jetstream: %w", err))
	}
	return nil
}

// Close stops the relays and consumers, drains the connection and shuts
// the embedded server down cleanly. Events still in the outbox stay there
// for the next start; call Flush first to publish them now. Close is safe
// to call more than once.
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	relays := b.relays
	subs := make([]*handle, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, r := range relays {
		r.stop()
	}
	for _, s := range subs {
		s.stop()
	}
	if b.nc != nil {
		closed := make(chan struct{})
		b.nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
		if err := b.nc.Drain(); err != nil {
			b.nc.Close()
		}
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			b.nc.Close()
		}
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

// Stats are the bus's counters since Open, for metrics.
type Stats struct {
	Published    int64 // outbox rows published and marked
	Duplicates   int64 // of those, republishes JetStream dropped as duplicates
	Failed       int64 // failed publish attempts (retried with backoff)
	Pending      int64 // unpublished outbox rows at the relay's last look
	Handled      int64 // messages a Subscribe handler processed and acked
	Redelivered  int64 // handler errors that led to a redelivery
	Dead         int64 // messages given up after MaxDeliver attempts
	LiveSent     int64 // events handed to Live listeners
	LiveDropped  int64 // events dropped because a Live listener was full
	RelayRunning int64 // relays running
}

// Stats returns the current counters. It does not touch the database.
func (b *Bus) Stats() Stats {
	b.mu.Lock()
	n := int64(len(b.relays))
	b.mu.Unlock()
	return Stats{
		Published:    b.published.Load(),
		Duplicates:   b.duplicates.Load(),
		Failed:       b.failed.Load(),
		Pending:      b.pending.Load(),
		Handled:      b.handled.Load(),
		Redelivered:  b.redelivered.Load(),
		Dead:         b.dead.Load(),
		LiveSent:     b.liveDelivery.Load(),
		LiveDropped:  b.liveDropped.Load(),
		RelayRunning: n,
	}
}

// serverLogger sends the embedded server's log to slog: warnings and
// errors as such, notices at debug level (the start-up banner is long).
type serverLogger struct{ l *slog.Logger }

func (s serverLogger) Noticef(f string, v ...any) { s.l.Debug(fmt.Sprintf(f, v...), "src", "nats") }
func (s serverLogger) Warnf(f string, v ...any)   { s.l.Warn(fmt.Sprintf(f, v...), "src", "nats") }
func (s serverLogger) Fatalf(f string, v ...any)  { s.l.Error(fmt.Sprintf(f, v...), "src", "nats") }
func (s serverLogger) Errorf(f string, v ...any)  { s.l.Error(fmt.Sprintf(f, v...), "src", "nats") }
func (s serverLogger) Debugf(f string, v ...any)  {}
func (s serverLogger) Tracef(f string, v ...any)  {}

func redactURL(u string) string {
	if at := strings.LastIndexByte(u, '@'); at >= 0 {
		if i := strings.Index(u, "://"); i >= 0 && i < at {
			return u[:i+3] + "xxxxx" + u[at:]
		}
	}
	return u
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}
