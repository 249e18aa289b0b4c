package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
)

//go:embed templates
var templatesFS embed.FS

// layoutName is the name of the base layout template that every page executes.
const layoutName = "layout.html"

// PageSet is one context's pages: every *.html file in FS (at any depth)
// becomes the page Namespace+"/"+basename-without-extension, for example
// "identity/login". A page file defines "title" and "content", and may
// define "head" for page-specific <script src> and <link> elements.
type PageSet struct {
	Namespace string
	FS        fs.FS
}

// RendererConfig configures NewRenderer.
type RendererConfig struct {
	Catalog *i18n.Catalog
	Assets  *Assets
	Pages   []PageSet
	Demo    bool // show the demo-site banner on every page
}

// Renderer renders pages inside the base layout. Build it once at start-up;
// it is safe for concurrent use.
type Renderer struct {
	cat   *i18n.Catalog
	demo  bool
	pages map[string]*template.Template
}

// NewRenderer parses the layout and every page. It fails when a page does
// not parse, lacks "title" or "content", or has the same name as another, so
// the server refuses to start with a broken template. The web package's own
// pages ("web/error", "web/notfound") are always included.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	if cfg.Catalog == nil || cfg.Assets == nil {
		return nil, errors.New("web: NewRenderer needs a Catalog and Assets")
	}
	base, err := template.New(layoutName).Funcs(funcs(cfg.Assets)).ParseFS(templatesFS, "templates/"+layoutName)
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	own, err := fs.Sub(templatesFS, "templates/pages")
	if err != nil {
		return nil, err
	}
	rd := &Renderer{cat: cfg.Catalog, demo: cfg.Demo, pages: make(map[string]*template.Template)}
	for _, set := range append([]PageSet{{Namespace: "web", FS: own}}, cfg.Pages...) {
		if err := rd.addPages(base, set); err != nil {
			return nil, err
		}
	}
	return rd, nil
}

func (rd *Renderer) addPages(base *template.Template, set PageSet) error {
	return fs.WalkDir(set.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		name := set.Namespace + "/" + strings.TrimSuffix(path.Base(p), ".html")
		if _, dup := rd.pages[name]; dup {
			return fmt.Errorf("web: page %s defined twice", name)
		}
		src, err := fs.ReadFile(set.FS, p)
		if err != nil {
			return err
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.New(name).Parse(string(src)); err != nil {
			return fmt.Errorf("web: page %s: %w", name, err)
		}
		for _, block := range []string{"title", "content"} {
			if t.Lookup(block) == nil {
				return fmt.Errorf("web: page %s: no {{define %q}}", name, block)
			}
		}
		rd.pages[name] = t
		return nil
	})
}

// Has reports whether the named page exists.
func (rd *Renderer) Has(page string) bool { _, ok := rd.pages[page]; return ok }

// Catalog returns the renderer's message catalogue.
func (rd *Renderer) Catalog() *i18n.Catalog { return rd.cat }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page with status, data as the View's Data. The page is
// rendered into a buffer first, so a template error becomes a clean 500
// through Error rather than half a page.
func (rd *Renderer) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	rd.render(w, r, status, page, layoutName, data)
}

// RenderFragment writes only the named template of page (for example
// "content", or a {{define}} of the page's own) for htmx partial updates.
func (rd *Renderer) RenderFragment(w http.ResponseWriter, r *http.Request, status int, page, name string, data any) {
	rd.render(w, r, status, page, name, data)
}

func (rd *Renderer) render(w http.ResponseWriter, r *http.Request, status int, page, name string, data any) {
	if err := rd.write(w, r, status, page, name, data); err != nil {
		Error(w, r, err)
	}
}

// write renders and writes, or writes nothing and returns the error.
func (rd *Renderer) write(w http.ResponseWriter, r *http.Request, status int, page, name string, data any) error {
	t, ok := rd.pages[page]
	if !ok {
		return fmt.Errorf("web: unknown page %q", page)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, name, rd.view(w, r, data)); err != nil {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("web: render %s: %w", page, err))
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store") // pages may show personal data
	}
	w.WriteHeader(status)
	buf.WriteTo(w) //nolint:errcheck // the client went away; nothing more to tell it
	return nil
}

func (rd *Renderer) view(w http.ResponseWriter, r *http.Request, data any) *View {
	v := &View{
		Lang:      Lang(r),
		Viewer:    ViewerFrom(r.Context()),
		CSRF:      CSRFToken(r),
		Data:      data,
		Path:      r.URL.Path,
		Demo:      rd.demo,
		Elderly:   Elderly(r),
		RequestID: RequestIDFrom(r.Context()),
		cat:       rd.cat,
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		if rd.cat.Has(c.Value) {
			v.Flash = rd.cat.T(v.Lang, c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	}
	return v
}

const flashCookie = "ecourt_flash"

// SetFlash shows the message key once, on the next page rendered for this
// browser (typically after a redirect). Only catalogue keys are shown.
func SetFlash(w http.ResponseWriter, r *http.Request, key string) {
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: key, Path: "/", MaxAge: 300,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureRequest(r),
	})
}

func funcs(a *Assets) template.FuncMap {
	return template.FuncMap{
		"asset": a.url,
		"fen":   fen,
		"dict":  dict,
		"list":  func(v ...any) []any { return v },
	}
}

// fen formats an amount in fen as yuan with thousands separators:
// 123456 → "1,234.56".
func fen(v any) (string, error) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	default:
		// Named integer types such as money.Fen.
		rv := reflect.ValueOf(v)
		if !rv.IsValid() || !rv.CanInt() {
			return "", fmt.Errorf("fen: want an integer number of fen, got %T", v)
		}
		n = rv.Int()
	}
	sign := ""
	u := uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-n) // wraps correctly for MinInt64
	}
	yuan := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range yuan {
		if i > 0 && (len(yuan)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	fmt.Fprintf(&b, ".%02d", u%100)
	return b.String(), nil
}

// dict builds a map from key, value pairs, to pass several values to a
// {{template}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
