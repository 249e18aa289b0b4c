package render

import (
	"strconv"
	"unicode/utf8"
)

// Page geometry after the printing standard of court documents (人民法院
// 诉讼文书格式标准; GB/T 9704-2012 for the 版心): A4, a type area (版心) of
// 156 × 225 mm with a 37 mm head and a 28 mm binding margin, 22 lines of 28
// characters, the body in 3号 (16 pt) narrowed to the 28-character grid,
// the court name in 2号 and the title in 1号 小标宋, tables in 4号.
const (
	mm         = 72 / 25.4
	pageW      = 210 * mm
	pageH      = 297 * mm
	marginLeft = 28 * mm
	marginTop  = 37 * mm
	textW      = 156 * mm
	pitch      = 29.0       // line pitch of the body: 22 lines in 638 pt
	contentH   = 22 * pitch // height of the type area
	bodySize   = textW / 28 // 15.79 pt: 28 characters a line
	courtSize  = 22.0       // 2号
	titleSize  = 26.0       // 1号
	tableSize  = 14.0       // 4号
	tablePitch = 20.0       // line pitch inside table cells
	cellPadX   = 4.0        // cell padding
	cellPadY   = 3.0        //
	ruleWidth  = 0.6        // table rules
	pageNoSize = 14.0       // 4号, GB/T 9704-2012 §7.5
	signInset  = 4.0        // ems the 落款 keeps from the right edge: GB/T 9704-2012 §7.3.5.1 右空四字
	sealRadius = 21 * mm    // a 42 mm seal
	glyphMid   = 0.38       // height of a CJK glyph's middle above the baseline, ems
	judgeLift  = 0.25       // adjudications: the seal's centre is this many radii above the date's middle
	epsPt      = 1e-6       // points
)

type align uint8

const (
	alignJustify align = iota
	alignCenter
	alignRight
	alignLeft
)

// item is one unbreakable piece of the flow: a line, a table row, the
// 落款.
type item struct {
	h    float64
	keep bool // stays on the page of the next item
	gap  bool // vertical space, dropped at the top of a page
	draw func(l *layout, p *page, top float64)
}

// layout flows items onto pages.
type layout struct {
	fs     *fontSet
	doc    *Document
	pages  []*page
	sealed bool // draw the seal
	seal   *SealPlacement
}

// run places one set line: x from the left page edge, top from the page
// top; the line's glyphs are centred vertically in a line of height h.
func run(x, top, h, size float64, bold bool, gs []pglyph) textRun {
	return textRun{x: x, y: pageH - (top + h/2 + glyphMid*size), size: size, bold: bold, glyphs: gs}
}

// textItems sets a paragraph and returns one item per line.
func (l *layout) textItems(text string, size, lineH float64, spec paraSpec, al align, bold bool) []item {
	lines := l.fs.breakLines(text, spec)
	items := make([]item, len(lines))
	for i, ln := range lines {
		off := ln.indent * size
		switch al {
		case alignCenter:
			off = (spec.width*size - ln.width*size) / 2
		case alignRight:
			off = spec.width*size - ln.width*size
		}
		items[i] = item{h: lineH, draw: func(l *layout, p *page, top float64) {
			p.texts = append(p.texts, run(marginLeft+off, top, lineH, size, bold, ln.glyphs))
		}}
	}
	// Widows and orphans: the first two and the last two lines of a
	// paragraph stay together.
	if n := len(items); n >= 2 {
		items[0].keep = true
		items[n-2].keep = true
	}
	return items
}

// items turns the blocks into the flow.
func (l *layout) items(blocks []block) []item {
	var out []item
	body := paraSpec{width: textW / bodySize, indent: 2, justify: true}
	flush := paraSpec{width: textW / bodySize, justify: true}
	for i, bl := range blocks {
		switch bl.kind {
		case bkCourt:
			its := l.textItems(bl.text, courtSize, 38, paraSpec{width: textW / courtSize}, alignCenter, true)
			out = append(out, keepAll(its)...)
		case bkTitle:
			spec := paraSpec{width: textW / titleSize, tracking: titleTracking(bl.text)}
			its := l.textItems(bl.text, titleSize, 46, spec, alignCenter, true)
			out = append(out, keepAll(its)...)
			if i+1 < len(blocks) && blocks[i+1].kind != bkCaseNo {
				out = append(out, item{h: pitch / 2, gap: true})
			}
		case bkCaseNo:
			its := l.textItems(bl.text, bodySize, pitch, paraSpec{width: textW / bodySize}, alignRight, false)
			out = append(out, keepAll(its)...)
			out = append(out, item{h: pitch / 3, gap: true})
		case bkPara:
			out = append(out, l.textItems(bl.text, bodySize, pitch, body, alignJustify, false)...)
		case bkFlush:
			out = append(out, l.textItems(bl.text, bodySize, pitch, flush, alignJustify, false)...)
		case bkHeading:
			out = append(out, keepAll(l.textItems(bl.text, bodySize, pitch, flush, alignJustify, true))...)
		case bkTable:
			out = append(out, l.tableItems(bl.table)...)
			out = append(out, item{h: pitch / 3, gap: true})
		case bkSign:
			// The 落款 never stands alone on a page: it keeps the item
			// before it (and any space between).
			for k := len(out) - 1; k >= 0; k-- {
				out[k].keep = true
				if !out[k].gap {
					break
				}
			}
			out = append(out, l.signItem(bl.sign))
		}
	}
	return out
}

func keepAll(its []item) []item {
	for i := range its {
		its[i].keep = true
	}
	return its
}

// titleTracking spaces out short titles as courts print them: 传　票,
// 民 事 判 决 书.
func titleTracking(s string) float64 {
	switch n := utf8.RuneCountInString(s); {
	case n <= 3:
		return 1
	case n <= 6:
		return 0.5
	}
	return 0
}

// paginate places the items on pages. A chain of items linked by keep moves
// to a new page whole when it does not fit and a page can hold it.
func (l *layout) paginate(items []item) {
	p := l.newPage()
	y := 0.0
	for i := 0; i < len(items); {
		j, h := i, items[i].h
		for items[j].keep && j+1 < len(items) {
			j++
			h += items[j].h
		}
		if y+h > contentH+epsPt && y > 0 && h <= contentH {
			p, y = l.newPage(), 0
		}
		for k := i; k <= j; k++ {
			it := items[k]
			if y+it.h > contentH+epsPt && y > 0 {
				p, y = l.newPage(), 0
			}
			if it.gap && y == 0 {
				continue
			}
			if it.draw != nil {
				it.draw(l, p, marginTop+y)
			}
			y += it.h
		}
		i = j + 1
	}
}

func (l *layout) newPage() *page {
	p := &page{}
	l.pages = append(l.pages, p)
	return p
}

// pageNumbers numbers the pages of a document of more than one page: 4号
// Arabic numerals between em dashes, 7 mm under the type area, odd pages
// right and even pages left, one character in from the edge (GB/T
// 9704-2012 §7.5; courts print both sides).
func (l *layout) pageNumbers() {
	if len(l.pages) < 2 {
		return
	}
	for i, p := range l.pages {
		gs := l.fs.shapeText("— " + strconv.Itoa(i+1) + " —")
		w := 0.0
		for k := range gs {
			gs[k].x = w
			w += gs[k].adv
		}
		x := marginLeft + textW - pageNoSize - w*pageNoSize
		if i%2 == 1 {
			x = marginLeft + pageNoSize
		}
		y := pageH - (marginTop + contentH + 7*mm + pageNoSize*0.88)
		p.texts = append(p.texts, textRun{x: x, y: y, size: pageNoSize, glyphs: gs})
	}
}

// footLine prints text (the verification line) at the foot of every page,
// 9 pt, flush left with the type area, below the page numbers.
func (l *layout) footLine(text string) {
	const size = 9.0
	if text == "" {
		return
	}
	for _, p := range l.pages {
		gs := l.fs.shapeText(text)
		w := 0.0
		for k := range gs {
			gs[k].x = w
			w += gs[k].adv
		}
		y := pageH - (marginTop + contentH + 7*mm + pageNoSize*0.88) - 2*pageNoSize
		p.texts = append(p.texts, textRun{x: marginLeft, y: y, size: size, glyphs: gs})
	}
}

// watermark marks every page of a draft with a large grey 草稿 across it.
func (l *layout) watermark() {
	const size = 140.0
	for _, p := range l.pages {
		gs := l.fs.shapeText("草稿")
		w := 0.0
		for k := range gs {
			gs[k].x = w
			w += gs[k].adv
		}
		// 45°: the text's centre at the page's centre.
		c, s := 0.70710678, 0.70710678
		dx, dy := w*size/2, glyphMid*size
		x := pageW/2 - (c*dx - s*dy)
		y := pageH/2 - (s*dx + c*dy)
		p.watermark = append(p.watermark, textRun{x: x, y: y, size: size, colour: grey, glyphs: gs, rot: &[4]float64{c, s, -s, c}})
	}
}

// tableItems sets a table: one item per row, rules on every side of every
// cell, the text of each cell centred vertically.
func (l *layout) tableItems(t *table) []item {
	var out []item
	for ri, row := range t.rows {
		head := t.head && ri == 0
		type cell struct {
			x, w  float64
			lines []line
			al    align
		}
		cells := make([]cell, len(t.cols))
		x, maxLines := 0.0, 1
		for ci, col := range t.cols {
			w := col.width * textW
			c := cell{x: x, w: w, al: alignLeft}
			switch {
			case head || col.center:
				c.al = alignCenter
			case col.right:
				c.al = alignRight
			}
			text := ""
			if ci < len(row) {
				text = row[ci]
			}
			spec := paraSpec{width: (w - 2*cellPadX) / tableSize, justify: c.al == alignLeft, maxStretch: 0.25}
			for _, para := range splitParas(text) {
				c.lines = append(c.lines, l.fs.breakLines(para, spec)...)
			}
			maxLines = max(maxLines, len(c.lines))
			cells[ci] = c
			x += w
		}
		h := float64(maxLines)*tablePitch + 2*cellPadY
		it := item{h: h, keep: head, draw: func(l *layout, p *page, top float64) {
			yTop, yBot := pageH-top, pageH-top-h
			left, right := marginLeft, marginLeft+textW
			p.rules = append(p.rules, [5]float64{left, yTop, right, yTop, ruleWidth}, [5]float64{left, yBot, right, yBot, ruleWidth})
			for _, c := range cells {
				p.rules = append(p.rules, [5]float64{marginLeft + c.x, yTop, marginLeft + c.x, yBot, ruleWidth})
				inner := c.w - 2*cellPadX
				y := top + cellPadY + (float64(maxLines-len(c.lines))*tablePitch)/2
				for _, ln := range c.lines {
					off := 0.0
					switch c.al {
					case alignCenter:
						off = (inner - ln.width*tableSize) / 2
					case alignRight:
						off = inner - ln.width*tableSize
					}
					p.texts = append(p.texts, run(marginLeft+c.x+cellPadX+off, y, tablePitch, tableSize, head, ln.glyphs))
					y += tablePitch
				}
			}
			p.rules = append(p.rules, [5]float64{right, yTop, right, yBot, ruleWidth})
		}}
		out = append(out, it)
	}
	return out
}
