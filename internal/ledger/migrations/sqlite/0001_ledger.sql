-- ledger owns the evidence and document ledger: an append-only Merkle tree
-- log (RFC 6962 §2.1 hashing) of the SHA-256 of every uploaded evidence file
-- and every issued document, with signed tree heads (package doc.go gives
-- the exact formats). Hashes are lowercase hex TEXT, so an auditor can read
-- and recompute them with ordinary tools.

-- ledger_state is one row (id = 1): the tree size and the compact range of
-- the whole tree (the roots of its perfect subtrees, left to right, as
-- concatenated hex). Every append reads and rewrites it under a lock
-- (PostgreSQL: SELECT … FOR UPDATE; SQLite has one writer), which keeps the
-- leaf indexes gap-free.
CREATE TABLE ledger_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    tree_size     BIGINT NOT NULL,
    compact_range TEXT NOT NULL
);
INSERT INTO ledger_state (id, tree_size, compact_range) VALUES (1, 0, '');

-- ledger_entry is one leaf: what was logged (kind, ref), by which court,
-- the content hash, and the leaf hash SHA-256(0x00 || leaf data).
-- (kind, ref) is unique, so appending the same item again is idempotent.
-- sha256_key is the first 8 bytes of sha256 as a big-endian signed
-- integer: lookups by content hash use its index, which is a quarter the
-- size of an index on the hex text and keeps batch appends fast.
CREATE TABLE ledger_entry (
    leaf_index  BIGINT PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    court_id    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    sha256_key  BIGINT NOT NULL,
    leaf_hash   TEXT NOT NULL,
    appended_at TIMESTAMP NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX ledger_entry_sha256_key ON ledger_entry (sha256_key);

-- ledger_node holds the hash of every perfect subtree (leaves included),
-- written when the subtree is completed; node_id = index * 64 + level
-- (level 0 = leaves). Proofs for any tree size are assembled from these
-- rows without rehashing the leaves.
CREATE TABLE ledger_node (
    node_id BIGINT PRIMARY KEY,
    hash    TEXT NOT NULL
);

-- ledger_key lists every log public key that has signed a tree head, so
-- heads signed before a key change stay verifiable. key_id is the hex
-- SHA-256 of the raw 32-byte Ed25519 public key.
CREATE TABLE ledger_key (
    key_id     TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- ledger_tree_head is one signed tree head per tree size; checkpoint is the
-- signed note exactly as signed (C2SP tlog-checkpoint with the extension
-- lines "timestamp" and "key-id").
CREATE TABLE ledger_tree_head (
    tree_size  BIGINT PRIMARY KEY,
    origin     TEXT NOT NULL,
    root_hash  TEXT NOT NULL,
    signed_at  TIMESTAMP NOT NULL,
    key_id     TEXT NOT NULL REFERENCES ledger_key (key_id),
    signature  TEXT NOT NULL,
    checkpoint TEXT NOT NULL
);

-- Append-only: the database itself refuses to change or remove a logged
-- entry, node or signed head (Online Litigation Rules Art. 16: data kept on
-- a tamper-evident chain).
CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END;
CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry
BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only'); END;
CREATE TRIGGER ledger_node_no_update BEFORE UPDATE ON ledger_node
BEGIN SELECT RAISE(ABORT, 'ledger_node is append-only'); END;
CREATE TRIGGER ledger_node_no_delete BEFORE DELETE ON ledger_node
BEGIN SELECT RAISE(ABORT, 'ledger_node is append-only'); END;
CREATE TRIGGER ledger_tree_head_no_update BEFORE UPDATE ON ledger_tree_head
BEGIN SELECT RAISE(ABORT, 'ledger_tree_head is append-only'); END;
CREATE TRIGGER ledger_tree_head_no_delete BEFORE DELETE ON ledger_tree_head
BEGIN SELECT RAISE(ABORT, 'ledger_tree_head is append-only'); END;
