package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Assets serves the static files under content-hash URLs. Build it once at
// start-up with NewAssets; it is safe for concurrent use.
type Assets struct {
	files  map[string]*asset // by name relative to static/, e.g. "htmx.min.js"
	hashed map[string]*asset // by hashed name, e.g. "htmx.min.0123456789.js"
}

type asset struct {
	name  string
	url   string
	hash  string
	data  []byte
	gz    []byte // gzip of data when that is smaller (text assets); nil otherwise
	ctype string
}

// assetPrefix is the URL path under which Handler must be mounted.
const assetPrefix = "/static/"

// NewAssets reads and hashes every file under static/ in fsys (such as
// github.com/ecourt/ecourt/web.Static). It fails when static/ is missing.
func NewAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{files: make(map[string]*asset), hashed: make(map[string]*asset)}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := strings.TrimPrefix(p, "static/")
		f := &asset{name: name, hash: hex.EncodeToString(sum[:])[:10], data: data, ctype: contentType(name)}
		f.gz = compress(data)
		hashedName := hashName(name, f.hash)
		f.url = assetPrefix + hashedName
		a.files[name] = f
		a.hashed[hashedName] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	return a, nil
}

// compress returns data gzipped at the best level, or nil when that saves
// less than a tenth (images and other compressed formats). Done once at
// start-up: a phone on a slow link gets htmx in 17 KB instead of 52 KB.
func compress(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(data) //nolint:errcheck // writes to memory
	zw.Close()
	if b.Len() > len(data)*9/10 {
		return nil
	}
	return b.Bytes()
}

// acceptsGzip reports whether the request accepts a gzip body.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// hashName puts hash before the last extension of name's base:
// "js/htmx.min.js" → "js/htmx.min.<hash>.js".
func hashName(name, hash string) string {
	dir, base := path.Split(name)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		return dir + base[:i] + "." + hash + base[i:]
	}
	return dir + base + "." + hash
}

func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "text/plain; charset=utf-8"
}

// URL returns the content-hash URL of the named file (relative to static/),
// which changes whenever the file's content does. For an unknown name it
// returns the unhashed "/static/<name>", which then answers 404.
func (a *Assets) URL(name string) string {
	if f, ok := a.files[name]; ok {
		return f.url
	}
	return assetPrefix + name
}

// url is the template function "asset": unlike URL it fails on an unknown
// name, so a typo in a template becomes a render error, not a broken page.
func (a *Assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("web: unknown asset %q", name)
	}
	return f.url, nil
}

// Handler serves the files; mount it at "/static/" (for example
// mux.Handle("GET /static/", assets.Handler())). Hashed URLs are cached for a
// year as immutable; unhashed names are served with a short cache.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, assetPrefix)
		if !ok {
			Error(w, r, errs.ErrNotFound)
			return
		}
		f, hashed := a.hashed[name]
		if hashed {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else if f, ok = a.files[name]; ok {
			w.Header().Set("Cache-Control", "public, max-age=300")
		} else {
			Error(w, r, errs.ErrNotFound)
			return
		}
		w.Header().Set("Content-Type", f.ctype)
		body, etag := f.data, `"`+f.hash+`"`
		if f.gz != nil {
			w.Header().Add("Vary", "Accept-Encoding")
			if acceptsGzip(r) {
				body, etag = f.gz, `"`+f.hash+`-gz"`
				w.Header().Set("Content-Encoding", "gzip")
			}
		}
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
	})
}
