#!/usr/bin/env bash
# A throwaway js-ipfs node on loopback, for integration tests, benchmarks and local runs.
#
#   scripts/ipfs-node.sh start [DIR] [OWNER_PID]  # fresh repo in DIR, free loopback ports,
#                                                 # daemon --offline; prints the API URL when ready
#   scripts/ipfs-node.sh stop [DIR]               # stops the daemon started in DIR
#   scripts/ipfs-node.sh url [DIR]                # prints the API URL of a running node
#
# DIR defaults to target/ipfs-node (ignored by git). With OWNER_PID, a watchdog stops the node
# when that process exits, so a test binary that dies mid-way leaves no daemon behind.
# The node has no bootstrap peers, no MDNS and listens on 127.0.0.1 only; every listener (API,
# gateway, gRPC, swarm) gets a free port, so several nodes can run side by side.
# Requires `scripts/setup.sh ipfs` (js-ipfs 0.66.1 in tools/ipfs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IPFS_TOOLS="$ROOT/tools/ipfs"
JSIPFS="$IPFS_TOOLS/node_modules/.bin/jsipfs"

cmd="${1:-}"
dir="${2:-$ROOT/target/ipfs-node}"
owner="${3:-}"

# js-ipfs 0.66.1 needs Promise.withResolvers, which Node 20 lacks (see tools/ipfs/polyfill.cjs).
export NODE_OPTIONS="--require $IPFS_TOOLS/polyfill.cjs ${NODE_OPTIONS:-}"
export IPFS_PATH="$dir/repo"

alive() { [[ -f "$dir/daemon.pid" ]] && kill -0 "$(cat "$dir/daemon.pid")" 2>/dev/null; }

start() {
  [[ -x "$JSIPFS" ]] || { echo "js-ipfs is not installed: run scripts/setup.sh ipfs" >&2; exit 1; }
  if alive; then
    echo "a node is already running in $dir (pid $(cat "$dir/daemon.pid"))" >&2
    exit 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  "$JSIPFS" init --empty-repo >"$dir/init.log" 2>&1
  local ports api gateway rpc swarm
  ports="$(node "$IPFS_TOOLS/free-ports.cjs" 4)"
  read -r api gateway rpc swarm <<<"$(echo $ports)"
  node "$IPFS_TOOLS/configure.cjs" "$IPFS_PATH" "$api" "$gateway" "$rpc" "$swarm"

  # setsid: the daemon gets its own session, so a terminal's ctrl-c or a test harness killing
  # its process group does not take it down half-way; `stop` and the watchdog end it by pid.
  setsid "$JSIPFS" daemon --offline >"$dir/daemon.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/daemon.pid"
  if [[ -n "$owner" ]]; then
    # When the owner is gone the repo is of no further use: the watchdog removes it too.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
                    if ! kill -0 "$1" 2>/dev/null; then
                      kill "$2" 2>/dev/null || true; sleep 2; rm -rf "$3"
                    fi' watchdog "$owner" "$pid" "$dir" \
      >/dev/null 2>&1 </dev/null &
  fi

  local url="http://127.0.0.1:$api"
  for _ in $(seq 1 300); do
    if curl -fsS -X POST "$url/api/v0/id" >/dev/null 2>&1; then
      echo "$url" >"$dir/api-url"
      echo "$url"
      return
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "js-ipfs daemon exited; log:" >&2
      cat "$dir/daemon.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "js-ipfs daemon not ready after 60 s; log:" >&2
  cat "$dir/daemon.log" >&2
  stop
  exit 1
}

stop() {
  if alive; then
    local pid
    pid="$(cat "$dir/daemon.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/daemon.pid" "$dir/api-url"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url) alive && cat "$dir/api-url" || { echo "no node running in $dir" >&2; exit 1; } ;;
  *) echo "usage: $0 start|stop|url [DIR] [OWNER_PID]" >&2; exit 2 ;;
esac
