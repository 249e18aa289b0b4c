package web

import (
	"context"
	"encoding/json"
	"html/template"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// Viewer is what the layout knows about the person looking at a page. The
// auth layer puts it into the request context with WithViewer; web only
// reads it.
type Viewer struct {
	SignedIn  bool
	UserID    string
	Name      string
	Lang      i18n.Lang // the account's language; "" lets the request decide
	Elderly   bool      // the account's elderly-mode setting
	Nav       []NavItem
	RoleLabel string // i18n key of the role shown next to the name; may be ""
}

// NavItem is one link of the main navigation. Key is the i18n key of its
// label. An item is also shown as current when Href equals the page's path.
type NavItem struct {
	Href, Key string
	Active    bool
}

type viewerKey struct{}

// WithViewer returns a context carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the Viewer in ctx, or the zero Viewer (signed out).
func ViewerFrom(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

// View is the value every page template receives as its dot. Besides the
// fields, templates use its methods: {{.T "key" args…}} translates in the
// view's language, {{.CSRFField}} writes the hidden CSRF input, {{.Date t}}
// and {{.DateTime t}} format a time in court-local time, {{.FieldErrors
// err}} maps each invalid field to its message and {{.ErrorMessage err}}
// gives an error's message. Inside {{range}} or {{with}} use $ for the view:
// {{$.T "key"}}.
type View struct {
	Lang      i18n.Lang
	Viewer    Viewer
	CSRF      string
	Data      any
	Path      string
	Demo      bool
	Elderly   bool
	Flash     string // translated one-time notice, or ""
	RequestID string

	cat *i18n.Catalog
}

// T returns the message key in the view's language.
func (v *View) T(key string, args ...any) string { return v.cat.T(v.Lang, key, args...) }

// CSRFField returns the hidden form input carrying the CSRF token; every
// form that posts must contain it.
func (v *View) CSRFField() template.HTML {
	return template.HTML(`<input type="hidden" name="` + CSRFFormField + `" value="` +
		template.HTMLEscapeString(v.CSRF) + `">`)
}

// HXHeaders returns the JSON for the body's hx-headers attribute, so htmx
// requests carry the CSRF token.
func (v *View) HXHeaders() string {
	b, _ := json.Marshal(map[string]string{CSRFHeader: v.CSRF})
	return string(b)
}

// Date formats t as a court-local calendar date in the view's language; the
// zero time gives "".
func (v *View) Date(t time.Time) string { return formatTime(v.Lang, t, false) }

// DateTime formats t as court-local date and time (minutes) in the view's
// language; the zero time gives "".
func (v *View) DateTime(t time.Time) string { return formatTime(v.Lang, t, true) }

func formatTime(lang i18n.Lang, t time.Time, withTime bool) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(clock.China)
	layout := "2006年1月2日"
	if lang == i18n.EN {
		layout = "2 Jan 2006"
	}
	if withTime {
		layout += " 15:04"
	}
	return t.Format(layout)
}

// FieldErrors returns the message of each invalid field of err in the view's
// language, keyed by field name; nil when err carries no field errors.
func (v *View) FieldErrors(err error) map[string]string { return FormErrors(v.cat, v.Lang, err) }

// ErrorMessage returns err's user-safe message in the view's language, or ""
// for a nil error.
func (v *View) ErrorMessage(err error) string { return ErrorMessage(v.cat, v.Lang, err) }

// NavCurrent reports whether item is the current page's link.
func (v *View) NavCurrent(item NavItem) bool { return item.Active || item.Href == v.Path }
