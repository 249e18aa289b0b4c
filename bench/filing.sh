#!/usr/bin/env bash
# bench/filing.sh measures online filing (issue 3, "Figures"), end to end:
#
#  1. Filing submissions per second with p50/p99 latency: ecourt on SQLite
#     at synchronous=FULL (the default) and NORMAL and on a durable
#     PostgreSQL (default settings, fsync on), side by side in the same run
#     with PocketBase v0.36.8 (SQLite, synchronous=NORMAL — it has no FULL
#     mode) creating records that hold the same JSON. Each target gets a
#     fresh data directory; the targets alternate, RUNS times. By default
#     the server (PostgreSQL too) and the load generator share both cores,
#     as the issue asks ("on 2 cores"); SERVER_CPU=0 LOAD_CPU=1 pins the
#     server to one core and the load generator to the other (the figures
#     of the earlier sessions).
#  2. The bytes a phone (390×844, empty cache, signed in as the demo
#     litigant) transfers to open the filing form, per asset, measured in
#     headless Chromium (bench/formbytes).
#
# What is measured, per request kind (labels in the output):
#   ecourt-*-create  POST /api/v1/filing/applications: one complete draft
#                    (court, template, answers, two parties; 745 bytes of
#                    JSON) with an Idempotency-Key          (bench/load)
#   ecourt-*-submit  POST …/applications/{id}/submit with an Idempotency-Key
#                    on drafts prepared (draft + evidence) before the clock
#                    starts: the request that turns a complete filing into
#                    a submitted application                (driver below)
#   ecourt-*-flow    one whole filing per iteration: create the complete
#                    draft, upload the evidence PDF (multipart, about 480
#                    bytes, a different file per filing),
#                    submit — 3 requests, timed together    (driver below)
#   ecourt-*-one     the same whole filing in one multipart request: the
#                    draft, the PDF and submit=true, POST
#                    /api/v1/filing/applications with an Idempotency-Key
#                    (bench/load; the peer of pb-multipart)
#   pb-json          POST /api/collections/filings/records: one record with
#                    court, cause, answers, parties, status (same JSON)
#   pb-multipart     the same record plus the same PDF as a file field,
#                    one multipart request (the peer of ecourt-*-one)
# All requests are authenticated: ecourt with the demo litigant's bearer
# token, PocketBase with a regular user's token and createRule
# "@request.auth.id != ''".
#
#   bench/filing.sh                         # RUNS=3 DUR=10s CONC=8
#   RUNS=1 DUR=3s TARGETS="normal pb" bench/filing.sh   # a quick check
# Bounded: every phase has a time limit; all servers are on 127.0.0.1 and
# are stopped on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS=${RUNS:-3}
DUR=${DUR:-10s}
CONC=${CONC:-8}
TARGETS=${TARGETS:-full normal pg pb form} # a subset for a quick check, e.g. TARGETS="normal pb"
PREPARE=${PREPARE:-6000}      # drafts prepared for the submit phase (SQLite)
PG_PREPARE=${PG_PREPARE:-2500} # (PostgreSQL)
SERVER_CPU=${SERVER_CPU:-0-1} # taskset CPU lists
LOAD_CPU=${LOAD_CPU:-0-1}
PORT=${ECOURT_BENCH_PORT:-18290}
PBPORT=${ECOURT_BENCH_PB_PORT:-18291}
PGPORT=${ECOURT_BENCH_PG_PORT:-55433}
PEERS=/tmp/peers
W=$(mktemp -d /tmp/ecourt-bench-filing.XXXXXX)
PIDS=()
PG_STARTED=
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA=/tmp/ecourt-bench-pg-$PGPORT
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pin() { taskset -c "$1" "${@:2}"; }

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  if [ -n "$PG_STARTED" ]; then as_pg "$PGBIN/pg_ctl" stop -m fast -D "$PGDATA" >/dev/null 2>&1 || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; PIDS=("${PIDS[@]/$1}"); }
api() { # curl that shows the answer when the status is not 2xx
  local out code
  out=$(curl -s -w '\n%{http_code}' "$@") || { echo "curl failed: $*" >&2; return 1; }
  code=${out##*$'\n'}; out=${out%$'\n'*}
  if [ "${code:0:1}" != 2 ]; then echo "HTTP $code from ${*: -1}: $out" >&2; return 1; fi
  printf '%s' "$out"
}
wait_url() { # URL: wait until it answers 200, at most 60 s
  for _ in $(seq 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "not ready: $1" >&2; return 1
}

# --- build ---------------------------------------------------------------
cd "$ROOT"
mkdir -p "$PEERS"
go build -o "$PEERS/ecourt" ./cmd/ecourt
go build -o "$W/load" ./bench/load
go build -o "$W/formbytes" ./bench/formbytes
if [ ! -x "$PEERS/base" ]; then
  GOBIN=$PEERS CGO_ENABLED=0 go install github.com/pocketbase/pocketbase/examples/base@v0.36.8
fi
# The filing driver: bench/load sends one fixed URL, but a submission goes
# to the URL of its own draft, so submitting needs a driver that walks the
# prepared drafts. Same client settings and output format as bench/load.
mkdir -p "$W/drv"
cat >"$W/drv/main.go" <<'GO'
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	base    = flag.String("base", "", "server base URL (loopback)")
	token   = flag.String("token", "", "bearer token")
	draftF  = flag.String("draft", "", "draft JSON ({n} replaced)")
	pdfF    = flag.String("pdf", "", "evidence file (PDF)")
	mode    = flag.String("mode", "submit", "submit | flow")
	conc    = flag.Int("c", 8, "concurrent workers")
	dur     = flag.Duration("d", 10*time.Second, "duration of the measured phase")
	prepare = flag.Int("prepare", 5000, "drafts to prepare for -mode submit")
	label   = flag.String("label", "", "label")
	pdfOut  = flag.String("write-pdf", "", "write the sample evidence PDF to this file and exit")
)

var (
	client        *http.Client
	draft, pdf    []byte
	seq, prepared atomic.Int64
	runID         = time.Now().UnixNano()
	firstErr      atomic.Value
	ranOut        sync.Once
)

func main() {
	flag.Parse()
	if *pdfOut != "" {
		if err := os.WriteFile(*pdfOut, samplePDF("IOU"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	u, err := url.Parse(*base)
	if err != nil || !(strings.HasPrefix(u.Host, "127.") || strings.HasPrefix(u.Host, "localhost")) {
		fmt.Fprintln(os.Stderr, "driver: only loopback targets are allowed")
		os.Exit(2)
	}
	if draft, err = os.ReadFile(*draftF); err == nil {
		pdf, err = os.ReadFile(*pdfF)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc * 2}}
	switch *mode {
	case "submit":
		ids := make(chan string, *prepare)
		t0 := time.Now()
		r := run(*conc, 5*time.Minute, func() (bool, error) {
			if prepared.Add(1) > int64(*prepare) {
				return false, nil
			}
			id, err := createComplete()
			if err == nil {
				ids <- id
			}
			return true, err
		})
		close(ids)
		fmt.Fprintf(os.Stderr, "%s: prepared %d drafts with evidence in %.1fs (%d failed)\n", *label, len(ids), time.Since(t0).Seconds(), r.fails)
		// Preparing wrote thousands of events to the outbox: start the
		// clock only once the relay has published them all, so that the
		// phase measures submissions, not the preparation's tail.
		waitOutbox()
		report(run(*conc, *dur, func() (bool, error) {
			id, ok := <-ids
			if !ok {
				ranOut.Do(func() { fmt.Fprintf(os.Stderr, "%s: all %d prepared drafts submitted before the time was up\n", *label, *prepare) })
				return false, nil
			}
			return true, submit(id)
		}))
	case "flow":
		report(run(*conc, *dur, func() (bool, error) {
			id, err := createComplete()
			if err != nil {
				return true, err
			}
			return true, submit(id)
		}))
	default:
		fmt.Fprintln(os.Stderr, "unknown -mode")
		os.Exit(2)
	}
}

// waitOutbox waits (at most two minutes) until the server's metrics show no
// outbox event waiting for the relay.
func waitOutbox() {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := client.Get(*base + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "ecourt_outbox_pending ") && strings.TrimSpace(strings.TrimPrefix(l, "ecourt_outbox_pending ")) == "0" {
					time.Sleep(200 * time.Millisecond)
					return
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "driver: the outbox did not drain within two minutes")
}

type result struct {
	lat     []time.Duration
	fails   int64
	elapsed time.Duration
}

// run calls op from conc workers until the deadline or until op says
// stop, and times each successful call.
func run(conc int, d time.Duration, op func() (bool, error)) result {
	var fails atomic.Int64
	lat := make([][]time.Duration, conc)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				more, err := op()
				if !more {
					return
				}
				if err != nil {
					fails.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return result{lat: all, fails: fails.Load(), elapsed: time.Since(start)}
}

func report(r result) {
	all := r.lat
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(float64(len(all))*p))]) / 1e6
	}
	fmt.Printf("%-28s ok=%d fail=%d rps=%.0f p50=%.1fms p99=%.1fms\n", *label, len(all), r.fails,
		float64(len(all))/r.elapsed.Seconds(), pct(0.50), pct(0.99))
	if e := firstErr.Load(); e != nil {
		fmt.Fprintln(os.Stderr, "first failure:", e)
	}
}

func do(method, path, ct string, body []byte, idem bool, want int) ([]byte, error) {
	req, _ := http.NewRequest(method, *base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+*token)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if idem {
		req.Header.Set("Idempotency-Key", fmt.Sprintf("drv-%d-%d", runID, seq.Add(1)))
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		s := string(b)
		if len(s) > 300 {
			s = s[:300]
		}
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, s)
	}
	return b, nil
}

// createComplete creates a complete draft (one request) and uploads its
// evidence (one multipart request); it returns the draft's ID.
func createComplete() (string, error) {
	n := seq.Add(1)
	body := bytes.ReplaceAll(draft, []byte("{n}"), []byte(strconv.FormatInt(n, 10)))
	b, err := do("POST", "/api/v1/filing/applications", "application/json", body, true, 201)
	if err != nil {
		return "", err
	}
	var a struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &a); err != nil || a.ID == "" {
		return "", fmt.Errorf("create: no id: %v", err)
	}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("name", "借条")
	w.WriteField("purpose", "证明借款事实")
	w.WriteField("source", "原告持有")
	fw, _ := w.CreateFormFile("file", "iou.pdf")
	fw.Write(bytes.ReplaceAll(pdf, []byte("{n}"), []byte(strconv.FormatInt(n, 10))))
	w.Close()
	if _, err := do("POST", "/api/v1/filing/applications/"+a.ID+"/evidence", w.FormDataContentType(), mp.Bytes(), false, 201); err != nil {
		return "", err
	}
	return a.ID, nil
}

// samplePDF is a valid one-page PDF with a correct xref table, as the
// filing package's tests build it.
func samplePDF(text string) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
	stream := "BT /F1 12 Tf 20 100 Td (" + text + ") Tj ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	// The trailer's /ID holds {n}, replaced by a sequence number per
	// request (bench/load does the same to its body): every filing uploads
	// a different file, so neither side can keep one copy of a file it has
	// seen before. The trailer follows the xref table, so the number's
	// length moves no offset.
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<{n}> <{n}>] >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// submit files a prepared draft, with an Idempotency-Key.
func submit(id string) error {
	_, err := do("POST", "/api/v1/filing/applications/"+id+"/submit", "", nil, true, 200)
	return err
}
GO
(cd "$W/drv" && GO111MODULE=off go build -o "$W/driver" main.go)

# --- request bodies --------------------------------------------------------
# The evidence: a valid one-page PDF (about 480 bytes; {n} in its trailer
# makes each filing's file different), as the package tests build it.
"$W/driver" -write-pdf "$W/iou.pdf"
PARTIES='[{"role":"plaintiff","kind":"person","name":"张三","sex":"M","ethnicity":"汉","birth_date":"1980-01-01","id_type":"resident_id","id_number":"33022519800101123X","address":"浙江省象山县丹东街道天安路1号","phone":"13800005678"},{"role":"defendant","kind":"person","name":"李四","sex":"F","id_type":"resident_id","id_number":"330282198505052243","address":"浙江省慈溪市白沙路街道1号","phone":"13900001111"}]'
ANSWERS='{"loan_date":"2025-01-10","principal":"50000","delivery":"bank_transfer","iou":"yes","due_date":"2025-07-10","interest_agreed":"no","narrative":"借款到期后原告多次催要未果（第{n}号）。"}'
ecourt_draft() { # COURT_ID
  printf '{"court_id":"%s","template_id":"private_lending","answers":%s,"parties":%s}' "$1" "$ANSWERS" "$PARTIES" >"$W/draft.json"
  # The whole filing in one request: the draft (JSON part), submit=true,
  # then the evidence's fields and the PDF.
  {
    printf -- '--%s\r\nContent-Disposition: form-data; name="draft"\r\nContent-Type: application/json\r\n\r\n' "$B"
    cat "$W/draft.json"
    printf -- '\r\n'
    for kv in "submit=true" "name=借条" "purpose=证明借款事实" "source=原告持有"; do
      printf -- '--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' "$B" "${kv%%=*}" "${kv#*=}"
    done
    printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="iou.pdf"\r\nContent-Type: application/pdf\r\n\r\n' "$B"
    cat "$W/iou.pdf"
    printf -- '\r\n--%s--\r\n' "$B"
  } >"$W/one.multipart"
}
# PocketBase: the same JSON as one record, and as multipart with the PDF.
printf '{"court":"0151f8c4-6800-782c-a5f0-d32ee70fded7","cause":"民间借贷纠纷","template":"private_lending","answers":%s,"parties":%s,"status":"submitted"}' \
  "$ANSWERS" "$PARTIES" >"$W/pb.json"
B=pbbenchboundary7d1f
{
  for kv in "court=0151f8c4-6800-782c-a5f0-d32ee70fded7" "cause=民间借贷纠纷" "template=private_lending" "answers=$ANSWERS" "parties=$PARTIES" "status=submitted"; do
    printf -- '--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' "$B" "${kv%%=*}" "${kv#*=}"
  done
  printf -- '--%s\r\nContent-Disposition: form-data; name="evidence"; filename="iou.pdf"\r\nContent-Type: application/pdf\r\n\r\n' "$B"
  cat "$W/iou.pdf"
  printf -- '\r\n--%s--\r\n' "$B"
} >"$W/pb.multipart"

# --- PostgreSQL (durable, default settings), as bench/alloc.sh -------------
PGURL="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
if ! as_pg "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; then
  rm -rf "$PGDATA"; mkdir -p "$PGDATA"; chown postgres: "$PGDATA" 2>/dev/null || true
  as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
  as_pg taskset -c "$SERVER_CPU" "$PGBIN/pg_ctl" start -w -D "$PGDATA" \
    -o "-p $PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c max_connections=100" -l "$PGDATA/log" >/dev/null
  PG_STARTED=1
else
  # Already running (bench/alloc.sh leaves it up): pin it to the server's CPU.
  PM=$(head -1 "$PGDATA/postmaster.pid")
  for p in $PM $(ps -o pid= --ppid "$PM"); do taskset -p -c "$SERVER_CPU" "$p" >/dev/null 2>&1 || true; done
fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME"), $(go version | cut -d' ' -f3), $(date -u +%F)"
echo "PostgreSQL: $("$PGBIN/postgres" --version | cut -d' ' -f3) fsync=$(psql -Atq "$PGURL" -c 'SHOW fsync') synchronous_commit=$(psql -Atq "$PGURL" -c 'SHOW synchronous_commit')"
echo "server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU; $RUNS runs; each phase $DUR with $CONC concurrent clients"
echo

RAW="$W/raw.txt"
: >"$RAW"
LOAD() { pin "$LOAD_CPU" "$W/load" -c "$CONC" -d "$DUR" "$@" | tee -a "$RAW"; }
DRV() { pin "$LOAD_CPU" "$W/driver" -c "$CONC" -d "$DUR" "$@" | tee -a "$RAW"; }

bench_ecourt() { # NAME RUN PREPARE [serve flags…]
  local name=$1 run=$2 prep=$3; shift 3
  local d="$W/$name-$run" base="http://127.0.0.1:$PORT"
  mkdir -p "$d"
  # (taskset directly, not through a function, so that $! is the server)
  taskset -c "$SERVER_CPU" "$PEERS/ecourt" serve --demo --data "$d" --addr "127.0.0.1:$PORT" "$@" >"$d.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_url "$base/readyz"
  local dbflag=()
  for a in "$@"; do case $a in postgres://*) dbflag=(--database "$a");; esac; done
  local tok court
  tok=$("$PEERS/ecourt" token create --login litigant --data "$d" "${dbflag[@]}" 2>/dev/null)
  court=$(curl -fsG -H "Authorization: Bearer $tok" --data-urlencode 'q=象山县人民法院' "$base/api/v1/courts" | grep -o '"id":"[^"]*","code":"浙0225"' | cut -d'"' -f4)
  ecourt_draft "$court"
  LOAD -label "$name-create" -idem -expect 201 -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -body "$W/draft.json" POST "$base/api/v1/filing/applications"
  DRV -label "$name-submit" -mode submit -prepare "$prep" -base "$base" -token "$tok" -draft "$W/draft.json" -pdf "$W/iou.pdf"
  DRV -label "$name-flow" -mode flow -base "$base" -token "$tok" -draft "$W/draft.json" -pdf "$W/iou.pdf"
  LOAD -label "$name-one" -idem -expect 201 -H "Authorization: Bearer $tok" -H "Content-Type: multipart/form-data; boundary=$B" \
    -body "$W/one.multipart" POST "$base/api/v1/filing/applications"
  stop_server "$pid"
  rm -rf "$d"
  settle
}

bench_pb() { # RUN
  # PocketBase puts pb_migrations next to its data directory, and a binary
  # under /tmp counts as "go run" for it, which turns on automigrate: each
  # run gets a directory of its own, and automigrate is off; --dev=false
  # likewise, else it logs every SQL statement (production settings).
  local d="$W/pb-$1/pb_data" base="http://127.0.0.1:$PBPORT"
  mkdir -p "$d"
  "$PEERS/base" superuser upsert bench@example.com benchpass123 --dir "$d" >/dev/null
  taskset -c "$SERVER_CPU" "$PEERS/base" serve --dev=false --automigrate=false --http "127.0.0.1:$PBPORT" --dir "$d" >"$d.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_url "$base/api/health"
  local su tok f
  su=$(api -H 'Content-Type: application/json' -d '{"identity":"bench@example.com","password":"benchpass123"}' \
    "$base/api/collections/_superusers/auth-with-password" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
  f='{"name":"court","type":"text"},{"name":"cause","type":"text"},{"name":"template","type":"text"},{"name":"answers","type":"json"},{"name":"parties","type":"json"},{"name":"status","type":"text"}'
  api >/dev/null -H "Authorization: $su" -H 'Content-Type: application/json' \
    -d "{\"name\":\"filings\",\"type\":\"base\",\"createRule\":\"@request.auth.id != ''\",\"fields\":[$f]}" "$base/api/collections"
  api >/dev/null -H "Authorization: $su" -H 'Content-Type: application/json' \
    -d "{\"name\":\"filings_ev\",\"type\":\"base\",\"createRule\":\"@request.auth.id != ''\",\"fields\":[$f,{\"name\":\"evidence\",\"type\":\"file\",\"maxSelect\":1,\"maxSize\":5242880}]}" "$base/api/collections"
  api >/dev/null -H "Authorization: $su" -H 'Content-Type: application/json' \
    -d '{"email":"litigant@example.com","password":"litigant12345","passwordConfirm":"litigant12345","verified":true}' "$base/api/collections/users/records"
  tok=$(api -H 'Content-Type: application/json' -d '{"identity":"litigant@example.com","password":"litigant12345"}' \
    "$base/api/collections/users/auth-with-password" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
  LOAD -label pb-json -expect 200 -H "Authorization: $tok" -H 'Content-Type: application/json' \
    -body "$W/pb.json" POST "$base/api/collections/filings/records"
  LOAD -label pb-multipart -expect 200 -H "Authorization: $tok" -H "Content-Type: multipart/form-data; boundary=$B" \
    -body "$W/pb.multipart" POST "$base/api/collections/filings_ev/records"
  stop_server "$pid"
  rm -rf "$W/pb-$1"
  settle
}

# settle lets the file system finish with the target just removed (its
# thousands of files; the disk is mounted with discard) before the next
# target starts, so that neither side pays for the other's clean-up.
settle() { sync; sleep "${SETTLE:-3}"; }

want() { [[ " $TARGETS " == *" $1 "* ]]; }
for run in $(seq "$RUNS"); do
  echo "== run $run"
  if want full; then bench_ecourt ecourt-full "$run" "$PREPARE" --sqlite-synchronous FULL; fi
  if want normal; then bench_ecourt ecourt-normal "$run" "$PREPARE" --sqlite-synchronous NORMAL; fi
  if want pg; then
    psql -q "$PGURL" -c "DROP DATABASE IF EXISTS ecourt_bench_filing" -c "CREATE DATABASE ecourt_bench_filing"
    bench_ecourt ecourt-pg "$run" "$PG_PREPARE" --database "postgres://postgres@127.0.0.1:$PGPORT/ecourt_bench_filing?sslmode=disable"
    psql -q "$PGURL" -c "DROP DATABASE IF EXISTS ecourt_bench_filing"
  fi
  if want pb; then bench_pb "$run"; fi
done

echo
echo "== medians of $RUNS runs (requests or filings per second, latency in ms)"
awk '{ l=$1; for (i=2;i<=NF;i++) { split($i,kv,"="); v=kv[2]; sub(/ms$/,"",v); d[l,kv[1]]=d[l,kv[1]] " " v }; if (!(l in seen)) { seen[l]=1; order[++n]=l } }
  function ratio(a, b) { return b > 0 ? a / b : 0 }
  function med(s,   a,k,i,j,t) { k=split(s,a," "); for(i=1;i<=k;i++) for(j=i+1;j<=k;j++) if (a[j]+0<a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }; return a[int((k+1)/2)] }
  END { printf "%-22s %8s %8s %8s %6s\n", "target", "rps", "p50", "p99", "fail"
        for (i=1;i<=n;i++) { l=order[i]; printf "%-22s %8s %8s %8s %6s\n", l, med(d[l,"rps"]), med(d[l,"p50"]), med(d[l,"p99"]), med(d[l,"fail"]); rps[l]=med(d[l,"rps"]) }
        print ""
        printf "goal 1 (>= 1.0x PocketBase at NORMAL): submit/pb-json %.2fx, create/pb-json %.2fx, flow/pb-multipart %.2fx, one/pb-multipart %.2fx\n", ratio(rps["ecourt-normal-submit"], rps["pb-json"]), ratio(rps["ecourt-normal-create"], rps["pb-json"]), ratio(rps["ecourt-normal-flow"], rps["pb-multipart"]), ratio(rps["ecourt-normal-one"], rps["pb-multipart"])
        printf "ecourt FULL vs PocketBase (NORMAL): submit %.2fx, create %.2fx, flow %.2fx, one %.2fx\n", ratio(rps["ecourt-full-submit"], rps["pb-json"]), ratio(rps["ecourt-full-create"], rps["pb-json"]), ratio(rps["ecourt-full-flow"], rps["pb-multipart"]), ratio(rps["ecourt-full-one"], rps["pb-multipart"])
        printf "goal 2 (FULL >= 0.7x NORMAL): submit %.2fx, create %.2fx, flow %.2fx, one %.2fx\n", ratio(rps["ecourt-full-submit"], rps["ecourt-normal-submit"]), ratio(rps["ecourt-full-create"], rps["ecourt-normal-create"]), ratio(rps["ecourt-full-flow"], rps["ecourt-normal-flow"]), ratio(rps["ecourt-full-one"], rps["ecourt-normal-one"])
        printf "PostgreSQL vs SQLite FULL: submit %.2fx, create %.2fx, flow %.2fx, one %.2fx\n", ratio(rps["ecourt-pg-submit"], rps["ecourt-full-submit"]), ratio(rps["ecourt-pg-create"], rps["ecourt-full-create"]), ratio(rps["ecourt-pg-flow"], rps["ecourt-full-flow"]), ratio(rps["ecourt-pg-one"], rps["ecourt-full-one"]) }' "$RAW"

want form || exit 0
echo
echo "== bytes to open the filing form on a phone (390x844, empty cache, signed in as the demo litigant)"
d="$W/form"; mkdir -p "$d"
taskset -c "$SERVER_CPU" "$PEERS/ecourt" serve --demo --data "$d" --addr "127.0.0.1:$PORT" >"$d.log" 2>&1 &
pid=$!; PIDS+=("$pid")
wait_url "http://127.0.0.1:$PORT/readyz"
tok=$("$PEERS/ecourt" token create --login litigant --data "$d" 2>/dev/null)
court=$(curl -fsG -H "Authorization: Bearer $tok" --data-urlencode 'q=象山县人民法院' "http://127.0.0.1:$PORT/api/v1/courts" | grep -o '"id":"[^"]*","code":"浙0225"' | cut -d'"' -f4)
ecourt_draft "$court"
app=$(sed 's/{n}/1/' "$W/draft.json" | curl -fs -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary @- \
  "http://127.0.0.1:$PORT/api/v1/filing/applications" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
pin "$LOAD_CPU" "$W/formbytes" -base "http://127.0.0.1:$PORT" -login litigant -password demo1234 \
  /filing/new "/filing/$app/parties" "/filing/$app/claims" "/filing/$app/evidence"
stop_server "$pid"
