package blob

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocal(t *testing.T) {
	testStore(t, func(t *testing.T, opts Options) Store {
		s, err := NewLocal(t.TempDir(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLocalLayout(t *testing.T) {
	dir := t.TempDir()
	s, err := NewLocal(dir, Options{MaxSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := s.Put(ctx, strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, strings.NewReader(strings.Repeat("x", 101))); err == nil {
		t.Fatal("Put over MaxSize succeeded")
	}

	path := filepath.Join(dir, "sha256", "2c", "f2", ref.SHA256)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("blob not at %s: %v", path, err)
	}
	if got, want := fi.Mode().Perm(), fs.FileMode(0o640); got != want {
		t.Errorf("blob mode = %v, want %v", got, want)
	}
	for _, d := range []string{"sha256", "sha256/2c", "sha256/2c/f2", "tmp"} {
		fi, err := os.Stat(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		// The umask may only remove bits.
		if got := fi.Mode().Perm(); got&^0o750 != 0 {
			t.Errorf("%s mode = %v, want at most 0750", d, got)
		}
	}
	left, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("tmp holds %d files after Put, want 0", len(left))
	}

	// Files that are not blobs are not reported by Walk.
	if err := os.WriteFile(filepath.Join(dir, "sha256", "2c", "f2", "notes.txt"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	misplaced := strings.Repeat("a", 64)
	if err := os.WriteFile(filepath.Join(dir, "sha256", "2c", "f2", misplaced), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if got := walkAll(t, s); len(got) != 1 || got[0] != ref {
		t.Errorf("Walk = %+v, want only %+v", got, ref)
	}
}

func TestLocalRepairsDamagedCopy(t *testing.T) {
	dir := t.TempDir()
	s, err := NewLocal(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := s.Put(ctx, strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(s.path(ref.SHA256), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, ref.SHA256); got != "hello" {
		t.Errorf("content after re-Put = %q, want %q", got, "hello")
	}
}
