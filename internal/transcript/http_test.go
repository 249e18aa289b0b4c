package transcript_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
	"github.com/ecourt/ecourt/internal/transcript"
)

// TestAPIMatchesOpenAPI drives every operation through the real router
// and checks requests and responses against the fragment.
func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openapitest.Fragment(t, transcript.OpenAPI(), "transcript")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Transcript") {
			t.Errorf("schema %s is not named Transcript…", name)
		}
	}
	check := openapitest.New(t, doc)
	forEachDBOpts(t, fixtureOpts{transcriber: newSTT(t, &fakeSTT{})}, func(t *testing.T, f *fixture) {
		base := "/api/v1/hearings/" + hearing + "/record"
		h := f.srv.Config.Handler
		var entryID string
		tests := []struct {
			method, path, user, ctype, body string
			want                            int
		}{
			{"GET", base, "u-clerk", "", "", 404},
			{"POST", base, "u-party", "json", `{"case_id":"` + f.c.ID + `","place":"本院第三法庭"}`, 403},
			{"POST", base, "u-clerk", "json", `{"case_id":"` + f.c.ID + `","place":""}`, 400},
			{"POST", base, "u-clerk", "json", `{"case_id":"` + f.c.ID + `","place":"本院第三法庭","mode":"在线庭审"}`, 200},
			{"GET", base, "u-party", "", "", 200},
			{"GET", base, "", "", "", 401},
			{"GET", base, "u-stranger", "", "", 404},
			{"POST", base + "/entries", "u-clerk", "json", `{"speaker":"审判员","text":"现在开庭。"}`, 201},
			{"POST", base + "/entries", "u-clerk", "json", `{"speaker":"","text":""}`, 400},
			{"POST", base + "/entries", "u-party", "json", `{"speaker":"原告","text":"x"}`, 403},
			{"PATCH", base + "/entries/{entry}", "u-clerk", "json", `{"speaker":"审判员","text":"现在开庭，核对当事人身份。"}`, 200},
			{"PATCH", base + "/entries/nope", "u-clerk", "json", `{"speaker":"审判员","text":"x"}`, 404},
			{"GET", base + "/entries/{entry}/revisions", "u-defendant", "", "", 200},
			{"POST", base + "/entries", "u-clerk", "json", `{"speaker":"原告","text":"多余的一句。"}`, 201},
			{"DELETE", base + "/entries/{entry}", "u-clerk", "", "", 200},
			{"DELETE", base + "/entries/{entry}", "u-clerk", "", "", 409},
			{"POST", base + "/suggestions", "u-clerk", "audio/webm", "OggS....", 200},
			{"POST", base + "/suggestions", "u-party", "audio/webm", "OggS....", 403},
			{"POST", base + "/suggestions", "u-clerk", "text/plain", "hello", 400},
			{"POST", base + "/sign", "u-party", "json", `{"code":"123456"}`, 409},
			{"POST", base + "/close-for-signing", "u-clerk", "json", `{"signers":[]}`, 400},
			{"POST", base + "/close-for-signing", "u-clerk", "json",
				`{"signers":[{"account_id":"u-judge","role":"审判员","name":"陈立新"},{"account_id":"u-clerk","role":"书记员","name":"吴小丽"},{"account_id":"u-party","role":"原告","name":"张三"},{"account_id":"u-defendant","role":"被告","name":"李四"}]}`, 200},
			{"POST", base + "/code", "u-party", "", "", 204},
			{"POST", base + "/code", "u-stranger", "", "", 404},
			{"POST", base + "/sign", "u-party", "json", `{"code":"000000"}`, 400},
			{"POST", base + "/sign", "u-party", "json", `{"code":"{code:u-party}"}`, 200},
			{"POST", base + "/object", "u-defendant", "json", `{"text":"漏记了我的陈述。"}`, 200},
			{"POST", base + "/reopen", "u-clerk", "json", `{"reason":"被告申请补正"}`, 200},
			{"POST", base + "/reopen", "u-clerk", "json", `{"reason":"again"}`, 409},
			{"POST", base + "/close-for-signing", "u-clerk", "json",
				`{"signers":[{"account_id":"u-judge","role":"审判员","name":"陈立新"},{"account_id":"u-clerk","role":"书记员","name":"吴小丽"},{"account_id":"u-defendant","role":"被告","name":"李四"}]}`, 200},
			{"POST", base + "/refusal", "u-party", "json", `{"account_id":"u-defendant","reason":"x"}`, 403},
			{"POST", base + "/refusal", "u-clerk", "json", `{"account_id":"u-defendant","reason":"被告拒绝签名。"}`, 200},
			{"POST", base + "/sign", "u-judge", "json", `{"code":"{code:u-judge}"}`, 200},
			{"POST", base + "/sign", "u-clerk", "json", `{"code":"{code:u-clerk}"}`, 200},
			{"GET", base, "u-lawyer", "", "", 200},
		}
		for _, tt := range tests {
			f.runJobs(t) // send the codes of a new round
			path := strings.ReplaceAll(tt.path, "{entry}", entryID)
			body := tt.body
			if i := strings.Index(body, "{code:"); i >= 0 {
				j := strings.Index(body[i:], "}")
				body = body[:i] + f.codes.code(t, body[i+6:i+j]) + body[i+j+1:]
			}
			req := httptest.NewRequest(tt.method, path, strings.NewReader(body))
			switch tt.ctype {
			case "":
			case "json":
				req.Header.Set("Content-Type", "application/json")
			default:
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.user != "" {
				req.Header.Set("X-Test-User", tt.user)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", tt.method, path, tt.user, rec.Code, tt.want, rec.Body)
				continue
			}
			if tt.ctype != "audio/webm" && tt.ctype != "text/plain" {
				check.Check(t, tt.method, path, req.Header, []byte(body), rec)
			}
			if tt.method == "POST" && strings.HasSuffix(path, "/entries") && rec.Code == 201 {
				entryID = between(rec.Body.String(), `"id":"`, `"`)
			}
		}
		r := f.find(t, "u-clerk")
		if r.State != transcript.Final || len(r.Objections) != 1 {
			t.Errorf("after the API run: %s, %d objections", r.State, len(r.Objections))
		}
		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x", "{entryID}", "y").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	return s[:strings.Index(s, b)]
}

// TestLiveEvents: a party's event stream sees each change of the record
// through the bus's live fan-out.
func TestLiveEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), SyncInterval: time.Minute,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	forEachDBOpts(t, fixtureOpts{live: b}, func(t *testing.T, f *fixture) {
		b.StartRelay(ctx, f.db)
		f.start(t)
		req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/v1/hearings/"+hearing+"/record/events", nil)
		req.Header.Set("X-Test-User", "u-defendant")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		next := func() string {
			for sc.Scan() {
				if l := sc.Text(); strings.HasPrefix(l, "data: ") {
					return l[len("data: "):]
				}
			}
			t.Fatalf("stream ended: %v", sc.Err())
			return ""
		}
		if first := next(); !strings.Contains(first, `"what":"snapshot"`) {
			t.Fatalf("first event %s", first)
		}
		// until reads events until one contains want; the relay may still
		// publish the "started" event after the stream began.
		until := func(want string) string {
			for {
				if got := next(); strings.Contains(got, want) {
					return got
				}
			}
		}
		e := f.add(t, "审判员", "现在开庭。")
		if got := until(`"what":"entry_added"`); !strings.Contains(got, e.ID) {
			t.Fatalf("event %s", got)
		}
		if _, err := f.s.Edit(f.as("u-clerk"), hearing, e.ID, transcript.EntryEdit{Speaker: "审判员", Text: "现在开庭！"}); err != nil {
			t.Fatal(err)
		}
		if got := until(`"what":"entry_edited"`); !strings.Contains(got, `"version":3`) {
			t.Fatalf("event %s", got)
		}
	})
}

// TestPages: the clerk's editor and the parties' read-and-sign page,
// bilingual, large-text mode, forms that work without script.
func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		base := "/hearings/" + hearing + "/record"
		if resp := f.do(t, "GET", base, "", "", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out: %d", resp.StatusCode)
		}
		f.start(t)
		resp := f.do(t, "GET", base, "u-clerk", "", nil)
		body := bodyOf(resp)
		if resp.StatusCode != 200 || !strings.Contains(body, "庭审笔录") || !strings.Contains(body, `id="entry-form"`) ||
			!strings.Contains(body, "语音识别未开启") || !strings.Contains(body, transcript.ScriptPath+"?v=") || strings.Contains(body, "<script>") {
			t.Fatalf("clerk's page: %d\n%s", resp.StatusCode, body)
		}
		// A bad entry is shown again with the message; a good one is added.
		resp = f.do(t, "POST", base+"/entries", "u-clerk", url.Values{"speaker": {"原告"}, "text": {""}}.Encode(), nil)
		if body := bodyOf(resp); resp.StatusCode != 400 || !strings.Contains(body, "请填写此项") || !strings.Contains(body, `value="原告"`) {
			t.Fatalf("bad entry: %d\n%s", resp.StatusCode, body)
		}
		resp = f.do(t, "POST", base+"/entries", "u-clerk", url.Values{"speaker": {"原告"}, "text": {"借款五万元。"}}.Encode(), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("entry: %d %s", resp.StatusCode, bodyOf(resp))
		}
		// The party reads it, in English and large text, without the editor.
		body = bodyOf(f.do(t, "GET", base+"?lang=en&elderly=1", "u-party", "", nil))
		if !strings.Contains(body, "Hearing record") || !strings.Contains(body, f.c.Number) || !strings.Contains(body, "借款五万元。") || !strings.Contains(body, `class="elderly"`) ||
			strings.Contains(body, `id="entry-form"`) {
			t.Fatalf("party's page:\n%s", body)
		}
		if resp := f.do(t, "POST", base+"/entries", "u-party", url.Values{"speaker": {"原告"}, "text": {"x"}}.Encode(), nil); resp.StatusCode != 403 {
			t.Errorf("party's entry: %d", resp.StatusCode)
		}
		// The fragment the live script fetches.
		req, _ := http.NewRequest("GET", f.srv.URL+base+"/entries", nil)
		req.Header.Set("X-Test-User", "u-party")
		req.Header.Set("HX-Request", "true")
		fr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := bodyOf(fr); !strings.HasPrefix(strings.TrimSpace(b), `<div id="record-live"`) || strings.Contains(b, "<html") {
			t.Errorf("fragment:\n%s", b)
		}
		// Close for signing from the page, then the party signs there.
		form := url.Values{"judge_name": {"陈立新"}, "clerk_name": {"吴小丽"}, "signer": {"u-party", "u-defendant", "u-lawyer"}}
		if resp := f.do(t, "POST", base+"/close", "u-clerk", form.Encode(), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d %s", resp.StatusCode, bodyOf(resp))
		}
		f.runJobs(t)
		r := f.find(t, "u-clerk")
		if len(r.Signers) != 5 || r.Signers[0].AccountID != "u-judge" || r.Signers[2].Role != "原告" || r.Signers[4].Role != "原告代理人" {
			t.Fatalf("signers from the page %+v", r.Signers)
		}
		body = bodyOf(f.do(t, "GET", base, "u-party", "", nil))
		if !strings.Contains(body, `id="sign-form"`) || !strings.Contains(body, `autocomplete="one-time-code"`) {
			t.Fatalf("sign page:\n%s", body)
		}
		resp = f.do(t, "POST", base+"/sign", "u-party", url.Values{"code": {"999999"}}.Encode(), nil)
		if body := bodyOf(resp); resp.StatusCode != 400 || !strings.Contains(body, "验证码不正确") {
			t.Fatalf("wrong code: %d\n%s", resp.StatusCode, body)
		}
		if resp := f.do(t, "POST", base+"/sign", "u-party", url.Values{"code": {f.codes.code(t, "u-party")}}.Encode(), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign: %d %s", resp.StatusCode, bodyOf(resp))
		}
		if resp := f.do(t, "POST", base+"/object", "u-defendant", url.Values{"objection": {"漏记。"}}.Encode(), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("object: %d %s", resp.StatusCode, bodyOf(resp))
		}
		if body := bodyOf(f.do(t, "GET", base, "u-clerk", "", nil)); !strings.Contains(body, "漏记。") || !strings.Contains(body, `action="/hearings/`+hearing+`/record/refusal"`) {
			t.Errorf("clerk's page during signing:\n%s", body)
		}
		if resp := f.do(t, "GET", transcript.ScriptPath, "", "", nil); resp.StatusCode != 200 || !strings.Contains(bodyOf(resp), "EventSource") {
			t.Errorf("script: %d", resp.StatusCode)
		}
	})
}
