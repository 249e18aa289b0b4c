package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Status is the state of a delivery.
type Status string

// Delivery states. queued → sending → sent | failed | dead; failed →
// sending (retry after backoff); sending → queued when a crashed claim is
// resolved and the provider never got the message; dead → queued when an
// administrator retries. Inbox deliveries are sent when written and read
// when opened.
const (
	StatusQueued  Status = "queued"
	StatusSending Status = "sending"
	StatusSent    Status = "sent"
	StatusFailed  Status = "failed"
	StatusDead    Status = "dead"
	StatusRead    Status = "read"
)

// Error codes the pipeline itself records.
const (
	codeNoAddress   = "no_address"
	codeUnavailable = "channel_unavailable"
	codeUnknown     = "outcome_unknown"
	codeExhausted   = "attempts_exhausted"
)

// handleQueued is the fan-out consumer of EventMessageQueued.
func (s *Service) handleQueued(ctx context.Context, ev bus.Event) error {
	var p queuedPayload
	if err := ev.Decode(&p); err != nil {
		s.log.Error("notify: undecodable queued event", "event_id", ev.ID, "err", err)
		return nil // nothing to retry
	}
	return s.Fanout(ctx, p.MessageID)
}

// Fanout turns a stored message into inbox rows and deliveries, in
// transactions of FanoutBatch recipients, each of which also enqueues the
// live push for the inbox and the channels' work-queue events. It resumes
// where an interrupted fan-out stopped (the message's cursor advances in
// the same transaction as the rows), and a batch another process has
// already written is skipped, so running it twice changes nothing. The
// fan-out consumer calls it; it is exported for tests and tools.
func (s *Service) Fanout(ctx context.Context, messageID string) error {
	m, err := loadMessage(ctx, s.db, messageID)
	if errs.CodeOf(err) == errs.NotFound {
		s.log.Error("notify: queued message not found", "message_id", messageID)
		return nil
	}
	if err != nil {
		return err
	}
	entries := len(m.Recipients)
	overrides := map[string]map[Channel]string{}
	var standalone []Address
	for _, a := range m.Addresses {
		if a.Recipient == "" {
			standalone = append(standalone, a)
			continue
		}
		if overrides[a.Recipient] == nil {
			overrides[a.Recipient] = map[Channel]string{}
		}
		overrides[a.Recipient][a.Channel] = a.To
	}
	for start := m.Cursor; start < m.Total; start += s.opts.FanoutBatch {
		end := min(start+s.opts.FanoutBatch, m.Total)
		var accts []string
		var addrs []Address
		if start < entries {
			accts = m.Recipients[start:min(end, entries)]
		}
		if end > entries {
			addrs = standalone[max(start-entries, 0) : end-entries]
		}
		cs, err := contacts(ctx, s.dir, accts)
		if err != nil {
			return errs.Wrap(errs.Unavailable, "", err)
		}
		b, err := s.buildBatch(m, accts, addrs, cs, overrides)
		if err != nil {
			return err
		}
		var done bool
		err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			ok, err := advance(ctx, tx, m, start, end)
			if err != nil || !ok {
				done = !ok
				return err
			}
			return s.writeBatch(ctx, tx, m, b)
		})
		if err != nil {
			return err
		}
		if done {
			return nil // another worker is ahead of this one
		}
	}
	return nil
}

// sweepFanouts finishes, every SweepInterval, the fan-outs that the
// consumer has not finished QueuedGrace after the message was enqueued:
// after a crash JetStream redelivers the unacknowledged queued events only
// when their ack wait ends, and this does not wait for that.
func (s *Service) sweepFanouts(ctx context.Context) {
	t := time.NewTicker(s.opts.SweepInterval)
	defer t.Stop()
	for {
		if err := s.sweepFanoutsOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("notify: fan-out sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) sweepFanoutsOnce(ctx context.Context) error {
	rows, err := s.db.Query(ctx, `SELECT id FROM notify_message WHERE fanned_out_at IS NULL AND created_at < ?
		ORDER BY created_at LIMIT 100`, s.db.Now().Add(-s.opts.QueuedGrace))
	if err != nil {
		return err
	}
	var list []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		list = append(list, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range list {
		if err := s.Fanout(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// advance moves the message's cursor from start to end; false means the
// batch was already written.
func advance(ctx context.Context, tx *sqldb.Tx, m storedMessage, start, end int) (bool, error) {
	var fanned any
	if end == m.Total {
		fanned = tx.Now
	}
	res, err := tx.Exec(ctx, `UPDATE notify_message SET fanout_cursor = ?, fanned_out_at = ? WHERE id = ? AND fanout_cursor = ?`,
		end, fanned, m.ID, start)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// batch is one fan-out transaction's rows, built before the transaction.
type batch struct {
	inbox      []inboxRow
	deliveries []deliveryRow
}

type inboxRow struct {
	id, account, lang string
	c                 Content
}

type deliveryRow struct {
	id, rkey, recipient string
	ch                  Channel
	address, lang       string
	explicit            bool
	dead                string // error code when it cannot even be tried
}

func (s *Service) buildBatch(m storedMessage, accts []string, addrs []Address, cs map[string]Contact,
	overrides map[string]map[Channel]string) (batch, error) {
	var b batch
	for _, a := range accts {
		c := cs[a]
		lang := string(langOf(c.Language))
		chans := m.Channels
		for _, ch := range external {
			if _, extra := overrides[a][ch]; extra && !slices.Contains(chans, ch) {
				chans = append(slices.Clip(chans), ch)
			}
		}
		for _, ch := range chans {
			if ch == Inbox {
				ct, err := s.msgs.content(m, lang)
				if err != nil {
					return b, fmt.Errorf("notify: render %s: %w", m.ID, err)
				}
				b.inbox = append(b.inbox, inboxRow{id: ids.New(), account: a, lang: lang, c: ct})
				continue
			}
			to, explicit := overrides[a][ch]
			if !explicit {
				to = c.addressFor(ch)
				if ch == SMS && to != "" {
					if p, ok := NormalisePhone(to); ok {
						to = p
					}
				}
			}
			b.deliveries = append(b.deliveries, s.newDelivery(a, a, ch, to, lang, explicit))
		}
	}
	for _, a := range addrs {
		b.deliveries = append(b.deliveries, s.newDelivery("@"+a.To, "", a.Channel, a.To, string(langOf(a.Language)), true))
	}
	return b, nil
}

func (s *Service) newDelivery(rkey, recipient string, ch Channel, to, lang string, explicit bool) deliveryRow {
	d := deliveryRow{id: ids.New(), rkey: rkey, recipient: recipient, ch: ch, address: to, lang: lang, explicit: explicit}
	switch {
	case to == "":
		d.dead = codeNoAddress
	case s.senders[ch] == nil:
		d.dead = codeUnavailable
	}
	return d
}

const inboxColumns = `id, court_id, case_id, account_id, message_id, template, lang, title, body, link, created_at, read_at`

const insertDeliveryColumns = `id, court_id, message_id, rkey, recipient, channel, address, explicit, lang, status, attempts,
	next_attempt_at, lease_until, lease_token, provider, provider_message_id, sent_at, dead_at, error_code, last_error,
	created_at, updated_at`

// writeBatch writes a batch's rows and events inside the fan-out
// transaction.
func (s *Service) writeBatch(ctx context.Context, tx *sqldb.Tx, m storedMessage, b batch) error {
	now := tx.Now
	if len(b.inbox) > 0 {
		rows := make([][]any, len(b.inbox))
		accounts := make([]string, len(b.inbox))
		for i, r := range b.inbox {
			rows[i] = []any{r.id, m.CourtID, m.CaseID, r.account, m.ID, m.Template, r.lang, r.c.Title, r.c.Body, r.c.Link, now, nil}
			accounts[i] = r.account
		}
		if err := insertRows(ctx, tx, "notify_inbox", inboxColumns, 12, rows, "ON CONFLICT DO NOTHING"); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, m, EventInboxAdded, InboxAdded{MessageID: m.ID, Accounts: accounts}); err != nil {
			return err
		}
		if m.Ref != "" {
			for _, r := range b.inbox {
				if err := s.enqueue(ctx, tx, m, EventSent, Outcome{MessageID: m.ID, Ref: m.Ref, DeliveryID: r.id,
					Recipient: r.account, Channel: Inbox, At: stamp(now)}); err != nil {
					return err
				}
			}
		}
	}
	if len(b.deliveries) == 0 {
		return nil
	}
	rows := make([][]any, len(b.deliveries))
	queued := map[Channel][]string{}
	grace := now.Add(s.opts.QueuedGrace)
	for i, d := range b.deliveries {
		status, next, dead := StatusQueued, grace, any(nil)
		if d.dead != "" {
			status, next, dead = StatusDead, now, now
		} else {
			queued[d.ch] = append(queued[d.ch], d.id)
		}
		rows[i] = []any{d.id, m.CourtID, m.ID, d.rkey, d.recipient, string(d.ch), d.address, boolInt(d.explicit), d.lang, string(status), 0,
			next, nil, "", "", "", nil, dead, d.dead, "", now, now}
	}
	if err := insertRows(ctx, tx, "notify_delivery", insertDeliveryColumns, 22, rows, "ON CONFLICT DO NOTHING"); err != nil {
		return err
	}
	for _, ch := range external {
		list := queued[ch]
		for len(list) > 0 {
			n := min(len(list), s.opts.DispatchBatch)
			if err := s.enqueue(ctx, tx, m, dispatchEvent(ch), dispatchPayload{MessageID: m.ID, DeliveryIDs: list[:n]}); err != nil {
				return err
			}
			list = list[n:]
		}
	}
	if m.Ref != "" {
		for _, d := range b.deliveries {
			if d.dead != "" {
				if err := s.enqueue(ctx, tx, m, EventFailed, Outcome{MessageID: m.ID, Ref: m.Ref, DeliveryID: d.id,
					Recipient: d.recipient, Channel: d.ch, At: stamp(now), Error: d.dead}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// enqueue writes an event of the message's court and case to the outbox.
func (s *Service) enqueue(ctx context.Context, tx *sqldb.Tx, m storedMessage, typ string, payload any) error {
	ev := bus.NewEvent(typ, payload)
	ev.CourtID, ev.CaseID = m.CourtID, m.CaseID
	return bus.Enqueue(ctx, tx, ev)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
