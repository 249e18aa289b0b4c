// Package idocrtest draws synthetic resident-identity-card images for tests
// (the OCR package's own tests and the end-to-end filing test). It uses the
// system's CJK fonts and is never linked into the server.
package idocrtest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"os"
	"sync"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// cardFonts are the system CJK fonts the tests draw cards with (Debian
// fonts-noto-cjk, fonts-wqy-*). Only the tests use them. (x/image's sfnt
// parser refuses wqy-microhei.ttc, "invalid table offset"; Noto's CFF
// outlines work.)
var cardFonts = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}

var cardFont struct {
	once sync.Once
	font *opentype.Font
	errs []string
}

// LoadFont returns the first usable CJK font, skipping the test when
// there is none (failing under CI, where scripts/test.sh installs them).
func LoadFont(t testing.TB) *opentype.Font {
	t.Helper()
	cardFont.once.Do(func() {
		for _, p := range cardFonts {
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			coll, err := opentype.ParseCollection(data)
			if err == nil {
				cardFont.font, err = coll.Font(0)
			}
			if err == nil {
				return
			}
			cardFont.errs = append(cardFont.errs, p+": "+err.Error())
		}
	})
	if cardFont.font != nil {
		return cardFont.font
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("no usable CJK font (apt-get install fonts-noto-cjk): %v", cardFont.errs)
	}
	t.Skipf("no usable CJK font: %v", cardFont.errs)
	return nil
}

// Card is what a synthetic ID card shows.
type Card struct {
	Name, Sex, Ethnicity, Birth, Address1, Address2, Number string
}

// Render draws the front (portrait side) of a resident identity card
// at 10 px/mm (856×540): a pale background with a faint pattern, blue-grey
// labels and black values, and a grey photo box, the way GB 17351 lays it out.
func Render(t testing.TB, c Card) *image.RGBA {
	t.Helper()
	f := LoadFont(t)
	face := func(size float64) font.Face {
		fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			t.Fatal(err)
		}
		return fc
	}
	label, value := face(26), face(30)
	img := image.NewRGBA(image.Rect(0, 0, 856, 540))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{0xf2, 0xf0, 0xe6, 0xff}}, image.Point{}, draw.Src)
	// A faint guilloche-like pattern of diagonal lines, as on the real card.
	for y := 0; y < 540; y++ {
		for x := 0; x < 856; x++ {
			if (x+y)%23 == 0 || (x-y+1000)%31 == 0 {
				img.Set(x, y, color.RGBA{0xe4, 0xe0, 0xd4, 0xff})
			}
		}
	}
	draw.Draw(img, image.Rect(600, 70, 800, 330), &image.Uniform{color.RGBA{0xc8, 0xc8, 0xcc, 0xff}}, image.Point{}, draw.Src)
	labelInk := &image.Uniform{color.RGBA{0x3a, 0x5a, 0x8c, 0xff}}
	ink := &image.Uniform{color.RGBA{0x10, 0x10, 0x10, 0xff}}
	text := func(fc font.Face, src image.Image, x, y int, s string) {
		d := font.Drawer{Dst: img, Src: src, Face: fc, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	text(label, labelInk, 60, 100, "姓名")
	text(value, ink, 160, 100, c.Name)
	text(label, labelInk, 60, 165, "性别")
	text(value, ink, 160, 165, c.Sex)
	text(label, labelInk, 280, 165, "民族")
	text(value, ink, 380, 165, c.Ethnicity)
	text(label, labelInk, 60, 230, "出生")
	text(value, ink, 160, 230, c.Birth)
	text(label, labelInk, 60, 295, "住址")
	text(value, ink, 160, 295, c.Address1)
	text(value, ink, 160, 340, c.Address2)
	text(label, labelInk, 60, 460, "公民身份号码")
	text(value, ink, 280, 460, c.Number)
	return img
}

// PNG encodes img as PNG.
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// JPEG encodes img as JPEG at quality.
func JPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
