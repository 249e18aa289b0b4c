package filing

import (
	"bytes"
	_ "embed"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// HTTP serves the filing pages and JSON API.
type HTTP struct {
	S *Service
	// Renderer renders the pages; without it only the API is registered.
	Renderer *web.Renderer

	catOnce sync.Once
	cat     *i18n.Catalog
}

// Routes registers the filing API (and, with a Renderer, the pages) on
// mux. API (all under /api/v1/filing):
//
//	GET    /templates                                  the complaint templates in force
//	POST   /applications                               start a draft (Idempotency-Key); as multipart/form-data,
//	                                                   a whole filing: draft, files and submit in one request
//	GET    /applications                               my applications
//	GET    /applications/{id}                          one, with its problems and warnings
//	PATCH  /applications/{id}                          change answers, parties, representative
//	GET    /applications/{id}/timeline                 its timeline
//	POST   /applications/{id}/evidence                 upload a file (multipart)
//	GET    /applications/{id}/evidence/{eid}           download a file (access-checked, audited)
//	DELETE /applications/{id}/evidence/{eid}           remove a file
//	POST   /applications/{id}/submit                   file it (Idempotency-Key)
//	POST   /applications/{id}/accept                   staff: accept, choosing the procedure
//	POST   /applications/{id}/correction               staff: request a correction
//	POST   /applications/{id}/reject                   staff: refuse (不予受理)
//	GET    /courts/{court}/queue                       staff: the court's queue
//	POST   /assisted                                   staff: start an assisted filing (Idempotency-Key)
func (h *HTTP) Routes(mux web.Mux) {
	const p = "/api/v1/filing"
	mux.HandleFunc("GET "+p+"/templates", h.handleTemplates)
	mux.HandleFunc("POST "+p+"/applications", h.handleCreate)
	mux.HandleFunc("GET "+p+"/applications", h.handleList)
	mux.HandleFunc("GET "+p+"/applications/{id}", h.handleGet)
	mux.HandleFunc("PATCH "+p+"/applications/{id}", h.handleUpdate)
	mux.HandleFunc("GET "+p+"/applications/{id}/timeline", h.handleTimeline)
	mux.HandleFunc("POST "+p+"/applications/{id}/evidence", h.handleEvidenceAdd)
	mux.HandleFunc("GET "+p+"/applications/{id}/evidence/{eid}", h.handleEvidenceGet)
	mux.HandleFunc("DELETE "+p+"/applications/{id}/evidence/{eid}", h.handleEvidenceDelete)
	mux.HandleFunc("POST "+p+"/applications/{id}/submit", h.handleSubmit)
	mux.HandleFunc("POST "+p+"/applications/{id}/accept", h.handleAccept)
	mux.HandleFunc("POST "+p+"/applications/{id}/correction", h.handleCorrection)
	mux.HandleFunc("POST "+p+"/applications/{id}/reject", h.handleReject)
	mux.HandleFunc("GET "+p+"/courts/{court}/queue", h.handleQueue)
	mux.HandleFunc("POST "+p+"/assisted", h.handleAssisted)
	if h.Renderer != nil {
		h.pageRoutes(mux)
	}
}

// catalog returns the message catalogue for API messages.
func (h *HTTP) catalog() *i18n.Catalog {
	if h.Renderer != nil {
		return h.Renderer.Catalog()
	}
	h.catOnce.Do(func() {
		c, err := i18n.New(i18n.Platform(), Messages, complaint.Messages)
		if err != nil {
			panic(err)
		}
		h.cat = c
	})
	return h.cat
}

// applicationJSON is the API form of an application: the application, the
// problems that would stop its submission (in the request's language) and
// the warnings.
type applicationJSON struct {
	*Application
	Problems []i18n.FieldMessage `json:"problems"`
	Warnings []warningJSON       `json:"warnings"`
}

type warningJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (h *HTTP) view(r *http.Request, a *Application) applicationJSON {
	out := applicationJSON{Application: a, Problems: []i18n.FieldMessage{}, Warnings: []warningJSON{}}
	lang := web.Lang(r)
	if a.Status.Editable() {
		now := h.S.db.Now()
		if e, ok := errs.As(h.S.check(r.Context(), a, now)); ok {
			_, out.Problems = h.catalog().Error(lang, e)
		}
		for _, w := range h.S.warnings(r.Context(), a, now) {
			out.Warnings = append(out.Warnings, warningJSON{Code: w.Code, Message: h.catalog().T(lang, w.Key, w.Args...)})
		}
	}
	return out
}

// onceOf reads the Idempotency-Key of an API request and digests the body.
func onceOf(r *http.Request, body []byte) Once {
	k := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if k == "" {
		return Once{}
	}
	return Once{Key: k, RequestHash: RequestHash(r.Method, r.URL.Path, body)}
}

// readBody reads a JSON body (at most web.MaxJSONBody) and decodes it.
func readBody(r *http.Request, dst any) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, web.MaxJSONBody+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) == 0 {
		body = []byte("{}")
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return body, web.DecodeJSON(r, dst)
}

func (h *HTTP) replayStatus(r *http.Request, o Once, replayed bool, status int) int {
	if !replayed || o.Key == "" {
		return status
	}
	p, _ := auth.From(r.Context())
	return h.S.replayStatus(r.Context(), p.UserID, o.Key)
}

func (h *HTTP) handleTemplates(w http.ResponseWriter, r *http.Request) {
	type field struct {
		Name     string   `json:"name"`
		Kind     string   `json:"kind"`
		Label    string   `json:"label"`
		Required bool     `json:"required"`
		Options  []string `json:"options"`
	}
	type section struct {
		Key    string  `json:"key"`
		Fields []field `json:"fields"`
	}
	type tmpl struct {
		ID        string    `json:"id"`
		Version   string    `json:"version"`
		Cause     string    `json:"cause"`
		TypeCode  string    `json:"type_code"`
		FeeKind   string    `json:"fee_kind"`
		CourtKind string    `json:"court_kind"`
		Sections  []section `json:"sections"`
	}
	lang := web.Lang(r)
	out := struct {
		Items []tmpl `json:"items"`
	}{Items: []tmpl{}}
	for _, t := range complaint.All() {
		x := tmpl{ID: t.ID, Version: t.Version, Cause: t.Cause, TypeCode: t.TypeCode, FeeKind: t.FeeKind, CourtKind: t.CourtKind, Sections: []section{}}
		for _, s := range t.Sections {
			sec := section{Key: s.Key, Fields: []field{}}
			for _, f := range s.Fields {
				fl := field{Name: f.Name, Kind: f.Kind, Label: h.catalog().T(lang, fieldLabelKey(f)), Required: f.Required, Options: []string{}}
				for _, o := range f.Options {
					fl.Options = append(fl.Options, o.Value)
				}
				sec.Fields = append(sec.Fields, fl)
			}
			x.Sections = append(x.Sections, sec)
		}
		out.Items = append(out.Items, x)
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *HTTP) handleCreate(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		h.handleCreateFiling(w, r)
		return
	}
	var d NewDraft
	body, err := readBody(r, &d)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	once := onceOf(r, body)
	a, replayed, err := h.S.CreateDraft(r.Context(), d, once)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, h.replayStatus(r, once, replayed, http.StatusCreated), h.view(r, a))
}

func (h *HTTP) handleList(w http.ResponseWriter, r *http.Request) {
	list, err := h.S.ListMine(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": list})
}

func (h *HTTP) handleGet(w http.ResponseWriter, r *http.Request) {
	a, err := h.S.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.view(r, a))
}

func (h *HTTP) handleUpdate(w http.ResponseWriter, r *http.Request) {
	var c Changes
	if _, err := readBody(r, &c); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := h.S.Update(r.Context(), r.PathValue("id"), c)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.view(r, a))
}

func (h *HTTP) handleTimeline(w http.ResponseWriter, r *http.Request) {
	evs, err := h.S.Timeline(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": evs})
}

// maxUpload bounds a multipart upload: the largest file limit plus the form.
func (h *HTTP) maxUpload() int64 {
	var m int64
	for _, n := range h.S.cfg.EvidenceLimits {
		m = max(m, n)
	}
	return m + 1<<20
}

// readUpload streams a multipart upload: the text fields first, then the
// file part, which is handed to AddEvidence without buffering it whole.
func (h *HTTP) readUpload(w http.ResponseWriter, r *http.Request, fn func(up Upload) error) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return errs.Fields(errs.Field("file", "filing_multipart"))
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, h.maxUpload()), params["boundary"])
	var up Upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return errs.Fields(errs.Field("file", "required"))
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fileError("filing_file_too_large", h.maxUpload()>>20)
			}
			return errs.Wrap(errs.Invalid, "filing.error.upload", err)
		}
		name := part.FormName()
		if name == "file" {
			up.FileName = part.FileName()
			up.Body = part
			return fn(up)
		}
		v, err := readField(part)
		if err != nil {
			return err
		}
		up.setField(name, v)
	}
}

// readField reads a multipart text field (at most 10,000 bytes).
func readField(part io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, 10000))
	if err != nil {
		return "", errs.Wrap(errs.Invalid, "filing.error.upload", err)
	}
	return string(b), nil
}

// setField sets the upload's text field name (role, name, purpose,
// source) to v; other names are ignored.
func (up *Upload) setField(name, v string) {
	switch name {
	case "role":
		up.Role = v
	case "name":
		up.Name = v
	case "purpose":
		up.Purpose = v
	case "source":
		up.Source = v
	}
}

func (h *HTTP) handleEvidenceAdd(w http.ResponseWriter, r *http.Request) {
	var e Evidence
	err := h.readUpload(w, r, func(up Upload) error {
		if up.Role == "" {
			up.Role = RoleEvidence
		}
		var err error
		e, err = h.S.AddEvidence(r.Context(), r.PathValue("id"), up)
		return err
	})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, e)
}

func (h *HTTP) handleEvidenceGet(w http.ResponseWriter, r *http.Request) {
	e, rc, err := h.S.OpenEvidence(r.Context(), r.PathValue("id"), r.PathValue("eid"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", e.ContentType())
	w.Header().Set("Content-Length", strconv.FormatInt(e.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(e)}))
	w.Header().Set("X-Content-SHA256", e.SHA256)
	w.WriteHeader(http.StatusOK)
	io.Copy(w, rc) //nolint:errcheck // the client went away
}

// downloadName is the file name offered for a download: the evidence's
// name with the extension of its kind.
func downloadName(e Evidence) string {
	name := e.Name
	if name == "" {
		name = e.ID
	}
	ext := map[string]string{KindJPEG: "jpg"}[e.Kind]
	if ext == "" {
		ext = e.Kind
	}
	return name + "." + ext
}

func (h *HTTP) handleEvidenceDelete(w http.ResponseWriter, r *http.Request) {
	if err := h.S.DeleteEvidence(r.Context(), r.PathValue("id"), r.PathValue("eid")); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *HTTP) handleSubmit(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	body, err := readBody(r, &in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	once := onceOf(r, body)
	a, replayed, err := h.S.Submit(r.Context(), r.PathValue("id"), once)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, h.replayStatus(r, once, replayed, http.StatusOK), h.view(r, a))
}

func (h *HTTP) handleAccept(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Procedure string `json:"procedure"`
	}
	if _, err := readBody(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := h.S.Accept(r.Context(), r.PathValue("id"), casefile.Procedure(in.Procedure))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.view(r, a))
}

func (h *HTTP) handleCorrection(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Items   []string `json:"items"`
		Note    string   `json:"note"`
		DueDays int      `json:"due_days"`
	}
	if _, err := readBody(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := h.S.RequestCorrection(r.Context(), r.PathValue("id"), in.Items, in.Note, in.DueDays)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.view(r, a))
}

func (h *HTTP) handleReject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if _, err := readBody(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := h.S.Reject(r.Context(), r.PathValue("id"), in.Reason)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, h.view(r, a))
}

func (h *HTTP) handleQueue(w http.ResponseWriter, r *http.Request) {
	q, err := h.S.ListQueue(r.Context(), r.PathValue("court"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, q)
}

func (h *HTTP) handleAssisted(w http.ResponseWriter, r *http.Request) {
	var d AssistedDraft
	body, err := readBody(r, &d)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	once := onceOf(r, body)
	a, replayed, err := h.S.CreateAssisted(r.Context(), d, once)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, h.replayStatus(r, once, replayed, http.StatusCreated), h.view(r, a))
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment that describes the API routes of
// Routes: a JSON object with "paths" and "components" ("schemas" only, each
// named Filing…, plus Error, the platform's error envelope). The app merges
// it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }
