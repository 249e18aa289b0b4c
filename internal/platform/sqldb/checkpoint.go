package sqldb

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the checkpointer looks for committed WAL
// frames to copy into the database file.
const checkpointEvery = 100 * time.Millisecond

// rewindFrames is the WAL length (pages) from which the writer finishes a
// checkpoint itself so that the WAL can be rewound: SQLite's own automatic
// checkpoint threshold.
const rewindFrames = 1000

// checkpointer copies committed WAL frames into the database file on its own
// connection, off the commit path.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000
// WAL pages, on the one writer connection: every writer queued behind that
// commit waits while thousands of pages are copied and the database file is
// fsynced (a 100–200 ms stall at the 99th percentile under load). The writer
// therefore runs with wal_autocheckpoint(0) and this goroutine issues
// PASSIVE checkpoints, which take the checkpoint lock but never the write
// lock, so commits proceed while pages are copied. Once every frame is
// copied, the next writer rewinds the WAL. Under sustained writes a
// checkpoint on another connection never sees the whole WAL copied (new
// frames arrive while it copies), so when the WAL passes rewindFrames the
// writer itself runs one PASSIVE checkpoint between two commits: the
// background has already copied nearly everything, so this costs the frames
// of the last interval instead of the whole WAL. Durability is
// unchanged: a commit is durable when its WAL frames are (synchronous=FULL
// syncs the WAL at each commit); checkpoints only move data already safe.
type checkpointer struct {
	conn  *sql.DB
	dirty atomic.Bool
	stop  chan struct{}
	done  chan struct{}
	runs  atomic.Int64
	// finish asks the writer to run the last, short checkpoint.
	finish atomic.Bool
	// writerRuns counts the checkpoints the writer ran.
	writerRuns atomic.Int64
}

func newCheckpointer(conn *sql.DB) *checkpointer {
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// noteWrite tells the checkpointer that a transaction committed.
func (c *checkpointer) noteWrite() { c.dirty.Store(true) }

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if !c.dirty.Swap(false) {
			continue
		}
		frames, _, err := c.run(context.Background())
		if err != nil {
			slog.Warn("sqlite: background checkpoint failed; will retry", "err", err)
			c.dirty.Store(true)
			continue
		}
		if frames >= rewindFrames {
			c.finish.Store(true)
		}
	}
}

// run performs one PASSIVE checkpoint and returns the WAL's frame count and
// how many of them are now in the database file.
func (c *checkpointer) run(ctx context.Context) (walFrames, copied int64, err error) {
	var busy int64
	err = c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &walFrames, &copied)
	c.runs.Add(1)
	return walFrames, copied, err
}

// beforeWrite runs on the writer connection's goroutine before a write
// transaction begins: if the WAL is long, it finishes the checkpoint there,
// so that the transaction about to start rewinds the WAL.
func (c *checkpointer) beforeWrite(ctx context.Context, w *sql.DB) {
	if !c.finish.Swap(false) {
		return
	}
	var busy, frames, copied int64
	if err := w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		slog.Warn("sqlite: writer checkpoint failed", "err", err)
		return
	}
	c.writerRuns.Add(1)
}

func (c *checkpointer) close() {
	close(c.stop)
	<-c.done
	c.conn.Close()
}

// CheckpointStats counts the SQLite checkpoints run so far.
type CheckpointStats struct {
	Background int64 // PASSIVE checkpoints on the checkpointer's connection
	Writer     int64 // short checkpoints the writer ran so the WAL could rewind
}

// CheckpointStats reports the checkpoints run; zero on PostgreSQL and on
// in-memory SQLite.
func (db *DB) CheckpointStats() CheckpointStats {
	if db.ckpt == nil {
		return CheckpointStats{}
	}
	return CheckpointStats{Background: db.ckpt.runs.Load(), Writer: db.ckpt.writerRuns.Load()}
}
