package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture loads testdata/<kind>.json, the fixed input of a kind.
func fixture(t testing.TB, k Kind) Document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", string(k)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var d Document
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", k, err)
	}
	return d
}

// needTool returns the path of a poppler-utils command. Without it the test
// is skipped, except in CI (CI=true), where scripts/test.sh installs it.
func needTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (Debian poppler-utils): %v", name, err)
		}
		t.Skipf("%s not installed (Debian poppler-utils)", name)
	}
	return path
}

func renderFixture(t testing.TB, k Kind, opts Options) (Document, Result) {
	t.Helper()
	d := fixture(t, k)
	res, err := PDF(d, opts)
	if err != nil {
		t.Fatalf("PDF(%s): %v", k, err)
	}
	return d, res
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func command(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// TestGoldenText renders every kind and compares the text poppler extracts
// in layout mode with testdata/<kind>.golden.txt.
func TestGoldenText(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			_, res := renderFixture(t, k, Options{})
			got := command(t, pdftotext, "-layout", "-enc", "UTF-8", writeTemp(t, "doc.pdf", res.PDF), "-")
			golden := filepath.Join("testdata", string(k)+".golden.txt")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("pdftotext -layout (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGoldenImage renders page 1 of every kind at 50 dpi in black and
// white (small files, no anti-aliasing to vary between poppler versions) and
// compares it with testdata/<kind>.golden.png: at most 0.5% of the pixels
// may differ, which absorbs rasteriser differences but not a moved line,
// a changed size or a lost heading.
func TestGoldenImage(t *testing.T) {
	pdftoppm := needTool(t, "pdftoppm")
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			_, res := renderFixture(t, k, Options{})
			pdf := writeTemp(t, "doc.pdf", res.PDF)
			root := filepath.Join(t.TempDir(), "page")
			command(t, pdftoppm, "-r", "50", "-f", "1", "-l", "1", "-mono", "-png", "-singlefile", pdf, root)
			got, err := os.ReadFile(root + ".png")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", string(k)+".golden.png")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if n, total, err := pixelDiff(want, got, 48); err != nil {
				t.Fatal(err)
			} else if n*1000 > total*5 {
				t.Errorf("page 1 differs from %s in %d of %d pixels", golden, n, total)
				_ = os.WriteFile(filepath.Join(os.TempDir(), string(k)+".got.png"), got, 0o644)
			}
		})
	}
}

// pixelDiff counts the pixels of two PNG images that differ by more than
// tol in some channel.
func pixelDiff(a, b []byte, tol uint32) (diff, total int, err error) {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return 0, 0, err
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	if ia.Bounds() != ib.Bounds() {
		return 0, 0, fmt.Errorf("image size %v, want %v", ib.Bounds(), ia.Bounds())
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !sameColour(ia, ib, x, y, tol) {
				diff++
			}
		}
	}
	return diff, r.Dx() * r.Dy(), nil
}

func sameColour(a, b image.Image, x, y int, tol uint32) bool {
	r1, g1, b1, _ := a.At(x, y).RGBA()
	r2, g2, b2, _ := b.At(x, y).RGBA()
	d := func(p, q uint32) uint32 {
		if p > q {
			return (p - q) >> 8
		}
		return (q - p) >> 8
	}
	return d(r1, r2) <= tol && d(g1, g2) <= tol && d(b1, b2) <= tol
}

var pageNumber = regexp.MustCompile(`—\s*\d+\s*—`)

// TestNoCharacterLost extracts the text of every kind in content order
// (pdftotext -raw) and checks that it is exactly the text of the document,
// in order, ignoring white space and the page numbers.
func TestNoCharacterLost(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			d, res := renderFixture(t, k, Options{})
			got := string(command(t, pdftotext, "-raw", "-enc", "UTF-8", writeTemp(t, "doc.pdf", res.PDF), "-"))
			got = noSpace(pageNumber.ReplaceAllString(got, ""))
			want := noSpace(documentText(t, d))
			if got != want {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Errorf("extracted text differs from the document at byte %d:\n got …%s\nwant …%s", i, clip(got[i:]), clip(want[i:]))
			}
		})
	}
}

// documentText is every string the document prints, in order.
func documentText(t testing.TB, d Document) string {
	t.Helper()
	blocks, err := build(&d)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	texts(blocks, func(s string) { b.WriteString(s) })
	return b.String()
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\f' {
			return -1
		}
		return r
	}, s)
}

func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		r = r[:40]
	}
	return string(r)
}

// TestFixtureGlyphs checks that every character of every fixture is in
// the embedded fonts (no .notdef box), and that the characters the
// documents need most are: 〇, digits, Latin, full- and half-width
// punctuation, ￥, ×.
func TestFixtureGlyphs(t *testing.T) {
	fs := testFonts(t)
	check := func(where, s string) {
		for _, r := range s {
			if r < ' ' {
				continue
			}
			if g, ok := fs.shape(r); !ok || g.gid == 0 {
				t.Errorf("%s: %q (U+%04X) has no glyph", where, r, r)
			}
		}
	}
	check("required", "〇一二三四五六七八九十0123456789ABCXYZabcxyz，。、；：？！（）【】《》“”‘’…—·%％￥×±℃‰№,.;:?!()[]/-_@#&=+'\"　 ")
	for _, k := range Kinds() {
		d := fixture(t, k)
		check(string(k), documentText(t, d))
		if d.Seal != nil {
			check(string(k)+" seal", d.CourtName+d.Seal.Name+d.Seal.Purpose)
		}
	}
}
