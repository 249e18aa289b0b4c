package court

import (
	"net/http"
	"strconv"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the court context's JSON API on mux. Every route is
// public (no sign-in): the court list and the period calculator are open
// information. The shapes are described by OpenAPI.
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/courts", s.handleCourtList)
	mux.HandleFunc("GET /api/v1/courts/{id}", s.handleCourtGet)
	mux.HandleFunc("GET /api/v1/courts/{id}/children", s.handleCourtChildren)
	mux.HandleFunc("GET /api/v1/calendar/period", s.handlePeriod)
}

// cachePublic lets clients and proxies keep court data for a while; it
// changes only with a release.
const cachePublic = "public, max-age=300"

func (s *Service) handleCourtList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	courts, err := s.List(r.Context(), Filter{
		Level: Level(q.Get("level")), Kind: Kind(q.Get("kind")), ParentID: q.Get("parent"),
		Province: q.Get("province"), Query: q.Get("q"),
	})
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cachePublic)
	web.JSON(w, http.StatusOK, courtListJSON{Courts: toJSONList(courts)})
}

func (s *Service) handleCourtGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.Resolve(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cachePublic)
	web.JSON(w, http.StatusOK, toJSON(c))
}

func (s *Service) handleCourtChildren(w http.ResponseWriter, r *http.Request) {
	courts, err := s.Children(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cachePublic)
	web.JSON(w, http.StatusOK, courtListJSON{Courts: toJSONList(courts)})
}

func (s *Service) handlePeriod(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var req PeriodRequest
	var bad errs.Collector
	if v := q.Get("start"); v == "" {
		bad.Add("start", "required")
	} else if d, err := calendar.ParseDate(v); err != nil {
		bad.Add("start", "date")
	} else {
		req.Start = d
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"days", &req.Days}, {"months", &req.Months}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad.Add(f.name, "format")
				continue
			}
			*f.dst = n
		}
	}
	if err := bad.Err(); err != nil {
		web.Error(w, r, err)
		return
	}
	req.CourtID = q.Get("court")
	p, err := s.ComputePeriod(r.Context(), req)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cachePublic)
	web.JSON(w, http.StatusOK, toPeriodJSON(p))
}

// courtJSON is the API form of a Court. Optional attributes are null when
// unknown, never "".
type courtJSON struct {
	ID            string  `json:"id"`
	Code          string  `json:"code"`
	CaseCode      string  `json:"case_code"`
	NameZH        string  `json:"name_zh"`
	NameEN        string  `json:"name_en"`
	Level         Level   `json:"level"`
	Kind          Kind    `json:"kind"`
	ParentID      *string `json:"parent_id"`
	AppealCourtID *string `json:"appeal_court_id"`
	Province      *string `json:"province"`
	RegionCode    *string `json:"region_code"`
	Address       *string `json:"address"`
	Phone         *string `json:"phone"`
	Active        bool    `json:"active"`
	ValidFrom     string  `json:"valid_from"`
}

type courtListJSON struct {
	Courts []courtJSON `json:"courts"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toJSON(c Court) courtJSON {
	return courtJSON{
		ID: c.ID, Code: c.Code, CaseCode: c.CaseCode, NameZH: c.NameZH, NameEN: c.NameEN,
		Level: c.Level, Kind: c.Kind, ParentID: opt(c.ParentID), AppealCourtID: opt(c.AppealCourtID),
		Province: opt(c.Province), RegionCode: opt(c.RegionCode), Address: opt(c.Address),
		Phone: opt(c.Phone), Active: c.Active, ValidFrom: c.ValidFrom.String(),
	}
}

func toJSONList(cs []Court) []courtJSON {
	out := make([]courtJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toJSON(c))
	}
	return out
}

type periodJSON struct {
	Start            string        `json:"start"`
	Days             *int          `json:"days"`
	Months           *int          `json:"months"`
	NominalEnd       string        `json:"nominal_end"`
	End              string        `json:"end"`
	Provisional      bool          `json:"provisional"`
	UnpublishedYears []int         `json:"unpublished_years"`
	HolidaysSkipped  []skippedJSON `json:"holidays_skipped"`
}

type skippedJSON struct {
	Date string  `json:"date"`
	Name *string `json:"name"`
}

func toPeriodJSON(p Period) periodJSON {
	out := periodJSON{Start: p.Start.String(), NominalEnd: p.NominalEnd.String(), End: p.End.String(),
		Provisional: p.Provisional, UnpublishedYears: p.Unpublished, HolidaysSkipped: []skippedJSON{}}
	if out.UnpublishedYears == nil {
		out.UnpublishedYears = []int{}
	}
	if p.Days > 0 {
		out.Days = &p.Days
	} else {
		out.Months = &p.Months
	}
	for _, d := range p.Skipped {
		out.HolidaysSkipped = append(out.HolidaysSkipped, skippedJSON{Date: d.Date.String(), Name: opt(d.Name)})
	}
	return out
}
