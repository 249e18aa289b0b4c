package ledger

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/google/go-cmp/cmp"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// vectors are the published RFC 6962 test vectors (testdata/rfc6962_vectors.json
// names their source).
type vectors struct {
	Source    string     `json:"source"`
	Leaves    []string   `json:"leaves"`
	Roots     []string   `json:"roots"` // by tree size, from 0
	Nodes     [][]string `json:"nodes"` // by level, then index
	Inclusion []struct {
		LeafIndex uint64   `json:"leaf_index"`
		TreeSize  uint64   `json:"tree_size"`
		Path      []string `json:"path"`
	} `json:"inclusion"`
	Consistency []struct {
		First  uint64   `json:"first"`
		Second uint64   `json:"second"`
		Proof  []string `json:"proof"`
	} `json:"consistency"`
}

func loadVectors(t *testing.T) vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc6962_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Leaves) != 8 || len(v.Roots) != 9 || len(v.Inclusion) == 0 || len(v.Consistency) == 0 {
		t.Fatalf("vectors incomplete: %d leaves, %d roots", len(v.Leaves), len(v.Roots))
	}
	return v
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexAll(p [][]byte) []string {
	out := make([]string, len(p))
	for i, b := range p {
		out[i] = hex.EncodeToString(b)
	}
	return out
}

// appendRaw appends leaf data (not ledger entries) to the stored tree,
// one transaction per leaf, as the vectors define leaves.
func appendRaw(t *testing.T, db *sqldb.DB, data []byte) {
	t.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		st, err := loadState(context.Background(), tx, true)
		if err != nil {
			return err
		}
		return appendLeafHashes(context.Background(), tx, &st, [][]byte{hasher.HashLeaf(data)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRFC6962Vectors builds the reference 8-leaf tree in the stored-node
// implementation, on both databases, and checks every published value:
// the root of every size, the hash of every perfect subtree as stored, the
// published inclusion and consistency proofs, and that every other proof
// of the tree verifies against the published roots.
func TestRFC6962Vectors(t *testing.T) {
	v := loadVectors(t)
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		// checkRoot checks the root of size from the stored nodes and, when
		// current, from the log state.
		checkRoot := func(size int, current bool) {
			t.Helper()
			if current {
				st, err := loadState(ctx, f.db, false)
				if err != nil {
					t.Fatal(err)
				}
				got, err := st.root()
				if err != nil {
					t.Fatal(err)
				}
				if st.size != uint64(size) || hex.EncodeToString(got) != v.Roots[size] {
					t.Errorf("state of size %d: got size %d root %x, want %s", size, st.size, got, v.Roots[size])
				}
			}
			fromNodes, err := rootAt(ctx, f.db, uint64(size))
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(fromNodes) != v.Roots[size] {
				t.Errorf("stored-node root of size %d: got %x, want %s", size, fromNodes, v.Roots[size])
			}
		}
		checkRoot(0, true)
		for i, leaf := range v.Leaves {
			appendRaw(t, f.db, unhex(t, leaf))
			checkRoot(i+1, true)
		}
		// Every stored node is a published subtree hash, and every published
		// subtree hash is stored.
		want := map[int64]string{}
		for level, hashes := range v.Nodes {
			for idx, h := range hashes {
				want[nodeKey(compact.NewNodeID(uint(level), uint64(idx)))] = h
			}
		}
		got := map[int64]string{}
		rows, err := f.db.Query(ctx, `SELECT node_id, hash FROM ledger_node`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k int64
			var h string
			if err := rows.Scan(&k, &h); err != nil {
				t.Fatal(err)
			}
			got[k] = h
		}
		rows.Close()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored nodes differ from the published subtree hashes (-want +got):\n%s", diff)
		}
		// Earlier sizes are still answered from the same nodes.
		for size := 0; size <= 8; size++ {
			checkRoot(size, false)
		}
		for _, tc := range v.Inclusion {
			p, err := f.s.InclusionProof(ctx, tc.LeafIndex, tc.TreeSize)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", tc.LeafIndex, tc.TreeSize, err)
			}
			if diff := cmp.Diff(tc.Path, hexAll(p)); diff != "" {
				t.Errorf("InclusionProof(%d, %d) (-published +got):\n%s", tc.LeafIndex, tc.TreeSize, diff)
			}
		}
		for _, tc := range v.Consistency {
			p, err := f.s.ConsistencyProof(ctx, tc.First, tc.Second)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", tc.First, tc.Second, err)
			}
			if diff := cmp.Diff(tc.Proof, hexAll(p)); diff != "" {
				t.Errorf("ConsistencyProof(%d, %d) (-published +got):\n%s", tc.First, tc.Second, diff)
			}
		}
		for size := uint64(1); size <= 8; size++ {
			root := unhex(t, v.Roots[size])
			for i := uint64(0); i < size; i++ {
				p, err := f.s.InclusionProof(ctx, i, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyInclusion(hasher, i, size, hasher.HashLeaf(unhex(t, v.Leaves[i])), p, root); err != nil {
					t.Errorf("inclusion of %d in %d: %v", i, size, err)
				}
			}
			for m := uint64(1); m <= size; m++ {
				p, err := f.s.ConsistencyProof(ctx, m, size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyConsistency(hasher, m, size, p, unhex(t, v.Roots[m]), root); err != nil {
					t.Errorf("consistency %d→%d: %v", m, size, err)
				}
			}
		}
	})
}
