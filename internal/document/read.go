package document

import (
	"context"
	"io"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// ListCase returns the documents issued in a case, oldest first, to those
// who may read the case (casefile's Authorize with NeedRead: its parties,
// their representatives, the court's staff). The listing is audited
// ("document.document.list"). Errors: those of Authorize (unauthenticated,
// not_found for outsiders, forbidden).
func (s *Service) ListCase(ctx context.Context, caseID string) ([]Document, error) {
	c, err := s.cases.Authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return nil, err
	}
	docs, err := listCaseDocs(ctx, s.db, c.CourtID, c.ID)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "document.document.list", CourtID: c.CourtID, CaseID: c.ID,
			Detail: map[string]any{"count": len(docs)}})
	})
	return docs, err
}

// Find returns a document's record to those who may read it: for a case's
// document, whoever may read the case (Authorize with NeedRead); for a
// document outside any case, the issuing court's staff and platform
// administrators. The read is audited ("document.document.read"). Errors:
// unauthenticated; not_found when the document does not exist or the
// caller may not know of it; forbidden as Authorize gives it.
func (s *Service) Find(ctx context.Context, id string) (Document, error) {
	return s.read(ctx, id, "document.document.read")
}

// Open returns a document's record and its sealed PDF, under the same
// rules as Find; the download is audited ("document.document.download").
// The caller closes the reader.
func (s *Service) Open(ctx context.Context, id string) (Document, io.ReadCloser, error) {
	d, err := s.read(ctx, id, "document.document.download")
	if err != nil {
		return Document{}, nil, err
	}
	rc, err := s.blobs.Open(ctx, d.blobKey)
	if err != nil {
		return Document{}, nil, err
	}
	return d, rc, nil
}

func (s *Service) read(ctx context.Context, id, action string) (Document, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return Document{}, err
	}
	d, err := loadDoc(ctx, s.db, id)
	if err != nil {
		return Document{}, err
	}
	if d.CaseID != "" {
		if _, err := s.cases.Authorize(ctx, d.CaseID, casefile.NeedRead); err != nil {
			return Document{}, err
		}
	} else if !p.Has(d.CourtID, auth.StaffRoles...) && !p.Has("", auth.PlatformAdmin) {
		return Document{}, notFound()
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: action, CourtID: d.CourtID, CaseID: d.CaseID, Target: d.ID})
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}
