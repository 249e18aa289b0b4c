package document

import (
	"context"
	"database/sql"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Document is an issued document: a sealed PDF in the blob store and its
// record. Code is the verification code, formatted in groups.
type Document struct {
	ID         string    `json:"id"`
	CourtID    string    `json:"court_id"`
	CaseID     string    `json:"case_id"`
	CaseNumber string    `json:"case_number"`
	Kind       string    `json:"kind"`
	Title      string    `json:"title"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Pages      int       `json:"pages"`
	Code       string    `json:"code"`
	SealSerial string    `json:"seal_serial"`
	IssuedBy   string    `json:"issued_by"`
	IssuedAt   time.Time `json:"issued_at"`

	blobKey         string
	idempotencyKey  string
	timelineEventID string
}

const docColumns = `court_id, id, case_id, case_number, kind, title, sha256, blob_key, size, pages, code,
	seal_serial, idempotency_key, timeline_event_id, issued_by, issued_at`

type scanner interface{ Scan(dest ...any) error }

func scanDoc(r scanner) (Document, error) {
	var d Document
	err := r.Scan(&d.CourtID, &d.ID, &d.CaseID, &d.CaseNumber, &d.Kind, &d.Title, &d.SHA256, &d.blobKey, &d.Size,
		&d.Pages, &d.Code, &d.SealSerial, &d.idempotencyKey, &d.timelineEventID, &d.IssuedBy, &d.IssuedAt)
	if err != nil {
		return Document{}, err
	}
	d.IssuedAt = d.IssuedAt.UTC()
	d.Code = FormatCode(d.Code)
	return d, nil
}

func insertDoc(ctx context.Context, tx *sqldb.Tx, d Document, code string) error {
	_, err := tx.Exec(ctx, `INSERT INTO documents_issued (`+docColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.CourtID, d.ID, d.CaseID, d.CaseNumber, d.Kind, d.Title, d.SHA256, d.blobKey, d.Size, d.Pages, code,
		d.SealSerial, d.idempotencyKey, d.timelineEventID, d.IssuedBy, d.IssuedAt.UTC())
	return err
}

func notFound() error { return errs.New(errs.NotFound, "document.error.not_found") }

func oneDoc(r *sqldb.Row) (Document, error) {
	d, err := scanDoc(r)
	if err == sql.ErrNoRows || errs.CodeOf(err) == errs.NotFound {
		return Document{}, notFound()
	}
	return d, err
}

func loadDoc(ctx context.Context, q sqldb.Querier, id string) (Document, error) {
	return oneDoc(q.QueryRow(ctx, `SELECT `+docColumns+` FROM documents_issued WHERE id = ?`, id))
}

func docByKey(ctx context.Context, q sqldb.Querier, courtID, key string) (Document, error) {
	return oneDoc(q.QueryRow(ctx, `SELECT `+docColumns+` FROM documents_issued WHERE court_id = ? AND idempotency_key = ?`, courtID, key))
}

func docByCode(ctx context.Context, q sqldb.Querier, code string) (Document, error) {
	return oneDoc(q.QueryRow(ctx, `SELECT `+docColumns+` FROM documents_issued WHERE code = ?`, code))
}

func docBySHA256(ctx context.Context, q sqldb.Querier, sum string) (Document, error) {
	return oneDoc(q.QueryRow(ctx, `SELECT `+docColumns+` FROM documents_issued WHERE sha256 = ? ORDER BY issued_at, id LIMIT 1`, sum))
}

func listCaseDocs(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Document, error) {
	rows, err := q.Query(ctx, `SELECT `+docColumns+` FROM documents_issued WHERE court_id = ? AND case_id = ?
		ORDER BY issued_at, id`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Document{}
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// swapTimelineEvent sets the document's timeline_event_id to "to" if it
// is "from", and reports whether it did.
func swapTimelineEvent(ctx context.Context, tx *sqldb.Tx, d Document, from, to string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE documents_issued SET timeline_event_id = ? WHERE court_id = ? AND id = ? AND timeline_event_id = ?`,
		to, d.CourtID, d.ID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func insertCode(ctx context.Context, tx *sqldb.Tx, code, courtID, documentID, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO documents_code (code, court_id, document_id, reserved_by, reserved_at)
		VALUES (?, ?, ?, ?, ?)`, code, courtID, documentID, by, tx.Now)
	return err
}

// useCode marks a reserved code of the court as used by documentID; it
// reports false when the code is not reserved for the court or already
// used.
func useCode(ctx context.Context, tx *sqldb.Tx, code, courtID, documentID string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE documents_code SET document_id = ? WHERE code = ? AND court_id = ? AND document_id = ''`,
		documentID, code, courtID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// codeState returns the court and document of a code ("" document while
// reserved); not_found when the code was never handed out.
func codeState(ctx context.Context, q sqldb.Querier, code string) (courtID, documentID string, err error) {
	err = q.QueryRow(ctx, `SELECT court_id, document_id FROM documents_code WHERE code = ?`, code).Scan(&courtID, &documentID)
	if err == sql.ErrNoRows {
		err = errs.New(errs.NotFound, "")
	}
	return courtID, documentID, err
}
