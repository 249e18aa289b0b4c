package enforcement

import (
	"context"
	"io"
	"slices"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// OpenAttachment returns an attachment of a node or lead and its content
// to a caller who may see its node (the node's audience, once disclosed)
// or its lead (staff, the lead's own side). The read is audited as
// "enforcement.attachment.read". The caller closes the reader. Errors:
// errs.NotFound for an attachment the caller may not see (nobody learns
// that it exists).
func (s *Service) OpenAttachment(ctx context.Context, id string) (Attachment, io.ReadCloser, error) {
	ctx = withActor(ctx)
	a, caseID, owner, ownerID, err := loadAttachment(ctx, s.db, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	st, err := s.authorize(ctx, caseID, casefile.NeedRead, nil)
	if err != nil {
		return Attachment{}, nil, err
	}
	hidden := errs.New(errs.NotFound, "enforcement.error.attachment_not_found")
	switch owner {
	case "node":
		views, err := s.nodesFor(ctx, st)
		if err != nil {
			return Attachment{}, nil, err
		}
		if !slices.ContainsFunc(views, func(v NodeView) bool { return v.ID == ownerID }) {
			return Attachment{}, nil, hidden
		}
	case "lead":
		if !st.is(Staff) && !st.is(Applicant) {
			return Attachment{}, nil, hidden
		}
		ls, err := s.leadsFor(ctx, st)
		if err != nil {
			return Attachment{}, nil, err
		}
		if !slices.ContainsFunc(ls, func(l Lead) bool { return l.ID == ownerID }) {
			return Attachment{}, nil, hidden
		}
	default:
		return Attachment{}, nil, hidden
	}
	rc, err := s.deps.Blobs.Open(ctx, a.SHA256)
	if err != nil {
		return Attachment{}, nil, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "enforcement.attachment.read", CourtID: st.c.CourtID, CaseID: caseID,
			Target: a.ID, Detail: map[string]any{"owner": owner, "owner_id": ownerID, "sha256": a.SHA256}})
	})
	if err != nil {
		rc.Close()
		return Attachment{}, nil, err
	}
	return a, rc, nil
}

// DelayInterest computes the doubled interest for delayed performance
// (CPL Art. 264; 2014 interpretation Art. 1–4: unpaid principal × 1.75‱
// per day) with delay.Compute. It needs no case: it is the calculator of
// the case page and of POST /api/v1/enforcement/delay-interest. Bad input
// is errs.Invalid with the calculator's field codes.
func (s *Service) DelayInterest(in delay.Input) (delay.Result, error) {
	return delay.Compute(in)
}
