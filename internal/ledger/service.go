package ledger

import (
	"crypto/ed25519"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/web"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the ledger schema (tables ledger_*). It references no other
// context's tables; SignTreeHead writes an outbox event, so the app also
// needs bus.Migrations, and the tree-head job needs jobs.Migrations.
var Migrations = sqldb.Embedded("ledger", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the ledger message bundle (zh-CN.json, en.json): API errors,
// field codes and the verification messages of VerifyFile and the CLI.
var Messages fs.FS = mustSub(messagesFS, "messages")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// DefaultOrigin is the log's name when WithOrigin is not given. A
// deployment should name its log after its public host
// ("court.example.cn/ledger"): the origin is the first line of every signed
// tree head and the name of the signing key.
const DefaultOrigin = "ecourt/ledger"

// DefaultInterval is how often the tree-head job looks for growth.
const DefaultInterval = time.Minute

// Option configures New.
type Option func(*Service)

// WithOrigin names the log (see DefaultOrigin): non-empty, no spaces, no
// '+'. Changing it later is allowed (each head carries its origin), but
// verifiers pinned to the old name will have to be told.
func WithOrigin(origin string) Option { return func(s *Service) { s.origin = origin } }

// WithInterval sets how often the tree-head job runs (default 1 minute,
// at least 1 second). It signs only when the tree grew.
func WithInterval(d time.Duration) Option { return func(s *Service) { s.interval = d } }

// WithRateLimiter replaces the limiter of the public HTTP routes (default:
// per client IP, bursts of 30, then 2 requests per second: enough for a
// person verifying files and for monitors polling tree heads).
func WithRateLimiter(l *web.RateLimiter) Option { return func(s *Service) { s.limiter = l } }

// WithLogger sets the logger for integrity alarms (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// Service is the evidence and document ledger. It is safe for concurrent
// use, also by several processes on one database.
type Service struct {
	db       *sqldb.DB
	priv     ed25519.PrivateKey
	pub      ed25519.PublicKey
	keyID    [32]byte
	origin   string
	interval time.Duration
	limiter  *web.RateLimiter
	log      *slog.Logger
}

// New returns the ledger on db, signing with the key in keyDir (created on
// first start; see LoadOrCreateKey, whose errors it returns). It fails on
// an invalid origin or interval.
func New(db *sqldb.DB, keyDir string, opts ...Option) (*Service, error) {
	s := &Service{db: db, origin: DefaultOrigin, interval: DefaultInterval}
	for _, o := range opts {
		o(s)
	}
	if !validKeyName(s.origin) {
		return nil, fmt.Errorf("ledger: origin %q: must be non-empty, without spaces or '+'", s.origin)
	}
	if s.interval < time.Second {
		return nil, fmt.Errorf("ledger: tree-head interval %s is below 1s", s.interval)
	}
	priv, err := LoadOrCreateKey(keyDir)
	if err != nil {
		return nil, err
	}
	s.priv, s.pub = priv, priv.Public().(ed25519.PublicKey)
	s.keyID = KeyID(s.pub)
	if s.limiter == nil {
		s.limiter = web.NewRateLimiter(rate.Every(500*time.Millisecond), 30)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("component", "ledger")
	return s, nil
}

// Origin returns the log's name.
func (s *Service) Origin() string { return s.origin }

// PublicKey returns the log's current public key.
func (s *Service) PublicKey() ed25519.PublicKey { return append(ed25519.PublicKey(nil), s.pub...) }

// KeyID returns the ID of the log's current key (SHA-256 of the public key).
func (s *Service) KeyID() [32]byte { return s.keyID }
