package document

import (
	_ "embed"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the document JSON API on mux. The two verification
// routes are public (no login) and rate-limited per client IP.
//
//	GET  /api/v1/cases/{id}/documents         the documents of a case
//	GET  /api/v1/documents/{id}               one document's record
//	GET  /api/v1/documents/{id}/pdf           the sealed PDF (download, audited)
//	GET  /api/v1/documents/verify?code=…      public: verify by verification code
//	POST /api/v1/documents/verify             public: verify an uploaded PDF
//	                                          (multipart field "file", or an application/pdf body)
//
// The code is a query parameter, not a path segment: a route
// /api/v1/documents/verify/{code} would clash with /api/v1/documents/{id}/pdf
// in net/http's ServeMux (both match /api/v1/documents/verify/pdf).
func (s *Service) Routes(mux web.Mux) {
	limit := s.limiter.Limit(func(r *http.Request) string { return "document.verify|" + web.ClientIP(r) })
	mux.HandleFunc("GET /api/v1/cases/{id}/documents", s.handleCaseDocuments)
	mux.HandleFunc("GET /api/v1/documents/{id}", s.handleDocumentGet)
	mux.HandleFunc("GET /api/v1/documents/{id}/pdf", s.handleDocumentPDF)
	mux.Handle("GET /api/v1/documents/verify", limit(http.HandlerFunc(s.handleVerifyCode)))
	mux.Handle("POST /api/v1/documents/verify", limit(http.HandlerFunc(s.handleVerifyUpload)))
}

type documentList struct {
	Items []Document `json:"items"`
}

func (s *Service) handleCaseDocuments(w http.ResponseWriter, r *http.Request) {
	docs, err := s.ListCase(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, documentList{Items: docs})
}

func (s *Service) handleDocumentGet(w http.ResponseWriter, r *http.Request) {
	d, err := s.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, d)
}

func (s *Service) handleDocumentPDF(w http.ResponseWriter, r *http.Request) {
	d, rc, err := s.Open(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Title + ".pdf"}))
	io.Copy(w, rc) //nolint:errcheck // the client went away; the download was audited
}

func (s *Service) handleVerifyCode(w http.ResponseWriter, r *http.Request) {
	v, err := s.VerifyCode(r.Context(), r.URL.Query().Get("code"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

func (s *Service) handleVerifyUpload(w http.ResponseWriter, r *http.Request) {
	file, err := s.readUpload(w, r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	v, err := s.VerifyUpload(r.Context(), file)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, v)
}

// uploadOverhead is what a multipart body may carry beyond the file.
const uploadOverhead = 64 << 10

// readUpload returns the uploaded PDF: the multipart form field "file", or
// the whole body when it is sent as application/pdf. More than the
// service's limit gives invalid "file"/"too_large"; no file, invalid
// "file"/"required".
func (s *Service) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := func() error { return fileError("too_large", s.maxUpload>>20) }
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/pdf" {
		b, err := io.ReadAll(io.LimitReader(r.Body, s.maxUpload+1))
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, "", err)
		}
		if int64(len(b)) > s.maxUpload {
			return nil, tooLarge()
		}
		return b, nil
	}
	if r.MultipartForm == nil { // the CSRF check may have parsed the form already
		r.Body = http.MaxBytesReader(w, r.Body, s.maxUpload+uploadOverhead)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge()
			}
			return nil, fileError("required")
		}
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		return nil, fileError("required")
	}
	defer f.Close()
	if fh.Size > s.maxUpload {
		return nil, tooLarge()
	}
	b, err := io.ReadAll(io.LimitReader(f, s.maxUpload+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "", err)
	}
	if int64(len(b)) > s.maxUpload {
		return nil, tooLarge()
	}
	return b, nil
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of Routes:
// a JSON object with "paths" and "components" ("schemas" only, all named
// Document…, including DocumentError, the platform's error envelope). The
// app merges it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }

// downloadPath is the API address of a document's PDF.
func downloadPath(id string) string { return "/api/v1/documents/" + url.PathEscape(id) + "/pdf" }
