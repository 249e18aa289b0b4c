package ledger

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The kinds of entry the platform logs. Other kinds are accepted when they
// match KindPattern.
const (
	// KindEvidence is an uploaded evidence file; Ref is the evidence ID.
	KindEvidence = "evidence"
	// KindDocument is a document the court issued; Ref is the document ID.
	KindDocument = "document"
)

// KindPattern is what an entry's kind must match.
var KindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Limits on an entry's text fields (bytes of UTF-8).
const (
	MaxRef     = 200
	MaxCourtID = 64
)

// Entry is what a context asks the ledger to log: the SHA-256 of a file,
// and what the file is (Kind and Ref, unique together). CourtID names the
// court the item belongs to ("" for none); it is kept with the entry but is
// not part of the leaf data.
type Entry struct {
	Kind    string
	Ref     string
	CourtID string
	SHA256  [32]byte
}

// Leaf is a logged entry: its position in the log, when it was appended
// (UTC, whole milliseconds) and its RFC 6962 leaf hash.
type Leaf struct {
	Index      uint64
	Kind       string
	Ref        string
	CourtID    string
	SHA256     [32]byte
	LeafHash   [32]byte
	AppendedAt time.Time
}

// Entry returns what was logged.
func (l Leaf) Entry() Entry {
	return Entry{Kind: l.Kind, Ref: l.Ref, CourtID: l.CourtID, SHA256: l.SHA256}
}

// LeafData returns the leaf's canonical encoding (see LeafData).
func (l Leaf) LeafData() []byte { return LeafData(l.Kind, l.Ref, l.SHA256, l.AppendedAt) }

// LeafFormat is the first line of every leaf's data; a later version of the
// encoding would change it.
const LeafFormat = "ecourt-ledger/v1 leaf"

// LeafData returns the canonical encoding of an entry, the "leaf data" of
// RFC 6962 §2.1 whose leaf hash is SHA-256(0x00 || data). It is five lines
// of UTF-8 text, each ending in a line feed (0x0A), with one space after
// the field name:
//
//	ecourt-ledger/v1 leaf
//	kind <kind>
//	ref <ref>
//	sha256 <64 lowercase hex digits>
//	appended_at <Unix time in milliseconds, decimal>
//
// Kind and ref never contain control characters (validated on append), so
// the encoding is unambiguous. An outsider recomputes a leaf hash with, for
// example:
//
//	printf '\000ecourt-ledger/v1 leaf\nkind evidence\nref E1\nsha256 %s\nappended_at %s\n' "$HEX" "$MS" | sha256sum
func LeafData(kind, ref string, sum [32]byte, appendedAt time.Time) []byte {
	var b strings.Builder
	b.Grow(len(LeafFormat) + len(kind) + len(ref) + 120)
	b.WriteString(LeafFormat)
	b.WriteString("\nkind ")
	b.WriteString(kind)
	b.WriteString("\nref ")
	b.WriteString(ref)
	b.WriteString("\nsha256 ")
	b.WriteString(hex.EncodeToString(sum[:]))
	b.WriteString("\nappended_at ")
	b.WriteString(strconv.FormatInt(appendedAt.UnixMilli(), 10))
	b.WriteString("\n")
	return []byte(b.String())
}

// LeafHash returns SHA-256(0x00 || data), the RFC 6962 §2.1 leaf hash.
func LeafHash(data []byte) [32]byte {
	var h [32]byte
	copy(h[:], rfc6962.DefaultHasher.HashLeaf(data))
	return h
}

// validate checks an entry; prefix names it in field errors ("" for a
// single entry, "entries[3]." in a batch).
func (e Entry) validate(prefix string, c *errs.Collector) {
	switch {
	case e.Kind == "":
		c.Add(prefix+"kind", "required")
	case !KindPattern.MatchString(e.Kind):
		c.Add(prefix+"kind", "ledger_kind")
	}
	switch {
	case e.Ref == "":
		c.Add(prefix+"ref", "required")
	case len(e.Ref) > MaxRef:
		c.Add(prefix+"ref", "too_long", MaxRef)
	case !printable(e.Ref):
		c.Add(prefix+"ref", "ledger_text")
	}
	switch {
	case len(e.CourtID) > MaxCourtID:
		c.Add(prefix+"court_id", "too_long", MaxCourtID)
	case !printable(e.CourtID):
		c.Add(prefix+"court_id", "ledger_text")
	}
	if e.SHA256 == ([32]byte{}) {
		// An all-zero digest is an unset field, not the hash of a file.
		c.Add(prefix+"sha256", "ledger_sha256")
	}
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// ParseSHA256 decodes a SHA-256 digest given as 64 hex digits (either
// case). It returns an errs.Invalid error naming field otherwise.
func ParseSHA256(field, s string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != 32 {
		return h, errs.Fields(errs.FieldError{Field: field, Code: "ledger_sha256"})
	}
	copy(h[:], b)
	return h, nil
}

// leafJSON is the JSON form of a Leaf (hashes as lowercase hex).
type leafJSON struct {
	Index      uint64    `json:"leaf_index"`
	Kind       string    `json:"kind"`
	Ref        string    `json:"ref"`
	CourtID    string    `json:"court_id"`
	SHA256     string    `json:"sha256"`
	LeafHash   string    `json:"leaf_hash"`
	AppendedAt time.Time `json:"appended_at"`
}

// MarshalJSON encodes the leaf with hex hashes and appended_at in RFC 3339
// (UTC, milliseconds).
func (l Leaf) MarshalJSON() ([]byte, error) {
	return json.Marshal(leafJSON{Index: l.Index, Kind: l.Kind, Ref: l.Ref, CourtID: l.CourtID,
		SHA256: hex.EncodeToString(l.SHA256[:]), LeafHash: hex.EncodeToString(l.LeafHash[:]),
		AppendedAt: l.AppendedAt.UTC()})
}

// UnmarshalJSON decodes the form MarshalJSON writes.
func (l *Leaf) UnmarshalJSON(b []byte) error {
	var j leafJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	sum, err := decodeHash32(j.SHA256)
	if err != nil {
		return fmt.Errorf("entry sha256: %w", err)
	}
	lh, err := decodeHash32(j.LeafHash)
	if err != nil {
		return fmt.Errorf("entry leaf_hash: %w", err)
	}
	*l = Leaf{Index: j.Index, Kind: j.Kind, Ref: j.Ref, CourtID: j.CourtID, SHA256: sum, LeafHash: lh,
		AppendedAt: j.AppendedAt.UTC()}
	return nil
}

func decodeHash32(s string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(s)
	if err != nil {
		return h, err
	}
	if len(b) != 32 {
		return h, fmt.Errorf("%d bytes, want 32", len(b))
	}
	copy(h[:], b)
	return h, nil
}
