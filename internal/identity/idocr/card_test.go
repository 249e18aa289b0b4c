package idocr

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

// loadCardFont returns the first usable CJK font, skipping the test when
// there is none (failing under CI, where scripts/test.sh installs them).
func loadCardFont(t testing.TB) *opentype.Font {
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

// card is what a synthetic ID card shows.
type card struct {
	Name, Sex, Ethnicity, Birth, Address1, Address2, Number string
}

// renderCard draws the front (portrait side) of a resident identity card
// at 10 px/mm (856×540): a pale background with a faint pattern, blue-grey
// labels and black values, and a grey photo box, the way GB 17351 lays it out.
func renderCard(t testing.TB, c card) *image.RGBA {
	t.Helper()
	f := loadCardFont(t)
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

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// validNumber completes 17 digits with their GB 11643-1999 check character.
func validNumber(body string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// wrongCheck returns the number with a check character that is not its own.
func wrongCheck(n string) string {
	c := byte('0')
	if n[17] == '0' {
		c = '1'
	}
	return n[:17] + string(c)
}

// demoCard is the card the issue names: 张演示, a man of the Han, born
// 1990-01-01 in Xiangshan county, Ningbo (330225).
func demoCard() card {
	return card{
		Name: "张演示", Sex: "男", Ethnicity: "汉", Birth: "1990年1月1日",
		Address1: "浙江省宁波市象山县丹东", Address2: "街道演示路1号",
		Number: validNumber("33022519900101001"),
	}
}

// rotateRGBA turns an image clockwise by 90, 180 or 270 degrees.
func rotateRGBA(src image.Image, deg int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if deg != 180 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := src.At(b.Min.X+x, b.Min.Y+y)
			switch deg {
			case 90:
				dst.Set(h-1-y, x, c)
			case 180:
				dst.Set(w-1-x, h-1-y, c)
			case 270:
				dst.Set(y, w-1-x, c)
			}
		}
	}
	return dst
}

// boxBlur averages each pixel with its neighbours within radius, as an
// out-of-focus phone photo does.
func boxBlur(src *image.RGBA, radius int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var r, g, bl, n int
			for dy := -radius; dy <= radius; dy++ {
				for dx := -radius; dx <= radius; dx++ {
					p := image.Pt(x+dx, y+dy)
					if !p.In(b) {
						continue
					}
					c := src.RGBAAt(p.X, p.Y)
					r, g, bl, n = r+int(c.R), g+int(c.G), bl+int(c.B), n+1
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(r / n), uint8(g / n), uint8(bl / n), 0xff})
		}
	}
	return dst
}

// scaleDown shrinks an image by an integer factor (a low-resolution photo).
func scaleDown(src *image.RGBA, f int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/f, b.Dy()/f))
	for y := 0; y < dst.Rect.Dy(); y++ {
		for x := 0; x < dst.Rect.Dx(); x++ {
			var r, g, bl int
			for dy := 0; dy < f; dy++ {
				for dx := 0; dx < f; dx++ {
					c := src.RGBAAt(x*f+dx, y*f+dy)
					r, g, bl = r+int(c.R), g+int(c.G), bl+int(c.B)
				}
			}
			n := f * f
			dst.SetRGBA(x, y, color.RGBA{uint8(r / n), uint8(g / n), uint8(bl / n), 0xff})
		}
	}
	return dst
}

// scaleUpNearest enlarges an image by an integer factor.
func scaleUpNearest(src *image.RGBA, f int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*f, b.Dy()*f))
	for y := 0; y < dst.Rect.Dy(); y++ {
		for x := 0; x < dst.Rect.Dx(); x++ {
			dst.SetRGBA(x, y, src.RGBAAt(x/f, y/f))
		}
	}
	return dst
}
