package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations creates blob_inline, the table of an Inline store. It depends
// on no other set.
var Migrations = sqldb.Embedded("blob", migrationsFS)

// DefaultInlineMax is the largest blob an Inline store keeps in the
// database unless told otherwise: 64 KiB, the size under which SQLite
// reads and writes a blob faster than the file system does
// (sqlite.org/intern-v-extern-blob.html finds the break-even near 100 KB
// at 4 KiB pages). It covers scanned notices, receipts, signatures and
// small PDFs; photos and recordings go to the file store.
const DefaultInlineMax = 64 << 10

// Inline is a Store that keeps small blobs in the database and the rest in
// another Store.
//
// Creating a file is the dearest part of storing a small blob: a temporary
// file, its fsync, two fan-out directories, a rename and the directory's
// fsync cost more CPU than the transaction that records the upload
// (measured on ext4: 0.75–1.2 ms per file). A row in blob_inline costs a
// B-tree insert in a transaction that the group commit shares with others.
// It is also atomic: a blob is durable exactly when its row is, and at
// SQLite's synchronous=NORMAL the write-ahead log is replayed in commit
// order, so a recovered row that names a blob implies the blob's row,
// which committed first.
//
// Put must not be called inside a sqldb transaction function: it runs a
// transaction of its own (on SQLite, with one writer, that would wait for
// itself). Every Store method takes the same arguments and gives the same
// errors as the other stores; Walk lists the inline blobs, then the others.
type Inline struct {
	db      *sqldb.DB
	large   Store
	max     int64 // the largest blob kept inline
	maxSize int64 // Options.MaxSize: the largest blob accepted at all
}

// NewInline keeps blobs of up to max bytes (0 means DefaultInlineMax) in
// db, which must have Migrations applied, and passes larger ones to large.
// opts.MaxSize is the largest blob Put accepts (0: no limit); give large
// the same limit.
func NewInline(db *sqldb.DB, large Store, max int64, opts Options) *Inline {
	if max <= 0 {
		max = DefaultInlineMax
	}
	return &Inline{db: db, large: large, max: max, maxSize: opts.MaxSize}
}

// Large returns the store that holds the blobs too large to keep inline.
func (s *Inline) Large() Store { return s.large }

// Put implements Store. It reads up to the inline limit into memory; content
// that ends within it is stored in the database, longer content streams
// on to the large store.
func (s *Inline) Put(ctx context.Context, r io.Reader) (Ref, error) {
	buf := make([]byte, 0, min(s.max+1, 32<<10))
	b := bytes.NewBuffer(buf)
	n, err := io.Copy(b, io.LimitReader(ctxReader{ctx, r}, s.max+1))
	if err != nil {
		return Ref{}, wrapIO(err)
	}
	if n > s.max {
		return s.large.Put(ctx, io.MultiReader(b, r))
	}
	if s.maxSize > 0 && n > s.maxSize {
		return Ref{}, tooLarge(s.maxSize)
	}
	var ref Ref
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		ref, err = insertInline(ctx, tx, b.Bytes())
		return err
	})
	if err != nil {
		return Ref{}, fmt.Errorf("blob: inline: %w", err)
	}
	return ref, nil
}

// TxPutter is a Store that can keep a small blob in the caller's own
// database transaction, so that the blob commits with the rows that name
// it, in one transaction instead of two.
type TxPutter interface {
	Store
	// Inlines reports whether a blob of size bytes is kept in the
	// database, and so may be stored with PutTx.
	Inlines(size int64) bool
	// PutTx stores data, for which Inlines(len(data)) holds, in tx. The
	// blob exists only if tx commits. Errors: errs.Invalid "too_large"
	// when Inlines does not hold; the database's errors.
	PutTx(ctx context.Context, tx *sqldb.Tx, data []byte) (Ref, error)
}

// Inlines implements TxPutter.
func (s *Inline) Inlines(size int64) bool {
	return size <= s.max && (s.maxSize <= 0 || size <= s.maxSize)
}

// PutTx implements TxPutter.
func (s *Inline) PutTx(ctx context.Context, tx *sqldb.Tx, data []byte) (Ref, error) {
	if !s.Inlines(int64(len(data))) {
		return Ref{}, tooLarge(min(s.max, max(s.maxSize, 0)))
	}
	ref, err := insertInline(ctx, tx, data)
	if err != nil {
		return Ref{}, fmt.Errorf("blob: inline: %w", err)
	}
	return ref, nil
}

func insertInline(ctx context.Context, tx *sqldb.Tx, data []byte) (Ref, error) {
	h := sha256.Sum256(data)
	ref := Ref{SHA256: hex.EncodeToString(h[:]), Size: int64(len(data))}
	_, err := tx.Exec(ctx, `INSERT INTO blob_inline (sha256, size, data, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, ref.SHA256, ref.Size, data, tx.Now)
	return ref, err
}

// Open implements Store.
func (s *Inline) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := checkHash(sha); err != nil {
		return nil, err
	}
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT data FROM blob_inline WHERE sha256 = ?`, sha).Scan(&data)
	switch {
	case err == nil:
		return io.NopCloser(bytes.NewReader(data)), nil
	case errors.Is(err, errs.ErrNotFound):
		return s.large.Open(ctx, sha)
	default:
		return nil, fmt.Errorf("blob: inline: %w", err)
	}
}

// Stat implements Store.
func (s *Inline) Stat(ctx context.Context, sha string) (Ref, error) {
	if err := checkHash(sha); err != nil {
		return Ref{}, err
	}
	var size int64
	err := s.db.QueryRow(ctx, `SELECT size FROM blob_inline WHERE sha256 = ?`, sha).Scan(&size)
	switch {
	case err == nil:
		return Ref{SHA256: sha, Size: size}, nil
	case errors.Is(err, errs.ErrNotFound):
		return s.large.Stat(ctx, sha)
	default:
		return Ref{}, fmt.Errorf("blob: inline: %w", err)
	}
}

// Ping implements Store: the database and the large store.
func (s *Inline) Ping(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("blob: inline: %w", err))
	}
	return s.large.Ping(ctx)
}

// walkPage is how many inline blobs Walk reads per query; fn runs between
// queries, so it may use the database itself.
const walkPage = 500

// Walk implements Store: the inline blobs in hash order, then the large
// store's.
func (s *Inline) Walk(ctx context.Context, fn func(Ref) error) error {
	after := ""
	for {
		refs, err := s.page(ctx, after)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(refs) < walkPage {
			break
		}
		after = refs[len(refs)-1].SHA256
	}
	return s.large.Walk(ctx, fn)
}

func (s *Inline) page(ctx context.Context, after string) ([]Ref, error) {
	rows, err := s.db.Query(ctx, `SELECT sha256, size FROM blob_inline WHERE sha256 > ? ORDER BY sha256 LIMIT ?`, after, walkPage)
	if err != nil {
		return nil, fmt.Errorf("blob: inline: %w", err)
	}
	defer rows.Close()
	var refs []Ref
	for rows.Next() {
		var r Ref
		if err := rows.Scan(&r.SHA256, &r.Size); err != nil {
			return nil, fmt.Errorf("blob: inline: %w", err)
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("blob: inline: %w", err)
	}
	return refs, nil
}
