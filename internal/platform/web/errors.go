package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
)

var statusOf = map[errs.Code]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Internal:        http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err's code (500 for unclassified
// errors).
func StatusOf(err error) int {
	if s, ok := statusOf[errs.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error writes err as the HTTP response; it is the one place where errors
// become responses. The status follows err's errs.Code (invalid 400,
// unauthenticated 401, forbidden 403, not_found 404, conflict 409,
// rate_limited 429, unavailable 503, anything else 500). Requests under /api/
// or preferring application/json get the JSON envelope
//
//	{"error":{"code":"invalid","message":"…","fields":[{"field":"…","code":"…","message":"…"}]}}
//
// and others the "web/error" (or "web/notfound") page, both in the request's
// language. An unclassified error becomes a generic 500; its detail, like
// every 5xx cause, goes only to the log, with the request ID.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	o := optionsFrom(r)
	e, ok := errs.As(err)
	if _, known := statusOf[errs.CodeOf(err)]; !ok || !known {
		e = &errs.Error{Code: errs.Internal}
	}
	status := statusOf[e.Code]
	if status >= 500 {
		o.Logger.ErrorContext(r.Context(), "request failed", "err", err, "status", status,
			"method", r.Method, "path", r.URL.Path, "request_id", RequestIDFrom(r.Context()))
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) && ra.RetryAfter() > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.RetryAfter().Seconds()))))
	}
	cat := fallbackCatalog()
	if o.Renderer != nil {
		cat = o.Renderer.cat
	}
	lang := Lang(r)
	msg, fields := cat.Error(lang, e)
	if WantsJSON(r) {
		JSON(w, status, errorEnvelope{Error: errorBody{Code: e.Code, Message: msg, Fields: fields}})
		return
	}
	if o.Renderer != nil {
		page := "web/error"
		if e.Code == errs.NotFound && e.Key == "" {
			page = "web/notfound"
		}
		data := ErrorPage{Status: status, Code: e.Code, Message: msg, Fields: fields}
		rerr := o.Renderer.write(w, r, status, page, layoutName, data)
		if rerr == nil {
			return
		}
		o.Logger.ErrorContext(r.Context(), "error page failed", "err", rerr,
			"request_id", RequestIDFrom(r.Context()))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n") //nolint:errcheck
}

// ErrorPage is the Data of the "web/error" and "web/notfound" pages.
type ErrorPage struct {
	Status  int
	Code    errs.Code
	Message string
	Fields  []i18n.FieldMessage
}

type errorEnvelope struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    errs.Code           `json:"code"`
	Message string              `json:"message"`
	Fields  []i18n.FieldMessage `json:"fields,omitempty"`
}

// fallbackCatalog translates error messages when no Renderer is configured.
var fallbackCatalog = sync.OnceValue(func() *i18n.Catalog {
	c, err := i18n.New(i18n.Platform())
	if err != nil {
		panic(err) // the embedded platform bundle is checked by its tests
	}
	return c
})

// WantsJSON reports whether the response to r should be JSON: the path is
// under /api/ or the Accept header ranks application/json above text/html.
func WantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	jsonQ, htmlQ, jsonFirst := -1.0, -1.0, false
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "application/json":
			jsonQ, jsonFirst = q, htmlQ < 0
		case "text/html":
			htmlQ = q
		}
	}
	return jsonQ > 0 && (jsonQ > htmlQ || (jsonQ == htmlQ && jsonFirst))
}

// JSON writes v as a JSON response with status. A value that cannot be
// encoded becomes a 500 envelope.
func JSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("web: JSON encode", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(append(b, '\n')) //nolint:errcheck
}

// MaxJSONBody is the largest request body DecodeJSON reads.
const MaxJSONBody = 1 << 20

// DecodeJSON reads r's body, one JSON value of at most MaxJSONBody bytes,
// into dst. Unknown fields are rejected. Its errors are errs.Invalid with a
// field error: field "body" code "malformed_json" for bad or trailing JSON,
// "body" "too_large" for an oversized body, the field's name with "unknown"
// for an unknown field and with "format" for a value of the wrong type.
func DecodeJSON(r *http.Request, dst any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxJSONBody+1))
	if err != nil {
		return errs.Wrap(errs.Invalid, "", err)
	}
	if len(data) > MaxJSONBody {
		return errs.Fields(errs.FieldError{Field: "body", Code: "too_large", Key: "field.too_large"})
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return jsonError(errors.New("trailing data after the JSON value"))
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		e := errs.Fields(errs.Field(typeErr.Field, "format"))
		e.Cause = err
		return e
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		e := errs.Fields(errs.Field(strings.Trim(name, `"`), "unknown"))
		e.Cause = err
		return e
	}
	e := errs.Fields(errs.Field("body", "malformed_json"))
	e.Cause = err
	return e
}

// FormErrors returns the message of each invalid field of err in lang, keyed
// by field name, for showing next to each field of a form; nil when err
// carries no field errors. A nil cat uses the platform bundle only.
func FormErrors(cat *i18n.Catalog, lang i18n.Lang, err error) map[string]string {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return nil
	}
	if cat == nil {
		cat = fallbackCatalog()
	}
	_, fields := cat.Error(lang, e)
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		if _, seen := m[f.Field]; !seen { // the first problem of a field is shown
			m[f.Field] = f.Message
		}
	}
	return m
}

// ErrorMessage returns err's user-safe message in lang ("" for nil); an
// unclassified error gives the generic internal message.
func ErrorMessage(cat *i18n.Catalog, lang i18n.Lang, err error) string {
	if err == nil {
		return ""
	}
	if cat == nil {
		cat = fallbackCatalog()
	}
	e, ok := errs.As(err)
	if !ok {
		e = &errs.Error{Code: errs.Internal}
	}
	return cat.T(lang, e.MessageKey(), e.Args...)
}

// RateLimited returns an errs.RateLimited error that makes Error send
// Retry-After: after (rounded up to whole seconds).
func RateLimited(after time.Duration) error {
	return &retryAfterError{err: &errs.Error{Code: errs.RateLimited}, after: after}
}

type retryAfterError struct {
	err   *errs.Error
	after time.Duration
}

func (e *retryAfterError) Error() string             { return e.err.Error() }
func (e *retryAfterError) Unwrap() error             { return e.err }
func (e *retryAfterError) RetryAfter() time.Duration { return e.after }
