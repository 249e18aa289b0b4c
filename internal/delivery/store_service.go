package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The SQL of service records, attempts, channels and fallbacks.

// Service records.

const serviceColumns = `court_id, id, case_id, case_number, case_procedure, case_cause, batch_id, document_id, document_kind, document_title,
	document_code, appealable, party_id, account_id, recipient_name, recipient_role, foreign_domicile, status,
	decision, method, served_at, served_on, served_channel, read_at, paper_requested_at, certificate_id,
	certificate_code, served_by, created_at, updated_at`

func insertService(ctx context.Context, tx *sqldb.Tx, r Record) error {
	dec, err := toJSON(r.Decision)
	if err != nil {
		return err
	}
	var certID, certCode string
	if r.Certificate != nil {
		certID, certCode = r.Certificate.ID, r.Certificate.Code
	}
	_, err = tx.Exec(ctx, `INSERT INTO delivery_service (`+serviceColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CourtID, r.ID, r.CaseID, r.CaseNumber, r.procedure, r.cause, r.BatchID, r.Document.ID, r.Document.Kind, r.Document.Title,
		r.Document.Code, boolInt(r.Document.Appealable), r.PartyID, r.AccountID, r.RecipientName, r.RecipientRole,
		boolInt(r.ForeignDomicile), r.Status, dec, r.Method, nullTime(r.ServedAt), dateText(r.ServedOn), r.ServedChannel,
		nullTime(r.ReadAt), nullTime(r.PaperRequestedAt), certID, certCode, r.ServedBy, r.CreatedAt, r.UpdatedAt)
	return err
}

// updateService writes the mutable fields of r.
func updateService(ctx context.Context, tx *sqldb.Tx, r Record) error {
	dec, err := toJSON(r.Decision)
	if err != nil {
		return err
	}
	var certID, certCode string
	if r.Certificate != nil {
		certID, certCode = r.Certificate.ID, r.Certificate.Code
	}
	_, err = tx.Exec(ctx, `UPDATE delivery_service SET status = ?, decision = ?, method = ?, served_at = ?, served_on = ?,
		served_channel = ?, read_at = ?, paper_requested_at = ?, certificate_id = ?, certificate_code = ?, updated_at = ?
		WHERE court_id = ? AND id = ?`,
		r.Status, dec, r.Method, nullTime(r.ServedAt), dateText(r.ServedOn), r.ServedChannel, nullTime(r.ReadAt),
		nullTime(r.PaperRequestedAt), certID, certCode, r.UpdatedAt, r.CourtID, r.ID)
	return err
}

func scanService(sc scanner) (Record, error) {
	var r Record
	var appealable, foreign int
	var dec, servedOn, certID, certCode string
	var servedAt, readAt, paperAt sql.NullTime
	err := sc.Scan(&r.CourtID, &r.ID, &r.CaseID, &r.CaseNumber, &r.procedure, &r.cause, &r.BatchID, &r.Document.ID, &r.Document.Kind,
		&r.Document.Title, &r.Document.Code, &appealable, &r.PartyID, &r.AccountID, &r.RecipientName, &r.RecipientRole,
		&foreign, &r.Status, &dec, &r.Method, &servedAt, &servedOn, &r.ServedChannel, &readAt, &paperAt, &certID,
		&certCode, &r.ServedBy, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return Record{}, err
	}
	r.Document.Appealable, r.ForeignDomicile = appealable != 0, foreign != 0
	if err := json.Unmarshal([]byte(dec), &r.Decision); err != nil {
		return Record{}, fmt.Errorf("delivery: service %s decision: %w", r.ID, err)
	}
	if r.ServedOn, err = datePtr(servedOn); err != nil {
		return Record{}, fmt.Errorf("delivery: service %s served_on: %w", r.ID, err)
	}
	r.ServedAt, r.ReadAt, r.PaperRequestedAt = timePtr(servedAt), timePtr(readAt), timePtr(paperAt)
	if certID != "" {
		r.Certificate = &DocumentRef{ID: certID, Code: certCode}
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.Attempts, r.Fallbacks = []Attempt{}, []Fallback{}
	return r, nil
}

func notFound() error { return errs.New(errs.NotFound, "delivery.error.not_found") }

// loadService returns the record with id (without attempts).
func loadService(ctx context.Context, q sqldb.Querier, id string) (Record, error) {
	r, err := scanService(q.QueryRow(ctx, `SELECT `+serviceColumns+` FROM delivery_service WHERE id = ?`, id))
	if isNoRows(err) {
		return Record{}, notFound()
	}
	return r, err
}

// lockService loads a record inside tx for update (a row lock on
// PostgreSQL; SQLite serialises writers anyway).
func lockService(ctx context.Context, tx *sqldb.Tx, courtID, id string) (Record, error) {
	q := `SELECT ` + serviceColumns + ` FROM delivery_service WHERE court_id = ? AND id = ?`
	if tx.Dialect() == sqldb.Postgres {
		q += ` FOR UPDATE`
	}
	r, err := scanService(tx.QueryRow(ctx, q, courtID, id))
	if isNoRows(err) {
		return Record{}, notFound()
	}
	return r, err
}

func queryServices(ctx context.Context, q sqldb.Querier, query string, args ...any) ([]Record, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		r, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func listServices(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Record, error) {
	return queryServices(ctx, q, `SELECT `+serviceColumns+` FROM delivery_service
		WHERE court_id = ? AND case_id = ? ORDER BY created_at, id`, courtID, caseID)
}

// documentServed reports whether the document was already served on the
// party in the case.
func documentServed(ctx context.Context, q sqldb.Querier, courtID, caseID, documentID, partyID string) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM delivery_service WHERE court_id = ? AND case_id = ? AND document_id = ? AND party_id = ?`,
		courtID, caseID, documentID, partyID).Scan(&n)
	return n > 0, err
}

// Attempts and channels.

func insertAttempt(ctx context.Context, tx *sqldb.Tx, courtID, serviceID, caseID string, a Attempt) error {
	dec, err := toJSON(a.Decision)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO delivery_attempt (court_id, id, service_id, case_id, seq, decision, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, courtID, a.ID, serviceID, caseID, a.Seq, dec, a.CreatedBy, a.CreatedAt); err != nil {
		return err
	}
	for _, c := range a.Channels {
		if _, err := tx.Exec(ctx, `INSERT INTO delivery_channel (court_id, attempt_id, service_id, channel, address, valid,
			status, sent_at, provider_id, failure, read_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			courtID, a.ID, serviceID, c.Channel, c.Address, boolInt(c.Valid), c.Status, nullTime(c.SentAt), c.ProviderID,
			c.Failure, nullTime(c.ReadAt), c.UpdatedAt); err != nil {
			return err
		}
	}
	return nil
}

func lastAttemptSeq(ctx context.Context, q sqldb.Querier, courtID, serviceID string) (int, error) {
	var n sql.NullInt64
	err := q.QueryRow(ctx, `SELECT MAX(seq) FROM delivery_attempt WHERE court_id = ? AND service_id = ?`, courtID, serviceID).Scan(&n)
	return int(n.Int64), err
}

// attemptOf returns the court and service of an attempt.
func attemptOf(ctx context.Context, q sqldb.Querier, attemptID string) (courtID, serviceID, caseID string, err error) {
	err = q.QueryRow(ctx, `SELECT court_id, service_id, case_id FROM delivery_attempt WHERE id = ?`, attemptID).Scan(&courtID, &serviceID, &caseID)
	if isNoRows(err) {
		return "", "", "", notFound()
	}
	return courtID, serviceID, caseID, err
}

func updateChannel(ctx context.Context, tx *sqldb.Tx, courtID, attemptID string, c ChannelState) error {
	_, err := tx.Exec(ctx, `UPDATE delivery_channel SET status = ?, sent_at = ?, provider_id = ?, failure = ?, read_at = ?,
		updated_at = ? WHERE court_id = ? AND attempt_id = ? AND channel = ?`,
		c.Status, nullTime(c.SentAt), c.ProviderID, c.Failure, nullTime(c.ReadAt), c.UpdatedAt, courtID, attemptID, c.Channel)
	return err
}

// loadAttempts fills the attempts (with channels) of records, all of one
// court.
func loadAttempts(ctx context.Context, q sqldb.Querier, courtID string, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	index := map[string]int{}
	args := []any{courtID}
	in := ""
	for i, r := range recs {
		index[r.ID] = i
		if i > 0 {
			in += ", "
		}
		in += "?"
		args = append(args, r.ID)
	}
	rows, err := q.Query(ctx, `SELECT id, service_id, seq, decision, created_by, created_at FROM delivery_attempt
		WHERE court_id = ? AND service_id IN (`+in+`) ORDER BY service_id, seq`, args...)
	if err != nil {
		return err
	}
	type key struct{ rec, att int }
	attempts := map[string]key{}
	for rows.Next() {
		var a Attempt
		var sid, dec string
		if err := rows.Scan(&a.ID, &sid, &a.Seq, &dec, &a.CreatedBy, &a.CreatedAt); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(dec), &a.Decision); err != nil {
			rows.Close()
			return fmt.Errorf("delivery: attempt %s decision: %w", a.ID, err)
		}
		a.Ref, a.CreatedAt, a.Channels = AttemptRef(a.ID), a.CreatedAt.UTC(), []ChannelState{}
		i := index[sid]
		recs[i].Attempts = append(recs[i].Attempts, a)
		attempts[a.ID] = key{i, len(recs[i].Attempts) - 1}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT attempt_id, channel, address, valid, status, sent_at, provider_id, failure, read_at, updated_at
		FROM delivery_channel WHERE court_id = ? AND service_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c ChannelState
		var aid string
		var valid int
		var sent, read sql.NullTime
		if err := rows.Scan(&aid, &c.Channel, &c.Address, &valid, &c.Status, &sent, &c.ProviderID, &c.Failure, &read, &c.UpdatedAt); err != nil {
			return err
		}
		c.Valid, c.SentAt, c.ReadAt, c.UpdatedAt = valid != 0, timePtr(sent), timePtr(read), c.UpdatedAt.UTC()
		k, ok := attempts[aid]
		if !ok {
			continue
		}
		a := &recs[k.rec].Attempts[k.att]
		a.Channels = append(a.Channels, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range recs {
		for j := range recs[i].Attempts {
			sortChannels(recs[i].Attempts[j].Channels)
		}
	}
	return nil
}

// Fallbacks.

func insertFallback(ctx context.Context, tx *sqldb.Tx, courtID, serviceID, caseID string, f Fallback) error {
	_, err := tx.Exec(ctx, `INSERT INTO delivery_fallback (court_id, id, service_id, case_id, method, published_on, served_on,
		provisional, proof_ref, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, f.ID, serviceID, caseID, f.Method, dateText(f.PublishedOn), f.ServedOn.String(), boolInt(f.Provisional),
		f.ProofRef, f.Note, f.RecordedBy, f.RecordedAt)
	return err
}

// loadFallbacks fills the fallbacks of records, all of one court.
func loadFallbacks(ctx context.Context, q sqldb.Querier, courtID string, recs []Record) error {
	index := map[string]int{}
	for i, r := range recs {
		index[r.ID] = i
	}
	for i := range recs {
		rows, err := q.Query(ctx, `SELECT id, service_id, method, published_on, served_on, provisional, proof_ref, note,
			recorded_by, recorded_at FROM delivery_fallback WHERE court_id = ? AND service_id = ? ORDER BY recorded_at, id`,
			courtID, recs[i].ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var f Fallback
			var sid, pub, served string
			var prov int
			if err := rows.Scan(&f.ID, &sid, &f.Method, &pub, &served, &prov, &f.ProofRef, &f.Note, &f.RecordedBy, &f.RecordedAt); err != nil {
				rows.Close()
				return err
			}
			if f.PublishedOn, err = datePtr(pub); err == nil {
				f.ServedOn, err = calendar.ParseDate(served)
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("delivery: fallback %s: %w", f.ID, err)
			}
			f.Provisional, f.RecordedAt = prov != 0, f.RecordedAt.UTC()
			j := index[sid]
			recs[j].Fallbacks = append(recs[j].Fallbacks, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
