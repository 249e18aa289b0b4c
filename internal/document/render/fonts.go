package render

import (
	_ "embed"
	"fmt"
	"sync"
)

// The fonts travel with the binary; no system font is read at run time.
// fonts/SHA256SUMS and scripts/fonts.sh say where they come from.
//
// Courts print the body of their documents in 仿宋 (FangSong GB2312) and the
// court name and title in 小标宋; no FangSong font is freely licensed, so
// the body is set in AR PL SungtiL GB (宋体, Arphic Public License) and the
// headings in the same face with a stroked ("fake") bold, which looks like
// 小标宋. AR PL SungtiL GB covers GB 2312 (ASCII, full-width punctuation,
// ￥, ×, 6,763 hanzi) but not 〇 nor rarer hanzi of personal names; Droid
// Sans Fallback (Apache-2.0) covers all CJK Unified Ideographs and
// Extension A and 〇, but has no ASCII digits. Each rune takes the first
// font of the chain whose character map has it.

//go:embed fonts/gbsn00lp.ttf
var songTTF []byte

//go:embed fonts/DroidSansFallbackFull.ttf
var droidTTF []byte

// fontSet is the parsed fallback chain, in order.
type fontSet struct {
	fonts []*ttFont
}

var loadFonts = sync.OnceValues(func() (*fontSet, error) {
	song, err := parseTTF("ARPLSungtiLGB", songTTF)
	if err != nil {
		return nil, err
	}
	droid, err := parseTTF("DroidSansFallback", droidTTF)
	if err != nil {
		return nil, err
	}
	return &fontSet{fonts: []*ttFont{song, droid}}, nil
})

// fonts returns the embedded fonts, parsed once per process.
func fonts() (*fontSet, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, fmt.Errorf("render: embedded fonts: %w", err)
	}
	return fs, nil
}

// glyph is one shaped character: which font of the chain draws it, its
// glyph ID there and its advance as a fraction of the em.
type glyph struct {
	r    rune
	font uint8
	gid  uint16
	adv  float64 // em
}

// shape returns the glyph of r from the first font of the chain that has
// it; ok is false when none has.
func (fs *fontSet) shape(r rune) (g glyph, ok bool) {
	for i, f := range fs.fonts {
		if gid := f.glyph(r); gid != 0 {
			return glyph{r: r, font: uint8(i), gid: gid, adv: float64(f.advances[gid]) / float64(f.unitsPerEm)}, true
		}
	}
	return glyph{r: r}, false
}

// has reports whether some font of the chain has r.
func (fs *fontSet) has(r rune) bool {
	_, ok := fs.shape(r)
	return ok
}

// blankSide tells which half of a full-width punctuation mark's em box is
// empty, from the glyph's ink: +1 the right half (，。、；：？！ and closing
// brackets in GB fonts), -1 the left half (opening brackets and quotes), 0
// neither. Only that half may be squeezed away (标点挤压).
func (fs *fontSet) blankSide(g glyph) int {
	if !isCJKPunct(g.r) {
		return 0
	}
	f := fs.fonts[g.font]
	xMin, xMax, ok := f.inkBox(g.gid)
	if !ok {
		return 0
	}
	half := int(f.advances[g.gid]) / 2
	slack := f.unitsPerEm / 50 // ink may touch the middle by 2% of the em
	switch {
	case xMax <= half+slack:
		return +1
	case xMin >= half-slack:
		return -1
	}
	return 0
}
