#!/usr/bin/env bash
# The README's main job: sets up what is missing, builds, then runs the local environment and
# the sync loop as a narrated demo (tests/e2e/src/bin/px-demo.rs):
#   the local Stylus chain (px-devnet, 127.0.0.1:8547), a real IPFS node, the oracle adapter
#   (:8080), the PX node (:8090), the local CRE DON (px-don: 4 nodes, f = 1) on Chainlink's real
#   KeystoneForwarder, and the Direct Request stand-in; the real programs deployed; mint, sync,
#   upload, sync, the sync window, the quota; transactions and gas as they happen. Syncs go
#   through CRE: the demo names the forwarder, the DON signatures (f + 1 of n) and the gas of
#   each delivery (KeystoneForwarder.report -> PxSync.onReport -> applyUsage).
# It then serves the dApp (dapp/serve.mjs, a development wallet for Alice) and prints its URL,
# keeps everything running for the browser, `px` and `cast` until ctrl-c, and stops every process.
#   scripts/demo.sh --exit          # run the loop and stop
#   scripts/demo.sh --free-ports    # any free ports instead of the defaults
#   scripts/demo.sh --direct-request   # the legacy path: Operator, px-job-runner, fulfillSync
#                                      # (or PX_DEMO_ROUTE=direct-request)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh all
cargo xtask wasm
cargo build --workspace --bins --locked
exec "${CARGO_TARGET_DIR:-$ROOT/target}/debug/px-demo" "$@"
