// Package audit keeps the platform's append-only, hash-chained log of every
// case read and every change: who, what, which case, when, from which
// address. Each entry's hash covers the previous entry's hash and the
// entry's own fields, so editing or removing any entry breaks the chain from
// that point on, and Verify names the first broken entry.
//
// There is one chain per court (the court ID; "platform" for entries without
// a court), so appends of different courts never contend, and the chains
// partition cleanly with the case data at scale.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the audit log's schema.
var Migrations = sqldb.Embedded("audit", migrationsFS)

// PlatformChain is the chain of entries that belong to no court.
const PlatformChain = "platform"

// Actor is who acts: the signed-in user and the client address. The auth
// middleware puts it in the request context.
type Actor struct {
	UserID string
	IP     string
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx; a zero Actor (the system) if none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Entry is one audit record. Action names what happened, in the form
// "<context>.<entity>.<verb>" ("casefile.case.read"). Detail is any
// JSON-encodable value with the specifics; keep personal data out of it
// beyond what the action needs.
type Entry struct {
	ID       string
	Chain    string
	Seq      int64
	At       time.Time
	ActorID  string
	Action   string
	CourtID  string
	CaseID   string
	Target   string
	IP       string
	Detail   string // JSON
	PrevHash string
	Hash     string
}

// Record describes an entry to append.
type Record struct {
	Action  string
	CourtID string
	CaseID  string
	Target  string // the ID of what was read or changed, when it is not the case
	Detail  any
}

// Append writes an entry inside the caller's transaction, so the entry
// exists exactly when the change it records does. The actor and address
// come from ctx (WithActor); "now" is the transaction's time.
func Append(ctx context.Context, tx *sqldb.Tx, r Record) error {
	e, err := newEntry(ctx, tx, r)
	if err != nil {
		return err
	}
	return appendEntry(ctx, tx, e)
}

// appendEntry links e to its chain and writes it.
func appendEntry(ctx context.Context, tx *sqldb.Tx, e *Entry) error {
	// The upsert takes the chain's row lock (PostgreSQL) until commit, so
	// concurrent appends to one chain are serialised; it returns the new
	// sequence number and, unchanged, the previous entry's hash.
	err := tx.QueryRow(ctx, `INSERT INTO audit_head (chain, seq, hash) VALUES (?, 1, '')
		ON CONFLICT (chain) DO UPDATE SET seq = audit_head.seq + 1
		RETURNING seq, hash`, e.Chain).Scan(&e.Seq, &e.PrevHash)
	if err != nil {
		return fmt.Errorf("audit: head: %w", err)
	}
	e.Hash = e.computeHash()
	if err := insertEntry(ctx, tx, e); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE chain = ?`, e.Hash, e.Chain); err != nil {
		return fmt.Errorf("audit: head: %w", err)
	}
	return nil
}

// AppendAll writes several entries inside the caller's transaction, in
// order, as Append called once for each would, but with one update of each
// chain's head instead of two per entry: a request that records a few
// changes at once (a filing with its files) pays for the chain once.
func AppendAll(ctx context.Context, tx *sqldb.Tx, rs ...Record) error {
	byChain := map[string][]*Entry{}
	var order []string
	for _, r := range rs {
		e, err := newEntry(ctx, tx, r)
		if err != nil {
			return err
		}
		if byChain[e.Chain] == nil {
			order = append(order, e.Chain)
		}
		byChain[e.Chain] = append(byChain[e.Chain], e)
	}
	for _, chain := range order {
		es := byChain[chain]
		if len(es) == 1 {
			if err := appendEntry(ctx, tx, es[0]); err != nil {
				return err
			}
			continue
		}
		// As in Append, the upsert takes the chain's row lock; it returns
		// the last of the n sequence numbers taken and the previous hash.
		var last int64
		var prev string
		err := tx.QueryRow(ctx, `INSERT INTO audit_head (chain, seq, hash) VALUES (?, ?, '')
			ON CONFLICT (chain) DO UPDATE SET seq = audit_head.seq + ?
			RETURNING seq, hash`, chain, len(es), len(es)).Scan(&last, &prev)
		if err != nil {
			return fmt.Errorf("audit: head: %w", err)
		}
		for i, e := range es {
			e.Seq, e.PrevHash = last-int64(len(es)-1-i), prev
			e.Hash = e.computeHash()
			prev = e.Hash
			if err := insertEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_head SET hash = ? WHERE chain = ?`, prev, chain); err != nil {
			return fmt.Errorf("audit: head: %w", err)
		}
	}
	return nil
}

// newEntry prepares the entry of r: actor from ctx, time from tx.
func newEntry(ctx context.Context, tx *sqldb.Tx, r Record) (*Entry, error) {
	if r.Action == "" {
		return nil, fmt.Errorf("audit: empty action")
	}
	a := ActorFrom(ctx)
	detail := "{}"
	if r.Detail != nil {
		b, err := json.Marshal(r.Detail)
		if err != nil {
			return nil, fmt.Errorf("audit: detail: %w", err)
		}
		detail = string(b)
	}
	e := &Entry{
		ID: ids.New(), Chain: r.CourtID, At: tx.Now, ActorID: a.UserID, Action: r.Action,
		CourtID: r.CourtID, CaseID: r.CaseID, Target: r.Target, IP: a.IP, Detail: detail,
	}
	if e.Chain == "" {
		e.Chain = PlatformChain
	}
	return e, nil
}

func insertEntry(ctx context.Context, tx *sqldb.Tx, e *Entry) error {
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (id, chain, seq, at, actor_id, action, court_id, case_id, target, ip, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Chain, e.Seq, e.At, e.ActorID, e.Action, e.CourtID, e.CaseID, e.Target, e.IP, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// computeHash is SHA-256 over the previous hash and every field, each
// length-prefixed so no two different entries encode the same.
func (e *Entry) computeHash() string {
	h := sha256.New()
	for _, f := range []string{
		e.PrevHash, e.ID, e.Chain, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.ActorID, e.Action, e.CourtID, e.CaseID, e.Target, e.IP, e.Detail,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Broken describes the first entry at which a chain fails to verify.
type Broken struct {
	Chain  string
	Seq    int64
	ID     string
	Reason string
}

func (b Broken) String() string {
	return fmt.Sprintf("chain %s, entry %d (%s): %s", b.Chain, b.Seq, b.ID, b.Reason)
}

// Report is the result of Verify.
type Report struct {
	Chains  int
	Entries int64
	Broken  []Broken // the first broken entry of each broken chain
}

// OK reports whether every chain verified.
func (r Report) OK() bool { return len(r.Broken) == 0 }

// Verify recomputes every chain from its first entry and reports, per
// chain, the first entry whose hash, link or sequence does not check out,
// and a head that does not match the last entry (entries removed from the
// end).
func Verify(ctx context.Context, db *sqldb.DB) (Report, error) {
	var rep Report
	heads := map[string][2]string{}
	rows, err := db.Query(ctx, `SELECT chain, seq, hash FROM audit_head ORDER BY chain`)
	if err != nil {
		return rep, err
	}
	var chains []string
	for rows.Next() {
		var c, h string
		var s int64
		if err := rows.Scan(&c, &s, &h); err != nil {
			rows.Close()
			return rep, err
		}
		chains = append(chains, c)
		heads[c] = [2]string{strconv.FormatInt(s, 10), h}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}
	for _, chain := range chains {
		rep.Chains++
		b, n, err := verifyChain(ctx, db, chain, heads[chain])
		if err != nil {
			return rep, err
		}
		rep.Entries += n
		if b != nil {
			rep.Broken = append(rep.Broken, *b)
		}
	}
	return rep, nil
}

// verifyChain checks one chain up to its head as Verify read it. The
// server may append while Verify runs, and the heads and the entries are
// read in different queries: entries after the head read are newer, and
// are only checked to be covered by the head as it is now (an entry the
// head does not count was not written by Append).
func verifyChain(ctx context.Context, db *sqldb.DB, chain string, head [2]string) (*Broken, int64, error) {
	headSeq, err := strconv.ParseInt(head[0], 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: head of %s: %w", chain, err)
	}
	rows, err := db.Query(ctx, `SELECT id, chain, seq, at, actor_id, action, court_id, case_id, target, ip, detail, prev_hash, hash
		FROM audit_log WHERE chain = ? AND seq <= ? ORDER BY seq`, chain, headSeq)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var n int64
	prev := ""
	var first *Broken
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.Chain, &e.Seq, &e.At, &e.ActorID, &e.Action, &e.CourtID, &e.CaseID, &e.Target, &e.IP, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, n, err
		}
		n++
		if first != nil {
			continue
		}
		switch {
		case e.Seq != n:
			first = &Broken{chain, e.Seq, e.ID, fmt.Sprintf("sequence gap: expected %d", n)}
		case e.PrevHash != prev:
			first = &Broken{chain, e.Seq, e.ID, "link to the previous entry does not match"}
		case e.computeHash() != e.Hash:
			first = &Broken{chain, e.Seq, e.ID, "content does not match its hash"}
		}
		prev = e.Hash
	}
	if err := rows.Err(); err != nil {
		return nil, n, err
	}
	if first == nil && (head[0] != strconv.FormatInt(n, 10) || head[1] != prev) {
		first = &Broken{chain, n + 1, "", "entries missing at the end: the head records " + head[0]}
	}
	if first == nil {
		// Entries after the head as read: the head now must count them (the
		// entries are read first, then the head, which only grows).
		var last sql.NullInt64
		if err := db.QueryRow(ctx, `SELECT MAX(seq) FROM audit_log WHERE chain = ? AND seq > ?`, chain, headSeq).Scan(&last); err != nil {
			return nil, n, err
		}
		if last.Valid {
			var now int64
			if err := db.QueryRow(ctx, `SELECT seq FROM audit_head WHERE chain = ?`, chain).Scan(&now); err != nil {
				return nil, n, err
			}
			if last.Int64 > now {
				first = &Broken{chain, now + 1, "", "entries beyond the head: the head records " + strconv.FormatInt(now, 10)}
			}
		}
	}
	return first, n, nil
}

// ListForCase returns a case's audit entries, newest first, at most limit.
func ListForCase(ctx context.Context, q sqldb.Querier, caseID string, limit int) ([]Entry, error) {
	if caseID == "" {
		return nil, errs.New(errs.Invalid, "")
	}
	rows, err := q.Query(ctx, `SELECT id, chain, seq, at, actor_id, action, court_id, case_id, target, ip, detail, prev_hash, hash
		FROM audit_log WHERE case_id = ? ORDER BY at DESC, seq DESC LIMIT ?`, caseID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.Chain, &e.Seq, &e.At, &e.ActorID, &e.Action, &e.CourtID, &e.CaseID, &e.Target, &e.IP, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// String gives a one-line description for the CLI.
func (e Entry) String() string {
	return strings.Join([]string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339), e.ActorID, e.Action, e.CaseID}, " ")
}
