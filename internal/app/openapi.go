package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/ledger"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/transcript"
)

// openAPI merges every context's OpenAPI 3.1 fragment (paths and
// component schemas) with the platform's own (identity, errors, health)
// into the document served at /api/v1/openapi.json. A name defined twice is
// an error, so contexts cannot silently overwrite each other.
func (a *App) openAPI() (map[string]any, error) {
	doc := map[string]any{}
	if err := json.Unmarshal(platformOpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("openapi: platform: %w", err)
	}
	courtDoc, err := roundTrip(court.OpenAPI())
	if err != nil {
		return nil, err
	}
	frags := []map[string]any{courtDoc}
	for name, raw := range map[string][]byte{"casefile": casefile.OpenAPI(), "filing": filing.OpenAPI(), "fees": fees.OpenAPI(),
		"document": document.OpenAPI(), "ledger": ledger.OpenAPI(),
		"notify": notify.OpenAPI(), "delivery": delivery.OpenAPI(),
		"hearing": hearing.OpenAPI(), "transcript": transcript.OpenAPI(), "exhibit": exhibit.OpenAPI(),
		"enforcement": enforcement.OpenAPI(), "casefund": casefund.OpenAPI()} {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		frags = append(frags, m)
	}
	for _, frag := range frags {
		if err := mergeSection(doc, frag, "paths"); err != nil {
			return nil, err
		}
		for _, sec := range []string{"schemas", "parameters", "responses"} {
			if err := mergeComponents(doc, frag, sec); err != nil {
				return nil, err
			}
		}
	}
	return doc, nil
}

func roundTrip(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

func mergeSection(dst, src map[string]any, key string) error {
	s, _ := src[key].(map[string]any)
	if len(s) == 0 {
		return nil
	}
	d, _ := dst[key].(map[string]any)
	if d == nil {
		d = map[string]any{}
		dst[key] = d
	}
	keys := slices.Collect(maps.Keys(s))
	sort.Strings(keys)
	for _, k := range keys {
		if prev, dup := d[k]; dup {
			if reflect.DeepEqual(prev, s[k]) {
				continue // the same definition from two contexts (the shared error envelope)
			}
			// One path, different methods from different contexts (GET
			// a case's documents from document, POST from the app).
			pm, ok1 := prev.(map[string]any)
			sm, ok2 := s[k].(map[string]any)
			if key == "paths" && ok1 && ok2 {
				for m, op := range sm {
					if _, both := pm[m]; both {
						return fmt.Errorf("openapi: %s %s %q defined twice", key, m, k)
					}
					pm[m] = op
				}
				continue
			}
			return fmt.Errorf("openapi: %s %q defined twice, differently", key, k)
		}
		d[k] = s[k]
	}
	return nil
}

func mergeComponents(dst, src map[string]any, key string) error {
	sc, _ := src["components"].(map[string]any)
	if sc == nil {
		return nil
	}
	dc, _ := dst["components"].(map[string]any)
	if dc == nil {
		dc = map[string]any{}
		dst["components"] = dc
	}
	return mergeSection(dc, sc, key)
}
