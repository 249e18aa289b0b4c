package app

import (
	"context"
	"fmt"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/seal"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Tools is what the operator commands (token, audit, backup) need: the
// database and blob store without the bus or the HTTP server, so they can
// run beside a live server on the same data directory.
type Tools struct {
	cfg      Config
	DB       *sqldb.DB
	Blobs    blob.Store
	Identity *identity.Service
}

// OpenTools opens the database (migrating it) and the blob store.
func OpenTools(ctx context.Context, cfg Config) (*Tools, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	secret, err := loadSecret(cfg.SecretFile)
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, cfg.DatabaseURL, sqldb.Options{Synchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, migrationSets()...); err != nil {
		db.Close()
		return nil, err
	}
	bs, err := openBlobs(ctx, cfg, db, false)
	if err != nil {
		db.Close()
		return nil, err
	}
	t := &Tools{cfg: cfg, DB: db, Blobs: bs}
	t.Identity = identity.New(db, identity.NewDevSMS(cfg.Logger), identity.DevProvider{}, secret)
	return t, nil
}

// Close closes the database.
func (t *Tools) Close() { t.DB.Close() }

// VerifyAudit recomputes the audit chains.
func (t *Tools) VerifyAudit(ctx context.Context) (audit.Report, error) {
	return audit.Verify(ctx, t.DB)
}

// BackupResult says what Backup wrote.
type BackupResult struct {
	Dir      string
	Database string
	Blobs    int
}

// Backup writes a consistent copy of the database and the blobs into a new
// directory while the server runs. SQLite is copied with VACUUM INTO, which
// reads one snapshot of the database in a read transaction, so concurrent
// writers are neither blocked for long nor half-copied. Blobs are copied
// after the database: every blob the copied database refers to was stored
// before the row that names it was committed, so it is in the copy.
// PostgreSQL deployments back up the database with pg_dump or their
// provider's snapshots; Backup then copies the blobs only and says so.
func (t *Tools) Backup(ctx context.Context, dir string) (BackupResult, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return BackupResult{}, err
	}
	if entries, err := os.ReadDir(abs); err == nil && len(entries) > 0 {
		return BackupResult{}, fmt.Errorf("backup: %s is not empty", abs)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return BackupResult{}, err
	}
	res := BackupResult{Dir: abs}
	if t.DB.Dialect() == sqldb.SQLite {
		target := filepath.Join(abs, "ecourt.db")
		if _, err := t.DB.Exec(ctx, "VACUUM INTO '"+strings.ReplaceAll(target, "'", "''")+"'"); err != nil {
			return res, fmt.Errorf("backup: database: %w", err)
		}
		res.Database = target
	} else {
		res.Database = "not copied (PostgreSQL: use pg_dump)"
	}
	dst, err := blob.NewLocal(filepath.Join(abs, "blobs"), blob.Options{})
	if err != nil {
		return res, err
	}
	if res.Blobs, err = blob.Copy(ctx, dst, t.Blobs); err != nil {
		return res, fmt.Errorf("backup: blobs: %w", err)
	}
	if b, err := os.ReadFile(t.cfg.SecretFile); err == nil {
		if err := os.WriteFile(filepath.Join(abs, "secret.key"), b, 0o600); err != nil {
			return res, err
		}
	}
	note := fmt.Sprintf("ecourt backup\ntaken: %s\ndatabase: %s\nblobs: %d\n", time.Now().UTC().Format(time.RFC3339), res.Database, res.Blobs)
	return res, os.WriteFile(filepath.Join(abs, "BACKUP.txt"), []byte(note), 0o640)
}

// RotateSeal gives the court with the given code (e.g. 浙0225) a new
// electronic seal: a new key and certificate become active, the previous
// one is retired and keeps verifying what it sealed. A running server picks
// the new seal up at its next signature.
func (t *Tools) RotateSeal(ctx context.Context, courtCode string) (seal.Certificate, error) {
	courts := court.New(t.DB, nil)
	ct, err := courts.FindByCode(ctx, courtCode)
	if err != nil {
		return seal.Certificate{}, err
	}
	s, err := seal.New(ctx, t.DB, filepath.Join(t.cfg.DataDir, "keys", "seals"), courts, seal.Options{})
	if err != nil {
		return seal.Certificate{}, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{UserID: "operator:cli"})
	return s.Rotate(ctx, ct.ID)
}
