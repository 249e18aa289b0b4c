package render

import (
	"fmt"
	"strings"
)

// Glyph outlines as PDF paths. The seal's lettering and the draft
// watermark are drawn as shapes, not text: a seal is a picture of a seal,
// and neither belongs in the text that search and copy see.

// point is an outline point in font units.
type point struct {
	x, y float64
	on   bool
}

// contours returns glyph g's outline as closed contours, composite glyphs
// resolved, in font units.
func (f *ttFont) contours(g uint16, depth int) [][]point {
	d := f.glyphData(g)
	if len(d) < 10 || depth > 8 {
		return nil
	}
	n := int(int16(be16(d, 0)))
	if n < 0 {
		return f.compositeContours(d, depth)
	}
	ends := make([]int, n)
	for i := range n {
		ends[i] = int(be16(d, 10+2*i))
	}
	if n == 0 {
		return nil
	}
	count := ends[n-1] + 1
	off := 10 + 2*n
	off += 2 + int(be16(d, off)) // instructions
	flags := make([]byte, 0, count)
	for len(flags) < count {
		fl := d[off]
		off++
		flags = append(flags, fl)
		if fl&8 != 0 { // repeat
			r := int(d[off])
			off++
			for range r {
				flags = append(flags, fl)
			}
		}
	}
	pts := make([]point, count)
	v := 0
	for i, fl := range flags[:count] {
		switch {
		case fl&2 != 0: // x short
			dx := int(d[off])
			off++
			if fl&16 == 0 {
				dx = -dx
			}
			v += dx
		case fl&16 == 0:
			v += int(int16(be16(d, off)))
			off += 2
		}
		pts[i].x = float64(v)
		pts[i].on = fl&1 != 0
	}
	v = 0
	for i, fl := range flags[:count] {
		switch {
		case fl&4 != 0: // y short
			dy := int(d[off])
			off++
			if fl&32 == 0 {
				dy = -dy
			}
			v += dy
		case fl&32 == 0:
			v += int(int16(be16(d, off)))
			off += 2
		}
		pts[i].y = float64(v)
	}
	var out [][]point
	start := 0
	for _, e := range ends {
		if e >= start && e < count {
			out = append(out, pts[start:e+1])
		}
		start = e + 1
	}
	return out
}

// compositeContours resolves a composite glyph: each component's contours,
// transformed and moved by its offset.
func (f *ttFont) compositeContours(d []byte, depth int) [][]point {
	var out [][]point
	off := 10
	for {
		flags := be16(d, off)
		gi := be16(d, off+2)
		off += 4
		var dx, dy float64
		if flags&argsAreWords != 0 {
			dx, dy = float64(int16(be16(d, off))), float64(int16(be16(d, off+2)))
			off += 4
		} else {
			dx, dy = float64(int8(d[off])), float64(int8(d[off+1]))
			off += 2
		}
		if flags&0x0002 == 0 { // point matching, not offsets: not used by these fonts
			dx, dy = 0, 0
		}
		a, b, c, dd := 1.0, 0.0, 0.0, 1.0
		f2 := func(o int) float64 { return float64(int16(be16(d, o))) / 16384 }
		switch {
		case flags&haveScale != 0:
			a = f2(off)
			dd = a
			off += 2
		case flags&haveXYScale != 0:
			a, dd = f2(off), f2(off+2)
			off += 4
		case flags&haveTwoByTwo != 0:
			a, b, c, dd = f2(off), f2(off+2), f2(off+4), f2(off+6)
			off += 8
		}
		for _, ct := range f.contours(gi, depth+1) {
			moved := make([]point, len(ct))
			for i, p := range ct {
				moved[i] = point{x: a*p.x + c*p.y + dx, y: b*p.x + dd*p.y + dy, on: p.on}
			}
			out = append(out, moved)
		}
		if flags&moreComponents == 0 {
			return out
		}
	}
}

// glyphPath appends glyph g of font f as a path, scaled to size points
// and placed by the matrix [a b c d e f] (as a text matrix would be).
func glyphPath(b *strings.Builder, f *ttFont, g uint16, size float64, m [6]float64) {
	s := size / float64(f.unitsPerEm)
	tx := func(p point) (float64, float64) {
		x, y := p.x*s, p.y*s
		return m[4] + m[0]*x + m[2]*y, m[5] + m[1]*x + m[3]*y
	}
	mid := func(p, q point) point { return point{x: (p.x + q.x) / 2, y: (p.y + q.y) / 2, on: true} }
	for _, ct := range f.contours(g, 0) {
		n := len(ct)
		if n < 2 {
			continue
		}
		// Start on an on-curve point (or the middle of two off-curve ones).
		first := -1
		for i, p := range ct {
			if p.on {
				first = i
				break
			}
		}
		var start point
		if first < 0 {
			start, first = mid(ct[0], ct[1]), 0
		} else {
			start = ct[first]
		}
		x0, y0 := tx(start)
		fmt.Fprintf(b, "%s %s m\n", num(x0), num(y0))
		cur := start
		var ctrl *point
		for k := 1; k <= n; k++ {
			p := ct[(first+k)%n]
			if p.on {
				if ctrl == nil {
					x, y := tx(p)
					fmt.Fprintf(b, "%s %s l\n", num(x), num(y))
				} else {
					quad(b, tx, cur, *ctrl, p)
					ctrl = nil
				}
				cur = p
				continue
			}
			if ctrl != nil {
				m := mid(*ctrl, p)
				quad(b, tx, cur, *ctrl, m)
				cur = m
			}
			pc := p
			ctrl = &pc
		}
		if ctrl != nil {
			quad(b, tx, cur, *ctrl, start)
		}
		b.WriteString("h\n")
	}
}

// quad writes the quadratic Bézier p0–q–p2 as a cubic one.
func quad(b *strings.Builder, tx func(point) (float64, float64), p0, q, p2 point) {
	c1 := point{x: p0.x + 2.0/3*(q.x-p0.x), y: p0.y + 2.0/3*(q.y-p0.y)}
	c2 := point{x: p2.x + 2.0/3*(q.x-p2.x), y: p2.y + 2.0/3*(q.y-p2.y)}
	x1, y1 := tx(c1)
	x2, y2 := tx(c2)
	x3, y3 := tx(p2)
	fmt.Fprintf(b, "%s %s %s %s %s %s c\n", num(x1), num(y1), num(x2), num(y2), num(x3), num(y3))
}

// runPath draws a text run's glyphs as filled (and, for bold, stroked)
// shapes.
func runPath(b *strings.Builder, fs *fontSet, r textRun) {
	rot := [4]float64{1, 0, 0, 1}
	if r.rot != nil {
		rot = *r.rot
	}
	for _, g := range r.glyphs {
		ox := r.x + rot[0]*g.x*r.size
		oy := r.y + rot[1]*g.x*r.size
		glyphPath(b, fs.fonts[g.font], g.gid, r.size, [6]float64{rot[0], rot[1], rot[2], rot[3], ox, oy})
	}
	if r.bold {
		b.WriteString("B\n")
	} else {
		b.WriteString("f\n")
	}
}
