package idocr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// The photo's field name in errors.
const photoField = "photo"

func invalidPhoto(code string) error {
	return errs.Fields(errs.FieldError{Field: photoField, Code: code, Key: "idocr.field." + code})
}

// readPhoto reads at most max bytes of img and checks, by content, that it is
// a JPEG or a PNG. Errors: invalid "photo" "too_large" or "image_type".
func readPhoto(img io.Reader, max int64) ([]byte, string, error) {
	data, err := io.ReadAll(io.LimitReader(img, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("idocr: reading photo: %w", err)
	}
	if int64(len(data)) > max {
		return nil, "", invalidPhoto("too_large")
	}
	switch ct := http.DetectContentType(data); ct {
	case "image/jpeg", "image/png":
		return data, ct, nil
	}
	return nil, "", invalidPhoto("image_type")
}

// checkPhoto checks, from the header alone, that the photo decodes and has
// at most maxPixels, so a small file that claims a huge image (a
// decompression bomb) is refused before its pixels are decoded.
func checkPhoto(data []byte, contentType string, maxPixels int) error {
	decodeConfig := png.DecodeConfig
	if contentType == "image/jpeg" {
		decodeConfig = jpeg.DecodeConfig
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return invalidPhoto("image_type")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPixels/cfg.Height {
		return invalidPhoto("too_large")
	}
	return nil
}

// decodePhoto decodes a JPEG or PNG into an upright grayscale image.
func decodePhoto(data []byte, contentType string, maxPixels int) (*image.Gray, error) {
	if err := checkPhoto(data, contentType, maxPixels); err != nil {
		return nil, err
	}
	decode := png.Decode
	if contentType == "image/jpeg" {
		decode = jpeg.Decode
	}
	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, invalidPhoto("image_type")
	}
	g := toGray(src)
	if contentType == "image/jpeg" {
		g = orient(g, exifOrientation(data))
	}
	return g, nil
}

// toGray converts to 8-bit luma. A JPEG's Y plane is used as it is;
// transparent PNG pixels are composed over white.
func toGray(src image.Image) *image.Gray {
	b := src.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch s := src.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			off := s.YOffset(b.Min.X, b.Min.Y+y)
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], s.Y[off:off+b.Dx()])
		}
	default:
		for y := 0; y < b.Dy(); y++ {
			row := g.Pix[y*g.Stride:]
			for x := 0; x < b.Dx(); x++ {
				r, gg, bb, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// Premultiplied luma (ITU-R BT.601) plus white behind the transparent part.
				l := (19595*r + 38470*gg + 7471*bb + 1<<15) >> 24
				row[x] = uint8(min(255, l+(0xffff-a)>>8))
			}
		}
	}
	return g
}

// orient applies an EXIF orientation (1–8) so the image is displayed upright.
func orient(src *image.Gray, o int) *image.Gray {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // rotated 180°
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs 90° clockwise
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // needs 90° counter-clockwise
				sx, sy = w-1-y, x
			}
			dst.Pix[y*dst.Stride+x] = src.Pix[sy*src.Stride+sx]
		}
	}
	return dst
}

// rotate turns the image clockwise by deg (0, 90, 180 or 270).
func rotate(src *image.Gray, deg int) *image.Gray {
	switch deg {
	case 90:
		return orient(src, 6)
	case 180:
		return orient(src, 3)
	case 270:
		return orient(src, 8)
	}
	return src
}

// Sizes for tesseract: a card photo whose longer side is below minSide is
// enlarged to targetSide (tesseract reads characters best at 20–40 px);
// one above maxSide is reduced to it, which saves time and loses nothing.
const (
	minSide    = 1200
	targetSide = 1600
	maxSide    = 2400
)

// normalise scales the image into tesseract's comfortable range and
// stretches its contrast.
func normalise(g *image.Gray) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	long := max(w, h)
	switch {
	case long < minSide:
		g = resize(g, w*targetSide/long, h*targetSide/long)
	case long > maxSide:
		g = resize(g, w*maxSide/long, h*maxSide/long)
	}
	stretch(g)
	return g
}

// resize scales bilinearly when enlarging and by area averaging when
// reducing (bilinear sampling alone would drop thin strokes).
func resize(src *image.Gray, dw, dh int) *image.Gray {
	dw, dh = max(dw, 1), max(dh, 1)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	if dw < sw {
		for y := 0; y < dh; y++ {
			y0, y1 := y*sh/dh, max((y+1)*sh/dh, y*sh/dh+1)
			for x := 0; x < dw; x++ {
				x0, x1 := x*sw/dw, max((x+1)*sw/dw, x*sw/dw+1)
				sum := 0
				for yy := y0; yy < y1; yy++ {
					row := src.Pix[yy*src.Stride:]
					for xx := x0; xx < x1; xx++ {
						sum += int(row[xx])
					}
				}
				dst.Pix[y*dst.Stride+x] = uint8(sum / ((y1 - y0) * (x1 - x0)))
			}
		}
		return dst
	}
	for y := 0; y < dh; y++ {
		fy := (float64(y)+0.5)*float64(sh)/float64(dh) - 0.5
		y0 := clamp(int(fy), 0, sh-1)
		y1 := min(y0+1, sh-1)
		wy := max(0, fy-float64(y0))
		for x := 0; x < dw; x++ {
			fx := (float64(x)+0.5)*float64(sw)/float64(dw) - 0.5
			x0 := clamp(int(fx), 0, sw-1)
			x1 := min(x0+1, sw-1)
			wx := max(0, fx-float64(x0))
			p := func(xx, yy int) float64 { return float64(src.Pix[yy*src.Stride+xx]) }
			top := p(x0, y0)*(1-wx) + p(x1, y0)*wx
			bot := p(x0, y1)*(1-wx) + p(x1, y1)*wx
			dst.Pix[y*dst.Stride+x] = uint8(top*(1-wy) + bot*wy + 0.5)
		}
	}
	return dst
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// stretch maps the 1st–99th percentile of the luma linearly onto 0–255, so a
// dim or washed-out photo reaches full contrast before tesseract's own
// binarisation.
func stretch(g *image.Gray) {
	var hist [256]int
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	n := w * h
	lo, hi := 0, 255
	for acc := 0; lo < 255 && acc+hist[lo] <= n/100; lo++ {
		acc += hist[lo]
	}
	for acc := 0; hi > 0 && acc+hist[hi] <= n/100; hi-- {
		acc += hist[hi]
	}
	if hi-lo < 16 {
		return // nearly uniform: nothing to stretch
	}
	var lut [256]uint8
	for v := range lut {
		lut[v] = uint8(clamp((v-lo)*255/(hi-lo), 0, 255))
	}
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for i, v := range row {
			row[i] = lut[v]
		}
	}
}
