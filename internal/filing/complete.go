package filing

import (
	"context"
	"strconv"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// A whole filing in one request. A phone on a slow mobile link should not
// need three round trips (create the draft, upload the evidence, submit)
// to file a complaint it has entirely in hand: CreateFiling takes the
// draft, its files and the choice to submit at once, applies the same
// rules as the three steps, and writes everything in one transaction —
// either the whole filing exists afterwards or nothing does.

// SpooledFile is an upload whose content was checked (kind by content,
// size by kind, PDF structure: see AddEvidence) and held (in memory up to
// 1 MiB, else in a temporary file), ready to be stored. The caller must
// Close it.
type SpooledFile struct {
	Upload Upload // the text fields as sent (Body is nil)
	c      *spooled
	kind   string
	size   int64
	pages  int
	sha256 string
}

// SHA256 returns the hex SHA-256 of the content.
func (f *SpooledFile) SHA256() string { return f.sha256 }

// Close removes the temporary file.
func (f *SpooledFile) Close() error {
	if f != nil {
		f.c.close()
	}
	return nil
}

// SpoolUpload reads up.Body and checks it as
// AddEvidence does. A refused file is an errs.Invalid error on the field
// "file" (the caller renames it for the file's position). The text fields
// are checked by CreateFiling.
func (s *Service) SpoolUpload(up Upload) (*SpooledFile, error) {
	if up.Body == nil {
		return nil, fileError("required")
	}
	c, kind, size, pages, sum, err := s.spool(up.Body)
	if err != nil {
		return nil, err
	}
	up.Body = nil
	return &SpooledFile{Upload: up, c: c, kind: kind, size: size, pages: pages, sha256: sum}, nil
}

// NewFiling is a whole filing: the draft, its files (checked by
// SpoolUpload, in the order of the evidence catalogue) and whether to
// submit it. A file SpoolUpload refused is nil in Files, with the error at
// its index in Refused, so that every problem is reported at once.
type NewFiling struct {
	Draft   NewDraft
	Files   []*SpooledFile
	Refused map[int]error
	Submit  bool
}

// CreateFiling creates a draft with its files and, with in.Submit, files
// it with the court — what CreateDraft, AddEvidence and Submit do in
// three requests, with the same rules and errors, in one transaction:
//
//   - the draft is checked as by CreateDraft, each file's fields as by
//     AddEvidence (field names "evidence[i].name" …), at most the
//     configured number of files; with in.Submit every problem Check
//     would report stops it too (errs.Invalid, all problems at once), and
//     nothing is written;
//   - the files go to the blob store (content-addressed, so a failed
//     request leaves at most unreferenced blobs), then one transaction
//     writes the application, the evidence rows, their timeline, outbox
//     (ecourt.filing.evidence.added) and audit entries, and on submission
//     the statutory clock, the register-by-default job and the submitted
//     event exactly as Submit does.
//
// With once (an Idempotency-Key), a retried request returns the
// application the first one created (replayed true) and stores nothing;
// the same key with another request is an errs.Conflict.
func (s *Service) CreateFiling(ctx context.Context, in NewFiling, once Once) (a *Application, replayed bool, err error) {
	p, err := auth.RequireVerified(ctx)
	if err != nil {
		return nil, false, err
	}
	if id, ok, err := s.seenKey(ctx, p.UserID, once); err != nil || ok {
		return s.replayed(ctx, id, err)
	}
	var v errs.Collector
	a, derr := s.newDraft(ctx, p.UserID, in.Draft)
	if err := collect(&v, "", derr); err != nil {
		return nil, false, err
	}
	if len(in.Files) > s.cfg.MaxItems {
		v.Add("evidence", "filing_evidence_too_many", s.cfg.MaxItems)
	}
	for i, f := range in.Files {
		if f == nil {
			if err := in.Refused[i]; err != nil {
				if err := collect(&v, evidenceField(i, ""), err); err != nil {
					return nil, false, err
				}
			} else {
				v.Add(evidenceField(i, "file"), "required")
			}
			continue
		}
		checkUpload(&v, evidenceField(i, ""), &f.Upload)
	}
	var pre *claimTotal // the amount in dispute, worked out before the transaction
	if a != nil {
		a.Evidence, a.Notices = []Evidence{}, []Notice{}
		for _, f := range in.Files {
			if f == nil {
				continue
			}
			e := newEvidence(ctx, f.Upload, f.kind, f.sha256, f.size, f.pages)
			e.Position = len(a.Evidence) + 1
			a.Evidence = append(a.Evidence, e)
		}
		// Everything the submission would refuse, in the same answer.
		if in.Submit {
			now := s.db.Now()
			if err := collect(&v, "", s.check(ctx, a, now)); err != nil {
				return nil, false, err
			}
			pre = precompute(a, now)
		}
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	// A file kept in memory goes into the filing's own transaction when
	// the blob store keeps files of its size in the database (one commit
	// instead of two); any other is stored first.
	txBlobs, _ := s.deps.Blobs.(blob.TxPutter)
	var inTx [][]byte
	for _, f := range in.Files {
		if txBlobs != nil && f.c.f == nil && txBlobs.Inlines(int64(len(f.c.mem))) {
			inTx = append(inTx, f.c.mem)
			continue
		}
		r, err := f.c.reader()
		if err != nil {
			return nil, false, err
		}
		if _, err := s.deps.Blobs.Put(ctx, r); err != nil {
			return nil, false, err
		}
	}
	appID, replayed, err := s.once(ctx, p.UserID, once, "create", 201, func(tx *sqldb.Tx) (string, error) {
		a.Status, a.ClaimTotalFen, a.SubmittedAt = Draft, 0, nil // a retried transaction starts again
		for _, data := range inTx {
			if _, err := txBlobs.PutTx(ctx, tx, data); err != nil {
				return "", err
			}
		}
		recs := make([]audit.Record, 0, 2+len(a.Evidence))
		rec, err := createInTx(ctx, tx, a)
		if err != nil {
			return "", err
		}
		recs = append(recs, rec)
		for i := range a.Evidence {
			a.Evidence[i].CreatedAt = tx.Now
			rec, err := s.insertEvidence(ctx, tx, a, a.Evidence[i])
			if err != nil {
				return "", err
			}
			recs = append(recs, rec)
		}
		if in.Submit {
			rec, err := s.fileInTx(ctx, tx, a, pre)
			if err != nil {
				return "", err
			}
			recs = append(recs, rec)
		}
		// One link of the court's audit chain for the whole request.
		return a.ID, audit.AppendAll(ctx, tx, recs...)
	})
	if err != nil {
		return nil, false, err
	}
	if replayed {
		a, err = s.reload(ctx, appID)
		return a, true, err
	}
	// a is exactly what the transaction wrote: no need to read it back.
	s.clockOf(a, s.db.Now())
	return a, false, nil
}

// evidenceField names a field of the i-th file of a whole filing in
// errors: "evidence[0].purpose".
func evidenceField(i int, field string) string {
	return "evidence[" + strconv.Itoa(i) + "]." + field
}
