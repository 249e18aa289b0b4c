#!/usr/bin/env bash
# bench/alloc.sh measures case-number allocations per second (one
# transaction per number, all on one sequence row: the worst case) on
# SQLite (synchronous NORMAL and the durable default FULL) and PostgreSQL,
# side by side with pgbench running the same upsert on the same server
# (the PostgreSQL peer: the ceiling of the raw statement without Go,
# database/sql or our transaction wrapper).
#
# It starts its own durable PostgreSQL (default settings: fsync on,
# synchronous_commit on) on 127.0.0.1:55433 with its data under /tmp, so
# the figures are not flattered by the test server's fsync=off.
#   bench/alloc.sh            # writes the results to stdout
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT=${ECOURT_BENCH_PG_PORT:-55433}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DATA=/tmp/ecourt-bench-pg-$PORT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! as_pg "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; then
  rm -rf "$DATA"; mkdir -p "$DATA"; chown postgres: "$DATA" 2>/dev/null || true
  as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres >/dev/null
  as_pg "$BIN/pg_ctl" start -w -D "$DATA" -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c max_connections=100" -l "$DATA/log" >/dev/null
fi
URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
echo
echo "== ecourt: go test -bench BenchmarkAllocateNumber ./internal/casefile/ (PostgreSQL at $PORT, fsync on)"
cd "$ROOT"
ECOURT_TEST_POSTGRES="$URL" go test -run '^$' -bench 'BenchmarkAllocateNumber' -benchtime 3s -count 3 ./internal/casefile/ \
  | awk '/^Benchmark/ { printf "%-60s %10s ns/op  %8.0f allocs/s\n", $1, $3, 1e9/$3 }'
echo
echo "== peer: pgbench, the same upsert on the same server"
SCRIPT=$(mktemp)
cat >"$SCRIPT" <<'SQL'
INSERT INTO bench_seq (k, last) VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET last = bench_seq.last + 1 RETURNING last;
SQL
psql -q "$URL" -c 'DROP TABLE IF EXISTS bench_seq; CREATE TABLE bench_seq (k INT PRIMARY KEY, last BIGINT NOT NULL)'
# The same statement inside an explicit transaction, as ecourt runs it
# (BEGIN; upsert; COMMIT: three round trips instead of one).
TXSCRIPT=$(mktemp)
{ echo 'BEGIN;'; cat "$SCRIPT"; echo 'COMMIT;'; } >"$TXSCRIPT"
for c in 1 8; do
  printf 'pgbench autocommit clients=%d: ' "$c"
  pgbench -n -c "$c" -j 2 -T 10 -f "$SCRIPT" "$URL" 2>/dev/null | awk '/^tps/ { print $3 " tx/s" }'
  printf 'pgbench BEGIN/COMMIT clients=%d: ' "$c"
  pgbench -n -c "$c" -j 2 -T 10 -f "$TXSCRIPT" "$URL" 2>/dev/null | awk '/^tps/ { print $3 " tx/s" }'
done
rm -f "$SCRIPT" "$TXSCRIPT"
