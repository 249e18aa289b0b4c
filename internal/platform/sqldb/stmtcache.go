package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// Prepared-statement cache for SQLite.
//
// modernc.org/sqlite compiles every statement it is given, and
// database/sql keeps no compiled statements between calls: on a busy
// server, parsing SQL was a fifth of all CPU time. The cache keeps one
// *sql.Stmt per query text, which database/sql prepares once per
// connection and reuses.
//
// Readers prepare on the wide reader pool directly. The single writer
// connection is busy inside every transaction, and preparing on it from
// inside a transaction would wait for itself; so a write statement is run
// unprepared the first time, remembered, and prepared by the committer
// between batches, when the connection is free. Later transactions bind it
// to their connection with Tx.StmtContext, which reuses the compiled
// statement. PostgreSQL needs none of this: pgx caches prepared statements
// itself.
type stmtCache struct {
	readers sync.Map // query → *sql.Stmt on the reader pool
	writer  sync.Map // query → *sql.Stmt on the writer pool
	mu      sync.Mutex
	pending map[string]bool // write queries to prepare between batches
}

// maxCached bounds the cache: queries are constants in the code, so the
// number of distinct texts is small; a query built with varying text would
// otherwise grow it without end.
const maxCached = 2000

func (c *stmtCache) reader(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	if s, ok := c.readers.Load(query); ok {
		return s.(*sql.Stmt)
	}
	if c.size(&c.readers) >= maxCached {
		return nil
	}
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the plain query reports the error
	}
	if prev, loaded := c.readers.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt)
	}
	return s
}

// writerStmt returns the prepared writer statement of query, or nil and
// remembers the query for prepareWriter.
func (c *stmtCache) writerStmt(query string) *sql.Stmt {
	if s, ok := c.writer.Load(query); ok {
		return s.(*sql.Stmt)
	}
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[string]bool{}
	}
	if len(c.pending) < maxCached {
		c.pending[query] = true
	}
	c.mu.Unlock()
	return nil
}

// prepareWriter prepares the remembered write statements; the committer
// calls it between batches, while the writer connection is free.
func (c *stmtCache) prepareWriter(db *sql.DB) {
	c.mu.Lock()
	queries := c.pending
	c.pending = nil
	c.mu.Unlock()
	for q := range queries {
		if _, ok := c.writer.Load(q); ok || c.size(&c.writer) >= maxCached {
			continue
		}
		if s, err := db.PrepareContext(context.Background(), q); err == nil {
			c.writer.Store(q, s)
		}
	}
}

func (c *stmtCache) size(m *sync.Map) int {
	n := 0
	m.Range(func(_, _ any) bool { n++; return n < maxCached })
	return n
}

func (c *stmtCache) close() {
	for _, m := range []*sync.Map{&c.readers, &c.writer} {
		m.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	}
}
