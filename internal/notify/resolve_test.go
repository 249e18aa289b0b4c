package notify

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// TestResolveAfterCrash builds, in one process, the state a crash leaves:
// deliveries claimed ("sending") whose worker is gone, one of which the
// gateway had accepted. The sweeper asks the gateway by client reference:
// the accepted one is recorded as sent with the gateway's own ID and time
// and is not sent again; the other is queued again and sent once. An
// e-mail over plain SMTP, which cannot be asked, goes to the dead-letter
// list instead of being sent a second time.
func TestResolveAfterCrash(t *testing.T) {
	forEachDB(t, fixtureOpts{noStart: true}, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.dir["u-zh"] = Contact{Phone: "13800000001", Email: "zh@example.cn"}
		f.dir["u-en"] = Contact{Language: "en", Phone: "13800000002"}
		m := Message{ID: "m-crash", Ref: "ref", Recipients: []string{"u-zh", "u-en"}, Channels: []Channel{SMS, Email},
			Template: "filing.accepted", Data: sample}
		f.enqueue(t, m)
		if err := f.s.Fanout(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		f.s.senders[Email] = &SMTPSender{Addr: "127.0.0.1:1", From: "a@b.cn"}
		smsD := &dispatcher{s: f.s, ch: SMS, snd: f.s.senders[SMS]}
		mailD := &dispatcher{s: f.s, ch: Email, snd: f.s.senders[Email]}
		zh, en := f.delivery(t, m.ID, SMS, "u-zh"), f.delivery(t, m.ID, SMS, "u-en")
		mail := f.delivery(t, m.ID, Email, "u-zh")
		if _, err := smsD.claim(ctx, []string{zh.ID, en.ID}); err != nil {
			t.Fatal(err)
		}
		if cs, err := mailD.claim(ctx, []string{mail.ID}); err != nil || len(cs) != 1 {
			t.Fatalf("claim = %v, %v", cs, err)
		}
		// The worker sent zh's message and died before recording it.
		accepted, err := f.sms.Send(ctx, TextMessage{ClientRef: zh.ID, Phone: "13800000001", Text: "【法院】通知"})
		if err != nil {
			t.Fatal(err)
		}
		// A live claim is left alone.
		if err := f.s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if d := f.delivery(t, m.ID, SMS, "u-zh"); d.Status != StatusSending {
			t.Fatalf("a live claim was touched: %+v", d)
		}
		// The lease runs out.
		if err := f.db.Tx(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE notify_delivery SET lease_until = ? WHERE status = 'sending'`, tx.Now.Add(-1))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		d := f.delivery(t, m.ID, SMS, "u-zh")
		if d.Status != StatusSent || d.ProviderMessageID != accepted.ProviderID || !d.SentAt.Equal(accepted.AcceptedAt.Truncate(1000)) {
			t.Errorf("resolved %+v, want sent as %+v", d, accepted)
		}
		d = f.delivery(t, m.ID, SMS, "u-en")
		if d.Status != StatusSent || d.Attempts != 2 {
			t.Errorf("requeued and sent: %+v", d)
		}
		for _, id := range []string{zh.ID, en.ID} {
			if n := f.sms.Count(id); n != 1 {
				t.Errorf("delivery %s reached the gateway %d times", id, n)
			}
		}
		d = f.delivery(t, m.ID, Email, "u-zh")
		if d.Status != StatusDead || d.ErrorCode != codeUnknown {
			t.Errorf("e-mail after a crash: %+v, want dead %s", d, codeUnknown)
		}
		sent := f.events(t, EventSent)
		if len(sent) != 2 {
			t.Errorf("%d sent events, want 2", len(sent))
		}
		for _, o := range sent {
			if o.Recipient == "u-zh" && o.ProviderMessageID != accepted.ProviderID {
				t.Errorf("sent event %+v", o)
			}
		}
	})
}

// recordingSender counts Send calls.
type recordingSender struct{ calls int }

func (r *recordingSender) Send(context.Context, Outgoing) (Receipt, error) {
	r.calls++
	return Receipt{}, nil
}

func (r *recordingSender) Query(context.Context, string) (Receipt, error) {
	return Receipt{}, ErrNotAccepted
}

// TestNoSendPastTheLease: a claim with less time left than a send may take
// is given back untried rather than risk a send the sweeper would repeat.
func TestNoSendPastTheLease(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{noStart: true})
	ctx := context.Background()
	f.dir["u-zh"] = Contact{Phone: "13800000001"}
	m := Message{ID: "m-lease", Recipients: []string{"u-zh"}, Channels: []Channel{SMS}, Template: "filing.accepted", Data: sample}
	f.enqueue(t, m)
	if err := f.s.Fanout(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	rec := &recordingSender{}
	d := &dispatcher{s: f.s, ch: SMS, snd: rec}
	cs, err := d.claim(ctx, []string{f.delivery(t, m.ID, SMS, "u-zh").ID})
	if err != nil || len(cs) != 1 {
		t.Fatalf("claim = %v, %v", cs, err)
	}
	cs[0].leaseEnd = time.Now().Add(f.s.opts.SendTimeout / 2)
	res := d.send(ctx, cs[0])
	if !res.notTried || rec.calls != 0 {
		t.Fatalf("send with too little lease: %+v, %d calls", res, rec.calls)
	}
	if err := d.record(ctx, []sendResult{res}); err != nil {
		t.Fatal(err)
	}
	if got := f.delivery(t, m.ID, SMS, "u-zh"); got.Status != StatusQueued || got.Attempts != 0 {
		t.Errorf("given back as %+v, want queued with no attempt counted", got)
	}
}
