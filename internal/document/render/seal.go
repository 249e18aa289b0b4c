package render

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// The 落款 and the seal.
//
// Notices follow GB/T 9704-2012 §7.3.5.1: the date 右空四字, the court's
// name centred over the date, and the seal pressing on both so that they sit
// below its centre, its top within one line of the text above. Judgments,
// rulings and mediation statements follow the court printing standard: the
// panel, the date with the seal over it (上不压审判员，下不压书记员，骑年盖月),
// 本件与原本核对无异 on the left, then the clerk.
//
// The seal is drawn, not pasted: a red ring, a five-pointed star, the
// court's name along the upper arc and the purpose under the star. A real
// 院印 bears the national emblem, whose reproduction the 国徽法 restricts,
// so the star of an ordinary official seal stands in for it. The seal is
// painted with the multiply blend mode at 88% opacity: black text under it
// stays black and readable. Its bounding square is returned so that the
// digital signature's widget can be put on it.

// placed shapes text and sets its glyphs at their natural advances; it
// returns the glyphs and the width in ems.
func (l *layout) placed(text string) ([]pglyph, float64) {
	gs := l.fs.shapeText(text)
	w := 0.0
	for i := range gs {
		gs[i].x = w
		w += gs[i].adv
	}
	return gs, w
}

// distributed sets text spread evenly over width ems (分散对齐), the way the
// roles of the panel are aligned: 审　判　长 over the width of 人民陪审员.
func (l *layout) distributed(text string, width float64) []pglyph {
	gs, w := l.placed(text)
	if len(gs) < 2 || w >= width {
		return gs
	}
	step := (width - gs[len(gs)-1].adv) / float64(len(gs)-1)
	for i := range gs {
		gs[i].x = float64(i) * step
	}
	return gs
}

// signItem lays out the 落款 as one item.
func (l *layout) signItem(s *signBlock) item {
	const size = bodySize
	right := textW - signInset*size // right edge of the 落款, from the text's left edge
	date, dateW := l.placed(s.date)
	type placedLine struct {
		x    float64 // from the text's left edge
		line int     // line number inside the item
		gs   []pglyph
	}
	var lines []placedLine
	var sealX, sealY float64 // seal centre: from the text's left edge, from the item's top
	var h float64

	if s.court != "" {
		// A notice: a blank line, the court, the date. The seal's top
		// stays below the text above; the court and the date fall inside it.
		court, courtW := l.placed(s.court)
		dateLeft := right - dateW*size
		centre := dateLeft + dateW*size/2
		courtLeft := min(centre-courtW*size/2, textW-courtW*size)
		lines = append(lines, placedLine{max(courtLeft, 0), 1, court}, placedLine{dateLeft, 2, date})
		sealX, sealY = centre, sealRadius+1
		h = 3 * pitch
	} else {
		var all []signer
		all = append(append(all, s.signers...), s.after...)
		labelW, nameW := 0.0, 0.0
		for _, x := range all {
			labelW = max(labelW, float64(utf8.RuneCountInString(x.role)))
			_, w := l.placed(x.name)
			nameW = max(nameW, w)
		}
		sep, sepW := s.sep, 2.0
		if sep == "" {
			labelW = max(labelW, 5)
		} else {
			_, sepW = l.placed(sep)
		}
		colW := max(dateW, labelW+sepW+nameW) * size
		left := right - colW
		signerLine := func(x signer, n int) {
			var gs []pglyph
			nameX := labelW + sepW
			if sep == "" {
				gs = l.distributed(x.role, labelW)
			} else {
				gs, nameX = l.placed(x.role + sep)
			}
			name, _ := l.placed(x.name)
			for i := range name {
				name[i].x += nameX
			}
			lines = append(lines, placedLine{left, n, append(gs, name...)})
		}
		n := 1
		for _, x := range s.signers {
			signerLine(x, n)
			n++
		}
		if s.note != "" {
			n += 2 // room for the seal above the date
		}
		dateLine := n
		lines = append(lines, placedLine{left, n, date})
		n++
		if s.note != "" {
			note, _ := l.placed(s.note)
			lines = append(lines, placedLine{2 * size, n, note})
			n++
		}
		for _, x := range s.after {
			signerLine(x, n)
			n++
		}
		sealX = left + dateW*size/2
		sealY = (float64(dateLine)+0.5)*pitch - judgeLift*sealRadius
		h = float64(n) * pitch
	}
	sealed := s.seal && l.sealed
	// The seal may hang below the last line of a notice into the bottom
	// margin: nothing follows the 落款 on the page.
	return item{h: h, draw: func(l *layout, p *page, top float64) {
		for _, ln := range lines {
			p.texts = append(p.texts, run(marginLeft+ln.x, top+float64(ln.line)*pitch, pitch, size, false, ln.gs))
		}
		if sealed {
			cx, cy := marginLeft+sealX, pageH-(top+sealY)
			p.seal = l.sealDrawing(cx, cy, sealRadius)
			l.seal = &SealPlacement{Page: len(l.pages), Rect: p.seal.rect}
		}
	}}
}

// sealDrawing draws the seal centred on (cx, cy), PDF points.
func (l *layout) sealDrawing(cx, cy, r float64) *sealDrawing {
	name := l.doc.CourtName
	purpose := ""
	if s := l.doc.Seal; s != nil {
		if s.Name != "" {
			name = s.Name
		}
		purpose = s.Purpose
	}
	var b strings.Builder
	border := r * 0.06
	fmt.Fprintf(&b, "%s rg %s RG %s w\n", sealRGB, sealRGB, num(border))
	circle(&b, cx, cy, r-border/2)
	b.WriteString("S\n")
	// The star, its points on a circle of 0.3 r, one point up.
	rs, ri := r*0.3, r*0.3*0.381966
	for k := range 10 {
		rad := rs
		if k%2 == 1 {
			rad = ri
		}
		a := math.Pi/2 + float64(k)*math.Pi/5
		op := "l"
		if k == 0 {
			op = "m"
		}
		fmt.Fprintf(&b, "%s %s %s\n", num(cx+rad*math.Cos(a)), num(cy+rad*math.Sin(a)), op)
	}
	b.WriteString("h f\n")

	d := &sealDrawing{paths: b.String(), stroke: r * 0.008, rect: Rect{cx - r, cy - r, cx + r, cy + r}}
	// The name along the upper arc, each character upright towards the rim,
	// reading clockwise; the arc spans up to 250°, the characters shrink to
	// fit a long name.
	gs := l.fs.shapeText(strings.TrimSpace(name))
	if n := len(gs); n > 0 {
		size := r * 0.3
		gap := 0.06 // ems between characters
		rc := r - border*1.6 - size/2
		step := size * (1 + gap) / rc // radians per character
		if span := step * float64(n); span > 250*math.Pi/180 {
			f := (250 * math.Pi / 180) / span
			size *= f
			rc = r - border*1.6 - size/2
			step = size * (1 + gap) / rc
		}
		span := step * float64(n)
		for i, g := range gs {
			theta := math.Pi/2 + span/2 - (float64(i)+0.5)*step
			xa, ya := math.Sin(theta), -math.Cos(theta) // baseline direction
			ux, uy := math.Cos(theta), math.Sin(theta)  // up: towards the rim
			gx, gy := cx+rc*ux, cy+rc*uy                // the character's centre
			half := g.adv * size / 2
			ox := gx - half*xa - glyphMid*size*ux
			oy := gy - half*ya - glyphMid*size*uy
			g.x = 0
			d.texts = append(d.texts, textRun{x: ox, y: oy, size: size, bold: true, colour: red,
				glyphs: []pglyph{g}, rot: &[4]float64{xa, ya, ux, uy}})
		}
	}
	if p := strings.TrimSpace(purpose); p != "" {
		gs, w := l.placed(p)
		size := min(r*0.17, r*1.2/max(w, 1))
		d.texts = append(d.texts, textRun{x: cx - w*size/2, y: cy - r*0.58, size: size, bold: true, colour: red, glyphs: gs})
	}
	return d
}

// circle appends a closed circle path of four Bézier arcs.
func circle(b *strings.Builder, cx, cy, r float64) {
	k := r * 0.5522847498
	fmt.Fprintf(b, "%s %s m\n", num(cx+r), num(cy))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx+r), num(cy+k), num(cx+k), num(cy+r), num(cx), num(cy+r))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx-k), num(cy+r), num(cx-r), num(cy+k), num(cx-r), num(cy))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx-r), num(cy-k), num(cx-k), num(cy-r), num(cx), num(cy-r))
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(cx+k), num(cy-r), num(cx+r), num(cy-k), num(cx+r), num(cy))
	b.WriteString("h\n")
}
