package notify

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// Message templates are versioned data: texts/<language>/<key>.tmpl, one
// text/template file per template key and language, each defining
//
//	"title"  the inbox title and e-mail subject (one line)
//	"body"   the inbox text, e-mail body and webhook text
//	"sms"    the text message, starting with the sender's signature 【…】
//	"link"   optional: a site path ("/cases/…") or https URL to open
//
// Fields are the message's Data ({{.case_number}}); a field the template
// uses and the Data lacks is an error (caught by Enqueue). Every key must
// exist in every supported language (TestTextsComplete).
//
//go:embed texts
var textsFS embed.FS

// Content is a template rendered in one language.
type Content struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	SMS   string `json:"sms"`
	Link  string `json:"link,omitempty"`
}

type textSet struct {
	t map[string]map[i18n.Lang]*template.Template // key → language → template
}

var texts = mustLoadTexts(textsFS)

// TemplateKeys returns the keys of the embedded message templates, sorted.
func TemplateKeys() []string {
	keys := make([]string, 0, len(texts.t))
	for k := range texts.t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Render renders the template key in lang with data, as a recipient in
// that language would get it. It returns an error for an unknown key, a
// field data lacks, or a link that is neither a site path nor https.
func Render(key string, lang i18n.Lang, data map[string]string) (Content, error) {
	return texts.render(key, lang, data)
}

func mustLoadTexts(f fs.FS) *textSet {
	s, err := loadTexts(f)
	if err != nil {
		panic(err)
	}
	return s
}

func loadTexts(f fs.FS) (*textSet, error) {
	s := &textSet{t: map[string]map[i18n.Lang]*template.Template{}}
	for _, l := range i18n.Supported {
		dir := path.Join("texts", string(l))
		entries, err := fs.ReadDir(f, dir)
		if err != nil {
			return nil, fmt.Errorf("notify: texts %s: %w", l, err)
		}
		for _, e := range entries {
			if e.IsDir() || path.Ext(e.Name()) != ".tmpl" {
				continue
			}
			key := strings.TrimSuffix(e.Name(), ".tmpl")
			src, err := fs.ReadFile(f, path.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			t, err := template.New(key).Option("missingkey=error").Parse(string(src))
			if err != nil {
				return nil, fmt.Errorf("notify: template %s/%s: %w", l, key, err)
			}
			for _, name := range []string{"title", "body", "sms"} {
				if t.Lookup(name) == nil {
					return nil, fmt.Errorf("notify: template %s/%s defines no %q", l, key, name)
				}
			}
			if s.t[key] == nil {
				s.t[key] = map[i18n.Lang]*template.Template{}
			}
			s.t[key][l] = t
		}
	}
	for key, byLang := range s.t {
		for _, l := range i18n.Supported {
			if byLang[l] == nil {
				return nil, fmt.Errorf("notify: template %s has no %s version", key, l)
			}
		}
	}
	return s, nil
}

func (s *textSet) lookup(key string) (map[i18n.Lang]*template.Template, bool) {
	t, ok := s.t[key]
	return t, ok
}

func (s *textSet) render(key string, lang i18n.Lang, data map[string]string) (Content, error) {
	byLang, ok := s.t[key]
	if !ok {
		return Content{}, fmt.Errorf("notify: unknown template %q", key)
	}
	t := byLang[lang]
	if t == nil {
		t = byLang[i18n.Default]
	}
	if data == nil {
		data = map[string]string{}
	}
	var c Content
	var err error
	exec := func(name string) string {
		if err != nil || t.Lookup(name) == nil {
			return ""
		}
		var b strings.Builder
		if e := t.ExecuteTemplate(&b, name, data); e != nil {
			err = fmt.Errorf("notify: template %s/%s %s: %w", lang, key, name, e)
		}
		return strings.TrimSpace(b.String())
	}
	c.Title = oneLine(exec("title"))
	c.Body = exec("body")
	c.SMS = oneLine(exec("sms"))
	c.Link = exec("link")
	if err != nil {
		return Content{}, err
	}
	if c.Link != "" && !validLink(c.Link) {
		return Content{}, fmt.Errorf("notify: template %s/%s: link %q is neither a site path nor https", lang, key, c.Link)
	}
	return c, nil
}

func validLink(l string) bool {
	if strings.ContainsAny(l, " \t\r\n\"'<>") {
		return false
	}
	return (strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//")) || strings.HasPrefix(l, "https://")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// langOf returns the supported language s names, or the default.
func langOf(s string) i18n.Lang {
	if l, ok := i18n.Parse(s); ok {
		return l
	}
	return i18n.Default
}
