// Package ledger is the evidence and document ledger: an append-only,
// tamper-evident log of the SHA-256 of every uploaded evidence file and
// every document a court issues, in the style of Certificate Transparency
// (RFC 6962, RFC 9162), with signed tree heads published regularly and
// proofs anyone can check offline.
//
// It is the platform's answer to the Online Litigation Rules
// (人民法院在线诉讼规则, 2021) Art. 16–19 on electronic data kept on a
// tamper-evident chain ("区块链技术存储"):
//
//   - Art. 16: data stored on the chain and "经技术核验一致" may be found
//     unaltered since it was stored. Here: the file's SHA-256 is logged when
//     it is uploaded or issued; VerifyFile / `ecourt ledger verify` is the
//     technical check that the file is the logged one.
//   - Art. 17: a challenge is weighed on the platform's technical process
//     (system environment, security, cryptography, transmission,
//     verification). Here: RFC 6962 hashing, Ed25519-signed C2SP
//     checkpoints, append-only tables, a check of every new head against
//     the previous one, and CheckIntegrity for a full audit — all
//     documented below so an expert can recompute everything.
//   - Art. 18: the ledger proves integrity only from the time of logging;
//     whether the data was authentic before is outside what it can show
//     (the entry's appended_at marks that moment).
//   - Art. 19: an expert or forensic examiner can verify proofs with the
//     published formats and any RFC 6962 implementation.
//
// # Leaves
//
// An entry is (kind, ref, court_id, sha256): kind "evidence" or "document"
// (or another lowercase word), ref the evidence or document ID, unique per
// kind, so Append is idempotent. Its leaf data (see LeafData) is
//
//	ecourt-ledger/v1 leaf\n
//	kind <kind>\n
//	ref <ref>\n
//	sha256 <64 lowercase hex>\n
//	appended_at <Unix milliseconds>\n
//
// and the leaf hash is SHA-256(0x00 || leaf data) (RFC 6962 §2.1). court_id
// is stored with the entry but not hashed.
//
// # Tree and storage
//
// Interior nodes are SHA-256(0x01 || left || right) and the empty tree's
// root is SHA-256("") (RFC 6962 §2.1, github.com/transparency-dev/merkle).
// ledger_node keeps the hash of every perfect subtree, written when its
// last leaf is appended (node_id = index * 64 + level); ledger_state keeps
// the tree size and the compact range of the whole tree. Roots, inclusion
// proofs and consistency proofs for any tree size are assembled from
// O(log n) stored nodes (tree.go). Appends are serialised by a lock on the
// single ledger_state row (PostgreSQL SELECT … FOR UPDATE; SQLite's one
// writer), so leaf indexes are gap-free; AppendBatch logs many entries in
// one transaction with multi-row inserts. The database refuses UPDATE and
// DELETE on entries, nodes and heads (triggers).
//
// # Signed tree heads
//
// The log key is Ed25519, created on first start in the key directory the
// app gives (LoadOrCreateKey: directory 0700, file 0600, looser modes are
// refused); key ID = SHA-256 of the raw public key. A tree head is a C2SP
// checkpoint (c2sp.org/tlog-checkpoint) signed as a C2SP signed note
// (c2sp.org/signed-note) under the log's origin, with two extension lines:
//
//	<origin>\n
//	<tree size>\n
//	<base64 root hash>\n
//	timestamp <Unix milliseconds>\n
//	key-id <hex key ID>\n
//	\n
//	— <origin> <base64(key hash[4] || Ed25519 signature[64])>\n
//
// The job JobTreeHead (RegisterJobs, ScheduleTreeHeads) signs a head every
// interval (default 1 minute) when the tree grew, after checking that the
// new tree extends the previous head; Inclusion and the proof bundles refer
// to the newest head. Each head enqueues ecourt.ledger.tree_head.signed.
//
// # Proofs and verification
//
// GET /api/v1/ledger/proofs/inclusion returns an InclusionBundle (entry,
// leaf index, tree size, audit path, signed head); VerifyFile checks it
// offline against the file and the log's public key, and RunVerifyCLI is
// `ecourt ledger verify FILE PROOF [TREEHEAD] [--key PEM]`.
// GET /api/v1/ledger/proofs/consistency returns the proof between two sizes;
// VerifyConsistency checks it against two signed heads, which is how a
// monitor holding an earlier head detects a rewritten log.
//
// # Feeding the ledger
//
// Issued documents arrive through the event ecourt.document.document.issued
// and uploaded evidence through ecourt.filing.evidence.added (Subscribe,
// HandleDocumentIssued, HandleEvidenceUploaded); a context may instead log
// inside its own transaction with AppendTx. Either way logging is
// idempotent per (kind, ref).
//
// The ledger holds no personal data: hashes, opaque IDs, court IDs and
// times. It is public and needs no sign-in; it answers only for hashes the
// asker already has.
package ledger
