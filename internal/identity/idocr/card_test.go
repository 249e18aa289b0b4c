package idocr

import (
	"image"
	"image/color"
	"testing"

	"github.com/ecourt/ecourt/internal/identity/idocr/idocrtest"
)

type card = idocrtest.Card

func renderCard(t testing.TB, c card) *image.RGBA { return idocrtest.Render(t, c) }

func encodePNG(t testing.TB, img image.Image) []byte { return idocrtest.PNG(t, img) }

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	return idocrtest.JPEG(t, img, quality)
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
