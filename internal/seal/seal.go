package seal

import (
	"context"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the seal schema (table seal_certificate). It needs
// audit.Migrations and bus.Migrations before it.
var Migrations = sqldb.Embedded("seal", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the seal message bundle (zh-CN.json, en.json): error
// messages and the verification problems ("seal.problem.<code>").
var Messages fs.FS = mustSub(messagesFS, "messages")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Kind tells the root from a court's seal certificate.
type Kind string

// The certificate kinds.
const (
	KindRoot  Kind = "root"
	KindCourt Kind = "court"
)

// Status is a certificate's state: active (the one a court seals with) or
// retired (replaced by Rotate; still valid for the documents it sealed
// before it was retired).
type Status string

// The statuses.
const (
	Active  Status = "active"
	Retired Status = "retired"
)

// Certificate is the record of a root or seal certificate. Name is the
// subject's common name: the court's name (or the root's).
type Certificate struct {
	ID          string     `json:"id"`
	Kind        Kind       `json:"kind"`
	CourtID     string     `json:"court_id,omitempty"`
	CourtCode   string     `json:"court_code,omitempty"`
	Name        string     `json:"name"`
	Serial      string     `json:"serial"`
	Fingerprint string     `json:"fingerprint"`
	Algorithm   Algorithm  `json:"algorithm"`
	NotBefore   time.Time  `json:"not_before"`
	NotAfter    time.Time  `json:"not_after"`
	Status      Status     `json:"status"`
	CreatedAt   time.Time  `json:"created_at"`
	RetiredAt   *time.Time `json:"retired_at,omitempty"`
	PEM         string     `json:"pem"`

	cert *x509.Certificate
}

// X509 returns the parsed certificate.
func (c Certificate) X509() *x509.Certificate { return c.cert }

// Courts is the part of the court context the seal uses: *court.Service
// satisfies it. A court's name and code go into its seal certificate.
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
}

// Options tune New. The zero value is valid.
type Options struct {
	// Algorithm of new keys (default ECDSAP256). Existing keys keep theirs.
	Algorithm Algorithm
	// RootName is the root's subject (default "ecourt 电子印章根证书").
	RootName string
	// RootValidity is the root's lifetime (default 30 years).
	RootValidity time.Duration
	// SealValidity is a court seal's lifetime (default 5 years; never past
	// the root's end).
	SealValidity time.Duration
	// RenewBefore: Sign rotates a court's seal automatically when it would
	// expire within this period (default 30 days).
	RenewBefore time.Duration
	// Clock gives "now" for certificates and signing times; default the
	// database's clock.
	Clock clock.Clock
}

// Service is the court's electronic seal: the platform root CA, one seal
// certificate per court, PAdES signing and verification. It is safe for
// concurrent use.
type Service struct {
	db     *sqldb.DB
	keys   keyDir
	courts Courts
	opts   Options
	clock  clock.Clock

	root     keyPair
	rootRec  Certificate
	roots    *x509.CertPool
	rootPEM  []byte
	mu       sync.Mutex // serialises creating and rotating seals in this process
	keyCache sync.Map   // serial → keyPair
}

// New opens the seal directory dir (created with mode 0700 if missing) and
// the platform root in it, creating the root key and certificate on first
// start and recording the root in the database. It refuses to start when
// dir or a key file in it is accessible to group or others, when the key
// file does not match its certificate, or when the database records a
// different root than the directory holds (a seal directory from another
// installation). Court seals are created on first use (Sign, Active) and
// their keys stored in dir as well; back dir up with the database.
func New(ctx context.Context, db *sqldb.DB, dir string, courts Courts, opts Options) (*Service, error) {
	if opts.Algorithm == "" {
		opts.Algorithm = ECDSAP256
	}
	if opts.Algorithm != ECDSAP256 && opts.Algorithm != RSA2048 {
		return nil, fmt.Errorf("seal: unknown algorithm %q", opts.Algorithm)
	}
	if opts.RootName == "" {
		opts.RootName = "ecourt 电子印章根证书"
	}
	if opts.RootValidity <= 0 {
		opts.RootValidity = 30 * 365 * 24 * time.Hour
	}
	if opts.SealValidity <= 0 {
		opts.SealValidity = 5 * 365 * 24 * time.Hour
	}
	if opts.RenewBefore <= 0 {
		opts.RenewBefore = 30 * 24 * time.Hour
	}
	s := &Service{db: db, courts: courts, opts: opts, clock: opts.Clock}
	if s.clock == nil {
		s.clock = db.Clock()
	}
	var err error
	if s.keys, err = openKeyDir(dir); err != nil {
		return nil, err
	}
	if err := s.openRoot(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) openRoot(ctx context.Context) error {
	kp, err := s.keys.read(rootKeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		kp, err = newRoot(s.opts.Algorithm, s.opts.RootName, s.clock.Now(), s.opts.RootValidity)
		if err != nil {
			return err
		}
		if err = s.keys.write(rootKeyFile, kp); errors.Is(err, errExists) {
			kp, err = s.keys.read(rootKeyFile) // another process created it first
		}
	}
	if err != nil {
		return err
	}
	if !kp.cert.IsCA {
		return fmt.Errorf("seal: %s does not hold a CA certificate", s.keys.file(rootKeyFile))
	}
	rec := record(KindRoot, "", "", kp.cert, Active)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		rec.CreatedAt = tx.Now
		cur, err := activeCert(ctx, tx, KindRoot, "")
		if errs.CodeOf(err) == errs.NotFound {
			var inserted bool
			if inserted, err = insertRootIfAbsent(ctx, tx, rec); err != nil {
				return err
			}
			if inserted {
				if err := audit.Append(ctx, tx, audit.Record{Action: "seal.root.create", Target: rec.ID,
					Detail: map[string]any{"serial": rec.Serial, "fingerprint": rec.Fingerprint}}); err != nil {
					return err
				}
			}
			// Another process may have recorded its root first.
			cur, err = activeCert(ctx, tx, KindRoot, "")
		}
		if err != nil {
			return err
		}
		if cur.Fingerprint != rec.Fingerprint {
			return fmt.Errorf("seal: the root in %s (fingerprint %s) is not the root recorded in the database (%s); restore the seal directory that belongs to this database",
				s.keys.path, rec.Fingerprint, cur.Fingerprint)
		}
		rec = cur
		return nil
	})
	if err != nil {
		return err
	}
	s.root, s.rootRec = kp, rec
	s.rootRec.cert = kp.cert
	s.roots = x509.NewCertPool()
	s.roots.AddCert(kp.cert)
	s.rootPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.cert.Raw})
	return nil
}

// record makes the database record of a certificate.
func record(kind Kind, courtID, courtCode string, c *x509.Certificate, st Status) Certificate {
	return Certificate{
		ID: ids.New(), Kind: kind, CourtID: courtID, CourtCode: courtCode, Name: c.Subject.CommonName,
		Serial: serialHex(c.SerialNumber), Fingerprint: Fingerprint(c), Algorithm: algorithmOf(c),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), Status: st,
		PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})), cert: c,
	}
}

// Root returns the platform root certificate's record.
func (s *Service) Root() Certificate { return s.rootRec }

// RootPEM returns the root certificate in PEM, for publishing: whoever
// trusts it can check every seal of the platform.
func (s *Service) RootPEM() []byte { return append([]byte(nil), s.rootPEM...) }

// Active returns the court's active seal certificate, creating the court's
// first seal (key and certificate) when it has none. Errors: not_found
// when the court does not exist (from Courts.Find).
func (s *Service) Active(ctx context.Context, courtID string) (Certificate, error) {
	c, err := activeCert(ctx, s.db, KindCourt, courtID)
	if errs.CodeOf(err) == errs.NotFound {
		return s.create(ctx, courtID)
	}
	return c, err
}

// Certificates lists a court's seal certificates, oldest first, retired
// ones included.
func (s *Service) Certificates(ctx context.Context, courtID string) ([]Certificate, error) {
	return listCerts(ctx, s.db, courtID)
}

// create makes the court's first seal. A concurrent creation (another
// goroutine or process) wins harmlessly: the loser deletes its key file
// and returns the winner's certificate.
func (s *Service) create(ctx context.Context, courtID string) (Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, err := activeCert(ctx, s.db, KindCourt, courtID); err == nil {
		return c, nil
	}
	kp, ct, err := s.newCourtKey(ctx, courtID)
	if err != nil {
		return Certificate{}, err
	}
	rec := record(KindCourt, ct.ID, ct.Code, kp.cert, Active)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		rec.CreatedAt = tx.Now
		if _, err := activeCert(ctx, tx, KindCourt, courtID); err == nil {
			return errs.New(errs.Conflict, "")
		}
		if err := insertCert(ctx, tx, rec); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, rec, "seal.certificate.create", "ecourt.seal.certificate.created", nil)
	})
	if errs.CodeOf(err) == errs.Conflict {
		s.keys.remove(courtKeyFile(rec.Serial))
		return activeCert(ctx, s.db, KindCourt, courtID)
	}
	if err != nil {
		s.keys.remove(courtKeyFile(rec.Serial))
		return Certificate{}, err
	}
	s.keyCache.Store(rec.Serial, kp)
	return rec, nil
}

// Rotate gives the court a new seal: a new key and certificate become
// active and the previous one is retired. Documents sealed before keep
// verifying against the retired certificate; documents sealed afterwards
// use the new one. It writes the audit entry "seal.certificate.rotate" and
// the event ecourt.seal.certificate.rotated {court_id, certificate_id,
// serial, retired_serial}. Rotate checks no permission: it is for the
// operator (a command, or an administrator route the app guards).
// Errors: not_found when the court does not exist.
func (s *Service) Rotate(ctx context.Context, courtID string) (Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rotate(ctx, courtID, "rotate")
}

func (s *Service) rotate(ctx context.Context, courtID, why string) (Certificate, error) {
	kp, ct, err := s.newCourtKey(ctx, courtID)
	if err != nil {
		return Certificate{}, err
	}
	rec := record(KindCourt, ct.ID, ct.Code, kp.cert, Active)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		rec.CreatedAt = tx.Now
		old, err := lockActive(ctx, tx, KindCourt, courtID)
		retired := ""
		switch {
		case err == nil:
			if err := retireCert(ctx, tx, old.ID, tx.Now); err != nil {
				return err
			}
			retired = old.Serial
		case errs.CodeOf(err) != errs.NotFound:
			return err
		}
		if err := insertCert(ctx, tx, rec); err != nil {
			return err
		}
		return s.recordChange(ctx, tx, rec, "seal.certificate.rotate", "ecourt.seal.certificate.rotated",
			map[string]any{"retired_serial": retired, "reason": why})
	})
	if err != nil {
		s.keys.remove(courtKeyFile(rec.Serial))
		return Certificate{}, err
	}
	s.keyCache.Store(rec.Serial, kp)
	return rec, nil
}

// newCourtKey creates and stores a new key and certificate for the court.
func (s *Service) newCourtKey(ctx context.Context, courtID string) (keyPair, court.Court, error) {
	if s.courts == nil {
		return keyPair{}, court.Court{}, errors.New("seal: no court directory")
	}
	ct, err := s.courts.Find(ctx, courtID)
	if err != nil {
		return keyPair{}, court.Court{}, err
	}
	kp, err := newCourtCert(s.opts.Algorithm, s.root, ct.NameZH, ct.Code, s.clock.Now(), s.opts.SealValidity)
	if err != nil {
		return keyPair{}, court.Court{}, err
	}
	if err := s.keys.write(courtKeyFile(serialHex(kp.cert.SerialNumber)), kp); err != nil {
		return keyPair{}, court.Court{}, err
	}
	return kp, ct, nil
}

// recordChange writes the audit entry and the outbox event of a new seal.
func (s *Service) recordChange(ctx context.Context, tx *sqldb.Tx, rec Certificate, action, event string, extra map[string]any) error {
	detail := map[string]any{"certificate_id": rec.ID, "court_id": rec.CourtID, "serial": rec.Serial,
		"fingerprint": rec.Fingerprint, "not_after": rec.NotAfter}
	for k, v := range extra {
		detail[k] = v
	}
	if err := audit.Append(ctx, tx, audit.Record{Action: action, CourtID: rec.CourtID, Target: rec.ID, Detail: detail}); err != nil {
		return err
	}
	ev := bus.NewEvent(event, detail)
	ev.CourtID, ev.Actor = rec.CourtID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}

// signingKey returns the key pair of the court's active seal, creating the
// seal on first use and renewing it when it expires within RenewBefore.
func (s *Service) signingKey(ctx context.Context, courtID string) (Certificate, keyPair, error) {
	c, err := s.Active(ctx, courtID)
	if err != nil {
		return Certificate{}, keyPair{}, err
	}
	if !s.clock.Now().Before(c.NotAfter.Add(-s.opts.RenewBefore)) {
		s.mu.Lock()
		cur, err := activeCert(ctx, s.db, KindCourt, courtID)
		if err == nil && cur.Serial == c.Serial {
			cur, err = s.rotate(ctx, courtID, "renewal")
		}
		s.mu.Unlock()
		if err != nil {
			return Certificate{}, keyPair{}, err
		}
		c = cur
	}
	kp, err := s.courtKey(c.Serial)
	return c, kp, err
}

// courtKey loads (and caches) the key pair of a court seal.
func (s *Service) courtKey(serial string) (keyPair, error) {
	if v, ok := s.keyCache.Load(serial); ok {
		return v.(keyPair), nil
	}
	kp, err := s.keys.read(courtKeyFile(serial))
	if err != nil {
		return keyPair{}, errs.Wrap(errs.Unavailable, "seal.error.key_unavailable", err)
	}
	s.keyCache.Store(serial, kp)
	return kp, nil
}
