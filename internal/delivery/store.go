package delivery

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// This file holds the SQL. It stores and loads; it decides nothing.

type scanner interface{ Scan(dest ...any) error }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func dateText(d *calendar.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func datePtr(s string) (*calendar.Date, error) {
	if s == "" {
		return nil, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func isNoRows(err error) bool {
	return err == sql.ErrNoRows || errs.CodeOf(err) == errs.NotFound
}

// enqueue writes an event to the outbox inside tx.
func enqueue(ctx context.Context, tx *sqldb.Tx, typ, courtID, caseID string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID, ev.Actor = courtID, caseID, audit.ActorFrom(ctx).UserID
	return bus.Enqueue(ctx, tx, ev)
}

// Consents.

const consentColumns = `id, case_id, party_id, version, electronic, judgments, channels, postal_address,
	postal_recipient, contact_phone, how, proof_ref, signed_by, signed_at`

func lastConsentVersion(ctx context.Context, q sqldb.Querier, courtID, caseID, partyID string) (int, error) {
	var n sql.NullInt64
	err := q.QueryRow(ctx, `SELECT MAX(version) FROM delivery_consent WHERE court_id = ? AND case_id = ? AND party_id = ?`,
		courtID, caseID, partyID).Scan(&n)
	return int(n.Int64), err
}

func insertConsent(ctx context.Context, tx *sqldb.Tx, courtID string, k Consent) error {
	ch, err := toJSON(k.Channels)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO delivery_consent (court_id, `+consentColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, k.ID, k.CaseID, k.PartyID, k.Version, boolInt(k.Electronic), boolInt(k.Judgments), ch, k.PostalAddress,
		k.PostalRecipient, k.ContactPhone, k.How, k.ProofRef, k.SignedBy, k.SignedAt)
	return err
}

func scanConsent(r scanner) (Consent, error) {
	var k Consent
	var electronic, judgments int
	var ch string
	err := r.Scan(&k.ID, &k.CaseID, &k.PartyID, &k.Version, &electronic, &judgments, &ch, &k.PostalAddress,
		&k.PostalRecipient, &k.ContactPhone, &k.How, &k.ProofRef, &k.SignedBy, &k.SignedAt)
	if err != nil {
		return Consent{}, err
	}
	k.Electronic, k.Judgments, k.SignedAt = electronic != 0, judgments != 0, k.SignedAt.UTC()
	if err := json.Unmarshal([]byte(ch), &k.Channels); err != nil {
		return Consent{}, fmt.Errorf("delivery: consent %s channels: %w", k.ID, err)
	}
	return k, nil
}

// loadConsents returns a party's confirmations in a case, newest first.
func loadConsents(ctx context.Context, q sqldb.Querier, courtID, caseID, partyID string) ([]Consent, error) {
	rows, err := q.Query(ctx, `SELECT `+consentColumns+` FROM delivery_consent
		WHERE court_id = ? AND case_id = ? AND party_id = ? ORDER BY version DESC`, courtID, caseID, partyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Consent{}
	for rows.Next() {
		k, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// newestConsent returns a party's newest confirmation, or nil.
func newestConsent(ctx context.Context, q sqldb.Querier, courtID, caseID, partyID string) (*Consent, error) {
	k, err := scanConsent(q.QueryRow(ctx, `SELECT `+consentColumns+` FROM delivery_consent
		WHERE court_id = ? AND case_id = ? AND party_id = ? ORDER BY version DESC LIMIT 1`, courtID, caseID, partyID))
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// Bases.

const basisColumns = `id, case_id, party_id, kind, fact, source_ref, channels, recorded_by, recorded_at`

func insertBasis(ctx context.Context, tx *sqldb.Tx, courtID string, b BasisRecord) error {
	ch, err := toJSON(b.Channels)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO delivery_basis (court_id, `+basisColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, b.ID, b.CaseID, b.PartyID, b.Kind, b.Fact, b.SourceRef, ch, b.RecordedBy, b.RecordedAt)
	return err
}

// loadBases returns a party's recorded bases in a case, newest first.
func loadBases(ctx context.Context, q sqldb.Querier, courtID, caseID, partyID string) ([]BasisRecord, error) {
	rows, err := q.Query(ctx, `SELECT `+basisColumns+` FROM delivery_basis
		WHERE court_id = ? AND case_id = ? AND party_id = ? ORDER BY recorded_at DESC, id DESC`, courtID, caseID, partyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BasisRecord{}
	for rows.Next() {
		var b BasisRecord
		var ch string
		if err := rows.Scan(&b.ID, &b.CaseID, &b.PartyID, &b.Kind, &b.Fact, &b.SourceRef, &ch, &b.RecordedBy, &b.RecordedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(ch), &b.Channels); err != nil {
			return nil, fmt.Errorf("delivery: basis %s channels: %w", b.ID, err)
		}
		b.Article, b.RecordedAt = articles[b.Kind], b.RecordedAt.UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}
