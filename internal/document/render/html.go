package render

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

//go:embed templates/document.html.tmpl
var templateFS embed.FS

//go:embed messages/*.json
var messagesFS embed.FS

//go:embed document.css
var stylesheet []byte

// Messages returns this package's message bundle (keys "render.…", zh-CN
// and en): the HTML view's chrome and the validation messages. Merge it into
// the application's catalogue so that errors from PDF and HTML can be shown.
func Messages() fs.FS {
	sub, err := fs.Sub(messagesFS, "messages")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// Stylesheet returns the CSS of the HTML view (classes "cdoc-…"). Serve it
// as a static file: the site's Content-Security-Policy does not allow
// inline styles, so HTML does not inline it.
func Stylesheet() []byte { return append([]byte(nil), stylesheet...) }

var (
	htmlTemplate = template.Must(template.ParseFS(templateFS, "templates/document.html.tmpl"))
	catalog      = sync.OnceValues(func() (*i18n.Catalog, error) { return i18n.New(Messages()) })
)

type htmlView struct {
	Lang      i18n.Lang
	Label     string
	Draft     bool
	DraftText string
	LangNote  string
	Blocks    []htmlBlock
}

type htmlBlock struct {
	Kind  string
	Text  string
	Table *htmlTable
	Sign  *htmlSign
}

type htmlTable struct{ Rows [][]htmlCell }

type htmlCell struct {
	Head  bool
	Class string
	Lines []string
}

type htmlSign struct {
	Signers, After []htmlSigner
	Court, Date    string
	Note           string
	Seal           template.HTML
}

type htmlSigner struct{ Role, Sep, Name string }

// HTML renders d as an HTML fragment (an <article>) for the site layout,
// with the same text and structure as the PDF: it walks the same blocks.
// The document itself is Chinese whatever lang is; lang (zh-CN or en)
// chooses the chrome around it: the draft banner, labels, and a note on the
// language for English readers. Style it with Stylesheet. It returns the
// same validation errors as PDF.
func HTML(d Document, opts Options, lang i18n.Lang) (template.HTML, error) {
	cat, err := catalog()
	if err != nil {
		return "", fmt.Errorf("render: messages: %w", err)
	}
	if l, ok := i18n.Parse(string(lang)); ok {
		lang = l
	} else {
		lang = i18n.Default
	}
	fonts, err := fonts()
	if err != nil {
		return "", err
	}
	blocks, err := build(&d)
	if err != nil {
		return "", err
	}
	if err := checkGlyphs(fonts, &d, blocks); err != nil {
		return "", err
	}
	v := htmlView{
		Lang:      lang,
		Label:     cat.T(lang, "render.html.label"),
		Draft:     opts.Draft,
		DraftText: cat.T(lang, "render.html.draft"),
	}
	if lang != i18n.ZH {
		v.LangNote = cat.T(lang, "render.html.lang_note")
	}
	sealName := d.CourtName
	if d.Seal != nil && d.Seal.Name != "" {
		sealName = d.Seal.Name
	}
	for _, bl := range blocks {
		hb := htmlBlock{Text: bl.text}
		switch bl.kind {
		case bkCourt:
			hb.Kind = "court"
		case bkTitle:
			hb.Kind = "title"
		case bkCaseNo:
			hb.Kind = "case"
		case bkPara:
			hb.Kind = "para"
		case bkFlush:
			hb.Kind = "flush"
		case bkHeading:
			hb.Kind = "heading"
		case bkTable:
			hb.Kind = "table"
			hb.Table = htmlTableOf(bl.table)
		case bkSign:
			hb.Kind = "sign"
			s := bl.sign
			hs := &htmlSign{Court: s.court, Date: s.date, Note: s.note}
			sep := s.sep
			if sep == "" {
				sep = " "
			}
			for _, x := range s.signers {
				hs.Signers = append(hs.Signers, htmlSigner{x.role, sep, x.name})
			}
			for _, x := range s.after {
				hs.After = append(hs.After, htmlSigner{x.role, sep, x.name})
			}
			if s.seal && !opts.Draft {
				hs.Seal = sealSVG(sealName, purposeOf(d.Seal), cat.T(lang, "render.html.seal", sealName))
			}
			hb.Sign = hs
		}
		v.Blocks = append(v.Blocks, hb)
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, v); err != nil {
		return "", fmt.Errorf("render: html: %w", err)
	}
	return template.HTML(b.String()), nil
}

func purposeOf(s *Seal) string {
	if s == nil {
		return ""
	}
	return s.Purpose
}

func htmlTableOf(t *table) *htmlTable {
	ht := &htmlTable{}
	for ri, row := range t.rows {
		var cells []htmlCell
		for ci, col := range t.cols {
			c := htmlCell{Head: t.head && ri == 0}
			switch {
			case col.right:
				c.Class = "cdoc-r"
			case col.center:
				c.Class = "cdoc-c"
			}
			if ci < len(row) {
				c.Lines = splitParas(row[ci])
			}
			cells = append(cells, c)
		}
		ht.Rows = append(ht.Rows, cells)
	}
	return ht
}

// sealSVG draws the same seal as the PDF, in SVG: ring, star, name along
// the upper arc, purpose under the star. Only presentation attributes are
// used, which the CSP allows.
func sealSVG(name, purpose, label string) template.HTML {
	const r, border = 100.0, 6.0
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="cdoc-seal" viewBox="-100 -100 200 200" role="img" aria-label="%s">`, esc(label))
	fmt.Fprintf(&b, `<circle r="%s" fill="none" stroke="#db141a" stroke-width="%s"/>`, num(r-border/2), num(border))
	var pts []string
	for k := range 10 {
		rad := r * 0.3
		if k%2 == 1 {
			rad *= 0.381966
		}
		a := -math.Pi/2 + float64(k)*math.Pi/5
		pts = append(pts, num(rad*math.Cos(a))+","+num(rad*math.Sin(a)))
	}
	fmt.Fprintf(&b, `<polygon points="%s" fill="#db141a"/>`, strings.Join(pts, " "))
	runes := []rune(strings.TrimSpace(name))
	if n := len(runes); n > 0 {
		size := r * 0.3
		rc := r - border*1.6 - size/2
		step := size * 1.06 / rc
		if span := step * float64(n); span > 250*math.Pi/180 {
			size *= (250 * math.Pi / 180) / span
			rc = r - border*1.6 - size/2
			step = size * 1.06 / rc
		}
		span := step * float64(n)
		for i, c := range runes {
			theta := -span/2 + (float64(i)+0.5)*step // from straight up, clockwise
			x, y := rc*math.Sin(theta), -rc*math.Cos(theta)
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" font-weight="700" fill="#db141a" text-anchor="middle" dominant-baseline="central" transform="rotate(%s %s %s)">%s</text>`,
				num(x), num(y), num(size), num(theta*180/math.Pi), num(x), num(y), esc(string(c)))
		}
	}
	if p := strings.TrimSpace(purpose); p != "" {
		fmt.Fprintf(&b, `<text x="0" y="58" font-size="17" font-weight="700" fill="#db141a" text-anchor="middle">%s</text>`, esc(p))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
