// Package app builds the platform and every context from a Config and owns
// the start and stop order. End-to-end tests run the real thing with New on
// port 0 and a temporary data directory.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/video"
)

var randRead = rand.Read

// App is a running ecourt: its stores, services and HTTP handler.
type App struct {
	cfg        Config
	listenURL  string // set by Listen
	closeMu    sync.Mutex
	closers    []func()   // started on first use (the video server); run by Close
	video      *liveRooms // the hearing rooms' media server, nil with --video none
	recMu      sync.Mutex
	recordings map[string]*video.Recording // hearing ID → its recorder while the session is open
	log        *slog.Logger
	clock      clock.Clock
	DB         *sqldb.DB
	Bus        *bus.Bus
	Blobs      blob.Store
	Jobs       *jobs.Runner
	secret     []byte
	handler    http.Handler
	svc        services
	metrics    *metrics
	patterns   []string // every registered route pattern

	ln       net.Listener
	srv      *http.Server
	relayCtx context.CancelFunc
	started  time.Time
}

// Option changes how New builds the app (tests inject a clock or an SMS
// provider).
type Option func(*App)

// WithClock makes every transaction take its time from c.
func WithClock(c clock.Clock) Option { return func(a *App) { a.clock = c } }

// Migrations lists every context's schema in dependency order.
func Migrations() []sqldb.MigrationSet {
	return migrationSets()
}

// New opens the database, bus and blob store, migrates the schema, seeds
// the reference data (and demo data in demo mode when the database is
// empty) and builds the HTTP handler. It does not listen; Run does.
func New(ctx context.Context, cfg Config, opts ...Option) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Logger, clock: clock.System{}, started: time.Now()}
	for _, o := range opts {
		o(a)
	}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	var err error
	if a.secret, err = loadSecret(cfg.SecretFile); err != nil {
		return nil, err
	}
	a.DB, err = sqldb.Open(ctx, cfg.DatabaseURL, sqldb.Options{Clock: a.clock, Synchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return nil, err
	}
	if err := a.DB.Migrate(ctx, migrationSets()...); err != nil {
		return nil, err
	}
	a.Bus, err = bus.Open(ctx, bus.Config{URL: cfg.NATSURL, DataDir: cfg.DataDir, Logger: a.log, SyncInterval: busSync(cfg, a.DB)})
	if err != nil {
		return nil, err
	}
	a.Blobs, err = openBlobs(ctx, cfg, a.DB, true)
	if err != nil {
		return nil, err
	}
	if err := a.buildServices(ctx); err != nil {
		return nil, err
	}
	if err := a.seed(ctx); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	a.metrics = newMetrics(a)
	if a.handler, err = a.routes(); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// Patterns returns every registered route pattern (for the OpenAPI test).
func (a *App) Patterns() []string { return a.patterns }

// Handler returns the app's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Listen binds the configured address (port 0 picks a free port) and
// returns the URL to open.
func (a *App) Listen() (string, error) {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return "", err
	}
	a.ln = ln
	url := "http://" + ln.Addr().String()
	a.listenURL = url
	a.svc.fees.SetBaseURL(url)
	return url, nil
}

// Run serves HTTP and relays the outbox until ctx ends, then shuts down
// gracefully: it stops accepting, drains in-flight requests (up to 15 s),
// flushes the outbox to the bus and closes everything.
func (a *App) Run(ctx context.Context) error {
	if a.ln == nil {
		if _, err := a.Listen(); err != nil {
			return err
		}
	}
	relayCtx, cancel := context.WithCancel(context.Background())
	a.relayCtx = cancel
	a.Bus.StartRelay(relayCtx, a.DB)
	a.Jobs.Start(relayCtx)
	stopFees, err := a.svc.fees.Subscribe(relayCtx, a.Bus)
	if err != nil {
		cancel()
		return err
	}
	defer stopFees()
	stopLedger, err := a.svc.ledger.Subscribe(relayCtx, a.Bus)
	if err != nil {
		cancel()
		return err
	}
	defer stopLedger()
	if err := a.svc.notify.Start(relayCtx); err != nil {
		cancel()
		return err
	}
	stopOutcomes, err := a.subscribeDeliveryOutcomes(relayCtx)
	if err != nil {
		cancel()
		return err
	}
	defer stopOutcomes()
	stopDocs, err := a.subscribeDocuments(relayCtx)
	if err != nil {
		cancel()
		return err
	}
	defer stopDocs()
	stopHearings, err := a.subscribeHearings(relayCtx)
	if err != nil {
		cancel()
		return err
	}
	defer stopHearings()
	stopEnforcement, err := a.subscribeEnforcement(relayCtx)
	if err != nil {
		cancel()
		return err
	}
	defer stopEnforcement()
	a.srv = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(a.ln) }()
	a.log.Info("ecourt ready", "url", "http://"+a.ln.Addr().String(), "database", string(a.DB.Dialect()),
		"demo", a.cfg.Demo, "startup", time.Since(a.started).Round(time.Millisecond).String())
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer scancel()
	if err := a.srv.Shutdown(sctx); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	// Job handlers may write outbox events: stop them before the final flush.
	if err := a.Jobs.Stop(sctx); err != nil {
		a.log.Warn("jobs stop", "err", err)
	}
	if err := a.Bus.Flush(sctx); err != nil {
		a.log.Warn("outbox flush", "err", err)
	}
	cancel()
	return nil
}

// onClose registers fn to run when the app closes, before the bus and
// database do.
func (a *App) onClose(fn func()) {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	a.closers = append(a.closers, fn)
}

// Close releases the bus, database and listener. It is safe after a failed New.
func (a *App) Close() {
	a.closeMu.Lock()
	closers := a.closers
	a.closers = nil
	a.closeMu.Unlock()
	for _, fn := range closers {
		fn()
	}
	if a.Jobs != nil {
		_ = a.Jobs.Stop(context.Background())
	}
	if a.relayCtx != nil {
		a.relayCtx()
	}
	if a.svc.ocr != nil {
		a.svc.ocr.Close()
	}
	if a.svc.sandbox != nil {
		a.svc.sandbox.Close()
	}
	if a.svc.notify != nil {
		a.svc.notify.Stop()
	}
	if a.ln != nil {
		a.ln.Close()
	}
	if a.Bus != nil {
		a.Bus.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}

// Ready checks the database, bus and blob store (for /readyz).
func (a *App) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return errors.Join(a.DB.Ping(ctx), a.Bus.Ping(ctx), a.Blobs.Ping(ctx))
}

// VerifyAudit recomputes the audit chains.
func (a *App) VerifyAudit(ctx context.Context) (audit.Report, error) { return audit.Verify(ctx, a.DB) }

// openBlobs opens the configured blob store and, unless cfg.BlobInlineMax
// is negative, keeps the small blobs in db (blob.Inline).
func openBlobs(ctx context.Context, cfg Config, db *sqldb.DB, create bool) (blob.Store, error) {
	opts := blob.Options{AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, CreateBucket: create}
	bs, err := blob.Open(ctx, cfg.BlobURL, opts)
	if err != nil || cfg.BlobInlineMax < 0 {
		return bs, err
	}
	return blob.NewInline(db, bs, cfg.BlobInlineMax, opts), nil
}

// normalBusSync is how often the embedded bus fsyncs when the database
// runs at synchronous=NORMAL: as often as the database's checkpoints
// (sqldb's checkpointer, every 100 ms under writes) make its own commits
// durable.
const normalBusSync = 100 * time.Millisecond

// busSync makes the embedded bus as durable as the database. At FULL (the
// default) and on PostgreSQL every stored event is fsynced before the
// relay marks it published. At NORMAL the operator chose speed over the
// last moments before a power loss: SQLite then syncs at checkpoints, not
// at commits, and the bus syncs at the same rhythm instead of once per
// event (an fsync per event was 9–12 % of a filing's CPU). Either way a
// process crash (kill -9) loses nothing acknowledged: both write every
// commit and every event to the operating system before answering.
func busSync(cfg Config, db *sqldb.DB) time.Duration {
	if db.Dialect() == sqldb.SQLite && strings.EqualFold(cfg.SQLiteSynchronous, "NORMAL") {
		return normalBusSync
	}
	return 0
}
