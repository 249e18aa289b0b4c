// Package openapitest checks a context's HTTP API against its OpenAPI 3.1
// fragment in tests: the fragment is loaded as a whole document and
// validated, and every real exchange a test makes is checked against it.
// It is used only by tests.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
)

// Fragment wraps a context's fragment (paths and components) into a whole
// OpenAPI 3.1 document, loads it and fails the test when it is not valid.
func Fragment(t testing.TB, fragment []byte, title string) *openapi3.T {
	t.Helper()
	var frag map[string]any
	if err := json.Unmarshal(fragment, &frag); err != nil {
		t.Fatal(err)
	}
	frag["openapi"] = "3.1.0"
	frag["info"] = map[string]any{"title": title, "version": "1"}
	b, _ := json.Marshal(frag)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the %s fragment is not valid OpenAPI: %v", title, err)
	}
	return doc
}

// Validator checks exchanges against a document.
type Validator struct {
	router routers.Router
}

// New returns a Validator for doc.
func New(t testing.TB, doc *openapi3.T) *Validator {
	t.Helper()
	r, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &Validator{router: r}
}

// Check validates one exchange: the request as sent (method, path with
// query, headers, body) must be a documented operation, a successful
// request must match its request schema, and the recorded response must
// match a documented status and its schema. Problems are reported with
// t.Errorf.
func (v *Validator) Check(t testing.TB, method, path string, header http.Header, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	req := httptest.NewRequest(method, "http://localhost"+path, bytes.NewReader(body))
	req.Header = header.Clone()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not in the OpenAPI document: %v", method, path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if rec.Code < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: request does not match: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code,
		Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s (%d): response does not match the document: %v\n%.600s", method, path, rec.Code, err, rec.Body)
	}
}
