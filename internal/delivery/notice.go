package delivery

import (
	"strings"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// Notification templates (Outgoing.Template), named as the notification
// context's templates are. Messages also holds texts for them
// ("delivery.notice.<name>.title" and ".body", with {field} placeholders),
// which NoticeText renders for an adapter without templates of its own.
const (
	// TemplateService: a document served. Data: court_name, court_name_en,
	// case_number, document_title, document_code, document_id,
	// document_kind, recipient_name, service_id, link.
	TemplateService = "delivery.document_served"
	// TemplateReminder: a period running out. Data: court_name,
	// court_name_en, case_number, document_title, period ("answer" or
	// "appeal"), period_kind (a PeriodKind), due_date and end (the last
	// day), days_left, article, recipient_name, link.
	TemplateReminder = "delivery.period_reminder"
)

// NoticeText renders an Outgoing's title and body in lang from cat (which
// must hold Messages), for a notify adapter that has no templates of its
// own. A period_kind in Data is shown with its label.
func NoticeText(cat *i18n.Catalog, lang i18n.Lang, o Outgoing) (title, body string) {
	pairs := make([]string, 0, 2*len(o.Data))
	for k, v := range o.Data {
		if k == "period_kind" {
			v = cat.T(lang, "delivery.period_kind."+v)
		}
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	key := "delivery.notice." + strings.TrimPrefix(o.Template, "delivery.")
	return r.Replace(cat.T(lang, key+".title")), r.Replace(cat.T(lang, key+".body"))
}
