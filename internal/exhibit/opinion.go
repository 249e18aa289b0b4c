package exhibit

import (
	"context"
	"slices"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// RecordOpinion records a party's cross-examination opinion (质证意见) on an
// exhibit: its stance on authenticity, legality and relevance (民诉法解释
// Art. 104), with reasons for every disputed point (field
// "<point>_reason", "exhibit_reason_required"). Only a party opposing the
// submitter may (its own people, or the clerk recording for it);
// errs.Forbidden ("exhibit.error.not_opposing") otherwise. Opinions are
// accepted only while an exchange is open (Online Litigation Rules Art. 14
// para 3); otherwise errs.Conflict ("exhibit.error.exchange_closed"). A
// new opinion of the same party is a new version; the old ones are kept.
func (s *Service) RecordOpinion(ctx context.Context, exhibitID string, in OpinionInput) (Opinion, error) {
	ctx = withActor(ctx)
	v, e, err := s.find(ctx, exhibitID)
	if err != nil {
		return Opinion{}, err
	}
	st := v.st
	pt, err := st.party(in.PartyID)
	if err != nil {
		return Opinion{}, err
	}
	sub, _ := st.c.Party(e.PartyID)
	if !opposing(sub, pt) {
		return Opinion{}, errs.New(errs.Forbidden, "exhibit.error.not_opposing")
	}
	var c errs.Collector
	in.AuthenticityReason = strings.TrimSpace(in.AuthenticityReason)
	in.LegalityReason = strings.TrimSpace(in.LegalityReason)
	in.RelevanceReason = strings.TrimSpace(in.RelevanceReason)
	for _, p := range []struct {
		name   string
		stance Stance
		reason string
	}{{"authenticity", in.Authenticity, in.AuthenticityReason}, {"legality", in.Legality, in.LegalityReason},
		{"relevance", in.Relevance, in.RelevanceReason}} {
		switch {
		case !p.stance.valid():
			c.Add(p.name, "exhibit_stance")
		case p.stance == Disputed && p.reason == "":
			c.Add(p.name+"_reason", "exhibit_reason_required")
		}
		checkText(&c, p.name+"_reason", p.reason, false, 1000)
	}
	if err := c.Err(); err != nil {
		return Opinion{}, err
	}
	if v.openExchange() == nil {
		return Opinion{}, errs.New(errs.Conflict, "exhibit.error.exchange_closed")
	}
	o := Opinion{ID: ids.New(), ExhibitID: e.ID, PartyID: pt.ID, Authenticity: in.Authenticity, AuthenticityReason: in.AuthenticityReason,
		Legality: in.Legality, LegalityReason: in.LegalityReason, Relevance: in.Relevance, RelevanceReason: in.RelevanceReason,
		RecordedBy: audit.ActorFrom(ctx).UserID}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM exhibit_opinion WHERE court_id = ? AND exhibit_id = ? AND party_id = ?`,
			e.CourtID, e.ID, pt.ID).Scan(&o.Version); err != nil {
			return err
		}
		o.RecordedAt = tx.Now
		if err := insertOpinion(ctx, tx, e.CourtID, e.CaseID, o); err != nil {
			return err
		}
		detail := map[string]any{"exhibit_id": e.ID, "party_id": pt.ID, "version": o.Version, "authenticity": o.Authenticity,
			"legality": o.Legality, "relevance": o.Relevance}
		if err := enqueue(ctx, tx, st.c, EventOpinion, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.opinion.record", CourtID: e.CourtID, CaseID: e.CaseID, Target: e.ID, Detail: detail})
	})
	if err != nil {
		return Opinion{}, err
	}
	return o, nil
}

var marks = []string{MarkDisputed, MarkUndisputed, MarkUnmarked}

// MarkDispute records the judge's marks on an exhibit's three points:
// disputed (a 争议焦点), undisputed, or not marked, with a note (民诉法解释
// Art. 226: the court sums up the points in dispute from the exchange).
// Only the judge or assistant of the case may (errs.Forbidden). Marks are
// versioned like opinions; the newest counts.
func (s *Service) MarkDispute(ctx context.Context, exhibitID string, in DisputeInput) (Dispute, error) {
	ctx = withActor(ctx)
	v, e, err := s.find(ctx, exhibitID)
	if err != nil {
		return Dispute{}, err
	}
	if err := v.st.requireJudge(); err != nil {
		return Dispute{}, err
	}
	var c errs.Collector
	for _, p := range []struct{ name, mark string }{{"authenticity", in.Authenticity}, {"legality", in.Legality}, {"relevance", in.Relevance}} {
		if !slices.Contains(marks, p.mark) {
			c.Add(p.name, "exhibit_mark")
		}
	}
	in.Note = strings.TrimSpace(in.Note)
	checkText(&c, "note", in.Note, false, 1000)
	if err := c.Err(); err != nil {
		return Dispute{}, err
	}
	d := Dispute{Authenticity: in.Authenticity, Legality: in.Legality, Relevance: in.Relevance, Note: in.Note, MarkedBy: audit.ActorFrom(ctx).UserID}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM exhibit_dispute WHERE court_id = ? AND exhibit_id = ?`,
			e.CourtID, e.ID).Scan(&d.Version); err != nil {
			return err
		}
		d.MarkedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO exhibit_dispute (court_id, id, case_id, exhibit_id, version, authenticity, legality, relevance,
			note, marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.CourtID, ids.New(), e.CaseID, e.ID, d.Version,
			d.Authenticity, d.Legality, d.Relevance, d.Note, d.MarkedBy, d.MarkedAt); err != nil {
			return err
		}
		detail := map[string]any{"exhibit_id": e.ID, "version": d.Version, "authenticity": d.Authenticity, "legality": d.Legality,
			"relevance": d.Relevance}
		if err := enqueue(ctx, tx, v.st.c, EventDispute, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.dispute.mark", CourtID: e.CourtID, CaseID: e.CaseID, Target: e.ID, Detail: detail})
	})
	if err != nil {
		return Dispute{}, err
	}
	return d, nil
}
