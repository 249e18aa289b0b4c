package enforcement_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

// TestHTTPAPI runs the API through the real router and checks every
// exchange against the OpenAPI fragment.
func TestHTTPAPI(t *testing.T) {
	doc := openapitest.Fragment(t, enforcement.OpenAPI(), "enforcement")
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f *fixture) {
		call := func(method, path, user, ctype string, body []byte, want int) *httptest.ResponseRecorder {
			t.Helper()
			req := httptest.NewRequest(method, path, bytes.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Errorf("%s %s as %s: %d, want %d: %s", method, path, user, rec.Code, want, rec.Body)
			}
			check.Check(t, method, path, req.Header, body, rec)
			return rec
		}
		js := func(v any) []byte { b, _ := json.Marshal(v); return b }
		_, doc := f.sourceCase(t)
		rec := call("POST", "/api/v1/enforcement/applications", "u-applicant", "application/json",
			js(map[string]any{"court_id": f.courtID, "document_id": doc, "claim": "支付100000元", "sms": true}), http.StatusCreated)
		var a enforcement.Application
		json.Unmarshal(rec.Body.Bytes(), &a)
		call("POST", "/api/v1/enforcement/applications", "u-applicant", "application/json", js(map[string]any{"court_id": f.courtID}), http.StatusBadRequest)
		call("POST", "/api/v1/enforcement/applications", "", "application/json", js(map[string]any{"court_id": f.courtID}), http.StatusUnauthorized)
		call("GET", "/api/v1/enforcement/applications/"+a.ID, "u-applicant", "", nil, http.StatusOK)
		call("GET", "/api/v1/enforcement/applications?court="+f.courtID, "u-filer", "", nil, http.StatusOK)
		call("GET", "/api/v1/enforcement/applications/"+a.ID, "u-stranger", "", nil, http.StatusNotFound)
		rec = call("POST", "/api/v1/enforcement/applications/"+a.ID+"/accept", "u-filer", "application/json",
			js(map[string]any{"lead": "u-officer", "officers": []string{"u-officer2"}}), http.StatusOK)
		var r enforcement.Record
		json.Unmarshal(rec.Body.Bytes(), &r)
		call("GET", "/api/v1/enforcement/cases/"+r.CaseID, "u-applicant", "", nil, http.StatusOK)
		call("GET", "/api/v1/enforcement/cases/"+r.CaseID, "u-stranger", "", nil, http.StatusNotFound)

		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("kind", "seizure")
		mw.WriteField("text", "查封被执行人名下房产")
		mw.WriteField("amount", "800000")
		mw.WriteField("field.property", "象山县石浦镇某小区2幢301室")
		mw.WriteField("field.address", "浙江省宁波市象山县石浦镇某小区2幢301室")
		mw.WriteField("carried_out", "1")
		mw.WriteField("lat", "29.2061")
		mw.WriteField("lon", "121.9518")
		mw.WriteField("accuracy", "8.4")
		fw, _ := mw.CreateFormFile("files", "seal.png")
		fw.Write(png1x1)
		mw.Close()
		rec = call("POST", "/api/v1/enforcement/cases/"+r.CaseID+"/nodes", "u-officer", mw.FormDataContentType(), buf.Bytes(), http.StatusCreated)
		var n enforcement.Node
		json.Unmarshal(rec.Body.Bytes(), &n)
		if !n.Disclosed || n.AmountFen != 80_000_000 || n.Position == nil || n.Position.LatE6 != 29_206_100 || len(n.Attachments) != 1 {
			t.Errorf("node = %+v", n)
		}
		call("POST", "/api/v1/enforcement/cases/"+r.CaseID+"/nodes", "u-officer", "application/json", js(map[string]any{"kind": "nope"}), http.StatusBadRequest)
		call("POST", "/api/v1/enforcement/cases/"+r.CaseID+"/nodes", "u-applicant", "application/json", js(map[string]any{"kind": "other"}), http.StatusForbidden)
		rec = call("GET", "/api/v1/enforcement/cases/"+r.CaseID+"/nodes", "u-debtor", "", nil, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "浙江省宁波市****") || strings.Contains(rec.Body.String(), "2幢301室\"") && strings.Contains(rec.Body.String(), "石浦镇某小区2幢301室\",\"masked\":true") {
			t.Errorf("debtor's nodes: %s", rec.Body)
		}
		// The photo: for the parties who see the node, not for strangers.
		req := httptest.NewRequest("GET", "/api/v1/enforcement/attachments/"+n.Attachments[0].ID, nil)
		req.Header.Set("X-Test-User", "u-applicant")
		got := httptest.NewRecorder()
		f.h.ServeHTTP(got, req)
		if got.Code != 200 || got.Header().Get("Content-Type") != "image/png" || !bytes.Equal(got.Body.Bytes(), png1x1) {
			t.Errorf("attachment: %d %s", got.Code, got.Header().Get("Content-Type"))
		}
		call("GET", "/api/v1/enforcement/attachments/"+n.Attachments[0].ID, "u-stranger", "", nil, http.StatusNotFound)

		rec = call("POST", "/api/v1/enforcement/cases/"+r.CaseID+"/leads", "u-applicant", "application/json",
			js(map[string]any{"kind": "bank", "text": "被执行人在农业银行有存款"}), http.StatusCreated)
		var l enforcement.Lead
		json.Unmarshal(rec.Body.Bytes(), &l)
		call("GET", "/api/v1/enforcement/cases/"+r.CaseID+"/leads", "u-applicant", "", nil, http.StatusOK)
		call("GET", "/api/v1/enforcement/cases/"+r.CaseID+"/leads", "u-debtor", "", nil, http.StatusForbidden)
		call("POST", "/api/v1/enforcement/leads/"+l.ID+"/answer", "u-officer", "application/json", js(map[string]any{"state": "rejected"}), http.StatusBadRequest)
		call("POST", "/api/v1/enforcement/leads/"+l.ID+"/answer", "u-officer", "application/json",
			js(map[string]any{"state": "rejected", "answer": "经查询该账户已销户"}), http.StatusOK)
		call("POST", "/api/v1/enforcement/cases/"+r.CaseID+"/extend", "u-officer", "application/json",
			js(map[string]any{"months": 3, "approver": "院长", "reason": "财产处置"}), http.StatusOK)
		call("PUT", "/api/v1/enforcement/cases/"+r.CaseID+"/officers", "u-officer", "application/json",
			js(map[string]any{"lead": "u-officer3", "reason": "承办人调岗"}), http.StatusForbidden)
		call("PUT", "/api/v1/enforcement/cases/"+r.CaseID+"/officers", "u-filer", "application/json",
			js(map[string]any{"lead": "u-officer3", "officers": []string{"u-officer"}}), http.StatusBadRequest)
		rec = call("PUT", "/api/v1/enforcement/cases/"+r.CaseID+"/officers", "u-filer", "application/json",
			js(map[string]any{"lead": "u-officer3", "officers": []string{"u-officer"}, "reason": "承办人调岗"}), http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"account_id":"u-officer3","lead":true`) {
			t.Errorf("officers after the change: %s", rec.Body)
		}
		rec = call("GET", "/api/v1/enforcement/cases/"+r.CaseID+"/nodes", "u-debtor", "", nil, http.StatusOK)
		if !strings.Contains(rec.Body.String(), `"kind":"officers_changed"`) || !strings.Contains(rec.Body.String(), "承办人调岗") {
			t.Errorf("no officers_changed node for the debtor: %s", rec.Body)
		}
		call("POST", "/api/v1/enforcement/cases/"+r.CaseID+"/escalate", "u-applicant", "application/json", js(map[string]any{"reason": "x"}), http.StatusConflict)
		call("PUT", "/api/v1/enforcement/cases/"+r.CaseID+"/contact", "u-debtor", "application/json", js(map[string]any{"sms": true}), http.StatusOK)
		call("GET", "/api/v1/enforcement/officer/cases", "u-officer", "", nil, http.StatusOK)
		call("GET", "/api/v1/enforcement/officer/cases", "u-applicant", "", nil, http.StatusForbidden)
		call("GET", "/api/v1/enforcement/courts/"+f.courtID+"/kinds", "u-officer", "", nil, http.StatusOK)
		call("POST", "/api/v1/enforcement/courts/"+f.courtID+"/kinds", "u-admin", "application/json",
			js(map[string]any{"code": "court_visit", "name_zh": "约谈", "name_en": "Interview", "category": "procedure"}), http.StatusCreated)
		call("PUT", "/api/v1/enforcement/courts/"+f.courtID+"/settings", "u-admin", "application/json", js(map[string]any{"lead_answer_days": 10}), http.StatusOK)
		// Delay interest: 100,000 yuan due 2026-02-15, until 2026-03-02:
		// 15 days × 1.75‱ = 262.50 yuan.
		rec = call("POST", "/api/v1/enforcement/delay-interest", "", "application/json",
			js(map[string]any{"principal": 10_000_000, "due": "2026-02-15", "until": "2026-03-02"}), http.StatusOK)
		var res struct {
			Interest int64 `json:"interest"`
		}
		json.Unmarshal(rec.Body.Bytes(), &res)
		if res.Interest != 26_250 {
			t.Errorf("interest = %d fen, want 26250", res.Interest)
		}
		call("POST", "/api/v1/enforcement/delay-interest", "", "application/json", js(map[string]any{"principal": -1, "until": "2026-03-02"}), http.StatusBadRequest)
	})
}
