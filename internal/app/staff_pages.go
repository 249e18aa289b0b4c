package app

import (
	"net/http"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web"
)

type peoplePage struct {
	Court   court.Court
	Staff   []identity.StaffMember
	CanEdit bool
	Roles   []auth.Role
	Values  map[string]string
	Err     error
}

// handlePeople lists a court's staff; its administrators grant and revoke
// roles there.
func (p *portal) handlePeople(w http.ResponseWriter, r *http.Request) {
	p.renderPeople(w, r, http.StatusOK, nil, map[string]string{})
}

func (p *portal) renderPeople(w http.ResponseWriter, r *http.Request, status int, formErr error, values map[string]string) {
	if !identity.RequirePage(w, r) {
		return
	}
	ctx := r.Context()
	pr, _ := auth.From(ctx)
	ct, err := p.a.svc.court.Find(ctx, r.PathValue("court"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	staff, err := p.a.svc.identity.Staff(ctx, ct.ID)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	var roles []auth.Role
	for _, ro := range auth.AllRoles {
		if ro.CourtScoped() {
			roles = append(roles, ro)
		}
	}
	p.rd.Render(w, r, status, "portal/people", peoplePage{Court: ct, Staff: staff, Roles: roles, Values: values, Err: formErr,
		CanEdit: pr.Has(ct.ID, auth.CourtAdmin) || pr.Has("", auth.PlatformAdmin)})
}

func (p *portal) handlePeopleGrant(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	courtID := r.PathValue("court")
	v := map[string]string{"login": r.PostFormValue("login"), "role": r.PostFormValue("role")}
	err := p.a.svc.identity.GrantRoleByLogin(r.Context(), v["login"], auth.Grant{CourtID: courtID, Role: auth.Role(v["role"])})
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			p.renderPeople(w, r, web.StatusOf(err), err, v)
			return
		}
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "portal.people.granted")
	http.Redirect(w, r, "/staff/courts/"+courtID+"/people", http.StatusSeeOther)
}

func (p *portal) handlePeopleRevoke(w http.ResponseWriter, r *http.Request) {
	if !identity.RequirePage(w, r) {
		return
	}
	courtID := r.PathValue("court")
	g := auth.Grant{CourtID: courtID, Role: auth.Role(r.PostFormValue("role"))}
	if err := p.a.svc.identity.RevokeRole(r.Context(), r.PostFormValue("account"), g); err != nil {
		web.Error(w, r, err)
		return
	}
	web.SetFlash(w, r, "portal.people.revoked")
	http.Redirect(w, r, "/staff/courts/"+courtID+"/people", http.StatusSeeOther)
}
