package notify

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Administrators: a platform administrator sees every message and dead
// letter; a court administrator those of their courts. Messages of no
// court are the platform administrator's alone.

// adminCourts returns the courts whose notifications the principal
// administers, or all == true for a platform administrator.
func adminCourts(ctx context.Context) (courts []string, all bool, err error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, false, err
	}
	if pr.Has("", auth.PlatformAdmin) {
		return nil, true, nil
	}
	courts = pr.Courts(auth.CourtAdmin)
	if len(courts) == 0 {
		return nil, false, errs.New(errs.Forbidden, "error.forbidden")
	}
	return courts, false, nil
}

func mayAdminister(ctx context.Context, courtID string) error {
	courts, all, err := adminCourts(ctx)
	if err != nil || all {
		return err
	}
	if courtID == "" || !slices.Contains(courts, courtID) {
		return errs.New(errs.Forbidden, "error.forbidden")
	}
	return nil
}

// DeadLetterFilter selects dead letters.
type DeadLetterFilter struct {
	CourtID string  // "" for every court the administrator has
	Channel Channel // "" for every channel
	// Before is the Next of the previous page.
	Before string
	Limit  int
}

// DeadLetters is a page of dead letters, the most recent first.
type DeadLetters struct {
	Items []Delivery `json:"items"`
	Next  string     `json:"next,omitempty"`
}

// ListDeadLetters returns the deliveries that failed for good, for an
// administrator (errs.Forbidden for anyone else, and for a court
// administrator asking about another court).
func (s *Service) ListDeadLetters(ctx context.Context, f DeadLetterFilter) (DeadLetters, error) {
	courts, all, err := adminCourts(ctx)
	if err != nil {
		return DeadLetters{}, err
	}
	if f.Channel != "" && !slices.Contains(external, f.Channel) {
		return DeadLetters{}, errs.Fields(errs.FieldError{Field: "channel", Code: "invalid", Key: "notify.field.channel"})
	}
	q := `SELECT ` + deliveryColumns + ` FROM notify_delivery WHERE status = 'dead'`
	var args []any
	switch {
	case f.CourtID != "":
		if !all && !slices.Contains(courts, f.CourtID) {
			return DeadLetters{}, errs.New(errs.Forbidden, "error.forbidden")
		}
		q += ` AND court_id = ?`
		args = append(args, f.CourtID)
	case !all:
		in, a := inList(courts)
		q += ` AND court_id IN (` + in + `)`
		args = append(args, a...)
	}
	if f.Channel != "" {
		q += ` AND channel = ?`
		args = append(args, string(f.Channel))
	}
	if f.Before != "" {
		at, id, ok := parseDeadCursor(f.Before)
		if !ok {
			return DeadLetters{}, errs.Fields(errs.FieldError{Field: "before", Code: "invalid", Key: "notify.field.cursor"})
		}
		q += ` AND (dead_at < ? OR (dead_at = ? AND id < ?))`
		args = append(args, at, at, id)
	}
	n := Page{Limit: f.Limit}.limit()
	rows, err := s.db.Query(ctx, q+` ORDER BY dead_at DESC, id DESC LIMIT ?`, append(args, n+1)...)
	if err != nil {
		return DeadLetters{}, err
	}
	defer rows.Close()
	out := DeadLetters{Items: []Delivery{}}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return DeadLetters{}, err
		}
		out.Items = append(out.Items, d)
	}
	if err := rows.Err(); err != nil {
		return DeadLetters{}, err
	}
	if len(out.Items) > n {
		out.Items = out.Items[:n]
		last := out.Items[n-1]
		out.Next = strconv.FormatInt(last.DeadAt.UnixMicro(), 10) + "_" + last.ID
	}
	return out, nil
}

func parseDeadCursor(s string) (time.Time, string, bool) {
	us, id, ok := strings.Cut(s, "_")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", false
	}
	return time.UnixMicro(n).UTC(), id, true
}

func findDelivery(ctx context.Context, q sqldb.Querier, id string) (Delivery, error) {
	d, err := scanDelivery(q.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM notify_delivery WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return d, errs.New(errs.NotFound, "notify.error.delivery_not_found")
	}
	return d, err
}

// RetryDeadLetter puts a dead delivery back in its channel's queue with
// its attempts reset, for an administrator of its court. The address of
// an account recipient is looked up again first (the account may have
// fixed it); an address given by the producer is kept. The retry is
// audited ("notify.dead_letter.retry"). It returns errs.NotFound for an
// unknown delivery, errs.Forbidden for a non-administrator, and
// errs.Conflict when the delivery is not dead, still has no address, or
// its channel is not configured.
func (s *Service) RetryDeadLetter(ctx context.Context, id string) (Delivery, error) {
	d, err := findDelivery(ctx, s.db, id)
	if err != nil {
		return Delivery{}, err
	}
	if err := mayAdminister(ctx, d.CourtID); err != nil {
		return Delivery{}, err
	}
	if s.senders[d.Channel] == nil {
		return Delivery{}, errs.New(errs.Conflict, "notify.error.channel_unavailable")
	}
	address := d.address
	if !d.explicit && d.Recipient != "" {
		cs, err := contacts(ctx, s.dir, []string{d.Recipient})
		if err != nil {
			return Delivery{}, errs.Wrap(errs.Unavailable, "", err)
		}
		address = cs[d.Recipient].addressFor(d.Channel)
		if d.Channel == SMS {
			if p, ok := NormalisePhone(address); ok {
				address = p
			}
		}
	}
	if address == "" {
		return Delivery{}, errs.New(errs.Conflict, "notify.error.no_address")
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE notify_delivery SET status = 'queued', attempts = 0, next_attempt_at = ?, dead_at = NULL,
			lease_until = NULL, lease_token = '', address = ?, error_code = '', last_error = '', updated_at = ?
			WHERE id = ? AND status = 'dead'`, tx.Now, address, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "notify.error.not_dead")
		}
		m, err := loadHead(ctx, tx, d.MessageID)
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, m, dispatchEvent(d.Channel), dispatchPayload{MessageID: m.ID, DeliveryIDs: []string{id}}); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "notify.dead_letter.retry", CourtID: m.CourtID, CaseID: m.CaseID,
			Target: id, Detail: map[string]string{"channel": string(d.Channel), "error_code": d.ErrorCode}}); err != nil {
			return err
		}
		d, err = findDelivery(ctx, tx, id)
		return err
	})
	return d, err
}

// StatusQuery pages the per-recipient status of a message.
type StatusQuery struct {
	// After is the Next of the previous page.
	After string
	Limit int // default 20, at most 100
}

// MessageStatus is a message and where each of its deliveries stands.
type MessageStatus struct {
	ID         string        `json:"id"`
	Ref        string        `json:"ref,omitempty"`
	CourtID    string        `json:"court_id,omitempty"`
	CaseID     string        `json:"case_id,omitempty"`
	Template   string        `json:"template"`
	Channels   []Channel     `json:"channels"`
	Recipients int           `json:"recipients"`
	FannedOut  bool          `json:"fanned_out"`
	CreatedAt  time.Time     `json:"created_at"`
	Counts     []StatusCount `json:"counts"`
	// Items are the deliveries of a page of recipients, by recipient and
	// channel; inbox deliveries are "sent" (written) or "read".
	Items []Delivery `json:"items"`
	Next  string     `json:"next,omitempty"`
}

// StatusCount is how many deliveries of a channel are in a state.
type StatusCount struct {
	Channel Channel `json:"channel"`
	Status  Status  `json:"status"`
	Count   int     `json:"count"`
}

// FindMessageStatus returns the message id with its delivery counts and a
// page of per-recipient statuses, for an administrator of its court (the
// read is audited as "notify.message.status"). It returns errs.NotFound
// for an unknown message and errs.Forbidden for anyone else.
func (s *Service) FindMessageStatus(ctx context.Context, id string, q StatusQuery) (MessageStatus, error) {
	m, err := loadHead(ctx, s.db, id)
	if errs.CodeOf(err) == errs.NotFound {
		return MessageStatus{}, errs.New(errs.NotFound, "notify.error.message_not_found")
	}
	if err != nil {
		return MessageStatus{}, err
	}
	if err := mayAdminister(ctx, m.CourtID); err != nil {
		return MessageStatus{}, err
	}
	st, err := s.messageStatus(ctx, m, q)
	if err != nil {
		return st, err
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		return audit.Append(ctx, tx, audit.Record{Action: "notify.message.status", CourtID: m.CourtID, CaseID: m.CaseID, Target: m.ID})
	})
	return st, err
}

func (s *Service) messageStatus(ctx context.Context, m storedMessage, q StatusQuery) (MessageStatus, error) {
	st := MessageStatus{ID: m.ID, Ref: m.Ref, CourtID: m.CourtID, CaseID: m.CaseID, Template: m.Template,
		Channels: m.Channels, Recipients: m.Total, FannedOut: m.FannedOut != nil, CreatedAt: m.CreatedAt,
		Counts: []StatusCount{}, Items: []Delivery{}}
	rows, err := s.db.Query(ctx, `SELECT channel, status, COUNT(*) FROM notify_delivery WHERE message_id = ?
		GROUP BY channel, status ORDER BY channel, status`, m.ID)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var c StatusCount
		if err := rows.Scan(&c.Channel, &c.Status, &c.Count); err != nil {
			rows.Close()
			return st, err
		}
		st.Counts = append(st.Counts, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	if slices.Contains(m.Channels, Inbox) {
		var total, read int
		if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COUNT(read_at) FROM notify_inbox WHERE message_id = ?`, m.ID).
			Scan(&total, &read); err != nil {
			return st, err
		}
		for _, c := range []StatusCount{{Inbox, StatusSent, total - read}, {Inbox, StatusRead, read}} {
			if c.Count > 0 {
				st.Counts = append(st.Counts, c)
			}
		}
	}
	afterKey, afterCh := "", ""
	if q.After != "" {
		i := strings.LastIndexByte(q.After, '|')
		if i < 0 {
			return st, errs.Fields(errs.FieldError{Field: "after", Code: "invalid", Key: "notify.field.cursor"})
		}
		afterKey, afterCh = q.After[:i], q.After[i+1:]
	}
	n := Page{Limit: q.Limit}.limit()
	ds, err := s.statusDeliveries(ctx, m.ID, afterKey, afterCh, n+1)
	if err != nil {
		return st, err
	}
	if slices.Contains(m.Channels, Inbox) {
		in, err := s.statusInbox(ctx, m, afterKey, afterCh, n+1)
		if err != nil {
			return st, err
		}
		ds = append(ds, in...)
		slices.SortFunc(ds, func(a, b Delivery) int {
			if c := strings.Compare(a.rkey, b.rkey); c != 0 {
				return c
			}
			return strings.Compare(string(a.Channel), string(b.Channel))
		})
	}
	if len(ds) > n {
		ds = ds[:n]
		last := ds[n-1]
		st.Next = last.rkey + "|" + string(last.Channel)
	}
	st.Items = ds
	return st, nil
}

func (s *Service) statusDeliveries(ctx context.Context, msgID, afterKey, afterCh string, limit int) ([]Delivery, error) {
	rows, err := s.db.Query(ctx, `SELECT `+deliveryColumns+` FROM notify_delivery WHERE message_id = ?
		AND (rkey > ? OR (rkey = ? AND channel > ?)) ORDER BY rkey, channel LIMIT ?`, msgID, afterKey, afterKey, afterCh, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Service) statusInbox(ctx context.Context, m storedMessage, afterKey, afterCh string, limit int) ([]Delivery, error) {
	q := `SELECT id, account_id, lang, created_at, read_at FROM notify_inbox WHERE message_id = ? AND account_id > ?`
	if string(Inbox) > afterCh {
		q = `SELECT id, account_id, lang, created_at, read_at FROM notify_inbox WHERE message_id = ? AND account_id >= ?`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY account_id LIMIT ?`, m.ID, afterKey, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var created time.Time
		var read sql.NullTime
		if err := rows.Scan(&d.ID, &d.Recipient, &d.Language, &created, &read); err != nil {
			return nil, err
		}
		created = created.UTC()
		d.MessageID, d.CourtID, d.Channel, d.rkey = m.ID, m.CourtID, Inbox, d.Recipient
		d.Status, d.SentAt, d.CreatedAt, d.UpdatedAt, d.Attempts = StatusSent, &created, created, created, 1
		if read.Valid {
			t := read.Time.UTC()
			d.Status, d.ReadAt, d.UpdatedAt = StatusRead, &t, t
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: status: %w", err)
	}
	return out, nil
}
