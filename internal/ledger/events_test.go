package ledger

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func issued(docID string, sum [32]byte) bus.Event {
	ev := bus.NewEvent(EventDocumentIssued, map[string]any{
		"document_id": docID, "court_id": "court-1", "case_id": "case-1", "kind": "judgment", "sha256": hex.EncodeToString(sum[:]),
	})
	ev.ID, ev.Time, ev.CourtID = ids.New(), t0, "court-1"
	return ev
}

// TestSubscribe runs the real bus: issued documents and uploaded evidence
// enqueued by their contexts are logged once each.
func TestSubscribe(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err := bus.Open(ctx, bus.Config{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.StartRelay(ctx, f.db)
		stop, err := f.s.Subscribe(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		doc := issued("D1", content(1))
		c2 := content(2)
		evd := bus.NewEvent(EventEvidenceUploaded, map[string]any{"evidence_id": "EV1", "court_id": "court-1", "sha256": hex.EncodeToString(c2[:])})
		evd.ID = ids.New()
		for range 2 { // the outbox refuses the copy; JetStream dedups; Append is idempotent
			_ = f.db.Tx(ctx, func(tx *sqldb.Tx) error { return bus.Enqueue(ctx, tx, doc) })
			_ = f.db.Tx(ctx, func(tx *sqldb.Tx) error { return bus.Enqueue(ctx, tx, evd) })
		}
		for {
			if n, _ := f.s.Size(ctx); n == 2 {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatal("nothing logged from the bus")
			case <-time.After(20 * time.Millisecond):
			}
		}
		if err := f.s.HandleDocumentIssued(ctx, doc); err != nil { // a redelivery
			t.Fatal(err)
		}
		c1 := content(1)
		leaves, _ := f.s.Lookup(ctx, c1[:])
		if len(leaves) != 1 || leaves[0].Kind != KindDocument || leaves[0].Ref != "D1" || leaves[0].CourtID != "court-1" {
			t.Errorf("document entry = %+v", leaves)
		}
		leaves, _ = f.s.Lookup(ctx, c2[:])
		if len(leaves) != 1 || leaves[0].Kind != KindEvidence || leaves[0].Ref != "EV1" {
			t.Errorf("evidence entry = %+v", leaves)
		}
		bad := issued("D2", content(3))
		bad.Payload = []byte(`{"document_id":"D2","sha256":"nope"}`)
		if err := f.s.HandleDocumentIssued(ctx, bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("malformed payload: %v", err)
		}
		if n, _ := f.s.Size(ctx); n != 2 {
			t.Errorf("size %d after a redelivery and a bad event", n)
		}
	})
}

func TestProofURL(t *testing.T) {
	sum := content(1)
	if got, want := ProofURL(sum[:], 12), "/api/v1/ledger/proofs/inclusion?sha256="+hex.EncodeToString(sum[:])+"&tree_size=12"; got != want {
		t.Errorf("ProofURL = %s, want %s", got, want)
	}
}
