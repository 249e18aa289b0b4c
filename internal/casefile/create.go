package casefile

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// NewCase is what Create needs to open a case.
type NewCase struct {
	CourtID      string
	SpecCode     string // 专门审判代字, "" for none
	TypeCode     string // 类型代字, valid on the day of creation
	Cause        string // 案由
	CauseCode    string // the 案由 number in the SPC's cause list (e.g. "103(3)"), optional
	Procedure    Procedure
	ParentCaseID string // the first-instance case of an appeal (or the original of a retrial)
	// Origin, when set, makes Create idempotent: it names what the case
	// comes from ("filing:<application id>"), and a second Create with the
	// same court and origin returns the case the first one made instead of
	// opening another. The creating context retries with it after a crash.
	Origin  string
	Parties []NewParty
	// Representatives name their party by PartyIndex, an index into Parties.
	Representatives []NewRepresentative
}

// NewParty describes a party to add.
type NewParty struct {
	Role      PartyRole
	Kind      PartyKind
	Name      string
	IDType    string
	IDNumber  string
	Phone     string
	Address   string
	AccountID string
}

// NewRepresentative describes a representative to add. PartyIndex is used
// by Create only (AddRepresentative takes the party's ID).
type NewRepresentative struct {
	PartyIndex int
	Kind       RepresentativeKind
	Name       string
	AccountID  string
	LicenceNo  string
	Firm       string
	Phone      string
}

// RandomNumberTypes are the type codes numbered at random instead of in
// sequence: 法〔2015〕137号 Art. 10, 刑事复核案件的编号以8位自然数为固定长度，
// 由承办法院随机确定，且不得依序编制.
var RandomNumberTypes = []string{"刑核"}

// Create opens a case: it validates every field at once (errs.Invalid with
// one field error per problem), allocates the case number in the court's
// sequence for the type, the 专门审判代字 and the year of 收案 (today in
// China time), and writes the case, its parties and representatives, the
// timeline entry "case.created", the outbox event
// ecourt.casefile.case.created and the audit entry casefile.case.create in
// one transaction. The case starts in status filed.
//
// The caller must be a filing officer or court administrator of the court,
// a platform administrator, or run in an AsSystem context (see
// CreateAsSystem); otherwise errs.Forbidden (errs.Unauthenticated without a
// principal).
func (s *Service) Create(ctx context.Context, nc NewCase) (Case, error) {
	ctx = withActor(ctx)
	if !isSystem(ctx) {
		if _, err := auth.RequireRole(ctx, nc.CourtID, auth.FilingOfficer, auth.CourtAdmin); err != nil {
			if errs.CodeOf(err) == errs.Forbidden {
				return Case{}, errs.New(errs.Forbidden, "casefile.error.forbidden")
			}
			return Case{}, err
		}
	}
	var court CourtRef
	var courtErr error
	if nc.CourtID != "" {
		court, courtErr = s.courts.CaseCourt(ctx, nc.CourtID)
		if courtErr != nil && errs.CodeOf(courtErr) != errs.NotFound {
			return Case{}, courtErr
		}
	}
	actor := audit.ActorFrom(ctx).UserID
	var c Case
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var v errs.Collector
		switch {
		case nc.CourtID == "":
			v.Add("court_id", "required")
		case courtErr != nil:
			v.Add("court_id", "casefile_court_unknown")
		case !ValidCourtCode(court.Code):
			return fmt.Errorf("casefile: court %s has an invalid 法院代字 %q", nc.CourtID, court.Code)
		}
		ct := validateNewCase(ctx, tx, &v, nc)
		if err := v.Err(); err != nil {
			return err
		}
		if nc.Origin != "" {
			var id string
			err := tx.QueryRow(ctx, `SELECT id FROM casefile_case WHERE court_id = ? AND origin = ?`, nc.CourtID, nc.Origin).Scan(&id)
			if err == nil {
				existing, err := loadCase(ctx, tx, id)
				c = existing
				return err
			}
			if errs.CodeOf(err) != errs.NotFound {
				return err
			}
		}
		year := tx.Now.In(clock.China).Year() // 收案年度 (Art. 2)
		seq, err := allocate(ctx, tx, nc.CourtID, court.Code, nc.SpecCode, nc.TypeCode, year)
		if err != nil {
			return err
		}
		c = Case{
			ID: ids.New(), CourtID: nc.CourtID, CourtCode: court.Code, Year: year, Seq: seq,
			SpecCode: nc.SpecCode, TypeCode: nc.TypeCode, TypeClass: ct.Class, Cause: nc.Cause, CauseCode: nc.CauseCode,
			Procedure: nc.Procedure, Status: Filed, ParentCaseID: nc.ParentCaseID, CreatedBy: actor,
			CreatedAt: tx.Now, UpdatedAt: tx.Now, Parties: []Party{}, Representatives: []Representative{},
		}
		c.Number = c.ParsedNumber().String()
		if err := insertCase(ctx, tx, c, nc.Origin); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return errs.Wrap(errs.Conflict, "casefile.error.number_taken", err)
			}
			return err
		}
		for i, np := range nc.Parties {
			p := newParty(np)
			if err := insertParty(ctx, tx, c.CourtID, c.ID, i, p); err != nil {
				return err
			}
			c.Parties = append(c.Parties, p)
		}
		for _, nr := range nc.Representatives {
			r := newRepresentative(nr, c.Parties[nr.PartyIndex].ID)
			if err := insertRepresentative(ctx, tx, c.CourtID, c.ID, r); err != nil {
				return err
			}
			c.Representatives = append(c.Representatives, r)
		}
		if err := insertEvent(ctx, tx, c.CourtID, Event{ID: ids.New(), CaseID: c.ID, Type: "case.created", At: tx.Now,
			ActorID: actor, Detail: jsonDetail(map[string]any{"number": c.Number})}); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, "ecourt.casefile.case.created", c, createdPayload(c)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "casefile.case.create", CourtID: c.CourtID, CaseID: c.ID,
			Detail: map[string]any{"number": c.Number}})
	})
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

// CreateAsSystem is Create for the filing context once it has accepted an
// application (and for imports): it skips the role check, and the audit
// entry names the actor of ctx, if any, else the system.
func (s *Service) CreateAsSystem(ctx context.Context, nc NewCase) (Case, error) {
	return s.Create(AsSystem(ctx), nc)
}

// allocate returns the case's 案件编号: the next in the sequence, or for
// RandomNumberTypes a random unused 8-digit number.
func allocate(ctx context.Context, tx *sqldb.Tx, courtID, courtCode, spec, typ string, year int) (int64, error) {
	if !slices.Contains(RandomNumberTypes, typ) {
		return nextSeq(ctx, tx, courtID, courtCode, spec, typ, year)
	}
	for range 20 {
		n, err := rand.Int(rand.Reader, big.NewInt(90_000_000))
		if err != nil {
			return 0, err
		}
		seq := 10_000_000 + n.Int64() // 8 digits, no leading zero
		ok, err := reserveRandom(ctx, tx, courtID, courtCode, spec, typ, year, seq)
		if err != nil || ok {
			return seq, err
		}
	}
	return 0, errs.New(errs.Unavailable, "casefile.error.number_exhausted")
}

func newParty(np NewParty) Party {
	return Party{ID: ids.New(), Role: np.Role, Kind: np.Kind, Name: np.Name, IDType: np.IDType, IDNumber: np.IDNumber,
		Phone: np.Phone, Address: np.Address, AccountID: np.AccountID}
}

func newRepresentative(nr NewRepresentative, partyID string) Representative {
	return Representative{ID: ids.New(), PartyID: partyID, Kind: nr.Kind, Name: nr.Name, AccountID: nr.AccountID,
		LicenceNo: nr.LicenceNo, Firm: nr.Firm, Phone: nr.Phone}
}

// createdPayload is the event payload: no identity or phone numbers.
func createdPayload(c Case) map[string]any {
	parties := make([]map[string]any, 0, len(c.Parties))
	for _, p := range c.Parties {
		parties = append(parties, map[string]any{"id": p.ID, "role": p.Role, "kind": p.Kind, "name": p.Name, "account_id": p.AccountID})
	}
	reps := make([]map[string]any, 0, len(c.Representatives))
	for _, r := range c.Representatives {
		reps = append(reps, map[string]any{"id": r.ID, "party_id": r.PartyID, "kind": r.Kind, "account_id": r.AccountID})
	}
	return map[string]any{"id": c.ID, "number": c.Number, "court_id": c.CourtID, "spec_code": c.SpecCode,
		"type_code": c.TypeCode, "type_class": c.TypeClass, "cause": c.Cause, "cause_code": c.CauseCode,
		"procedure": c.Procedure, "status": c.Status, "parent_case_id": c.ParentCaseID,
		"parties": parties, "representatives": reps}
}

var causeCodeRE = regexp.MustCompile(`^[0-9A-Za-z.()\-]{1,20}$`)

// validateNewCase checks every field of nc on the transaction's date and
// returns the case type.
func validateNewCase(ctx context.Context, tx *sqldb.Tx, v *errs.Collector, nc NewCase) CaseType {
	var ct CaseType
	switch {
	case nc.TypeCode == "":
		v.Add("type_code", "required")
	default:
		var ok bool
		if ct, ok = LookupType(nc.TypeCode, tx.Now); !ok {
			// A code that exists only in another version (民破 after 2016-08-01).
			v.Add("type_code", "casefile_type_code")
		}
	}
	if nc.SpecCode != "" {
		if _, ok := LookupSpec(nc.SpecCode, tx.Now); !ok {
			v.Add("spec_code", "casefile_spec_code")
		}
	}
	checkText(v, "cause", nc.Cause, true, 200)
	if nc.CauseCode != "" && !causeCodeRE.MatchString(nc.CauseCode) {
		v.Add("cause_code", "format")
	}
	if nc.Procedure == "" {
		v.Add("procedure", "required")
	} else if !nc.Procedure.Valid() {
		v.Add("procedure", "casefile_procedure")
	}
	if nc.ParentCaseID != "" {
		if _, err := courtOfCase(ctx, tx, nc.ParentCaseID); err != nil {
			v.Add("parent_case_id", "casefile_case_unknown")
		}
	}
	if len(nc.Parties) == 0 {
		v.Add("parties", "required")
	}
	for i, p := range nc.Parties {
		validateParty(v, "parties["+strconv.Itoa(i)+"].", p)
	}
	for i, r := range nc.Representatives {
		prefix := "representatives[" + strconv.Itoa(i) + "]."
		if r.PartyIndex < 0 || r.PartyIndex >= len(nc.Parties) {
			v.Add(prefix+"party_index", "casefile_party_unknown")
		}
		validateRepresentative(v, prefix, r)
	}
	return ct
}

func validateParty(v *errs.Collector, prefix string, p NewParty) {
	if p.Role == "" {
		v.Add(prefix+"role", "required")
	} else if !p.Role.Valid() {
		v.Add(prefix+"role", "casefile_party_role")
	}
	if p.Kind != Person && p.Kind != Organisation {
		v.Add(prefix+"kind", "casefile_party_kind")
	}
	checkText(v, prefix+"name", p.Name, true, 200)
	if p.IDType != "" && !slices.Contains(IDTypes, p.IDType) {
		v.Add(prefix+"id_type", "casefile_id_type")
	}
	if p.IDNumber != "" && p.IDType == "" {
		v.Add(prefix+"id_type", "required")
	}
	checkText(v, prefix+"id_number", p.IDNumber, false, 64)
	checkText(v, prefix+"phone", p.Phone, false, 32)
	checkText(v, prefix+"address", p.Address, false, 500)
	checkText(v, prefix+"account_id", p.AccountID, false, 64)
}

func validateRepresentative(v *errs.Collector, prefix string, r NewRepresentative) {
	switch r.Kind {
	case Lawyer:
		// A lawyer acts under a licence (律师法 Art. 5: 律师执业证书).
		checkText(v, prefix+"licence_no", r.LicenceNo, true, 32)
	case Agent, LegalRep:
		checkText(v, prefix+"licence_no", r.LicenceNo, false, 32)
	default:
		v.Add(prefix+"kind", "casefile_representative_kind")
	}
	checkText(v, prefix+"name", r.Name, true, 200)
	checkText(v, prefix+"firm", r.Firm, false, 200)
	checkText(v, prefix+"phone", r.Phone, false, 32)
	checkText(v, prefix+"account_id", r.AccountID, false, 64)
}

// checkText records required and too_long problems of a text field.
func checkText(v *errs.Collector, field, s string, required bool, maxLen int) {
	switch {
	case required && s == "":
		v.Add(field, "required")
	case utf8.RuneCountInString(s) > maxLen:
		v.Add(field, "too_long", maxLen)
	}
}
