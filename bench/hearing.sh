#!/usr/bin/env bash
# bench/hearing.sh measures hearing capacity (issue 5, "Figures"): concurrent
# 6-party rooms in which every participant publishes Opus audio and synthetic
# VP8 video and subscribes to all the others, on ecourt's embedded LiveKit
# (internal/video, in its own process) and on a standalone livekit-server
# v1.13.5 built from the module proxy, alternately, in the same run. The
# server is pinned to CPU 0, the load generator (bench/hearingload) to CPU 1;
# everything is on 127.0.0.1 and stops by itself.
#
#   bench/hearing.sh                 # ROOMS=10 RUNS=3 DUR=15s
#   ROOMS=4 RUNS=1 DUR=10s bench/hearing.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROOMS=${ROOMS:-10}
RUNS=${RUNS:-3}
DUR=${DUR:-15s}
PEERS=/tmp/peers
W=$(mktemp -d /tmp/ecourt-bench-hearing.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$PEERS"
cd "$ROOT"
go build -o "$W/hearingload" ./bench/hearingload
if [ ! -x "$PEERS/server" ]; then
  GOBIN=$PEERS CGO_ENABLED=0 go install github.com/livekit/livekit-server/cmd/server@v1.13.5
fi
cat >"$W/standalone.yaml" <<'YAML'
port: 18880
bind_addresses: [127.0.0.1]
keys:
  hearingload-key: hearingload-secret-0123456789abcdef
rtc:
  udp_port: 18882
  tcp_port: 18881
  node_ip: 127.0.0.1
  use_external_ip: false
  enable_loopback_candidate: true
room:
  enable_remote_unmute: true
logging:
  level: error
YAML
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(go version | cut -d' ' -f3), $(date -u +%F)"
echo "$ROOMS rooms x 6 participants, $RUNS runs of $DUR each, server on CPU 0, load on CPU 1"
for i in $(seq "$RUNS"); do
  taskset -c 0 "$W/hearingload" -serve -http 17880 -tcp 17881 -udp 17882 >"$W/embedded.log" 2>&1 &
  e=$!; PIDS+=("$e"); sleep 2
  printf "embedded   run %s: " "$i"
  taskset -c 1 "$W/hearingload" -url ws://127.0.0.1:17880 -pid "$e" -rooms "$ROOMS" -duration "$DUR" -warmup 5s 2>&1 | tail -1
  kill "$e"; wait "$e" 2>/dev/null || true
  taskset -c 0 "$PEERS/server" --config "$W/standalone.yaml" >"$W/standalone.log" 2>&1 &
  s=$!; PIDS+=("$s"); sleep 2
  printf "standalone run %s: " "$i"
  taskset -c 1 "$W/hearingload" -url ws://127.0.0.1:18880 -pid "$s" -rooms "$ROOMS" -duration "$DUR" -warmup 5s 2>&1 | tail -1
  kill "$s"; wait "$s" 2>/dev/null || true
done
