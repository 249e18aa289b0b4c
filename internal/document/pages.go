package document

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
	"github.com/ecourt/ecourt/internal/seal"
)

// PagePath is the public verification page.
const PagePath = "/documents/verify"

// Pages registers the document HTML pages on mux, rendered by rd (which
// must include Templates under the namespace "document"):
//
//	GET  /documents/verify            public: the verification page; ?code=… verifies a code
//	POST /documents/verify            public: verify an uploaded PDF (multipart, field "file")
//	GET  /cases/{id}/documents        a case's documents; htmx requests get only the
//	                                  "documents-list" fragment, for the case page
//
// Verifications are rate-limited per client IP like the API's.
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	limit := s.limiter.Limit(func(r *http.Request) string {
		if r.Method == http.MethodGet && r.URL.Query().Get("code") == "" {
			return "" // the empty form
		}
		return "document.verify|" + web.ClientIP(r)
	})
	mux.Handle("GET "+PagePath, limit(http.HandlerFunc(p.handleVerify)))
	mux.Handle("POST "+PagePath, limit(http.HandlerFunc(p.handleVerifyUpload)))
	mux.HandleFunc("GET /cases/{id}/documents", p.handleCase)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

// VerifyPage is the Data of the "document/verify" page.
type VerifyPage struct {
	Code        string        // the code as typed
	Result      *Verification // nil before a verification
	Err         error
	Upload      bool  // the result or error comes from an upload
	MaxUploadMB int64 // the upload limit
	RootURL     string
}

// StatusKey is the message key of the result's verdict.
func (p VerifyPage) StatusKey() string { return "document.status." + string(p.Result.Status) }

// KindKey is the message key of the verified document's type.
func (p VerifyPage) KindKey() string { return KindKey(p.Result.Document.Kind) }

// ProblemKey is the message key of the seal's problem.
func (p VerifyPage) ProblemKey() string { return "seal.problem." + string(p.Result.Signature.Problem) }

// Group splits a hex hash into groups of eight so it wraps on a phone.
func (VerifyPage) Group(hash string) string {
	var b strings.Builder
	for i := 0; i < len(hash); i += 8 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(hash[i:min(i+8, len(hash))])
	}
	return b.String()
}

func (p *pages) verifyPage(w http.ResponseWriter, r *http.Request, data VerifyPage) {
	data.MaxUploadMB, data.RootURL = p.s.maxUpload>>20, seal.RootPath
	status := http.StatusOK
	if data.Err != nil {
		status = web.StatusOf(data.Err)
	}
	p.rd.Render(w, r, status, "document/verify", data)
}

func (p *pages) handleVerify(w http.ResponseWriter, r *http.Request) {
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	data := VerifyPage{Code: code}
	if code != "" {
		v, err := p.s.VerifyCode(r.Context(), code)
		if err != nil {
			data.Err = err
		} else {
			data.Result = &v
		}
	}
	p.verifyPage(w, r, data)
}

func (p *pages) handleVerifyUpload(w http.ResponseWriter, r *http.Request) {
	data := VerifyPage{Upload: true}
	file, err := p.s.readUpload(w, r)
	if err == nil {
		var v Verification
		if v, err = p.s.VerifyUpload(r.Context(), file); err == nil {
			data.Result = &v
		}
	}
	data.Err = err
	p.verifyPage(w, r, data)
}

// CasePage is the Data of the "document/case" page.
type CasePage struct {
	CaseID    string
	Documents []Document
}

// KindKey is the message key of a document type's label.
func (CasePage) KindKey(kind string) string { return KindKey(kind) }

// DownloadURL is where a document's PDF is downloaded.
func (CasePage) DownloadURL(id string) string { return downloadPath(id) }

func (p *pages) handleCase(w http.ResponseWriter, r *http.Request) {
	if _, ok := auth.From(r.Context()); !ok {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return
	}
	docs, err := p.s.ListCase(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	data := CasePage{CaseID: r.PathValue("id"), Documents: docs}
	if r.Header.Get("HX-Request") == "true" {
		p.rd.RenderFragment(w, r, http.StatusOK, "document/case", "documents-list", data)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "document/case", data)
}
