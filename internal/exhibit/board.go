package exhibit

import (
	"context"

	"github.com/ecourt/ecourt/internal/casefile"
)

// Board is a case's exhibit list as one viewer sees it: what the page
// shows and which forms it offers.
type Board struct {
	CaseID     string
	CaseNumber string
	Exhibits   []Exhibit
	Exchanges  []Exchange
	// Open is the exchange open today, nil when none.
	Open *Exchange
	// Judge reports whether the viewer marks disputes and opens exchanges.
	Judge bool
	// Clerk reports whether the viewer may act for any party.
	Clerk bool
	// Own are the parties the viewer is or represents.
	Own []casefile.Party
	// Parties are all parties of the case (for staff acting for one).
	Parties []casefile.Party
}

// CanOpine reports whether the viewer may record an opinion on e now:
// an exchange is open and the viewer acts for a party opposing e's.
func (b Board) CanOpine(e Exhibit) bool {
	if b.Open == nil {
		return false
	}
	return len(b.Opiners(e)) > 0
}

// Opiners returns the opposing parties of e the viewer may record an
// opinion for.
func (b Board) Opiners(e Exhibit) []OpinionState {
	var out []OpinionState
	for _, st := range e.Opinions {
		for _, p := range b.Own {
			if p.ID == st.PartyID {
				out = append(out, st)
			}
		}
		if b.Clerk && len(b.Own) == 0 {
			out = append(out, st)
		}
	}
	return out
}

// CanSubmit reports whether the viewer may submit exhibits.
func (b Board) CanSubmit() bool { return len(b.Own) > 0 || b.Clerk }

// Board returns the exhibit list of a case for the signed-in viewer
// (the same access rules as List).
func (s *Service) Board(ctx context.Context, caseID string) (Board, error) {
	v, err := s.view(ctx, caseID)
	if err != nil {
		return Board{}, err
	}
	b := Board{CaseID: v.st.c.ID, CaseNumber: v.st.c.Number, Exhibits: v.list(s), Exchanges: v.exchanges, Open: v.openExchange(),
		Judge: v.st.judge, Clerk: v.st.clerk, Parties: v.st.c.Parties}
	for _, p := range v.st.c.Parties {
		if v.st.own[p.ID] {
			b.Own = append(b.Own, p)
		}
	}
	return b, nil
}
