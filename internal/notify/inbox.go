package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// InboxItem is one message in a person's inbox.
type InboxItem struct {
	ID        string     `json:"id"`
	MessageID string     `json:"message_id"`
	CourtID   string     `json:"court_id,omitempty"`
	CaseID    string     `json:"case_id,omitempty"`
	Template  string     `json:"template"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// InboxPage is a page of the inbox, newest first.
type InboxPage struct {
	Items  []InboxItem `json:"items"`
	Unread int         `json:"unread"`
	// Next is the Before of the next page, "" on the last.
	Next string `json:"next,omitempty"`
}

// Page selects a page of a list: Limit items (default 20, at most 100)
// before the ID Before.
type Page struct {
	Before string
	Limit  int
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 20
	case p.Limit > 100:
		return 100
	}
	return p.Limit
}

const inboxSelect = `SELECT id, message_id, court_id, case_id, template, title, body, link, created_at, read_at FROM notify_inbox`

func scanInbox(r scanner) (InboxItem, error) {
	var it InboxItem
	var read sql.NullTime
	if err := r.Scan(&it.ID, &it.MessageID, &it.CourtID, &it.CaseID, &it.Template, &it.Title, &it.Body, &it.Link,
		&it.CreatedAt, &read); err != nil {
		return it, err
	}
	it.CreatedAt = it.CreatedAt.UTC()
	it.ReadAt = nullTimePtr(read)
	return it, nil
}

// ListInbox returns a page of the signed-in person's inbox and their
// unread count. Only the owner reads an inbox. It returns an
// errs.Unauthenticated error without a principal.
func (s *Service) ListInbox(ctx context.Context, p Page) (InboxPage, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return InboxPage{}, err
	}
	q, args := inboxSelect+` WHERE account_id = ?`, []any{pr.UserID}
	if p.Before != "" {
		q += ` AND id < ?`
		args = append(args, p.Before)
	}
	n := p.limit()
	rows, err := s.db.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, n+1)...)
	if err != nil {
		return InboxPage{}, err
	}
	defer rows.Close()
	out := InboxPage{Items: []InboxItem{}}
	for rows.Next() {
		it, err := scanInbox(rows)
		if err != nil {
			return InboxPage{}, err
		}
		out.Items = append(out.Items, it)
	}
	if err := rows.Err(); err != nil {
		return InboxPage{}, err
	}
	if len(out.Items) > n {
		out.Items = out.Items[:n]
		out.Next = out.Items[n-1].ID
	}
	out.Unread, err = s.unread(ctx, pr.UserID)
	return out, err
}

// Unread returns the signed-in person's number of unread messages.
func (s *Service) Unread(ctx context.Context) (int, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return 0, err
	}
	return s.unread(ctx, pr.UserID)
}

func (s *Service) unread(ctx context.Context, account string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_inbox WHERE account_id = ? AND read_at IS NULL`, account).Scan(&n)
	return n, err
}

// MarkRead records that the signed-in person opened the inbox message id
// and returns it. The first time, it writes the read receipt and emits
// EventRead (with the message's Ref) in the same transaction; later calls
// return the message unchanged. A message of someone else's inbox is
// not found (errs.NotFound), as an unknown one is.
func (s *Service) MarkRead(ctx context.Context, id string) (InboxItem, error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return InboxItem{}, err
	}
	var it InboxItem
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		it, err = scanInbox(tx.QueryRow(ctx, inboxSelect+` WHERE id = ? AND account_id = ?`, id, pr.UserID))
		if errs.CodeOf(err) == errs.NotFound {
			return errs.New(errs.NotFound, "notify.error.inbox_not_found")
		}
		if err != nil || it.ReadAt != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE notify_inbox SET read_at = ? WHERE id = ? AND read_at IS NULL`, tx.Now, id); err != nil {
			return err
		}
		now := tx.Now
		it.ReadAt = &now
		m, err := loadHead(ctx, tx, it.MessageID)
		if err != nil {
			return err
		}
		return s.enqueue(ctx, tx, m, EventRead, Outcome{MessageID: m.ID, Ref: m.Ref, DeliveryID: it.ID,
			Recipient: pr.UserID, Channel: Inbox, At: stamp(now)})
	})
	return it, err
}

// InboxChange is one live change of a person's inbox.
type InboxChange struct {
	Kind      string `json:"kind"` // "added" or "read"
	MessageID string `json:"message_id"`
	Unread    int    `json:"unread"`
}

// Watch returns the live changes of the signed-in person's inbox (new
// messages, messages read in another tab) from the bus's live fan-out, for
// a server-sent event stream, and a function that stops watching (also
// called when ctx ends). Like every live view it is best effort: a client
// that reconnects re-reads the inbox.
func (s *Service) Watch(ctx context.Context) (<-chan InboxChange, func(), error) {
	pr, err := auth.Require(ctx)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	added, stopA := s.bus.Live(ctx, EventInboxAdded)
	read, stopR := s.bus.Live(ctx, EventRead)
	out := make(chan InboxChange, 16)
	go func() {
		defer close(out)
		defer stopA()
		defer stopR()
		for {
			var ev bus.Event
			var ok bool
			select {
			case <-ctx.Done():
				return
			case ev, ok = <-added:
			case ev, ok = <-read:
			}
			if !ok {
				return
			}
			ch, mine := s.change(ev, pr.UserID)
			if !mine {
				continue
			}
			n, uerr := s.unread(ctx, pr.UserID)
			if uerr != nil {
				return
			}
			ch.Unread = n
			select {
			case out <- ch:
			default: // a slow client re-reads on its next change
			}
		}
	}()
	return out, cancel, nil
}

// change reports whether ev concerns account's inbox.
func (s *Service) change(ev bus.Event, account string) (InboxChange, bool) {
	switch ev.Type {
	case EventInboxAdded:
		var p InboxAdded
		if json.Unmarshal(ev.Payload, &p) != nil || !slices.Contains(p.Accounts, account) {
			return InboxChange{}, false
		}
		return InboxChange{Kind: "added", MessageID: p.MessageID}, true
	case EventRead:
		var p Outcome
		if json.Unmarshal(ev.Payload, &p) != nil || p.Recipient != account || p.Channel != Inbox {
			return InboxChange{}, false
		}
		return InboxChange{Kind: "read", MessageID: p.MessageID}, true
	}
	return InboxChange{}, false
}
