package transcript

import (
	"context"
	"fmt"
	"slices"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Job kinds (RegisterJobs).
const (
	// JobSendCode sends a signer the one-time code of a signing round
	// through Codes. It does nothing when the round is over.
	JobSendCode = "transcript.send_code"
	// JobIssue renders the final record and issues it through the Issuer;
	// keyed by hearing and round, idempotent.
	JobIssue = "transcript.issue"
)

// RegisterJobs registers transcript's job kinds on the app's runner (the
// app must migrate jobs.Migrations and start the runner). Every handler is
// idempotent.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobSendCode, s.runSendCode)
	r.Register(JobIssue, s.runIssue)
}

type codePayload struct {
	HearingID string `json:"hearing_id"`
	Round     int    `json:"round"`
	AccountID string `json:"account_id"`
}

type issuePayload struct {
	HearingID string `json:"hearing_id"`
}

func systemActor(ctx context.Context) context.Context {
	if actorOf(ctx) != "" {
		return ctx
	}
	return audit.WithActor(ctx, audit.Actor{UserID: "system:transcript"})
}

func (s *Service) runSendCode(ctx context.Context, j jobs.Job) error {
	var p codePayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	r, err := loadRecord(ctx, s.db, p.HearingID)
	if err != nil {
		return err
	}
	if r.State != Signing || r.Round != p.Round {
		return nil // reopened or final since: the code would be useless
	}
	return s.deps.Codes.Send(systemActor(ctx), p.AccountID, purpose(r))
}

func (s *Service) runIssue(ctx context.Context, j jobs.Job) error {
	if s.deps.Issuer == nil {
		return nil
	}
	ctx = systemActor(ctx)
	var p issuePayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	r, err := loadFull(ctx, s.db, p.HearingID)
	if err != nil {
		return err
	}
	if r.State != Final || issueKey(r) != j.Key {
		return nil
	}
	if r.Document != nil {
		return nil // issued by an earlier run whose completion was lost
	}
	doc, err := s.Document(ctx, r)
	if err != nil {
		return err
	}
	ref, err := s.deps.Issuer.IssueRecord(ctx, r.CaseID, r.CourtID, doc, j.Key)
	if err != nil {
		return fmt.Errorf("transcript: issue the record of %s: %w", r.HearingID, err)
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := lockRecord(ctx, tx, r.HearingID)
		if err != nil {
			return err
		}
		if cur.Document != nil {
			return jobs.Done(ctx, tx, j.ID)
		}
		cur.Document = &ref
		if err := updateRecordState(ctx, tx, cur); err != nil {
			return err
		}
		if err := changed(ctx, tx, cur, "issued", "", map[string]any{"document_id": ref.ID, "code": ref.Code}); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, EventIssued, cur, map[string]any{"hearing_id": cur.HearingID, "document_id": ref.ID,
			"code": ref.Code}); err != nil {
			return err
		}
		return jobs.Done(ctx, tx, j.ID)
	})
}

// panelRoles and clerkRoles are the printed roles that sign the record's
// 落款 (CPL Art. 150 para 1: 由审判人员和书记员签名).
var (
	panelRoles = []string{"审判长", "审判员", "人民陪审员", "代理审判员"}
	clerkRoles = []string{"书记员", "法官助理"}
)

// Document builds the printed 庭审笔录 of r (render.KindHearingRecord):
// the live entries in order (deleted ones left out, marks with their
// times), every objection, and the confirmation of each signer of the
// round. The court's name comes from Courts. Judges and clerks among the
// signers sign the 落款; the other signers are listed as present.
func (s *Service) Document(ctx context.Context, r Record) (render.Document, error) {
	ct, err := s.deps.Courts.Find(ctx, r.CourtID)
	if err != nil {
		return render.Document{}, err
	}
	c, err := s.deps.Cases.Authorize(AsSystem(ctx, "system:transcript"), r.CaseID, casefile.NeedRead)
	if err != nil {
		return render.Document{}, err
	}
	body := &render.HearingRecord{Cause: c.Cause, Place: r.Place, Mode: r.Mode, OpenedAt: r.CreatedAt}
	opened := false
	for _, e := range r.Entries {
		if e.Deleted {
			continue
		}
		if e.Kind == Marked {
			mk := MarkKind(e.Text)
			if mk == MarkOpen && !opened {
				body.OpenedAt, opened = e.At, true
			}
			if mk == MarkClose {
				body.ClosedAt = e.At
			}
			body.Entries = append(body.Entries, render.RecordEntry{At: e.At, Text: markText[mk]})
			continue
		}
		body.Entries = append(body.Entries, render.RecordEntry{At: e.At, Speaker: e.Speaker, Text: e.Text})
	}
	for _, sg := range r.Signers {
		switch {
		case slices.Contains(panelRoles, sg.Role):
			body.Panel = append(body.Panel, render.Signer{Role: sg.Role, Name: sg.Name})
		case slices.Contains(clerkRoles, sg.Role):
			body.Clerks = append(body.Clerks, render.Signer{Role: sg.Role, Name: sg.Name})
		default:
			body.Participants = append(body.Participants, render.Signer{Role: sg.Role, Name: sg.Name})
		}
		rs := render.RecordSignature{Role: sg.Role, Name: sg.Name, Method: "在线确认（短信验证码）"}
		if sg.State == Refused {
			rs.Refused, rs.Reason = true, sg.Reason
		} else if sg.SignedAt != nil {
			rs.SignedAt = *sg.SignedAt
		}
		body.Signatures = append(body.Signatures, rs)
	}
	for _, o := range r.Objections {
		body.Objections = append(body.Objections, render.RecordObjection{Role: o.Role, Name: o.Name, At: o.At, Text: o.Text})
	}
	issued := r.UpdatedAt
	if r.FinalAt != nil {
		issued = *r.FinalAt
	}
	return render.Document{CourtName: ct.NameZH, CaseNumber: c.Number, IssuedOn: issued, Body: body}, nil
}
