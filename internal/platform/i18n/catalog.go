package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

//go:embed messages/*.json
var platformFS embed.FS

// Platform returns the platform's own message bundle: generic error
// messages, common field codes and the layout's strings. Pass it to New
// together with every context's bundle.
func Platform() fs.FS {
	sub, err := fs.Sub(platformFS, "messages")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// Catalog holds the messages of every bundle in every supported language. It
// is safe for concurrent use.
type Catalog struct {
	msgs   map[Lang]map[string]string
	warned sync.Map // key → struct{}: missing keys already logged
}

// New merges bundles into a Catalog. Each bundle is an fs.FS holding one
// "<lang>.json" file per supported language, a flat JSON object of key →
// message. New fails when a file is missing or malformed or when a key
// appears in two bundles.
func New(bundles ...fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: make(map[Lang]map[string]string)}
	for _, l := range Supported {
		c.msgs[l] = make(map[string]string)
	}
	for i, b := range bundles {
		for _, l := range Supported {
			m, err := readBundle(b, l)
			if err != nil {
				return nil, fmt.Errorf("i18n: bundle %d: %w", i, err)
			}
			for k, v := range m {
				if _, dup := c.msgs[l][k]; dup {
					return nil, fmt.Errorf("i18n: bundle %d: %s: duplicate key %q", i, l, k)
				}
				c.msgs[l][k] = v
			}
		}
	}
	return c, nil
}

func readBundle(b fs.FS, l Lang) (map[string]string, error) {
	data, err := fs.ReadFile(b, string(l)+".json")
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s.json: %w", l, err)
	}
	return m, nil
}

// T returns the message key in lang, formatted with args as by fmt.Sprintf.
// It falls back to zh-CN and then to the key itself; a key missing from every
// language is logged once as a warning.
func (c *Catalog) T(lang Lang, key string, args ...any) string {
	msg, ok := c.msgs[lang][key]
	if !ok {
		msg, ok = c.msgs[Default][key]
	}
	if !ok {
		if _, seen := c.warned.LoadOrStore(key, struct{}{}); !seen {
			slog.Warn("i18n: missing message", "key", key, "lang", string(lang))
		}
		return key
	}
	if len(args) == 0 || !strings.Contains(msg, "%") {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether key has a message in at least one language.
func (c *Catalog) Has(key string) bool {
	for _, m := range c.msgs {
		if _, ok := m[key]; ok {
			return true
		}
	}
	return false
}

// Missing lists, sorted, the keys present in one language but not in
// another, each as "<lang>: <key>" naming the language that lacks it.
func (c *Catalog) Missing() []string {
	var out []string
	for _, l := range Supported {
		for _, other := range Supported {
			if other == l {
				continue
			}
			for k := range c.msgs[other] {
				if _, ok := c.msgs[l][k]; !ok {
					out = append(out, string(l)+": "+k)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// CheckComplete loads bundles as New does and reports an error listing every
// key that is missing in some language. Each context's tests call it on the
// context's own bundle.
func CheckComplete(bundles ...fs.FS) error {
	c, err := New(bundles...)
	if err != nil {
		return err
	}
	if missing := c.Missing(); len(missing) > 0 {
		return errors.New("i18n: missing messages:\n  " + strings.Join(missing, "\n  "))
	}
	return nil
}

// FieldMessage is one invalid field's message in the user's language.
type FieldMessage struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the user-safe message of e and of each of its fields in lang.
// The internal cause is never part of it.
func (c *Catalog) Error(lang Lang, e *errs.Error) (message string, fields []FieldMessage) {
	message = c.T(lang, e.MessageKey(), e.Args...)
	for _, f := range e.Fields {
		fields = append(fields, FieldMessage{
			Field:   f.Field,
			Code:    f.Code,
			Message: c.T(lang, f.MessageKey(), f.Args...),
		})
	}
	return message, fields
}
