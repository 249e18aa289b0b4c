package enforcement_test

import (
	"bytes"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

// assetsFS is the platform's static files plus enforcement's under
// enforcement/, as the app must assemble them.
func assetsFS(t testing.TB) fs.FS {
	m := fstest.MapFS{}
	add := func(src fs.FS, root, prefix string) {
		err := fs.WalkDir(src, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(src, p)
			m[prefix+strings.TrimPrefix(p, root+"/")] = &fstest.MapFile{Data: b}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add(webassets.Static, "static", "static/")
	add(enforcement.Static, ".", "static/enforcement/")
	return m
}

// pages returns the API and pages behind a test sign-in: the header
// X-Test-User, or the cookie "test-user" that GET /test-login?u= sets (for
// browsers), with the site's security headers (CSP) as the app sets them.
func (f *fixture) pages(t testing.TB) http.Handler {
	cat, err := i18n.New(i18n.Platform(), enforcement.Messages, delay.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(assetsFS(t))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{{Namespace: "enforcement", FS: enforcement.Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.s.Routes(mux)
	f.s.Pages(mux, rd)
	mux.Handle("GET /static/", assets.Handler())
	mux.HandleFunc("GET /test-login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "test-user", Value: r.URL.Query().Get("u"), Path: "/"})
		http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusSeeOther)
	})
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := r.Header.Get("X-Test-User")
		if c, err := r.Cookie("test-user"); err == nil && u == "" {
			u = c.Value
		}
		if u != "" {
			r = r.WithContext(f.asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	return web.Chain(signIn, web.SecurityHeaders, web.Configure(web.Options{Renderer: rd}))
}

func page(h http.Handler, method, path, user, lang string, body *strings.Reader, contentType string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Test-User", user)
	req.Header.Set("Accept-Language", lang)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestPages: the case page shows each side its own view (the applicant the
// lead form and calculator, the debtor neither leads nor the form), in
// Chinese and English; the officer gets the node form and the list with
// overdue leads flagged; the calculator and the lead form work by plain
// form posts.
func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		h := f.pages(t)
		r := f.opened(t)
		if _, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "search_bank", Text: "网络查控",
			Fields: map[string]string{"account_no": "6222021234567890123"}}); err != nil {
			t.Fatal(err)
		}
		app := page(h, "GET", "/enforcement/cases/"+r.CaseID, "u-applicant", "zh-CN", strings.NewReader(""), "")
		body := app.Body.String()
		for _, want := range []string{"（2026）浙0225执1号", "立案", "网络查控：银行存款", "6222***********0123", `id="lead-form"`, `id="delay"`,
			"2026-09-02", `data-live="/api/v1/enforcement/live?case=` + r.CaseID, `capture="environment"`} {
			if !strings.Contains(body, want) {
				t.Errorf("applicant page lacks %q", want)
			}
		}
		if app.Code != 200 || strings.Contains(body, "6222021234567890123") || strings.Contains(body, `id="record-link"`) {
			t.Errorf("applicant page: %d, shows the account number or the record link", app.Code)
		}
		deb := page(h, "GET", "/enforcement/cases/"+r.CaseID, "u-debtor", "en", strings.NewReader(""), "").Body.String()
		if strings.Contains(deb, "lead-form") || strings.Contains(deb, "Asset search") || !strings.Contains(deb, "Case filed") {
			t.Errorf("debtor page shows leads or searches, or is not in English")
		}
		off := page(h, "GET", "/enforcement/cases/"+r.CaseID+"/record", "u-officer", "zh-CN", strings.NewReader(""), "")
		if off.Code != 200 || !strings.Contains(off.Body.String(), `accept="image/*" capture="environment"`) || !strings.Contains(off.Body.String(), "camera-start") {
			t.Errorf("record page: %d", off.Code)
		}
		if got := page(h, "GET", "/enforcement/cases/"+r.CaseID+"/record", "u-applicant", "zh-CN", strings.NewReader(""), "").Code; got != http.StatusForbidden {
			t.Errorf("applicant opens the node form: %d", got)
		}
		// The calculator: 100,000 yuan due 2026-02-15, until 2026-03-02:
		// 15 days × 1.75‱ × 100,000 = 262.50 yuan.
		form := url.Values{"principal": {"100000"}, "due": {"2026-02-15"}, "until": {"2026-03-02"}}
		calc := page(h, "POST", "/enforcement/cases/"+r.CaseID+"/delay", "u-applicant", "zh-CN", strings.NewReader(form.Encode()),
			"application/x-www-form-urlencoded")
		if !strings.Contains(calc.Body.String(), `id="delay-result"`) {
			t.Errorf("calculator: %d %s", calc.Code, calc.Body.String())
		} else if !strings.Contains(calc.Body.String(), "¥262.50") {
			i := strings.Index(calc.Body.String(), `id="delay-result"`)
			t.Errorf("calculator result: %s", calc.Body.String()[i:i+300])
		}
		bad := page(h, "POST", "/enforcement/cases/"+r.CaseID+"/delay", "u-applicant", "en", strings.NewReader("principal=abc&due=x&until=2026-03-02"),
			"application/x-www-form-urlencoded")
		if bad.Code != 400 || !strings.Contains(bad.Body.String(), "Enter a valid amount") {
			t.Errorf("bad calculator input: %d", bad.Code)
		}
		// A lead by form post, with a photo and a position.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("kind", "vehicle")
		mw.WriteField("text", "车停在渔港")
		mw.WriteField("lat", "29.2")
		mw.WriteField("lon", "121.9")
		mw.WriteField("accuracy", "25")
		fw, _ := mw.CreateFormFile("files", "car.png")
		fw.Write(png1x1)
		mw.Close()
		lead := page(h, "POST", "/enforcement/cases/"+r.CaseID+"/leads", "u-applicant", "zh-CN", strings.NewReader(buf.String()), mw.FormDataContentType())
		if lead.Code != http.StatusSeeOther {
			t.Fatalf("lead post: %d %s", lead.Code, lead.Body.String())
		}
		f.clk.Set(china(2026, 3, 12, 9, 0))
		list := page(h, "GET", "/enforcement/officer", "u-officer", "zh-CN", strings.NewReader(""), "").Body.String()
		if !strings.Contains(list, `data-overdue="1"`) || !strings.Contains(list, "enf-overdue") {
			t.Errorf("officer list does not flag the overdue lead")
		}
	})
}

// TestApplyPages: the applicant applies on the form with an uploaded
// title (a late one must be confirmed on the form), the filing officer
// sees it in the queue and accepts it, naming the officers, or rejects
// another with a reason.
func TestApplyPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		h := f.pages(t)
		if got := page(h, "GET", "/enforcement/apply?court="+f.courtID, "u-applicant", "zh-CN", strings.NewReader(""), ""); got.Code != 200 ||
			!strings.Contains(got.Body.String(), `id="apply-form"`) {
			t.Fatalf("apply page: %d", got.Code)
		}
		post := func(extra map[string]string) *httptest.ResponseRecorder {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fields := map[string]string{"court_id": f.courtID, "type_code": "执", "title_kind": "arbitral_award", "title_number": "（2024）甬仲裁字第12号",
				"title_issuer": "宁波仲裁委员会", "effective": "2023-10-01", "due": "2023-10-31", "amount": "120000", "claim": "支付货款120000元",
				"creditor_name": "宁波某贸易有限公司", "creditor_kind": "organisation", "debtor_name": "赵五", "debtor_kind": "person",
				"debtor_id_type": "resident_id", "debtor_id_number": "330225199001011230", "sms": "1"}
			for k, v := range extra {
				fields[k] = v
			}
			for k, v := range fields {
				mw.WriteField(k, v)
			}
			fw, _ := mw.CreateFormFile("title_file", "award.pdf")
			fw.Write(pdf)
			mw.Close()
			return page(h, "POST", "/enforcement/apply", "u-applicant", "zh-CN", strings.NewReader(buf.String()), mw.FormDataContentType())
		}
		// Due 2023-10-31: the period ended 2025-10-31.
		late := post(nil)
		if late.Code != 400 || !strings.Contains(late.Body.String(), `name="late_confirmed"`) || !strings.Contains(late.Body.String(), "2025-10-31") {
			t.Fatalf("late application: %d", late.Code)
		}
		if got := post(map[string]string{"late_confirmed": "1"}); got.Code != http.StatusSeeOther {
			t.Fatalf("confirmed: %d %s", got.Code, got.Body.String())
		}
		if got := post(map[string]string{"due": "2025-01-31", "title_number": "（2025）甬仲裁字第3号"}); got.Code != http.StatusSeeOther {
			t.Fatalf("in time: %d", got.Code)
		}
		q := page(h, "GET", "/enforcement/applications?court="+f.courtID, "u-filer", "zh-CN", strings.NewReader(""), "")
		if q.Code != 200 || !strings.Contains(q.Body.String(), "（2024）甬仲裁字第12号") || !strings.Contains(q.Body.String(), "超过申请执行期间") {
			t.Fatalf("queue: %d", q.Code)
		}
		if got := page(h, "GET", "/enforcement/applications?court="+f.courtID, "u-applicant", "zh-CN", strings.NewReader(""), ""); got.Code != http.StatusForbidden {
			t.Errorf("applicant opens the queue: %d", got.Code)
		}
		apps, err := f.s.Applications(f.as("u-filer"), f.courtID)
		if err != nil || len(apps) != 2 {
			t.Fatalf("applications = %d, %v", len(apps), err)
		}
		bad := page(h, "POST", "/enforcement/applications/"+apps[0].ID+"/accept", "u-filer", "zh-CN", strings.NewReader("lead=u-judge"),
			"application/x-www-form-urlencoded")
		if bad.Code != 400 || !strings.Contains(bad.Body.String(), "不是本院的执行人员") {
			t.Errorf("accept with a judge: %d", bad.Code)
		}
		ok := page(h, "POST", "/enforcement/applications/"+apps[0].ID+"/accept", "u-filer", "zh-CN",
			strings.NewReader("lead=u-officer&officers=u-officer2%2Cu-officer3"), "application/x-www-form-urlencoded")
		if ok.Code != http.StatusSeeOther || !strings.HasPrefix(ok.Header().Get("Location"), "/enforcement/cases/") {
			t.Fatalf("accept: %d %s", ok.Code, ok.Header().Get("Location"))
		}
		rec, err := f.s.Case(f.as("u-officer3"), strings.TrimPrefix(ok.Header().Get("Location"), "/enforcement/cases/"))
		if err != nil || len(rec.Officers) != 3 || rec.Number != "（2026）浙0225执1号" || rec.FeeFen != 170_000 {
			t.Errorf("record = %+v, %v", rec, err)
		}
		if got := page(h, "POST", "/enforcement/applications/"+apps[1].ID+"/reject", "u-filer", "zh-CN", strings.NewReader("reason="),
			"application/x-www-form-urlencoded"); got.Code != 400 {
			t.Errorf("reject without reason: %d", got.Code)
		}
		if got := page(h, "POST", "/enforcement/applications/"+apps[1].ID+"/reject", "u-filer", "zh-CN",
			strings.NewReader("reason=%E4%B8%8D%E7%AC%A6%E5%90%88%E5%8F%97%E7%90%86%E6%9D%A1%E4%BB%B6"), "application/x-www-form-urlencoded"); got.Code != http.StatusSeeOther {
			t.Errorf("reject: %d", got.Code)
		}
		mine := page(h, "GET", "/enforcement/apply", "u-applicant", "en", strings.NewReader(""), "").Body.String()
		if !strings.Contains(mine, "accepted") || !strings.Contains(mine, "rejected") || !strings.Contains(mine, "Open the case") {
			t.Errorf("the applicant's list does not show both decisions")
		}
	})
}
