package notify

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openapitest.Fragment(t, OpenAPI(), "notify")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Notify") {
			t.Errorf("schema %s is not named Notify…", name)
		}
	}
	check := openapitest.New(t, doc)
	forEachDB(t, fixtureOpts{}, func(t *testing.T, f *fixture) {
		f.dir["u-zh"] = Contact{Phone: "12345"}
		f.dir["u-en"] = Contact{Language: "en"}
		m := Message{ID: "m-api", Ref: "r-api", Recipients: []string{"u-zh", "u-en"}, Channels: []Channel{Inbox, SMS},
			Template: "fees.bill_issued", Data: sample, CourtID: "court-1", CaseID: "case-1"}
		f.enqueue(t, m)
		dead := f.waitStatus(t, m.ID, SMS, "u-zh", StatusDead)
		noPhone := f.waitStatus(t, m.ID, SMS, "u-en", StatusDead)
		var page InboxPage
		waitUntil(t, "inbox", func() bool {
			var err error
			page, err = f.s.ListInbox(as("u-zh"), Page{})
			return err == nil && len(page.Items) == 1
		})
		mine := page.Items[0].ID
		tests := []struct {
			method, path, user string
			want               int
		}{
			{"GET", "/api/v1/inbox", "u-zh", 200},
			{"GET", "/api/v1/inbox?limit=5", "u-en", 200},
			{"GET", "/api/v1/inbox?limit=0", "u-en", 400},
			{"GET", "/api/v1/inbox", "", 401},
			{"POST", "/api/v1/inbox/" + mine + "/read", "u-en", 404},
			{"POST", "/api/v1/inbox/" + mine + "/read", "u-zh", 200},
			{"POST", "/api/v1/inbox/" + mine + "/read", "u-zh", 200},
			{"POST", "/api/v1/inbox/nope/read", "u-zh", 404},
			{"POST", "/api/v1/inbox/" + mine + "/read", "", 401},
			{"GET", "/api/v1/inbox/stream", "", 401},
			{"GET", "/api/v1/notify/dead-letters", "u-court-admin", 200},
			{"GET", "/api/v1/notify/dead-letters?channel=sms&court_id=court-1&limit=10", "u-platform", 200},
			{"GET", "/api/v1/notify/dead-letters?channel=fax", "u-platform", 400},
			{"GET", "/api/v1/notify/dead-letters?before=x", "u-platform", 400},
			{"GET", "/api/v1/notify/dead-letters?court_id=court-1", "u-other-admin", 403},
			{"GET", "/api/v1/notify/dead-letters", "u-judge", 403},
			{"GET", "/api/v1/notify/dead-letters", "", 401},
			{"GET", "/api/v1/notify/messages/m-api/status", "u-court-admin", 200},
			{"GET", "/api/v1/notify/messages/m-api/status?limit=1", "u-platform", 200},
			{"GET", "/api/v1/notify/messages/m-api/status?after=nobar", "u-platform", 400},
			{"GET", "/api/v1/notify/messages/m-api/status", "u-other-admin", 403},
			{"GET", "/api/v1/notify/messages/nope/status", "u-platform", 404},
			{"POST", "/api/v1/notify/dead-letters/" + dead.ID + "/retry", "u-judge", 403},
			{"POST", "/api/v1/notify/dead-letters/nope/retry", "u-platform", 404},
			{"POST", "/api/v1/notify/dead-letters/" + noPhone.ID + "/retry", "u-court-admin", 409},
			{"POST", "/api/v1/notify/dead-letters/" + dead.ID + "/retry", "u-court-admin", 200},
		}
		h := f.srv.Config.Handler
		for _, tt := range tests {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.user != "" {
				req.Header.Set("X-Test-User", tt.user)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", tt.method, tt.path, tt.user, rec.Code, tt.want, rec.Body)
				continue
			}
			check.Check(t, tt.method, tt.path, req.Header, nil, rec)
		}
		// The read receipt: once, as an event with the Ref.
		read := f.events(t, EventRead)
		if len(read) != 1 || read[0].Recipient != "u-zh" || read[0].Ref != "r-api" || read[0].Channel != Inbox {
			t.Errorf("read events %+v", read)
		}
		// The status pages through every recipient and channel once.
		var items []string
		after := ""
		for range 10 {
			st, err := f.s.FindMessageStatus(as("u-platform"), m.ID, StatusQuery{After: after, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range st.Items {
				items = append(items, d.Recipient+"/"+string(d.Channel)+"/"+string(d.Status))
			}
			if after = st.Next; after == "" {
				break
			}
		}
		want := "u-en/inbox/sent u-en/sms/dead u-zh/inbox/read u-zh/sms/"
		if got := strings.Join(items, " "); !strings.HasPrefix(got, want) || len(items) != 4 {
			t.Errorf("status items %q, want %q…", got, want)
		}
		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

// TestInboxLive opens the inbox stream, enqueues a message and reads the
// "inbox" event it pushes; marking it read pushes the new count.
func TestInboxLive(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/v1/inbox/stream", nil)
	req.Header.Set("X-Test-User", "u-zh")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan InboxChange, 8)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var c InboxChange
				if json.Unmarshal([]byte(d), &c) == nil {
					events <- c
				}
			}
		}
	}()
	next := func() InboxChange {
		select {
		case c := <-events:
			return c
		case <-time.After(waitTimeout):
			t.Fatal("no event")
		}
		return InboxChange{}
	}
	if c := next(); c.Kind != "unread" || c.Unread != 0 {
		t.Fatalf("first event %+v", c)
	}
	// Someone else's message is not pushed; ours is.
	f.enqueue(t, Message{ID: "other", Recipients: []string{"u-en"}, Channels: []Channel{Inbox}, Template: "platform.announcement", Data: sample})
	f.enqueue(t, Message{ID: "mine", Recipients: []string{"u-zh"}, Channels: []Channel{Inbox}, Template: "platform.announcement", Data: sample})
	if c := next(); c.Kind != "added" || c.MessageID != "mine" || c.Unread != 1 {
		t.Fatalf("added event %+v", c)
	}
	p, err := f.s.ListInbox(as("u-zh"), Page{})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("ListInbox = %+v, %v", p, err)
	}
	if _, err := f.s.MarkRead(as("u-zh"), p.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.bus.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.Kind != "read" || c.Unread != 0 {
		t.Fatalf("read event %+v", c)
	}
}

// TestInboxPage renders the page and the fragment, and the read form
// marks the message read and opens its link.
func TestInboxPage(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{})
	f.enqueue(t, Message{ID: "p-1", Recipients: []string{"u-zh"}, Channels: []Channel{Inbox}, Template: "hearing.scheduled", Data: sample})
	waitUntil(t, "inbox row", func() bool { return f.count(t, `SELECT COUNT(*) FROM notify_inbox`) == 1 })
	get := func(path, lang string) (int, string) {
		req, _ := http.NewRequest("GET", f.srv.URL+path+"?lang="+lang, nil)
		req.Header.Set("X-Test-User", "u-zh")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		return resp.StatusCode, b.String()
	}
	code, body := get("/inbox", "zh-CN")
	if code != 200 || !strings.Contains(body, `id="inbox"`) || !strings.Contains(body, "开庭通知") || !strings.Contains(body, "1条未读消息") ||
		!strings.Contains(body, `data-live="/api/v1/inbox/stream"`) {
		t.Errorf("page %d:\n%s", code, body)
	}
	code, body = get("/inbox/items", "en")
	if code != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "1 unread") {
		t.Errorf("fragment %d:\n%s", code, body)
	}
	if code, _ := f.do(t, "GET", "/inbox", ""); code != http.StatusSeeOther {
		t.Errorf("anonymous inbox: %d, want a redirect to sign in", code)
	}
	id := ""
	if err := f.db.QueryRow(context.Background(), `SELECT id FROM notify_inbox`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// The form post (the CSRF token is the page's own).
	jar := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", f.srv.URL+"/inbox", nil)
	req.Header.Set("X-Test-User", "u-zh")
	resp, err := jar.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var token string
	for _, c := range resp.Cookies() {
		if c.Name == "ecourt_csrf" {
			token = c.Value
		}
	}
	req, _ = http.NewRequest("POST", f.srv.URL+"/inbox/"+id+"/read", strings.NewReader("csrf_token="+token))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Test-User", "u-zh")
	req.AddCookie(&http.Cookie{Name: "ecourt_csrf", Value: token})
	resp, err = jar.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cases/c-1" {
		t.Errorf("read form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := f.count(t, `SELECT COUNT(*) FROM notify_inbox WHERE read_at IS NOT NULL`); n != 1 {
		t.Errorf("%d read", n)
	}
}
