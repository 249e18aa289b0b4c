package casefile

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/web/openapitest"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIDoc wraps the fragment into a whole OpenAPI 3.1 document.
func openAPIDoc(t *testing.T) *openapi3.T { return openapitest.Fragment(t, OpenAPI(), "casefile") }

// testUser signs the request in as the user named in X-Test-User, standing
// in for identity's auth middleware.
func testUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			ctx := auth.WithPrincipal(r.Context(), auth.Principal{UserID: u, Grants: people[u]})
			r = r.WithContext(audit.WithActor(ctx, audit.Actor{UserID: u}))
		}
		next.ServeHTTP(w, r)
	})
}

func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openAPIDoc(t)
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f fixture) {
		c := mustCreate(t, f.s, civilCase())
		if _, err := f.s.Transition(as("u-filer"), c.ID, Accepted, ""); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		f.s.Routes(mux)
		h := testUser(mux)
		plaintiff, defendant := c.Parties[0].ID, c.Parties[1].ID
		consent := func(party, stage, how string) string {
			return `{"party_id":"` + party + `","stage":"` + stage + `","consent":true,"how":"` + how + `"}`
		}
		tests := []struct {
			method, path, user, body string
			want                     int
		}{
			{"GET", "/api/v1/cases", "u-party", "", 200},
			{"GET", "/api/v1/cases?limit=1", "u-lawyer", "", 200},
			{"GET", "/api/v1/cases?limit=0", "u-party", "", 400},
			{"GET", "/api/v1/cases", "", "", 401},
			{"GET", "/api/v1/cases?court=c-basic&q=%E6%B0%91%E9%97%B4", "u-judge", "", 200},
			{"GET", "/api/v1/cases?court=c-basic&status=accepted&number=(2026)", "u-clerk", "", 200},
			{"GET", "/api/v1/cases?court=c-basic&status=nope", "u-clerk", "", 400},
			{"GET", "/api/v1/cases?court=c-basic", "u-party", "", 403},
			{"GET", "/api/v1/cases/" + c.ID, "u-party", "", 200},
			{"GET", "/api/v1/cases/" + c.ID, "u-judge", "", 200},
			{"GET", "/api/v1/cases/" + c.ID, "u-stranger", "", 404},
			{"GET", "/api/v1/cases/" + c.ID, "", "", 401},
			{"GET", "/api/v1/cases/" + c.ID + "/timeline", "u-lawyer", "", 200},
			{"GET", "/api/v1/cases/" + c.ID + "/timeline", "u-otherjudge", "", 404},
			{"POST", "/api/v1/cases/" + c.ID + "/consents", "u-party", consent(plaintiff, "hearing", "platform"), 201},
			{"POST", "/api/v1/cases/" + c.ID + "/consents", "u-clerk", consent(defendant, "evidence", "written"), 201},
			{"POST", "/api/v1/cases/" + c.ID + "/consents", "u-party", consent(defendant, "hearing", "platform"), 403},
			{"POST", "/api/v1/cases/" + c.ID + "/consents", "u-party", consent(plaintiff, "lunch", "platform"), 400},
			{"POST", "/api/v1/cases/" + c.ID + "/consents", "u-stranger", consent(plaintiff, "hearing", "platform"), 404},
		}
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
			// Validate the request and the real response against the document.
			check.Check(t, tt.method, tt.path, req.Header, []byte(tt.body), rec)
		}
		// Every documented operation is routed by Routes.
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.ReplaceAll(path, "{id}", c.ID)
				req := httptest.NewRequest(method, p, nil)
				if _, pattern := mux.Handler(req); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), Messages)
	if err != nil {
		t.Fatalf("the bundle clashes with the platform's: %v", err)
	}
	var keys []string
	for _, s := range Statuses {
		keys = append(keys, "casefile.status."+string(s))
	}
	for _, p := range Procedures {
		keys = append(keys, "casefile.procedure."+string(p))
	}
	for _, r := range PartyRoles {
		keys = append(keys, "casefile.role."+string(r))
	}
	for _, s := range Stages {
		keys = append(keys, "casefile.stage."+string(s))
	}
	for _, h := range ConsentMethods {
		keys = append(keys, "casefile.consent_how."+h)
	}
	for _, k := range IDTypes {
		keys = append(keys, "casefile.id_type."+k)
	}
	for _, k := range []RepresentativeKind{Lawyer, Agent, LegalRep} {
		keys = append(keys, "casefile.representative_kind."+string(k))
	}
	for _, k := range []PartyKind{Person, Organisation} {
		keys = append(keys, "casefile.party_kind."+string(k))
	}
	for _, e := range []string{"case.created", "case.status_changed", "case.assigned", "consent.given", "consent.withdrawn",
		"party.added", "representative.added", "party.account_linked"} {
		keys = append(keys, "casefile.event."+e)
	}
	// Every message key and field code the code uses.
	src, err := readSources()
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, src...)
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message for %s", k)
		}
	}
}
