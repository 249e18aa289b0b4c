package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// newStoreFunc opens an empty store of the backend under test.
type newStoreFunc func(t *testing.T, opts Options) Store

// testStore is the conformance suite every backend must pass.
func testStore(t *testing.T, newStore newStoreFunc) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t, Options{})
		tests := []struct {
			content string
			want    Ref
		}{
			{"hello", Ref{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", 5}},
			{"", Ref{"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0}},
			{"起诉状\n", refOf([]byte("起诉状\n"))},
		}
		for _, tt := range tests {
			got, err := s.Put(ctx, strings.NewReader(tt.content))
			if err != nil {
				t.Fatalf("Put(%q): %v", tt.content, err)
			}
			if got != tt.want {
				t.Errorf("Put(%q) = %+v, want %+v", tt.content, got, tt.want)
			}
			if body := readAll(t, s, got.SHA256); body != tt.content {
				t.Errorf("Open(%s) content = %q, want %q", got.SHA256, body, tt.content)
			}
			st, err := s.Stat(ctx, got.SHA256)
			if err != nil || st != tt.want {
				t.Errorf("Stat(%s) = %+v, %v; want %+v", got.SHA256, st, err, tt.want)
			}
		}
	})

	t.Run("Dedup", func(t *testing.T) {
		s := newStore(t, Options{})
		first, err := s.Put(ctx, strings.NewReader("same bytes"))
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Put(ctx, strings.NewReader("same bytes"))
		if err != nil {
			t.Fatal(err)
		}
		if first != second {
			t.Errorf("second Put = %+v, want %+v", second, first)
		}
		if got := walkAll(t, s); !cmp.Equal(got, []Ref{first}) {
			t.Errorf("Walk = %+v, want %+v", got, []Ref{first})
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t, Options{})
		missing := refOf([]byte("never stored")).SHA256
		if _, err := s.Open(ctx, missing); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Open(missing) error = %v, want not found", err)
		}
		if _, err := s.Stat(ctx, missing); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("Stat(missing) error = %v, want not found", err)
		}
	})

	t.Run("BadHash", func(t *testing.T) {
		s := newStore(t, Options{})
		good := refOf([]byte("x")).SHA256
		for _, h := range []string{
			"", "abc", strings.ToUpper(good), good + "0", good[:63],
			"../../../../../../../../../../../../../../../../../../etc/passwd",
			strings.Repeat("g", 64), " " + good[1:],
		} {
			if _, err := s.Open(ctx, h); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("Open(%q) error = %v, want invalid", h, err)
			}
			if _, err := s.Stat(ctx, h); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("Stat(%q) error = %v, want invalid", h, err)
			}
		}
	})

	t.Run("MaxSize", func(t *testing.T) {
		s := newStore(t, Options{MaxSize: 10})
		if _, err := s.Put(ctx, strings.NewReader("0123456789")); err != nil {
			t.Fatalf("Put of exactly MaxSize: %v", err)
		}
		_, err := s.Put(ctx, strings.NewReader("0123456789A"))
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Fields) != 1 || e.Fields[0].Code != "too_large" {
			t.Fatalf("Put over MaxSize error = %v, want invalid with field code too_large", err)
		}
		if got := len(walkAll(t, s)); got != 1 {
			t.Errorf("Walk found %d blobs, want 1 (the rejected one must not be stored)", got)
		}
	})

	t.Run("LargeStreamed", func(t *testing.T) {
		if testing.Short() {
			t.Skip("20 MiB upload skipped in -short mode")
		}
		s := newStore(t, Options{})
		const size = 20 << 20
		want := Ref{SHA256: hashOf(t, generated(size)), Size: size}
		got, err := s.Put(ctx, generated(size))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("Put = %+v, want %+v", got, want)
		}
		rc, err := s.Open(ctx, got.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if read := hashOf(t, rc); read != want.SHA256 {
			t.Errorf("content read back hashes to %s, want %s", read, want.SHA256)
		}
	})

	t.Run("Walk", func(t *testing.T) {
		s := newStore(t, Options{})
		var want []Ref
		for i := range 5 {
			ref, err := s.Put(ctx, strings.NewReader(fmt.Sprintf("blob %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, ref)
		}
		sortRefs(want)
		if got := walkAll(t, s); !cmp.Equal(got, want) {
			t.Errorf("Walk mismatch (-got +want):\n%s", cmp.Diff(got, want))
		}
		stop := errors.New("stop")
		calls := 0
		err := s.Walk(ctx, func(Ref) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("Walk with failing fn = %v after %d calls, want %v after 1", err, calls, stop)
		}
	})

	t.Run("Copy", func(t *testing.T) {
		src := newStore(t, Options{})
		var want []Ref
		for i := range 3 {
			ref, err := src.Put(ctx, strings.NewReader(fmt.Sprintf("exhibit %d", i)))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, ref)
		}
		sortRefs(want)
		for _, dir := range []string{"to local", "from local"} {
			t.Run(dir, func(t *testing.T) {
				dst, err := NewLocal(t.TempDir(), Options{})
				if err != nil {
					t.Fatal(err)
				}
				from, to := src, Store(dst)
				if dir == "from local" {
					if _, err := Copy(ctx, dst, src); err != nil {
						t.Fatal(err)
					}
					from, to = dst, newStore(t, Options{})
				}
				n, err := Copy(ctx, to, from)
				if err != nil || n != 3 {
					t.Fatalf("Copy = %d, %v; want 3, nil", n, err)
				}
				if got := walkAll(t, to); !cmp.Equal(got, want) {
					t.Errorf("after Copy (-got +want):\n%s", cmp.Diff(got, want))
				}
				if got := readAll(t, to, want[0].SHA256); refOf([]byte(got)) != want[0] {
					t.Errorf("copied blob content does not match its hash")
				}
				n, err = Copy(ctx, to, from)
				if err != nil || n != 0 {
					t.Errorf("second Copy = %d, %v; want 0, nil", n, err)
				}
			})
		}
	})

	t.Run("ConcurrentSameContent", func(t *testing.T) {
		s := newStore(t, Options{})
		content := bytes.Repeat([]byte("concurrent "), 100_000)
		want := refOf(content)
		const n = 8
		var wg sync.WaitGroup
		refs := make([]Ref, n)
		errors := make([]error, n)
		for i := range n {
			wg.Go(func() { refs[i], errors[i] = s.Put(ctx, bytes.NewReader(content)) })
		}
		wg.Wait()
		for i := range n {
			if errors[i] != nil || refs[i] != want {
				t.Errorf("Put #%d = %+v, %v; want %+v", i, refs[i], errors[i], want)
			}
		}
		if got := walkAll(t, s); !cmp.Equal(got, []Ref{want}) {
			t.Errorf("Walk = %+v, want %+v", got, []Ref{want})
		}
		if got := readAll(t, s, want.SHA256); got != string(content) {
			t.Errorf("content after concurrent Puts differs (len %d, want %d)", len(got), len(content))
		}
	})

	t.Run("Ping", func(t *testing.T) {
		if err := newStore(t, Options{}).Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})

	t.Run("CanceledContext", func(t *testing.T) {
		s := newStore(t, Options{})
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Put(cctx, strings.NewReader("late")); !errors.Is(err, context.Canceled) {
			t.Errorf("Put with canceled context error = %v, want context.Canceled", err)
		}
		if got := len(walkAll(t, s)); got != 0 {
			t.Errorf("Walk found %d blobs after a canceled Put, want 0", got)
		}
	})
}

func refOf(b []byte) Ref {
	h := sha256.Sum256(b)
	return Ref{SHA256: hex.EncodeToString(h[:]), Size: int64(len(b))}
}

// generated returns size deterministic pseudo-random bytes produced on the
// fly, so a large test never holds them in memory.
func generated(size int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{'e', 'c', 'o', 'u', 'r', 't'}), size)
}

func hashOf(t *testing.T, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func readAll(t *testing.T, s Store, sha string) string {
	t.Helper()
	rc, err := s.Open(context.Background(), sha)
	if err != nil {
		t.Fatalf("Open(%s): %v", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", sha, err)
	}
	return string(b)
}

func walkAll(t *testing.T, s Store) []Ref {
	t.Helper()
	var refs []Ref
	if err := s.Walk(context.Background(), func(r Ref) error { refs = append(refs, r); return nil }); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	sortRefs(refs)
	return refs
}

func sortRefs(refs []Ref) {
	slices.SortFunc(refs, func(a, b Ref) int { return strings.Compare(a.SHA256, b.SHA256) })
}
