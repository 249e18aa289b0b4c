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
func (s *Service) PublicHearings(ctx context.Context) ([]Hearing, error) {
	hs, err := listHearings(ctx, s.db, `public = 1 AND status IN ('scheduled', 'open', 'recessed')`)
	for i := range hs {
		hs[i].Participants = publicView(hs[i].Participants)
	}
	return hs, err
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
