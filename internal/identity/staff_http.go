package identity

import (
	"net/http"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// staffRoutes registers the court-staff API: a court administrator manages
// the staff of their court.
func (h *HTTP) staffRoutes(mux web.Mux) {
	mux.HandleFunc("GET /api/v1/courts/{id}/staff", h.handleAPIStaff)
	mux.HandleFunc("POST /api/v1/courts/{id}/staff", h.handleAPIStaffGrant)
	mux.HandleFunc("DELETE /api/v1/courts/{id}/staff/{account}/{role}", h.handleAPIStaffRevoke)
}

type staffJSON struct {
	AccountID string      `json:"account_id"`
	Name      string      `json:"name"`
	Mobile    string      `json:"mobile"`
	Roles     []auth.Role `json:"roles"`
}

func (h *HTTP) handleAPIStaff(w http.ResponseWriter, r *http.Request) {
	list, err := h.S.Staff(r.Context(), r.PathValue("id"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	out := make([]staffJSON, 0, len(list))
	for _, m := range list {
		out = append(out, staffJSON{m.AccountID, m.Name, m.Mobile, m.Roles})
	}
	web.JSON(w, http.StatusOK, map[string]any{"staff": out})
}

func (h *HTTP) handleAPIStaffGrant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login   string `json:"login"`
		Role    string `json:"role"`
		Licence string `json:"licence"`
	}
	if err := web.DecodeJSON(r, &in); err != nil {
		web.Error(w, r, err)
		return
	}
	courtID := r.PathValue("id")
	if err := h.S.GrantRoleByLogin(r.Context(), in.Login, auth.Grant{CourtID: courtID, Role: auth.Role(in.Role), Licence: in.Licence}); err != nil {
		web.Error(w, r, err)
		return
	}
	h.handleAPIStaff(w, r)
}

func (h *HTTP) handleAPIStaffRevoke(w http.ResponseWriter, r *http.Request) {
	g := auth.Grant{CourtID: r.PathValue("id"), Role: auth.Role(r.PathValue("role"))}
	if err := h.S.RevokeRole(r.Context(), r.PathValue("account"), g); err != nil {
		web.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
