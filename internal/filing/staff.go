package filing

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/identity/idnum"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// QueueItem is an application in a court's filing queue.
type QueueItem struct {
	ID          string  `json:"id"`
	Status      Status  `json:"status"`
	Cause       string  `json:"cause"`
	Plaintiff   string  `json:"plaintiff"`
	Defendant   string  `json:"defendant"`
	FiledAs     FiledAs `json:"filed_as"`
	ClaimTotal  int64   `json:"claim_total_fen"`
	SubmittedAt string  `json:"submitted_at"`
	Clock       *Clock  `json:"clock"`
	Accepting   bool    `json:"accepting"`
	Corrections int     `json:"corrections"`
}

// Queue is a court's filing queue: the applications awaiting a decision,
// oldest first (by first submission), each with the days left of its
// 7-day period (overdue ones flagged), then those waiting for the
// litigant's correction.
type Queue struct {
	Pending    []QueueItem `json:"pending"`
	Correcting []QueueItem `json:"correcting"`
}

// ListQueue returns the filing queue of court courtID, for its filing
// staff (errs.Forbidden for others).
func (s *Service) ListQueue(ctx context.Context, courtID string) (Queue, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Queue{}, err
	}
	if !isFilingStaff(p, courtID) {
		return Queue{}, errs.New(errs.Forbidden, "filing.error.forbidden")
	}
	list, err := loadApps(ctx, s.db, `WHERE court_id = ? AND status IN (?, ?, ?) ORDER BY submitted_at, id`,
		courtID, Submitted, Resubmitted, CorrectionRequested)
	if err != nil {
		return Queue{}, err
	}
	now := s.db.Now()
	q := Queue{Pending: []QueueItem{}, Correcting: []QueueItem{}}
	for _, a := range list {
		s.clockOf(a, now)
		it := QueueItem{ID: a.ID, Status: a.Status, Cause: causeOf(a), FiledAs: a.FiledAs, ClaimTotal: a.ClaimTotalFen,
			Clock: a.Clock, Accepting: a.Accepting, Corrections: a.Corrections}
		if a.SubmittedAt != nil {
			it.SubmittedAt = a.SubmittedAt.Format("2006-01-02T15:04:05Z07:00")
		}
		for _, pt := range a.Parties {
			switch {
			case pt.Role == "plaintiff" && it.Plaintiff == "":
				it.Plaintiff = pt.Name
			case pt.Role == "defendant" && it.Defendant == "":
				it.Defendant = pt.Name
			}
		}
		if a.Status == CorrectionRequested {
			q.Correcting = append(q.Correcting, it)
		} else {
			q.Pending = append(q.Pending, it)
		}
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "filing.queue.read", CourtID: courtID, Detail: map[string]any{"count": len(list)}})
	})
	return q, err
}

// AssistedDraft starts an assisted filing: a clerk at the counter, or a
// shared-court director, files for a person who cannot go online.
type AssistedDraft struct {
	CourtID    string `json:"court_id"`
	TemplateID string `json:"template_id"`
	Name       string `json:"name"`
	IDType     string `json:"id_type"`
	IDNumber   string `json:"id_number"`
	Phone      string `json:"phone"`
	Address    string `json:"address"`
	// Consent must be true: the person agreed to have the complaint filed
	// online for them (Online Litigation Rules Art. 2(二), 4).
	Consent    bool   `json:"consent"`
	ConsentHow string `json:"consent_how"` // written (a signed paper, scanned before submitting) or oral (in the clerk's presence)
}

// CreateAssisted starts an assisted filing. The caller must be a filing
// officer, clerk or court administrator of the court, or a shared-court
// director. The person's identity is checked (a resident ID number must be
// valid, check digit included; the name is required) and their consent
// recorded; the person becomes the plaintiff, as a party without an
// account (linked later in casefile). The application then behaves like
// any other; the clerk edits and submits it.
func (s *Service) CreateAssisted(ctx context.Context, d AssistedDraft, once Once) (*Application, bool, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, false, err
	}
	if !p.Has(d.CourtID, assistRoles...) && !p.HasAnywhere(auth.SharedCourtDirector) && !p.Has("", auth.PlatformAdmin) {
		return nil, false, errs.New(errs.Forbidden, "filing.error.forbidden")
	}
	if id, ok, err := s.seenKey(ctx, p.UserID, once); err != nil || ok {
		return s.replayed(ctx, id, err)
	}
	var v errs.Collector
	s.checkCourt(ctx, &v, d.CourtID)
	t, terr := currentTemplate(d.TemplateID)
	if terr != nil {
		v.Add("template_id", "filing_template")
	}
	d.Name, d.IDNumber = strings.TrimSpace(d.Name), strings.TrimSpace(d.IDNumber)
	checkText(&v, "name", d.Name, true, 100)
	if d.IDType == "" {
		d.IDType = "resident_id"
	}
	person := Party{Role: "plaintiff", Kind: "person", Name: d.Name, IDType: d.IDType, Phone: d.Phone, Address: d.Address}
	switch d.IDType {
	case "resident_id":
		id, err := idnum.ParseResidentID(d.IDNumber, idnum.Options{Field: "id_number", Now: s.db.Now()})
		if err != nil {
			_ = collect(&v, "", err)
			if !v.Has("id_number") {
				v.Add("id_number", "format")
			}
		} else {
			person.IDNumber = id.Number
			person.BirthDate = id.Birth.Format("2006-01-02")
			person.Sex = id.Sex
		}
	case "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident":
		checkText(&v, "id_number", d.IDNumber, true, 64)
		person.IDNumber = d.IDNumber
	default:
		v.Add("id_type", "filing_id_type")
	}
	if !d.Consent {
		v.Add("consent", "filing_consent")
	}
	if d.ConsentHow != ConsentWritten && d.ConsentHow != ConsentOral {
		v.Add("consent_how", "filing_consent_how")
	}
	checkText(&v, "phone", d.Phone, false, 32)
	checkText(&v, "address", d.Address, false, 500)
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	a := &Application{ID: ids.New(), CourtID: d.CourtID, AccountID: p.UserID, FiledAs: AsAssisted, TemplateID: t.ID,
		TemplateVersion: t.Version, Answers: map[string]string{}, Parties: []Party{person}, Status: Draft,
		Assisted: &Assisted{ClerkID: p.UserID, PersonName: d.Name, IDType: d.IDType, IDNumber: person.IDNumber,
			Consent: d.Consent, ConsentHow: d.ConsentHow}}
	appID, replayed, err := s.once(ctx, p.UserID, once, "create", 201, func(tx *sqldb.Tx) (string, error) {
		a.CreatedAt, a.UpdatedAt, a.Assisted.CheckedAt = tx.Now, tx.Now, tx.Now
		if err := insertApp(ctx, tx, a); err != nil {
			return "", err
		}
		detail := map[string]any{"template_id": a.TemplateID, "assisted": true, "consent_how": d.ConsentHow}
		if err := addEvent(ctx, tx, a, "created", detail); err != nil {
			return "", err
		}
		if err := addEvent(ctx, tx, a, "consent_recorded", map[string]any{"how": d.ConsentHow}); err != nil {
			return "", err
		}
		return a.ID, audit.Append(ctx, tx, audit.Record{Action: "filing.application.create_assisted", CourtID: a.CourtID,
			Target: a.ID, Detail: detail})
	})
	if err != nil {
		return nil, false, err
	}
	a, err = s.Get(ctx, appID)
	return a, replayed, err
}

// CorrectionItems lists the codes of the correction checklist.
func (s *Service) CorrectionItems() []string { return slices.Clone(s.cfg.CorrectionItems) }
