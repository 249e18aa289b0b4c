package render

import (
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// PDF renders d as an A4 PDF. It validates d first: missing or malformed
// fields come back as one errs.Invalid error naming every field ("court_name",
// "body.parties[0].name" …; codes "required", "format", or a
// render.error.* message key), and a character that no embedded font can
// draw as errs.Invalid with key render.error.glyph_missing. The output
// depends only on d and opts: the same input gives the same bytes.
func PDF(d Document, opts Options) (Result, error) {
	fs, err := fonts()
	if err != nil {
		return Result{}, err
	}
	blocks, err := build(&d)
	if err != nil {
		return Result{}, err
	}
	if err := checkGlyphs(fs, &d, blocks); err != nil {
		return Result{}, err
	}
	l := &layout{fs: fs, doc: &d, sealed: d.Seal != nil && !opts.Draft}
	l.paginate(l.items(blocks))
	l.pageNumbers()
	if !opts.Draft {
		l.footLine(opts.Verification)
	}
	if opts.Draft {
		l.watermark()
	}
	created := opts.Created
	if created.IsZero() {
		y, m, day := d.IssuedOn.In(clock.China).Date()
		created = time.Date(y, m, day, 0, 0, 0, 0, clock.China)
	}
	title := d.DisplayTitle()
	if d.CaseNumber != "" {
		title += d.CaseNumber
	}
	pdf := writePDF(fs, l.pages, pdfMeta{
		title: title, author: d.CourtName, subject: d.DisplayTitle(), keywords: d.CaseNumber, created: created,
	})
	return Result{PDF: pdf, Pages: len(l.pages), Seal: l.seal}, nil
}

// checkGlyphs reports the characters of the document that no embedded font
// has, so that nothing is printed as an empty box.
func checkGlyphs(fs *fontSet, d *Document, blocks []block) error {
	var missing []rune
	check := func(s string) {
		for _, r := range s {
			if r < ' ' || r == 0x7f || r == '\u3000' || r == ' ' {
				continue
			}
			if !fs.has(r) && !slices.Contains(missing, r) {
				missing = append(missing, r)
			}
		}
	}
	texts(blocks, check)
	if d.Seal != nil {
		check(d.Seal.Name)
		check(d.Seal.Purpose)
	}
	if len(missing) > 0 {
		var b strings.Builder
		for i, r := range missing {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteRune(r)
		}
		return errs.New(errs.Invalid, "render.error.glyph_missing", b.String())
	}
	return nil
}
