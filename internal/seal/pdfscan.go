package seal

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"time"
)

// pdfHeaderWindow is how far into a file the "%PDF-" header may start (ISO
// 32000-1 Annex H: readers accept it within the first 1024 bytes).
const pdfHeaderWindow = 1024

// LooksLikePDF reports whether b carries a PDF header ("%PDF-" within the
// first 1024 bytes) and an end-of-file marker ("%%EOF" in the last 1024
// bytes). It is the content check of uploads; it does not parse the file.
func LooksLikePDF(b []byte) bool {
	head := b[:min(len(b), pdfHeaderWindow)]
	tail := b[max(0, len(b)-pdfHeaderWindow):]
	return bytes.Contains(head, []byte("%PDF-")) && bytes.Contains(tail, []byte("%%EOF"))
}

// sigField is one signature dictionary found in the raw bytes of a PDF.
type sigField struct {
	byteRange [4]int64
	contents  []byte // the decoded /Contents hex string, zero padding included
	subFilter string
	signedAt  time.Time // the /M entry; zero when absent or unreadable
}

// coversAll reports whether the byte range covers all of a file of size n
// except the /Contents value.
func (f sigField) coversAll(n int) bool {
	return f.byteRange[0] == 0 && f.byteRange[2]+f.byteRange[3] == int64(n)
}

// signedBytes returns the bytes the byte range designates.
func (f sigField) signedBytes(b []byte) []byte {
	br := f.byteRange
	out := make([]byte, 0, br[1]+br[3])
	out = append(out, b[br[0]:br[0]+br[1]]...)
	return append(out, b[br[2]:br[2]+br[3]]...)
}

// findSignatures scans the raw bytes of a PDF for signature dictionaries:
// every "/ByteRange [a b c d]" whose gap [b, c) holds exactly one hex
// string "<…>" (the /Contents value, the only part of the file a signature
// does not cover). It does not parse the PDF's object structure: whether a
// found range covers the file, and whether the signature over it holds, is
// for the caller to check, and once it holds every byte outside the gap —
// the dictionary's /SubFilter and /M included — is authenticated. A
// signature dictionary stored inside a compressed object stream is not
// found; the platform's own signatures never are.
func findSignatures(b []byte) []sigField {
	var out []sigField
	key := []byte("/ByteRange")
	for off := 0; ; {
		i := bytes.Index(b[off:], key)
		if i < 0 {
			return out
		}
		pos := off + i
		off = pos + len(key)
		br, ok := parseByteRange(b, off)
		if !ok {
			continue
		}
		gap := b[br[1]:br[2]]
		if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
			continue
		}
		contents := make([]byte, hex.DecodedLen(len(gap)-2))
		if len(gap)%2 != 0 {
			continue
		}
		if _, err := hex.Decode(contents, gap[1:len(gap)-1]); err != nil {
			continue
		}
		f := sigField{byteRange: br, contents: contents}
		dict := dictWindow(b, pos, int(br[1]), int(br[2]))
		f.subFilter = nameAfter(dict, "/SubFilter")
		if s, ok := stringAfter(dict, "/M"); ok {
			if t, err := parsePDFDate(s); err == nil {
				f.signedAt = t
			}
		}
		out = append(out, f)
	}
}

// parseByteRange reads "[a b c d]" (after optional white space) at b[off:]
// and checks that it is a plausible range over b.
func parseByteRange(b []byte, off int) ([4]int64, bool) {
	var br [4]int64
	off = skipSpace(b, off)
	if off >= len(b) || b[off] != '[' {
		return br, false
	}
	off++
	for k := range 4 {
		off = skipSpace(b, off)
		start := off
		for off < len(b) && off-start < 19 && b[off] >= '0' && b[off] <= '9' {
			off++
		}
		if off == start {
			return br, false
		}
		v, err := strconv.ParseInt(string(b[start:off]), 10, 64)
		if err != nil {
			return br, false
		}
		br[k] = v
	}
	off = skipSpace(b, off)
	if off >= len(b) || b[off] != ']' {
		return br, false
	}
	n := int64(len(b))
	if br[0] != 0 || br[1] <= 0 || br[2] < br[1]+2 || br[3] < 0 || br[2] > n || br[3] > n-br[2] {
		return br, false
	}
	return br, true
}

func skipSpace(b []byte, off int) int {
	for off < len(b) && isPDFSpace(b[off]) {
		off++
	}
	return off
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

// dictWindow returns the bytes of the indirect object around a signature
// dictionary, without its /Contents value: from the "obj" keyword before
// pos (or 4 KiB back) to the "endobj" after gapEnd (or 4 KiB on).
func dictWindow(b []byte, pos, gapStart, gapEnd int) []byte {
	const reach = 4096
	from := max(0, pos-reach)
	if i := bytes.LastIndex(b[from:pos], []byte("obj")); i >= 0 {
		from += i
	}
	to := min(len(b), gapEnd+reach)
	if i := bytes.Index(b[gapEnd:to], []byte("endobj")); i >= 0 {
		to = gapEnd + i
	}
	var w []byte
	if from < gapStart && gapStart < to {
		w = append(w, b[from:gapStart]...)
		w = append(w, b[gapEnd:to]...)
	} else if from < to {
		w = b[from:to]
	}
	return w
}

// nameAfter returns the PDF name following key in d ("ETSI.CAdES.detached"
// for "/SubFilter /ETSI.CAdES.detached"), or "".
func nameAfter(d []byte, key string) string {
	i := indexKey(d, key)
	if i < 0 {
		return ""
	}
	off := skipSpace(d, i+len(key))
	if off >= len(d) || d[off] != '/' {
		return ""
	}
	off++
	start := off
	for off < len(d) && !isPDFSpace(d[off]) && !bytes.ContainsRune([]byte("/<>[]()%{}"), rune(d[off])) {
		off++
	}
	return string(d[start:off])
}

// stringAfter returns the literal string "(…)" following key in d.
func stringAfter(d []byte, key string) (string, bool) {
	i := indexKey(d, key)
	if i < 0 {
		return "", false
	}
	off := skipSpace(d, i+len(key))
	if off >= len(d) || d[off] != '(' {
		return "", false
	}
	end := bytes.IndexByte(d[off:], ')')
	if end < 0 || end > 64 {
		return "", false
	}
	return string(d[off+1 : off+end]), true
}

// indexKey finds key as a whole PDF name (not a prefix of a longer name).
func indexKey(d []byte, key string) int {
	for off := 0; ; {
		i := bytes.Index(d[off:], []byte(key))
		if i < 0 {
			return -1
		}
		end := off + i + len(key)
		if end >= len(d) || isPDFSpace(d[end]) || bytes.IndexByte([]byte("/<>[]()"), d[end]) >= 0 {
			return off + i
		}
		off = end
	}
}

// parsePDFDate parses a PDF date (ISO 32000-1 §7.9.4):
// D:YYYYMMDDHHmmSSOHH'mm' where everything after the year is optional and O
// is '+', '-' or 'Z'.
func parsePDFDate(s string) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, strconv.ErrSyntax }
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	num := func(from, n int, def int) (int, bool) {
		if len(s) < from+n {
			return def, len(s) <= from
		}
		v, err := strconv.Atoi(s[from : from+n])
		return v, err == nil
	}
	year, ok := num(0, 4, 0)
	if !ok || len(s) < 4 {
		return bad()
	}
	var parts [5]int
	defs := [5]int{1, 1, 0, 0, 0}
	for k := range 5 {
		if parts[k], ok = num(4+2*k, 2, defs[k]); !ok {
			return bad()
		}
	}
	loc := time.UTC
	if len(s) > 14 {
		switch s[14] {
		case 'Z':
		case '+', '-':
			rest := s[15:]
			hh, err := strconv.Atoi(rest[:min(2, len(rest))])
			if err != nil || len(rest) < 2 {
				return bad()
			}
			mm := 0
			if len(rest) >= 6 && rest[2] == '\'' {
				if mm, err = strconv.Atoi(rest[3:5]); err != nil {
					return bad()
				}
			}
			off := (hh*60 + mm) * 60
			if s[14] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		default:
			return bad()
		}
	}
	t := time.Date(year, time.Month(parts[0]), parts[1], parts[2], parts[3], parts[4], 0, loc)
	if t.Month() != time.Month(parts[0]) || t.Day() != parts[1] {
		return bad()
	}
	return t.UTC(), nil
}
