package idocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// withOrientation inserts an APP1 Exif segment holding only the
// Orientation tag right after a JPEG's SOI marker.
func withOrientation(jpg []byte, o uint16, bo binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if bo == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	bo.PutUint16(tiff[8:], 1)                      // one entry
	bo.PutUint16(tiff[10:], 0x0112)                // Orientation
	bo.PutUint16(tiff[12:], 3)                     // SHORT
	bo.PutUint32(tiff[14:], 1)                     // count
	bo.PutUint16(tiff[18:], o)                     // value
	seg := append([]byte("Exif\x00\x00"), tiff...) // next-IFD offset 0 follows
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(out[4:], uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestExifOrientation(t *testing.T) {
	jpg := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)), 90)
	cases := []struct {
		name string
		data []byte
		want int
	}{
		{"none", jpg, 0},
		{"little endian 6", withOrientation(jpg, 6, binary.LittleEndian), 6},
		{"big endian 8", withOrientation(jpg, 8, binary.BigEndian), 8},
		{"big endian 3", withOrientation(jpg, 3, binary.BigEndian), 3},
		{"out of range", withOrientation(jpg, 9, binary.BigEndian), 0},
		{"truncated", withOrientation(jpg, 6, binary.BigEndian)[:20], 0},
		{"not a jpeg", []byte("GIF89a"), 0},
	}
	for _, tc := range cases {
		if got := exifOrientation(tc.data); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image with distinct pixels; each orientation must map the
	// stored top-left pixel where EXIF says it is displayed.
	src := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(src.Pix, []byte{1, 2, 3, 4, 5, 6})
	cases := []struct {
		o          int
		w, h       int
		topLeft    byte
		bottomLeft byte
	}{
		{1, 3, 2, 1, 4}, {2, 3, 2, 3, 6}, {3, 3, 2, 6, 3}, {4, 3, 2, 4, 1},
		{5, 2, 3, 1, 3}, {6, 2, 3, 4, 6}, {7, 2, 3, 6, 4}, {8, 2, 3, 3, 1},
	}
	for _, tc := range cases {
		g := orient(src, tc.o)
		if g.Rect.Dx() != tc.w || g.Rect.Dy() != tc.h {
			t.Errorf("orientation %d: size %v", tc.o, g.Rect.Size())
			continue
		}
		if got := g.GrayAt(0, 0).Y; got != tc.topLeft {
			t.Errorf("orientation %d: top-left %d, want %d", tc.o, got, tc.topLeft)
		}
		if got := g.GrayAt(0, tc.h-1).Y; got != tc.bottomLeft {
			t.Errorf("orientation %d: bottom-left %d, want %d", tc.o, got, tc.bottomLeft)
		}
	}
}

// TestRecognizeExifRotated reads a phone photo stored sideways with EXIF
// orientation 6: it must be read upright at the first attempt.
func TestRecognizeExifRotated(t *testing.T) {
	r := newRecognizer(t, Options{})
	c := demoCard()
	stored := encodeJPEG(t, rotateRGBA(renderCard(t, c), 270), 85)
	res, err := r.Recognize(context.Background(), bytes.NewReader(withOrientation(stored, 6, binary.BigEndian)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rotation != 0 || res.Attempts != 1 {
		t.Errorf("rotation %d after %d attempts, want 0 after 1", res.Rotation, res.Attempts)
	}
	for field, want := range wantOf(c) {
		if got := res.Fields[field].Value; got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
}

func TestMessagesComplete(t *testing.T) {
	if err := i18n.CheckComplete(Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(Messages)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"idocr.unavailable", "idocr.timeout", "idocr.ocr_busy", "idocr.job_not_found",
		"idocr.field.image_type", "idocr.field.too_large",
		"idocr.hint.flat", "idocr.hint.light", "idocr.hint.corners",
	}
	for _, p := range []string{ProblemNotFound, ProblemChecksum, ProblemMismatchBirth, ProblemMismatchSex, ProblemUnknown,
		"derived", "format", "region", "date", "future", "too_old"} {
		keys = append(keys, "idocr.problem."+p)
	}
	for _, s := range []JobState{JobPending, JobRunning, JobDone, JobFailed} {
		keys = append(keys, "idocr.state."+string(s))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("message %q missing", k)
		}
	}
}
