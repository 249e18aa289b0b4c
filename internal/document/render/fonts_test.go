package render

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

func TestFallbackChain(t *testing.T) {
	fs := testFonts(t)
	tests := []struct {
		r    rune
		font int // 0 AR PL SungtiL GB, 1 Droid Sans Fallback
	}{
		{'中', 0}, {'0', 0}, {'A', 0}, {'，', 0}, {'￥', 0}, {'×', 0},
		{'〇', 1}, // not in GB 2312
		{'堃', 1}, // a name character outside GB 2312
		{'㐀', 1}, // Extension A
	}
	for _, tt := range tests {
		g, ok := fs.shape(tt.r)
		if !ok || int(g.font) != tt.font {
			t.Errorf("shape(%q) = font %d, %v; want font %d", tt.r, g.font, ok, tt.font)
		}
	}
	if _, ok := fs.shape('𠮷'); ok {
		t.Error("shape(𠮷) found a glyph; neither font covers Extension B")
	}
}

func TestBlankSide(t *testing.T) {
	fs := testFonts(t)
	for _, c := range []struct {
		r    rune
		side int
	}{{'，', +1}, {'。', +1}, {'、', +1}, {'）', +1}, {'》', +1}, {'”', +1}, {'（', -1}, {'《', -1}, {'“', -1}, {'中', 0}, {'—', 0}} {
		g, _ := fs.shape(c.r)
		if got := fs.blankSide(g); got != c.side {
			t.Errorf("blankSide(%q) = %d, want %d", c.r, got, c.side)
		}
	}
}

// TestSubset parses the subsets this package embeds with
// golang.org/x/image/font/sfnt and checks every glyph loads with its
// advance, including Droid's composite glyphs.
func TestSubset(t *testing.T) {
	fs := testFonts(t)
	for i, f := range fs.fonts {
		var used []uint16
		runes := map[uint16]rune{}
		composite := 0
		for _, r := range "中华人民共和国〇一二三，。（）《》0123456789ABCxyz堃㐀" {
			if g := f.glyph(r); g != 0 {
				used = append(used, g)
				runes[g] = r
				if d := f.glyphData(g); len(d) >= 10 && int16(be16(d, 0)) < 0 {
					composite++
				}
			}
		}
		data, newID := f.subset(used, runes)
		sf, err := sfnt.Parse(data)
		if err != nil {
			t.Fatalf("font %d: subset does not parse: %v", i, err)
		}
		if got, want := sf.NumGlyphs(), len(newID); got != want {
			t.Errorf("font %d: %d glyphs, want %d", i, got, want)
		}
		var buf sfnt.Buffer
		ppem := fixed.I(f.unitsPerEm)
		for old, nw := range newID {
			if _, err := sf.LoadGlyph(&buf, sfnt.GlyphIndex(nw), ppem, nil); err != nil {
				t.Errorf("font %d: glyph %d (was %d): %v", i, nw, old, err)
			}
			adv, err := sf.GlyphAdvance(&buf, sfnt.GlyphIndex(nw), ppem, 0)
			if err != nil || adv.Round() != int(f.advances[old]) {
				t.Errorf("font %d: glyph %d advance %v, want %d (%v)", i, nw, adv, f.advances[old], err)
			}
		}
		for old, r := range runes {
			if g, err := sf.GlyphIndex(&buf, r); err != nil || uint16(g) != newID[old] {
				t.Errorf("font %d: cmap maps %q to %d, want %d (%v)", i, r, g, newID[old], err)
			}
		}
		t.Logf("font %d: %d glyphs (%d composite) → %d bytes", i, len(used), composite, len(data))
	}
}

// TestOutlines checks the outline reader against the bounding boxes the
// glyphs declare, for simple and composite glyphs, and that the path
// writer produces closed paths.
func TestOutlines(t *testing.T) {
	fs := testFonts(t)
	for _, r := range "浙江省象山县人民法院〇草稿" {
		g, _ := fs.shape(r)
		f := fs.fonts[g.font]
		d := f.glyphData(g.gid)
		xMin, yMin := float64(int16(be16(d, 2))), float64(int16(be16(d, 4)))
		xMax, yMax := float64(int16(be16(d, 6))), float64(int16(be16(d, 8)))
		lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
		for _, ct := range f.contours(g.gid, 0) {
			for _, p := range ct {
				lo = [2]float64{min(lo[0], p.x), min(lo[1], p.y)}
				hi = [2]float64{max(hi[0], p.x), max(hi[1], p.y)}
			}
		}
		if math.Abs(lo[0]-xMin) > 1 || math.Abs(lo[1]-yMin) > 1 || math.Abs(hi[0]-xMax) > 1 || math.Abs(hi[1]-yMax) > 1 {
			t.Errorf("%q: outline spans %v–%v, glyph box (%v %v)–(%v %v)", r, lo, hi, xMin, yMin, xMax, yMax)
		}
		var b strings.Builder
		glyphPath(&b, f, g.gid, 12, [6]float64{1, 0, 0, 1, 0, 0})
		path := b.String()
		if strings.Count(path, " m\n") == 0 || strings.Count(path, " m\n") != strings.Count(path, "h\n") {
			t.Errorf("%q: path not made of closed contours:\n%.200s", r, path)
		}
	}
}
