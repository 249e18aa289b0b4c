package exhibit_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc := openapitest.Fragment(t, exhibit.OpenAPI(), "exhibit")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Exhibit") {
			t.Errorf("schema %s is not named Exhibit…", name)
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
		c := f.newCase(t, casefile.SmallClaims)
		cid := c.ID
		f.hear["h-1"] = cid
		ref, err := f.blobs.Put(t.Context(), strings.NewReader(string(pdfBytes)))
		if err != nil {
			t.Fatal(err)
		}
		f.filed[cid] = []exhibit.FiledItem{{ID: "fe-1", Name: "借条", Purpose: "证明借款事实", Kind: "pdf", SHA256: ref.SHA256, Size: ref.Size}}
		e := f.submit(t, c, "u-party", "转账记录")
		mt, upload := multipartBody(map[string]string{"name": "借条照片", "purpose": "证明借款事实"}, "借条.png", pngBytes)
		fakeMT, fake := multipartBody(map[string]string{"name": "借条", "purpose": "证明借款事实"}, "借条.pdf", []byte("just text\n"))
		wavMT, wav := multipartBody(map[string]string{"stage": "statement"}, "s.wav", wavBytes)
		const js = "application/json"
		type step struct {
			method, path, user, ctype, body string
			raw                             []byte
			want                            int
		}
		steps := []step{
			{"GET", "/api/v1/cases/" + cid + "/exhibits", "u-party", "", "", nil, 200},
			{"GET", "/api/v1/cases/" + cid + "/exhibits", "u-defendant", "", "", nil, 200},
			{"GET", "/api/v1/cases/" + cid + "/exhibits", "u-stranger", "", "", nil, 404},
			{"GET", "/api/v1/cases/" + cid + "/exhibits", "", "", "", nil, 401},
			{"POST", "/api/v1/cases/" + cid + "/exhibits", "u-party", mt, "", upload, 201},
			{"POST", "/api/v1/cases/" + cid + "/exhibits", "u-party", fakeMT, "", fake, 400},
			{"POST", "/api/v1/cases/" + cid + "/exhibits", "u-lawyer", js, `{"filing_evidence_id":"fe-1"}`, nil, 201},
			{"POST", "/api/v1/cases/" + cid + "/exhibits", "u-lawyer", js, `{"filing_evidence_id":"fe-1"}`, nil, 400},
			{"POST", "/api/v1/cases/" + cid + "/exhibits", "u-lawyer", js, `{"filing_evidence_id":"fe-1","party_id":"` + defendant(c) + `"}`, nil, 403},
			{"GET", "/api/v1/exhibits/" + e.ID, "u-party", "", "", nil, 200},
			{"GET", "/api/v1/exhibits/" + e.ID, "u-defendant", "", "", nil, 404},
			{"GET", "/api/v1/exhibits/nope", "u-judge", "", "", nil, 404},
			{"GET", "/api/v1/exhibits/" + e.ID + "/file", "u-lawyer", "", "", nil, 200},
			{"GET", "/api/v1/exhibits/" + e.ID + "/file", "u-stranger", "", "", nil, 404},
			{"POST", "/api/v1/cases/" + cid + "/exchanges", "u-party", js, `{"start":"2026-03-02","end":"2026-03-09"}`, nil, 403},
			{"POST", "/api/v1/cases/" + cid + "/exchanges", "u-judge", js, `{"start":"2026-03-01","end":"2026-02-09"}`, nil, 400},
			{"POST", "/api/v1/cases/" + cid + "/exchanges", "u-judge", js, `{"start":"2026-03-02","end":"2026-03-09","note":"非同步证据交换","agreed":true}`, nil, 201},
			{"GET", "/api/v1/cases/" + cid + "/exchanges", "u-defendant", "", "", nil, 200},
			{"GET", "/api/v1/exhibits/" + e.ID, "u-defendant", "", "", nil, 200},
			{"POST", "/api/v1/exhibits/" + e.ID + "/opinions", "u-defendant", js, `{"authenticity":"disputed","legality":"admitted","relevance":"admitted"}`, nil, 400},
			{"POST", "/api/v1/exhibits/" + e.ID + "/opinions", "u-defendant", js, `{"authenticity":"disputed","authenticity_reason":"转账用途不是借款","legality":"admitted","relevance":"no_opinion"}`, nil, 201},
			{"POST", "/api/v1/exhibits/" + e.ID + "/opinions", "u-party", js, `{"authenticity":"admitted","legality":"admitted","relevance":"admitted"}`, nil, 403},
			{"GET", "/api/v1/exhibits/" + e.ID + "/opinions", "u-party", "", "", nil, 200},
			{"POST", "/api/v1/exhibits/" + e.ID + "/dispute", "u-party", js, `{"authenticity":"disputed"}`, nil, 403},
			{"POST", "/api/v1/exhibits/" + e.ID + "/dispute", "u-judge", js, `{"authenticity":"maybe"}`, nil, 400},
			{"POST", "/api/v1/exhibits/" + e.ID + "/dispute", "u-judge", js, `{"authenticity":"disputed","legality":"","relevance":"undisputed","note":"用途争议"}`, nil, 201},
			{"GET", "/api/v1/exhibits/" + e.ID, "u-defendant", "", "", nil, 200},
			{"GET", "/api/v1/cases/" + cid + "/exhibits", "u-clerk", "", "", nil, 200},
			{"GET", "/api/v1/cases/" + cid + "/async-trial", "u-party", "", "", nil, 200},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/statements", "u-party", js, `{"stage":"statement","text":"陈述"}`, nil, 409},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/conditions", "u-party", js, `{"condition":"difficulty","met":true,"note":"x"}`, nil, 403},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/conditions", "u-judge", js, `{"condition":"difficulty","met":true,"note":""}`, nil, 400},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/conditions", "u-judge", js, `{"condition":"no_dispute","met":true,"note":"无争议"}`, nil, 409},
			{"POST", "/api/v1/exhibits/" + e.ID + "/dispute", "u-judge", js, `{"authenticity":"undisputed","legality":"undisputed","relevance":"undisputed"}`, nil, 201},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/conditions", "u-judge", js, `{"condition":"difficulty","met":true,"note":"被告在外地务工"}`, nil, 201},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/conditions", "u-judge", js, `{"condition":"application_consent","met":true,"note":"原告书面申请，被告同意"}`, nil, 201},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/stages", "u-judge", js, `{"stage":"statement","start":"2026-03-02","end":"2026-03-05"}`, nil, 409},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/conditions", "u-judge", js, `{"condition":"no_dispute","met":true,"note":"经证据交换无争议"}`, nil, 201},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/stages", "u-judge", js, `{"stage":"statement","start":"2026-03-02","end":"2026-03-05"}`, nil, 200},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/stages", "u-judge", js, `{"stage":"singing","start":"2026-03-02","end":"2026-03-05"}`, nil, 400},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/statements", "u-party", js, `{"stage":"statement","text":"我方请求被告归还借款。"}`, nil, 201},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/statements", "u-defendant", wavMT, "", wav, 201},
			{"POST", "/api/v1/cases/" + cid + "/async-trial/statements", "u-defendant", js, `{"stage":"defence","text":"答辩"}`, nil, 409},
			{"GET", "/api/v1/cases/" + cid + "/async-trial", "u-judge", "", "", nil, 200},
			{"GET", "/api/v1/hearings/h-1/exhibit", "u-party", "", "", nil, 404},
			{"POST", "/api/v1/hearings/h-1/exhibit", "u-judge", js, `{"exhibit_id":""}`, nil, 400},
			{"POST", "/api/v1/hearings/h-1/exhibit", "u-judge", js, `{"exhibit_id":"` + e.ID + `"}`, nil, 200},
			{"POST", "/api/v1/hearings/h-404/exhibit", "u-judge", js, `{"exhibit_id":"` + e.ID + `"}`, nil, 404},
			{"GET", "/api/v1/hearings/h-1/exhibit", "u-defendant", "", "", nil, 200},
			{"GET", "/api/v1/hearings/h-1/exhibit", "u-stranger", "", "", nil, 404},
		}
		xid := ""
		for _, st := range steps {
			body := st.raw
			if body == nil {
				body = []byte(st.body)
			}
			rec := f.do(t, st.method, st.path, st.user, st.ctype, body)
			if rec.Code != st.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", st.method, st.path, st.user, rec.Code, st.want, rec.Body)
				continue
			}
			h := http.Header{}
			if st.ctype != "" {
				h.Set("Content-Type", st.ctype)
			}
			if st.user != "" {
				h.Set("X-Test-User", st.user)
			}
			check.Check(t, st.method, st.path, h, body, rec)
			if st.method == "POST" && strings.HasSuffix(st.path, "/exchanges") && rec.Code == 201 {
				var x exhibit.Exchange
				decode(t, rec, &x)
				xid = x.ID
			}
		}
		// Extending the exchange.
		path := "/api/v1/cases/" + cid + "/exchanges/" + xid + "/extend"
		for _, st := range []step{
			{"POST", path, "u-judge", js, `{"end":"2026-03-01"}`, nil, 400},
			{"POST", path, "u-judge", js, `{"end":"2026-03-20"}`, nil, 200},
			{"POST", "/api/v1/cases/" + cid + "/exchanges/nope/extend", "u-judge", js, `{"end":"2026-03-21"}`, nil, 404},
		} {
			rec := f.do(t, st.method, st.path, st.user, st.ctype, []byte(st.body))
			if rec.Code != st.want {
				t.Errorf("%s %s: status %d, want %d: %s", st.method, st.path, rec.Code, st.want, rec.Body)
				continue
			}
			check.Check(t, st.method, st.path, http.Header{"Content-Type": {js}}, []byte(st.body), rec)
		}
		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range api.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x", "{xid}", "y").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

// TestPages: the exhibit list with opinions (phone first, both languages,
// large-text mode), the opinion form with its errors next to the fields,
// the judge's dispute marks and exchange form.
func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		e := f.submit(t, c, "u-party", "借条")
		base := "/cases/" + c.ID + "/exhibits"
		form := "application/x-www-form-urlencoded"
		rec := f.do(t, "GET", base, "u-party", "", nil)
		body := rec.Body.String()
		if rec.Code != 200 || !strings.Contains(body, "原告证据1") || !strings.Contains(body, "尚未发表意见") || !strings.Contains(body, `id="submit-form"`) {
			t.Fatalf("list: %d\n%s", rec.Code, body)
		}
		if strings.Contains(body, "exchange-form") || strings.Contains(body, "dispute-form") {
			t.Errorf("a party sees the judge's forms")
		}
		if rec := f.do(t, "GET", base+"?lang=en", "u-party", "", nil); !strings.Contains(rec.Body.String(), "Exhibits and cross-examination") {
			t.Errorf("no English page")
		}
		if rec := f.do(t, "GET", base+"?elderly=1", "u-party", "", nil); !strings.Contains(rec.Body.String(), `class="elderly"`) {
			t.Errorf("no large-text mode")
		}
		if rec := f.do(t, "GET", base, "", "", nil); rec.Code != http.StatusSeeOther {
			t.Errorf("signed out: %d", rec.Code)
		}
		if rec := f.do(t, "GET", base, "u-stranger", "", nil); rec.Code != 404 {
			t.Errorf("stranger: %d", rec.Code)
		}
		// The defendant sees nothing of the plaintiff's before the exchange.
		if body := f.do(t, "GET", base, "u-defendant", "", nil).Body.String(); strings.Contains(body, "原告证据1") {
			t.Errorf("defendant sees the exhibit before the exchange")
		}
		// The judge opens an exchange through the form; a bad date is shown next to the field.
		jb := f.do(t, "GET", base, "u-judge", "", nil).Body.String()
		if !strings.Contains(jb, `id="exchange-form"`) || !strings.Contains(jb, "dispute-form") {
			t.Fatalf("judge's page lacks the forms:\n%s", jb)
		}
		rec = f.do(t, "POST", "/cases/"+c.ID+"/exchanges", "u-judge", form, []byte(url.Values{"start": {"2026-03-02"}, "end": {"2026-02-01"}}.Encode()))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "结束日期不能早于开始日期") {
			t.Fatalf("bad exchange: %d\n%s", rec.Code, rec.Body)
		}
		rec = f.do(t, "POST", "/cases/"+c.ID+"/exchanges", "u-judge", form, []byte(url.Values{"start": {"2026-03-02"}, "end": {"2026-03-09"}, "agreed": {"1"}}.Encode()))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("exchange: %d %s", rec.Code, rec.Body)
		}
		// The defendant now sees the exhibit and the opinion form.
		body = f.do(t, "GET", base, "u-defendant", "", nil).Body.String()
		if !strings.Contains(body, "原告证据1") || !strings.Contains(body, "opinion-form") || !strings.Contains(body, "2026-03-09") {
			t.Fatalf("defendant during the exchange:\n%s", body)
		}
		op := "/cases/" + c.ID + "/exhibits/" + e.ID + "/opinion"
		rec = f.do(t, "POST", op, "u-defendant", form, []byte(url.Values{"authenticity": {"disputed"}, "legality": {"admitted"}, "relevance": {"admitted"}}.Encode()))
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "有异议时请写明理由") {
			t.Fatalf("opinion without reason: %d\n%s", rec.Code, rec.Body)
		}
		rec = f.do(t, "POST", op, "u-defendant", form, []byte(url.Values{"authenticity": {"disputed"}, "authenticity_reason": {"签名不是我的"},
			"legality": {"admitted"}, "relevance": {"admitted"}}.Encode()))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("opinion: %d %s", rec.Code, rec.Body)
		}
		if body := f.do(t, "GET", base, "u-party", "", nil).Body.String(); !strings.Contains(body, "签名不是我的") || !strings.Contains(body, "有异议") {
			t.Errorf("the plaintiff does not see the opinion")
		}
		// The defendant's form starts from its current opinion, for a revision.
		if body := f.do(t, "GET", base, "u-defendant", "", nil).Body.String(); !strings.Contains(body, `value="disputed" checked`) || !strings.Contains(body, ">签名不是我的</textarea>") {
			t.Errorf("the opinion form does not start from the current opinion")
		}
		// The judge's dispute marks.
		rec = f.do(t, "POST", "/cases/"+c.ID+"/exhibits/"+e.ID+"/dispute", "u-judge", form,
			[]byte(url.Values{"authenticity": {"disputed"}, "note": {"签名真伪待鉴定"}}.Encode()))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("dispute: %d %s", rec.Code, rec.Body)
		}
		if body := f.do(t, "GET", base, "u-lawyer", "", nil).Body.String(); !strings.Contains(body, "签名真伪待鉴定") {
			t.Errorf("the marks are not shown")
		}
		if rec := f.do(t, "POST", "/cases/"+c.ID+"/exhibits/"+e.ID+"/dispute", "u-party", form, []byte("authenticity=disputed")); rec.Code != 403 {
			t.Errorf("a party marks disputes: %d", rec.Code)
		}
		// Upload through the page: a text file named .pdf is refused in plain words.
		mt, fake := multipartBody(map[string]string{"name": "收条", "purpose": "证明已还款"}, "收条.pdf", []byte("not a pdf"))
		rec = f.do(t, "POST", base, "u-defendant", mt, fake)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "改文件名不能改变格式") || !strings.Contains(rec.Body.String(), `value="收条"`) {
			t.Fatalf("fake pdf via page: %d\n%s", rec.Code, rec.Body)
		}
		mt, real := multipartBody(map[string]string{"name": "收条", "purpose": "证明已还款"}, "收条.pdf", pdfBytes)
		if rec := f.do(t, "POST", base, "u-defendant", mt, real); rec.Code != http.StatusSeeOther {
			t.Fatalf("upload via page: %d %s", rec.Code, rec.Body)
		}
		if body := f.do(t, "GET", base, "u-party", "", nil).Body.String(); !strings.Contains(body, "被告证据1") {
			t.Errorf("the plaintiff does not see the defendant's exhibit during the exchange")
		}
	})
}
