package render

import (
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// The block model: every kind lays its content out as a list of blocks,
// and both the PDF layout and the HTML template walk the same list, so the
// two views always carry the same text in the same structure.

type blockKind uint8

const (
	bkCourt   blockKind = iota + 1 // court name heading, centred, 2号 小标宋
	bkTitle                        // document title, centred, 1号 小标宋
	bkCaseNo                       // case number, right-aligned under the title
	bkPara                         // body paragraph, justified, first line indented two characters
	bkFlush                        // body paragraph set from the left margin (salutation, 此致's addressee)
	bkHeading                      // a bold line inside the body (诉讼请求：)
	bkTable                        // a ruled table
	bkSign                         // the 落款: signers, court, date, clerk
)

type block struct {
	kind  blockKind
	text  string
	table *table
	sign  *signBlock
}

// table is a ruled table. Column widths are fractions of the text width.
type table struct {
	cols []column
	head bool       // rows[0] is a header row, set bold and centred
	rows [][]string // cells; "" is an empty cell, "\n" separates paragraphs
}

type column struct {
	width  float64 // fraction of the text width
	right  bool    // right-aligned (amounts)
	center bool    // centred (the labels of a form)
}

// signBlock is the 落款.
type signBlock struct {
	signers []signer // before the date: the panel, or 具状人
	court   string   // the court's name above the date (notices), "" in judgments
	date    string
	note    string   // 本件与原本核对无异, set at the left after the date
	after   []signer // after the date: clerks
	sep     string   // between a signer's role and name: "" means a space, "：" for 具状人
	seal    bool     // the court seals this document here
}

type signer struct {
	role, name string
}

// builder collects the blocks of one document and the problems of its
// input.
type builder struct {
	doc    *Document
	c      errs.Collector
	blocks []block
}

func (b *builder) add(k blockKind, text string) {
	b.blocks = append(b.blocks, block{kind: k, text: text})
}

// para adds one justified paragraph per non-empty line of text.
func (b *builder) para(text string) {
	for _, p := range splitParas(text) {
		b.add(bkPara, p)
	}
}

// paras adds each element of ps as one or more paragraphs.
func (b *builder) paras(ps []string) {
	for _, p := range ps {
		b.para(p)
	}
}

// heading adds the court name, title and case number.
func (b *builder) heading() {
	b.add(bkCourt, b.doc.CourtName)
	b.add(bkTitle, b.doc.DisplayTitle())
	if b.doc.CaseNumber != "" {
		b.add(bkCaseNo, b.doc.CaseNumber)
	}
}

// sign adds the 落款 block.
func (b *builder) sign(s signBlock) {
	s.seal = b.doc.Seal != nil
	b.blocks = append(b.blocks, block{kind: bkSign, sign: &s})
}

// noticeSign is the 落款 of a notice: court name above the date.
func (b *builder) noticeSign() {
	b.sign(signBlock{court: b.doc.CourtName, date: cnDate(b.doc.IssuedOn)})
}

func (b *builder) required(field, value string) {
	if blank(value) {
		b.c.Add(field, "required")
	}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// splitParas splits text into trimmed, non-empty lines. Leading
// ideographic spaces are dropped: the layout indents paragraphs itself.
func splitParas(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "\u3000"))
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// build validates d and returns its blocks. Problems come back as one
// errs.Invalid error listing every field.
func build(d *Document) ([]block, error) {
	b := &builder{doc: d}
	d.validate(&b.c)
	if d.Body != nil {
		d.Body.build(b)
	}
	if err := b.c.Err(); err != nil {
		return nil, err
	}
	return b.blocks, nil
}

// texts calls fn with every string the blocks print, in reading order.
func texts(blocks []block, fn func(string)) {
	for _, bl := range blocks {
		switch bl.kind {
		case bkTable:
			for _, row := range bl.table.rows {
				for _, c := range row {
					fn(c)
				}
			}
		case bkSign:
			s := bl.sign
			for _, x := range s.signers {
				fn(x.role)
				fn(s.sep)
				fn(x.name)
			}
			fn(s.court)
			fn(s.date)
			fn(s.note)
			for _, x := range s.after {
				fn(x.role)
				fn(s.sep)
				fn(x.name)
			}
		default:
			fn(bl.text)
		}
	}
}
