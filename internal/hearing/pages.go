package hearing

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Pages registers the hearing HTML pages on mux, rendered by rd (which must
// include Templates under the namespace "hearing", and whose assets must
// include Static as "hearing/…" and "vendor/livekit-client.umd.js"):
//
//	GET  /cases/{id}/hearings                the schedule form and the case's hearings (case staff)
//	POST /cases/{id}/hearings                schedule
//	POST /cases/{id}/hearings/{hid}/cancel   cancel with a reason
//	GET /hearings/self-test     device self-test (camera, microphone, bandwidth); no sign-in needed
//	GET /hearings/{id}/room     the hearing room (participants; the API does the identity re-check)
//	GET /hearings/public        public hearings (no sign-in)
//	GET /hearings/{id}/live     the public livestream of one public hearing (no sign-in)
func (s *Service) Pages(mux web.Mux, rd *web.Renderer) {
	p := &pages{s: s, rd: rd}
	mux.HandleFunc("GET /cases/{id}/hearings", p.handleSchedule)
	mux.HandleFunc("POST /cases/{id}/hearings", p.handleSchedulePost)
	mux.HandleFunc("POST /cases/{id}/hearings/{hid}/cancel", p.handleCancelPost)
	mux.HandleFunc("GET /hearings/self-test", p.handleSelfTest)
	mux.HandleFunc("GET /hearings/{id}/room", p.handleRoom)
	mux.HandleFunc("GET /hearings/public", p.handlePublic)
	mux.HandleFunc("GET /hearings/{id}/live", p.handleLive)
}

type pages struct {
	s  *Service
	rd *web.Renderer
}

func (p *pages) handleSelfTest(w http.ResponseWriter, r *http.Request) {
	p.rd.Render(w, r, http.StatusOK, "hearing/selftest", nil)
}

// RoomPage is the Data of "hearing/room". Panel is whether the viewer is
// on the bench or the clerk (the control panel is rendered only for them;
// the API still checks every action).
type RoomPage struct {
	Hearing Hearing
	Panel   bool
	// States are the participant states, whose labels the panel keeps
	// for the live updates.
	States []State
}

func (p *pages) handleRoom(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	h, err := p.s.FindRoom(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	pr, _ := auth.From(r.Context())
	me, _ := participantOf(h, func(q Participant) bool { return q.AccountID == pr.UserID })
	p.rd.Render(w, r, http.StatusOK, "hearing/room", RoomPage{Hearing: h, Panel: me.Kind.staff(), States: States})
}

func (p *pages) handlePublic(w http.ResponseWriter, r *http.Request) {
	hs, err := p.s.PublicHearings(r.Context())
	if err != nil {
		web.Error(w, r, err)
		return
	}
	p.rd.Render(w, r, http.StatusOK, "hearing/public", hs)
}

// LivePage is the Data of "hearing/live".
type LivePage struct {
	Hearing Hearing
	Entry   Entry
}

func (p *pages) handleLive(w http.ResponseWriter, r *http.Request) {
	e, err := p.s.LiveToken(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h, err := loadHearing(r.Context(), p.s.db, r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	h.Participants = publicView(h.Participants)
	w.Header().Set("Cache-Control", "no-store")
	p.rd.Render(w, r, http.StatusOK, "hearing/live", LivePage{Hearing: h, Entry: e})
}

// SchedulePage is the Data of "hearing/schedule".
type SchedulePage struct {
	Case           casefile.Case
	Hearings       []Hearing
	PrivateReasons []string
	Exclusions     []string
	Values         map[string]string
	Err            error
}

func signedIn(w http.ResponseWriter, r *http.Request) bool {
	if _, ok := auth.From(r.Context()); ok {
		return true
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

func (p *pages) schedule(w http.ResponseWriter, r *http.Request, status int, vals map[string]string, err error) {
	c, _, aerr := p.s.staffOf(r.Context(), r.PathValue("id"))
	if aerr != nil {
		web.Error(w, r, aerr)
		return
	}
	hs, lerr := p.s.ListForCase(r.Context(), c.ID)
	if lerr != nil {
		web.Error(w, r, lerr)
		return
	}
	if vals == nil {
		vals = map[string]string{"duration_minutes": "120", "public": "1", "judge_ids": c.Assignment.JudgeID, "clerk_id": c.Assignment.ClerkID}
	}
	p.rd.Render(w, r, status, "hearing/schedule", SchedulePage{Case: c, Hearings: hs, PrivateReasons: PrivateReasons,
		Exclusions: ExclusionGrounds, Values: vals, Err: err})
}

func (p *pages) handleSchedule(w http.ResponseWriter, r *http.Request) {
	if signedIn(w, r) {
		p.schedule(w, r, http.StatusOK, nil, nil)
	}
}

// splitIDs reads a list of account IDs separated by commas or spaces.
func splitIDs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' })
}

func (p *pages) handleSchedulePost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if err := r.ParseForm(); err != nil {
		web.Error(w, r, errs.Wrap(errs.Invalid, "", err))
		return
	}
	vals := map[string]string{}
	for k := range r.PostForm {
		vals[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	nh := NewHearing{CaseID: r.PathValue("id"), Courtroom: vals["courtroom"], JudgeIDs: splitIDs(vals["judge_ids"]),
		AssessorIDs: splitIDs(vals["assessor_ids"]), ClerkID: vals["clerk_id"], Public: vals["public"] == "1",
		PrivateReason: vals["private_reason"], Exclusion: vals["online_exclusion"], ExclusionNote: vals["exclusion_note"],
		Modes: map[string]Mode{}}
	var v errs.Collector
	if t, err := time.ParseInLocation("2006-01-02T15:04", vals["starts_at"], clock.China); err == nil {
		nh.StartsAt = t
	} else {
		v.Add("starts_at", "required")
	}
	if n, err := strconv.Atoi(vals["duration_minutes"]); err == nil {
		nh.DurationMinutes = n
	} else {
		v.Add("duration_minutes", "hearing_duration")
	}
	for k, val := range vals {
		if pid, ok := strings.CutPrefix(k, "mode_"); ok && val != "" {
			nh.Modes[pid] = Mode(val)
		}
	}
	err := v.Err()
	if err == nil {
		_, err = p.s.Schedule(r.Context(), nh)
	}
	if err != nil {
		p.schedule(w, r, web.StatusOf(err), vals, err)
		return
	}
	web.SetFlash(w, r, "hearing.flash.scheduled")
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"/hearings", http.StatusSeeOther)
}

func (p *pages) handleCancelPost(w http.ResponseWriter, r *http.Request) {
	if !signedIn(w, r) {
		return
	}
	if _, err := p.s.Cancel(r.Context(), r.PathValue("hid"), r.FormValue("reason")); err != nil {
		p.schedule(w, r, web.StatusOf(err), nil, err)
		return
	}
	web.SetFlash(w, r, "hearing.flash.cancelled")
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"/hearings", http.StatusSeeOther)
}
