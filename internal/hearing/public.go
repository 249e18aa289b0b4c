package hearing

import (
	"context"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
)

// PublicHearings lists, for the public livestream page (no sign-in), the
// public hearings that are open or scheduled, earliest first. Hearings not
// in public (CPL Art. 137: state secrets, privacy, minors; divorce and
// trade secrets on application) are never listed: Schedule refuses a
// public hearing with a state-security exclusion, and a hearing not
// public always carries its reason.
//
// Each comes with its notice (开庭公告, CPL Art. 139 para 2: 公开审理的，
// 应当公告当事人姓名、案由和开庭的时间、地点): the parties' names with
// their roles, the cause, the time and the place; nothing else of the
// participants is shown.
func (s *Service) PublicHearings(ctx context.Context) ([]PublicHearing, error) {
	hs, err := listHearings(ctx, s.db, `public = 1 AND status IN ('scheduled', 'open', 'recessed')`)
	out := make([]PublicHearing, 0, len(hs))
	for _, h := range hs {
		ph := PublicHearing{Hearing: h}
		for _, p := range h.Participants {
			if p.Kind == KindParty {
				ph.Parties = append(ph.Parties, NoticeParty{Seat: p.Seat, Name: p.Name})
			}
		}
		ph.Participants = publicView(h.Participants)
		out = append(out, ph)
	}
	return out, err
}

// PublicHearing is a public hearing as the public list shows it.
type PublicHearing struct {
	Hearing
	// Parties are the parties named in the notice (seat label and name).
	Parties []NoticeParty `json:"parties"`
}

// NoticeParty is a party named in a hearing notice.
type NoticeParty struct {
	Seat string `json:"seat"`
	Name string `json:"name"`
}

// publicView keeps only seat labels and the bench's names: parties'
// names stay off the public page (privacy; CPL Art. 139's notice names
// them, the stream does not need to).
func publicView(ps []Participant) []Participant {
	var out []Participant
	for _, p := range ps {
		q := Participant{Identity: p.Identity, Kind: p.Kind, Seat: p.Seat, Mode: p.Mode, State: p.State}
		out = append(out, q)
	}
	return out
}

// LiveToken returns a subscribe-only, hidden token for the public
// livestream of an open public hearing, with the URL to connect to.
// Errors: errs.NotFound for a hearing that is not public; errs.Conflict
// when it is not in session.
func (s *Service) LiveToken(ctx context.Context, hearingID string) (Entry, error) {
	h, err := loadHearing(ctx, s.db, hearingID)
	if err != nil || !h.Public {
		return Entry{}, errs.New(errs.NotFound, "hearing.error.not_found")
	}
	if h.Status != Open && h.Status != Recessed {
		return Entry{}, errs.New(errs.Conflict, "hearing.error.not_in_session")
	}
	id := "viewer-" + strings.ReplaceAll(ids.New(), "-", "")
	tok, err := s.deps.Rooms.Token(ctx, TokenRequest{Room: h.Room, Identity: id, Name: "", Metadata: `{"kind":"viewer"}`,
		Perms: Perms{Subscribe: true, Hidden: true}, TTL: TokenTTL})
	if err != nil {
		return Entry{}, errs.Wrap(errs.Unavailable, "hearing.error.video", err)
	}
	return Entry{URL: s.deps.Rooms.URL(), Token: tok, Room: h.Room, Identity: id, Kind: KindViewer, State: Admitted, Status: h.Status}, nil
}
