package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// storedMessage is a notify_message row.
type storedMessage struct {
	ID         string
	Ref        string
	CourtID    string
	CaseID     string
	Template   string
	Data       map[string]string
	Channels   []Channel
	Recipients []string
	Addresses  []Address
	Count      int
	Total      int
	Cursor     int
	FannedOut  *time.Time
	CreatedAt  time.Time
}

const messageHead = `id, ref, court_id, case_id, template, data, channels, recipient_count, fanout_total, fanout_cursor, fanned_out_at, created_at`

type scanner interface{ Scan(dest ...any) error }

func scanMessageHead(r scanner, m *storedMessage, extra ...any) error {
	var data, chans string
	var fanned sql.NullTime
	dest := append([]any{&m.ID, &m.Ref, &m.CourtID, &m.CaseID, &m.Template, &data, &chans, &m.Count, &m.Total,
		&m.Cursor, &fanned, &m.CreatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(data), &m.Data); err != nil {
		return fmt.Errorf("notify: message %s data: %w", m.ID, err)
	}
	for c := range strings.SplitSeq(chans, ",") {
		if c != "" {
			m.Channels = append(m.Channels, Channel(c))
		}
	}
	if fanned.Valid {
		t := fanned.Time.UTC()
		m.FannedOut = &t
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return nil
}

// loadMessage reads a message with its recipient lists.
func loadMessage(ctx context.Context, q sqldb.Querier, id string) (storedMessage, error) {
	var m storedMessage
	var recips, addrs string
	err := scanMessageHead(q.QueryRow(ctx, `SELECT `+messageHead+`, recipients, addresses FROM notify_message WHERE id = ?`, id),
		&m, &recips, &addrs)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(recips), &m.Recipients); err != nil {
		return m, fmt.Errorf("notify: message %s recipients: %w", id, err)
	}
	if err := json.Unmarshal([]byte(addrs), &m.Addresses); err != nil {
		return m, fmt.Errorf("notify: message %s addresses: %w", id, err)
	}
	return m, nil
}

// loadHead reads a message without its recipient lists.
func loadHead(ctx context.Context, q sqldb.Querier, id string) (storedMessage, error) {
	var m storedMessage
	err := scanMessageHead(q.QueryRow(ctx, `SELECT `+messageHead+` FROM notify_message WHERE id = ?`, id), &m)
	return m, err
}

// messageCache keeps message heads for the dispatchers: a message's
// template and data never change, so a cached head is never stale.
type messageCache struct {
	mu sync.Mutex
	m  map[string]storedMessage
	c  map[contentKey]Content
}

type contentKey struct {
	msg  string
	lang string
}

const maxCachedMessages = 4096

func newMessageCache() *messageCache {
	return &messageCache{m: map[string]storedMessage{}, c: map[contentKey]Content{}}
}

func (c *messageCache) head(ctx context.Context, q sqldb.Querier, id string) (storedMessage, error) {
	c.mu.Lock()
	m, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := loadHead(ctx, q, id)
	if err != nil {
		return m, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedMessages {
		clear(c.m)
		clear(c.c)
	}
	c.m[id] = m
	c.mu.Unlock()
	return m, nil
}

// content renders m in lang once and keeps it.
func (c *messageCache) content(m storedMessage, lang string) (Content, error) {
	k := contentKey{m.ID, lang}
	c.mu.Lock()
	ct, ok := c.c[k]
	c.mu.Unlock()
	if ok {
		return ct, nil
	}
	ct, err := texts.render(m.Template, langOf(lang), m.Data)
	if err != nil {
		return ct, err
	}
	c.mu.Lock()
	c.c[k] = ct
	c.mu.Unlock()
	return ct, nil
}

// insertRows inserts rows into table in multi-row INSERTs. Statement
// sizes are powers of two (at most 128 rows), so the few distinct texts
// stay in the prepared-statement cache.
func insertRows(ctx context.Context, tx *sqldb.Tx, table, cols string, ncols int, rows [][]any, suffix string) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncols), ", ") + ")"
	for len(rows) > 0 {
		n := 128
		for n > len(rows) {
			n /= 2
		}
		args := make([]any, 0, n*ncols)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + " " + suffix
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("notify: insert %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// inList returns "?, ?, …" for n placeholders and the IDs as arguments.
func inList(ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// Delivery is the state of one message to one recipient on one channel.
type Delivery struct {
	ID                string     `json:"id"`
	MessageID         string     `json:"message_id"`
	CourtID           string     `json:"court_id,omitempty"`
	Recipient         string     `json:"recipient,omitempty"`
	Channel           Channel    `json:"channel"`
	Address           string     `json:"address,omitempty"` // masked
	Language          string     `json:"language"`
	Status            Status     `json:"status"`
	Attempts          int        `json:"attempts"`
	NextAttemptAt     *time.Time `json:"next_attempt_at,omitempty"`
	Provider          string     `json:"provider,omitempty"`
	ProviderMessageID string     `json:"provider_message_id,omitempty"`
	SentAt            *time.Time `json:"sent_at,omitempty"`
	ReadAt            *time.Time `json:"read_at,omitempty"`
	DeadAt            *time.Time `json:"dead_at,omitempty"`
	ErrorCode         string     `json:"error_code,omitempty"`
	Error             string     `json:"error,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	rkey              string
	address           string
	explicit          bool
}

const deliveryColumns = `id, message_id, court_id, recipient, channel, address, lang, status, attempts, next_attempt_at,
	provider, provider_message_id, sent_at, dead_at, error_code, last_error, created_at, updated_at, rkey, explicit`

func scanDelivery(r scanner) (Delivery, error) {
	var d Delivery
	var next time.Time
	var sent, dead sql.NullTime
	var explicit int
	err := r.Scan(&d.ID, &d.MessageID, &d.CourtID, &d.Recipient, &d.Channel, &d.address, &d.Language, &d.Status,
		&d.Attempts, &next, &d.Provider, &d.ProviderMessageID, &sent, &dead, &d.ErrorCode, &d.Error,
		&d.CreatedAt, &d.UpdatedAt, &d.rkey, &explicit)
	if err != nil {
		return d, err
	}
	d.explicit = explicit != 0
	d.Address = mask(d.Channel, d.address)
	if d.Status == StatusQueued || d.Status == StatusFailed {
		n := next.UTC()
		d.NextAttemptAt = &n
	}
	d.SentAt, d.DeadAt = nullTimePtr(sent), nullTimePtr(dead)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

func nullTimePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// mask hides most of an address for the status and dead-letter views.
func mask(ch Channel, a string) string {
	switch {
	case a == "":
		return ""
	case ch == SMS && len(a) == 11:
		return a[:3] + "****" + a[7:]
	case ch == Email:
		at := strings.LastIndexByte(a, '@')
		if at <= 0 {
			return "***"
		}
		return a[:1] + "***" + a[at:]
	case ch == Webhook:
		if i := strings.Index(a, "://"); i >= 0 {
			rest := a[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				rest = rest[:j]
			}
			return a[:i+3] + rest + "/…"
		}
	}
	return "***"
}
