package enforcement

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the enforcement JSON API on mux. Handlers parse, call
// one Service method and render; the principal comes from the request
// context.
//
//	POST /api/v1/enforcement/applications                  apply: JSON, or multipart ("data" JSON + "title_file")
//	GET  /api/v1/enforcement/applications                  the caller's applications, or ?court= the court's queue
//	GET  /api/v1/enforcement/applications/{id}             one application
//	POST /api/v1/enforcement/applications/{id}/accept      accept (filing officer): opens the case
//	POST /api/v1/enforcement/applications/{id}/reject      reject with a reason
//	GET  /api/v1/enforcement/cases/{id}                    the enforcement record (deadline, fee, officers)
//	GET  /api/v1/enforcement/cases/{id}/nodes              the nodes as the caller sees them
//	POST /api/v1/enforcement/cases/{id}/nodes              record a node: JSON, or multipart with "files"
//	POST /api/v1/enforcement/nodes/{id}/disclose           disclose a node kept until carried out
//	GET  /api/v1/enforcement/attachments/{id}              an attachment's file (audited)
//	GET  /api/v1/enforcement/cases/{id}/leads              leads (staff; the applicant's side its own)
//	POST /api/v1/enforcement/cases/{id}/leads              send a lead: JSON, or multipart with "files"
//	POST /api/v1/enforcement/leads/{id}/answer             answer a lead (officer)
//	PUT  /api/v1/enforcement/cases/{id}/officers           replace the officers (filing officer), with a reason
//	POST /api/v1/enforcement/cases/{id}/extend             record an approved extension
//	POST /api/v1/enforcement/cases/{id}/escalate           ask the higher court (CPL Art. 237)
//	PUT  /api/v1/enforcement/cases/{id}/contact            the caller's SMS choice
//	GET  /api/v1/enforcement/officer/cases                 the officer's list with overdue leads
//	GET  /api/v1/enforcement/courts/{court}/kinds          node kinds: built-in and the court's
//	POST /api/v1/enforcement/courts/{court}/kinds          add a court's own kind (court administrator)
//	PUT  /api/v1/enforcement/courts/{court}/settings       the court's lead answer period
//	POST /api/v1/enforcement/delay-interest                delay interest calculator (delay.Compute)
//	GET  /api/v1/enforcement/live                          server-sent events "node" (?case= one case)
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("POST /api/v1/enforcement/applications", s.handleApply)
	mux.HandleFunc("GET /api/v1/enforcement/applications", s.handleApplications)
	mux.HandleFunc("GET /api/v1/enforcement/applications/{id}", s.handleApplication)
	mux.HandleFunc("POST /api/v1/enforcement/applications/{id}/accept", s.handleAccept)
	mux.HandleFunc("POST /api/v1/enforcement/applications/{id}/reject", s.handleReject)
	mux.HandleFunc("GET /api/v1/enforcement/cases/{id}", s.handleCase)
	mux.HandleFunc("GET /api/v1/enforcement/cases/{id}/nodes", s.handleNodes)
	mux.HandleFunc("POST /api/v1/enforcement/cases/{id}/nodes", s.handleRecord)
	mux.HandleFunc("POST /api/v1/enforcement/nodes/{id}/disclose", s.handleDisclose)
	mux.HandleFunc("GET /api/v1/enforcement/attachments/{id}", s.handleAttachment)
	mux.HandleFunc("GET /api/v1/enforcement/cases/{id}/leads", s.handleLeads)
	mux.HandleFunc("POST /api/v1/enforcement/cases/{id}/leads", s.handleLead)
	mux.HandleFunc("POST /api/v1/enforcement/leads/{id}/answer", s.handleAnswer)
	mux.HandleFunc("PUT /api/v1/enforcement/cases/{id}/officers", s.handleOfficers)
	mux.HandleFunc("POST /api/v1/enforcement/cases/{id}/extend", s.handleExtend)
	mux.HandleFunc("POST /api/v1/enforcement/cases/{id}/escalate", s.handleEscalate)
	mux.HandleFunc("PUT /api/v1/enforcement/cases/{id}/contact", s.handleContact)
	mux.HandleFunc("GET /api/v1/enforcement/officer/cases", s.handleOfficer)
	mux.HandleFunc("GET /api/v1/enforcement/courts/{court}/kinds", s.handleKinds)
	mux.HandleFunc("POST /api/v1/enforcement/courts/{court}/kinds", s.handleKindAdd)
	mux.HandleFunc("PUT /api/v1/enforcement/courts/{court}/settings", s.handleSettings)
	mux.HandleFunc("POST /api/v1/enforcement/delay-interest", s.handleDelay)
	mux.HandleFunc("GET /api/v1/enforcement/live", s.handleLive)
}

type list[T any] struct {
	Items []T `json:"items"`
}

func reply[T any](w http.ResponseWriter, r *http.Request, status int, v T, err error) {
	if err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, status, v)
}

func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// parseMultipart reads a multipart form (files spill to temporary files,
// removed when the request ends).
func (s *Service) parseMultipart(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload())
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.Fields(errs.Field("files", "enforcement_file_too_large", s.MaxUpload()>>20))
		}
		return errs.Wrap(errs.Invalid, "enforcement.error.upload", err)
	}
	go func() { <-r.Context().Done(); _ = r.MultipartForm.RemoveAll() }()
	return nil
}

// formFiles opens the files of field name; close them with closeFiles.
func formFiles(r *http.Request, name string) ([]File, func(), error) {
	var out []File
	var closers []io.Closer
	done := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	if r.MultipartForm == nil {
		return nil, done, nil
	}
	for _, fh := range r.MultipartForm.File[name] {
		f, err := fh.Open()
		if err != nil {
			done()
			return nil, func() {}, err
		}
		closers = append(closers, f)
		out = append(out, File{Name: fh.Filename, Body: f})
	}
	return out, done, nil
}

// formPosition reads lat, lon (decimal degrees) and accuracy (metres).
func formPosition(get func(string) string) (*Position, error) {
	lat, lon := strings.TrimSpace(get("lat")), strings.TrimSpace(get("lon"))
	if lat == "" && lon == "" {
		return nil, nil
	}
	var v errs.Collector
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lon, 64)
	if err1 != nil || math.IsNaN(la) || math.IsInf(la, 0) {
		v.Add("lat", "enforcement_position")
	}
	if err2 != nil || math.IsNaN(lo) || math.IsInf(lo, 0) {
		v.Add("lon", "enforcement_position")
	}
	acc := 0.0
	if a := strings.TrimSpace(get("accuracy")); a != "" {
		var err error
		if acc, err = strconv.ParseFloat(a, 64); err != nil || math.IsNaN(acc) || acc < 0 || acc > 100_000 {
			v.Add("accuracy", "enforcement_position")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// Range is checked by the service; clamp only what would overflow.
	if math.Abs(la) > 1000 || math.Abs(lo) > 1000 {
		return nil, errs.Fields(errs.Field("lat", "enforcement_position"))
	}
	return &Position{LatE6: int64(math.Round(la * 1e6)), LonE6: int64(math.Round(lo * 1e6)), AccuracyM: int(math.Round(acc))}, nil
}

func (s *Service) handleApply(w http.ResponseWriter, r *http.Request) {
	var in ApplyInput
	if isMultipart(r) {
		if err := s.parseMultipart(w, r); err != nil {
			web.Error(w, r, err)
			return
		}
		if err := json.Unmarshal([]byte(r.FormValue("data")), &in); err != nil {
			web.Error(w, r, errs.Fields(errs.Field("data", "malformed_json")))
			return
		}
		files, done, err := formFiles(r, "title_file")
		defer done()
		if err != nil {
			web.Error(w, r, err)
			return
		}
		if len(files) > 0 {
			in.TitleFile = &files[0]
		}
	} else if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := s.Apply(r.Context(), in)
	reply(w, r, http.StatusCreated, a, err)
}

func (s *Service) handleApplications(w http.ResponseWriter, r *http.Request) {
	l, err := s.Applications(r.Context(), r.URL.Query().Get("court"))
	reply(w, r, http.StatusOK, list[Application]{Items: l}, err)
}

func (s *Service) handleApplication(w http.ResponseWriter, r *http.Request) {
	a, err := s.FindApplication(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, a, err)
}

func (s *Service) handleAccept(w http.ResponseWriter, r *http.Request) {
	var in AcceptInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	rec, err := s.Accept(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleReject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	a, err := s.Reject(r.Context(), r.PathValue("id"), in.Reason)
	reply(w, r, http.StatusOK, a, err)
}

func (s *Service) handleCase(w http.ResponseWriter, r *http.Request) {
	rec, err := s.Case(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleNodes(w http.ResponseWriter, r *http.Request) {
	l, err := s.Nodes(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, list[NodeView]{Items: l}, err)
}

// nodeForm reads a node from a multipart form: kind, text, amount (yuan),
// field.<name>, carried_out, lat, lon, accuracy, device_at (RFC 3339).
func nodeForm(r *http.Request) (NodeInput, error) {
	in := NodeInput{Kind: r.FormValue("kind"), Text: r.FormValue("text"), Fields: map[string]string{},
		CarriedOut: r.FormValue("carried_out") != ""}
	var v errs.Collector
	if a := strings.TrimSpace(r.FormValue("amount")); a != "" {
		f, err := money.ParseYuan(a)
		if err != nil {
			v.Add("amount", "enforcement_amount")
		}
		in.AmountFen = f
	}
	for k, vals := range r.MultipartForm.Value {
		if name, ok := strings.CutPrefix(k, "field."); ok && len(vals) > 0 {
			in.Fields[name] = vals[0]
		}
	}
	pos, err := formPosition(r.FormValue)
	if err != nil {
		return in, err
	}
	in.Position = pos
	if d := strings.TrimSpace(r.FormValue("device_at")); d != "" {
		t, err := time.Parse(time.RFC3339, d)
		if err != nil {
			v.Add("device_at", "enforcement_device_time")
		}
		in.DeviceAt = &t
	}
	return in, v.Err()
}

func (s *Service) handleRecord(w http.ResponseWriter, r *http.Request) {
	var in NodeInput
	done := func() {}
	if isMultipart(r) {
		if err := s.parseMultipart(w, r); err != nil {
			web.Error(w, r, err)
			return
		}
		var err error
		if in, err = nodeForm(r); err != nil {
			web.Error(w, r, err)
			return
		}
		in.Files, done, err = formFiles(r, "files")
		if err != nil {
			web.Error(w, r, err)
			return
		}
	} else if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	defer done()
	n, err := s.RecordNode(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusCreated, n, err)
}

func (s *Service) handleDisclose(w http.ResponseWriter, r *http.Request) {
	n, err := s.Disclose(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, n, err)
}

var contentTypes = map[string]string{"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "mp4": "video/mp4"}

func (s *Service) handleAttachment(w http.ResponseWriter, r *http.Request) {
	a, rc, err := s.OpenAttachment(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", contentTypes[a.Kind])
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": a.ID + "." + a.Kind}))
	_, _ = io.Copy(w, rc)
}

func (s *Service) handleLeads(w http.ResponseWriter, r *http.Request) {
	l, err := s.Leads(r.Context(), r.PathValue("id"))
	reply(w, r, http.StatusOK, list[Lead]{Items: l}, err)
}

func (s *Service) handleLead(w http.ResponseWriter, r *http.Request) {
	var in LeadInput
	done := func() {}
	if isMultipart(r) {
		if err := s.parseMultipart(w, r); err != nil {
			web.Error(w, r, err)
			return
		}
		in = LeadInput{PartyID: r.FormValue("party_id"), Kind: r.FormValue("kind"), Text: r.FormValue("text")}
		pos, err := formPosition(r.FormValue)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		in.Position = pos
		if in.Files, done, err = formFiles(r, "files"); err != nil {
			web.Error(w, r, err)
			return
		}
	} else if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	defer done()
	l, err := s.SubmitLead(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusCreated, l, err)
}

func (s *Service) handleAnswer(w http.ResponseWriter, r *http.Request) {
	var in AnswerInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	l, err := s.AnswerLead(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusOK, l, err)
}

func (s *Service) handleOfficers(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AcceptInput
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	rec, err := s.AssignOfficers(r.Context(), r.PathValue("id"), in.AcceptInput, in.Reason)
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleExtend(w http.ResponseWriter, r *http.Request) {
	var in ExtendInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	rec, err := s.Extend(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusOK, rec, err)
}

func (s *Service) handleEscalate(w http.ResponseWriter, r *http.Request) {
	var in EscalateInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	e, err := s.Escalate(r.Context(), r.PathValue("id"), in)
	reply(w, r, http.StatusCreated, e, err)
}

func (s *Service) handleContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SMS bool `json:"sms"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := s.SetSMS(r.Context(), r.PathValue("id"), in.SMS); err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, in)
}

func (s *Service) handleOfficer(w http.ResponseWriter, r *http.Request) {
	l, err := s.OfficerCases(r.Context())
	reply(w, r, http.StatusOK, list[OfficerCase]{Items: l}, err)
}

func (s *Service) handleKinds(w http.ResponseWriter, r *http.Request) {
	l, err := s.Kinds(r.Context(), r.PathValue("court"))
	reply(w, r, http.StatusOK, list[Kind]{Items: l}, err)
}

func (s *Service) handleKindAdd(w http.ResponseWriter, r *http.Request) {
	var in KindInput
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	k, err := s.AddKind(r.Context(), r.PathValue("court"), in)
	reply(w, r, http.StatusCreated, k, err)
}

func (s *Service) handleSettings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		LeadAnswerDays int `json:"lead_answer_days"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	if err := s.SetLeadAnswerDays(r.Context(), r.PathValue("court"), in.LeadAnswerDays); err != nil {
		web.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, in)
}

func (s *Service) handleDelay(w http.ResponseWriter, r *http.Request) {
	var in delay.Input
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	res, err := s.DelayInterest(in)
	reply(w, r, http.StatusOK, res, err)
}
