#!/usr/bin/env bash
# The PX node's bounded load run (docs/benchmarks.md, "PX node under load"; issue 15): a node
# served on loopback over the memory chain and a real js-ipfs node; concurrent uploads from
# many tokens, slow clients and a nonce flood at once. It stops by itself (every request has a
# deadline) and fails unless usage is exact, every stored upload is in the journal and
# published, and every request was answered. Prints throughput, p50/p99 latency and peak RSS.
# Not a test: nothing asserts on timing.
#
#   scripts/bench/node-load.sh                      # the documented size
#   PX_LOAD_TOKENS=64 PX_LOAD_NONCES=50000 scripts/bench/node-load.sh
#   (all sizes: node/benches/load.rs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
scripts/setup.sh ipfs >/dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
exec cargo bench -p px-node --bench load --locked
