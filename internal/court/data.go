package court

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/ecourt/ecourt/internal/court/calendar"
)

// courtsJSON is the versioned court list. To add or correct a court, edit
// data/courts_cn.json (and bump its version); Seed applies it at the next
// start. No code changes.
//
//go:embed data/courts_cn.json
var courtsJSON []byte

// Dataset is a parsed court list with its provenance.
type Dataset struct {
	Version   string        // bumped at every change, e.g. "2026-11-26.1"
	Effective calendar.Date // the date the codes apply from
	About     string
	Notes     []string // what is verified and what is not
	Sources   []string
	Courts    []SeedCourt // parents before children
}

// SeedCourt is one court of a Dataset; courts refer to each other by code.
type SeedCourt struct {
	Code       string        `json:"code"`
	NameZH     string        `json:"name_zh"`
	NameEN     string        `json:"name_en"`
	Level      Level         `json:"level"`
	Kind       Kind          `json:"kind"`
	Parent     string        `json:"parent"` // parent's code; "" only for the SPC
	Appeal     string        `json:"appeal"` // appeal court's code when it is not the parent
	Province   string        `json:"province"`
	RegionCode string        `json:"region_code"`
	Address    string        `json:"address"`
	Phone      string        `json:"phone"`
	Active     bool          `json:"active"`
	ValidFrom  calendar.Date `json:"valid_from"`
	Note       string        `json:"note"`
}

type datasetFile struct {
	Format    int           `json:"format"`
	Version   string        `json:"version"`
	Effective calendar.Date `json:"effective"`
	About     string        `json:"about"`
	Notes     []string      `json:"notes"`
	Sources   []string      `json:"sources"`
	Courts    []SeedCourt   `json:"courts"`
}

// EmbeddedData returns the court list compiled into the binary. It panics
// if the embedded data is broken, which the package tests rule out.
func EmbeddedData() Dataset {
	d, err := LoadData(bytes.NewReader(courtsJSON))
	if err != nil {
		panic(err)
	}
	return d
}

// LoadData reads and checks a court list in the format of
// data/courts_cn.json: codes are unique, levels and kinds known, every court
// but the SPC has a parent of a higher level (a tribunal's parent is a basic
// court), appeal courts exist, and the parent relation has no cycle. The
// courts come back parents first.
func LoadData(r io.Reader) (Dataset, error) {
	var f datasetFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Dataset{}, fmt.Errorf("court data: %w", err)
	}
	if f.Format != 1 {
		return Dataset{}, fmt.Errorf("court data: format %d, want 1", f.Format)
	}
	if f.Version == "" || !f.Effective.Valid() {
		return Dataset{}, fmt.Errorf("court data: version and effective date are required")
	}
	byCode := make(map[string]*SeedCourt, len(f.Courts))
	for i := range f.Courts {
		c := &f.Courts[i]
		if c.Code == "" || c.NameZH == "" || c.NameEN == "" {
			return Dataset{}, fmt.Errorf("court data: court %d: code and both names are required", i)
		}
		if _, dup := byCode[c.Code]; dup {
			return Dataset{}, fmt.Errorf("court data: code %q appears twice", c.Code)
		}
		if !c.Level.Valid() || !c.Kind.Valid() {
			return Dataset{}, fmt.Errorf("court data: %s: unknown level %q or kind %q", c.Code, c.Level, c.Kind)
		}
		if !c.ValidFrom.Valid() {
			return Dataset{}, fmt.Errorf("court data: %s: valid_from is required", c.Code)
		}
		byCode[c.Code] = c
	}
	for _, c := range f.Courts {
		if c.Level == Supreme {
			if c.Parent != "" {
				return Dataset{}, fmt.Errorf("court data: %s: the SPC has no parent", c.Code)
			}
			continue
		}
		p, ok := byCode[c.Parent]
		if !ok {
			return Dataset{}, fmt.Errorf("court data: %s: parent %q is not in the list", c.Code, c.Parent)
		}
		if p.Level.Rank() >= c.Level.Rank() {
			return Dataset{}, fmt.Errorf("court data: %s (%s) cannot sit under %s (%s)", c.Code, c.Level, p.Code, p.Level)
		}
		if c.Level == Tribunal && p.Level != Basic {
			return Dataset{}, fmt.Errorf("court data: tribunal %s must belong to a basic court, not %s", c.Code, p.Code)
		}
		if c.Appeal != "" {
			if _, ok := byCode[c.Appeal]; !ok || c.Appeal == c.Code {
				return Dataset{}, fmt.Errorf("court data: %s: appeal court %q is not in the list", c.Code, c.Appeal)
			}
		}
	}
	// Strictly rising ranks along parent links rule out cycles; order the
	// list parents first so that Seed can insert it in one pass.
	out := make([]SeedCourt, 0, len(f.Courts))
	for _, l := range Levels {
		for _, c := range f.Courts {
			if c.Level == l {
				out = append(out, c)
			}
		}
	}
	return Dataset{Version: f.Version, Effective: f.Effective, About: f.About,
		Notes: f.Notes, Sources: f.Sources, Courts: out}, nil
}

// SeedID returns the ID a seeded court gets: a UUIDv7 whose timestamp is
// the start of validFrom (court-local midnight) and whose remaining bits
// come from SHA-256 of the code. The same code always gets the same ID, in
// every deployment, so concurrent starters agree and fixtures can name
// courts by ID.
func SeedID(code string, validFrom calendar.Date) string {
	h := sha256.Sum256([]byte("ecourt/court/" + code))
	ms := max(validFrom.Time().UnixMilli(), 0)
	var u uuid.UUID
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(ms))
	copy(u[0:6], ts[2:8])
	u[6] = 0x70 | h[0]&0x0f // version 7
	u[7] = h[1]
	u[8] = 0x80 | h[2]&0x3f // RFC 9562 variant
	copy(u[9:16], h[3:10])
	return u.String()
}
