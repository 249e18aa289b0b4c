package filing

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// NewDraft starts an application.
type NewDraft struct {
	CourtID         string            `json:"court_id"`
	TemplateID      string            `json:"template_id"`
	FiledAs         FiledAs           `json:"filed_as,omitempty"`
	ClientAccountID string            `json:"client_account_id,omitempty"`
	Answers         map[string]string `json:"answers,omitempty"`
	Parties         []Party           `json:"parties,omitempty"`
	Representative  *Representative   `json:"representative,omitempty"`
}

// Changes edits a draft (or an application under correction); nil fields
// stay as they are.
type Changes struct {
	Answers         map[string]string `json:"answers"`
	Parties         *[]Party          `json:"parties"`
	Representative  *Representative   `json:"representative"`
	ClientAccountID *string           `json:"client_account_id"`
}

// Once makes a creating or submitting request idempotent. Key (with
// RequestHash, a digest of the request) is an API Idempotency-Key, kept per
// account; FormToken is the one-time token of an HTML form (see FormToken).
// The zero Once does nothing.
type Once struct {
	Key         string
	RequestHash string
	FormToken   string
}

// CreateDraft starts an application at a court with the current version of
// a template, for a real-name verified account (auth.RequireVerified). It
// checks only what must hold from the start (the court, the template, the
// standing, sizes); everything else is checked at Submit and shown by
// Check. With once, a retried request returns the application the first
// one created (replayed true) instead of creating another; a different
// request under the same Idempotency-Key is an errs.Conflict.
func (s *Service) CreateDraft(ctx context.Context, d NewDraft, once Once) (a *Application, replayed bool, err error) {
	p, err := auth.RequireVerified(ctx)
	if err != nil {
		return nil, false, err
	}
	if id, ok, err := s.seenKey(ctx, p.UserID, once); err != nil || ok {
		return s.replayed(ctx, id, err)
	}
	if a, err = s.newDraft(ctx, p.UserID, d); err != nil {
		return nil, false, err
	}
	appID, replayed, err := s.once(ctx, p.UserID, once, "create", 201, func(tx *sqldb.Tx) (string, error) {
		rec, err := createInTx(ctx, tx, a)
		if err != nil {
			return "", err
		}
		return a.ID, audit.Append(ctx, tx, rec)
	})
	if err != nil {
		return nil, false, err
	}
	if replayed {
		a, err = s.reload(ctx, appID)
		return a, true, err
	}
	// The new draft is exactly what was just written: no need to read it back.
	a.Evidence, a.Notices = []Evidence{}, []Notice{}
	s.clockOf(a, a.CreatedAt)
	return a, false, nil
}

// newDraft checks what must hold of a draft from the start (the court, the
// template, the standing, sizes) and returns it, not yet stored.
func (s *Service) newDraft(ctx context.Context, account string, d NewDraft) (*Application, error) {
	var v errs.Collector
	s.checkCourt(ctx, &v, d.CourtID)
	t, terr := currentTemplate(d.TemplateID)
	if terr != nil {
		v.Add("template_id", "filing_template")
	}
	if d.FiledAs == "" {
		d.FiledAs = AsSelf
	}
	if !slices.Contains(FiledAsValues, d.FiledAs) {
		v.Add("filed_as", "filing_filed_as")
	}
	checkContent(&v, d.Answers, d.Parties, d.Representative)
	if err := v.Err(); err != nil {
		return nil, err
	}
	a := &Application{ID: ids.New(), CourtID: d.CourtID, AccountID: account, FiledAs: d.FiledAs, ClientAccountID: d.ClientAccountID,
		TemplateID: t.ID, TemplateVersion: t.Version, Cause: t.Cause, Answers: d.Answers, Parties: d.Parties,
		Representative: d.Representative, Status: Draft}
	if a.Answers == nil {
		a.Answers = map[string]string{}
	}
	if a.Parties == nil {
		a.Parties = []Party{}
	}
	if a.FiledAs != AsSelf && a.Representative == nil {
		a.Representative = &Representative{}
	}
	if a.FiledAs == AsSelf {
		a.Representative = nil
	}
	return a, nil
}

// createInTx writes a new draft and its timeline entry in tx, and returns
// the audit record the caller appends.
func createInTx(ctx context.Context, tx *sqldb.Tx, a *Application) (audit.Record, error) {
	a.CreatedAt, a.UpdatedAt = tx.Now, tx.Now
	if err := insertApp(ctx, tx, a); err != nil {
		return audit.Record{}, err
	}
	if err := addEvent(ctx, tx, a, "created", map[string]any{"template_id": a.TemplateID, "template_version": a.TemplateVersion}); err != nil {
		return audit.Record{}, err
	}
	return audit.Record{Action: "filing.application.create", CourtID: a.CourtID, Target: a.ID,
		Detail: map[string]any{"template_id": a.TemplateID, "filed_as": a.FiledAs}}, nil
}

// checkCourt checks that the court exists and is active.
func (s *Service) checkCourt(ctx context.Context, v *errs.Collector, courtID string) {
	if courtID == "" {
		v.Add("court_id", "required")
		return
	}
	c, err := s.deps.Courts.Find(ctx, courtID)
	if err != nil || !c.Active {
		v.Add("court_id", "filing_court")
	}
}

// checkContent checks sizes and shapes that hold for every draft.
func checkContent(v *errs.Collector, answers map[string]string, parties []Party, rep *Representative) {
	if len(answers) > 200 {
		v.Add("answers", "filing_too_many")
	}
	for k, val := range answers {
		if len(k) > 64 {
			v.Add("answers", "filing_answer_name")
		}
		checkText(v, "answers."+k, val, false, 20000)
	}
	if len(parties) > 50 {
		v.Add("parties", "filing_too_many")
	}
	for i, p := range parties {
		pre := partyField(i, "")
		for _, f := range []struct {
			name, val string
			max       int
		}{{"role", p.Role, 20}, {"kind", p.Kind, 20}, {"name", p.Name, 200}, {"sex", p.Sex, 4}, {"ethnicity", p.Ethnicity, 20},
			{"birth_date", p.BirthDate, 10}, {"id_type", p.IDType, 40}, {"id_number", p.IDNumber, 64}, {"address", p.Address, 500},
			{"phone", p.Phone, 32}, {"legal_rep", p.LegalRep, 200}, {"legal_rep_title", p.LegalRepTitle, 50},
			{"occupation", p.Occupation, 100}, {"employer", p.Employer, 200}} {
			checkText(v, pre+f.name, f.val, false, f.max)
		}
		if p.BirthDate != "" {
			if _, err := time.Parse("2006-01-02", p.BirthDate); err != nil && !v.Has(pre+"birth_date") {
				v.Add(pre+"birth_date", "date")
			}
		}
	}
	if rep != nil {
		checkText(v, "representative.name", rep.Name, false, 200)
		checkText(v, "representative.licence_no", rep.LicenceNo, false, 32)
		checkText(v, "representative.firm", rep.Firm, false, 200)
		checkText(v, "representative.phone", rep.Phone, false, 32)
	}
}

// partyField names a party's field in errors: "parties[0].name".
func partyField(i int, field string) string {
	return "parties[" + strconv.Itoa(i) + "]." + field
}

// Update changes an application the filer may still edit (a draft, or one
// under correction). Answers are merged (an empty value removes one);
// parties and the representative are replaced when given.
func (s *Service) Update(ctx context.Context, id string, c Changes) (*Application, error) {
	a, err := s.loadForEdit(ctx, id)
	if err != nil {
		return nil, err
	}
	for k, v := range c.Answers {
		if strings.TrimSpace(v) == "" {
			delete(a.Answers, k)
		} else {
			a.Answers[k] = v
		}
	}
	if c.Parties != nil {
		a.Parties = *c.Parties
		if a.Parties == nil {
			a.Parties = []Party{}
		}
	}
	if c.Representative != nil && a.FiledAs != AsSelf && a.FiledAs != AsAssisted {
		a.Representative = c.Representative
	}
	if c.ClientAccountID != nil {
		a.ClientAccountID = *c.ClientAccountID
	}
	var v errs.Collector
	checkContent(&v, a.Answers, a.Parties, a.Representative)
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := checkEditable(ctx, tx, a); err != nil {
			return err
		}
		if err := saveContent(ctx, tx, a); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "filing.application.update", CourtID: a.CourtID, Target: a.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.reload(ctx, id)
}

// Get returns an application the caller may read, with its evidence,
// correction notices and clock. The read is audited.
func (s *Service) Get(ctx context.Context, id string) (*Application, error) {
	var a *Application
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if a, err = s.authorize(ctx, tx, id, needRead); err != nil {
			return err
		}
		a.Cause = causeOf(a)
		s.clockOf(a, tx.Now)
		return audit.Append(ctx, tx, audit.Record{Action: "filing.application.read", CourtID: a.CourtID, CaseID: a.CaseID, Target: a.ID})
	})
	if err != nil {
		s.auditDenied(ctx, id, "filing.application.denied", err)
		return nil, err
	}
	return a, nil
}

// reload returns an application the request has just changed, through the
// access check but without a read entry of its own: the change it follows
// was audited in its own transaction, and a second write transaction per
// request would halve the single SQLite writer's throughput.
func (s *Service) reload(ctx context.Context, id string) (*Application, error) {
	a, err := s.authorize(ctx, s.db, id, needRead)
	if err != nil {
		return nil, err
	}
	a.Cause = causeOf(a)
	s.clockOf(a, s.db.Now())
	return a, nil
}

// Timeline returns an application's timeline, oldest first.
func (s *Service) Timeline(ctx context.Context, id string) ([]Event, error) {
	a, err := s.authorize(ctx, s.db, id, needRead)
	if err != nil {
		return nil, err
	}
	return loadTimeline(ctx, s.db, a.CourtID, a.ID)
}

func causeOf(a *Application) string {
	if t, err := findTemplate(a.TemplateID, a.TemplateVersion); err == nil {
		return t.Cause
	}
	return ""
}

// ListMine lists the applications the signed-in person filed, or of which
// they are the linked client, newest first (at most 200).
func (s *Service) ListMine(ctx context.Context) ([]*Application, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	list, err := loadApps(ctx, s.db, `WHERE account_id = ? OR client_account_id = ? ORDER BY created_at DESC, id DESC LIMIT 200`,
		p.UserID, p.UserID)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	for _, a := range list {
		a.Cause = causeOf(a)
		s.clockOf(a, now)
	}
	if list == nil {
		list = []*Application{}
	}
	return list, nil
}

// Check returns every problem that would stop a submission (an
// errs.Invalid error with one field error per problem, in plain words for
// the page to show next to each field), or nil; and the warnings, which do
// not stop it.
func (s *Service) Check(ctx context.Context, id string) (problems error, warnings []Warning, err error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	now := s.db.Now()
	return s.check(ctx, a, now), s.warnings(ctx, a, now), nil
}

// check collects every problem of a at once.
func (s *Service) check(ctx context.Context, a *Application, now time.Time) error {
	var v errs.Collector
	s.checkCourt(ctx, &v, a.CourtID)
	t, err := findTemplate(a.TemplateID, a.TemplateVersion)
	if err != nil {
		return err
	}
	if err := collect(&v, "answers.", t.Validate(complaint.Answers(a.Answers), now)); err != nil {
		return err
	}
	if err := collect(&v, "", validateParties(t, a, now)); err != nil {
		return err
	}
	checkContent(&v, a.Answers, a.Parties, a.Representative)
	count := func(role string) int {
		n := 0
		for _, e := range a.Evidence {
			if e.Role == role {
				n++
			}
		}
		return n
	}
	if evidenceRequired(t) && count(RoleEvidence) == 0 {
		// 民诉法 Art. 124(四): the complaint states the evidence and its source.
		v.Add("evidence", "filing_evidence_required")
	}
	switch a.FiledAs {
	case AsLawyer, AsAgent:
		r := a.Representative
		if r == nil {
			r = &Representative{}
		}
		checkText(&v, "representative.name", r.Name, true, 200)
		if a.FiledAs == AsLawyer {
			// 律师法 Art. 5: a lawyer acts under a practising licence.
			checkText(&v, "representative.licence_no", r.LicenceNo, true, 32)
			checkText(&v, "representative.firm", r.Firm, true, 200)
		}
		if r.Client < 0 || r.Client >= len(a.Parties) || a.Parties[r.Client].Role != "plaintiff" {
			v.Add("representative.client", "filing_client")
		}
		// 民诉法 Art. 62: an agent submits a power of attorney signed by the client.
		if count(RolePowerOfAttorney) == 0 {
			v.Add("power_of_attorney", "filing_power_of_attorney")
		}
	case AsAssisted:
		as := a.Assisted
		if as == nil || !as.Consent {
			v.Add("consent", "filing_consent")
		} else if as.ConsentHow == ConsentWritten && count(RoleConsent) == 0 {
			v.Add("consent", "filing_consent_scan")
		}
	}
	return v.Err()
}
