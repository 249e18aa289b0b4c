package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

// TestFanout60000 fans one message out to 60,000 recipients, twice at once
// (as a redelivered event and the sweeper would), and checks every
// recipient has exactly one inbox row, in their language, and appears in
// exactly one live-push event; the e-mail deliveries of the recipients
// with an address exist once each.
func TestFanout60000(t *testing.T) {
	const n = 60_000
	forEachDB(t, fixtureOpts{noStart: true}, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		recips := make([]string, n)
		for i := range recips {
			recips[i] = fmt.Sprintf("acct-%05d", i)
			c := Contact{Language: "zh-CN"}
			if i%3 == 0 {
				c.Language = "en"
			}
			f.dir[recips[i]] = c
		}
		m := Message{ID: "announce-1", Recipients: recips, Channels: []Channel{Inbox}, Template: "platform.announcement", Data: sample}
		// E-mail only for the recipients who chose it.
		for i := 0; i < n; i += 1000 {
			m.Addresses = append(m.Addresses, Address{Recipient: recips[i], Channel: Email, To: fmt.Sprintf("a%d@example.cn", i)})
		}
		f.enqueue(t, m)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = f.s.Fanout(ctx, m.ID)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := f.count(t, `SELECT COUNT(*) FROM notify_inbox WHERE message_id = ?`, m.ID); got != n {
			t.Errorf("%d inbox rows, want %d", got, n)
		}
		if got := f.count(t, `SELECT COUNT(DISTINCT account_id) FROM notify_inbox WHERE message_id = ?`, m.ID); got != n {
			t.Errorf("%d recipients with an inbox row, want %d", got, n)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM notify_inbox WHERE message_id = ? AND lang = 'en' AND title = 'Maintenance'`, m.ID); got != n/3 {
			t.Errorf("%d English rows, want %d", got, n/3)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM notify_delivery WHERE message_id = ? AND channel = 'email' AND status = 'queued'`, m.ID); got != n/1000 {
			t.Errorf("%d queued e-mails, want %d (and no other delivery)", got, n/1000)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM notify_delivery`); got != n/1000 {
			t.Errorf("%d deliveries, want %d", got, n/1000)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM notify_message WHERE id = ? AND fanout_cursor = ? AND fanned_out_at IS NOT NULL`, m.ID, n); got != 1 {
			t.Error("the message is not marked fanned out")
		}
		seen := make(map[string]int, n)
		rows, err := f.db.Query(ctx, `SELECT payload FROM bus_outbox WHERE type = ?`, EventInboxAdded)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p string
			var a InboxAdded
			if err := rows.Scan(&p); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(p), &a); err != nil {
				t.Fatal(err)
			}
			for _, acct := range a.Accounts {
				seen[acct]++
			}
		}
		rows.Close()
		for _, r := range recips {
			if seen[r] != 1 {
				t.Fatalf("%s is in %d live pushes, want 1", r, seen[r])
			}
		}
		// Resuming a finished fan-out changes nothing.
		if err := f.s.Fanout(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM notify_inbox`); got != n {
			t.Errorf("%d inbox rows after a repeat", got)
		}
	})
}
