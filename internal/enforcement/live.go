package enforcement

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/live"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Hub is the live fan-out enforcement subscribes callers to; *live.Hub
// satisfies it. The app feeds the hub with
// hub.Feed(ctx, bus, NodeSubjects, RouteNode).
type Hub interface {
	Subscribe(topics []string) *live.Subscription
}

// Topic is the live topic of a case's nodes for one audience:
// "enforcement:<case id>:<applicant|respondent|staff>".
func Topic(caseID, audience string) string { return "enforcement:" + caseID + ":" + audience }

// LiveEvent is the SSE event name of a node on the live stream; its data
// is the audience's NodeView as JSON.
const LiveEvent = "node"

// RouteNode turns a node event (EventNodeRecorded, EventNodeDisclosed) into
// one live message per audience that may see the node: the view of that
// audience, already masked, on that audience's topic. Other events, and
// malformed ones, give nothing. It does no I/O, so the hub's one feeding
// goroutine keeps up whatever the number of subscribers.
func RouteNode(ev bus.Event) []live.Routed {
	if ev.Type != EventNodeRecorded && ev.Type != EventNodeDisclosed {
		return nil
	}
	var p NodeEvent
	if ev.Decode(&p) != nil || p.CaseID == "" {
		return nil
	}
	var out []live.Routed
	for _, a := range Audiences {
		v := p.Views[a]
		if v == nil {
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			continue
		}
		out = append(out, live.Routed{Topic: Topic(p.CaseID, a), Msg: live.Message{ID: ev.ID, Event: LiveEvent, Data: data}})
	}
	return out
}

// maxLiveCases bounds the cases one stream follows.
const maxLiveCases = 100

// LiveTopics returns the topics the caller may follow: of one case
// (caseID set), or of every enforcement case the caller is a party to,
// represents, or is an officer of. Each case passes the casefile's check
// (audited there); the caller gets the topic of each audience they belong
// to. Errors: those of the check for a named case; errs.NotFound when the
// caller follows nothing.
func (s *Service) LiveTopics(ctx context.Context, caseID string) ([]string, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	if caseID != "" {
		ids = []string{caseID}
	} else {
		l, err := s.deps.Cases.ListMine(ctx, casefile.Page{Limit: maxLiveCases})
		if err != nil {
			return nil, err
		}
		for _, c := range l.Items {
			if c.Procedure == casefile.Enforcement {
				ids = append(ids, c.ID)
			}
		}
		recs, err := casesOfOfficer(ctx, s.db, p.UserID)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if !slices.Contains(ids, r.CaseID) && len(ids) < maxLiveCases {
				ids = append(ids, r.CaseID)
			}
		}
	}
	var topics []string
	for _, id := range ids {
		st, err := s.authorize(ctx, id, casefile.NeedRead, nil)
		if err != nil {
			if caseID != "" {
				return nil, err
			}
			continue
		}
		for _, a := range st.audiences {
			topics = append(topics, Topic(id, a))
		}
	}
	if len(topics) == 0 {
		return nil, errs.New(errs.NotFound, "enforcement.error.nothing_live")
	}
	return topics, nil
}

// handleLive streams the nodes of the caller's enforcement cases (or of
// ?case=ID) as server-sent events named "node" whose data is the caller's
// view of the node. A page loads the nodes first and adds what comes; after
// a reconnect it re-reads them.
func (s *Service) handleLive(w http.ResponseWriter, r *http.Request) {
	if s.deps.Hub == nil {
		web.Error(w, r, errs.New(errs.Unavailable, "enforcement.error.no_live"))
		return
	}
	topics, err := s.LiveTopics(r.Context(), r.URL.Query().Get("case"))
	if err != nil {
		web.Error(w, r, err)
		return
	}
	sub := s.deps.Hub.Subscribe(topics)
	if err := live.Serve(w, r, sub); err != nil && err != live.ErrLagged {
		s.log.Debug("enforcement: live stream ended", "err", err)
	}
}
