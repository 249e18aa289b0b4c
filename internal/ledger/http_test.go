package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/time/rate"

	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
	webassets "github.com/ecourt/ecourt/web"
)

func init() {
	// The document validator knows no decoder for PEM downloads; PEM is text.
	openapi3filter.RegisterBodyDecoder("application/x-pem-file", openapi3filter.PlainBodyDecoder)
}

func handler(t *testing.T, s *Service) http.Handler {
	t.Helper()
	cat, err := i18n.New(i18n.Platform(), Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Routes(mux)
	return web.Chain(mux, web.Configure(web.Options{Renderer: rd, Logger: quiet}))
}

func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openapitest.Fragment(t, OpenAPI(), "ledger")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Ledger") {
			t.Errorf("schema %s is not named Ledger…", name)
		}
	}
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f *fixture) {
		// More requests than the default limit allows from one address.
		s, err := New(f.db, f.keyDir, WithOrigin("test.ecourt/ledger"), WithLogger(quiet),
			WithRateLimiter(web.NewRateLimiter(rate.Inf, 1)))
		if err != nil {
			t.Fatal(err)
		}
		h := handler(t, s)
		do := func(path string, header http.Header) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", path, nil)
			for k, v := range header {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			check.Check(t, "GET", path, req.Header, nil, rec)
			return rec
		}
		sum3 := content(3)
		hex3 := hex.EncodeToString(sum3[:])
		// Before anything is signed.
		if rec := do("/api/v1/ledger/tree-heads/latest", nil); rec.Code != 404 {
			t.Errorf("latest before signing: %d", rec.Code)
		}
		f.fill(t, 0, 10)
		if rec := do("/api/v1/ledger/proofs/inclusion?sha256="+hex3, nil); rec.Code != 409 {
			t.Errorf("inclusion before a head: %d %s", rec.Code, rec.Body)
		}
		f.sign(t)
		f.fill(t, 10, 12)
		f.sign(t)
		tests := []struct {
			path string
			want int
		}{
			{"/api/v1/ledger/tree-heads/latest", 200},
			{"/api/v1/ledger/tree-heads/10", 200},
			{"/api/v1/ledger/tree-heads/11", 404},
			{"/api/v1/ledger/tree-heads/ten", 400},
			{"/api/v1/ledger/public-key", 200},
			{"/api/v1/ledger/public-key?format=pem", 200},
			{"/api/v1/ledger/public-key?format=xml", 400},
			{"/api/v1/ledger/public-key?key_id=zz", 400},
			{"/api/v1/ledger/public-key?key_id=" + strings.Repeat("ab", 32), 404},
			{"/api/v1/ledger/proofs/inclusion?sha256=" + hex3, 200},
			{"/api/v1/ledger/proofs/inclusion?sha256=" + hex3 + "&tree_size=10", 200},
			{"/api/v1/ledger/proofs/inclusion?sha256=" + hex3 + "&tree_size=11", 404},
			{"/api/v1/ledger/proofs/inclusion?sha256=" + strings.Repeat("0", 64), 404},
			{"/api/v1/ledger/proofs/inclusion?sha256=xyz", 400},
			{"/api/v1/ledger/proofs/inclusion", 400},
			{"/api/v1/ledger/proofs/consistency?first=10&second=12", 200},
			{"/api/v1/ledger/proofs/consistency?first=3&second=7", 200},
			{"/api/v1/ledger/proofs/consistency?first=0&second=7", 400},
			{"/api/v1/ledger/proofs/consistency?first=3&second=70", 400},
			{"/api/v1/ledger/proofs/consistency?second=7", 400},
		}
		for _, tt := range tests {
			if rec := do(tt.path, nil); rec.Code != tt.want {
				t.Errorf("GET %s: %d, want %d: %s", tt.path, rec.Code, tt.want, rec.Body)
			}
		}

		// The downloaded bundle verifies offline, with the downloaded key.
		rec := do("/api/v1/ledger/proofs/inclusion?sha256="+hex3, nil)
		if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		pemRec := do("/api/v1/ledger/public-key?format=pem", nil)
		pub, err := ParsePublicKey(pemRec.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		headRec := do("/api/v1/ledger/tree-heads/12", nil)
		if cc := headRec.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("tree head Cache-Control %q", cc)
		}
		if _, err := VerifyFile(bytes.NewReader(fileBytes(3)), rec.Body.Bytes(), headRec.Body.Bytes(), pub); err != nil {
			t.Errorf("VerifyFile on the downloads: %v", err)
		}
		// The consistency proof between the two published heads verifies.
		var cb ConsistencyBundle
		json.Unmarshal(do("/api/v1/ledger/proofs/consistency?first=10&second=12", nil).Body.Bytes(), &cb)
		if cb.FirstTreeHead == nil || cb.SecondTreeHead == nil {
			t.Fatalf("consistency bundle without heads: %+v", cb)
		}
		if err := VerifyConsistency(*cb.FirstTreeHead, *cb.SecondTreeHead, fromHashes(cb.Proof), pub); err != nil {
			t.Errorf("VerifyConsistency on the download: %v", err)
		}
		var key PublicKeyInfo
		json.Unmarshal(do("/api/v1/ledger/public-key", nil).Body.Bytes(), &key)
		kid := f.s.KeyID()
		if key.KeyID != hex.EncodeToString(kid[:]) || !key.Current || key.VerifierKey != VerifierKey("test.ecourt/ledger", pub) {
			t.Errorf("public key = %+v", key)
		}
		if rec := do("/api/v1/ledger/public-key?key_id="+key.KeyID, nil); rec.Code != 200 {
			t.Errorf("key by ID: %d", rec.Code)
		}
		// Errors in the user's language.
		rec = do("/api/v1/ledger/proofs/inclusion?sha256="+strings.Repeat("0", 64), http.Header{"Accept-Language": {"zh-CN"}})
		if !strings.Contains(rec.Body.String(), "存证账本中没有此哈希值的文件") {
			t.Errorf("zh error: %s", rec.Body)
		}
		rec = do("/api/v1/ledger/proofs/inclusion?sha256=xyz", http.Header{"Accept-Language": {"en"}})
		if !strings.Contains(rec.Body.String(), "64 hexadecimal digits") {
			t.Errorf("en field error: %s", rec.Body)
		}

		// Every documented operation is routed.
		mux := http.NewServeMux()
		f.s.Routes(mux)
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				p := strings.NewReplacer("{size}", "1").Replace(path)
				if _, pattern := mux.Handler(httptest.NewRequest(method, p, nil)); pattern == "" {
					t.Errorf("%s %s is documented but not routed", method, path)
				}
			}
		}
	})
}

func TestRateLimited(t *testing.T) {
	db := openSQLite(t)
	s, err := New(db, t.TempDir()+"/k", WithRateLimiter(web.NewRateLimiter(rate.Every(time.Hour), 2)), WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	h := handler(t, s)
	codes := []int{}
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/ledger/public-key", nil))
		codes = append(codes, rec.Code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("codes %v, want 200 200 429", codes)
	}
}

func openSQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	return sqldbtest.OpenSQLite(t, sqldbtest.Options{}, sets...)
}

func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(Messages, i18n.Platform()); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(Messages, i18n.Platform())
	if err != nil {
		t.Fatal(err)
	}
	// Every key the code names: ledger.* keys and ledger_* field codes.
	keyRE := regexp.MustCompile(`"(ledger\.(?:error|verify|cli)\.[a-z_]+)"`)
	fieldRE := regexp.MustCompile(`"(ledger_[a-z_]+)"`)
	entries, _ := os.ReadDir(".")
	var keys []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		src, _ := os.ReadFile(e.Name())
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range fieldRE.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, "field."+m[1])
		}
	}
	keys = append(keys, "field.required", "field.too_long")
	if len(keys) < 30 {
		t.Fatalf("only %d keys found in the sources", len(keys))
	}
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("no message for %q", k)
		}
	}
}

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(Migrations); err != nil {
		t.Fatal(err)
	}
	// Both dialects make the same tables and columns.
	var cols [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		all, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var mine []sqldb.Column
		for _, c := range all {
			if strings.HasPrefix(c.Table, "ledger_") {
				mine = append(mine, c)
			}
		}
		cols = append(cols, mine)
	})
	if len(cols) == 2 && !equalColumns(cols[0], cols[1]) {
		t.Errorf("sqlite and postgres schemas differ:\n%v\n%v", cols[0], cols[1])
	}
}

func equalColumns(a, b []sqldb.Column) bool {
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
