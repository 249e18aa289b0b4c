package notify

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the notify schema (tables notify_*). It needs
// bus.Migrations and audit.Migrations before it.
var Migrations = sqldb.Embedded("notify", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the notify message bundle (zh-CN.json, en.json).
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the notify pages (namespace "notify"): "notify/inbox",
// whose "items" template is the fragment GET /inbox/items renders.
var Templates fs.FS = mustSub(templatesFS, "templates")

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of
// Routes: a JSON object with "paths" and "components" ("schemas" only,
// all named Notify…, including NotifyError, the platform's error
// envelope). The app merges it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Deps are the services notify needs.
type Deps struct {
	DB  *sqldb.DB
	Bus *bus.Bus
	// Directory gives each recipient's language and addresses.
	Directory Directory
	Logger    *slog.Logger
}

// Options tune the pipeline. The zero value is valid: only the inbox
// works until channels are set.
type Options struct {
	// The external channels; a nil one makes its deliveries fail with
	// "channel_unavailable" (dead letters an administrator can retry once
	// it is configured).
	SMS     Sender
	Email   Sender
	Webhook Sender

	// FanoutBatch is how many recipients are turned into rows per
	// transaction (default 1000).
	FanoutBatch int
	// DispatchBatch is how many deliveries one work-queue event of a
	// channel carries (default 100).
	DispatchBatch int
	// Concurrency is how many sends of one channel run at once (default 8).
	Concurrency int
	// Workers is how many events the fan-out and each channel's
	// dispatcher handle at once in this process (default 16): each is a
	// subscription to the same durable consumer, and their transactions
	// share SQLite's group commit.
	Workers int
	// MaxAttempts is how often a delivery is tried before it is dead
	// (default 8).
	MaxAttempts int
	// RetryBase and RetryMax bound the exponential backoff between
	// attempts: RetryBase doubling per attempt, at most RetryMax
	// (defaults 10 s and 1 h).
	RetryBase time.Duration
	RetryMax  time.Duration
	// SendTimeout bounds one send, fallback included (default 30 s).
	SendTimeout time.Duration
	// Lease is how long a claimed delivery belongs to its worker; after
	// it a delivery still "sending" is taken to have lost its worker (a
	// crash) and is resolved by asking the provider. Default and minimum
	// 2×SendTimeout.
	Lease time.Duration
	// SweepInterval is how often each channel looks for due retries and
	// expired claims (default 2 s).
	SweepInterval time.Duration
	// QueuedGrace is how long a new delivery is left to the work-queue
	// event before the sweeper takes it too (default 1 min).
	QueuedGrace time.Duration
}

func (o *Options) defaults() {
	if o.FanoutBatch <= 0 {
		o.FanoutBatch = 1000
	}
	if o.DispatchBatch <= 0 {
		o.DispatchBatch = 100
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 10 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Hour
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.Lease < 2*o.SendTimeout {
		o.Lease = 2 * o.SendTimeout
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 2 * time.Second
	}
	if o.QueuedGrace <= 0 {
		o.QueuedGrace = time.Minute
	}
}

// Service is the notification context: the fan-out of enqueued messages,
// one dispatcher per external channel, the inbox and the administrators'
// dead-letter list. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	bus  *bus.Bus
	dir  Directory
	log  *slog.Logger
	opts Options

	senders map[Channel]Sender
	msgs    *messageCache

	mu      sync.Mutex
	started bool
	stops   []func()
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	kick    map[Channel]chan struct{}
}

// New returns the service. Deps.DB and Deps.Bus are required; a nil
// Directory means every recipient gets the default language and no
// address (inbox only).
func New(d Deps, o Options) (*Service, error) {
	if d.DB == nil || d.Bus == nil {
		return nil, errors.New("notify: New needs a database and a bus")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	o.defaults()
	s := &Service{db: d.DB, bus: d.Bus, dir: d.Directory, log: d.Logger.With("context", "notify"), opts: o,
		senders: map[Channel]Sender{}, msgs: newMessageCache(), kick: map[Channel]chan struct{}{}}
	for ch, snd := range map[Channel]Sender{SMS: o.SMS, Email: o.Email, Webhook: o.Webhook} {
		if snd != nil {
			s.senders[ch] = snd
		}
	}
	for _, ch := range external {
		s.kick[ch] = make(chan struct{}, 1)
	}
	return s, nil
}

// Durable consumer names on the bus.
const (
	durableFanout = "notify-fanout"
	durablePrefix = "notify-"
)

// Start subscribes the fan-out and one dispatcher per channel to the bus
// (durable consumers "notify-fanout", "notify-sms", "notify-email",
// "notify-webhook", each with Workers subscriptions) and starts each channel's sweeper,
// which retries failed deliveries when their backoff ends and resolves
// deliveries a crashed process left "sending" by asking the provider.
// The app calls it after the bus relay is started; Stop (or ctx ending)
// stops it all.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("notify: started twice")
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	for range s.opts.Workers {
		stop, err := s.bus.Subscribe(ctx, durableFanout, EventMessageQueued, s.handleQueued,
			bus.Retry(20, time.Second, 5*time.Second, 30*time.Second, 2*time.Minute))
		if err != nil {
			s.stopLocked()
			return fmt.Errorf("notify: %w", err)
		}
		s.stops = append(s.stops, stop)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.sweepFanouts(ctx)
	}()
	for _, ch := range external {
		d := &dispatcher{s: s, ch: ch, snd: s.senders[ch]}
		for range s.opts.Workers {
			stop, err := s.bus.Subscribe(ctx, durablePrefix+string(ch), dispatchEvent(ch), d.handle,
				bus.Retry(20, time.Second, 5*time.Second, 30*time.Second))
			if err != nil {
				s.stopLocked()
				return fmt.Errorf("notify: %w", err)
			}
			s.stops = append(s.stops, stop)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			d.sweep(ctx, s.kick[ch])
		}()
	}
	return nil
}

// Stop stops the consumers and sweepers, letting sends in flight finish.
func (s *Service) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Service) stopLocked() {
	for _, f := range s.stops {
		f()
	}
	s.stops = nil
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// Sweep runs one pass of the sweepers now: unfinished fan-outs are
// finished, expired claims resolved by asking the providers, due retries
// sent. The started service sweeps every SweepInterval on its own; Sweep
// is for tests and tools.
func (s *Service) Sweep(ctx context.Context) error {
	errList := []error{s.sweepFanoutsOnce(ctx)}
	for _, ch := range external {
		d := &dispatcher{s: s, ch: ch, snd: s.senders[ch]}
		errList = append(errList, d.sweepOnce(ctx))
	}
	return errors.Join(errList...)
}

// wake makes channel ch's sweeper run soon (after a retry was scheduled).
func (s *Service) wake(ch Channel) {
	if k := s.kick[ch]; k != nil {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}
