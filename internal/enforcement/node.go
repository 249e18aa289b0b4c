package enforcement

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// NodeInput is a node an officer records.
type NodeInput struct {
	Kind      string            `json:"kind"`
	Text      string            `json:"text"`
	AmountFen money.Fen         `json:"amount_fen"`
	Fields    map[string]string `json:"fields"`
	// CarriedOut, for kinds disclosed only once carried out (Kind.Delayed),
	// says the measure is done, so the parties see the node at once.
	CarriedOut bool `json:"carried_out"`
	// Position and DeviceAt are what the officer's phone reported.
	Position *Position  `json:"position,omitempty"`
	DeviceAt *time.Time `json:"device_at,omitempty"`
	Files    []File     `json:"-"`
	// Source names the fact an integration records as a node (e.g.
	// "casefund.receipt:<id>" for money received): a case has at most one
	// node per source, and recording it again returns that node, so a
	// consumer that retries after a crash adds nothing. Not settable
	// through the API.
	Source string `json:"-"`
}

// Limits of a node.
const (
	maxText      = 2000
	maxFieldText = 500
	// maxAmount bounds amounts (10^13 yuan), far above any real case.
	maxAmount money.Fen = 1_000_000_000_000_000
	// deviceSkew is how far the phone's clock may be ahead of the server;
	// deviceAge how old a node recorded offline may be.
	deviceSkew = 24 * time.Hour
	deviceAge  = 30 * 24 * time.Hour
)

// RecordNode records a progress node of an enforcement case: an officer
// assigned to the case (or a court administrator) gives its kind (built-in
// or the court's own), text, amount, fields, attachments (photos, video,
// documents: checked by content and stored in the blob store) and the
// position and time of their phone. In one transaction it writes the node,
// its attachments, the outbox event EventNodeRecorded (with the masked
// views that live pages receive), a job that puts it on the case timeline,
// the notices to the parties who may see it (inbox; SMS for those who
// chose it, when the kind goes by SMS) and the audit entry. A kind kept
// from the parties until carried out (Kind.Delayed) is disclosed only with
// CarriedOut or later by Disclose. Errors: errs.Invalid with field codes
// (nothing is written); errs.Forbidden for callers who are not officers of
// the case; the casefile's access errors.
func (s *Service) RecordNode(ctx context.Context, caseID string, in NodeInput) (Node, error) {
	ctx = withActor(ctx)
	rec, err := loadRecord(ctx, s.db, caseID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			// Outsiders learn nothing: the casefile check answers first.
			if _, aerr := s.deps.Cases.Authorize(ctx, caseID, casefile.NeedRecord); aerr != nil {
				return Node{}, aerr
			}
		}
		return Node{}, err
	}
	st, err := s.authorize(ctx, caseID, casefile.NeedRecord, rec.Officers)
	if err != nil {
		return Node{}, err
	}
	if err := st.requireOfficer(); err != nil {
		return Node{}, err
	}
	if in.Source != "" {
		if n, err := nodeBySource(ctx, s.db, st.c.CourtID, st.c.ID, in.Source); err == nil {
			return n, nil
		} else if errs.CodeOf(err) != errs.NotFound {
			return Node{}, err
		}
	}
	k, ok, err := s.kind(ctx, s.db, st.c.CourtID, strings.TrimSpace(in.Kind))
	if err != nil {
		return Node{}, err
	}
	if err := s.validateNode(k, ok, &in); err != nil {
		return Node{}, err
	}
	atts, err := s.storeAll(ctx, in.Files)
	if err != nil {
		return Node{}, err
	}
	n := Node{ID: ids.New(), CourtID: st.c.CourtID, CaseID: st.c.ID, Kind: k.Code, Catalogue: s.catalogueOf(k),
		Text: in.Text, AmountFen: in.AmountFen, Fields: in.Fields, Position: in.Position, DeviceAt: utcPtr(in.DeviceAt),
		RecordedBy: st.userID, Disclosed: !k.Delayed || in.CarriedOut, Attachments: atts, source: in.Source}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return s.writeNode(ctx, tx, st.c, &n, k)
	})
	if err != nil {
		return Node{}, err
	}
	return n, nil
}

func (s *Service) catalogueOf(k Kind) string {
	if k.Court != "" {
		return "court"
	}
	return s.cat.Version
}

// validateNode checks and normalises in for kind k (found: ok).
func (s *Service) validateNode(k Kind, ok bool, in *NodeInput) error {
	var v errs.Collector
	if !ok {
		if strings.TrimSpace(in.Kind) == "" {
			v.Add("kind", "required")
		} else {
			v.Add("kind", "enforcement_kind_unknown")
		}
	}
	in.Text = strings.TrimSpace(in.Text)
	if utf8.RuneCountInString(in.Text) > maxText {
		v.Add("text", "too_long", maxText)
	}
	if in.AmountFen < 0 || in.AmountFen > maxAmount {
		v.Add("amount_fen", "enforcement_amount")
	}
	allowed := k.Fields
	if k.Court != "" {
		allowed = s.cat.FieldNames // a court's own kinds may use any field
	}
	clean := map[string]string{}
	for name, val := range in.Fields {
		val = strings.TrimSpace(val)
		switch {
		case val == "":
			// Not given (a form sends every input, the kind's or not).
		case ok && !slices.Contains(allowed, name):
			v.Add("fields."+name, "enforcement_field_unknown")
		case utf8.RuneCountInString(val) > maxFieldText:
			v.Add("fields."+name, "too_long", maxFieldText)
		default:
			clean[name] = val
		}
	}
	in.Fields = clean
	checkPosition(&v, in.Position)
	if in.DeviceAt != nil {
		now := s.db.Now()
		if in.DeviceAt.After(now.Add(deviceSkew)) || in.DeviceAt.Before(now.Add(-deviceAge)) {
			v.Add("device_at", "enforcement_device_time")
		}
	}
	if len(in.Files) > MaxAttachments {
		v.Add("files", "enforcement_too_many_files", MaxAttachments)
	}
	return v.Err()
}

// checkPosition checks a reported position: WGS 84 degrees in range and an
// accuracy of at most 100 km.
func checkPosition(v *errs.Collector, p *Position) {
	if p == nil {
		return
	}
	if p.LatE6 < -90_000_000 || p.LatE6 > 90_000_000 {
		v.Add("lat", "enforcement_position")
	}
	if p.LonE6 < -180_000_000 || p.LonE6 > 180_000_000 {
		v.Add("lon", "enforcement_position")
	}
	if p.AccuracyM < 0 || p.AccuracyM > 100_000 {
		v.Add("accuracy", "enforcement_position")
	}
}

// writeNode numbers n and writes it with everything that goes with it in
// tx: attachments, outbox event, timeline job, notices, the record's
// amounts and the audit entry.
func (s *Service) writeNode(ctx context.Context, tx *sqldb.Tx, c casefile.Case, n *Node, k Kind) error {
	seq, err := nextNodeSeq(ctx, tx, n.CourtID, n.CaseID)
	if err != nil {
		return err
	}
	n.Seq, n.RecordedAt = seq, tx.Now
	if n.Fields == nil {
		n.Fields = map[string]string{}
	}
	if n.Disclosed {
		n.DisclosedAt = &tx.Now
	}
	if err := insertNode(ctx, tx, *n); err != nil {
		return err
	}
	for i, a := range n.Attachments {
		if err := insertAttachment(ctx, tx, n.CourtID, n.CaseID, "node", n.ID, i+1, a); err != nil {
			return err
		}
	}
	if n.Attachments == nil {
		n.Attachments = []Attachment{}
	}
	if err := s.applyToRecord(ctx, tx, *n, k); err != nil {
		return err
	}
	if err := s.announce(ctx, tx, c, *n, k, EventNodeRecorded); err != nil {
		return err
	}
	return audit.Append(ctx, tx, audit.Record{Action: "enforcement.node.record", CourtID: n.CourtID, CaseID: n.CaseID, Target: n.ID,
		Detail: map[string]any{"kind": n.Kind, "seq": n.Seq, "disclosed": n.Disclosed, "attachments": len(n.Attachments),
			"position": n.Position != nil}})
}

// applyToRecord keeps the record's running figures: money received counts
// as enforced, and closing kinds conclude the case.
func (s *Service) applyToRecord(ctx context.Context, tx *sqldb.Tx, n Node, k Kind) error {
	if k.Code != "money_received" && k.Category != "closing" {
		return nil
	}
	r, err := loadRecord(ctx, tx, n.CaseID)
	if err != nil {
		return err
	}
	if k.Code == "money_received" {
		r.EnforcedFen += n.AmountFen
	}
	if k.Category == "closing" {
		d := calendarDate(tx.Now)
		r.ConcludedOn = &d
	}
	return updateRecord(ctx, tx, r)
}

// announce writes the node's outbox event, timeline job and notices.
func (s *Service) announce(ctx context.Context, tx *sqldb.Tx, c casefile.Case, n Node, k Kind, typ string) error {
	views := s.views(n, k)
	ev := bus.NewEvent(typ, NodeEvent{CaseID: n.CaseID, CourtID: n.CourtID, NodeID: n.ID, Seq: n.Seq, Kind: n.Kind, Views: views})
	ev.CourtID, ev.CaseID, ev.Actor = n.CourtID, n.CaseID, audit.ActorFrom(ctx).UserID
	if err := bus.Enqueue(ctx, tx, ev); err != nil {
		return err
	}
	// The casefile timeline is one list for all parties: a node some party
	// may not see (a search, an undisclosed seizure) is staff-only there;
	// the enforcement page shows each party its own view.
	staffOnly := views[Applicant] == nil || views[Respondent] == nil
	timelineType := "enforcement.node_recorded"
	if typ == EventNodeDisclosed {
		timelineType = "enforcement.node_disclosed"
	}
	if err := scheduleTimeline(ctx, tx, n.CourtID, n.CaseID, timelineType, staffOnly,
		map[string]any{"node_id": n.ID, "kind": n.Kind, "seq": n.Seq}); err != nil {
		return err
	}
	if s.deps.Notifier == nil {
		return nil
	}
	sms, err := smsChoices(ctx, tx, n.CourtID, n.CaseID)
	if err != nil {
		return err
	}
	courtZH, courtEN := s.courtNames(ctx, n.CourtID)
	for _, a := range []string{Applicant, Respondent} {
		if views[a] == nil {
			continue
		}
		rs := recipients(c, a, sms)
		if len(rs) == 0 {
			continue
		}
		if !k.SMS {
			for i := range rs {
				rs[i].SMS = false
			}
		}
		if err := s.deps.Notifier.Notify(ctx, tx, Notice{ID: "enforcement.node:" + n.ID + ":" + a, Ref: "enforcement.node:" + n.ID,
			Recipients: rs, Template: NoticeNode, CourtID: n.CourtID, CaseID: n.CaseID,
			Data: map[string]string{"case_number": c.Number, "node_name_zh": k.NameZH, "node_name_en": k.NameEN,
				"text": views[a].Text, "link": "/enforcement/cases/" + n.CaseID, "court_name": courtZH, "court_name_en": courtEN}}); err != nil {
			return err
		}
	}
	return nil
}

// Disclose discloses a node kept from the parties until carried out: an
// officer of the case says the measure is done. It writes
// EventNodeDisclosed with the parties' views, the timeline job, the
// notices and the audit entry. Disclosing a disclosed node changes
// nothing. Errors: errs.NotFound (no such node, or no standing);
// errs.Forbidden for callers who are not officers of the case.
func (s *Service) Disclose(ctx context.Context, nodeID string) (Node, error) {
	ctx = withActor(ctx)
	n, err := loadNode(ctx, s.db, nodeID)
	if err != nil {
		return Node{}, err
	}
	rec, err := loadRecord(ctx, s.db, n.CaseID)
	if err != nil {
		return Node{}, err
	}
	st, err := s.authorize(ctx, n.CaseID, casefile.NeedRecord, rec.Officers)
	if err != nil {
		return Node{}, err
	}
	if err := st.requireOfficer(); err != nil {
		return Node{}, err
	}
	if n.Disclosed {
		return n, nil
	}
	k, ok, err := s.kind(ctx, s.db, n.CourtID, n.Kind)
	if err != nil {
		return Node{}, err
	}
	if !ok {
		return Node{}, errs.Fields(errs.Field("kind", "enforcement_kind_unknown"))
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		n.Disclosed, n.DisclosedAt = true, &tx.Now
		if err := discloseNode(ctx, tx, n); err != nil {
			return err
		}
		if err := s.announce(ctx, tx, st.c, n, k, EventNodeDisclosed); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.node.disclose", CourtID: n.CourtID, CaseID: n.CaseID,
			Target: n.ID, Detail: map[string]any{"kind": n.Kind, "seq": n.Seq}})
	})
	if err != nil {
		return Node{}, err
	}
	return n, nil
}

// Nodes returns the nodes of an enforcement case as the caller sees them,
// oldest first: staff (the court's staff) unmasked, the applicant's and the
// respondent's side the nodes of their audience, masked, and only once
// disclosed. The read passes the casefile's check (audited there).
func (s *Service) Nodes(ctx context.Context, caseID string) ([]NodeView, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return nil, err
	}
	return s.nodesFor(ctx, st)
}

func (s *Service) nodesFor(ctx context.Context, st standing) ([]NodeView, error) {
	nodes, err := loadNodes(ctx, s.db, st.c.CourtID, st.c.ID)
	if err != nil {
		return nil, err
	}
	kinds, err := s.kinds(ctx, s.db, st.c.CourtID)
	if err != nil {
		return nil, err
	}
	out := []NodeView{}
	aud := st.best()
	for _, n := range nodes {
		i := slices.IndexFunc(kinds, func(k Kind) bool { return k.Code == n.Kind })
		if i < 0 || aud == "" {
			continue
		}
		var v *NodeView
		if aud == Staff {
			v = s.view(n, kinds[i], Staff, true)
		} else {
			// A person on both sides (rare) sees the union.
			for _, a := range st.audiences {
				if v = s.view(n, kinds[i], a, false); v != nil {
					break
				}
			}
		}
		if v != nil {
			out = append(out, *v)
		}
	}
	return out, nil
}

// Kinds returns the node kinds of a court: the built-in catalogue followed
// by the court's own. Anyone signed in may read them.
func (s *Service) Kinds(ctx context.Context, courtID string) ([]Kind, error) {
	if _, err := auth.Require(ctx); err != nil {
		return nil, err
	}
	return s.kinds(ctx, s.db, courtID)
}

// KindInput defines a court's own node kind.
type KindInput struct {
	Code     string   `json:"code"`
	NameZH   string   `json:"name_zh"`
	NameEN   string   `json:"name_en"`
	Category string   `json:"category"`
	Audience []string `json:"audience"`
	Mask     []string `json:"mask"`
	SMS      bool     `json:"sms"`
	Delayed  bool     `json:"delayed"`
}

// AddKind adds a node kind of court courtID (court administrators of the
// court, platform administrators). Its code must be new among the built-in
// and the court's kinds; staff always see it. Errors: errs.Invalid with
// field codes; errs.Forbidden.
func (s *Service) AddKind(ctx context.Context, courtID string, in KindInput) (Kind, error) {
	ctx = withActor(ctx)
	p, err := auth.Require(ctx)
	if err != nil {
		return Kind{}, err
	}
	if !p.Has(courtID, auth.CourtAdmin) && !p.Has("", auth.PlatformAdmin) {
		return Kind{}, errs.New(errs.Forbidden, "enforcement.error.admin_only")
	}
	k := Kind{Code: strings.TrimSpace(in.Code), NameZH: strings.TrimSpace(in.NameZH), NameEN: strings.TrimSpace(in.NameEN),
		Category: in.Category, Audience: in.Audience, Fields: s.cat.FieldNames, Mask: in.Mask, SMS: in.SMS, Delayed: in.Delayed, Court: courtID}
	if !slices.Contains(k.Audience, Staff) {
		k.Audience = append(k.Audience, Staff)
	}
	if k.Mask == nil {
		k.Mask = []string{}
	}
	var v errs.Collector
	if !codeRE.MatchString(k.Code) {
		v.Add("code", "enforcement_kind_code")
	}
	checkText(&v, "name_zh", k.NameZH, true, 100)
	checkText(&v, "name_en", k.NameEN, true, 100)
	if !slices.Contains(Categories, k.Category) {
		v.Add("category", "enforcement_category")
	}
	for _, a := range k.Audience {
		if !slices.Contains(Audiences, a) {
			v.Add("audience", "enforcement_audience")
			break
		}
	}
	for _, f := range k.Mask {
		if !slices.Contains(s.cat.FieldNames, f) {
			v.Add("mask", "enforcement_field_unknown")
			break
		}
	}
	if err := v.Err(); err != nil {
		return Kind{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, ok, err := s.kind(ctx, tx, courtID, k.Code); err != nil || ok {
			if ok {
				return errs.Fields(errs.Field("code", "enforcement_kind_taken"))
			}
			return err
		}
		if err := insertCourtKind(ctx, tx, k, p.UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.kind.add", CourtID: courtID, Target: k.Code,
			Detail: map[string]any{"category": k.Category, "audience": k.Audience, "sms": k.SMS, "delayed": k.Delayed}})
	})
	if err != nil {
		return Kind{}, err
	}
	return k, nil
}

// checkText records required and too_long problems of a text field.
func checkText(v *errs.Collector, field, s string, required bool, maxLen int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "required")
	case utf8.RuneCountInString(s) > maxLen:
		v.Add(field, "too_long", maxLen)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// courtNames returns the Chinese and English names of a court for notices
// (the SMS signature); an unknown court gives the generic name.
func (s *Service) courtNames(ctx context.Context, courtID string) (string, string) {
	ct, err := s.deps.Courts.Find(ctx, courtID)
	if err != nil || ct.NameZH == "" {
		return "人民法院", "People's Court"
	}
	return ct.NameZH, ct.NameEN
}
