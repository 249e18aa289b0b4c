package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The dispatcher of an external channel.
//
// Exactly once across crashes rests on three writes around the provider
// call. (1) A claim moves the delivery to "sending" with a lease and a
// fresh lease token before the provider is called. (2) The outcome is
// recorded afterwards only by the holder of that token. (3) A delivery
// still "sending" when its lease has ended belongs to a worker that died
// between (1) and (2): the sweeper asks the provider by client reference
// (the delivery ID) and records what it says — sent with the provider's
// own time, or queued again when the provider never got it — and never
// resends on a guess. Sends are bounded by SendTimeout and the lease is at
// least twice that, so a live worker never loses its claim mid-send.
type dispatcher struct {
	s   *Service
	ch  Channel
	snd Sender
}

// testHooks lets the crash test stop a process at the most delicate
// point: after the provider accepted a message and before the outcome is
// recorded.
var testHooks struct {
	afterSend atomic.Pointer[func(deliveryID string)]
}

// handle is the work-queue consumer of the channel.
func (d *dispatcher) handle(ctx context.Context, ev bus.Event) error {
	var p dispatchPayload
	if err := ev.Decode(&p); err != nil {
		d.s.log.Error("notify: undecodable dispatch event", "event_id", ev.ID, "err", err)
		return nil
	}
	if d.snd == nil {
		return nil // not configured in this process; the rows wait for one that is
	}
	return d.process(ctx, p.DeliveryIDs)
}

// claimed is a delivery this worker holds until leaseEnd.
type claimed struct {
	id, messageID, recipient, address, lang, token string
	attempts                                       int
	leaseEnd                                       time.Time
}

// sendResult is what became of one claimed delivery.
type sendResult struct {
	c        claimed
	m        storedMessage
	rc       Receipt
	err      error
	notTried bool // the provider was never called (no message, no time left)
}

// process claims, sends and records the deliveries ids, in chunks.
func (d *dispatcher) process(ctx context.Context, ids []string) error {
	chunk := d.s.opts.Concurrency * 2
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		cs, err := d.claim(ctx, ids[:n])
		if err != nil {
			return err
		}
		ids = ids[n:]
		if len(cs) == 0 {
			continue
		}
		results := d.sendAll(ctx, cs)
		if err := d.record(ctx, results); err != nil {
			return err
		}
	}
	return nil
}

// claim moves the due deliveries among ids to "sending" under a new lease
// token and returns them.
func (d *dispatcher) claim(ctx context.Context, ids []string) ([]claimed, error) {
	var out []claimed
	token := newToken()
	err := d.s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		out = out[:0]
		// The worker's own view of the lease, taken before the database's,
		// so it never thinks it has more time than the sweeper gives it.
		leaseEnd := time.Now().Add(d.s.opts.Lease)
		in, args := inList(ids)
		args = append([]any{tx.Now.Add(d.s.opts.Lease), token, tx.Now, string(d.ch)}, args...)
		args = append(args, tx.Now)
		rows, err := tx.Query(ctx, `UPDATE notify_delivery SET status = 'sending', attempts = attempts + 1,
			lease_until = ?, lease_token = ?, updated_at = ?
			WHERE channel = ? AND id IN (`+in+`) AND (status = 'queued' OR (status = 'failed' AND next_attempt_at <= ?))
			RETURNING id, message_id, recipient, address, lang, attempts`, args...)
		if err != nil {
			return fmt.Errorf("notify: claim: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c := claimed{token: token, leaseEnd: leaseEnd}
			if err := rows.Scan(&c.id, &c.messageID, &c.recipient, &c.address, &c.lang, &c.attempts); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

func newToken() string { return ids.New() }

// sendAll sends the claimed deliveries, Concurrency at a time.
func (d *dispatcher) sendAll(ctx context.Context, cs []claimed) []sendResult {
	results := make([]sendResult, len(cs))
	sem := make(chan struct{}, d.s.opts.Concurrency)
	var wg sync.WaitGroup
	for i, c := range cs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = d.send(ctx, c)
		}()
	}
	wg.Wait()
	return results
}

func (d *dispatcher) send(ctx context.Context, c claimed) sendResult {
	res := sendResult{c: c}
	m, err := d.s.msgs.head(ctx, d.s.db, c.messageID)
	if err != nil {
		res.err, res.notTried = err, true
		return res
	}
	res.m = m
	if d.snd == nil {
		res.err = PermanentError(codeUnavailable, errors.New("channel not configured"))
		return res
	}
	content, err := d.s.msgs.content(m, c.lang)
	if err != nil {
		res.err = PermanentError("template", err)
		return res
	}
	o := Outgoing{ClientRef: c.id, MessageID: m.ID, Ref: m.Ref, Template: m.Template, Recipient: c.recipient,
		To: c.address, Lang: langOf(c.lang), Content: content, Data: m.Data, CourtID: m.CourtID, CaseID: m.CaseID}
	// A send starts only if it ends, at its timeout, before the claim does:
	// after that the sweeper may ask the provider and send it again.
	deadline := time.Now().Add(d.s.opts.SendTimeout)
	if !deadline.Before(c.leaseEnd) {
		res.err, res.notTried = errors.New("notify: no time left on the claim"), true
		return res
	}
	sctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	res.rc, res.err = d.snd.Send(sctx, o)
	if res.err == nil {
		if h := testHooks.afterSend.Load(); h != nil {
			(*h)(c.id)
		}
	}
	return res
}

// record writes the outcomes of a chunk in one transaction, each only if
// this worker still holds its claim.
func (d *dispatcher) record(ctx context.Context, results []sendResult) error {
	retry := false
	err := d.s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		retry = false
		for _, r := range results {
			var err error
			switch {
			case r.err == nil:
				err = d.s.markSent(ctx, tx, r.m, r.c, r.rc, d.ch)
			case r.notTried:
				err = d.s.requeue(ctx, tx, r.c)
				retry = true
			default:
				kind, code := Classify(r.err)
				msg := r.err.Error()
				switch {
				case kind == Permanent:
					err = d.s.markDead(ctx, tx, r.m, r.c, d.ch, code, msg)
				case kind == Unknown:
					err = d.s.markUnknown(ctx, tx, r.c, code, msg)
				case r.c.attempts >= d.s.opts.MaxAttempts:
					err = d.s.markDead(ctx, tx, r.m, r.c, d.ch, code, msg)
				default:
					err = d.s.markFailed(ctx, tx, r.c, code, msg)
				}
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if retry {
		d.s.wake(d.ch)
	}
	return err
}

// backoff is the wait after the attempt-th failed attempt.
func (s *Service) backoff(attempt int) time.Duration {
	w := s.opts.RetryBase
	for i := 1; i < attempt && w < s.opts.RetryMax; i++ {
		w *= 2
	}
	return min(w, s.opts.RetryMax)
}

const fence = ` WHERE id = ? AND status = 'sending' AND lease_token = ?`

func (s *Service) markSent(ctx context.Context, tx *sqldb.Tx, m storedMessage, c claimed, rc Receipt, ch Channel) error {
	at := rc.AcceptedAt.UTC().Truncate(time.Microsecond)
	if rc.AcceptedAt.IsZero() {
		at = tx.Now
	}
	res, err := tx.Exec(ctx, `UPDATE notify_delivery SET status = 'sent', sent_at = ?, provider = ?, provider_message_id = ?,
		lease_until = NULL, error_code = '', last_error = '', updated_at = ?`+fence,
		at, rc.Provider, rc.ProviderID, tx.Now, c.id, c.token)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		s.log.Warn("notify: claim lost before the outcome was recorded", "delivery_id", c.id)
		return nil
	}
	if m.Ref == "" {
		return nil
	}
	return s.enqueue(ctx, tx, m, EventSent, Outcome{MessageID: m.ID, Ref: m.Ref, DeliveryID: c.id, Recipient: c.recipient,
		Channel: ch, At: stamp(at), ProviderMessageID: rc.ProviderID})
}

func (s *Service) markDead(ctx context.Context, tx *sqldb.Tx, m storedMessage, c claimed, ch Channel, code, msg string) error {
	res, err := tx.Exec(ctx, `UPDATE notify_delivery SET status = 'dead', dead_at = ?, lease_until = NULL,
		error_code = ?, last_error = ?, updated_at = ?`+fence, tx.Now, code, truncate(msg), tx.Now, c.id, c.token)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 || m.Ref == "" {
		return nil
	}
	return s.enqueue(ctx, tx, m, EventFailed, Outcome{MessageID: m.ID, Ref: m.Ref, DeliveryID: c.id, Recipient: c.recipient,
		Channel: ch, At: stamp(tx.Now), Error: code})
}

func (s *Service) markFailed(ctx context.Context, tx *sqldb.Tx, c claimed, code, msg string) error {
	_, err := tx.Exec(ctx, `UPDATE notify_delivery SET status = 'failed', next_attempt_at = ?, lease_until = NULL,
		error_code = ?, last_error = ?, updated_at = ?`+fence,
		tx.Now.Add(s.backoff(c.attempts)), code, truncate(msg), tx.Now, c.id, c.token)
	return err
}

// markUnknown leaves the delivery "sending" with its lease ended, so the
// sweeper asks the provider before anything else happens to it.
func (s *Service) markUnknown(ctx context.Context, tx *sqldb.Tx, c claimed, code, msg string) error {
	_, err := tx.Exec(ctx, `UPDATE notify_delivery SET lease_until = ?, error_code = ?, last_error = ?, updated_at = ?`+fence,
		tx.Now, code, truncate(msg), tx.Now, c.id, c.token)
	return err
}

// requeue gives back a delivery whose provider was never called; the
// attempt does not count.
func (s *Service) requeue(ctx context.Context, tx *sqldb.Tx, c claimed) error {
	_, err := tx.Exec(ctx, `UPDATE notify_delivery SET status = 'queued', attempts = attempts - 1, next_attempt_at = ?,
		lease_until = NULL, updated_at = ?`+fence, tx.Now, tx.Now, c.id, c.token)
	return err
}

func truncate(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}

// sweep runs the channel's sweeper until ctx ends.
func (d *dispatcher) sweep(ctx context.Context, kick <-chan struct{}) {
	t := time.NewTicker(d.s.opts.SweepInterval)
	defer t.Stop()
	for {
		if err := d.sweepOnce(ctx); err != nil && ctx.Err() == nil {
			d.s.log.Warn("notify: sweep", "channel", d.ch, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// sweepOnce resolves expired claims, then sends the due deliveries.
func (d *dispatcher) sweepOnce(ctx context.Context) error {
	if d.snd == nil {
		return nil
	}
	if err := d.resolve(ctx); err != nil {
		return err
	}
	for range 20 { // bounded per pass; the next pass continues
		var ids []string
		rows, err := d.s.db.Query(ctx, `SELECT id FROM notify_delivery
			WHERE channel = ? AND status IN ('queued', 'failed') AND next_attempt_at <= ?
			ORDER BY next_attempt_at LIMIT 500`, string(d.ch), d.s.db.Now())
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := d.process(ctx, ids); err != nil {
			return err
		}
	}
	return nil
}

// resolve settles the deliveries whose claim expired while "sending" by
// asking the provider by client reference.
func (d *dispatcher) resolve(ctx context.Context) error {
	rows, err := d.s.db.Query(ctx, `SELECT id, message_id, recipient, lease_token, attempts FROM notify_delivery
		WHERE channel = ? AND status = 'sending' AND lease_until < ? ORDER BY lease_until LIMIT 200`,
		string(d.ch), d.s.db.Now())
	if err != nil {
		return err
	}
	var cs []claimed
	for rows.Next() {
		var c claimed
		if err := rows.Scan(&c.id, &c.messageID, &c.recipient, &c.token, &c.attempts); err != nil {
			rows.Close()
			return err
		}
		cs = append(cs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cs {
		m, err := d.s.msgs.head(ctx, d.s.db, c.messageID)
		if err != nil {
			return err
		}
		qctx, cancel := context.WithTimeout(ctx, d.s.opts.SendTimeout)
		rc, qerr := d.snd.Query(qctx, c.id)
		cancel()
		err = d.s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			switch {
			case qerr == nil:
				return d.s.markSent(ctx, tx, m, c, rc, d.ch)
			case errors.Is(qerr, ErrNotAccepted) && c.attempts >= d.s.opts.MaxAttempts:
				return d.s.markDead(ctx, tx, m, c, d.ch, codeExhausted, "the provider never accepted it")
			case errors.Is(qerr, ErrNotAccepted):
				_, err := tx.Exec(ctx, `UPDATE notify_delivery SET status = 'queued', next_attempt_at = ?, lease_until = NULL,
					updated_at = ?`+fence, tx.Now, tx.Now, c.id, c.token)
				return err
			case errors.Is(qerr, ErrOutcomeUnknown):
				return d.s.markDead(ctx, tx, m, c, d.ch, codeUnknown,
					"interrupted while sending; the provider cannot say whether it accepted the message")
			default:
				_, err := tx.Exec(ctx, `UPDATE notify_delivery SET lease_until = ?, updated_at = ?`+fence,
					tx.Now.Add(d.s.opts.RetryBase), tx.Now, c.id, c.token)
				return err
			}
		})
		if err != nil {
			return err
		}
		if qerr != nil && !errors.Is(qerr, ErrNotAccepted) && !errors.Is(qerr, ErrOutcomeUnknown) {
			d.s.log.Warn("notify: cannot ask the provider yet", "channel", d.ch, "delivery_id", c.id, "err", qerr)
		}
	}
	return nil
}
