package exhibit

import (
	"context"
	"io"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// caseView is everything about a case's exhibits, loaded once.
type caseView struct {
	st        standing
	exhibits  []Exhibit
	opinions  []Opinion
	disputes  map[string]*Dispute
	exchanges []Exchange
	presented map[string]bool
}

func (s *Service) load(ctx context.Context, st standing) (caseView, error) {
	v := caseView{st: st}
	c := st.c
	var err error
	if v.exhibits, err = loadExhibits(ctx, s.db, c.CourtID, c.ID); err != nil {
		return v, err
	}
	if v.opinions, err = loadOpinions(ctx, s.db, c.CourtID, c.ID, ""); err != nil {
		return v, err
	}
	if v.disputes, err = loadDisputes(ctx, s.db, c.CourtID, c.ID); err != nil {
		return v, err
	}
	if v.exchanges, err = loadExchanges(ctx, s.db, c.CourtID, c.ID); err != nil {
		return v, err
	}
	today := s.today()
	for i := range v.exchanges {
		v.exchanges[i].setState(today)
	}
	v.presented, err = presentedIDs(ctx, s.db, c.CourtID, c.ID)
	return v, err
}

// seesAll reports whether the caller sees every exhibit: staff of the case,
// or anyone the casefile lets read the case who is not a party to it
// (appeal-court staff).
func (st standing) seesAll() bool { return st.staff || st.clerk || len(st.own) == 0 }

// exchangeStarted reports whether an exchange has begun (open or closed):
// from then on each party sees the other side's exhibits (Online Litigation
// Rules Art. 14 para 3: "查看已经导入诉讼平台的证据材料").
func (v caseView) exchangeStarted() bool {
	for _, x := range v.exchanges {
		if x.State != "upcoming" {
			return true
		}
	}
	return false
}

// openExchange returns the exchange open today, if any.
func (v caseView) openExchange() *Exchange {
	for i := range v.exchanges {
		if v.exchanges[i].State == "open" {
			return &v.exchanges[i]
		}
	}
	return nil
}

// visible reports whether the caller may see exhibit e: its own party's
// always; the other side's once an exchange has started or once it was
// shown in a hearing (CPL Art. 71); staff all.
func (v caseView) visible(e Exhibit) bool {
	return v.st.seesAll() || v.st.own[e.PartyID] || v.exchangeStarted() || v.presented[e.ID]
}

// complete fills the derived fields of e.
func (v caseView) complete(s *Service, e Exhibit) Exhibit {
	pt, _ := v.st.c.Party(e.PartyID)
	e.PartyRole, e.PartyName = string(pt.Role), pt.Name
	e.Label = label(v.st.c, pt, e.Seq)
	e.Opinions = s.states(v.st.c, e, v.opinions)
	e.Dispute = v.disputes[e.ID]
	e.Presented = v.presented[e.ID]
	return e
}

// states returns, per opposing party of e's submitter, its current opinion
// among ops (every version of the case's opinions, oldest first).
func (s *Service) states(c casefile.Case, e Exhibit, ops []Opinion) []OpinionState {
	pt, _ := c.Party(e.PartyID)
	out := []OpinionState{}
	for _, q := range opponents(c, pt) {
		os := OpinionState{PartyID: q.ID, PartyRole: string(q.Role), PartyName: q.Name, State: "pending"}
		for i := range ops {
			if ops[i].ExhibitID == e.ID && ops[i].PartyID == q.ID {
				o := ops[i]
				os.Current, os.State = &o, "recorded"
			}
		}
		out = append(out, os)
	}
	return out
}

// List returns the exhibits of a case the caller may see, by party and
// number, each with the state of every opposing party's opinion and the
// judge's marks. The read passes casefile.Authorize (audited there).
func (s *Service) List(ctx context.Context, caseID string) ([]Exhibit, error) {
	v, err := s.view(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return v.list(s), nil
}

func (v caseView) list(s *Service) []Exhibit {
	out := []Exhibit{}
	// Parties in case order, each party's exhibits by number.
	for _, pt := range v.st.c.Parties {
		for _, e := range v.exhibits {
			if e.PartyID == pt.ID && v.visible(e) {
				out = append(out, v.complete(s, e))
			}
		}
	}
	return out
}

func (s *Service) view(ctx context.Context, caseID string) (caseView, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return caseView{}, err
	}
	return s.load(ctx, st)
}

// find loads the case of exhibit id and the exhibit, checking the caller
// may see it; an exhibit the caller may not see is errs.NotFound.
func (s *Service) find(ctx context.Context, id string) (caseView, Exhibit, error) {
	caseID, err := caseOfExhibit(ctx, s.db, id)
	if err != nil {
		return caseView{}, Exhibit{}, err
	}
	v, err := s.view(ctx, caseID)
	if err != nil {
		return caseView{}, Exhibit{}, err
	}
	for _, e := range v.exhibits {
		if e.ID == id && v.visible(e) {
			return v, v.complete(s, e), nil
		}
	}
	return caseView{}, Exhibit{}, errs.New(errs.NotFound, "exhibit.error.not_found")
}

// Find returns one exhibit with its opinion states. Errors: errs.NotFound
// when it does not exist or the caller may not see it (yet).
func (s *Service) Find(ctx context.Context, id string) (Exhibit, error) {
	_, e, err := s.find(ctx, id)
	return e, err
}

// History returns every version of every opinion on an exhibit, oldest
// first (the revisions of Record are kept).
func (s *Service) History(ctx context.Context, id string) ([]Opinion, error) {
	v, e, err := s.find(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []Opinion{}
	for _, o := range v.opinions {
		if o.ExhibitID == e.ID {
			out = append(out, o)
		}
	}
	return out, nil
}

// Open returns an exhibit and its file, which the caller must close. Every
// fetch is audited as "exhibit.file.read" with the file's SHA-256.
func (s *Service) Open(ctx context.Context, id string) (Exhibit, io.ReadCloser, error) {
	ctx = withActor(ctx)
	_, e, err := s.find(ctx, id)
	if err != nil {
		return Exhibit{}, nil, err
	}
	if err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.file.read", CourtID: e.CourtID, CaseID: e.CaseID, Target: e.ID,
			Detail: map[string]any{"sha256": e.SHA256}})
	}); err != nil {
		return Exhibit{}, nil, err
	}
	rc, err := s.deps.Blobs.Open(ctx, e.SHA256)
	if err != nil {
		return Exhibit{}, nil, err
	}
	return e, rc, nil
}

// ContentType returns the media type the exhibit's file is served with.
func (e Exhibit) ContentType() string {
	switch e.Kind {
	case "pdf":
		return "application/pdf"
	case "jpeg":
		return "image/jpeg"
	case "png":
		return "image/png"
	case "mp3":
		return "audio/mpeg"
	case "wav":
		return "audio/wav"
	case "mp4":
		return "video/mp4"
	}
	return "application/octet-stream"
}
