package live

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// nodePayload is a stand-in for an enforcement node event: per-audience
// views rendered once, at the source.
type nodePayload struct {
	CaseID     string `json:"case_id"`
	Applicant  string `json:"applicant"`
	Respondent string `json:"respondent,omitempty"`
	Panic      bool   `json:"panic,omitempty"`
}

func routeNode(ev bus.Event) []Routed {
	var p nodePayload
	if err := ev.Decode(&p); err != nil {
		return nil
	}
	if p.Panic {
		panic("bad event")
	}
	out := []Routed{{Topic: "enforcement:" + p.CaseID + ":applicant", Msg: Message{ID: ev.ID, Event: "node", Data: []byte(p.Applicant)}}}
	if p.Respondent != "" {
		out = append(out, Routed{Topic: "enforcement:" + p.CaseID + ":respondent", Msg: Message{ID: ev.ID, Event: "node", Data: []byte(p.Respondent)}})
	}
	return out
}

func enqueue(t *testing.T, db *sqldb.DB, evs ...bus.Event) []bus.Event {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		for i := range evs {
			evs[i].ID = ids.New()
			if err := bus.Enqueue(context.Background(), tx, evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return evs
}

// TestFeed: outbox rows committed in a transaction go through the relay
// and JetStream to one Feed, which routes each event to its audiences'
// topics. A route that panics skips its event only; events on other
// subjects are not fed; after stop nothing more arrives.
func TestFeed(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, bus.Migrations)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	b.StartRelay(ctx, db)

	h := NewHub(Options{Logger: log})
	stop := h.Feed(ctx, b, "ecourt.enforcement.>", routeNode)
	applicant := h.Subscribe([]string{"enforcement:c1:applicant"})
	respondent := h.Subscribe([]string{"enforcement:c1:respondent"})
	both := h.Subscribe([]string{"enforcement:c1:applicant", "enforcement:c2:applicant"})
	defer applicant.Close()
	defer respondent.Close()
	defer both.Close()

	enqueue(t, db,
		bus.NewEvent("ecourt.enforcement.node.recorded", nodePayload{CaseID: "c1", Applicant: "seized", Respondent: "seized (masked)"}),
		bus.NewEvent("ecourt.enforcement.node.recorded", nodePayload{CaseID: "c9", Panic: true}),
		bus.NewEvent("ecourt.filing.application.accepted", nodePayload{CaseID: "c1", Applicant: "other subject"}),
		bus.NewEvent("ecourt.enforcement.node.recorded", nodePayload{CaseID: "c2", Applicant: "frozen"}),
	)
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	check := func(name string, sub *Subscription, want ...string) {
		t.Helper()
		got := recv(t, sub, len(want))
		for i, m := range got {
			if string(m.Data) != want[i] || m.Event != "node" {
				t.Errorf("%s message %d = %s %q, want node %q", name, i, m.Event, m.Data, want[i])
			}
		}
	}
	check("applicant", applicant, "seized")
	check("respondent", respondent, "seized (masked)")
	check("both", both, "seized", "frozen")
	if n := pending(applicant); n != 0 {
		t.Errorf("applicant has %d more messages", n)
	}

	stop()
	stop() // twice is fine
	// Events are fed in order, so once the c2 event arrived the three
	// enforcement events before it were all fed.
	if st := h.Stats(); st.Fed != 3 {
		t.Errorf("Fed = %d, want 3 (the filing event is not on the filter)", st.Fed)
	}
	enqueue(t, db, bus.NewEvent("ecourt.enforcement.node.recorded", nodePayload{CaseID: "c1", Applicant: "after stop"}))
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.Fed != 3 {
		t.Errorf("Fed = %d after stop, want 3", st.Fed)
	}
	if n := pending(respondent); n != 0 {
		t.Errorf("respondent has %d more messages", n)
	}
}

// TestFeedManyEvents: a burst far beyond bus.LiveBuffer (several relay
// batches) reaches the hub without loss.
func TestFeedManyEvents(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{}, bus.Migrations)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir(), Logger: log, SyncInterval: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	b.StartRelay(ctx, db)
	h := NewHub(Options{Logger: log})
	defer h.Feed(ctx, b, "ecourt.enforcement.>", routeNode)()

	const cases = 500
	subs := make([]*Subscription, cases)
	for i := range subs {
		subs[i] = h.Subscribe([]string{fmt.Sprintf("enforcement:c%d:applicant", i)})
	}
	evs := make([]bus.Event, cases)
	for i := range evs {
		evs[i] = bus.NewEvent("ecourt.enforcement.node.recorded", nodePayload{CaseID: fmt.Sprintf("c%d", i), Applicant: fmt.Sprint(i)})
	}
	enqueue(t, db, evs...)
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, s := range subs {
		if m := recv(t, s, 1)[0]; string(m.Data) != fmt.Sprint(i) {
			t.Fatalf("case %d got %q", i, m.Data)
		}
	}
	if st := b.Stats(); st.LiveDropped != 0 {
		t.Errorf("bus dropped %d live events", st.LiveDropped)
	}
}
