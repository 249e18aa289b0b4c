package transcript

import (
	"context"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Start opens the record of a hearing of a case; the hearing context calls
// it when the hearing is scheduled or opened. It is idempotent: starting a
// record that exists for the same case returns it unchanged. The caller
// must be the case's clerk or judge (or AsSystem).
//
// Errors: unauthenticated; the casefile's not_found/forbidden; forbidden
// "transcript.error.not_writer"; invalid (hearing_id, case_id, place,
// mode); conflict "transcript.error.other_case" when the hearing's record
// belongs to another case.
func (s *Service) Start(ctx context.Context, req StartRequest) (Record, error) {
	ctx = withActor(ctx)
	var v errs.Collector
	checkText(&v, "hearing_id", req.HearingID, true, 100)
	checkText(&v, "case_id", req.CaseID, true, 100)
	checkText(&v, "place", req.Place, true, 100)
	checkText(&v, "mode", req.Mode, false, 40)
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	st, err := s.authorize(ctx, req.CaseID)
	if err != nil {
		return Record{}, err
	}
	if err := st.requireWriter(); err != nil {
		return Record{}, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := loadRecord(ctx, tx, req.HearingID)
		if err == nil {
			if cur.CaseID != req.CaseID {
				return errs.New(errs.Conflict, "transcript.error.other_case")
			}
			return nil
		}
		if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		r := Record{HearingID: req.HearingID, CaseID: req.CaseID, CourtID: st.c.CourtID, Place: strings.TrimSpace(req.Place),
			Mode: strings.TrimSpace(req.Mode), State: Open, Version: 1, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if err := insertRecord(ctx, tx, r); err != nil {
			return err
		}
		return changed(ctx, tx, r, "started", "", map[string]any{"case_id": r.CaseID})
	})
	if err != nil {
		return Record{}, err
	}
	return s.Find(ctx, req.HearingID)
}

// Find returns the record of a hearing with its entries (deleted ones
// marked), the signers of the current round and every objection. The
// case's parties and representatives read it as well as court staff; each
// read passes the casefile's check and is audited there.
//
// Errors: unauthenticated; not_found "transcript.error.not_found"; the
// casefile's not_found/forbidden.
func (s *Service) Find(ctx context.Context, hearingID string) (Record, error) {
	ctx = withActor(ctx)
	r0, err := loadRecord(ctx, s.db, hearingID)
	if err != nil {
		return Record{}, err
	}
	st, err := s.authorize(ctx, r0.CaseID)
	if err != nil {
		return Record{}, err
	}
	r, err := loadFull(ctx, s.db, hearingID)
	if err != nil {
		return Record{}, err
	}
	r.CaseNumber, r.CanWrite, r.Transcriber = st.c.Number, st.writer, s.TranscriberOn()
	for _, sg := range r.Signers {
		if sg.AccountID == st.userID {
			r.MyState = sg.State
		}
	}
	return r, nil
}

// write runs fn on the locked record inside one transaction, after the
// access check, for the case's clerk or judge only.
func (s *Service) write(ctx context.Context, hearingID string, fn func(tx *sqldb.Tx, r *Record, st standing) error) error {
	r0, err := loadRecord(ctx, s.db, hearingID)
	if err != nil {
		return err
	}
	st, err := s.authorize(ctx, r0.CaseID)
	if err != nil {
		return err
	}
	if err := st.requireWriter(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		r, err := lockRecord(ctx, tx, hearingID)
		if err != nil {
			return err
		}
		return fn(tx, &r, st)
	})
}

func checkEntry(speaker, text string) error {
	var v errs.Collector
	checkText(&v, "speaker", speaker, true, MaxSpeaker)
	checkText(&v, "text", text, true, MaxText)
	return v.Err()
}

// Append adds an entry at the end of the record (revision 1, kept in the
// history). Only the case's clerk or judge writes, and only while the
// record is open. It emits EventChanged ("entry_added").
//
// Errors: as Find; forbidden "transcript.error.not_writer"; invalid
// (speaker, text, at); conflict "transcript.error.state_signing" or
// "…state_final".
func (s *Service) Append(ctx context.Context, hearingID string, in NewEntry) (Entry, error) {
	ctx = withActor(ctx)
	if err := checkEntry(in.Speaker, in.Text); err != nil {
		return Entry{}, err
	}
	var e Entry
	err := s.write(ctx, hearingID, func(tx *sqldb.Tx, r *Record, _ standing) error {
		if err := requireState(*r, Open); err != nil {
			return err
		}
		at := tx.Now
		if in.At != nil {
			// A time given by the clerk may be earlier (typed after the
			// fact) but never in the future.
			if in.At.After(tx.Now.Add(time.Minute)) {
				return errs.Fields(fieldErr("at", "future"))
			}
			at = in.At.UTC()
		}
		seq, err := nextSeq(ctx, tx, r.CourtID, r.HearingID)
		if err != nil {
			return err
		}
		e = Entry{ID: ids.New(), Seq: seq, Kind: Speech, Speaker: strings.TrimSpace(in.Speaker), Text: strings.TrimSpace(in.Text),
			At: at, Revision: 1, CreatedBy: actorOf(ctx), UpdatedAt: tx.Now}
		return s.saveNew(ctx, tx, *r, e, "entry_added")
	})
	return e, err
}

func (s *Service) saveNew(ctx context.Context, tx *sqldb.Tx, r Record, e Entry, what string) error {
	if err := insertEntry(ctx, tx, r.CourtID, r.HearingID, e); err != nil {
		return err
	}
	if err := insertRevision(ctx, tx, r.CourtID, r.HearingID, "create", e); err != nil {
		return err
	}
	return changed(ctx, tx, r, what, e.ID, map[string]any{"revision": e.Revision})
}

// Edit replaces an entry's speaker and text; the previous version stays in
// the entry's history (Revisions) with who changed it and when. Session
// marks and deleted entries cannot be edited. It emits EventChanged
// ("entry_edited").
//
// Errors: as Append; not_found "transcript.error.entry_not_found";
// conflict "transcript.error.entry_deleted", "transcript.error.mark_fixed".
func (s *Service) Edit(ctx context.Context, hearingID, entryID string, in EntryEdit) (Entry, error) {
	ctx = withActor(ctx)
	if err := checkEntry(in.Speaker, in.Text); err != nil {
		return Entry{}, err
	}
	return s.changeEntry(ctx, hearingID, entryID, "edit", func(e *Entry) {
		e.Speaker, e.Text = strings.TrimSpace(in.Speaker), strings.TrimSpace(in.Text)
	})
}

// Delete marks an entry deleted; it stays in the record's history and is
// left out of the printed record. It emits EventChanged ("entry_deleted").
//
// Errors: as Edit.
func (s *Service) Delete(ctx context.Context, hearingID, entryID string) (Entry, error) {
	ctx = withActor(ctx)
	return s.changeEntry(ctx, hearingID, entryID, "delete", func(e *Entry) { e.Deleted = true })
}

func (s *Service) changeEntry(ctx context.Context, hearingID, entryID, action string, apply func(*Entry)) (Entry, error) {
	var e Entry
	err := s.write(ctx, hearingID, func(tx *sqldb.Tx, r *Record, _ standing) error {
		if err := requireState(*r, Open); err != nil {
			return err
		}
		var err error
		if e, err = loadEntry(ctx, tx, r.CourtID, r.HearingID, entryID); err != nil {
			return err
		}
		switch {
		case e.Deleted:
			return errs.New(errs.Conflict, "transcript.error.entry_deleted")
		case e.Kind == Marked:
			return errs.New(errs.Conflict, "transcript.error.mark_fixed")
		}
		apply(&e)
		e.Revision++
		e.UpdatedAt = tx.Now
		if err := updateEntry(ctx, tx, r.CourtID, e); err != nil {
			return err
		}
		if err := insertRevision(ctx, tx, r.CourtID, r.HearingID, action, e); err != nil {
			return err
		}
		what := "entry_edited"
		if action == "delete" {
			what = "entry_deleted"
		}
		return changed(ctx, tx, *r, what, e.ID, map[string]any{"revision": e.Revision})
	})
	return e, err
}

// Mark puts a session mark (open, recess, resume, close) at time at into
// the record; the hearing context calls it when the judge opens, recesses
// or closes the session (as the judge, or AsSystem). Marks cannot be
// edited or deleted. A mark is refused once the record is closed for
// signing.
//
// Errors: as Append; invalid "kind" for an unknown mark.
func (s *Service) Mark(ctx context.Context, hearingID string, kind MarkKind, at time.Time) (Entry, error) {
	ctx = withActor(ctx)
	if !kind.Valid() {
		return Entry{}, errs.Fields(fieldErr("kind", "unknown_mark"))
	}
	if at.IsZero() {
		return Entry{}, errs.Fields(fieldErr("at", "required"))
	}
	var e Entry
	err := s.write(ctx, hearingID, func(tx *sqldb.Tx, r *Record, _ standing) error {
		if err := requireState(*r, Open); err != nil {
			return err
		}
		seq, err := nextSeq(ctx, tx, r.CourtID, r.HearingID)
		if err != nil {
			return err
		}
		e = Entry{ID: ids.New(), Seq: seq, Kind: Marked, Text: string(kind), At: at.UTC(), Revision: 1,
			CreatedBy: actorOf(ctx), UpdatedAt: tx.Now}
		return s.saveNew(ctx, tx, *r, e, "mark")
	})
	return e, err
}

// Revisions returns every version of an entry, oldest first. Readers of
// the record may see them.
//
// Errors: as Find; not_found "transcript.error.entry_not_found".
func (s *Service) Revisions(ctx context.Context, hearingID, entryID string) ([]Revision, error) {
	r, err := s.Find(ctx, hearingID)
	if err != nil {
		return nil, err
	}
	if _, err := loadEntry(ctx, s.db, r.CourtID, r.HearingID, entryID); err != nil {
		return nil, err
	}
	return listRevisions(ctx, s.db, r.CourtID, entryID)
}
