package complaint

import (
	"embed"
	"encoding/json"
	"io/fs"
	"sync"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

//go:embed messages/*.json
var messagesFS embed.FS

// Messages is the package's message bundle (zh-CN.json and en.json, every
// key prefixed "complaint."): field labels and hints, option labels, section
// titles, evidence names and purposes, warnings, error messages of the codes
// in errors.go, and the words of the rendered complaint. The app passes it to
// i18n.New with the other bundles.
var Messages fs.FS = mustSub(messagesFS, "messages")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

type messages struct {
	cat *i18n.Catalog
	zh  map[string]string
}

// catalog is the package's own bundle, used for the Chinese wording of
// options and evidence inside templates and for the rendered document.
var catalog = sync.OnceValue(func() messages {
	cat, err := i18n.New(Messages)
	if err != nil {
		panic(err) // the package tests check the bundle
	}
	b, err := fs.ReadFile(Messages, string(i18n.ZH)+".json")
	if err != nil {
		panic(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(b, &zh); err != nil {
		panic(err)
	}
	return messages{cat: cat, zh: zh}
})

// zhT returns the Chinese message of key, formatted with args.
func zhT(key string, args ...any) string { return catalog().cat.T(i18n.ZH, key, args...) }
