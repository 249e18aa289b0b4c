package blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// S3 is a Store in a bucket of an S3-compatible object store. A blob is the
// object <prefix>sha256/<hex>.
type S3 struct {
	client   *minio.Client
	bucket   string
	prefix   string
	maxSize  int64
	tempDir  string
	partSize int64
}

// DefaultPartSize is the size of the parts of a multipart upload unless
// S3Config.PartSize says otherwise.
const DefaultPartSize = 64 << 20

// minPartSize is the smallest part S3 accepts, except for the last one.
const minPartSize = 5 << 20

// S3Config names an S3 bucket; Open builds one from an s3:// URL.
type S3Config struct {
	Endpoint string // host:port
	Region   string
	Secure   bool // use HTTPS
	Bucket   string
	Prefix   string // prepended to every object key, e.g. "ecourt/"
	// Lookup is how the bucket is addressed: "path" (http://host/bucket/key,
	// what most non-AWS servers want), "dns" (http://bucket.host/key) or
	// "auto" or "" (minio-go decides from the endpoint).
	Lookup string
	// PartSize is the part size of multipart uploads, used for blobs larger
	// than one part; 0 means DefaultPartSize. It must be at least 5 MiB.
	PartSize int64
	// Transport is the HTTP transport; nil means minio-go's default.
	Transport http.RoundTripper
}

func openS3(ctx context.Context, rawURL string, opts Options) (*S3, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: store URL: %w", err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("blob: S3 URL %q names no bucket; want s3://bucket?endpoint=host:port", rawURL)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("blob: S3 URL %q has a path; use ?prefix= for a key prefix", rawURL)
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "secure", "prefix", "lookup":
		default:
			return nil, fmt.Errorf("blob: S3 URL: unknown parameter %q", k)
		}
	}
	cfg := S3Config{
		Endpoint: q.Get("endpoint"),
		Region:   q.Get("region"),
		Secure:   true,
		Bucket:   u.Host,
		Prefix:   q.Get("prefix"),
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "s3.amazonaws.com"
	}
	if s := q.Get("secure"); s != "" {
		if cfg.Secure, err = strconv.ParseBool(s); err != nil {
			return nil, fmt.Errorf("blob: S3 URL: secure=%q is not a boolean", s)
		}
	}
	cfg.Lookup = q.Get("lookup")
	return NewS3(ctx, cfg, opts)
}

// NewS3 returns an S3 store. Of opts it uses MaxSize, the credentials,
// TempDir and CreateBucket; with CreateBucket it creates the bucket if it
// does not exist, otherwise it does not contact the server.
func NewS3(ctx context.Context, cfg S3Config, opts Options) (*S3, error) {
	var lookup minio.BucketLookupType
	switch cfg.Lookup {
	case "", "auto":
		lookup = minio.BucketLookupAuto
	case "path":
		lookup = minio.BucketLookupPath
	case "dns":
		lookup = minio.BucketLookupDNS
	default:
		return nil, fmt.Errorf("blob: S3 lookup %q; want path, dns or auto", cfg.Lookup)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("blob: S3 store needs a bucket")
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < minPartSize {
		return nil, fmt.Errorf("blob: S3 part size %d is below the 5 MiB minimum", cfg.PartSize)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(opts.AccessKey, opts.SecretKey, ""),
		Secure:       cfg.Secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client: %w", err)
	}
	s := &S3{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix,
		maxSize: opts.MaxSize, tempDir: opts.TempDir, partSize: cfg.PartSize}
	if opts.CreateBucket {
		ok, err := client.BucketExists(ctx, cfg.Bucket)
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, "", fmt.Errorf("blob: S3 bucket %s: %w", cfg.Bucket, err))
		}
		if !ok {
			err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
			if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
				return nil, fmt.Errorf("blob: create S3 bucket %s: %w", cfg.Bucket, err)
			}
		}
	}
	return s, nil
}

func (s *S3) key(sha string) string { return s.prefix + "sha256/" + sha }

// Put implements Store. The content is spooled to a temporary file to learn
// its hash and size before the upload; if the object already exists with
// that size nothing is sent. The object is durable once the server
// acknowledges it.
func (s *S3) Put(ctx context.Context, r io.Reader) (Ref, error) {
	tmp, err := os.CreateTemp(s.tempDir, "ecourt-blob-*")
	if err != nil {
		return Ref{}, fmt.Errorf("blob: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	ref, err := spool(ctx, tmp, r, s.maxSize)
	if err != nil {
		return Ref{}, wrapIO(err)
	}
	if have, err := s.Stat(ctx, ref.SHA256); err == nil && have.Size == ref.Size {
		return ref, nil
	}
	if err := s.upload(ctx, tmp, ref); err != nil {
		return Ref{}, fmt.Errorf("blob: S3 put %s: %w", ref.SHA256, err)
	}
	return ref, nil
}

// upload sends the spooled content f of ref. Every request is signed with
// the SHA-256 of its payload, so the server itself rejects bytes damaged in
// transit; this also avoids minio-go's streaming (aws-chunked) signature,
// which it uses over plain HTTP and which sends an empty blob without a
// Content-Length.
func (s *S3) upload(ctx context.Context, f *os.File, ref Ref) error {
	core := minio.Core{Client: s.client}
	key := s.key(ref.SHA256)
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true}
	if ref.Size <= s.partSize {
		_, err := core.PutObject(ctx, s.bucket, key, io.NewSectionReader(f, 0, ref.Size), ref.Size, "", ref.SHA256, opts)
		return err
	}
	uploadID, err := core.NewMultipartUpload(ctx, s.bucket, key, opts)
	if err != nil {
		return err
	}
	parts, err := s.uploadParts(ctx, core, key, uploadID, f, ref.Size)
	if err == nil {
		_, err = core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, parts, opts)
	}
	if err != nil {
		// Abort even when ctx is done, so the server frees the parts.
		_ = core.AbortMultipartUpload(context.WithoutCancel(ctx), s.bucket, key, uploadID)
		return err
	}
	return nil
}

func (s *S3) uploadParts(ctx context.Context, core minio.Core, key, uploadID string, f *os.File, size int64) ([]minio.CompletePart, error) {
	var parts []minio.CompletePart
	for off, num := int64(0), 1; off < size; off, num = off+s.partSize, num+1 {
		n := min(s.partSize, size-off)
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
			return nil, err
		}
		part, err := core.PutObjectPart(ctx, s.bucket, key, uploadID, num, io.NewSectionReader(f, off, n), n,
			minio.PutObjectPartOptions{Sha256Hex: sum(h), DisableContentSha256: true})
		if err != nil {
			return nil, err
		}
		parts = append(parts, minio.CompletePart{PartNumber: num, ETag: part.ETag})
	}
	return parts, nil
}

// Open implements Store.
func (s *S3) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := checkHash(sha); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(sha), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap(err, sha)
	}
	// GetObject is lazy; Stat makes a missing object fail here rather than
	// at the caller's first Read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.wrap(err, sha)
	}
	return obj, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, sha string) (Ref, error) {
	if err := checkHash(sha); err != nil {
		return Ref{}, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, s.key(sha), minio.StatObjectOptions{})
	if err != nil {
		return Ref{}, s.wrap(err, sha)
	}
	return Ref{SHA256: sha, Size: info.Size}, nil
}

// Ping implements Store: it checks that the bucket exists.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("blob: S3 bucket %s: %w", s.bucket, err))
	}
	if !ok {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("blob: S3 bucket %s does not exist", s.bucket))
	}
	return nil
}

// Walk implements Store. It visits blobs in key order, that is hash order,
// and skips objects under the prefix whose names are not hashes.
func (s *S3) Walk(ctx context.Context, fn func(Ref) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir := s.prefix + "sha256/"
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: dir, Recursive: true}) {
		if obj.Err != nil {
			return s.wrap(obj.Err, "")
		}
		sha, ok := strings.CutPrefix(obj.Key, dir)
		if !ok || !ValidHash(sha) {
			continue
		}
		if err := fn(Ref{SHA256: sha, Size: obj.Size}); err != nil {
			return err
		}
	}
	return nil
}

func (s *S3) wrap(err error, sha string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey && sha != "" {
		return notFound(sha, err)
	}
	if resp.Code == minio.NoSuchBucket {
		return errs.Wrap(errs.Unavailable, "", fmt.Errorf("blob: S3 bucket %s: %w", s.bucket, err))
	}
	return fmt.Errorf("blob: S3: %w", err)
}
