package render

import (
	"strings"
	"unicode/utf8"
)

// The line breaker. go-pdf/fpdf loses a character at each automatic break in
// Chinese text and knows no Chinese rules, and a court document must not
// lose a character, so breaking is done here, on shaped glyphs, before
// anything is drawn.
//
// Rules (W3C "Requirements for Chinese Text Layout" (clreq), Simplified
// Chinese):
//
//   - Any two CJK characters may be separated, except that a line never
//     starts with a noStart mark (closing brackets and quotes, ，。、；：？！,
//     …, %, ℃ …) and never ends with a noEnd mark (opening brackets and
//     quotes, ￥). Both are implemented as glue: a noStart mark is glued to
//     the character before it, a noEnd mark to the character after it, so
//     the breaker only ever breaks between boxes.
//   - A Latin word or a number (1,234,567.89, 2026-11-26, a URL) is one box
//     and stays whole; a number keeps the unit after it (2026年, 100元);
//     —— and …… are never split.
//   - Kinsoku is resolved by pushing in first (推入): when only the glued
//     closing punctuation overflows the line, the half-em blanks of the
//     full-width punctuation on the line are squeezed until it fits, the
//     line's last mark first. When that is not enough, the box is pushed
//     out (推出) to the next line and the line is justified. Hanging
//     punctuation (悬挂) is not used: clreq notes that most Chinese
//     publications do not hang punctuation at the line end, and nothing may
//     enter the margin of the 版心.
//   - Adjacent full-width punctuation is squeezed (标点挤压, clreq
//     "punctuation adjustment"):
//     in "。”" or "，“" the first mark's empty half is removed.
//   - Lines are fully justified (两端对齐): the slack is spread evenly over
//     the gaps between boxes; a paragraph's last line is set left-aligned at
//     its natural width.
//   - A box wider than a whole line (a very long URL or number) is split at
//     a URL separator where it can be, else between any two characters, so
//     no text is ever lost or runs off the page. A long word with letters
//     and separators is also split rather than leave a badly stretched line.

// pglyph is a glyph as placed on a line. Widths are in ems of the
// paragraph's font size.
type pglyph struct {
	glyph
	blankL, blankR float64 // squeezable empty half, left and right
	sqL, sqR       float64 // squeezed
	x              float64 // origin of the glyph from the line start
}

func (g *pglyph) width() float64 { return g.adv - g.sqL - g.sqR }

// box is an unbreakable run of glyphs: g[start:end] of the paragraph.
type box struct {
	start, end int
	w          float64 // natural width
	tail       float64 // width of the trailing noStart marks
	space      bool    // a breakable space, dropped at a break
	word       bool    // a Latin word or number
}

// line is one set line of a paragraph.
type line struct {
	glyphs []pglyph // x set; leading and trailing spaces removed
	width  float64  // extent of the set line, ems
	indent float64  // ems before the first glyph
	last   bool     // the paragraph's last line
}

// text returns the characters of the line, for tests and HTML.
func (l line) text() string {
	var b strings.Builder
	for _, g := range l.glyphs {
		b.WriteRune(g.r)
	}
	return b.String()
}

// paraSpec describes how to set one paragraph.
type paraSpec struct {
	width    float64 // line width, ems
	indent   float64 // first-line indent, ems
	tracking float64 // extra space between boxes, ems (spaced titles)
	justify  bool
	// maxStretch, when positive, is the most a gap may grow when justifying;
	// a line that would need more is set left-aligned (narrow table cells).
	maxStretch float64
}

const eps = 1e-9

// breakLines sets text (one paragraph, no newlines) into lines. Runes
// missing from every font are set as .notdef; callers check coverage
// first (checkGlyphs).
func (fs *fontSet) breakLines(text string, spec paraSpec) []line {
	gs := fs.shapeText(text)
	if len(gs) == 0 {
		return nil
	}
	boxes := makeBoxes(gs)
	var lines []line
	first := true
	for i := 0; i < len(boxes); {
		for i < len(boxes) && boxes[i].space {
			i++
		}
		if i == len(boxes) {
			break
		}
		indent := 0.0
		if first {
			indent = spec.indent
		}
		W := spec.width - indent
		nat, room := 0.0, 0.0
		j := i
		for j < len(boxes) {
			b := boxes[j]
			add := b.w
			if j > i {
				add += spec.tracking
			}
			bcap := boxCap(gs, b)
			if nat+add <= W+eps {
				nat += add
				room += bcap
				j++
				continue
			}
			// Push in: only the glued closing marks stick out, and the
			// line's punctuation can give up enough of its blanks.
			if j > i && !b.space && nat+add-b.tail <= W+eps && nat+add-(room+bcap) <= W+eps {
				nat += add
				j++
				break
			}
			// A box that fits no line at all is split; so is a long word
			// that would leave a badly stretched line. A single glyph
			// wider than the line gets a line of its own.
			rest := W - nat
			if j > i {
				rest -= spec.tracking
			}
			if j == i {
				if k := splitPoint(gs, b, rest, true); k > b.start && k < b.end {
					boxes = splitBox(gs, boxes, j, k)
					continue
				}
				j++
				break
			}
			if splittable(gs, b) && rest > 2 && rest/float64(j-i) > 0.2 {
				if k := splitPoint(gs, b, rest, false); k > b.start && k < b.end {
					boxes = splitBox(gs, boxes, j, k)
					continue
				}
			}
			break
		}
		end := j
		for end > i && boxes[end-1].space {
			end--
		}
		last := true
		for k := j; k < len(boxes); k++ {
			if !boxes[k].space {
				last = false
				break
			}
		}
		lines = append(lines, setLine(gs, boxes[i:end], W, indent, spec, last))
		i = j
		first = false
	}
	return lines
}

// shapeText shapes text and squeezes adjacent full-width punctuation.
func (fs *fontSet) shapeText(text string) []pglyph {
	gs := make([]pglyph, 0, utf8.RuneCountInString(text))
	for _, r := range text {
		if r == '\t' {
			r = ' '
		}
		if r < ' ' || r == 0x7f {
			continue
		}
		g, _ := fs.shape(r)
		pg := pglyph{glyph: g}
		switch fs.blankSide(g) {
		case +1:
			pg.blankR = g.adv / 2
		case -1:
			pg.blankL = g.adv / 2
		}
		gs = append(gs, pg)
	}
	// 标点挤压: of two adjacent marks, the first gives up its right blank,
	// or else the second its left one ("。”" "，“" "）。" "（“").
	for i := 0; i+1 < len(gs); i++ {
		a, b := &gs[i], &gs[i+1]
		if !isCJKPunct(a.r) || !isCJKPunct(b.r) {
			continue
		}
		if a.blankR > 0 && a.sqR == 0 {
			a.sqR = a.blankR
		} else if b.blankL > 0 {
			b.sqL = b.blankL
		}
	}
	return gs
}

// makeBoxes cuts the glyphs into unbreakable boxes and glues them by the
// kinsoku rules.
func makeBoxes(gs []pglyph) []box {
	var boxes []box
	for i := 0; i < len(gs); {
		c := classify(gs[i].r)
		j := i + 1
		if c != clCJK {
			for j < len(gs) && classify(gs[j].r) == c {
				j++
			}
		}
		b := box{start: i, end: j, space: c == clSpace, word: c == clWord}
		if n := len(boxes); n > 0 && glued(gs, boxes[n-1], b) {
			boxes[n-1].end = j
			boxes[n-1].word = boxes[n-1].word || b.word
		} else {
			boxes = append(boxes, b)
		}
		i = j
	}
	for k := range boxes {
		measure(gs, &boxes[k])
	}
	return boxes
}

// glued reports whether no break is allowed between boxes a and b.
func glued(gs []pglyph, a, b box) bool {
	if a.space || b.space {
		return false
	}
	last, next := gs[a.end-1].r, gs[b.start].r
	switch {
	case isNoStart(next), isNoEnd(last):
		return true
	case isInseparable(last) && next == last:
		return true
	case isDigit(last) && b.end-b.start == 1 && unitSet[next]:
		return true
	}
	return false
}

func measure(gs []pglyph, b *box) {
	b.w, b.tail = 0, 0
	inTail := true
	for k := b.end - 1; k >= b.start; k-- {
		w := gs[k].width()
		b.w += w
		if inTail && isNoStart(gs[k].r) && k > b.start {
			b.tail += w
		} else {
			inTail = false
		}
	}
}

// boxCap is how much box b can still be squeezed.
func boxCap(gs []pglyph, b box) float64 {
	c := 0.0
	for k := b.start; k < b.end; k++ {
		c += gs[k].blankL - gs[k].sqL + gs[k].blankR - gs[k].sqR
	}
	return c
}

// splittable reports a long Latin word with letters that may be split at
// its separators (a URL, an e-mail address), as opposed to a number.
func splittable(gs []pglyph, b box) bool {
	if !b.word || b.end-b.start < 12 {
		return false
	}
	letters, seps := false, false
	for k := b.start; k < b.end; k++ {
		r := gs[k].r
		letters = letters || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
		seps = seps || strings.ContainsRune(urlSeparators, r)
	}
	return letters && seps
}

const urlSeparators = "/\\-_.?&=#@:,;~+"

// splitPoint returns the glyph index at which box b may be cut so that
// g[b.start:k] fits in room ems: after a URL separator when there is one,
// else (when must) after the last glyph that fits, at least one glyph. It
// returns b.start when there is no good cut.
func splitPoint(gs []pglyph, b box, room float64, must bool) int {
	if b.end-b.start < 2 {
		return b.start
	}
	w, fit, sep := 0.0, b.start, b.start
	for k := b.start; k < b.end-1; k++ {
		w += gs[k].width()
		if w > room+eps {
			break
		}
		fit = k + 1
		if strings.ContainsRune(urlSeparators, gs[k].r) && !isNoEnd(gs[k].r) && !isNoStart(gs[k+1].r) {
			sep = k + 1
		}
	}
	switch {
	case sep > b.start:
		return sep
	case must && fit == b.start:
		return b.start + 1
	case must:
		return fit
	}
	return b.start
}

// splitBox cuts boxes[j] at glyph k into two boxes.
func splitBox(gs []pglyph, boxes []box, j, k int) []box {
	a, b := boxes[j], boxes[j]
	a.end, b.start = k, k
	measure(gs, &a)
	measure(gs, &b)
	boxes = append(boxes[:j+1], boxes[j:]...)
	boxes[j], boxes[j+1] = a, b
	return boxes
}

// setLine places the glyphs of boxes on a line of width W: squeezed when
// they overflow (push-in), justified when spec.justify and the line is not
// the last, left-aligned otherwise.
func setLine(gs []pglyph, boxes []box, W, indent float64, spec paraSpec, last bool) line {
	var out []pglyph
	for _, b := range boxes {
		out = append(out, gs[b.start:b.end]...)
	}
	nat := 0.0
	for i := range out {
		nat += out[i].width()
	}
	nat += spec.tracking * float64(len(boxes)-1)
	if over := nat - W; over > eps {
		squeeze(out, over)
		nat = W
	}
	stretch := 0.0
	if spec.justify && !last && len(boxes) > 1 && nat < W {
		stretch = (W - nat) / float64(len(boxes)-1)
		if spec.maxStretch > 0 && stretch > spec.maxStretch {
			stretch = 0
		}
	}
	x := 0.0
	k := 0
	for bi, b := range boxes {
		for range b.end - b.start {
			g := &out[k]
			g.x = x - g.sqL
			x += g.width()
			k++
		}
		if bi < len(boxes)-1 {
			x += spec.tracking + stretch
		}
	}
	return line{glyphs: out, width: x, indent: indent, last: last}
}

// squeeze removes over ems from the glyphs' punctuation blanks: the last
// glyph's right blank first (it sits at the margin), then evenly in
// proportion to what each can give.
func squeeze(gs []pglyph, over float64) {
	if n := len(gs); n > 0 {
		g := &gs[n-1]
		d := min(g.blankR-g.sqR, over)
		g.sqR += d
		over -= d
	}
	if over <= eps {
		return
	}
	total := 0.0
	for i := range gs {
		total += gs[i].blankL - gs[i].sqL + gs[i].blankR - gs[i].sqR
	}
	if total <= eps {
		return
	}
	f := min(over/total, 1)
	for i := range gs {
		g := &gs[i]
		g.sqL += (g.blankL - g.sqL) * f
		g.sqR += (g.blankR - g.sqR) * f
	}
}
