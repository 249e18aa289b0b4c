package enforcement

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The node catalogue is versioned data (data/node_kinds.json): the kinds of
// node courts disclose to the parties under 法发〔2014〕18号 Art. 3 (rules
// §7.1), each with who sees it, which of its fields are masked for the
// parties, whether it goes out by SMS to those who chose SMS, and whether
// it is kept from the parties until carried out (审判流程公开规定 Art. 8:
// preservation steps are disclosed once done, so a debtor cannot move the
// property first). A court adds kinds of its own (enforcement_node_kind)
// over the built-in ones; it cannot redefine a built-in code.
//
//go:embed data/node_kinds.json
var catalogueJSON []byte

// Categories of node kinds (法发〔2014〕18号 Art. 3 (一)–(十一)).
var Categories = []string{"filing", "personnel", "procedure", "measure", "coercive", "disposal", "ruling", "money", "stay", "closing"}

// Kind is one node kind.
type Kind struct {
	Code     string   `json:"code"`
	NameZH   string   `json:"zh"`
	NameEN   string   `json:"en"`
	Category string   `json:"category"`
	Audience []string `json:"audience"`
	// Fields are the names of the fields a node of this kind may carry.
	Fields []string `json:"fields"`
	// Mask names the fields masked for the parties (ID and account numbers
	// are masked for the parties whatever the kind says).
	Mask    []string `json:"mask"`
	SMS     bool     `json:"sms"`
	Delayed bool     `json:"delayed"`
	Article string   `json:"article"`
	// Court is the court that defined the kind ("" for built-in kinds).
	Court string `json:"court,omitempty"`
}

// FieldList is Fields comma-separated (for the node form's script).
func (k Kind) FieldList() string { return strings.Join(k.Fields, ",") }

// Sees reports whether audience sees nodes of the kind.
func (k Kind) Sees(audience string) bool { return slices.Contains(k.Audience, audience) }

// Catalogue is one version of the built-in node kinds.
type Catalogue struct {
	Version   string        `json:"version"`
	Source    string        `json:"source"`
	Effective calendar.Date `json:"effective"`
	// FieldNames are the fields nodes may carry (each kind allows a subset;
	// a court's own kinds may use any).
	FieldNames []string `json:"fields"`
	Kinds      []Kind   `json:"kinds"`
	byCode     map[string]Kind
}

// alwaysMasked are the fields masked for the parties in every kind.
var alwaysMasked = []string{"account_no", "id_number"}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// LoadCatalogue reads and checks a catalogue: unique codes, known
// categories and audiences (staff always included), fields and masks among
// the catalogue's field names.
func LoadCatalogue(r io.Reader) (*Catalogue, error) {
	var c Catalogue
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("enforcement: catalogue: %w", err)
	}
	if c.Version == "" || !c.Effective.Valid() || len(c.Kinds) == 0 {
		return nil, fmt.Errorf("enforcement: catalogue: version, effective and kinds are required")
	}
	c.byCode = map[string]Kind{}
	for i := range c.Kinds {
		k := &c.Kinds[i]
		if k.Fields == nil {
			k.Fields = []string{}
		}
		if k.Mask == nil {
			k.Mask = []string{}
		}
	}
	for _, k := range c.Kinds {
		if err := c.check(k); err != nil {
			return nil, err
		}
		if _, dup := c.byCode[k.Code]; dup {
			return nil, fmt.Errorf("enforcement: catalogue: kind %q twice", k.Code)
		}
		c.byCode[k.Code] = k
	}
	return &c, nil
}

func (c *Catalogue) check(k Kind) error {
	bad := func(what string) error { return fmt.Errorf("enforcement: catalogue: kind %q: %s", k.Code, what) }
	switch {
	case !codeRE.MatchString(k.Code):
		return bad("code")
	case strings.TrimSpace(k.NameZH) == "" || strings.TrimSpace(k.NameEN) == "":
		return bad("names")
	case !slices.Contains(Categories, k.Category):
		return bad("category")
	case !slices.Contains(k.Audience, Staff):
		return bad("audience must include staff")
	}
	for _, a := range k.Audience {
		if !slices.Contains(Audiences, a) {
			return bad("audience " + a)
		}
	}
	for _, f := range append(slices.Clone(k.Fields), k.Mask...) {
		if !slices.Contains(c.FieldNames, f) {
			return bad("field " + f)
		}
	}
	return nil
}

// DefaultCatalogue returns the embedded catalogue.
func DefaultCatalogue() *Catalogue {
	c, err := LoadCatalogue(bytes.NewReader(catalogueJSON))
	if err != nil {
		panic(err)
	}
	return c
}

// Kind returns the built-in kind with code.
func (c *Catalogue) Kind(code string) (Kind, bool) {
	k, ok := c.byCode[code]
	return k, ok
}

// masked reports whether field f of kind k is masked for the parties.
func (k Kind) masked(f string) bool {
	return slices.Contains(k.Mask, f) || slices.Contains(alwaysMasked, f)
}

// kinds returns the built-in kinds followed by court's own, in order.
func (s *Service) kinds(ctx context.Context, q sqldb.Querier, courtID string) ([]Kind, error) {
	own, err := s.courtKinds(ctx, q, courtID)
	if err != nil {
		return nil, err
	}
	return append(slices.Clone(s.cat.Kinds), own...), nil
}

// kind finds a kind by code for court: built-in first, then the court's.
func (s *Service) kind(ctx context.Context, q sqldb.Querier, courtID, code string) (Kind, bool, error) {
	if k, ok := s.cat.Kind(code); ok {
		return k, true, nil
	}
	own, err := s.courtKinds(ctx, q, courtID)
	if err != nil {
		return Kind{}, false, err
	}
	for _, k := range own {
		if k.Code == code {
			return k, true, nil
		}
	}
	return Kind{}, false, nil
}

// courtKinds loads a court's own kinds; they may use every field.
func (s *Service) courtKinds(ctx context.Context, q sqldb.Querier, courtID string) ([]Kind, error) {
	own, err := loadCourtKinds(ctx, q, courtID)
	for i := range own {
		own[i].Fields = s.cat.FieldNames
	}
	return own, err
}
