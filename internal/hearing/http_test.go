package hearing_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

func TestAPIAgainstOpenAPI(t *testing.T) {
	doc := openapitest.Fragment(t, hearing.OpenAPI(), "hearing")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Hearing") {
			t.Errorf("schema %s is not named Hearing…", name)
		}
	}
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		f.consent(t, c, c.Parties[0].ID, true)
		cid, p, d := c.ID, c.Parties[0].ID, c.Parties[1].ID
		good := `{"starts_at":"2026-03-06T01:00:00Z","duration_minutes":120,"courtroom":"第一法庭","modes":{"` + p + `":"online","` + d + `":"offline"},"public":true}`
		rec := f.do("POST", "/api/v1/cases/"+cid+"/hearings", "u-clerk", good)
		check.Check(t, "POST", "/api/v1/cases/"+cid+"/hearings", jsonHeader(), []byte(good), rec)
		if rec.Code != 201 {
			t.Fatalf("schedule: %d %s", rec.Code, rec.Body)
		}
		hs, err := f.s.ListForCase(f.as("u-clerk"), cid)
		if err != nil || len(hs) != 1 {
			t.Fatalf("list: %v %v", hs, err)
		}
		hid := hs[0].ID
		party := who(t, hs[0], "u-party").Identity
		tests := []struct {
			method, path, user, body string
			at                       bool // at the hearing's time
			want                     int
		}{
			{"POST", "/api/v1/cases/" + cid + "/hearings", "u-clerk", good, false, 409},
			{"POST", "/api/v1/cases/" + cid + "/hearings", "u-clerk", `{"starts_at":"2026-03-03T01:00:00Z","public":true,"courtroom":"x"}`, false, 400},
			{"POST", "/api/v1/cases/" + cid + "/hearings", "u-party", `{"starts_at":"2026-03-09T01:00:00Z","public":true,"courtroom":"x"}`, false, 403},
			{"POST", "/api/v1/cases/" + cid + "/hearings", "", `{"starts_at":"2026-03-09T01:00:00Z"}`, false, 401},
			{"GET", "/api/v1/cases/" + cid + "/hearings", "u-lawyer", "", false, 200},
			{"GET", "/api/v1/cases/" + cid + "/hearings", "u-stranger", "", false, 404},
			{"GET", "/api/v1/hearings/" + hid, "u-party", "", false, 200},
			{"GET", "/api/v1/hearings/" + hid, "u-stranger", "", false, 404},
			{"GET", "/api/v1/hearings/nope", "u-clerk", "", false, 404},
			{"PATCH", "/api/v1/hearings/" + hid, "u-clerk", `{"starts_at":"2026-03-07T01:00:00Z","reason":""}`, false, 400},
			{"PATCH", "/api/v1/hearings/" + hid, "u-party", `{"starts_at":"2026-03-07T01:00:00Z","reason":"x"}`, false, 403},
			{"PATCH", "/api/v1/hearings/" + hid, "u-clerk", `{"starts_at":"2026-03-07T01:00:00Z","reason":"法官另有公务"}`, false, 200},
			{"POST", "/api/v1/hearings/" + hid + "/enter", "u-party", "", false, 409},
			{"POST", "/api/v1/hearings/" + hid + "/enter", "u-defendant", "", true, 409},
			{"POST", "/api/v1/hearings/" + hid + "/enter", "u-stranger", "", true, 404},
			{"POST", "/api/v1/hearings/" + hid + "/enter", "u-judge", "", true, 200},
			{"POST", "/api/v1/hearings/" + hid + "/enter", "u-party", "", true, 200},
			{"POST", "/api/v1/hearings/" + hid + "/controls", "u-party", `{"action":"open"}`, true, 403},
			{"POST", "/api/v1/hearings/" + hid + "/controls", "u-judge", `{"action":"fly"}`, true, 400},
			{"POST", "/api/v1/hearings/" + hid + "/controls", "u-judge", `{"action":"open"}`, true, 200},
			{"POST", "/api/v1/hearings/" + hid + "/controls", "u-judge", `{"action":"admit","target":"` + party + `"}`, true, 200},
			{"POST", "/api/v1/hearings/" + hid + "/controls", "u-judge", `{"action":"resume"}`, true, 200},
			{"POST", "/api/v1/hearings/" + hid + "/controls", "u-judge", `{"action":"witness_in","target":"` + party + `"}`, true, 409},
			{"GET", "/api/v1/hearings/" + hid + "/participants", "u-defendant", "", true, 200},
			{"GET", "/api/v1/hearings/" + hid + "/participants", "u-stranger", "", true, 404},
			{"POST", "/api/v1/hearings/" + hid + "/cancel", "u-clerk", `{"reason":"x"}`, true, 409},
			{"POST", "/api/v1/calendar/token", "u-party", "", true, 201},
			{"POST", "/api/v1/calendar/token", "", "", true, 401},
		}
		for _, tt := range tests {
			if tt.at {
				f.clk.Set(hs[0].StartsAt.Add(24 * 60 * 60e9))
			}
			rec := f.do(tt.method, tt.path, tt.user, tt.body)
			if rec.Code != tt.want {
				t.Errorf("%s %s as %q: %d, want %d: %s", tt.method, tt.path, tt.user, rec.Code, tt.want, rec.Body)
			}
			h := http.Header{}
			if tt.body != "" {
				h = jsonHeader()
			}
			check.Check(t, tt.method, tt.path, h, []byte(tt.body), rec)
		}
	})
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}
