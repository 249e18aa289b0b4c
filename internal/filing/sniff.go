package filing

import (
	"bytes"
	"regexp"
	"strconv"
)

// The evidence file kinds, decided by content (Sniff), never by name.
const (
	KindPDF  = "pdf"
	KindJPEG = "jpeg"
	KindPNG  = "png"
	KindMP3  = "mp3"
	KindWAV  = "wav"
	KindMP4  = "mp4"
)

// Kinds lists the accepted kinds.
var Kinds = []string{KindPDF, KindJPEG, KindPNG, KindMP3, KindWAV, KindMP4}

// contentTypes are the media types evidence is served with.
var contentTypes = map[string]string{
	KindPDF: "application/pdf", KindJPEG: "image/jpeg", KindPNG: "image/png",
	KindMP3: "audio/mpeg", KindWAV: "audio/wav", KindMP4: "video/mp4",
}

// SniffLen is how many leading bytes Sniff needs.
const SniffLen = 64

// Sniff returns the kind of a file from its first bytes (at least SniffLen
// of them when the file is that long), or "" when it is none of Kinds:
//
//	PDF   "%PDF-" within the first 1024 bytes (ISO 32000-1 §7.5.2 allows junk before it; we allow none of
//	      substance: only the first bytes are read, so the header must start the file or follow a BOM/whitespace)
//	JPEG  FF D8 FF
//	PNG   89 50 4E 47 0D 0A 1A 0A
//	WAV   "RIFF" size "WAVE"
//	MP3   an ID3v2 tag ("ID3"), or an MPEG audio frame header (11 sync bits, a valid version, layer,
//	      bitrate and sampling-rate index)
//	MP4   an ISO base media "ftyp" box first (size ≥ 8, then "ftyp" and a printable major brand)
func Sniff(head []byte) string {
	b := bytes.TrimLeft(head, " \t\r\n\x00")
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return KindPDF
	case len(head) >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF:
		return KindJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return KindPNG
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WAVE")):
		return KindWAV
	case isMP4(head):
		return KindMP4
	case bytes.HasPrefix(head, []byte("ID3")) && len(head) >= 10 && head[3] >= 2 && head[3] <= 4:
		return KindMP3
	case isMPEGFrame(head):
		return KindMP3
	}
	return ""
}

// isMP4 checks for an ftyp box at the start (ISO/IEC 14496-12 §4.3).
func isMP4(b []byte) bool {
	if len(b) < 12 || !bytes.Equal(b[4:8], []byte("ftyp")) {
		return false
	}
	size := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	if size != 0 && size != 1 && size < 16 {
		return false
	}
	for _, c := range b[8:12] {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// isMPEGFrame checks an MPEG-1/2/2.5 audio frame header (ISO/IEC 11172-3
// §2.4.2.3): 11 sync bits, version ≠ reserved, layer ≠ reserved, bitrate
// index ≠ 1111, sampling-rate index ≠ 11.
func isMPEGFrame(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	bitrate := b[2] >> 4
	rate := (b[2] >> 2) & 3
	return version != 1 && layer != 0 && bitrate != 15 && bitrate != 0 && rate != 3
}

// PDF problems, each with its message "filing.evidence.problem.<code>".
const (
	PDFEncrypted = "pdf_encrypted"
	PDFCorrupt   = "pdf_corrupt"
	PDFTruncated = "pdf_truncated"
)

// CheckPDF returns "" when data looks like a whole, unencrypted PDF, else
// the problem: PDFEncrypted when the trailer (or the cross-reference
// stream's dictionary) has an /Encrypt entry, which the court's systems
// cannot open; PDFTruncated when the end-of-file marker %%EOF is missing
// from the last kilobyte; PDFCorrupt when there is no startxref, it does not
// point at a cross-reference section or stream inside the file, or the
// header is missing.
func CheckPDF(data []byte) string {
	if Sniff(data[:min(len(data), SniffLen)]) != KindPDF {
		return PDFCorrupt
	}
	tail := data[max(0, len(data)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return PDFTruncated
	}
	i := bytes.LastIndex(data, []byte("startxref"))
	if i < 0 {
		return PDFCorrupt
	}
	rest := bytes.TrimLeft(data[i+len("startxref"):], " \t\r\n")
	j := 0
	for j < len(rest) && j < 20 && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	off, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil || off <= 0 || off >= int64(i) {
		return PDFCorrupt
	}
	at := bytes.TrimLeft(data[off:], " \t\r\n")
	if !bytes.HasPrefix(at, []byte("xref")) && !isObjHeader(at) {
		return PDFCorrupt
	}
	if hasEncrypt(data) {
		return PDFEncrypted
	}
	return ""
}

// isObjHeader reports whether b starts with "N G obj" (a cross-reference
// stream, ISO 32000-1 §7.5.8).
func isObjHeader(b []byte) bool {
	n := 0
	for _, want := range []string{"digits", "digits", "obj"} {
		start := n
		if want == "obj" {
			return bytes.HasPrefix(b[n:], []byte("obj"))
		}
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			n++
		}
		if n == start {
			return false
		}
		for n < len(b) && (b[n] == ' ' || b[n] == '\r' || b[n] == '\n') {
			n++
		}
	}
	return false
}

// hasEncrypt looks for the name /Encrypt as a whole name: the encryption
// dictionary is referenced from the trailer or the cross-reference stream's
// dictionary, both of which are never compressed (ISO 32000-1 §7.6.1), so
// a scan of the raw bytes finds it.
func hasEncrypt(data []byte) bool {
	name := []byte("/Encrypt")
	for i := 0; ; {
		j := bytes.Index(data[i:], name)
		if j < 0 {
			return false
		}
		end := i + j + len(name)
		if end >= len(data) || isDelimiter(data[end]) {
			return true
		}
		i = end
	}
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0, '/', '<', '>', '[', ']', '(', ')', '{', '}', '%':
		return true
	}
	return false
}

// pageObj matches a page object's type entry, /Type /Page (not /Pages).
var pageObj = regexp.MustCompile(`/Type\s*/Page[^s]`)

// CountPDFPages counts the page objects of a PDF whose objects are not
// compressed into object streams; 0 when it finds none (the count is then
// unknown, not zero).
func CountPDFPages(data []byte) int { return len(pageObj.FindAllIndex(data, -1)) }
