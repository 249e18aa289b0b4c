package filing

import (
	"bytes"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

func langOf(s string) i18n.Lang { return i18n.Lang(s) }

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"pdf", samplePDF("x"), KindPDF},
		{"png", samplePNG(), KindPNG},
		{"jpeg", sampleJPEG(), KindJPEG},
		{"wav", sampleWAV(), KindWAV},
		{"mp4", sampleMP4(), KindMP4},
		{"mp3 with ID3", sampleMP3(), KindMP3},
		{"mp3 frame only", append([]byte{0xFF, 0xFB, 0x90, 0x64}, make([]byte, 60)...), KindMP3},
		{"mpeg reserved layer", []byte{0xFF, 0xF9, 0x90, 0x64}, ""},
		{"riff avi", append([]byte("RIFF\x00\x00\x00\x00AVI "), make([]byte, 8)...), ""},
		{"gif", []byte("GIF89a......"), ""},
		{"zip", []byte("PK\x03\x04 docx"), ""},
		{"text", []byte("%PD not quite"), ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		head := tt.b[:min(len(tt.b), SniffLen)]
		if got := Sniff(head); got != tt.want {
			t.Errorf("%s: Sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckPDF(t *testing.T) {
	good := samplePDF("hello")
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"good", good, ""},
		{"encrypted", encryptedPDF(), PDFEncrypted},
		{"truncated", good[:len(good)-40], PDFTruncated},
		{"no startxref", bytes.Replace(good, []byte("startxref"), []byte("startxreX"), 1), PDFCorrupt},
		{"startxref beyond", bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n9"), 1), PDFCorrupt},
		{"not a pdf", []byte("hello %%EOF"), PDFCorrupt},
		{"/EncryptMetadata is not /Encrypt", samplePDF("/EncryptMetadata"), ""},
	}
	for _, tt := range tests {
		if got := CheckPDF(tt.b); got != tt.want {
			t.Errorf("%s: CheckPDF = %q, want %q", tt.name, got, tt.want)
		}
	}
	if n := CountPDFPages(good); n != 1 {
		t.Errorf("pages %d, want 1", n)
	}
}

func FuzzSniff(f *testing.F) {
	for _, b := range [][]byte{samplePDF("x"), samplePNG(), sampleJPEG(), sampleWAV(), sampleMP4(), sampleMP3(), {0xFF, 0xFB}} {
		f.Add(b[:min(len(b), SniffLen)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		k := Sniff(b)
		if k != "" && contentTypes[k] == "" {
			t.Fatalf("unknown kind %q", k)
		}
		// Sniffing only looks at the head: a longer tail changes nothing.
		if k2 := Sniff(append(append([]byte(nil), b...), 0, 1, 2)); len(b) >= SniffLen && k2 != k {
			t.Fatalf("tail changed the kind: %q → %q", k, k2)
		}
	})
}

func FuzzCheckPDF(f *testing.F) {
	f.Add(samplePDF("x"))
	f.Add(encryptedPDF())
	f.Add([]byte("%PDF-1.4\nstartxref\n99999999999999999999\n%%EOF"))
	f.Add([]byte("%PDF-1.7\nxref\nstartxref\n1\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		switch CheckPDF(b) {
		case "", PDFEncrypted, PDFCorrupt, PDFTruncated:
		default:
			t.Fatal("unknown problem")
		}
		CountPDFPages(b)
	})
}
