package ledger

import (
	"crypto/ed25519"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the ledger's public JSON API on mux. No sign-in is
// needed; every route is rate-limited per client IP (WithRateLimiter).
//
//	GET /api/v1/ledger/tree-heads/latest                        the newest signed tree head
//	GET /api/v1/ledger/tree-heads/{size}                        the signed tree head of that size
//	GET /api/v1/ledger/public-key[?key_id=…][&format=pem]       the log's public key
//	GET /api/v1/ledger/proofs/inclusion?sha256=…[&tree_size=…]  inclusion proof bundle (download)
//	GET /api/v1/ledger/proofs/consistency?first=…&second=…      consistency proof
func (s *Service) Routes(mux web.Mux) {
	limit := s.limiter.Limit(func(r *http.Request) string { return "ledger|" + web.ClientIP(r) })
	route := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, limit(h)) }
	route("GET /api/v1/ledger/tree-heads/latest", s.handleLatest)
	route("GET /api/v1/ledger/tree-heads/{size}", s.handleTreeHead)
	route("GET /api/v1/ledger/public-key", s.handlePublicKey)
	route("GET /api/v1/ledger/proofs/inclusion", s.handleInclusion)
	route("GET /api/v1/ledger/proofs/consistency", s.handleConsistency)
}

// immutable marks a response that never changes (a signed head, a proof
// between fixed sizes).
func immutable(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
}

func (s *Service) handleLatest(w http.ResponseWriter, r *http.Request) {
	th, err := s.LatestTreeHead(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=10")
	web.JSON(w, http.StatusOK, th)
}

// parseSize reads a tree size from a path or query value.
func parseSize(field, v string, required bool) (uint64, error) {
	if v == "" {
		if required {
			return 0, errs.Fields(errs.Field(field, "required"))
		}
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil {
		return 0, errs.Fields(errs.Field(field, "ledger_size"))
	}
	return n, nil
}

func (s *Service) handleTreeHead(w http.ResponseWriter, r *http.Request) {
	size, err := parseSize("size", r.PathValue("size"), true)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	th, err := s.TreeHeadAt(r.Context(), size)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	immutable(w)
	web.JSON(w, http.StatusOK, th)
}

// PublicKeyInfo is the answer of GET /api/v1/ledger/public-key.
type PublicKeyInfo struct {
	Origin    string `json:"origin"`
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	// PublicKey is the raw 32-byte key in standard base64.
	PublicKey string `json:"public_key"`
	// PEM is the PKIX "PUBLIC KEY" PEM block (for ecourt ledger verify --key).
	PEM string `json:"public_key_pem"`
	// VerifierKey is the signed-note verifier key "<origin>+<hash>+<key>".
	VerifierKey string `json:"verifier_key"`
	// Current is false for a key that signed earlier heads only.
	Current bool `json:"current"`
}

func (s *Service) handlePublicKey(w http.ResponseWriter, r *http.Request) {
	pub, kid := s.pub, s.keyID
	if v := r.URL.Query().Get("key_id"); v != "" {
		id, err := decodeHash32(v)
		if err != nil {
			web.Error(w, r, errs.Fields(errs.Field("key_id", "ledger_key_id")))
			return
		}
		if id != s.keyID {
			if pub, _, err = s.PublicKeyByID(r.Context(), id); err != nil {
				web.Error(w, r, err)
				return
			}
			kid = id
		}
	}
	switch f := r.URL.Query().Get("format"); f {
	case "pem":
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ledger-key-%x.pem"`, kid[:8]))
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.WriteHeader(http.StatusOK)
		w.Write(PublicKeyPEM(pub)) //nolint:errcheck
		return
	case "", "json":
	default:
		web.Error(w, r, errs.Fields(errs.Field("format", "ledger_format")))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	web.JSON(w, http.StatusOK, s.keyInfo(pub, kid))
}

func (s *Service) keyInfo(pub ed25519.PublicKey, kid [32]byte) PublicKeyInfo {
	return PublicKeyInfo{Origin: s.origin, Algorithm: "Ed25519", KeyID: hex.EncodeToString(kid[:]),
		PublicKey: base64.StdEncoding.EncodeToString(pub), PEM: string(PublicKeyPEM(pub)),
		VerifierKey: VerifierKey(s.origin, pub), Current: kid == s.keyID}
}

func (s *Service) handleInclusion(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var c errs.Collector
	var sum [32]byte
	if v := q.Get("sha256"); v == "" {
		c.Add("sha256", "required")
	} else if h, err := ParseSHA256("sha256", v); err != nil {
		c.Add("sha256", "ledger_sha256")
	} else {
		sum = h
	}
	size, err := parseSize("tree_size", q.Get("tree_size"), false)
	if err != nil {
		c.Add("tree_size", "ledger_size")
	}
	if err := c.Err(); err != nil {
		web.Error(w, r, err)
		return
	}
	b, err := s.InclusionBundle(r.Context(), sum[:], size)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="ledger-inclusion-%x-%d.json"`, sum[:8], b.TreeSize))
	if size != 0 {
		immutable(w)
	}
	web.JSON(w, http.StatusOK, b)
}

func (s *Service) handleConsistency(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var c errs.Collector
	first, err := parseSize("first", q.Get("first"), true)
	if err != nil {
		c.AddField(fieldOf(err))
	}
	second, err := parseSize("second", q.Get("second"), true)
	if err != nil {
		c.AddField(fieldOf(err))
	}
	if err := c.Err(); err != nil {
		web.Error(w, r, err)
		return
	}
	b, err := s.ConsistencyBundle(r.Context(), first, second)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	immutable(w)
	web.JSON(w, http.StatusOK, b)
}

// fieldOf returns the single field error of a Fields error.
func fieldOf(err error) errs.FieldError {
	e, _ := errs.As(err)
	return e.Fields[0]
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of Routes:
// a JSON object with "paths" and "components" ("schemas" only, all named
// Ledger…, including LedgerError, the platform's error envelope). The app
// merges it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }
