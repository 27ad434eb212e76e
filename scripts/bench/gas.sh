#!/usr/bin/env bash
# Gas and size benchmark of the PX programs (docs/benchmarks.md, "Programs: gas and size").
# Reproducible and deterministic (px-devnet's library chain has a manual clock); not a test:
# it prints Markdown tables and marks each of the issue's targets met or missed.
#
#   scripts/bench/gas.sh                    # set up, build the programs, compile the baseline, run
#   SKIP_BUILD=1 scripts/bench/gas.sh       # reuse target/stylus/*.wasm (sizes by check-wasm)
#   scripts/bench/gas.sh --json out.json    # also write the rows as JSON
#
# 1. scripts/setup.sh rust + chainlink: the toolchain, anvil and solc (tools/npm), Chainlink's
#    LinkToken and Operator and OpenZeppelin 4.8.3 (tools/chainlink);
# 2. cargo xtask wasm: builds the four programs and prints their on-chain sizes;
# 3. compiles the Solidity baseline bench/gas/sol/BenchERC721.sol (OpenZeppelin 4.8.3 ERC721)
#    with solc 0.8.19 into bench/gas/sol/out/ (scripts/chainlink/compile.mjs, Chainlink's
#    settings: optimizer 1,000,000 runs, EVM paris, no metadata hash);
# 4. runs px-bench-gas (bench/gas): the PX sequence on px-devnet in-process (px-testkit's
#    Deployment), the baseline on a fresh anvil and on px-devnet, and prints the tables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*" >&2; }

scripts/setup.sh rust
scripts/setup.sh chainlink
if [[ -z "${SKIP_BUILD:-}" ]]; then
  log "building the programs (cargo xtask wasm)"
  cargo xtask wasm
else
  log "sizing the programs already built (cargo xtask check-wasm)"
  cargo xtask check-wasm target/stylus/px_storage_nft.wasm target/stylus/px_sync.wasm \
    target/stylus/px_storefront.wasm target/stylus/px_renderer.wasm
fi
log "compiling the Solidity baseline (solc 0.8.19)"
node scripts/chainlink/compile.mjs bench/gas/sol/out bench/gas/sol/BenchERC721.sol:BenchERC721

log "machine: $(nproc) CPU ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), \
$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(rustc --version)"
log "running px-bench-gas"
cargo run --quiet -p px-bench-gas -- "$@"
