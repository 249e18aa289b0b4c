package filing

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/web/openapitest"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
	"github.com/getkin/kin-openapi/openapi3"
)

func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc := openapitest.Fragment(t, OpenAPI(), "filing")
	for name := range doc.Components.Schemas {
		if name != "Error" && !strings.HasPrefix(name, "Filing") {
			t.Errorf("schema %s is not prefixed Filing", name)
		}
	}
	return doc
}

// testUser signs the request in as the user named in X-Test-User.
func (f fixture) testUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			ctx := auth.WithPrincipal(r.Context(), f.principal(u))
			r = r.WithContext(audit.WithActor(ctx, audit.Actor{UserID: u}))
		}
		next.ServeHTTP(w, r)
	})
}

func multipartBody(t *testing.T, fields map[string]string, file []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v) //nolint:errcheck
	}
	fw, _ := mw.CreateFormFile("file", "evidence.bin")
	fw.Write(file) //nolint:errcheck
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openAPIDoc(t)
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f fixture) {
		mux := http.NewServeMux()
		(&HTTP{S: f.s}).Routes(mux)
		h := f.testUser(mux)
		do := func(method, path, user, ctype string, body []byte, hdr map[string]string, want int) []byte {
			t.Helper()
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("%s %s as %q: %d, want %d: %s", method, path, user, rec.Code, want, rec.Body)
				return rec.Body.Bytes()
			}
			check.Check(t, method, path, req.Header, body, rec)
			return rec.Body.Bytes()
		}
		const js = "application/json"
		draft, _ := json.Marshal(NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", Answers: lendingAnswers(),
			Parties: []Party{plaintiff(), defendant()}})
		key := map[string]string{"Idempotency-Key": "k-1"}
		do("GET", "/api/v1/filing/templates", uLitigant, "", nil, nil, 200)
		do("POST", "/api/v1/filing/applications", "", js, draft, nil, 401)
		do("POST", "/api/v1/filing/applications", uUnverif, js, draft, nil, 403)
		do("POST", "/api/v1/filing/applications", uLitigant, js, []byte(`{"court_id":""}`), nil, 400)
		var a Application
		json.Unmarshal(do("POST", "/api/v1/filing/applications", uLitigant, js, draft, key, 201), &a) //nolint:errcheck
		var again Application
		json.Unmarshal(do("POST", "/api/v1/filing/applications", uLitigant, js, draft, key, 201), &again) //nolint:errcheck
		if again.ID != a.ID {
			t.Errorf("retried create: %s, want %s", again.ID, a.ID)
		}
		do("POST", "/api/v1/filing/applications", uLitigant, js, []byte(`{"court_id":"x","template_id":"y"}`), key, 409)
		id := "/api/v1/filing/applications/" + a.ID
		do("GET", "/api/v1/filing/applications", uLitigant, "", nil, nil, 200)
		do("GET", id, uLitigant, "", nil, nil, 200)
		do("GET", id, uStranger, "", nil, nil, 404)
		do("PATCH", id, uLitigant, js, []byte(`{"answers":{"narrative":"多次催要未果。"}}`), nil, 200)
		do("POST", id+"/submit", uLitigant, js, nil, nil, 400) // no evidence yet
		ct, body := multipartBody(t, map[string]string{"name": "借条", "purpose": "证明借款事实"}, encryptedPDF())
		do("POST", id+"/evidence", uLitigant, ct, body, nil, 400)
		ct, body = multipartBody(t, map[string]string{"name": "借条", "purpose": "证明借款事实"}, samplePDF("借条"))
		var e Evidence
		json.Unmarshal(do("POST", id+"/evidence", uLitigant, ct, body, nil, 201), &e) //nolint:errcheck
		do("GET", id+"/evidence/"+e.ID, uOfficer, "", nil, nil, 200)
		do("GET", id+"/evidence/"+e.ID, uStranger, "", nil, nil, 404)
		ct, body = multipartBody(t, map[string]string{"name": "照片", "purpose": "证明"}, samplePNG())
		var e2 Evidence
		json.Unmarshal(do("POST", id+"/evidence", uLitigant, ct, body, nil, 201), &e2) //nolint:errcheck
		do("DELETE", id+"/evidence/"+e2.ID, uLitigant, "", nil, nil, 204)
		sub := map[string]string{"Idempotency-Key": "s-1"}
		do("POST", id+"/submit", uLitigant, js, nil, sub, 200)
		do("POST", id+"/submit", uLitigant, js, nil, sub, 200)
		do("GET", id+"/timeline", uLitigant, "", nil, nil, 200)
		do("GET", "/api/v1/filing/courts/"+f.court.ID+"/queue", uOfficer, "", nil, nil, 200)
		do("GET", "/api/v1/filing/courts/"+f.court.ID+"/queue", uLitigant, "", nil, nil, 403)
		do("POST", id+"/correction", uOfficer, js, []byte(`{"items":["nonsense"]}`), nil, 400)
		do("POST", id+"/accept", uOfficer, js, []byte(`{"procedure":"nope"}`), nil, 400)
		do("POST", id+"/accept", uLitigant, js, []byte(`{"procedure":"simplified"}`), nil, 403)
		do("POST", id+"/accept", uOfficer, js, []byte(`{"procedure":"simplified"}`), nil, 200)
		do("POST", id+"/reject", uOfficer, js, []byte(`{"reason":"x"}`), nil, 409)
		// A second application: corrected, then refused.
		var b Application
		json.Unmarshal(do("POST", "/api/v1/filing/applications", uLitigant, js, draft, nil, 201), &b) //nolint:errcheck
		bid := "/api/v1/filing/applications/" + b.ID
		ct, body = multipartBody(t, map[string]string{"name": "借条", "purpose": "证明借款事实", "role": "evidence"}, sampleJPEG())
		do("POST", bid+"/evidence", uLitigant, ct, body, nil, 201)
		do("POST", bid+"/submit", uLitigant, js, nil, nil, 200)
		do("POST", bid+"/correction", uOfficer, js, []byte(`{"items":["claims_unclear"],"note":"请明确利息计算方式"}`), nil, 200)
		do("POST", bid+"/reject", uOfficer, js, []byte(`{"reason":""}`), nil, 400)
		do("POST", bid+"/reject", uOfficer, js, []byte(`{"reason":"经补正仍不符合起诉条件"}`), nil, 200)
		assisted, _ := json.Marshal(AssistedDraft{CourtID: f.court.ID, TemplateID: "private_lending", Name: "王五",
			IDNumber: residentID("330225", "19500505", "111"), Consent: true, ConsentHow: ConsentOral})
		do("POST", "/api/v1/filing/assisted", uClerk, js, assisted, nil, 201)
		do("POST", "/api/v1/filing/assisted", uLitigant, js, assisted, nil, 403)
		// Every documented operation is routed.
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x", "{eid}", "y", "{court}", "z").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

// renderer builds a real renderer with the filing pages and every bundle
// they use.
func renderer(t *testing.T) *web.Renderer {
	t.Helper()
	bundles := []any{}
	_ = bundles
	cat, err := i18n.New(i18n.Platform(), Messages, complaint.Messages, court.Messages, casefileMessages())
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{{Namespace: "filing", FS: Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// TestPagesFlow drives the pages of the guided flow and the court's side
// through the real router: every page renders, the forms post, the ID-card
// photo is read (fake recognizer), and the litigant sees the case number.
func TestPagesFlow(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		rd := renderer(t)
		mux := http.NewServeMux()
		(&HTTP{S: f.s, Renderer: rd}).Routes(mux)
		h := web.Chain(mux, web.Configure(web.Options{Renderer: rd}), f.testUser)
		get := func(path, user string, want int) string {
			t.Helper()
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("X-Test-User", user)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Fatalf("GET %s: %d, want %d: %.2000s", path, rec.Code, want, rec.Body)
			}
			return rec.Body.String()
		}
		post := func(path, user, ctype string, body []byte, want int) *httptest.ResponseRecorder {
			t.Helper()
			req := httptest.NewRequest("POST", path, bytes.NewReader(body))
			req.Header.Set("X-Test-User", user)
			req.Header.Set("Content-Type", ctype)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Fatalf("POST %s: %d, want %d: %.2000s", path, rec.Code, want, rec.Body)
			}
			return rec
		}
		const form = "application/x-www-form-urlencoded"
		page := get("/filing/new", uLitigant, 200)
		tok := between(page, `name="once" value="`, `"`)
		if tok == "" || !strings.Contains(page, `id="cause-private_lending"`) {
			t.Fatalf("new page: no token or causes")
		}
		body := "once=" + tok + "&court_id=" + f.court.ID + "&template_id=private_lending&filed_as=self"
		rec := post("/filing/new", uLitigant, form, []byte(body), 303)
		loc := rec.Header().Get("Location")
		// A retried submit of the same form lands on the same application.
		if again := post("/filing/new", uLitigant, form, []byte(body), 303).Header().Get("Location"); again != loc {
			t.Errorf("retried form: %s, want %s", again, loc)
		}
		appID := strings.Split(strings.TrimPrefix(loc, "/filing/"), "/")[0]
		page = get(loc, uLitigant, 200)
		if !strings.Contains(page, `id="idcard-photo"`) || !strings.Contains(page, `capture="environment"`) {
			t.Errorf("parties page lacks the ID-card photo input")
		}
		// The ID-card photo: posted, then polled until read.
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("index", "0") //nolint:errcheck
		fw, _ := mw.CreateFormFile("photo", "card.jpg")
		fw.Write(sampleJPEG()) //nolint:errcheck
		mw.Close()
		rec = post("/filing/"+appID+"/idcard", uLitigant, mw.FormDataContentType(), b.Bytes(), 200)
		if !strings.Contains(rec.Body.String(), `hx-trigger="every 1s"`) {
			t.Fatalf("no polling after the photo: %.1000s", rec.Body)
		}
		poll := between(rec.Body.String(), `hx-get="`, `"`)
		poll = strings.ReplaceAll(poll, "&amp;", "&")
		get(poll, uLitigant, 200) // still reading
		page = get(poll, uLitigant, 200)
		if !strings.Contains(page, `value="张三"`) || !strings.Contains(page, `id="party-address-flag"`) {
			t.Errorf("the recognised card is not in the form, or the doubtful address is not flagged: %.3000s", page)
		}
		party := func(p Party, index string) []byte {
			return []byte("index=" + index + "&role=" + p.Role + "&kind=" + p.Kind + "&name=" + p.Name + "&sex=" + p.Sex +
				"&birth_date=" + p.BirthDate + "&id_type=resident_id&id_number=" + p.IDNumber + "&address=" + p.Address + "&phone=" + p.Phone)
		}
		bad := plaintiff()
		bad.IDNumber = bad.IDNumber[:17] + "0"
		rec = post("/filing/"+appID+"/parties", uLitigant, form, party(bad, "0"), 400)
		if !strings.Contains(rec.Body.String(), `id="party-id_number-err"`) {
			t.Errorf("a wrong check digit is not shown next to the field: %.3000s", rec.Body)
		}
		post("/filing/"+appID+"/parties", uLitigant, form, party(plaintiff(), "0"), 303)
		post("/filing/"+appID+"/parties", uLitigant, form, party(defendant(), "1"), 303)
		get("/filing/"+appID+"/claims", uLitigant, 200)
		vals := []string{}
		for k, v := range lendingAnswers() {
			vals = append(vals, k+"="+v)
		}
		post("/filing/"+appID+"/claims", uLitigant, form, []byte(strings.Join(vals, "&")), 303)
		get("/filing/"+appID+"/evidence", uLitigant, 200)
		ct, eb := multipartBody(t, map[string]string{"name": "借条", "purpose": "证明借款事实", "role": "evidence"}, encryptedPDF())
		rec = post("/filing/"+appID+"/evidence", uLitigant, ct, eb, 400)
		if !strings.Contains(rec.Body.String(), `id="evidence-file-err"`) {
			t.Errorf("the encrypted PDF is not refused next to the field")
		}
		ct, eb = multipartBody(t, map[string]string{"name": "借条", "purpose": "证明借款事实", "role": "evidence"}, samplePDF("借条"))
		post("/filing/"+appID+"/evidence", uLitigant, ct, eb, 303)
		page = get("/filing/"+appID+"/preview", uLitigant, 200)
		if strings.Contains(page, `id="problems"`) || !strings.Contains(page, `id="fee-preview"`) || !strings.Contains(page, "complaint") {
			t.Errorf("preview: %.3000s", page)
		}
		stok := between(page, `name="once" value="`, `"`)
		rec = post("/filing/"+appID+"/submit", uLitigant, form, []byte("once="+stok), 303)
		post("/filing/"+appID+"/submit", uLitigant, form, []byte("once="+stok), 303) // a retry
		if n := countOutbox(t, f.db, "ecourt.filing.application.submitted", appID); n != 1 {
			t.Errorf("%d submissions", n)
		}
		page = get("/filing/"+appID, uLitigant, 200)
		if !strings.Contains(page, `id="days-left"`) {
			t.Errorf("status page without the clock")
		}
		// The court's side.
		page = get("/staff/filing", uOfficer, 200)
		if !strings.Contains(page, `id="queue-`+appID+`"`) {
			t.Errorf("queue without the application")
		}
		get("/staff/filing/"+appID, uOfficer, 200)
		get("/staff/filing/"+appID, uStranger, 404)
		post("/staff/filing/"+appID+"/accept", uOfficer, form, []byte("procedure=simplified"), 303)
		page = get("/filing/"+appID, uLitigant, 200)
		if !strings.Contains(page, "（2026）浙0225民初1号") || !strings.Contains(page, `id="fee-link"`) || !strings.Contains(page, `id="case-link"`) {
			t.Errorf("status page after acceptance: %.3000s", page)
		}
		get("/filing", uLitigant, 200)
		get("/staff/filing/assisted", uClerk, 200)
		// Without tesseract, the page says so.
		f.s.deps.OCR = &fakeOCR{available: false}
		rec2 := post("/filing/new", uLitigant, form, []byte("once="+between(get("/filing/new", uLitigant, 200), `name="once" value="`, `"`)+
			"&court_id="+f.court.ID+"&template_id=divorce&filed_as=self"), 303)
		if page := get(rec2.Header().Get("Location"), uLitigant, 200); !strings.Contains(page, `id="ocr-unavailable"`) {
			t.Errorf("no plain notice when recognition is unavailable")
		}
	})
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), Messages, complaint.Messages, casefileMessages())
	if err != nil {
		t.Fatalf("the bundle clashes: %v", err)
	}
	var keys []string
	for _, s := range Statuses {
		keys = append(keys, "filing.status."+string(s))
		if s != Draft {
			keys = append(keys, "filing.event."+string(s))
		}
	}
	for _, k := range []string{"created", "evidence_added", "evidence_removed", "consent_recorded"} {
		keys = append(keys, "filing.event."+k)
	}
	for _, k := range loadConfig().CorrectionItems {
		keys = append(keys, "filing.correction.item."+k)
	}
	for _, k := range []string{WarnAmountHigh, WarnAmountLow, WarnRegion, WarnMaritimeCourt, WarnNotMaritime, WarnCourtLevelHigh} {
		keys = append(keys, "filing.warning."+k)
	}
	for _, k := range append(FiledAsValues, AsAssisted) {
		keys = append(keys, "filing.filed_as."+string(k))
	}
	for _, k := range Roles {
		keys = append(keys, "filing.evidence.role."+k)
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message for %s", k)
		}
	}
}

func casefileMessages() fs.FS { return casefile.Messages }
