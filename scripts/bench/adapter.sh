#!/usr/bin/env bash
# Benchmark of the oracle adapter on loopback (docs/benchmarks.md, "Oracle adapter").
# Reproducible, not a test: prints a markdown table; nothing asserts on timing.
#
#   scripts/bench/adapter.sh            # DURATION=15 by default (seconds per wrk run)
#   SKIP_BUILD=1 scripts/bench/adapter.sh   # reuse the release binaries already built
#   QUIET_WAIT=600 scripts/bench/adapter.sh # first wait up to 600 s for load average < 1
#
# 1. installs wrk (Debian) and js-ipfs (scripts/setup.sh ipfs) if missing; builds the adapter
#    and the fixture tool in release mode;
# 2. starts a throwaway js-ipfs node (scripts/ipfs-node.sh), publishes a signed usage document
#    under a fresh key through the node's own key/gen, add and name/publish;
# 3. cache hits: adapter with a long CACHE_MAX_AGE, one name: wrk -t2 -c32 and -t1 -c8, the
#    adapter with one worker per CPU (w0) and with one worker (w1);
# 4. fresh: adapter with CACHE_MAX_AGE=0 (every request resolves and cats on the node), wrk
#    -t1 -c1 on one name, next to the node's own name/resolve and cat measured the same way,
#    and -c8 rotating over 32 names (distinct names, so coalescing rarely applies);
# 5. peak RSS of the adapter (VmHWM) for each run. Everything runs on this machine's cores,
#    the load generator included.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-15}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$ROOT/target/bench-adapter"
LUA="$ROOT/scripts/bench/post.lua"

log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*" >&2; }

command -v wrk >/dev/null || { log "installing wrk"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scripts/setup.sh ipfs
if [[ -z "${SKIP_BUILD:-}" ]]; then
  log "building (release)"
  cargo build --release -q -p px-oracle-adapter --bin px-oracle-adapter --example bench_fixture
fi
ADAPTER="$TARGET/release/px-oracle-adapter"
FIXTURE="$TARGET/release/examples/bench_fixture"

rm -rf "$WORK" && mkdir -p "$WORK"
adapter_pid=""
cleanup() {
  [[ -n "$adapter_pid" ]] && kill "$adapter_pid" 2>/dev/null || true
  scripts/ipfs-node.sh stop "$WORK/ipfs" || true
}
trap cleanup EXIT

API="$(scripts/ipfs-node.sh start "$WORK/ipfs" $$)"
log "js-ipfs node at $API"
"$FIXTURE" "$API" bench 32 >"$WORK/bodies.json" 2>"$WORK/fixture.log"
head -n1 "$WORK/bodies.json" >"$WORK/body.json"
NAME="$(sed -n '1s/^name \([^ ]*\) -> .*/\1/p' "$WORK/fixture.log")"
CID="$(sed -n '1s|^name [^ ]* -> /ipfs/\(.*\)|\1|p' "$WORK/fixture.log")"
log "published 32 documents; first: $NAME -> $CID"

# Other work on the machine skews tail latencies: wait (up to QUIET_WAIT seconds) for the
# 1-minute load average to drop below 1, and report it either way.
for _ in $(seq 1 "${QUIET_WAIT:-0}"); do
  awk '{ exit !($1 < 1.0) }' /proc/loadavg && break
  sleep 1
done

free_port() { node "$ROOT/tools/ipfs/free-ports.cjs" 1; }

# start_adapter CACHE_MAX_AGE: runs the adapter in the background, waits for /health.
start_adapter() {
  local port metrics
  port="$(free_port)" metrics="$(free_port)"
  EA_HOST=127.0.0.1 EA_PORT="$port" METRICS_PORT="$metrics" BTFS_API_URL="$API" \
    BTFS_API_PREFIX=/api/v0 RESOLVE_NOCACHE=false CACHE_MAX_AGE="$1" LOG_LEVEL=warn \
    WORKER_THREADS="${WORKER_THREADS:-0}" \
    "$ADAPTER" >"$WORK/adapter.log" 2>&1 &
  adapter_pid=$!
  ADAPTER_URL="http://127.0.0.1:$port/"
  METRICS_URL="http://127.0.0.1:$metrics/metrics"
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return
    sleep 0.05
  done
  echo "adapter did not start" >&2; cat "$WORK/adapter.log" >&2; exit 1
}
stop_adapter() { kill "$adapter_pid"; wait "$adapter_pid" 2>/dev/null || true; adapter_pid=""; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$adapter_pid/status"; }

# run_wrk LABEL THREADS CONNS URL [BODY_FILE]: runs wrk, records "label|req/s|p50|p99|errors".
run_wrk() {
  local label="$1" t="$2" c="$3" url="$4" body="${5:-}" out
  out="$(BODY_FILE="$body" wrk -t"$t" -c"$c" -d"${DURATION}s" --latency -s "$LUA" "$url")"
  echo "$out" >"$WORK/wrk-$label.txt"
  awk -v label="$label" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    /Requests\/sec/ { rps = $2 } /Non-2xx/ { err = $NF } /Socket errors/ { serr = $0 }
    END { printf "%s|%.0f|%.3f|%.3f|%s\n", label, rps, p50, p99, (err == "" ? 0 : err) }
  ' <<<"$out" >>"$WORK/results"
}

: >"$WORK/results"
: >"$WORK/rss"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# means LABEL: the adapter's own view of the runs since it started (mean request time, mean
# name/resolve and cat times), from its metrics.
means() {
  curl -fsS "$METRICS_URL" >"$WORK/metrics-$1.txt"
  awk -v label="$1" '
    /^px_adapter_http_request_duration_seconds_sum/ { rs = $2 } /^px_adapter_http_request_duration_seconds_count/ { rc = $2 }
    /^px_adapter_upstream_request_duration_seconds_sum\{command="name\/resolve",outcome="ok"\}/ { ss = $2 }
    /^px_adapter_upstream_request_duration_seconds_count\{command="name\/resolve",outcome="ok"\}/ { sc = $2 }
    /^px_adapter_upstream_request_duration_seconds_sum\{command="cat",outcome="ok"\}/ { cs = $2 }
    /^px_adapter_upstream_request_duration_seconds_count\{command="cat",outcome="ok"\}/ { cc = $2 }
    END { printf "| %s | %d | %.3f | %.3f | %.3f | %.3f |\n", label, rc, 1000 * rs / rc, 1000 * ss / sc, 1000 * cs / cc, 1000 * (rs / rc - ss / sc - cs / cc) }
  ' "$WORK/metrics-$1.txt" >>"$WORK/means"
}
: >"$WORK/means"

# Cache hits: one name, served from memory (CACHE_MAX_AGE 10 min), warmed by one request.
for spec in "2 32 0" "1 8 0" "1 8 1"; do
  read -r threads conns workers <<<"$spec"
  label="cache-hits-c$conns-w$workers"
  log "$label"
  WORKER_THREADS="$workers" start_adapter 600000
  curl -fsS -X POST -H 'content-type: application/json' --data @"$WORK/body.json" "$ADAPTER_URL" >"$WORK/answer.json"
  run_wrk "$label" "$threads" "$conns" "$ADAPTER_URL" "$WORK/body.json"
  echo "$label|$(peak_rss_mb)" >>"$WORK/rss"
  stop_adapter
done

# Fresh: CACHE_MAX_AGE=0, so every request resolves and cats on the node. The node's own
# name/resolve and cat, measured the same way, are the baseline.
log "fresh requests"
run_wrk node-resolve-c1 1 1 "$API/api/v0/name/resolve?arg=$NAME"
run_wrk node-cat-c1 1 1 "$API/api/v0/cat?arg=$CID&length=1048577"
start_adapter 0
run_wrk fresh-c1 1 1 "$ADAPTER_URL" "$WORK/body.json"
means fresh-c1
echo "fresh-c1|$(peak_rss_mb)" >>"$WORK/rss"
stop_adapter
start_adapter 0
run_wrk fresh-c8-32names 1 8 "$ADAPTER_URL" "$WORK/bodies.json"
means fresh-c8-32names
echo "fresh-c8-32names|$(peak_rss_mb)" >>"$WORK/rss"
stop_adapter

echo
echo "load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
while IFS='|' read -r label rps p50 p99 err; do
  echo "| $label | $rps | $p50 | $p99 | $err |"
done <"$WORK/results"
echo
echo "| adapter process | peak RSS (VmHWM) MB |"
echo "|---|---|"
while IFS='|' read -r label rss; do echo "| $label | $rss |"; done <"$WORK/rss"
echo
echo "| fresh run, adapter's view | requests | request mean ms | name/resolve mean ms | cat mean ms | adapter's own mean ms |"
echo "|---|---|---|---|---|---|"
cat "$WORK/means"
echo
echo "answer: $(cat "$WORK/answer.json")"
