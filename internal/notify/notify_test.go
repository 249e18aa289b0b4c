package notify

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(Migrations); err != nil {
		t.Fatal(err)
	}
}

func TestMessagesComplete(t *testing.T) {
	if err := i18n.CheckComplete(Messages); err != nil {
		t.Fatal(err)
	}
}

// sample is data that fills every embedded template.
var sample = map[string]string{
	"court_name": "象山县人民法院", "case_number": "（2026）浙0225民初123号", "document_title": "民事判决书",
	"period": "appeal", "due_date": "2026-04-01", "amount": "2,300.00", "time": "2026-04-02 09:30", "place": "第三法庭",
	"title_zh": "系统维护通知", "body_zh": "本周六凌晨系统维护。", "title_en": "Maintenance", "body_en": "Maintenance on Saturday night.",
	"link": "/cases/c-1", "node_name_zh": "冻结", "node_name_en": "Freezing", "text": "冻结被执行人银行存款。",
	"state": "accepted", "deadline": "2026-09-02", "days_left": "30", "answer": "已核实，正在查控。",
}

func TestTextsComplete(t *testing.T) {
	keys := TemplateKeys()
	if len(keys) < 5 {
		t.Fatalf("TemplateKeys = %v", keys)
	}
	for _, k := range keys {
		zh, err := Render(k, i18n.ZH, sample)
		if err != nil {
			t.Fatalf("%s zh-CN: %v", k, err)
		}
		en, err := Render(k, i18n.EN, sample)
		if err != nil {
			t.Fatalf("%s en: %v", k, err)
		}
		for _, c := range []Content{zh, en} {
			if c.Title == "" || c.Body == "" || c.SMS == "" || strings.Contains(c.Title, "\n") {
				t.Errorf("%s: incomplete %+v", k, c)
			}
			if !strings.HasPrefix(c.SMS, "【") && !strings.HasPrefix(c.SMS, "[") {
				t.Errorf("%s: SMS %q has no signature", k, c.SMS)
			}
		}
		if zh.Body == en.Body || zh.Title == en.Title {
			t.Errorf("%s: the languages render the same text: %q", k, zh.Body)
		}
	}
}

func TestRenderPerLanguage(t *testing.T) {
	tests := []struct {
		lang  i18n.Lang
		title string
		sms   string
	}{
		{i18n.ZH, "上诉期即将届满", "【象山县人民法院】（2026）浙0225民初123号上诉期将于2026-04-01届满，请及时处理。"},
		{i18n.EN, "The period to appeal ends soon", "[象山县人民法院] Case （2026）浙0225民初123号: the period to appeal ends on 2026-04-01. Please act in time."},
	}
	for _, tt := range tests {
		c, err := Render("delivery.period_reminder", tt.lang, sample)
		if err != nil {
			t.Fatal(err)
		}
		if c.Title != tt.title || c.SMS != tt.sms || c.Link != "/cases/c-1" {
			t.Errorf("%s: got %+v, want title %q sms %q", tt.lang, c, tt.title, tt.sms)
		}
	}
	withEN := map[string]string{}
	for k, v := range sample {
		withEN[k] = v
	}
	withEN["court_name_en"] = "Xiangshan County People's Court"
	if c, err := Render("delivery.document_served", i18n.EN, withEN); err != nil || !strings.HasPrefix(c.Title, "Xiangshan County People's Court has served") {
		t.Errorf("English court name: %+v, %v", c, err)
	}
	if c, err := Render("delivery.document_served", i18n.ZH, withEN); err != nil || !strings.HasPrefix(c.Title, "象山县人民法院") {
		t.Errorf("Chinese court name: %+v, %v", c, err)
	}
	if _, err := Render("delivery.period_reminder", i18n.ZH, map[string]string{"period": "appeal"}); err == nil {
		t.Error("missing fields rendered without an error")
	}
	bad := map[string]string{"title_zh": "t", "body_zh": "b", "title_en": "t", "body_en": "b", "link": "javascript:alert(1)"}
	if _, err := Render("platform.announcement", i18n.EN, bad); err == nil {
		t.Error("a javascript: link was accepted")
	}
}

func TestEnqueueRefusesBadMessages(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{noStart: true})
	ok := Message{ID: "m-1", Recipients: []string{"u-zh"}, Channels: []Channel{Inbox}, Template: "platform.announcement", Data: sample}
	tests := []struct {
		name  string
		edit  func(m *Message)
		field string
	}{
		{"no id", func(m *Message) { m.ID = " " }, "id"},
		{"id with a newline", func(m *Message) { m.ID = "a\nb" }, "id"},
		{"no channel", func(m *Message) { m.Channels = nil }, "channels"},
		{"unknown channel", func(m *Message) { m.Channels = []Channel{"fax"} }, "channels"},
		{"no recipient", func(m *Message) { m.Recipients = nil }, "recipients"},
		{"empty recipient", func(m *Message) { m.Recipients = []string{""} }, "recipients"},
		{"too many recipients", func(m *Message) { m.Recipients = make([]string, MaxRecipients+1); fill(m.Recipients) }, "recipients"},
		{"unknown template", func(m *Message) { m.Template = "nope" }, "template"},
		{"missing data", func(m *Message) { m.Data = map[string]string{"title_zh": "x"} }, "data"},
		{"address on the inbox", func(m *Message) { m.Addresses = []Address{{Recipient: "u-zh", Channel: Inbox, To: "u-zh"}} }, "addresses"},
		{"address of a stranger", func(m *Message) {
			m.Channels = []Channel{SMS}
			m.Addresses = []Address{{Recipient: "u-x", Channel: SMS, To: "13800001234"}}
		}, "addresses"},
		{"bad phone", func(m *Message) {
			m.Channels = []Channel{SMS}
			m.Addresses = []Address{{Channel: SMS, To: "12345"}}
		}, "addresses"},
		{"bad e-mail", func(m *Message) {
			m.Channels = []Channel{Email}
			m.Addresses = []Address{{Channel: Email, To: "张三 <a@b.cn>"}}
		}, "addresses"},
	}
	for _, tt := range tests {
		m := ok
		m.Recipients = append([]string(nil), ok.Recipients...)
		tt.edit(&m)
		err := f.db.Tx(context.Background(), func(tx *sqldb.Tx) error { return Enqueue(context.Background(), tx, m) })
		e, isErr := errs.As(err)
		if !isErr || e.Code != errs.Invalid {
			t.Errorf("%s: err = %v, want invalid", tt.name, err)
			continue
		}
		found := false
		for _, fe := range e.Fields {
			found = found || fe.Field == tt.field
		}
		if !found {
			t.Errorf("%s: fields %v do not name %q", tt.name, e.Fields, tt.field)
		}
	}
	if n := f.count(t, `SELECT COUNT(*) FROM notify_message`); n != 0 {
		t.Errorf("%d messages stored by refused Enqueues", n)
	}
	if n := f.count(t, `SELECT COUNT(*) FROM bus_outbox`); n != 0 {
		t.Errorf("%d events enqueued by refused Enqueues", n)
	}
}

func fill(s []string) {
	for i := range s {
		s[i] = "u-" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + itoa(i)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

func openSQLite(t *testing.T) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "n.db"), sqldb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background(), sets...); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestEndToEnd sends one message on every channel to a Chinese and an
// English recipient and an address-only recipient, through outbox, bus,
// fan-out and dispatchers, and checks each got it once, in their language,
// with "sent" outcome events carrying the provider's time.
func TestEndToEnd(t *testing.T) {
	forEachDB(t, fixtureOpts{}, func(t *testing.T, f *fixture) {
		hook := newHookServer(t, []byte("webhook-secret"))
		f.dir["u-zh"] = Contact{Language: "zh-CN", Phone: "+86 138 0000 1234", Email: "zh@example.cn", WebhookURL: hook.URL}
		f.dir["u-en"] = Contact{Language: "en", Phone: "13900001234", Email: "en@example.com"}
		m := Message{ID: "delivery.service:s-1", Ref: "delivery.service:s-1", Recipients: []string{"u-zh", "u-en", "u-zh"},
			Channels: []Channel{Inbox, SMS, Email, Webhook}, Template: "delivery.document_served", Data: sample,
			Addresses: []Address{{Channel: Email, To: "lawyer@example.com", Language: "en"}}, CourtID: "court-1", CaseID: "case-1"}
		f.enqueue(t, m)
		f.enqueue(t, m) // the repeat changes nothing

		d := f.waitStatus(t, m.ID, SMS, "u-zh", StatusSent)
		if d.Address != "138****1234" || d.Provider != "primary" || d.SentAt == nil || d.ProviderMessageID == "" {
			t.Errorf("sms delivery = %+v", d)
		}
		f.waitStatus(t, m.ID, SMS, "u-en", StatusSent)
		f.waitStatus(t, m.ID, Email, "u-zh", StatusSent)
		f.waitStatus(t, m.ID, Email, "@lawyer@example.com", StatusSent)
		f.waitStatus(t, m.ID, Webhook, "u-zh", StatusSent)
		dead := f.waitStatus(t, m.ID, Webhook, "u-en", StatusDead)
		if dead.ErrorCode != codeNoAddress {
			t.Errorf("webhook to u-en: %+v, want no_address", dead)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM notify_message`); n != 1 {
			t.Errorf("%d messages, want 1", n)
		}
		// Each recipient's language.
		texts := map[string]string{}
		for _, s := range f.sms.Sent() {
			texts[s.Phone] = s.Text
		}
		if !strings.HasPrefix(texts["13800001234"], "【象山县人民法院】您有一份法律文书") || !strings.HasPrefix(texts["13900001234"], "[象山县人民法院] A court document") {
			t.Errorf("SMS texts = %q", texts)
		}
		if len(f.sms.Sent()) != 2 {
			t.Errorf("%d SMS sent, want 2", len(f.sms.Sent()))
		}
		var titles []string
		rows, err := f.db.Query(context.Background(), `SELECT account_id, lang, title FROM notify_inbox WHERE message_id = ? ORDER BY account_id`, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, l, title string
			if err := rows.Scan(&a, &l, &title); err != nil {
				t.Fatal(err)
			}
			titles = append(titles, a+"/"+l+"/"+title)
		}
		rows.Close()
		want := []string{"u-en/en/象山县人民法院 has served 民事判决书 on you", "u-zh/zh-CN/象山县人民法院向您送达民事判决书"}
		if strings.Join(titles, "|") != strings.Join(want, "|") {
			t.Errorf("inbox = %q, want %q", titles, want)
		}
		// The e-mail of the English lawyer: English subject, our Message-ID.
		lawyer := f.delivery(t, m.ID, Email, "@lawyer@example.com")
		b, err := os.ReadFile(filepath.Join(f.eml.Dir, lawyer.ID+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		if !contains(string(b), "Message-ID: <"+lawyer.ID+"@ecourt.localhost>") || !contains(string(b), "To: <lawyer@example.com>") {
			t.Errorf("eml:\n%s", b)
		}
		if got := hook.count(); got != 1 {
			t.Errorf("webhook called %d times, want 1", got)
		}
		// Outcome events (written with the outcomes, so complete by now):
		// 2 inbox + 2 SMS + 3 e-mail + 1 webhook sent, 1 failed.
		if got := len(f.events(t, EventSent)); got != 8 {
			t.Errorf("%d sent events, want 8", got)
		}
		for _, o := range f.events(t, EventSent) {
			if o.Ref != m.Ref || o.MessageID != m.ID || o.At == "" || o.DeliveryID == "" {
				t.Errorf("sent event %+v", o)
			}
			if o.Channel == SMS && o.Recipient == "u-zh" && o.At != stamp(*d.SentAt) {
				t.Errorf("sent event at %s, want the provider's time %s", o.At, stamp(*d.SentAt))
			}
		}
		failed := f.events(t, EventFailed)
		if len(failed) != 1 || failed[0].Error != codeNoAddress || failed[0].Channel != Webhook {
			t.Errorf("failed events = %+v", failed)
		}
	})
}

// TestNoRefNoOutcomeEvents: a message without a Ref emits no delivery
// events (a mass announcement puts nothing per recipient in the outbox).
func TestNoRefNoOutcomeEvents(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{})
	f.dir["u-zh"] = Contact{Phone: "13800001234"}
	m := Message{ID: "a-1", Recipients: []string{"u-zh"}, Channels: []Channel{Inbox, SMS}, Template: "platform.announcement", Data: sample}
	f.enqueue(t, m)
	f.waitStatus(t, m.ID, SMS, "u-zh", StatusSent)
	if n := len(f.events(t, EventSent)) + len(f.events(t, EventFailed)); n != 0 {
		t.Errorf("%d outcome events for a message without a Ref", n)
	}
}

// TestTemplateKeysExist: every message key the inbox page uses is in the
// bundle.
func TestTemplateKeysExist(t *testing.T) {
	cat, err := i18n.New(i18n.Platform(), Messages)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fs.ReadFile(Templates, "inbox.html")
	if err != nil {
		t.Fatal(err)
	}
	keys := regexp.MustCompile(`\.T "([^"]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(keys) < 5 {
		t.Fatalf("only %d keys found", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k[1]) {
			t.Errorf("inbox.html uses %q, which no bundle has", k[1])
		}
	}
}
