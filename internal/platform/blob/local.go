package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// Local is a Store in a directory of the local file system. A blob lives at
// <dir>/sha256/ab/cd/<hex>, where ab and cd are the first two pairs of hex
// digits; uploads are spooled in <dir>/tmp, which must be on the same file
// system. Several processes may share one directory.
type Local struct {
	dir     string
	maxSize int64
}

// NewLocal returns a Local store in dir, creating the directory if needed.
// Of opts it uses only MaxSize.
func NewLocal(dir string, opts Options) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	for _, d := range []string{abs, filepath.Join(abs, "tmp"), filepath.Join(abs, "sha256")} {
		if err := os.MkdirAll(d, dirPerm); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	return &Local{dir: abs, maxSize: opts.MaxSize}, nil
}

// Dir returns the store's absolute directory.
func (l *Local) Dir() string { return l.dir }

func (l *Local) path(sha string) string {
	return filepath.Join(l.dir, "sha256", sha[0:2], sha[2:4], sha)
}

// Put implements Store. The blob is written to a temporary file, synced,
// renamed into place and its directory synced, so a Ref returned by Put
// survives a crash or power loss. Concurrent Puts of the same content are
// safe: each renames a complete copy onto the same name.
func (l *Local) Put(ctx context.Context, r io.Reader) (ref Ref, err error) {
	tmp, err := os.CreateTemp(filepath.Join(l.dir, "tmp"), "put-*")
	if err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	ref, err = spool(ctx, tmp, r, l.maxSize)
	if err != nil {
		return Ref{}, wrapIO(err)
	}
	final := l.path(ref.SHA256)
	if fi, err := os.Stat(final); err == nil && fi.Size() == ref.Size {
		// Already stored: keep the existing copy. A concurrent Put may have
		// renamed it in without syncing the directory yet, so sync it before
		// acknowledging. A copy of the wrong size (damaged by something
		// outside this package) is replaced below.
		if err := syncDir(filepath.Dir(final)); err != nil {
			return Ref{}, err
		}
		return ref, nil
	}
	if err := tmp.Chmod(filePerm); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	if err := l.mkdirs(ref.SHA256); err != nil {
		return Ref{}, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	renamed = true
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// mkdirs creates the fan-out directories of sha and syncs the parent of each
// one it creates, so that the new directory entries are durable too.
func (l *Local) mkdirs(sha string) error {
	parent := filepath.Join(l.dir, "sha256")
	for _, name := range []string{sha[0:2], sha[2:4]} {
		d := filepath.Join(parent, name)
		err := os.Mkdir(d, dirPerm)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return err
			}
		case !errors.Is(err, fs.ErrExist):
			return fmt.Errorf("blob: %w", err)
		}
		parent = d
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob: sync %s: %w", dir, err)
	}
	return nil
}

// Open implements Store.
func (l *Local) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := checkHash(sha); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(sha))
	if err != nil {
		return nil, wrapIO(err, sha)
	}
	return f, nil
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, sha string) (Ref, error) {
	if err := checkHash(sha); err != nil {
		return Ref{}, err
	}
	fi, err := os.Stat(l.path(sha))
	if err != nil {
		return Ref{}, wrapIO(err, sha)
	}
	return Ref{SHA256: sha, Size: fi.Size()}, nil
}

// Ping implements Store: it checks that a file can be created in the store.
func (l *Local) Ping(ctx context.Context) error {
	f, err := os.CreateTemp(filepath.Join(l.dir, "tmp"), "ping-*")
	if err != nil {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("blob: %w", err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// Walk implements Store. It visits blobs in hash order and skips files that
// are not blobs.
func (l *Local) Walk(ctx context.Context, fn func(Ref) error) error {
	root := filepath.Join(l.dir, "sha256")
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("blob: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		sha := d.Name()
		if !ValidHash(sha) || l.path(sha) != path {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("blob: %w", err)
		}
		return fn(Ref{SHA256: sha, Size: fi.Size()})
	})
}

// wrapIO classifies a file-system error: a missing file is NotFound,
// errors already classified pass through, the rest stay internal.
func wrapIO(err error, sha ...string) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	if errors.Is(err, fs.ErrNotExist) && len(sha) > 0 {
		return notFound(sha[0], err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("blob: %w", err)
}
