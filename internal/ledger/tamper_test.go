package ledger

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// dropGuards removes the append-only triggers, as an attacker with the
// database owner's rights could.
func dropGuards(t *testing.T, f *fixture) {
	t.Helper()
	stmts := []string{"DROP TRIGGER ledger_entry_no_update", "DROP TRIGGER ledger_entry_no_delete",
		"DROP TRIGGER ledger_node_no_update", "DROP TRIGGER ledger_node_no_delete"}
	if f.db.Dialect() == sqldb.Postgres {
		stmts = []string{"DROP TRIGGER ledger_entry_no_change ON ledger_entry", "DROP TRIGGER ledger_node_no_change ON ledger_node"}
	}
	for _, q := range stmts {
		if _, err := f.db.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTamperDetected changes a logged entry after a tree head was signed
// and published: first naively (the entry row only), then thoroughly (leaf
// hash, every node and the log state rebuilt, so the forged tree is
// self-consistent). Each is detected: by the server's own checks, by
// CheckIntegrity, and — what does not depend on the server's honesty — by
// a verifier who kept the earlier signed head (consistency) or holds a
// proof against it (inclusion).
func TestTamperDetected(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.fill(t, 0, 20)
		h20 := f.sign(t) // published; a monitor keeps it
		f.fill(t, 20, 25)
		pub := f.s.PublicKey()

		// The database itself refuses to change the log.
		if _, err := f.db.Exec(ctx, `UPDATE ledger_entry SET ref = 'X' WHERE leaf_index = 5`); err == nil {
			t.Error("UPDATE of an entry was allowed")
		}
		if _, err := f.db.Exec(ctx, `DELETE FROM ledger_node WHERE node_id = 0`); err == nil {
			t.Error("DELETE of a node was allowed")
		}

		dropGuards(t, f)
		forged := content(999)
		if _, err := f.db.Exec(ctx, `UPDATE ledger_entry SET sha256 = ?, sha256_key = ? WHERE leaf_index = 5`,
			hex.EncodeToString(forged[:]), shaKey(forged)); err != nil {
			t.Fatal(err)
		}
		// 1. Entry row only: it no longer matches its leaf hash.
		if _, err := f.s.Inclusion(ctx, forged[:]); !errorsIsKey(err, "ledger.error.inconsistent") {
			t.Errorf("Inclusion of the forged hash: %v, want inconsistent", err)
		}
		rep, err := f.s.CheckIntegrity(ctx)
		if err != nil || rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "entry 5") {
			t.Errorf("CheckIntegrity after a naive change = %+v, %v", rep, err)
		}

		// 2. Thorough: recompute entry 5's leaf hash and rebuild the tree.
		err = f.db.Tx(ctx, func(tx *sqldb.Tx) error {
			leaves, err := queryLeaves(ctx, tx, `SELECT `+entryColumns+` FROM ledger_entry ORDER BY leaf_index`)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM ledger_node`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE ledger_state SET tree_size = 0, compact_range = ''`); err != nil {
				return err
			}
			var hashes [][]byte
			for _, l := range leaves {
				lh := LeafHash(l.LeafData())
				if l.Index == 5 {
					if _, err := tx.Exec(ctx, `UPDATE ledger_entry SET leaf_hash = ? WHERE leaf_index = 5`, hex.EncodeToString(lh[:])); err != nil {
						return err
					}
				}
				hashes = append(hashes, lh[:])
			}
			st := state{}
			return appendLeafHashes(ctx, tx, &st, hashes)
		})
		if err != nil {
			t.Fatal(err)
		}
		root20, _ := f.s.RootAt(ctx, 20)
		if root20 == h20.RootHash {
			t.Fatal("the forged tree has the published root")
		}
		// The log refuses to sign over a tree that does not extend its last head.
		if _, err := f.s.SignTreeHead(ctx); !errorsIsKey(err, "ledger.error.inconsistent") {
			t.Errorf("SignTreeHead over the forged tree: %v, want inconsistent", err)
		}
		// Even if the attacker signs a head with the stolen key, a monitor
		// holding h20 rejects the consistency proof to it.
		root25, _ := f.s.RootAt(ctx, 25)
		text := checkpointText(f.s.origin, 25, root25, h20.Timestamp, f.s.keyID)
		note, sig := signNote(text, f.s.origin, f.s.priv)
		h25 := TreeHead{Origin: f.s.origin, TreeSize: 25, RootHash: root25, Timestamp: h20.Timestamp, KeyID: f.s.keyID,
			PublicKey: pub, Signature: sig, Checkpoint: note}
		p, err := f.s.ConsistencyProof(ctx, 20, 25)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(h20, h25, p, pub); !errors.Is(err, ErrConsistency) {
			t.Errorf("VerifyConsistency(h20, forged h25) = %v, want ErrConsistency", err)
		}
		// The forged file's inclusion proof against the published head fails.
		forgedLeaf, _ := leafAt(ctx, f.db, 5)
		path, err := inclusionProof(ctx, f.db, 5, 20)
		if err != nil {
			t.Fatal(err)
		}
		bundle, _ := json.Marshal(InclusionBundle{Format: InclusionFormat, Entry: forgedLeaf, LeafIndex: 5, TreeSize: 20,
			AuditPath: toHashes(path), TreeHead: h20})
		if _, err := VerifyFile(bytes.NewReader(fileBytes(999)), bundle, nil, pub); !errors.Is(err, ErrInclusion) {
			t.Errorf("VerifyFile of the forged file against h20 = %v, want ErrInclusion", err)
		}
		// And the server will not hand out a proof against h20 either.
		if _, err := f.s.InclusionBundle(ctx, forged[:], 20); !errorsIsKey(err, "ledger.error.inconsistent") {
			t.Errorf("InclusionBundle against h20: %v", err)
		}
		rep, err = f.s.CheckIntegrity(ctx)
		if err != nil || rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), "tree head 20") {
			t.Errorf("CheckIntegrity after rebuilding = %+v, %v", rep, err)
		}
	})
}

func TestCheckIntegrityClean(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.sign(t)
		f.fill(t, 0, 7)
		f.sign(t)
		f.fill(t, 7, 40)
		f.sign(t)
		f.fill(t, 40, 41)
		rep, err := f.s.CheckIntegrity(ctx)
		if err != nil || !rep.OK() || rep.TreeSize != 41 || rep.HeadsChecked != 3 {
			t.Errorf("CheckIntegrity = %+v, %v", rep, err)
		}
	})
}
