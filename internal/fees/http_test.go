package fees_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/web/openapitest"

	"github.com/ecourt/ecourt/internal/fees"
	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIDoc wraps the fragment into a whole OpenAPI 3.1 document.
func openAPIDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc := openapitest.Fragment(t, fees.OpenAPI(), "fees")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Fee") {
			t.Errorf("schema %s is not named Fee…", name)
		}
	}
	return doc
}

func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openAPIDoc(t)
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f *fixture) {
		c, b := f.bill(t)
		_, paid := f.bill(t)
		f.pay(t, paid.ID, "u-party", "pay")
		f.deliver(t, f.sb.Held()...)
		_, aided := f.bill(t)
		a, err := f.s.ApplyAid(f.as("u-party"), aided.ID, fees.NewAid{Form: fees.AidDefer, Reason: "工伤事故受害人"})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			method, path, user, body string
			want                     int
		}{
			{"POST", "/api/v1/fees/quote", "", `{"kind":"property","amount_fen":12345678,"procedure":"ordinary"}`, 200},
			{"POST", "/api/v1/fees/quote", "", `{"kind":"property","amount_fen":12345678,"procedure":"simplified","halving":["mediation"],"province":"33","on_date":"2026-03-02"}`, 200},
			{"POST", "/api/v1/fees/quote", "", `{"kind":"divorce","amount_fen":0,"province":"33"}`, 200},
			{"POST", "/api/v1/fees/quote", "", `{"kind":"nope","amount_fen":-1}`, 400},
			{"POST", "/api/v1/fees/quote", "", `{"kind":"property","amount_fen":"12"}`, 400},
			{"GET", "/api/v1/cases/" + c.ID + "/bills", "u-party", "", 200},
			{"GET", "/api/v1/cases/" + c.ID + "/bills", "u-stranger", "", 404},
			{"GET", "/api/v1/cases/" + c.ID + "/bills", "", "", 401},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-party", "", 200},
			{"GET", "/api/v1/fees/bills/" + paid.ID, "u-judge", "", 200},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-defendant", "", 403},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-stranger", "", 404},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/payments", "u-party", "", 201},
			{"POST", "/api/v1/fees/bills/" + paid.ID + "/payments", "u-party", "", 409},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/payments", "u-defendant", "", 403},
			{"GET", "/api/v1/fees/bills/" + paid.ID + "/receipt", "u-lawyer", "", 200},
			{"GET", "/api/v1/fees/bills/" + b.ID + "/receipt", "u-party", "", 404},
			{"POST", "/api/v1/fees/bills/" + paid.ID + "/refunds", "u-filer", `{"amount_fen":1000,"reason":"减少诉讼请求"}`, 201},
			{"POST", "/api/v1/fees/bills/" + paid.ID + "/refunds", "u-party", `{"amount_fen":1000,"reason":"x"}`, 403},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/refunds", "u-filer", `{"amount_fen":1000,"reason":"x"}`, 409},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/aid", "u-party", `{"form":"defer","reason":"正在接受法律援助","attachments":[]}`, 201},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/aid", "u-party", `{"form":"defer","reason":"again"}`, 409},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/aid", "u-party", `{"form":"x","reason":""}`, 400},
			{"GET", "/api/v1/fees/bills/" + b.ID + "/aid", "u-judge", "", 200},
			{"POST", "/api/v1/fees/aid/" + a.ID + "/decision", "u-judge", `{"approve":true,"new_due_date":"2026-04-30"}`, 200},
			{"POST", "/api/v1/fees/aid/" + a.ID + "/decision", "u-judge", `{"approve":false,"reason":"x"}`, 409},
			{"POST", "/api/v1/fees/aid/" + a.ID + "/decision", "u-party", `{"approve":true}`, 403},
			{"POST", "/api/v1/fees/callbacks/sandbox", "", `{"order_id":"x"}`, 401},
			{"POST", "/api/v1/fees/callbacks/nope", "", `{}`, 404},
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
		// The quote in the exact form.
		var q fees.Quote
		f.do(t, "POST", "/api/v1/fees/quote", "", `{"kind":"property","amount_fen":12345678,"procedure":"ordinary"}`, &q)
		// 123,456.78 yuan: 2,300 + 23,456.78 × 2% = 2,769.1356 → 2,769.14.
		if q.FeeFen != 276914 || len(q.Breakdown) != 3 {
			t.Errorf("quote = %+v", q)
		}
		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{id}", "x", "{gateway}", "sandbox").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}
