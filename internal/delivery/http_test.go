package delivery_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc := openapitest.Fragment(t, delivery.OpenAPI(), "delivery")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Delivery") {
			t.Errorf("schema %s is not named Delivery…", name)
		}
	}
	return doc
}

// TestAPIMatchesOpenAPI drives every operation through the real router
// and checks requests and responses against the fragment.
func TestAPIMatchesOpenAPI(t *testing.T) {
	api := openAPIDoc(t)
	check := openapitest.New(t, api)
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, true, inboxAddr, smsAddr)
		j := f.serve(t, c, doc(delivery.DocJudgment, true), false)
		f.clk.Set(t0.Add(time.Hour))
		f.sent(t, ref(t, j, 1), delivery.SMS, t0.Add(time.Minute))
		f.runJobs(t)
		refused, err := f.s.Serve(f.as("u-clerk"), delivery.ServeRequest{CaseID: c.ID, Document: doc(delivery.DocNotice, false),
			Recipients: []delivery.RecipientSpec{{PartyID: plaintiff(c)}}})
		if err != nil {
			t.Fatal(err)
		}
		paper, err := f.s.RequestPaperCopy(f.as("u-defendant"), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		fallback := refused[0].ID
		cid := c.ID
		tests := []struct {
			method, path, user, body string
			want                     int
		}{
			{"GET", "/api/v1/cases/" + cid + "/delivery/consent", "u-defendant", "", 200},
			{"GET", "/api/v1/cases/" + cid + "/delivery/consent?party_id=" + defendant(c), "u-clerk", "", 200},
			{"GET", "/api/v1/cases/" + cid + "/delivery/consent?party_id=" + plaintiff(c), "u-defendant", "", 403},
			{"GET", "/api/v1/cases/" + cid + "/delivery/consent", "u-stranger", "", 404},
			{"GET", "/api/v1/cases/" + cid + "/delivery/consent", "", "", 401},
			{"GET", "/api/v1/cases/" + cid + "/delivery/consent", "u-clerk", "", 400},
			{"PUT", "/api/v1/cases/" + cid + "/delivery/consent", "u-party",
				`{"electronic":true,"judgments":true,"channels":[{"channel":"inbox","address":""},{"channel":"email","address":"zhangsan@example.com"}],"postal_address":"浙江省宁波市","acknowledged":true}`, 200},
			{"PUT", "/api/v1/cases/" + cid + "/delivery/consent", "u-party", `{"electronic":true,"channels":[],"acknowledged":false}`, 400},
			{"PUT", "/api/v1/cases/" + cid + "/delivery/consent", "u-party", `{"electronic":"yes"}`, 400},
			{"POST", "/api/v1/cases/" + cid + "/delivery/bases", "u-clerk",
				`{"party_id":"` + plaintiff(c) + `","kind":"pleading_address","fact":"起诉状载明电子邮箱","source_ref":"filing-1","channels":[{"channel":"email","address":"zhangsan@example.com"}]}`, 201},
			{"POST", "/api/v1/cases/" + cid + "/delivery/bases", "u-defendant",
				`{"party_id":"` + defendant(c) + `","kind":"pleading_address","fact":"x","channels":[{"channel":"sms","address":"13800001234"}]}`, 403},
			{"POST", "/api/v1/cases/" + cid + "/delivery/services", "u-clerk",
				`{"document":{"id":"doc-api-1","kind":"notice","title":"举证通知书","code":"A1"},"recipients":[{"party_id":"` + plaintiff(c) + `"},{"account_id":"u-defendant"}]}`, 201},
			{"POST", "/api/v1/cases/" + cid + "/delivery/services", "u-clerk",
				`{"document":{"id":"doc-api-1","kind":"notice","title":"举证通知书"},"recipients":[{"party_id":"` + plaintiff(c) + `"}]}`, 409},
			{"POST", "/api/v1/cases/" + cid + "/delivery/services", "u-clerk", `{"document":{"kind":"nope"},"recipients":[]}`, 400},
			{"POST", "/api/v1/cases/" + cid + "/delivery/services", "u-otherjudge",
				`{"document":{"id":"d","kind":"notice","title":"t"},"recipients":[{"party_id":"` + plaintiff(c) + `"}]}`, 403},
			{"GET", "/api/v1/cases/" + cid + "/delivery/services", "u-clerk", "", 200},
			{"GET", "/api/v1/cases/" + cid + "/delivery/services", "u-lawyer", "", 200},
			{"GET", "/api/v1/cases/" + cid + "/delivery/services", "u-stranger", "", 404},
			{"GET", "/api/v1/cases/" + cid + "/delivery/periods", "u-party", "", 200},
			{"GET", "/api/v1/cases/" + cid + "/delivery/periods", "", "", 401},
			{"GET", "/api/v1/cases/" + cid + "/delivery/tasks", "u-clerk", "", 200},
			{"GET", "/api/v1/cases/" + cid + "/delivery/tasks", "u-party", "", 403},
			{"GET", "/api/v1/delivery/tasks", "u-clerk", "", 200},
			{"GET", "/api/v1/delivery/tasks", "u-party", "", 403},
			{"GET", "/api/v1/delivery/services/" + j.ID, "u-defendant", "", 200},
			{"GET", "/api/v1/delivery/services/" + j.ID, "u-party", "", 403},
			{"GET", "/api/v1/delivery/services/nope", "u-clerk", "", 404},
			{"POST", "/api/v1/delivery/services/" + fallback + "/resend", "u-clerk", "", 201},
			{"POST", "/api/v1/delivery/services/" + j.ID + "/resend", "u-party", "", 403},
			{"POST", "/api/v1/delivery/services/" + j.ID + "/fallback", "u-clerk", `{"method":"post","served_on":"2026-03-02","proof_ref":"EMS1"}`, 409},
			{"POST", "/api/v1/delivery/services/" + fallback + "/fallback", "u-clerk", `{"method":"direct","proof_ref":""}`, 400},
			{"POST", "/api/v1/delivery/services/" + fallback + "/fallback", "u-clerk", `{"method":"direct","served_on":"2026-03-02","proof_ref":"送达回证扫描件 7"}`, 200},
			{"POST", "/api/v1/delivery/services/" + j.ID + "/paper-copy", "u-defendant", "", 201},
			{"POST", "/api/v1/delivery/services/" + fallback + "/paper-copy", "u-party", "", 409},
			{"POST", "/api/v1/delivery/tasks/" + paper.ID + "/close", "u-clerk", `{"outcome":"EMS 1234 寄出"}`, 200},
			{"POST", "/api/v1/delivery/tasks/" + paper.ID + "/close", "u-clerk", `{"outcome":"again"}`, 409},
			{"POST", "/api/v1/delivery/tasks/" + paper.ID + "/close", "u-party", `{"outcome":"x"}`, 403},
			{"POST", "/api/v1/delivery/tasks/nope/close", "u-clerk", `{"outcome":"x"}`, 404},
		}
		h := f.srv.Config.Handler
		for _, tt := range tests {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.user != "" {
				req.Header.Set("X-Test-User", tt.user)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", tt.method, tt.path, tt.user, rec.Code, tt.want, rec.Body)
				continue
			}
			check.Check(t, tt.method, tt.path, req.Header, []byte(tt.body), rec)
		}
		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range api.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

// TestPages: the 送达地址确认书 form (phone first, both languages, errors
// next to the fields, large-text mode), the clerk's tracking table and the
// case page's fragment.
func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		base := "/cases/" + c.ID + "/delivery"
		resp := f.do(t, "GET", base+"/consent", "u-defendant", "", nil)
		body := bodyOf(resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "送达地址确认书") || !strings.Contains(body, `name="sms"`) {
			t.Fatalf("consent page: %d\n%s", resp.StatusCode, body)
		}
		if strings.Index(body, `name="sms"`) > strings.Index(body, `name="email"`) {
			t.Errorf("the mobile number is not the first field")
		}
		if resp := f.do(t, "GET", base+"/consent?lang=en", "u-defendant", "", nil); !strings.Contains(bodyOf(resp), "Service-address confirmation") {
			t.Errorf("no English page")
		}
		if resp := f.do(t, "GET", base+"/consent?elderly=1", "u-defendant", "", nil); !strings.Contains(bodyOf(resp), `class="elderly"`) {
			t.Errorf("no large-text mode")
		}
		if resp := f.do(t, "GET", base+"/consent", "", "", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out: %d", resp.StatusCode)
		}
		// A bad submission re-renders with the messages next to the fields.
		form := url.Values{"electronic": {"1"}, "sms": {"123"}, "inbox": {"1"}}
		resp = f.do(t, "POST", base+"/consent", "u-defendant", form.Encode(), nil)
		body = bodyOf(resp)
		if resp.StatusCode != 400 || !strings.Contains(body, "11位手机号码") || !strings.Contains(body, "请阅读并确认告知事项") || !strings.Contains(body, `value="123"`) {
			t.Fatalf("bad submission: %d\n%s", resp.StatusCode, body)
		}
		form = url.Values{"electronic": {"1"}, "judgments": {"1"}, "sms": {"13800001234"}, "email": {"lisi@example.com"},
			"inbox": {"1"}, "postal_address": {"象山县石浦镇"}, "acknowledged": {"1"}}
		resp = f.do(t, "POST", base+"/consent", "u-defendant", form.Encode(), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("submission: %d %s", resp.StatusCode, bodyOf(resp))
		}
		v, err := f.s.FindConsent(f.as("u-defendant"), c.ID, "")
		if err != nil || v.Current == nil || len(v.Current.Channels) != 3 || !v.Current.Judgments {
			t.Fatalf("after the form: %+v, %v", v.Current, err)
		}
		if body := bodyOf(f.do(t, "GET", base+"/consent", "u-defendant", "", nil)); !strings.Contains(body, `value="13800001234"`) || !strings.Contains(body, "consent-current") {
			t.Errorf("the form does not show the current version")
		}
		// The clerk records a confirmation given by telephone through the same form.
		if body := bodyOf(f.do(t, "GET", base+"/consent?party_id="+plaintiff(c), "u-clerk", "", nil)); !strings.Contains(body, `name="how"`) {
			t.Errorf("the clerk's form has no way to say how consent was given")
		}
		form = url.Values{"party_id": {plaintiff(c)}, "electronic": {"1"}, "sms": {"13800005678"}, "how": {"phone"},
			"proof_ref": {"2026-03-02 10:05 电话确认"}, "acknowledged": {"1"}}
		if resp := f.do(t, "POST", base+"/consent", "u-clerk", form.Encode(), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("clerk's submission: %d %s", resp.StatusCode, bodyOf(resp))
		}
		if v, err := f.s.FindConsent(f.as("u-party"), c.ID, ""); err != nil || v.Current == nil || v.Current.How != delivery.HowPhone || v.ViewerIsParty != true {
			t.Errorf("plaintiff's consent after the clerk's form: %+v, %v", v.Current, err)
		}
		// Serve, fail, and look at the tracking table.
		r := f.serve(t, c, doc(delivery.DocJudgment, true), false)
		f.failed(t, ref(t, r, 1), delivery.SMS, "空号")
		f.failed(t, ref(t, r, 1), delivery.Email, "bounced")
		f.failed(t, ref(t, r, 1), delivery.Inbox, "x")
		resp = f.do(t, "GET", base, "u-clerk", "", nil)
		body = bodyOf(resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "电子送达失败") || !strings.Contains(body, "所有电子渠道均发送失败") || !strings.Contains(body, "空号") {
			t.Fatalf("tracking: %d\n%s", resp.StatusCode, body)
		}
		if resp := f.do(t, "GET", base, "u-defendant", "", nil); resp.StatusCode != 403 {
			t.Errorf("tracking for a party: %d", resp.StatusCode)
		}
		// The clerk records a fallback through the form; a bad date comes back.
		resp = f.do(t, "POST", base+"/services/"+r.ID+"/fallback", "u-clerk", url.Values{"method": {"direct"}, "served_on": {"2026/03/02"}, "proof_ref": {"x"}}.Encode(), nil)
		if resp.StatusCode != 400 || !strings.Contains(bodyOf(resp), "2026-03-02 的格式") {
			t.Errorf("bad date: %d", resp.StatusCode)
		}
		resp = f.do(t, "POST", base+"/services/"+r.ID+"/fallback", "u-clerk", url.Values{"method": {"direct"}, "served_on": {"2026-03-02"}, "proof_ref": {"送达回证 7"}}.Encode(), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("fallback form: %d %s", resp.StatusCode, bodyOf(resp))
		}
		if got := f.record(t, r.ID); got.Status != delivery.Served || got.Method != delivery.Direct {
			t.Errorf("after the form: %s %s", got.Status, got.Method)
		}
		// The case page's fragment: both sides see the period.
		req, _ := http.NewRequest("GET", f.srv.URL+base+"/periods", nil)
		req.Header.Set("X-Test-User", "u-party")
		req.Header.Set("HX-Request", "true")
		hr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body = bodyOf(hr)
		if hr.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "判决上诉期") || !strings.Contains(body, "2026-03-17") {
			t.Errorf("fragment: %d\n%s", hr.StatusCode, body)
		}
		resp = f.do(t, "GET", base+"/periods", "u-defendant", "", nil)
		if body := bodyOf(resp); !strings.Contains(body, "<html") || !strings.Contains(body, "向我送达的文书") {
			t.Errorf("periods page: %s", body)
		}
	})
}

// TestMessagesAndMigrations: both languages have every key, every key the
// code and templates name exists, and both dialects have the same
// migrations.
func TestMessagesAndMigrations(t *testing.T) {
	if err := i18n.CheckComplete(delivery.Messages); err != nil {
		t.Fatal(err)
	}
	if err := sqldb.CheckSet(delivery.Migrations); err != nil {
		t.Fatal(err)
	}
	cat := catalog(t)
	var keys []string
	for _, k := range delivery.TimelineTypes {
		keys = append(keys, "casefile.event."+k)
	}
	for _, k := range delivery.Statuses {
		keys = append(keys, "delivery.status."+string(k))
	}
	for _, k := range delivery.DocumentKinds {
		keys = append(keys, "delivery.doc_kind."+string(k))
	}
	for _, k := range delivery.BasisKinds {
		keys = append(keys, "delivery.basis."+string(k))
	}
	for _, k := range append(delivery.Fallbacks, delivery.Electronic) {
		keys = append(keys, "delivery.method."+string(k))
	}
	for _, k := range delivery.Channels {
		keys = append(keys, "delivery.channel."+string(k))
	}
	for _, k := range []string{delivery.RefusalDeclined, delivery.RefusalNoConsent, delivery.RefusalDecisive, delivery.RefusalNoChannel} {
		keys = append(keys, "delivery.refusal."+k, "delivery.task_reason."+k)
	}
	for _, v := range delivery.DefaultRules().Versions() {
		for _, p := range v.Periods {
			keys = append(keys, "delivery.period_kind."+string(p.Kind))
		}
	}
	keys = append(keys, sourceKeys(t)...)
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message %q", k)
		}
	}
}
