package hearing

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

const hearingColumns = `court_id, id, case_id, case_number, starts_at, ends_at, courtroom, mode, public, private_reason,
	online_excluded, exclusion_note, status, room, cancel_reason, opened_at, closed_at, seq, created_by, created_at, updated_at, cause, action_seq`

type scanner interface{ Scan(dest ...any) error }

func b2i(b bool) int {
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

func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func scanHearing(r scanner) (Hearing, error) {
	var h Hearing
	var public int
	var opened, closed sql.NullTime
	err := r.Scan(&h.CourtID, &h.ID, &h.CaseID, &h.CaseNumber, &h.StartsAt, &h.EndsAt, &h.Courtroom, &h.Mode, &public,
		&h.PrivateReason, &h.Exclusion, &h.ExclusionNote, &h.Status, &h.Room, &h.CancelReason, &opened, &closed, &h.Seq,
		&h.CreatedBy, &h.CreatedAt, &h.UpdatedAt, &h.Cause, &h.EventSeq)
	if err != nil {
		return Hearing{}, err
	}
	h.Public = public == 1
	h.OpenedAt, h.ClosedAt = timePtr(opened), timePtr(closed)
	h.StartsAt, h.EndsAt, h.CreatedAt, h.UpdatedAt = h.StartsAt.UTC(), h.EndsAt.UTC(), h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return h, nil
}

func insertHearing(ctx context.Context, tx *sqldb.Tx, h Hearing) error {
	_, err := tx.Exec(ctx, `INSERT INTO hearing_hearing (`+hearingColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.CourtID, h.ID, h.CaseID, h.CaseNumber, h.StartsAt.UTC(), h.EndsAt.UTC(), h.Courtroom, h.Mode, b2i(h.Public),
		h.PrivateReason, h.Exclusion, h.ExclusionNote, h.Status, h.Room, h.CancelReason, nullTime(h.OpenedAt),
		nullTime(h.ClosedAt), h.Seq, h.CreatedBy, h.CreatedAt, h.UpdatedAt, h.Cause, h.EventSeq)
	return err
}

func updateHearing(ctx context.Context, tx *sqldb.Tx, h Hearing) error {
	_, err := tx.Exec(ctx, `UPDATE hearing_hearing SET starts_at = ?, ends_at = ?, courtroom = ?, status = ?,
		cancel_reason = ?, opened_at = ?, closed_at = ?, seq = ?, updated_at = ? WHERE court_id = ? AND id = ?`,
		h.StartsAt.UTC(), h.EndsAt.UTC(), h.Courtroom, h.Status, h.CancelReason, nullTime(h.OpenedAt), nullTime(h.ClosedAt),
		h.Seq, h.UpdatedAt, h.CourtID, h.ID)
	return err
}

func loadHearing(ctx context.Context, q sqldb.Querier, id string) (Hearing, error) {
	h, err := scanHearing(q.QueryRow(ctx, `SELECT `+hearingColumns+` FROM hearing_hearing WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return Hearing{}, errs.New(errs.NotFound, "hearing.error.not_found")
	}
	if err != nil {
		return Hearing{}, err
	}
	h.Participants, err = loadParticipants(ctx, q, h.CourtID, h.ID)
	return h, err
}

func listHearings(ctx context.Context, q sqldb.Querier, where string, args ...any) ([]Hearing, error) {
	rows, err := q.Query(ctx, `SELECT `+hearingColumns+` FROM hearing_hearing WHERE `+where+` ORDER BY starts_at, id`, args...)
	if err != nil {
		return nil, err
	}
	var out []Hearing
	for rows.Next() {
		h, err := scanHearing(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Participants, err = loadParticipants(ctx, q, out[i].CourtID, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const participantColumns = `identity, kind, seat, account_id, party_id, name, mode, mode_reason, moderator, state, audio_only,
	consult, entered_at, updated_at`

func loadParticipants(ctx context.Context, q sqldb.Querier, courtID, hearingID string) ([]Participant, error) {
	rows, err := q.Query(ctx, `SELECT `+participantColumns+` FROM hearing_participant
		WHERE court_id = ? AND hearing_id = ? ORDER BY identity`, courtID, hearingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Participant
	for rows.Next() {
		var p Participant
		var mod, audio int
		var entered sql.NullTime
		if err := rows.Scan(&p.Identity, &p.Kind, &p.Seat, &p.AccountID, &p.PartyID, &p.Name, &p.Mode, &p.ModeReason,
			&mod, &p.State, &audio, &p.Consult, &entered, &p.UpdatedAt); err != nil {
			return nil, err
		}
		p.Moderator, p.AudioOnly, p.EnteredAt, p.UpdatedAt = mod == 1, audio == 1, timePtr(entered), p.UpdatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

func insertParticipant(ctx context.Context, tx *sqldb.Tx, courtID, hearingID string, p Participant) error {
	_, err := tx.Exec(ctx, `INSERT INTO hearing_participant (court_id, hearing_id, `+participantColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		courtID, hearingID, p.Identity, p.Kind, p.Seat, p.AccountID, p.PartyID, p.Name, p.Mode, p.ModeReason,
		b2i(p.Moderator), p.State, b2i(p.AudioOnly), p.Consult, nullTime(p.EnteredAt), p.UpdatedAt)
	return err
}

func updateParticipant(ctx context.Context, tx *sqldb.Tx, courtID, hearingID string, p Participant) error {
	_, err := tx.Exec(ctx, `UPDATE hearing_participant SET moderator = ?, state = ?, audio_only = ?, consult = ?,
		entered_at = ?, updated_at = ? WHERE court_id = ? AND hearing_id = ? AND identity = ?`,
		b2i(p.Moderator), p.State, b2i(p.AudioOnly), p.Consult, nullTime(p.EnteredAt), p.UpdatedAt, courtID, hearingID, p.Identity)
	return err
}

// nextActionSeq takes the hearing's next control-record number. The
// update locks the hearing's row until tx ends, so the writers of one
// hearing take their numbers one after the other and commit them in order:
// whoever sees number n committed can read every number below it.
func nextActionSeq(ctx context.Context, tx *sqldb.Tx, courtID, hearingID string) (int64, error) {
	var seq int64
	err := tx.QueryRow(ctx, `UPDATE hearing_hearing SET action_seq = action_seq + 1 WHERE court_id = ? AND id = ?
		RETURNING action_seq`, courtID, hearingID).Scan(&seq)
	return seq, err
}

// insertAction stores a with the participant's state and the hearing's
// status after it (for sending its room event again).
func insertAction(ctx context.Context, tx *sqldb.Tx, courtID, hearingID string, a Action, state State, status Status) error {
	_, err := tx.Exec(ctx, `INSERT INTO hearing_action (court_id, id, hearing_id, seq, at, actor_id, action, target, detail, state, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, courtID, a.ID, hearingID, a.Seq, a.At, a.ActorID, a.Action, a.Target, a.Detail,
		state, status)
	return err
}

func loadActions(ctx context.Context, q sqldb.Querier, hearingID string) ([]Action, error) {
	rows, err := q.Query(ctx, `SELECT id, seq, at, actor_id, action, target, detail FROM hearing_action
		WHERE hearing_id = ? ORDER BY seq, at, id`, hearingID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var a Action
		if err := rows.Scan(&a.ID, &a.Seq, &a.At, &a.ActorID, &a.Action, &a.Target, &a.Detail); err != nil {
			return nil, err
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// loadChanges returns the room events of the hearing's control record
// numbered after and up to through (through <= 0: to the end), in order.
func loadChanges(ctx context.Context, q sqldb.Querier, courtID, hearingID string, after, through int64) ([]RoomChange, error) {
	if through <= 0 {
		through = math.MaxInt32
	}
	rows, err := q.Query(ctx, `SELECT seq, at, action, target, detail, state, status FROM hearing_action
		WHERE court_id = ? AND hearing_id = ? AND seq > ? AND seq <= ? ORDER BY seq`, courtID, hearingID, after, through)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RoomChange
	for rows.Next() {
		rc := RoomChange{HearingID: hearingID}
		var detail string
		if err := rows.Scan(&rc.Seq, &rc.At, &rc.Action, &rc.Target, &detail, &rc.State, &rc.Status); err != nil {
			return nil, err
		}
		rc.At = rc.At.UTC()
		var d map[string]any
		_ = json.Unmarshal([]byte(detail), &d)
		rc.fromDetail(d)
		out = append(out, rc)
	}
	return out, rows.Err()
}

// conflictRow is an overlapping hearing that shares a person or a room.
type conflictRow struct {
	HearingID, CaseNumber, AccountID, Kind string
	StartsAt                               time.Time
}

// overlapping returns the live hearings (not cancelled or closed) other
// than exclude that overlap [from, to) and in which one of accounts takes
// part with one of kinds.
func overlapping(ctx context.Context, q sqldb.Querier, exclude string, from, to time.Time, accounts []string, kinds []Kind) ([]conflictRow, error) {
	if len(accounts) == 0 {
		return nil, nil
	}
	var out []conflictRow
	for _, acc := range accounts {
		for _, k := range kinds {
			rows, err := q.Query(ctx, `SELECT h.id, h.case_number, p.account_id, p.kind, h.starts_at
				FROM hearing_participant p JOIN hearing_hearing h ON h.court_id = p.court_id AND h.id = p.hearing_id
				WHERE p.account_id = ? AND p.kind = ? AND h.id <> ? AND h.status NOT IN ('cancelled', 'closed')
				AND h.starts_at < ? AND h.ends_at > ?`, acc, k, exclude, to.UTC(), from.UTC())
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var c conflictRow
				if err := rows.Scan(&c.HearingID, &c.CaseNumber, &c.AccountID, &c.Kind, &c.StartsAt); err != nil {
					rows.Close()
					return nil, err
				}
				out = append(out, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// roomBusy returns a live hearing other than exclude in the same courtroom
// of the court overlapping [from, to).
func roomBusy(ctx context.Context, q sqldb.Querier, courtID, courtroom, exclude string, from, to time.Time) (conflictRow, bool, error) {
	var c conflictRow
	err := q.QueryRow(ctx, `SELECT id, case_number, starts_at FROM hearing_hearing
		WHERE court_id = ? AND courtroom = ? AND id <> ? AND status NOT IN ('cancelled', 'closed')
		AND starts_at < ? AND ends_at > ? ORDER BY starts_at LIMIT 1`, courtID, courtroom, exclude, to.UTC(), from.UTC()).
		Scan(&c.HearingID, &c.CaseNumber, &c.StartsAt)
	if errs.CodeOf(err) == errs.NotFound {
		return c, false, nil
	}
	return c, err == nil, err
}

func saveCalendarToken(ctx context.Context, tx *sqldb.Tx, account, hash string) error {
	_, err := tx.Exec(ctx, `INSERT INTO hearing_calendar_token (account_id, token_hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
		account, hash, tx.Now)
	return err
}

func accountOfToken(ctx context.Context, q sqldb.Querier, hash string) (string, error) {
	var acc string
	err := q.QueryRow(ctx, `SELECT account_id FROM hearing_calendar_token WHERE token_hash = ?`, hash).Scan(&acc)
	return acc, err
}
