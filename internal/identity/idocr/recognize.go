package idocr

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Recognize reads the front of an identity card from a JPEG or PNG photo.
// It waits for a free slot (MaxConcurrent) as long as ctx allows, then
// works for at most Options.Timeout. The photo is turned upright by its EXIF
// orientation and, when the text does not read the right way up, by trying
// the other rotations (tesseract's orientation detection picks the first to
// try when osd.traineddata is installed).
//
// Errors: errs.Unavailable "idocr.unavailable" when tesseract or its
// language is missing or fails, "idocr.timeout" when the time runs out (the
// tesseract process group is killed), "idocr.ocr_busy" when ctx ends while
// waiting for a slot; errs.Invalid on field "photo" with code "image_type"
// (not a JPEG or PNG by content) or "too_large" (Options.MaxBytes or
// MaxPixels). A photo that reads badly is no error: its fields carry
// problems.
func (r *Recognizer) Recognize(ctx context.Context, img io.Reader) (Result, error) {
	if !r.Available() {
		return Result{}, errUnavailable(nil)
	}
	data, ct, err := readPhoto(img, r.opts.MaxBytes)
	if err != nil {
		return Result{}, err
	}
	return r.recognize(ctx, data, ct, nil)
}

// recognize runs one recognition; started, if set, is called once a slot is
// taken.
func (r *Recognizer) recognize(ctx context.Context, data []byte, contentType string, started func()) (Result, error) {
	if err := r.acquire(ctx); err != nil {
		return Result{}, err
	}
	defer r.release()
	if started != nil {
		started()
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()

	g, err := decodePhoto(data, contentType, r.opts.MaxPixels)
	if err != nil {
		return Result{}, err
	}
	g = normalise(g)
	dir, err := os.MkdirTemp("", "idocr-")
	if err != nil {
		return Result{}, errUnavailable(err)
	}
	defer os.RemoveAll(dir)

	best, bestScore, attempts := Result{}, -1, 0
	tried := make(map[int]bool)
	// try reads the image turned by deg and reports whether the text reads
	// well enough to stop.
	try := func(deg int) (bool, error) {
		if tried[deg] {
			return false, nil
		}
		tried[deg] = true
		in, err := writePGM(dir, fmt.Sprintf("card-%d.pgm", deg), rotate(g, deg))
		if err != nil {
			return false, errUnavailable(err)
		}
		text, err := r.ocr(ctx, in)
		attempts++
		if err != nil {
			return false, ocrError(err)
		}
		res := ParseText(text)
		res.Rotation = deg
		anchors := anchorCount(text)
		score := 2*anchors + res.found()
		if res.Fields[FieldIDNumber].OK {
			score += 3
		}
		if score > bestScore {
			best, bestScore = res, score
		}
		return anchors >= 3 || (res.Fields[FieldIDNumber].OK && res.found() >= 4), nil
	}

	order := []int{180, 90, 270}
	if g.Rect.Dy() > g.Rect.Dx() {
		order = []int{90, 270, 180} // a card is landscape: a portrait photo lies on its side
	}
	good, err := try(0)
	if err == nil && !good {
		in := filepath.Join(dir, "card-0.pgm")
		deg, ok := r.detectRotation(ctx, in)
		if r.osd {
			attempts++
		}
		if ok {
			order = append([]int{deg}, order...)
		}
		for _, deg := range order {
			if good, err = try(deg); good || err != nil {
				break
			}
		}
	}
	if err != nil {
		return Result{}, err
	}
	best.Duration, best.Attempts = time.Since(start), attempts
	return best, nil
}

func ocrError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errs.Wrap(errs.Unavailable, "idocr.timeout", err)
	}
	return errUnavailable(err)
}

// writePGM writes the image as a binary PGM, which tesseract (leptonica)
// reads like a PNG but which costs nothing to encode: 2 ms against 60 ms for
// the fastest PNG of a 1600×1000 card.
func writePGM(dir, name string, g *image.Gray) (string, error) {
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	fmt.Fprintf(w, "P5\n%d %d\n255\n", g.Rect.Dx(), g.Rect.Dy())
	for y := 0; y < g.Rect.Dy(); y++ {
		w.Write(g.Pix[y*g.Stride : y*g.Stride+g.Rect.Dx()])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}
