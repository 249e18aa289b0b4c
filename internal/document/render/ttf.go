package render

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// ttFont is a parsed TrueType font (glyf outlines, not CFF): what layout
// needs (the character map, advance widths, ink boxes) and what the PDF
// writer needs to embed a subset. It is parsed once and then only read, so
// it is safe for concurrent use.
type ttFont struct {
	name       string // PostScript-style name, used in the PDF BaseFont
	data       []byte
	tables     map[string][]byte
	unitsPerEm int
	longLoca   bool
	numGlyphs  int
	advances   []uint16 // by glyph ID, in font units
	bmp        []uint16 // rune < 0x10000 → glyph ID, 0 = absent
	astral     map[rune]uint16
	loca       []uint32 // numGlyphs+1 offsets into glyf

	ascent, descent int // hhea, font units
	capHeight       int
	bbox            [4]int
	italicAngle     int
}

func be16(b []byte, off int) uint16 { return binary.BigEndian.Uint16(b[off:]) }
func be32(b []byte, off int) uint32 { return binary.BigEndian.Uint32(b[off:]) }

var errBadFont = errors.New("render: malformed TrueType font")

// parseTTF parses a TrueType font file. It reads the tables it needs and
// keeps data (not copied) for the glyph outlines.
func parseTTF(name string, data []byte) (f *ttFont, err error) {
	defer func() {
		// A short table makes a slice index panic; report it as an error.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%w: %s: %v", errBadFont, name, r)
		}
	}()
	if len(data) < 12 {
		return nil, errBadFont
	}
	if v := be32(data, 0); v != 0x00010000 && v != 0x74727565 { // 1.0 or 'true'
		return nil, fmt.Errorf("%w: %s: not a TrueType outline font", errBadFont, name)
	}
	f = &ttFont{name: name, data: data, tables: map[string][]byte{}}
	n := int(be16(data, 4))
	for i := range n {
		rec := 12 + 16*i
		tag := string(data[rec : rec+4])
		off, length := int(be32(data, rec+8)), int(be32(data, rec+12))
		if off+length > len(data) {
			return nil, fmt.Errorf("%w: %s: table %s out of range", errBadFont, name, tag)
		}
		f.tables[tag] = data[off : off+length]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if f.tables[t] == nil {
			return nil, fmt.Errorf("%w: %s: no %s table", errBadFont, name, t)
		}
	}
	head := f.tables["head"]
	f.unitsPerEm = int(be16(head, 18))
	for i := range 4 {
		f.bbox[i] = int(int16(be16(head, 36+2*i)))
	}
	f.longLoca = be16(head, 50) == 1
	f.numGlyphs = int(be16(f.tables["maxp"], 4))
	hhea := f.tables["hhea"]
	f.ascent, f.descent = int(int16(be16(hhea, 4))), int(int16(be16(hhea, 6)))
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && be16(os2, 0) >= 2 {
		f.capHeight = int(int16(be16(os2, 88)))
	}
	if post := f.tables["post"]; len(post) >= 8 {
		f.italicAngle = int(int16(be16(post, 4)))
	}

	nh := int(be16(hhea, 34))
	hmtx := f.tables["hmtx"]
	f.advances = make([]uint16, f.numGlyphs)
	var last uint16
	for g := range f.numGlyphs {
		if g < nh {
			last = be16(hmtx, 4*g)
		}
		f.advances[g] = last
	}

	loca := f.tables["loca"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for g := range f.numGlyphs + 1 {
		if f.longLoca {
			f.loca[g] = be32(loca, 4*g)
		} else {
			f.loca[g] = uint32(be16(loca, 2*g)) * 2
		}
	}
	if err := f.parseCmap(); err != nil {
		return nil, err
	}
	return f, nil
}

// parseCmap reads the Unicode character map: format 12 (full repertoire)
// when there is one, else format 4 (BMP).
func (f *ttFont) parseCmap() error {
	cmap := f.tables["cmap"]
	n := int(be16(cmap, 2))
	var fmt4, fmt12 []byte
	for i := range n {
		rec := 4 + 8*i
		pid, eid, off := be16(cmap, rec), be16(cmap, rec+2), int(be32(cmap, rec+4))
		sub := cmap[off:]
		switch format := be16(sub, 0); {
		case format == 12 && (pid == 3 && eid == 10 || pid == 0):
			fmt12 = sub
		case format == 4 && (pid == 3 && eid == 1 || pid == 0):
			fmt4 = sub
		}
	}
	f.bmp = make([]uint16, 0x10000)
	f.astral = map[rune]uint16{}
	switch {
	case fmt12 != nil:
		groups := int(be32(fmt12, 12))
		for i := range groups {
			g := 16 + 12*i
			start, end, gid := be32(fmt12, g), be32(fmt12, g+4), be32(fmt12, g+8)
			for c := start; c <= end && c <= 0x10FFFF; c++ {
				f.setGlyph(rune(c), uint16(gid+(c-start)))
			}
		}
	case fmt4 != nil:
		segX2 := int(be16(fmt4, 6))
		ends, starts := 14, 16+segX2
		deltas, ranges := starts+segX2, starts+2*segX2
		for s := 0; s < segX2; s += 2 {
			end, start := int(be16(fmt4, ends+s)), int(be16(fmt4, starts+s))
			delta, ro := be16(fmt4, deltas+s), int(be16(fmt4, ranges+s))
			for c := start; c <= end && c != 0xFFFF; c++ {
				var gid uint16
				if ro == 0 {
					gid = uint16(c) + delta
				} else {
					gid = be16(fmt4, ranges+s+ro+2*(c-start))
					if gid != 0 {
						gid += delta
					}
				}
				f.setGlyph(rune(c), gid)
			}
		}
	default:
		return fmt.Errorf("%w: %s: no Unicode cmap", errBadFont, f.name)
	}
	return nil
}

func (f *ttFont) setGlyph(r rune, gid uint16) {
	if int(gid) >= f.numGlyphs {
		return
	}
	if r < 0x10000 {
		f.bmp[r] = gid
	} else if gid != 0 {
		f.astral[r] = gid
	}
}

// glyph returns the glyph of r, 0 (.notdef) when the font lacks it.
func (f *ttFont) glyph(r rune) uint16 {
	if r >= 0 && r < 0x10000 {
		return f.bmp[r]
	}
	return f.astral[r]
}

// glyphData returns the outline of glyph g, empty for a blank glyph.
func (f *ttFont) glyphData(g uint16) []byte {
	glyf := f.tables["glyf"]
	a, b := f.loca[g], f.loca[g+1]
	if b <= a || int(b) > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// inkBox returns glyph g's horizontal ink extent in font units, ok false for
// a blank glyph.
func (f *ttFont) inkBox(g uint16) (xMin, xMax int, ok bool) {
	d := f.glyphData(g)
	if len(d) < 10 {
		return 0, 0, false
	}
	return int(int16(be16(d, 2))), int(int16(be16(d, 6))), true
}

// Composite glyph flags (OpenType glyf table).
const (
	argsAreWords    = 0x0001
	haveScale       = 0x0008
	moreComponents  = 0x0020
	haveXYScale     = 0x0040
	haveTwoByTwo    = 0x0080
	haveInstruction = 0x0100
)

// components calls fn with the offset of every component glyph index of a
// composite glyph (nothing for a simple glyph).
func components(d []byte, fn func(off int)) {
	if len(d) < 10 || int16(be16(d, 0)) >= 0 {
		return
	}
	off := 10
	for {
		flags := be16(d, off)
		fn(off + 2)
		off += 4
		if flags&argsAreWords != 0 {
			off += 4
		} else {
			off += 2
		}
		switch {
		case flags&haveScale != 0:
			off += 2
		case flags&haveXYScale != 0:
			off += 4
		case flags&haveTwoByTwo != 0:
			off += 8
		}
		if flags&moreComponents == 0 {
			return
		}
	}
}

// subset returns a TrueType font holding .notdef and the given glyphs, with
// new glyph IDs: the result maps each old glyph ID to its new one (the
// order of used, .notdef being 0). Components of composite glyphs are
// included and renumbered. Hinting (cvt, fpgm, prep) is kept so the subset
// renders as the original does. runes (old glyph → character) fills a small
// Unicode cmap; a PDF reader uses the CIDToGIDMap instead, but the subset is
// then a complete font file that any TrueType parser accepts.
func (f *ttFont) subset(used []uint16, runes map[uint16]rune) (font []byte, newID map[uint16]uint16) {
	newID = map[uint16]uint16{0: 0}
	order := []uint16{0}
	var add func(g uint16)
	add = func(g uint16) {
		if _, ok := newID[g]; ok || int(g) >= f.numGlyphs {
			return
		}
		newID[g] = uint16(len(order))
		order = append(order, g)
		d := f.glyphData(g)
		components(d, func(off int) { add(be16(d, off)) })
	}
	for _, g := range used {
		add(g)
	}

	var glyf []byte
	loca := make([]byte, 4*(len(order)+1))
	hmtx := make([]byte, 4*len(order))
	for i, g := range order {
		binary.BigEndian.PutUint32(loca[4*i:], uint32(len(glyf)))
		d := f.glyphData(g)
		if len(d) >= 10 && int16(be16(d, 0)) < 0 {
			d = append([]byte(nil), d...)
			components(d, func(off int) {
				binary.BigEndian.PutUint16(d[off:], newID[be16(d, off)])
			})
		}
		glyf = append(glyf, d...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		binary.BigEndian.PutUint16(hmtx[4*i:], f.advances[g])
		binary.BigEndian.PutUint16(hmtx[4*i+2:], uint16(f.lsb(g)))
	}
	binary.BigEndian.PutUint32(loca[4*len(order):], uint32(len(glyf)))

	head := append([]byte(nil), f.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := append([]byte(nil), f.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(order)))
	maxp := append([]byte(nil), f.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(order)))

	tables := map[string][]byte{"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx, "loca": loca, "glyf": glyf,
		"cmap": subsetCmap(runes, newID)}
	// post version 3: no glyph names, which the subset does not need.
	post := make([]byte, 32)
	if p := f.tables["post"]; len(p) >= 32 {
		copy(post, p[:32])
	}
	binary.BigEndian.PutUint32(post, 0x00030000)
	tables["post"] = post
	for _, t := range []string{"cvt ", "fpgm", "prep", "OS/2"} {
		if b := f.tables[t]; b != nil {
			tables[t] = b
		}
	}
	return writeSFNT(tables), newID
}

// subsetCmap writes a (3,1) format 4 cmap mapping each BMP rune to its new
// glyph: one segment per rune, and the closing 0xFFFF segment.
func subsetCmap(runes map[uint16]rune, newID map[uint16]uint16) []byte {
	type pair struct{ r, g uint16 }
	var pairs []pair
	seen := map[uint16]bool{}
	for old, r := range runes {
		if r > 0 && r < 0xFFFF && !seen[uint16(r)] {
			seen[uint16(r)] = true
			pairs = append(pairs, pair{uint16(r), newID[old]})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].r < pairs[j].r })
	seg := len(pairs) + 1
	es := 0
	for 1<<(es+1) <= seg {
		es++
	}
	sub := make([]byte, 16+8*seg)
	put := func(off int, v uint16) { binary.BigEndian.PutUint16(sub[off:], v) }
	put(0, 4)
	put(2, uint16(len(sub)))
	put(6, uint16(2*seg))
	put(8, uint16(2<<es))
	put(10, uint16(es))
	put(12, uint16(2*seg-2<<es))
	ends, starts := 14, 16+2*seg
	deltas, offs := starts+2*seg, starts+4*seg
	for i, p := range pairs {
		put(ends+2*i, p.r)
		put(starts+2*i, p.r)
		put(deltas+2*i, p.g-p.r)
		put(offs+2*i, 0)
	}
	put(ends+2*(seg-1), 0xFFFF)
	put(starts+2*(seg-1), 0xFFFF)
	put(deltas+2*(seg-1), 1)
	out := make([]byte, 12, 12+len(sub))
	binary.BigEndian.PutUint16(out[2:], 1)  // one subtable
	binary.BigEndian.PutUint16(out[4:], 3)  // Windows
	binary.BigEndian.PutUint16(out[6:], 1)  // Unicode BMP
	binary.BigEndian.PutUint32(out[8:], 12) // at offset 12
	return append(out, sub...)
}

// lsb returns glyph g's left side bearing from hmtx.
func (f *ttFont) lsb(g uint16) int16 {
	hmtx := f.tables["hmtx"]
	nh := int(be16(f.tables["hhea"], 34))
	if int(g) < nh {
		return int16(be16(hmtx, 4*int(g)+2))
	}
	off := 4*nh + 2*(int(g)-nh)
	if off+2 > len(hmtx) {
		return 0
	}
	return int16(be16(hmtx, off))
}

// writeSFNT assembles tables into a font file with correct checksums.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16<<es))
	headOff := 0
	for i, t := range tags {
		b := tables[t]
		rec := 12 + 16*i
		copy(out[rec:], t)
		binary.BigEndian.PutUint32(out[rec+4:], checksum(b))
		binary.BigEndian.PutUint32(out[rec+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[rec+12:], uint32(len(b)))
		if t == "head" {
			headOff = len(out)
		}
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
