package blob

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// fakeS3 starts an in-process S3 server with an in-memory backend and
// returns its host:port.
func fakeS3(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

var bucketSeq atomic.Int64

func TestS3(t *testing.T) {
	endpoint := fakeS3(t)
	testStore(t, func(t *testing.T, opts Options) Store {
		opts.AccessKey, opts.SecretKey = "test-access", "test-secret"
		opts.CreateBucket = true
		opts.TempDir = t.TempDir()
		s, err := NewS3(context.Background(), S3Config{
			Endpoint: endpoint,
			Region:   "us-east-1",
			Bucket:   fmt.Sprintf("ecourt-%d", bucketSeq.Add(1)), // one per store keeps subtests apart
			Prefix:   "docs/",
			Lookup:   "path",
			PartSize: minPartSize, // so that the 20 MiB blob goes up in four parts
		}, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestS3PrefixesAreSeparate(t *testing.T) {
	endpoint := fakeS3(t)
	ctx := context.Background()
	open := func(prefix string) Store {
		s, err := Open(ctx, "s3://shared?endpoint="+endpoint+"&secure=false&lookup=path&prefix="+prefix,
			Options{CreateBucket: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open("a/"), open("b/")
	ref, err := a.Put(ctx, strings.NewReader("only in a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Stat(ctx, ref.SHA256); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Stat in other prefix error = %v, want not found", err)
	}
	if got := walkAll(t, b); len(got) != 0 {
		t.Errorf("Walk of other prefix = %+v, want none", got)
	}
}

func TestS3PingMissingBucket(t *testing.T) {
	endpoint := fakeS3(t)
	s, err := Open(context.Background(), "s3://absent?endpoint="+endpoint+"&secure=false&lookup=path", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("Ping of missing bucket error = %v, want unavailable", err)
	}
}
