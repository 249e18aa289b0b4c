package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func testFonts(t testing.TB) *fontSet {
	t.Helper()
	fs, err := fonts()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func lineTexts(lines []line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.text()
	}
	return out
}

// TestBreakLines is the table of tricky lines: each is set in a narrow
// measure (width in ems of the font size) and the lines must come out
// exactly so.
func TestBreakLines(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{
			name:  "exactly fills a line",
			text:  "一二三四五六七八九十",
			width: 10,
			want:  []string{"一二三四五六七八九十"},
		},
		{
			name:  "fills a line, then a full stop: pushed out with the last character (one blank of 。 is not enough to push in)",
			text:  "一二三四五六七八九十。",
			width: 10,
			want:  []string{"一二三四五六七八九", "十。"},
		},
		{
			name:  "comma that would start a line: pushed in by squeezing the line's two marks",
			text:  "一二三，五六七八九十。一二",
			width: 10,
			want:  []string{"一二三，五六七八九十。", "一二"},
		},
		{
			name:  "comma that would start a line, no room to push in: pushed out",
			text:  "一二三四五六七八九十，一二",
			width: 10,
			want:  []string{"一二三四五六七八九", "十，一二"},
		},
		{
			name:  "closing bracket and full stop at the start of a line",
			text:  "一二三四五（六七八九）。一二三",
			width: 10,
			want:  []string{"一二三四五（六七八", "九）。一二三"},
		},
		{
			name:  "closing quote after a full stop",
			text:  "他说：“一二三四五。”其后",
			width: 10,
			want:  []string{"他说：“一二三四五。”", "其后"},
		},
		{
			name:  "opening bracket that would end a line goes down with its word",
			text:  "一二三四五六七八九（十）一",
			width: 10,
			want:  []string{"一二三四五六七八九", "（十）一"},
		},
		{
			name:  "opening book-title mark at the end",
			text:  "依照一二三四五六七《民法典》第一条",
			width: 10,
			want:  []string{"依照一二三四五六七", "《民法典》第一条"},
		},
		{
			name:  "long number stays whole, with its unit",
			text:  "借款本金共计1,234,567.89元整",
			width: 10,
			want:  []string{"借款本金共计", "1,234,567.89元整"},
		},
		{
			name:  "ISO date stays whole",
			text:  "自一二三四五六七2026-11-26起",
			width: 10,
			want:  []string{"自一二三四五六七", "2026-11-26起"},
		},
		{
			name:  "year stays with 年; 〇 is a character like any other",
			text:  "二〇二六年十一月二十六日，即2026年11月26日",
			width: 10,
			want:  []string{"二〇二六年十一月二十", "六日，即2026年11月", "26日"},
		},
		{
			name:  "case number: （2026） glued, digits whole",
			text:  "本院受理的（2026）浙0225民初1号案件",
			width: 10,
			want:  []string{"本院受理的（2026）浙", "0225民初1号案件"},
		},
		{
			name:  "Latin words break at spaces only",
			text:  "被告Acme Trading Co., Ltd.应当支付",
			width: 10,
			want:  []string{"被告Acme Trading", "Co., Ltd.应当支付"},
		},
		{
			name:  "percent sign never starts a line",
			text:  "一二三四五六七八年利率3.45%",
			width: 10,
			want:  []string{"一二三四五六七八年利", "率3.45%"},
		},
		{
			name:  "ellipsis and dash are not split",
			text:  "一二三四五六七八九……十——一二",
			width: 10,
			want:  []string{"一二三四五六七八", "九……十——一二"},
		},
		{
			name:  "middle dot neither starts nor ends a line",
			text:  "被告一二三四五六阿卜·克里木",
			width: 10,
			want:  []string{"被告一二三四五六阿", "卜·克里木"},
		},
		{
			name:  "URL longer than the line is split at its separators",
			text:  "网址https://ecourt.example.cn/verify/ABCDEFGH",
			width: 10,
			want:  []string{"网址https://ecourt.", "example.cn/verify/", "ABCDEFGH"},
		},
		{
			name:  "hash longer than the line is split between characters",
			text:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d",
			width: 10,
			want:  []string{"9f86d081884c7d659a2f", "eaa0c55ad015a3bf4f1b", "2b0b822cd15d"},
		},
		{
			name:  "a line of only punctuation and brackets",
			text:  "（一）（二）（三）（四）（五）（六）",
			width: 10,
			want:  []string{"（一）（二）（三）（四）", "（五）（六）"},
		},
		{
			name:  "first-line indent",
			text:  "一二三四五六七八九十一二三四五六",
			width: 10,
			want:  []string{"一二三四五六七八", "九十一二三四五六"},
		},
	}
	fs := testFonts(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := paraSpec{width: tt.width, justify: true}
			if tt.name == "first-line indent" {
				spec.indent = 2
			}
			lines := fs.breakLines(tt.text, spec)
			if diff := cmp.Diff(tt.want, lineTexts(lines)); diff != "" {
				t.Errorf("breakLines(%q) lines (-want +got):\n%s", tt.text, diff)
			}
			checkLines(t, tt.text, lines, spec)
		})
	}
}

// checkLines asserts the invariants of any set paragraph: no character
// lost or added, no line over the measure, justified lines exactly full,
// no line starting with a noStart mark or ending with a noEnd mark unless
// a single unbreakable run filled the line.
func checkLines(t *testing.T, text string, lines []line, spec paraSpec) {
	t.Helper()
	var got strings.Builder
	for i, l := range lines {
		got.WriteString(l.text())
		W := spec.width - l.indent
		if l.width > W+1e-6 {
			// Only a single glyph wider than the line may overflow.
			if len(l.glyphs) > 1 {
				t.Errorf("line %d %q is %.3f em wide, measure %.3f", i, l.text(), l.width, W)
			}
		}
		if spec.justify && !l.last && l.width < W-1e-6 && spec.maxStretch == 0 && countBoxes(l) > 1 {
			t.Errorf("line %d %q is %.3f em wide, not justified to %.3f", i, l.text(), l.width, W)
		}
		if l.last != (i == len(lines)-1) {
			t.Errorf("line %d last = %v", i, l.last)
		}
		if n := len(l.glyphs); n > 0 {
			first, last := l.glyphs[0].r, l.glyphs[n-1].r
			if i > 0 && isNoStart(first) {
				t.Errorf("line %d %q starts with %q", i, l.text(), first)
			}
			if i < len(lines)-1 && isNoEnd(last) {
				t.Errorf("line %d %q ends with %q", i, l.text(), last)
			}
		}
		for k := 1; k < len(l.glyphs); k++ {
			if l.glyphs[k].x+1e-9 < l.glyphs[k-1].x+l.glyphs[k-1].width()-l.glyphs[k].sqL-1e-6 {
				t.Errorf("line %d %q: glyph %d overlaps the one before", i, l.text(), k)
			}
		}
	}
	strip := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\t", "") }
	if strip(got.String()) != strip(text) {
		t.Errorf("characters lost or added:\n got %q\nwant %q", got.String(), text)
	}
}

// countBoxes estimates the boxes of a set line: gaps between glyphs that
// are not touching.
func countBoxes(l line) int {
	n := 1
	for k := 1; k < len(l.glyphs); k++ {
		prev := l.glyphs[k-1]
		if l.glyphs[k].x+l.glyphs[k].sqL > prev.x+prev.sqL+prev.width()+1e-6 {
			n++
		}
	}
	return n
}

func TestBreakLinesSqueezesAdjacentPunctuation(t *testing.T) {
	fs := testFonts(t)
	lines := fs.breakLines("他说：“好。”", paraSpec{width: 20})
	if len(lines) != 1 {
		t.Fatalf("got %d lines", len(lines))
	}
	// 他说 (2) + ：“ (1.5: the colon's right blank squeezed) + 好 (1) + 。” (1.5)
	if got, want := lines[0].width, 6.0; got > want+1e-6 || got < want-1e-6 {
		t.Errorf("width = %.3f em, want %.3f", got, want)
	}
}

func TestBreakLinesJustifies(t *testing.T) {
	fs := testFonts(t)
	lines := fs.breakLines("借款本金共计1,234,567.89元整", paraSpec{width: 10, justify: true})
	if len(lines) != 2 {
		t.Fatalf("got %d lines", len(lines))
	}
	first := lines[0]
	if got := first.width; got < 10-1e-6 || got > 10+1e-6 {
		t.Errorf("first line width = %.3f, want 10 (justified)", got)
	}
	// The six characters are spread evenly: 0, 1.8, 3.6 …
	for i, g := range first.glyphs {
		if want := float64(i) * 1.8; g.x < want-1e-6 || g.x > want+1e-6 {
			t.Errorf("glyph %d at %.3f, want %.3f", i, g.x, want)
		}
	}
	if last := lines[1]; last.width > 10 || last.glyphs[1].x != last.glyphs[0].adv {
		t.Errorf("last line is not set at its natural width: %+v", last.glyphs[:2])
	}
}

func TestBreakLinesTracking(t *testing.T) {
	fs := testFonts(t)
	lines := fs.breakLines("民事判决书", paraSpec{width: 20, tracking: 0.5})
	if len(lines) != 1 || lines[0].width != 7 {
		t.Fatalf("lines = %q, width %.2f; want one line of 7 ems", lineTexts(lines), lines[0].width)
	}
}

func TestBreakLinesEmpty(t *testing.T) {
	fs := testFonts(t)
	for _, s := range []string{"", "   ", "\n"} {
		if lines := fs.breakLines(s, paraSpec{width: 10}); len(lines) != 0 {
			t.Errorf("breakLines(%q) = %q, want no lines", s, lineTexts(lines))
		}
	}
}

// FuzzBreakLines checks the invariants on any text and measure: nothing
// lost, nothing over the measure, no panic.
func FuzzBreakLines(f *testing.F) {
	for _, s := range []string{
		"一二三四五六七八九十。", "（2026）浙0225民初1号", "https://example.cn/a/b?c=d&e=f", "。。。。", "（（（（（（",
		"a b  c", "1,234,567.89元", "阿卜杜勒·克里木", "……——", "”“", "\u3000\u3000段落",
	} {
		f.Add(s, uint8(10))
	}
	fs := testFonts(f)
	f.Fuzz(func(t *testing.T, s string, w uint8) {
		if !utf8.ValidString(s) {
			return
		}
		width := 2 + float64(w%40)
		var clean strings.Builder
		for _, r := range s {
			if r >= ' ' && r != 0x7f && fs.has(r) {
				clean.WriteRune(r)
			}
		}
		text := clean.String()
		spec := paraSpec{width: width, indent: 2, justify: true}
		lines := fs.breakLines(text, spec)
		var got strings.Builder
		for i, l := range lines {
			got.WriteString(l.text())
			if l.width > width-l.indent+1e-6 && len(l.glyphs) > 1 {
				t.Fatalf("line %d %q over the measure: %.3f > %.3f", i, l.text(), l.width, width-l.indent)
			}
		}
		strip := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "\t", "") }
		if strip(got.String()) != strip(text) {
			t.Fatalf("characters lost: got %q, want %q", got.String(), text)
		}
	})
}
