package filing

import (
	"context"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// need is what a caller wants to do with an application.
type need int

const (
	needRead   need = iota // see it, its evidence and its timeline
	needEdit               // change it and submit it: the filer (or the assisting clerk)
	needDecide             // accept, request correction, reject: the court's filing staff
)

// filingStaff are the roles that handle filings at a court.
var filingStaff = []auth.Role{auth.FilingOfficer, auth.CourtAdmin}

// assistRoles may file for a person at the counter (a clerk or filing
// officer of the court) or at a shared court (its director).
var assistRoles = []auth.Role{auth.FilingOfficer, auth.Clerk, auth.CourtAdmin, auth.SharedCourtDirector}

// isFilingStaff reports whether p handles filings at court.
func isFilingStaff(p auth.Principal, court string) bool {
	return court != "" && p.Has(court, filingStaff...)
}

// authorize is the one access check of the filing context: it loads the
// application inside tx and returns it when the principal may do n with it.
//
//   - the filer (account_id; for an assisted filing the clerk who filed it):
//     read and edit;
//   - the client of a lawyer or agent, when their account is linked: read;
//   - the filing officers and court administrators of the application's
//     court: read and decide (not edit: the court never changes a filing).
//
// Errors: errs.Unauthenticated without a principal; errs.NotFound when the
// application does not exist or the principal has no standing in it (an
// outsider cannot probe IDs); errs.Forbidden with standing but not for n.
func (s *Service) authorize(ctx context.Context, tx sqldb.Querier, id string, n need) (*Application, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	a, err := loadApp(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	owner := a.AccountID == p.UserID
	client := a.ClientAccountID != "" && a.ClientAccountID == p.UserID
	staff := isFilingStaff(p, a.CourtID)
	switch {
	case n == needRead && (owner || client || staff):
		return a, nil
	case n == needEdit && owner:
		return a, nil
	case n == needDecide && staff:
		return a, nil
	case owner || client || staff:
		return nil, errs.New(errs.Forbidden, "filing.error.forbidden")
	}
	return nil, notFound()
}

// auditDenied records a refused access to an existing application in a
// transaction of its own.
func (s *Service) auditDenied(ctx context.Context, appID, action string, err error) {
	code := errs.CodeOf(err)
	if code != errs.Forbidden && code != errs.NotFound {
		return
	}
	court, qerr := courtOfApp(ctx, s.db, appID)
	if qerr != nil {
		return
	}
	_ = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: action, CourtID: court, Target: appID, Detail: map[string]any{"code": code}})
	})
}

// loadForEdit loads an application the caller may edit, in a state that
// allows editing.
func (s *Service) loadForEdit(ctx context.Context, id string) (*Application, error) {
	a, err := s.authorize(ctx, s.db, id, needEdit)
	if err != nil {
		return nil, err
	}
	if !a.Status.Editable() {
		return nil, errs.New(errs.Conflict, "filing.error.not_editable")
	}
	return a, nil
}

// checkEditable re-reads the status inside tx.
func checkEditable(ctx context.Context, tx *sqldb.Tx, a *Application) error {
	var st Status
	if err := tx.QueryRow(ctx, `SELECT status FROM filing_application WHERE court_id = ? AND id = ?`, a.CourtID, a.ID).Scan(&st); err != nil {
		return err
	}
	if !st.Editable() {
		return errs.New(errs.Conflict, "filing.error.not_editable")
	}
	return nil
}
