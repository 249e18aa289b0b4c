package notify

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func outgoing(ref, phone string) Outgoing {
	return Outgoing{ClientRef: ref, To: phone, Content: Content{SMS: "【测试法院】您有一条新消息。"}}
}

// TestSMSLimiterConsulted: every attempt on a provider waits for that
// provider's limiter first, the fallback's own limiter included.
func TestSMSLimiterConsulted(t *testing.T) {
	p1, p2 := NewDevSMS(DevSMSOptions{Name: "a"}), NewDevSMS(DevSMSOptions{Name: "b"})
	l1, l2 := &countingLimiter{}, &countingLimiter{}
	c, err := NewSMSChannel(SMSOptions{}, SMSRoute{Provider: p1, Limiter: l1}, SMSRoute{Provider: p2, Limiter: l2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 10 {
		if _, err := c.Send(ctx, outgoing("r"+itoa(i), "13800001234")); err != nil {
			t.Fatal(err)
		}
	}
	if l1.count() != 10 || l2.count() != 0 {
		t.Errorf("limiters consulted %d and %d times, want 10 and 0", l1.count(), l2.count())
	}
	p1.SetOutage(true)
	if _, err := c.Send(ctx, outgoing("r-x", "13800001234")); err != nil {
		t.Fatal(err)
	}
	// The failing provider is skipped for its cooldown: the next message
	// goes to the second provider directly, through its limiter.
	if _, err := c.Send(ctx, outgoing("r-y", "13800001234")); err != nil {
		t.Fatal(err)
	}
	if l1.count() != 11 || l2.count() != 2 {
		t.Errorf("limiters consulted %d and %d times, want 11 and 2", l1.count(), l2.count())
	}
}

// TestSMSRateRespected counts the sends of a real token bucket over the
// window from before the first to after the last: no more than
// burst + rate × window. A slow machine only widens the window; no speed
// is asserted.
func TestSMSRateRespected(t *testing.T) {
	const perSecond, burst, n = 200.0, 5, 60
	p := NewDevSMS(DevSMSOptions{Name: "a"})
	c, err := NewSMSChannel(SMSOptions{}, SMSRoute{Provider: p, Rate: perSecond, Burst: burst})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Send(context.Background(), outgoing("r"+itoa(i), "13800001234")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	window := time.Since(start).Seconds()
	sent := len(p.Sent())
	if sent != n {
		t.Fatalf("%d sent, want %d", sent, n)
	}
	if limit := float64(burst) + perSecond*window; float64(sent) > limit {
		t.Errorf("%d sent in %.3fs, more than burst %d + %v/s allows (%.1f)", sent, window, burst, perSecond, limit)
	}
	// And the gateway's own limit was never hit, which is what the
	// limiter is for.
	gw := NewDevSMS(DevSMSOptions{Name: "strict", Rate: 50})
	c, _ = NewSMSChannel(SMSOptions{}, SMSRoute{Provider: gw, Rate: 40, Burst: 1})
	for i := range 20 {
		if _, err := c.Send(context.Background(), outgoing("s"+itoa(i), "13800001234")); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
}

func TestSMSFallback(t *testing.T) {
	ctx := context.Background()
	t.Run("outage", func(t *testing.T) {
		p1, p2 := NewDevSMS(DevSMSOptions{Name: "a"}), NewDevSMS(DevSMSOptions{Name: "b"})
		c, _ := NewSMSChannel(SMSOptions{}, SMSRoute{Provider: p1, Rate: 1000}, SMSRoute{Provider: p2, Rate: 1000})
		p1.SetOutage(true)
		rc, err := c.Send(ctx, outgoing("r1", "13800001234"))
		if err != nil || rc.Provider != "b" || len(p2.Sent()) != 1 || len(p1.Sent()) != 0 {
			t.Fatalf("Send = %+v, %v; a sent %d, b %d", rc, err, len(p1.Sent()), len(p2.Sent()))
		}
		// Both down: a transient error, retried later.
		p2.SetOutage(true)
		_, err = c.Send(ctx, outgoing("r2", "13800001234"))
		if k, code := Classify(err); k != Transient || code != "outage" {
			t.Errorf("both down: %v (%v %s)", err, k, code)
		}
		// Query finds the message at whichever provider has it.
		p2.SetOutage(false)
		if rc, err := c.Query(ctx, "r1"); err != nil || rc.Provider != "b" {
			t.Errorf("Query = %+v, %v", rc, err)
		}
	})
	t.Run("rate limited by the gateway", func(t *testing.T) {
		p1, p2 := NewDevSMS(DevSMSOptions{Name: "a"}), NewDevSMS(DevSMSOptions{Name: "b"})
		p1.Inject(func(TextMessage) error { return TransientError("rate_limited", errors.New("429")) })
		c, _ := NewSMSChannel(SMSOptions{}, SMSRoute{Provider: p1, Rate: 1000}, SMSRoute{Provider: p2, Rate: 1000})
		if rc, err := c.Send(ctx, outgoing("r1", "13800001234")); err != nil || rc.Provider != "b" {
			t.Fatalf("Send = %+v, %v", rc, err)
		}
	})
	t.Run("permanent errors do not fall back", func(t *testing.T) {
		p1, p2 := NewDevSMS(DevSMSOptions{Name: "a"}), NewDevSMS(DevSMSOptions{Name: "b"})
		c, _ := NewSMSChannel(SMSOptions{}, SMSRoute{Provider: p1, Rate: 1000}, SMSRoute{Provider: p2, Rate: 1000})
		for _, tt := range []struct{ phone, code string }{{"12345", "invalid_number"}, {"19999990001", "unreachable"}} {
			_, err := c.Send(ctx, outgoing("r-"+tt.phone, tt.phone))
			if k, code := Classify(err); k != Permanent || code != tt.code {
				t.Errorf("%s: %v (%v %s), want permanent %s", tt.phone, err, k, code, tt.code)
			}
		}
		if len(p2.Sent()) != 0 {
			t.Error("the second provider was tried after a permanent failure")
		}
	})
	t.Run("lost answer is asked, not resent", func(t *testing.T) {
		p1, p2 := NewDevSMS(DevSMSOptions{Name: "a"}), NewDevSMS(DevSMSOptions{Name: "b"})
		p1.Inject(func(TextMessage) error { return UnknownError("timeout", context.DeadlineExceeded) })
		c, _ := NewSMSChannel(SMSOptions{}, SMSRoute{Provider: p1, Rate: 1000}, SMSRoute{Provider: p2, Rate: 1000})
		rc, err := c.Send(ctx, outgoing("r1", "13800001234"))
		if err != nil || rc.Provider != "a" || len(p1.Sent()) != 1 || len(p2.Sent()) != 0 {
			t.Fatalf("Send = %+v, %v; a sent %d, b %d", rc, err, len(p1.Sent()), len(p2.Sent()))
		}
	})
}

// TestHTTPSMS runs the development gateway behind its HTTP API and checks
// the client maps every answer to the right kind.
func TestHTTPSMS(t *testing.T) {
	gw := NewDevSMS(DevSMSOptions{Name: "gw"})
	srv := httptest.NewServer(gw.Handler())
	defer srv.Close()
	p := &HTTPSMS{ProviderName: "http", URL: srv.URL}
	ctx := context.Background()
	rc, err := p.Send(ctx, TextMessage{ClientRef: "r1", Phone: "13800001234", Text: "【法院】通知"})
	if err != nil || rc.ProviderID == "" || rc.AcceptedAt.IsZero() {
		t.Fatalf("Send = %+v, %v", rc, err)
	}
	if q, err := p.Query(ctx, "r1"); err != nil || q.ProviderID != rc.ProviderID || !q.AcceptedAt.Equal(rc.AcceptedAt) {
		t.Errorf("Query = %+v, %v; want %+v", q, err, rc)
	}
	if _, err := p.Query(ctx, "nope"); !errors.Is(err, ErrNotAccepted) {
		t.Errorf("Query(unknown) = %v", err)
	}
	for _, tt := range []struct {
		setup func()
		phone string
		kind  Kind
		code  string
	}{
		{func() {}, "1234", Permanent, "invalid_number"},
		{func() { gw.SetOutage(true) }, "13800001234", Transient, "outage"},
		{func() {
			gw.SetOutage(false)
			gw.Inject(func(TextMessage) error { return TransientError("rate_limited", nil) })
		}, "13800001234", Transient, "rate_limited"},
		{func() { gw.Inject(func(TextMessage) error { return UnknownError("lost", nil) }) }, "13800001234", Unknown, "no_answer"},
	} {
		tt.setup()
		_, err := p.Send(ctx, TextMessage{ClientRef: "x-" + tt.code, Phone: tt.phone, Text: "【法院】通知"})
		if k, code := Classify(err); k != tt.kind || code != tt.code {
			t.Errorf("%s: %v (%v %s)", tt.code, err, k, code)
		}
	}
	srv.Close()
	_, err = p.Send(ctx, TextMessage{ClientRef: "r9", Phone: "13800001234", Text: "【法院】"})
	if k, _ := Classify(err); k != Transient {
		t.Errorf("gateway gone: %v (%v), want transient", err, k)
	}
}

// TestPermanentFailureDeadLetterRetry: an invalid number goes to the
// dead-letter list at once (failed event), an administrator retries it
// after the account's number was fixed, and it is sent.
func TestPermanentFailureDeadLetterRetry(t *testing.T) {
	forEachDB(t, fixtureOpts{}, func(t *testing.T, f *fixture) {
		f.dir["u-zh"] = Contact{Phone: "1380000"}
		m := Message{ID: "m-dead", Ref: "ref-dead", Recipients: []string{"u-zh"}, Channels: []Channel{SMS},
			Template: "filing.accepted", Data: sample, CourtID: "court-1", CaseID: "case-1"}
		f.enqueue(t, m)
		d := f.waitStatus(t, m.ID, SMS, "u-zh", StatusDead)
		if d.ErrorCode != "invalid_number" || d.Attempts != 1 {
			t.Errorf("dead letter %+v", d)
		}
		if ev := f.events(t, EventFailed); len(ev) != 1 || ev[0].Error != "invalid_number" || ev[0].Ref != "ref-dead" {
			t.Errorf("failed events %+v", ev)
		}
		// Who sees it.
		if _, err := f.s.ListDeadLetters(as("u-judge"), DeadLetterFilter{}); err == nil {
			t.Error("a judge listed dead letters")
		}
		if l, err := f.s.ListDeadLetters(as("u-other-admin"), DeadLetterFilter{}); err != nil || len(l.Items) != 0 {
			t.Errorf("another court's admin: %+v, %v", l, err)
		}
		l, err := f.s.ListDeadLetters(as("u-court-admin"), DeadLetterFilter{Channel: SMS})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != d.ID {
			t.Fatalf("court admin: %+v, %v", l, err)
		}
		if _, err := f.s.RetryDeadLetter(as("u-other-admin"), d.ID); err == nil {
			t.Error("another court's admin retried it")
		}
		// Still no valid number: the retry is tried and dies again.
		if _, err := f.s.RetryDeadLetter(as("u-court-admin"), d.ID); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "second failure", func() bool {
			return f.delivery(t, m.ID, SMS, "u-zh").Status == StatusDead && len(f.events(t, EventFailed)) == 2
		})
		f.dir["u-zh"] = Contact{Phone: "13800001234"}
		r, err := f.s.RetryDeadLetter(as("u-platform"), d.ID)
		if err != nil || r.Status != StatusQueued || r.Attempts != 0 || r.Address != "138****1234" {
			t.Fatalf("RetryDeadLetter = %+v, %v", r, err)
		}
		if _, err := f.s.RetryDeadLetter(as("u-platform"), d.ID); err == nil {
			t.Error("a queued delivery was retried as dead")
		}
		f.waitStatus(t, m.ID, SMS, "u-zh", StatusSent)
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'notify.dead_letter.retry' AND target = ?`, d.ID); n != 2 {
			t.Errorf("%d audit entries for the retries, want 2", n)
		}
		if len(f.sms.Sent()) != 1 {
			t.Errorf("%d SMS sent, want 1", len(f.sms.Sent()))
		}
	})
}

// TestTransientFailuresRetryWithBackoff: two outages in a row, then the
// gateway takes it on the third attempt; after MaxAttempts it is dead.
func TestTransientFailuresRetryWithBackoff(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{smsRoutes: func(f *fixture) []SMSRoute {
		return []SMSRoute{{Provider: f.sms, Rate: 1000, Burst: 10}}
	}})
	var mu sync.Mutex
	fails := map[string]int{}
	f.sms.Inject(func(m TextMessage) error {
		mu.Lock()
		defer mu.Unlock()
		fails[m.Phone]++
		if m.Phone == "13800000002" || fails[m.Phone] <= 2 {
			return TransientError("outage", errors.New("503"))
		}
		return nil
	})
	f.dir["u-zh"] = Contact{Phone: "13800000001"}
	f.dir["u-en"] = Contact{Phone: "13800000002"}
	m := Message{ID: "m-retry", Recipients: []string{"u-zh", "u-en"}, Channels: []Channel{SMS}, Template: "filing.accepted", Data: sample}
	f.enqueue(t, m)
	d := f.waitStatus(t, m.ID, SMS, "u-zh", StatusSent)
	if d.Attempts != 3 {
		t.Errorf("sent after %d attempts, want 3", d.Attempts)
	}
	d = f.waitStatus(t, m.ID, SMS, "u-en", StatusDead)
	if d.Attempts != f.s.opts.MaxAttempts || d.ErrorCode != "outage" {
		t.Errorf("dead after %d attempts (%s), want %d", d.Attempts, d.ErrorCode, f.s.opts.MaxAttempts)
	}
	if got := f.s.backoff(1); got != f.s.opts.RetryBase {
		t.Errorf("backoff(1) = %v", got)
	}
	if got := f.s.backoff(3); got != 4*f.s.opts.RetryBase {
		t.Errorf("backoff(3) = %v, want 4×base", got)
	}
	if got := f.s.backoff(30); got != f.s.opts.RetryMax {
		t.Errorf("backoff(30) = %v, want the cap", got)
	}
}
