#!/usr/bin/env bash
# scripts/test.sh runs ecourt's whole test suite, the same way on a developer's
# machine and in CI (.ci/run executes exactly this script).
#
# It
#   1. installs the Debian packages the tests need, only those that are missing
#      (PostgreSQL, Chromium, CJK fonts, poppler-utils, tesseract with Chinese,
#      tzdata); nothing at all is run through apt when all are present;
#   2. starts a throwaway PostgreSQL on 127.0.0.1:$ECOURT_TEST_PG_PORT (55432)
#      with its data under /tmp, or reuses the one an earlier run left up, and
#      exports ECOURT_TEST_POSTGRES (a URL you set yourself wins: no server is
#      started then);
#   3. exports ECOURT_TEST_CHROMIUM;
#   4. runs `go vet` and then `go test -count=1 -timeout 20m`, passing its own
#      arguments to go test. Arguments starting with ./, ../ or the module path
#      are package patterns (default ./...), everything else is a go test flag:
#        scripts/test.sh -run TestFresh ./internal/platform/pgtest/
#
# Environment:
#   ECOURT_TEST_POSTGRES  use this server instead of starting one
#   ECOURT_TEST_PG_PORT   port of the throwaway server (default 55432)
#   ECOURT_TEST_RACE=1    run go test with -race (slow on 2 cores)
#   ECOURT_TEST_SKIP_INSTALL=1  do not look at packages at all
#
# The PostgreSQL server is left running for the next run. To stop it:
#   runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl stop -D /tmp/ecourt-pg-$UID/data-55432
# (without runuser when not root).
set -euo pipefail

readonly ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly T0=$SECONDS

log() { printf 'test.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
fi

# ---------------------------------------------------------------- 1. packages
# Each entry is a Debian package; all of them are checked with dpkg -s.
# fonts-noto-cjk is 57 MB to download and 91 MB installed; it installs in a few
# seconds here and gives Chromium and PDF rendering real CJK serif and sans
# faces, so it is included.
readonly PACKAGES=(
  postgresql
  chromium
  fonts-wqy-microhei
  fonts-noto-cjk
  poppler-utils
  libnss3-tools
  tesseract-ocr
  tesseract-ocr-chi-sim
  tzdata
)

installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "packages: all present, apt-get skipped"
    return
  fi
  if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
    log "packages missing and neither root nor sudo: ${missing[*]}"
    log "tests that need them will skip (or fail when CI=true)"
    return
  fi
  log "installing: ${missing[*]}"
  local t=$SECONDS
  # Keep package scripts from starting services (postgresql's default
  # cluster): policy-rc.d exit 101 means "not allowed". Only when none exists.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  local status=0
  {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get -q -o DPkg::Lock::Timeout=600 update &&
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get -q -y --no-install-recommends -o DPkg::Lock::Timeout=600 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      install "${missing[@]}"
  } >/tmp/ecourt-apt-$UID.log 2>&1 || status=$?
  if [ "$made_policy" = 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi
  if [ "$status" -ne 0 ]; then
    tail -n 40 /tmp/ecourt-apt-$UID.log >&2
    die "apt-get failed (exit $status), full log in /tmp/ecourt-apt-$UID.log"
  fi
  local pat
  pat="$(printf '%s|' "${missing[@]}")"
  grep -E "^Fetched |^Setting up (${pat%|})[: ]" /tmp/ecourt-apt-$UID.log | sed 's/^/  apt: /' >&2 || true
  log "installed ${#missing[@]} package(s) in $((SECONDS - t))s"
}

if [ "${ECOURT_TEST_SKIP_INSTALL:-}" = 1 ]; then
  log "packages: not checked (ECOURT_TEST_SKIP_INSTALL=1)"
else
  install_packages
fi
readonly T_INSTALL=$SECONDS

# ---------------------------------------------------------------- 2. postgres
PG_PORT="${ECOURT_TEST_PG_PORT:-55432}"
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "ECOURT_TEST_PG_PORT=$PG_PORT is not a port"

# as_pg runs a command as the user who owns the throwaway cluster: postgres
# when we are root (initdb and postgres refuse to run as root), else ourselves.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# init_cluster BIN DATA BASE MAJOR makes a new cluster in DATA whose superuser
# is postgres, trusted on loopback, with settings for tests.
init_cluster() {
  local bin=$1 data=$2 base=$3 major=$4
  rm -rf "$data"
  log "postgres: initdb $data (PostgreSQL $major)"
  as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync --no-instructions >/dev/null
  # Test-only settings: durability off for speed, loopback only.
  cat >>"$data/postgresql.conf" <<EOF

# ---- ecourt test settings (scripts/test.sh) ----
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$base'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
jit = off
log_checkpoints = off
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data/postgresql.conf"; fi
}

# clear_stale_pid BIN DATA BASE removes the postmaster.pid that a killed
# server left in DATA. PostgreSQL refuses to start while the pid in it belongs
# to a live process, which after a reboot or in a new container can be any
# process at all. A postmaster of DATA that is alive but does not answer is
# stopped.
clear_stale_pid() {
  local bin=$1 data=$2 base=$3
  local pidfile="$data/postmaster.pid" pid
  [ -f "$pidfile" ] || return 0
  pid="$(head -n 1 "$pidfile")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-D $data"; then
    log "postgres: pid $pid runs $data but does not answer on 127.0.0.1:$PG_PORT; stopping it"
    as_pg "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 ||
      kill -9 "$pid" 2>/dev/null || true
  else
    log "postgres: removing stale postmaster.pid (pid $pid is not a server of $data)"
  fi
  rm -f "$pidfile" "$base/.s.PGSQL.$PG_PORT" "$base/.s.PGSQL.$PG_PORT.lock"
}

start_postgres() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
    log "no PostgreSQL in /usr/lib/postgresql/*/bin: PostgreSQL tests will skip (or fail when CI=true)"
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root but there is no postgres user to run the server"
  fi
  local major base data logf
  major="$(basename "$(dirname "$bin")")"
  base="/tmp/ecourt-pg-$UID"
  data="$base/data-$PG_PORT"
  logf="$base/server-$PG_PORT.log"

  local ready=("$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres)
  if "${ready[@]}"; then
    log "postgres: reusing the server already up on 127.0.0.1:$PG_PORT"
  else
    mkdir -p "$base"
    chmod 700 "$base"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$base"; fi
    # One setup at a time: two runs started together must not both initdb.
    exec 9>"$base/.setup-$PG_PORT.lock"
    flock 9
    if "${ready[@]}"; then
      log "postgres: reusing the server another run just started"
    else
      local attempt
      for attempt in 1 2; do
        if [ -f "$data/PG_VERSION" ] && [ "$(cat "$data/PG_VERSION")" != "$major" ]; then
          log "postgres: $data is from PostgreSQL $(cat "$data/PG_VERSION"), not $major: starting over"
          rm -rf "$data"
        fi
        if [ ! -f "$data/PG_VERSION" ]; then
          init_cluster "$bin" "$data" "$base" "$major"
        fi
        clear_stale_pid "$bin" "$data" "$base"
        log "postgres: starting on 127.0.0.1:$PG_PORT (log $logf)"
        if as_pg "$bin/pg_ctl" start -D "$data" -l "$logf" -w -t 60 -s; then
          break
        fi
        tail -n 30 "$logf" >&2 || true
        [ "$attempt" = 1 ] || die "postgres did not start"
        # The data is throwaway: a cluster that cannot start (say, torn by
        # a crash with fsync off) is made anew once.
        log "postgres: did not start; making $data anew"
        as_pg "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 || true
        rm -rf "$data"
      done
    fi
    flock -u 9
    exec 9>&-
  fi

  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
  "${psql[@]}" -d postgres -tAc 'SELECT 1' >/dev/null ||
    die "the server on 127.0.0.1:$PG_PORT does not let postgres in without a password; stop it or set ECOURT_TEST_PG_PORT"
  if [ "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ecourt_test'")" != 1 ]; then
    "${psql[@]}" -d postgres -c 'CREATE DATABASE ecourt_test'
    log "postgres: created database ecourt_test"
  fi
  "${psql[@]}" -d ecourt_test -tAc 'SELECT 1' >/dev/null || die "cannot connect to ecourt_test"
  export ECOURT_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PG_PORT/ecourt_test?sslmode=disable"
}

if [ -n "${ECOURT_TEST_POSTGRES:-}" ]; then
  log "postgres: using ECOURT_TEST_POSTGRES from the environment, no server started"
else
  start_postgres
fi
readonly T_PG=$SECONDS

# ---------------------------------------------------------------- 3. chromium
if [ -z "${ECOURT_TEST_CHROMIUM:-}" ]; then
  for c in /usr/bin/chromium "$(command -v chromium 2>/dev/null || true)" \
    "$(command -v chromium-browser 2>/dev/null || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      export ECOURT_TEST_CHROMIUM="$c"
      break
    fi
  done
fi
if [ -n "${ECOURT_TEST_CHROMIUM:-}" ]; then
  log "chromium: $ECOURT_TEST_CHROMIUM ($("$ECOURT_TEST_CHROMIUM" --version 2>/dev/null || echo 'no version'))"
else
  log "chromium: not found, browser tests will skip (or fail when CI=true)"
fi

# ---------------------------------------------------------------- 4. go
cd "$ROOT"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
command -v go >/dev/null 2>&1 || die "no go on PATH (expected /usr/local/go/bin/go)"
pkgs=()
flags=()
for a in "$@"; do
  case "$a" in
    ./* | ../* | . | github.com/ecourt/ecourt*) pkgs+=("$a") ;;
    *) flags+=("$a") ;;
  esac
done
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
if [ "${ECOURT_TEST_RACE:-}" = 1 ]; then
  flags=(-race "${flags[@]}")
fi

log "setup took $((SECONDS - T0))s (packages $((T_INSTALL - T0))s, postgres $((T_PG - T_INSTALL))s); $(go version)"
log "ECOURT_TEST_POSTGRES=${ECOURT_TEST_POSTGRES:-}"

vet_status=0
log "go vet ${pkgs[*]}"
go vet "${pkgs[@]}" || vet_status=$?
[ "$vet_status" -eq 0 ] || log "go vet failed (exit $vet_status); running the tests anyway"

# summarize passes go test's output through as it comes, except two kinds of
# line that it keeps for the end: "?  pkg [no test files]" lines, and the last
# line. At the end it prints those, then the total time, then the last line.
# So the output closes with go test's own result line ("ok  pkg", or "FAIL"),
# which CI reads, and not with a package that has no tests.
summarize() {
  local line held="" have=0 notests=()
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ "$line" == \?[[:space:]]*"[no test files]" ]]; then
      notests+=("$line")
      continue
    fi
    [ "$have" = 1 ] && printf '%s\n' "$held"
    held="$line"
    have=1
  done
  [ ${#notests[@]} -eq 0 ] || printf '%s\n' "${notests[@]}"
  printf 'test.sh: total %ds (setup %ds, go vet exit %d)\n' \
    "$((SECONDS - T0))" "$((T_PG - T0))" "$vet_status"
  [ "$have" = 1 ] && printf '%s\n' "$held"
  return 0
}

log "go test -count=1 -timeout 20m ${flags[*]} ${pkgs[*]}"
set +e
go test -count=1 -timeout 20m "${flags[@]}" "${pkgs[@]}" 2>&1 | summarize
test_status=${PIPESTATUS[0]}
set -e

if [ "$test_status" -ne 0 ]; then exit "$test_status"; fi
exit "$vet_status"
