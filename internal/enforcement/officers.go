package enforcement

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// checkOfficers validates the officers of an acceptance.
func (s *Service) checkOfficers(ctx context.Context, courtID string, in AcceptInput) ([]Officer, error) {
	var v errs.Collector
	var out []Officer
	if in.Lead == "" {
		v.Add("lead", "required")
	} else {
		out = append(out, Officer{AccountID: in.Lead, Lead: true})
	}
	for _, o := range in.Officers {
		if o != "" && !slices.ContainsFunc(out, func(x Officer) bool { return x.AccountID == o }) {
			out = append(out, Officer{AccountID: o})
		}
	}
	if len(out) > 20 {
		v.Add("officers", "too_long", 20)
	}
	if s.deps.Roles != nil {
		for _, o := range out {
			ok, err := s.deps.Roles.HasRole(ctx, o.AccountID, courtID, auth.EnforcementOfficer)
			if err != nil {
				return nil, err
			}
			if !ok {
				field := "officers"
				if o.Lead {
					field = "lead"
				}
				v.Add(field, "enforcement_not_officer")
			}
		}
	}
	return out, v.Err()
}

// AssignOfficers replaces the officers of an enforcement case (filing
// officers and administrators of its court): the new 承办 and others, each
// an enforcement officer of the court. It records the node "officers
// changed" (法发〔2014〕18号 Art. 3(三): a change of officer is disclosed)
// with the reason. Errors: errs.Invalid (lead, officers, reason);
// errs.Forbidden.
func (s *Service) AssignOfficers(ctx context.Context, caseID string, in AcceptInput, reason string) (Record, error) {
	ctx = withActor(ctx)
	rec, err := loadRecord(ctx, s.db, caseID)
	if err != nil {
		return Record{}, err
	}
	st, err := s.authorize(ctx, caseID, casefile.NeedRecord, rec.Officers)
	if err != nil {
		return Record{}, err
	}
	p, _ := auth.From(ctx)
	if !p.Has(st.c.CourtID, auth.FilingOfficer, auth.CourtAdmin) && !p.Has("", auth.PlatformAdmin) {
		return Record{}, errs.New(errs.Forbidden, "enforcement.error.filing_only")
	}
	reason = strings.TrimSpace(reason)
	var v errs.Collector
	checkText(&v, "reason", reason, true, 500)
	officers, oerr := s.checkOfficers(ctx, st.c.CourtID, in)
	if e, ok := errs.As(oerr); ok {
		for _, fe := range e.Fields {
			v.AddField(fe)
		}
	} else if oerr != nil {
		return Record{}, oerr
	}
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	changed, _ := s.cat.Kind("officers_changed")
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM enforcement_officer WHERE court_id = ? AND case_id = ?`, st.c.CourtID, caseID); err != nil {
			return err
		}
		for i := range officers {
			officers[i].AssignedAt = tx.Now
			if err := insertOfficer(ctx, tx, st.c.CourtID, caseID, officers[i], st.userID); err != nil {
				return err
			}
		}
		n := Node{ID: ids.New(), CourtID: st.c.CourtID, CaseID: caseID, Kind: changed.Code, Catalogue: s.cat.Version,
			Fields: map[string]string{"reason": reason}, RecordedBy: st.userID, Disclosed: true}
		return s.writeNode(ctx, tx, st.c, &n, changed)
	})
	if err != nil {
		return Record{}, err
	}
	return s.caseFor(ctx, st)
}
