package court_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// openAPIRouter wraps the court fragment in a whole OpenAPI 3.1 document,
// validates it, and returns a router for checking real responses.
func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	frag := court.OpenAPI()
	doc := map[string]any{
		"openapi":    "3.1.0",
		"info":       map[string]any{"title": "ecourt court", "version": "1"},
		"paths":      frag["paths"],
		"components": frag["components"],
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	spec, err := loader.LoadFromData(b)
	if err != nil {
		t.Fatalf("load OpenAPI fragment: %v", err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatalf("OpenAPI fragment invalid: %v", err)
	}
	router, err := legacy.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// get runs GET path against the routes, checks the response against the
// OpenAPI fragment and returns its status and decoded body.
func get(t *testing.T, mux http.Handler, router routers.Router, path string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	body := rec.Body.Bytes()

	vreq := httptest.NewRequest(http.MethodGet, "http://localhost"+path, nil)
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("GET %s: no OpenAPI route: %v", path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if rec.Code < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("GET %s: request does not match the OpenAPI fragment: %v", path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code,
		Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("GET %s: response does not match the OpenAPI fragment: %v\n%s", path, err, body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return rec.Code, m
}

func TestHTTP(t *testing.T) {
	router := openAPIRouter(t)
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		s := seeded(t, db)
		mux := http.NewServeMux()
		s.Routes(mux)
		xiangshan := mustCode(t, s, "浙0225")

		t.Run("list", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/courts?parent="+url.QueryEscape("浙02")+"&level=basic")
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, body)
			}
			courts := body["courts"].([]any)
			var got []string
			for _, c := range courts {
				got = append(got, c.(map[string]any)["code"].(string))
			}
			if want := []string{"浙0211", "浙0225", "浙0282"}; !equal(got, want) {
				t.Errorf("codes: got %v, want %v", got, want)
			}
		})
		t.Run("list all", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/courts")
			if code != http.StatusOK || len(body["courts"].([]any)) != len(s.Data().Courts) {
				t.Errorf("status %d, %d courts", code, len(body["courts"].([]any)))
			}
		})
		t.Run("get by code", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/courts/"+url.PathEscape("浙0225"))
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, body)
			}
			want := map[string]any{"id": xiangshan.ID, "code": "浙0225", "case_code": "浙0225", "name_zh": "象山县人民法院",
				"level": "basic", "kind": "general", "parent_id": mustCode(t, s, "浙02").ID, "region_code": "330225",
				"address": nil, "active": true, "valid_from": "2016-01-01"}
			for k, v := range want {
				if body[k] != v {
					t.Errorf("%s: got %v, want %v", k, body[k], v)
				}
			}
		})
		t.Run("get tribunal by id", func(t *testing.T) {
			shipu := mustCode(t, s, "浙0225-石浦")
			code, body := get(t, mux, router, "/api/v1/courts/"+shipu.ID)
			if code != http.StatusOK || body["case_code"] != "浙0225" || body["level"] != "tribunal" {
				t.Errorf("status %d, body %v", code, body)
			}
		})
		t.Run("get SPC", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/courts/"+url.PathEscape("最高法"))
			if code != http.StatusOK || body["parent_id"] != nil || body["appeal_court_id"] != nil {
				t.Errorf("status %d, body %v", code, body)
			}
		})
		t.Run("children", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/courts/"+xiangshan.ID+"/children")
			if code != http.StatusOK || len(body["courts"].([]any)) != 1 {
				t.Errorf("status %d, body %v", code, body)
			}
		})
		for _, path := range []string{
			"/api/v1/courts/" + url.PathEscape("火星01"),
			"/api/v1/courts/01890000-0000-7000-8000-000000000000",
			"/api/v1/courts/" + url.PathEscape("火星01") + "/children",
		} {
			t.Run("404 "+path, func(t *testing.T) {
				code, body := get(t, mux, router, path)
				e, _ := body["error"].(map[string]any)
				if code != http.StatusNotFound || e == nil || e["code"] != "not_found" || e["message"] == "" {
					t.Errorf("status %d, body %v", code, body)
				}
			})
		}
		t.Run("bad filter", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/courts?level=county")
			e, _ := body["error"].(map[string]any)
			if code != http.StatusBadRequest || e == nil || e["code"] != "invalid" || len(e["fields"].([]any)) != 1 {
				t.Errorf("status %d, body %v", code, body)
			}
		})

		t.Run("period over National Day", func(t *testing.T) {
			// 2026-09-20 + 15 days = 2026-10-05, inside the 国庆节 block
			// 2026-10-01..07 (国办发明电〔2025〕7号): CPL Art. 85 moves the
			// last day to Thursday 2026-10-08.
			code, body := get(t, mux, router, "/api/v1/calendar/period?start=2026-09-20&days=15")
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, body)
			}
			if body["end"] != "2026-10-08" || body["nominal_end"] != "2026-10-05" || body["provisional"] != false {
				t.Errorf("got %v", body)
			}
			skipped := body["holidays_skipped"].([]any)
			var dates []string
			for _, d := range skipped {
				m := d.(map[string]any)
				dates = append(dates, m["date"].(string))
				if m["name"] != "国庆节" {
					t.Errorf("skipped %v: name %v, want 国庆节", m["date"], m["name"])
				}
			}
			if want := []string{"2026-10-05", "2026-10-06", "2026-10-07"}; !equal(dates, want) {
				t.Errorf("skipped: got %v, want %v", dates, want)
			}
		})
		t.Run("period in months, provisional", func(t *testing.T) {
			code, body := get(t, mux, router, "/api/v1/calendar/period?start=2026-12-31&months=2")
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, body)
			}
			// 2027-02-31 does not exist: the month's last day, Sunday
			// 2027-02-28, moves to Monday 2027-03-01; 2027 is not published.
			if body["nominal_end"] != "2027-02-28" || body["end"] != "2027-03-01" || body["provisional"] != true || body["days"] != nil {
				t.Errorf("got %v", body)
			}
		})
		for _, q := range []string{"", "?start=2026-09-20", "?start=2026-02-30&days=3", "?start=2026-09-20&days=3&months=1",
			"?start=2026-09-20&days=0", "?start=2026-09-20&days=x", "?start=2026-09-20&days=5&court=nope"} {
			t.Run("period 400 "+q, func(t *testing.T) {
				code, body := get(t, mux, router, "/api/v1/calendar/period"+q)
				e, _ := body["error"].(map[string]any)
				if code != http.StatusBadRequest || e == nil || e["code"] != "invalid" {
					t.Errorf("status %d, body %v", code, body)
				}
			})
		}
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
