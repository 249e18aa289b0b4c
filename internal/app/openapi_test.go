package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// loadOpenAPI fetches /api/v1/openapi.json from the running app, loads it
// with kin-openapi and validates it as OpenAPI 3.1 (kin-openapi v0.153
// validates 3.1 documents, with JSON Schema 2020-12 for schemas).
func loadOpenAPI(t *testing.T, ta *testApp) *openapi3.T {
	t.Helper()
	r := must(t, newClient(t, ta.URL).get("/api/v1/openapi.json"), http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("openapi.json Content-Type %q", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.Body)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation(), openapi3.EnableExamplesValidation(), openapi3.EnableMultiError()); err != nil {
		t.Errorf("openapi.json does not validate:\n%v", err)
	}
	return doc
}

// documentedOps lists the document's operations as "METHOD /path".
func documentedOps(doc *openapi3.T) []string {
	var out []string
	for p, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			out = append(out, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenAPI proves that the merged OpenAPI document is valid, that it
// documents exactly the registered API routes, and that the real responses
// (and requests) of a scenario that touches every operation conform to it.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	doc := loadOpenAPI(t, ta)

	t.Run("routes", func(t *testing.T) {
		documented := documentedOps(doc)
		var registered []string
		for _, p := range ta.Patterns() {
			method, path, ok := strings.Cut(p, " ")
			if !ok {
				continue // method-less fallbacks such as "/api/" (the JSON 404)
			}
			if strings.HasPrefix(path, "/api/") || slices.Contains(documented, p) {
				registered = append(registered, method+" "+path)
			}
		}
		sort.Strings(registered)
		for _, p := range registered {
			if !slices.Contains(documented, p) {
				t.Errorf("route %q is registered but not documented in openapi.json", p)
			}
		}
		all := ta.Patterns()
		for _, op := range documented {
			if !slices.Contains(all, op) {
				t.Errorf("operation %q is documented but no route is registered for it", op)
			}
		}
	})

	t.Run("responses", func(t *testing.T) {
		// The document's only server is "/", the same origin; drop it so
		// the router matches absolute request URLs on any port.
		doc.Servers = nil
		router, err := legacy.NewRouter(doc)
		if err != nil {
			t.Fatalf("router: %v", err)
		}
		v := &validator{t: t, router: router, base: ta.URL}
		anon := newClient(t, ta.URL)

		must(t, v.call(anon, "GET", "/healthz", nil), 200)
		must(t, v.call(anon, "GET", "/readyz", nil), 200)
		must(t, v.call(anon, "GET", "/api/v1/openapi.json", nil), 200)

		// A new account: code, register, verify, settings, sessions.
		mobile := newMobile()
		must(t, v.call(anon, "POST", "/api/v1/accounts/codes", map[string]string{"mobile": mobile, "purpose": "register"}), 202)
		reg := decode[struct {
			Token string `json:"token"`
		}](t, must(t, v.call(anon, "POST", "/api/v1/accounts", map[string]string{
			"mobile": mobile, "password": "secret123", "code": ta.codeFor(t, mobile), "lang": "en",
		}), 201))
		me := anon.withToken(reg.Token)
		must(t, v.call(me, "POST", "/api/v1/me/verification", map[string]string{
			"kind": "person", "name": "测试 张三", "id_type": "resident_id", "id_number": newResidentID(),
		}), 200)
		must(t, v.call(me, "GET", "/api/v1/me", nil), 200)
		must(t, v.call(me, "PATCH", "/api/v1/me", map[string]any{"elderly": true, "lang": "zh-CN"}), 200)
		second := loginAPI(t, anon, mobile, "secret123")
		sessions := decode[struct {
			Sessions []struct {
				ID      string `json:"id"`
				Current bool   `json:"current"`
			} `json:"sessions"`
		}](t, must(t, v.call(me, "GET", "/api/v1/me/sessions", nil), 200))
		var other string
		for _, s := range sessions.Sessions {
			if !s.Current {
				other = s.ID
			}
		}
		if len(sessions.Sessions) < 2 || other == "" {
			t.Fatalf("want 2 sessions, one not current: %+v", sessions)
		}
		must(t, v.call(me, "DELETE", "/api/v1/me/sessions/"+other, nil), 204)
		must(t, v.call(anon.withToken(second), "GET", "/api/v1/me", nil), 401)

		// Courts and the period calculator are public.
		courts := decode[struct {
			Courts []struct {
				ID   string `json:"id"`
				Code string `json:"code"`
			} `json:"courts"`
		}](t, must(t, v.call(anon, "GET", "/api/v1/courts?q="+url.QueryEscape("宁波"), nil), 200))
		if len(courts.Courts) == 0 {
			t.Fatal("no courts for 宁波")
		}
		must(t, v.call(anon, "GET", "/api/v1/courts", nil), 200)
		must(t, v.call(anon, "GET", "/api/v1/courts/"+courts.Courts[0].ID, nil), 200)
		must(t, v.call(anon, "GET", "/api/v1/courts/"+courts.Courts[0].ID+"/children", nil), 200)
		must(t, v.call(anon, "GET", "/api/v1/calendar/period?start=2025-09-30&days=15", nil), 200)
		must(t, v.call(anon, "GET", "/api/v1/calendar/period?start=2025-01-31&months=1&court="+url.QueryEscape(courts.Courts[0].Code), nil), 200)

		// The demo litigant's cases.
		lit := anon.withToken(v.login(anon, "litigant", DemoPassword))
		list := decode[struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}](t, must(t, v.call(lit, "GET", "/api/v1/cases", nil), 200))
		if len(list.Items) < 2 {
			t.Fatalf("demo litigant has %d cases, want 2+", len(list.Items))
		}
		must(t, v.call(lit, "GET", "/api/v1/cases?limit=1", nil), 200)
		for _, c := range list.Items {
			cs := decode[struct {
				Parties []struct {
					ID     string `json:"id"`
					Masked bool   `json:"masked"`
				} `json:"parties"`
			}](t, must(t, v.call(lit, "GET", "/api/v1/cases/"+c.ID, nil), 200))
			must(t, v.call(lit, "GET", "/api/v1/cases/"+c.ID+"/timeline", nil), 200)
			for _, p := range cs.Parties {
				if !p.Masked { // the litigant's own party
					must(t, v.call(lit, "POST", "/api/v1/cases/"+c.ID+"/consents", map[string]any{
						"party_id": p.ID, "stage": "service", "consent": true, "how": "active_choice",
					}), 201)
					break
				}
			}
		}
		// A staff search in the judge's court.
		judge := anon.withToken(v.login(anon, "judge", DemoPassword))
		xs := decode[struct {
			Courts []struct {
				ID string `json:"id"`
			} `json:"courts"`
		}](t, must(t, v.call(anon, "GET", "/api/v1/courts?q="+url.QueryEscape("象山"), nil), 200))
		if len(xs.Courts) == 0 {
			t.Fatal("no court 象山")
		}
		must(t, v.call(judge, "GET", "/api/v1/cases?court="+xs.Courts[0].ID+"&q="+url.QueryEscape("借贷"), nil), 200)

		// Errors: 404, 400, 401, 403 in the envelope.
		must(t, v.call(lit, "GET", "/api/v1/cases/0190c3a0-0000-7000-8000-000000000000", nil), 404)
		must(t, v.call(anon, "GET", "/api/v1/courts/no-such-court", nil), 404)
		must(t, v.call(anon, "POST", "/api/v1/accounts/codes", map[string]string{"mobile": "12345", "purpose": "register"}), 400)
		must(t, v.call(lit, "GET", "/api/v1/cases?limit=0", nil), 400)
		must(t, v.call(anon, "GET", "/api/v1/calendar/period", nil), 400)
		must(t, v.call(anon, "GET", "/api/v1/me", nil), 401)
		must(t, v.call(anon.withToken("ect_not-a-token"), "GET", "/api/v1/cases", nil), 401)
		must(t, v.call(lit, "POST", "/api/v1/cases/"+list.Items[0].ID+"/consents", map[string]any{"party_id": "x", "stage": "nonsense", "consent": true}), 400)
		// The fallback of /api/ answers undocumented paths with the envelope too.
		r := anon.get("/api/v1/no-such-thing")
		checkEnvelope(t, r, 404, "not_found")

		// A negative control: the validator does reject a body that breaks
		// the schema, so the checks above are not vacuous.
		if err := v.validateBody("GET", "/api/v1/me", 200, `{"id": 1}`); err == nil {
			t.Error("a bogus /api/v1/me body validated; the response checks are vacuous")
		}

		must(t, v.call(me, "DELETE", "/api/v1/sessions/current", nil), 204)
		must(t, v.call(me, "GET", "/api/v1/me", nil), 401)
		if v.checked < 30 {
			t.Errorf("validated only %d responses", v.checked)
		}
	})
}

// checkEnvelope checks that r is the platform's JSON error envelope.
func checkEnvelope(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.StatusCode != status {
		t.Errorf("status %d, want %d: %s", r.StatusCode, status, r)
		return
	}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil || env.Error.Code != code || env.Error.Message == "" {
		t.Errorf("want error envelope with code %q and a message: %s", code, r)
	}
}

// validator sends requests and checks each request and response against
// the OpenAPI document.
type validator struct {
	t       *testing.T
	router  routers.Router
	base    string
	checked int
}

// login signs in through call, so the login response is validated too.
func (v *validator) login(c *client, login, password string) string {
	r := must(v.t, v.call(c, "POST", "/api/v1/sessions", map[string]string{"login": login, "password": password}), 201)
	return decode[struct {
		Token string `json:"token"`
	}](v.t, r).Token
}

// call sends the request with c, then validates the request and the
// response against the document; every status must be documented.
func (v *validator) call(c *client, method, path string, body any) response {
	v.t.Helper()
	r := c.do(method, path, body)
	var reqBody []byte
	if body != nil {
		reqBody, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, v.base+path, bytes.NewReader(reqBody))
	if err != nil {
		v.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("%s %s: not in the OpenAPI document: %v", method, path, err)
		return r
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	// Requests that are meant to be refused may break the documented
	// request schema; only the ones meant to succeed must conform.
	if r.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			v.t.Errorf("%s %s: request does not match the document: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.StatusCode,
		Header:                 r.Header,
		Body:                   io.NopCloser(bytes.NewReader(r.Body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.t.Errorf("%s %s → %d: response does not match the document: %v\nbody: %s", method, path, r.StatusCode, err, truncate(string(r.Body), 800))
	}
	v.checked++
	return r
}

// validateBody validates a made-up JSON response body for an operation.
func (v *validator) validateBody(method, path string, status int, body string) error {
	req, _ := http.NewRequest(method, v.base+path, nil)
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return err
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	h := http.Header{"Content-Type": {"application/json"}}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Options: opts,
	})
}

// TestAPIClientWithoutCookies proves that a pure API client (a mobile app,
// a script: no cookie jar, no browser) can use the documented sign-in flow
// of the JSON API: POST /api/v1/sessions with a password gives a token,
// and POST /api/v1/accounts/codes accepts a request. The OpenAPI document
// says tokens come from POST /api/v1/sessions and mentions no CSRF token.
func TestAPIClientWithoutCookies(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	c := newClient(t, ta.URL)
	c.rawAPI = true
	c.hc.Jar = nil // no cookies at all, like curl or a mobile app
	r := c.do("POST", "/api/v1/sessions", map[string]string{"login": "litigant", "password": DemoPassword})
	if r.StatusCode != http.StatusCreated {
		t.Errorf("cookie-less POST /api/v1/sessions: %s (want 201 with a token)", r)
	}
	r = c.do("POST", "/api/v1/accounts/codes", map[string]string{"mobile": newMobile(), "purpose": "register"})
	if r.StatusCode != http.StatusAccepted {
		t.Errorf("cookie-less POST /api/v1/accounts/codes: %s (want 202)", r)
	}
	// A browser-like request that has the CSRF cookie but omits the token
	// is still refused: the exemption is only for requests without cookies.
	b := newClient(t, ta.URL)
	b.rawAPI = true
	b.csrf()
	checkEnvelope(t, b.do("POST", "/api/v1/sessions", map[string]string{"login": "litigant", "password": DemoPassword}), 403, "forbidden")
}
