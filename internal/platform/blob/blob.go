// Package blob is the content-addressed store for documents and media. A blob
// is named by the SHA-256 of its bytes, so storing the same content twice
// keeps one copy, and a reference in the database (a Ref) can be checked
// against the bytes at any time.
//
// Two backends share one interface: Local, a directory in the data dir for
// the one-machine deployment, and S3, any S3-compatible object store for
// deployments with several app servers. Open picks one by URL.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Ref identifies a stored blob.
type Ref struct {
	SHA256 string // lowercase hex, 64 characters
	Size   int64  // bytes
}

// Store is a content-addressed blob store. Every method takes the hash as
// 64 lowercase hex digits; any other string gives an errs.Invalid error with
// the field code "sha256_format". A blob that does not exist gives an error
// for which errors.Is(err, errs.ErrNotFound) holds.
type Store interface {
	// Put stores the bytes read from r until EOF and returns their Ref. It
	// streams: memory use does not depend on the size of the content. Put
	// is idempotent: storing content that is already present returns the
	// same Ref and keeps one copy. When Put returns without error the blob
	// is durable. Content larger than Options.MaxSize gives an errs.Invalid
	// error with the field code "too_large" and stores nothing.
	Put(ctx context.Context, r io.Reader) (Ref, error)
	// Open returns the content of a blob. The caller must close it.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
	// Stat returns the Ref of a stored blob.
	Stat(ctx context.Context, sha256 string) (Ref, error)
	// Ping reports whether the store is reachable and usable, for health
	// checks; a failure is an errs.Unavailable error.
	Ping(ctx context.Context) error
	// Walk calls fn for every stored blob, in no particular order. Walk
	// stops at, and returns, the first error fn returns.
	Walk(ctx context.Context, fn func(Ref) error) error
}

// Options configures a store opened by Open.
type Options struct {
	// MaxSize is the largest blob Put accepts, in bytes; 0 means no limit.
	MaxSize int64
	// AccessKey and SecretKey are the S3 credentials; see CredentialsFromEnv.
	AccessKey, SecretKey string
	// CreateBucket makes Open create the S3 bucket if it does not exist.
	CreateBucket bool
	// TempDir is where S3 Put spools an upload to hash it before sending
	// it; "" means os.TempDir(). Local stores spool inside their directory.
	TempDir string
}

// Open opens the store named by rawURL:
//
//   - file:///abs/path, or a plain file-system path: a Local store in that
//     directory, created if missing.
//   - s3://bucket?endpoint=host:port&region=r&secure=false&prefix=p/&lookup=path:
//     an S3 store. endpoint defaults to s3.amazonaws.com, secure to true,
//     lookup (path, dns or auto) to auto; prefix is prepended to every key.
//
// Open does not contact an S3 server unless opts.CreateBucket is set; use
// Ping to check the store at start-up.
func Open(ctx context.Context, rawURL string, opts Options) (Store, error) {
	switch {
	case rawURL == "":
		return nil, errors.New("blob: empty store URL")
	case strings.HasPrefix(rawURL, "file:"):
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("blob: store URL: %w", err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("blob: file URL %q names a host; want file:///abs/path", rawURL)
		}
		if u.Path == "" || !filepath.IsAbs(u.Path) {
			return nil, fmt.Errorf("blob: file URL %q has no absolute path; want file:///abs/path", rawURL)
		}
		return local(u.Path, opts)
	case strings.HasPrefix(rawURL, "s3:"):
		s, err := openS3(ctx, rawURL, opts)
		if err != nil {
			return nil, err
		}
		return s, nil
	case strings.Contains(rawURL, "://"):
		return nil, fmt.Errorf("blob: unsupported store URL %q; want file:// or s3://", rawURL)
	default:
		return local(rawURL, opts)
	}
}

// local avoids returning a nil *Local inside a non-nil Store.
func local(dir string, opts Options) (Store, error) {
	l, err := NewLocal(dir, opts)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// CredentialsFromEnv returns the S3 credentials from ECOURT_S3_ACCESS_KEY and
// ECOURT_S3_SECRET_KEY or, for secrets kept in files (Docker or Kubernetes
// secrets), from the files named by ECOURT_S3_ACCESS_KEY_FILE and
// ECOURT_S3_SECRET_KEY_FILE; one trailing newline of a file is dropped.
// Setting both a variable and its _FILE variant is an error. Unset
// variables give empty strings.
func CredentialsFromEnv() (accessKey, secretKey string, err error) {
	if accessKey, err = envOrFile("ECOURT_S3_ACCESS_KEY"); err != nil {
		return "", "", err
	}
	if secretKey, err = envOrFile("ECOURT_S3_SECRET_KEY"); err != nil {
		return "", "", err
	}
	return accessKey, secretKey, nil
}

func envOrFile(name string) (string, error) {
	v, hasV := os.LookupEnv(name)
	file, hasFile := os.LookupEnv(name + "_FILE")
	switch {
	case hasV && hasFile:
		return "", fmt.Errorf("blob: both %s and %s_FILE are set; set one", name, name)
	case hasFile:
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("blob: %s_FILE: %w", name, err)
		}
		s := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(s, "\r"), nil
	default:
		return v, nil
	}
}

// Copy copies every blob of src that dst lacks into dst and returns how many
// it copied. It checks each copied blob's hash, so a corrupt source blob is
// reported rather than copied. Copy can be run again after an interruption:
// it resumes where it stopped.
func Copy(ctx context.Context, dst, src Store) (n int, err error) {
	err = src.Walk(ctx, func(ref Ref) error {
		if _, err := dst.Stat(ctx, ref.SHA256); err == nil {
			return nil
		} else if !errors.Is(err, errs.ErrNotFound) {
			return err
		}
		rc, err := src.Open(ctx, ref.SHA256)
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err := dst.Put(ctx, rc)
		if err != nil {
			return fmt.Errorf("blob: copy %s: %w", ref.SHA256, err)
		}
		if got != ref {
			return fmt.Errorf("blob: copy %s: source content has hash %s and size %d, want size %d",
				ref.SHA256, got.SHA256, got.Size, ref.Size)
		}
		n++
		return nil
	})
	return n, err
}

// ValidHash reports whether s is a SHA-256 as Store methods take it: 64
// lowercase hex digits.
func ValidHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkHash(s string) error {
	if !ValidHash(s) {
		return errs.Fields(errs.Field("sha256", "sha256_format"))
	}
	return nil
}

func notFound(sha string, cause error) error {
	return &errs.Error{Code: errs.NotFound, Key: "error.not_found",
		Cause: fmt.Errorf("blob %s: %w", sha, cause)}
}

func tooLarge(max int64) error {
	return errs.Fields(errs.Field("file", "too_large", max))
}

// spool copies r into w while hashing, honouring ctx and the size limit
// max (0 = none), and returns the Ref of what it copied.
func spool(ctx context.Context, w io.Writer, r io.Reader, max int64) (Ref, error) {
	h := sha256.New()
	src := io.Reader(ctxReader{ctx, r})
	if max > 0 {
		src = io.LimitReader(src, max+1)
	}
	n, err := io.Copy(io.MultiWriter(w, h), src)
	if err != nil {
		return Ref{}, err
	}
	if max > 0 && n > max {
		return Ref{}, tooLarge(max)
	}
	return Ref{SHA256: sum(h), Size: n}, nil
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// ctxReader stops a long copy when the caller gives up.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
