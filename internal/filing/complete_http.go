package filing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// handleCreateFiling is POST /api/v1/filing/applications with a
// multipart/form-data body: a whole filing in one request (see
// CreateFiling). Its parts, streamed in order:
//
//	draft    the draft as JSON (FilingDraft), required
//	submit   "true" to file it with the court at once (default false)
//	role, name, purpose, source
//	         the fields of the next file part (as for one upload)
//	file     a file; the fields sent before it describe it, then reset
//
// Each file is spooled to a temporary file and checked as it arrives; the
// whole request is bounded like a single upload (the largest file limit
// plus 1 MiB). The Idempotency-Key digest covers the draft as sent, the
// submit flag and, per file, its fields and SHA-256: a retry with another
// multipart boundary is still the same request.
func (h *HTTP) handleCreateFiling(w http.ResponseWriter, r *http.Request) {
	// The service checks this too; checking first spares reading the
	// uploads of someone who may not file at all.
	if _, err := auth.RequireVerified(r.Context()); err != nil {
		web.Error(w, r, err)
		return
	}
	in, draft, err := h.readFiling(w, r)
	defer func() {
		for _, f := range in.Files {
			f.Close() //nolint:errcheck // a temporary file
		}
	}()
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var once Once
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		once = onceOf(r, filingDigest(draft, in))
	}
	a, replayed, err := h.S.CreateFiling(r.Context(), in, once)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, h.replayStatus(r, once, replayed, http.StatusCreated), h.view(r, a))
}

// readFiling reads the parts of a whole filing; it returns the draft's
// JSON as sent, for the idempotency digest.
func (h *HTTP) readFiling(w http.ResponseWriter, r *http.Request) (in NewFiling, draft []byte, err error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return in, nil, errs.Fields(errs.Field("file", "filing_multipart"))
	}
	limit := h.maxUpload()
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, limit), params["boundary"])
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	var up Upload
	seenDraft := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return in, nil, fileError("filing_file_too_large", limit>>20)
			}
			return in, nil, errs.Wrap(errs.Invalid, "filing.error.upload", err)
		}
		switch name := part.FormName(); name {
		case "file":
			i := len(in.Files)
			if i >= h.S.cfg.MaxItems {
				return in, nil, errs.Fields(errs.Field("evidence", "filing_evidence_too_many", h.S.cfg.MaxItems))
			}
			if up.Role == "" {
				up.Role = RoleEvidence
			}
			up.FileName, up.Body = part.FileName(), part
			f, err := h.S.SpoolUpload(up)
			if tooLarge(err) {
				return in, nil, fileError("filing_file_too_large", limit>>20)
			}
			in.Files = append(in.Files, f)
			if err != nil {
				if _, ok := errs.As(err); !ok {
					return in, nil, err
				}
				if in.Refused == nil {
					in.Refused = map[int]error{}
				}
				in.Refused[i] = err
				io.Copy(io.Discard, part) //nolint:errcheck // the rest of a refused file
			}
			up = Upload{}
		case "draft":
			b, err := io.ReadAll(io.LimitReader(part, web.MaxJSONBody+1))
			if err != nil {
				return in, nil, errs.Wrap(errs.Invalid, "filing.error.upload", err)
			}
			if len(b) > web.MaxJSONBody {
				return in, nil, errs.Fields(errs.Field("draft", "too_long", web.MaxJSONBody))
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in.Draft); err != nil {
				return in, nil, errs.Fields(errs.Field("draft", "format"))
			}
			draft, seenDraft = b, true
		default:
			v, err := readField(part)
			if err != nil {
				return in, nil, err
			}
			if name != "submit" {
				up.setField(name, v)
			} else if in.Submit, err = strconv.ParseBool(v); err != nil {
				return in, nil, errs.Fields(errs.Field("submit", "format"))
			}
		}
	}
	if !seenDraft {
		return in, nil, errs.Fields(errs.Field("draft", "required"))
	}
	return in, draft, nil
}

// filingDigest is the request a whole filing's Idempotency-Key stands for:
// the draft as sent, the submit flag, and each file's fields and SHA-256.
func filingDigest(draft []byte, in NewFiling) []byte {
	h := sha256.New()
	field := func(s string) { h.Write([]byte(strconv.Itoa(len(s)) + ":" + s + ";")) }
	field(string(draft))
	field(strconv.FormatBool(in.Submit))
	for i, f := range in.Files {
		if f == nil {
			field("refused:" + strconv.Itoa(i))
			continue
		}
		u := f.Upload
		for _, s := range []string{u.Role, u.Name, u.Purpose, u.Source, u.FileName, f.SHA256()} {
			field(s)
		}
	}
	return []byte(hex.EncodeToString(h.Sum(nil)))
}
