package exhibit

import (
	_ "embed"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the exhibit JSON API on mux. Handlers parse, call one
// Service method and render; the principal comes from the request context.
//
//	GET  /api/v1/cases/{id}/exhibits                    the exhibits the caller may see, with opinion states
//	POST /api/v1/cases/{id}/exhibits                    submit: multipart upload, or JSON reference to filed evidence
//	GET  /api/v1/exhibits/{id}                          one exhibit
//	GET  /api/v1/exhibits/{id}/file                     its file (audited)
//	GET  /api/v1/exhibits/{id}/opinions                 every version of every opinion on it
//	POST /api/v1/exhibits/{id}/opinions                 record an opinion (opposing party, within the period)
//	POST /api/v1/exhibits/{id}/dispute                  the judge's dispute marks
//	GET  /api/v1/cases/{id}/exchanges                   the case's exchange periods
//	POST /api/v1/cases/{id}/exchanges                   open an exchange (judge)
//	POST /api/v1/cases/{id}/exchanges/{xid}/extend      extend it (judge)
//	GET  /api/v1/cases/{id}/async-trial                 the Art. 20 position
//	POST /api/v1/cases/{id}/async-trial/conditions      record a condition (judge)
//	POST /api/v1/cases/{id}/async-trial/stages          set a stage's period (judge, gate passed)
//	POST /api/v1/cases/{id}/async-trial/statements      a recorded statement: multipart recording or JSON text
//	GET  /api/v1/hearings/{id}/exhibit                  the exhibit shown last in the hearing
//	POST /api/v1/hearings/{id}/exhibit                  show an exhibit in the hearing
//	GET  /api/v1/hearings/{id}/exhibit/events           server-sent events "exhibit": each exhibit shown
//
// The hearing room's views of the exhibit presented, for every participant
// admitted to the room now (a witness brought in included, who reads
// nothing else of the case), each view checked and audited:
//
//	GET  /api/v1/hearings/{id}/room/exhibit                    the exhibit presented now, as the room shows it
//	GET  /api/v1/hearings/{id}/room/exhibits/{eid}/file        its file, only while it is the one presented
//	GET  /api/v1/hearings/{id}/room/exhibit/events             server-sent events "exhibit"; "closed" when access ends
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/cases/{id}/exhibits", s.handleList)
	mux.HandleFunc("POST /api/v1/cases/{id}/exhibits", s.handleSubmit)
	mux.HandleFunc("GET /api/v1/exhibits/{id}", s.handleGet)
	mux.HandleFunc("GET /api/v1/exhibits/{id}/file", s.handleFile)
	mux.HandleFunc("GET /api/v1/exhibits/{id}/opinions", s.handleHistory)
	mux.HandleFunc("POST /api/v1/exhibits/{id}/opinions", s.handleOpinion)
	mux.HandleFunc("POST /api/v1/exhibits/{id}/dispute", s.handleDispute)
	mux.HandleFunc("GET /api/v1/cases/{id}/exchanges", s.handleExchanges)
	mux.HandleFunc("POST /api/v1/cases/{id}/exchanges", s.handleExchangeOpen)
	mux.HandleFunc("POST /api/v1/cases/{id}/exchanges/{xid}/extend", s.handleExchangeExtend)
	mux.HandleFunc("GET /api/v1/cases/{id}/async-trial", s.handleAsync)
	mux.HandleFunc("POST /api/v1/cases/{id}/async-trial/conditions", s.handleCondition)
	mux.HandleFunc("POST /api/v1/cases/{id}/async-trial/stages", s.handleStage)
	mux.HandleFunc("POST /api/v1/cases/{id}/async-trial/statements", s.handleStatement)
	mux.HandleFunc("GET /api/v1/hearings/{id}/exhibit", s.handlePresented)
	mux.HandleFunc("POST /api/v1/hearings/{id}/exhibit", s.handlePresent)
	mux.HandleFunc("GET /api/v1/hearings/{id}/exhibit/events", s.handleLive)
	mux.HandleFunc("GET /api/v1/hearings/{id}/room/exhibit", s.handleRoomPresented)
	mux.HandleFunc("GET /api/v1/hearings/{id}/room/exhibits/{eid}/file", s.handleRoomFile)
	mux.HandleFunc("GET /api/v1/hearings/{id}/room/exhibit/events", s.handleRoomLive)
}

type list[T any] struct {
	Items []T `json:"items"`
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	l, err := s.List(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Exhibit]{Items: l})
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// readMultipart streams a multipart form: the text fields first (into
// fields), then the file part, handed to fn without buffering it whole.
// Without a file part fn gets a nil body.
func (s *Service) readMultipart(w http.ResponseWriter, r *http.Request, fn func(fields map[string]string, fileName string, body io.Reader) error) error {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return errs.Fields(errs.Field("file", "exhibit_multipart"))
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, s.MaxUpload()), params["boundary"])
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fn(fields, "", nil)
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fileError("exhibit_file_too_large", s.MaxUpload()>>20)
			}
			return errs.Wrap(errs.Invalid, "exhibit.error.upload", err)
		}
		if part.FormName() == "file" {
			return fn(fields, part.FileName(), part)
		}
		b, err := io.ReadAll(io.LimitReader(part, 100000))
		if err != nil {
			return errs.Wrap(errs.Invalid, "exhibit.error.upload", err)
		}
		fields[part.FormName()] = string(b)
	}
}

func (s *Service) handleSubmit(w http.ResponseWriter, r *http.Request) {
	var e Exhibit
	var err error
	if isMultipart(r) {
		err = s.readMultipart(w, r, func(fv map[string]string, fileName string, body io.Reader) error {
			var serr error
			e, serr = s.Submit(r.Context(), r.PathValue("id"), Upload{PartyID: fv["party_id"], Name: fv["name"], Purpose: fv["purpose"],
				Source: fv["source"], FileName: fileName, Body: body})
			return serr
		})
	} else {
		var ref Reference
		if err = web.DecodeJSON(r, &ref); err == nil {
			e, err = s.SubmitFiled(r.Context(), r.PathValue("id"), ref)
		}
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, e)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	e, err := s.Find(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, e)
}

func (s *Service) handleFile(w http.ResponseWriter, r *http.Request) {
	e, rc, err := s.Open(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", e.ContentType())
	h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": e.Label + "." + e.Kind}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	io.Copy(w, rc) //nolint:errcheck // the client went away
}

func (s *Service) handleHistory(w http.ResponseWriter, r *http.Request) {
	os, err := s.History(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Opinion]{Items: os})
}

func (s *Service) handleOpinion(w http.ResponseWriter, r *http.Request) {
	var in OpinionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	o, err := s.RecordOpinion(r.Context(), r.PathValue("id"), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, o)
}

func (s *Service) handleDispute(w http.ResponseWriter, r *http.Request) {
	var in DisputeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	d, err := s.MarkDispute(r.Context(), r.PathValue("id"), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, d)
}

func (s *Service) handleExchanges(w http.ResponseWriter, r *http.Request) {
	xs, err := s.ListExchanges(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list[Exchange]{Items: xs})
}

func (s *Service) handleExchangeOpen(w http.ResponseWriter, r *http.Request) {
	var in ExchangeInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	x, err := s.OpenExchange(r.Context(), r.PathValue("id"), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, x)
}

type extendBody struct {
	End calendar.Date `json:"end"`
}

func (s *Service) handleExchangeExtend(w http.ResponseWriter, r *http.Request) {
	var b extendBody
	if err := web.DecodeJSON(r, &b); err != nil {
		web.Error(w, r, err)
		return
	}
	x, err := s.ExtendExchange(r.Context(), r.PathValue("id"), r.PathValue("xid"), b.End)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, x)
}

func (s *Service) handleAsync(w http.ResponseWriter, r *http.Request) {
	a, err := s.FindAsyncTrial(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a)
}

func (s *Service) handleCondition(w http.ResponseWriter, r *http.Request) {
	var in ConditionInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	c, err := s.RecordCondition(r.Context(), r.PathValue("id"), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, c)
}

func (s *Service) handleStage(w http.ResponseWriter, r *http.Request) {
	var in StageInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	sp, err := s.SetStage(r.Context(), r.PathValue("id"), in)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, sp)
}

// statementBody is the JSON form of a typed statement.
type statementBody struct {
	PartyID string `json:"party_id,omitempty"`
	Stage   string `json:"stage"`
	Text    string `json:"text"`
}

func (s *Service) handleStatement(w http.ResponseWriter, r *http.Request) {
	var m Statement
	var err error
	if isMultipart(r) {
		err = s.readMultipart(w, r, func(fv map[string]string, _ string, body io.Reader) error {
			if body == nil {
				return errs.Fields(errs.Field("file", "required"))
			}
			var serr error
			m, serr = s.SubmitStatement(r.Context(), r.PathValue("id"), StatementInput{PartyID: fv["party_id"], Stage: fv["stage"], Body: body})
			return serr
		})
	} else {
		var b statementBody
		if err = web.DecodeJSON(r, &b); err == nil {
			m, err = s.SubmitStatement(r.Context(), r.PathValue("id"), StatementInput{PartyID: b.PartyID, Stage: b.Stage, Text: b.Text})
		}
	}
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, m)
}

func (s *Service) handlePresented(w http.ResponseWriter, r *http.Request) {
	p, err := s.Presented(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, p)
}

type presentBody struct {
	ExhibitID string `json:"exhibit_id"`
}

func (s *Service) handlePresent(w http.ResponseWriter, r *http.Request) {
	var b presentBody
	if err := web.DecodeJSON(r, &b); err != nil {
		web.Error(w, r, err)
		return
	}
	if strings.TrimSpace(b.ExhibitID) == "" {
		web.Error(w, r, errs.Fields(errs.Field("exhibit_id", "required")))
		return
	}
	p, err := s.Present(r.Context(), r.PathValue("id"), b.ExhibitID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, p)
}

//go:embed openapi.json
var openAPIJSON []byte

// OpenAPI returns the OpenAPI 3.1 fragment describing the routes of Routes:
// a JSON object with "paths" and "components" ("schemas" only, all named
// Exhibit…, including ExhibitError, the platform's error envelope). The app
// merges it into /api/v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIJSON...) }
