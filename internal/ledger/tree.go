package ledger

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The Merkle tree on stored nodes.
//
// Every perfect subtree of the log (a leaf, or 2^k leaves starting at a
// multiple of 2^k) is final once its last leaf is appended: its hash never
// changes. Append writes each such node as it is completed (the visitor of
// compact.Range.Append reports exactly these), so a log of n leaves holds
// fewer than 2n node rows. The root of the tree of any size m ≤ n, and
// inclusion and consistency proofs for any sizes, need only O(log n) of
// them: the package proof names which (proof.Inclusion, proof.Consistency),
// and at most one "ephemeral" node (the root of an imperfect subtree) is
// rehashed from its perfect children (Nodes.Rehash). No leaf is ever
// rehashed after its append.

// hasher is RFC 6962 §2.1 with SHA-256: leaf = H(0x00 || data), node =
// H(0x01 || left || right), empty tree = H("").
var hasher = rfc6962.DefaultHasher

var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// levelBits is the width of the level in a node key.
const levelBits = 6

// nodeKey is the storage key of a node: index * 64 + level. Indexes stay
// below 2^57, far beyond any log this platform will hold.
func nodeKey(id compact.NodeID) int64 {
	return int64(id.Index<<levelBits | uint64(id.Level))
}

// node is one perfect subtree's hash.
type node struct {
	id   compact.NodeID
	hash []byte
}

// state is the ledger_state row: the tree size and its compact range.
type state struct {
	size   uint64
	hashes [][]byte // compact range [0, size), left to right
}

func (st state) rng() (*compact.Range, error) {
	return rangeFactory.NewRange(0, st.size, st.hashes)
}

// root returns the root hash of the tree of st.size leaves.
func (st state) root() ([]byte, error) {
	if st.size == 0 {
		return hasher.EmptyRoot(), nil
	}
	r, err := st.rng()
	if err != nil {
		return nil, fmt.Errorf("ledger: state: %w", err)
	}
	return r.GetRootHash(nil)
}

func encodeRange(hashes [][]byte) string {
	var b strings.Builder
	b.Grow(64 * len(hashes))
	for _, h := range hashes {
		b.WriteString(hex.EncodeToString(h))
	}
	return b.String()
}

func decodeRange(s string, size uint64) ([][]byte, error) {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw)%32 != 0 {
		return nil, fmt.Errorf("ledger: state: malformed compact range")
	}
	out := make([][]byte, 0, len(raw)/32)
	for i := 0; i < len(raw); i += 32 {
		out = append(out, raw[i:i+32:i+32])
	}
	if want := compact.RangeSize(0, size); len(out) != want {
		return nil, fmt.Errorf("ledger: state: compact range of %d hashes for size %d, want %d", len(out), size, want)
	}
	return out, nil
}

// loadState reads the state row; lock takes the row lock that serialises
// appends and signing on PostgreSQL (SQLite has one writer already).
func loadState(ctx context.Context, q sqldb.Querier, lock bool) (state, error) {
	query := `SELECT tree_size, compact_range FROM ledger_state WHERE id = 1`
	if lock && q.Dialect() == sqldb.Postgres {
		query += ` FOR UPDATE`
	}
	var size int64
	var rng string
	if err := q.QueryRow(ctx, query).Scan(&size, &rng); err != nil {
		return state{}, fmt.Errorf("ledger: load state: %w", err)
	}
	hashes, err := decodeRange(rng, uint64(size))
	if err != nil {
		return state{}, err
	}
	return state{size: uint64(size), hashes: hashes}, nil
}

func saveState(ctx context.Context, tx *sqldb.Tx, st state) error {
	_, err := tx.Exec(ctx, `UPDATE ledger_state SET tree_size = ?, compact_range = ? WHERE id = 1`,
		int64(st.size), encodeRange(st.hashes))
	return err
}

// appendLeafHashes appends leaf hashes to the tree in st, writes every
// node they complete and saves the new state. The caller holds the state
// lock (loadState with lock) in tx.
func appendLeafHashes(ctx context.Context, tx *sqldb.Tx, st *state, leafHashes [][]byte) error {
	if len(leafHashes) == 0 {
		return nil
	}
	r, err := st.rng()
	if err != nil {
		return fmt.Errorf("ledger: state: %w", err)
	}
	nodes := make([]node, 0, 2*len(leafHashes)+8)
	visit := func(id compact.NodeID, hash []byte) { nodes = append(nodes, node{id, hash}) }
	for _, h := range leafHashes {
		if err := r.Append(h, visit); err != nil {
			return fmt.Errorf("ledger: append: %w", err)
		}
	}
	if err := insertNodes(ctx, tx, nodes); err != nil {
		return err
	}
	st.size, st.hashes = r.End(), r.Hashes()
	return saveState(ctx, tx, *st)
}

// insertNodes writes nodes with multi-row INSERTs.
func insertNodes(ctx context.Context, tx *sqldb.Tx, nodes []node) error {
	return inChunks(len(nodes), func(lo, n int) error {
		args := make([]any, 0, 2*n)
		for _, nd := range nodes[lo : lo+n] {
			args = append(args, nodeKey(nd.id), hex.EncodeToString(nd.hash))
		}
		_, err := tx.Exec(ctx, `INSERT INTO ledger_node (node_id, hash) VALUES `+valuesList(n, 2), args...)
		if err != nil {
			return fmt.Errorf("ledger: insert nodes: %w", err)
		}
		return nil
	})
}

// fetchNodes returns the hashes of ids, in order. A missing node means the
// tree is smaller than the caller assumed, or storage is damaged.
func fetchNodes(ctx context.Context, q sqldb.Querier, ids []compact.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	want := make(map[int64][]int, len(ids))
	keys := make([]int64, 0, len(ids))
	for i, id := range ids {
		k := nodeKey(id)
		if _, dup := want[k]; !dup {
			keys = append(keys, k)
		}
		want[k] = append(want[k], i)
	}
	var err error
	for lo := 0; lo < len(keys) && err == nil; lo += 256 {
		err = fetchChunk(ctx, q, keys[lo:min(lo+256, len(keys))], want, out)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: fetch nodes: %w", err)
	}
	for i, h := range out {
		if h == nil {
			return nil, errs.Wrap(errs.Internal, "ledger.error.inconsistent",
				fmt.Errorf("ledger: node level %d index %d is missing", ids[i].Level, ids[i].Index))
		}
	}
	return out, nil
}

// fetchChunk reads up to 256 nodes in one query. The key list is padded
// (repeating its last key) to 4, 16, 64 or 256 placeholders, so that only
// four statement texts exist.
func fetchChunk(ctx context.Context, q sqldb.Querier, keys []int64, want map[int64][]int, out [][]byte) error {
	n := 4
	for n < len(keys) {
		n *= 4
	}
	args := make([]any, n)
	for i := range args {
		args[i] = keys[min(i, len(keys)-1)]
	}
	rows, err := q.Query(ctx, `SELECT node_id, hash FROM ledger_node WHERE node_id IN (`+placeholders(n)+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		var h string
		if err := rows.Scan(&k, &h); err != nil {
			return err
		}
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			return errs.Wrap(errs.Internal, "ledger.error.inconsistent", fmt.Errorf("ledger: node %d: malformed hash", k))
		}
		for _, i := range want[k] {
			out[i] = b
		}
	}
	return rows.Err()
}

// rootAt returns the root hash of the tree of the first size leaves (size
// must not exceed the log's size).
func rootAt(ctx context.Context, q sqldb.Querier, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	hashes, err := fetchNodes(ctx, q, compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	r, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, err
	}
	return r.GetRootHash(nil)
}

// inclusionProof assembles the RFC 6962 §2.1.1 audit path of leaf index in
// the tree of size leaves (index < size ≤ the log's size).
func inclusionProof(ctx context.Context, q sqldb.Querier, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return assemble(ctx, q, nodes)
}

// consistencyProof assembles the RFC 6962 §2.1.2 consistency proof between
// the trees of size1 and size2 leaves (size1 ≤ size2 ≤ the log's size).
func consistencyProof(ctx context.Context, q sqldb.Querier, size1, size2 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	return assemble(ctx, q, nodes)
}

func assemble(ctx context.Context, q sqldb.Querier, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := fetchNodes(ctx, q, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// chunkSizes are the row counts of multi-row statements: a batch is cut
// into these, largest first, so only a few distinct statement texts exist
// (SQLite caches one prepared statement per text).
var chunkSizes = []int{256, 64, 16, 4, 1}

// inChunks calls fn for consecutive chunks [lo, lo+n) covering [0, total).
func inChunks(total int, fn func(lo, n int) error) error {
	lo := 0
	for _, size := range chunkSizes {
		for total-lo >= size {
			if err := fn(lo, size); err != nil {
				return err
			}
			lo += size
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// valuesList returns "(?, ?), (?, ?), …" for rows of cols columns.
func valuesList(rows, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}
