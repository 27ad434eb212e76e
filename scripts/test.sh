#!/usr/bin/env bash
# Every test of the workspace: the README's test command, and what CI runs (through .ci/run).
#   1. installs what is missing (scripts/setup.sh, idempotent);
#   2. builds each Stylus program with the size recipe and checks it as ArbOS 61's activation
#      would (fails with less than 10% room under four fragments, 98,304 bytes on-chain);
#   3. re-runs Chainlink's contracts for the request/callback vectors px-sync is tested against;
#   4. runs the workspace's tests (unit, TestVM, ABI drift, integration, end to end; the fuzz
#      targets' properties over their corpus and its mutations, ~3 s: fuzz/README.md) and the
#      keepalive script's test;
#   5. the SDK's tests (bindings drift, unit, live against px-env) and the dApp's browser tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh all
cargo xtask wasm
# Chainlink's own contracts on anvil must still produce the recorded request/callback vectors.
tests/chainlink-vectors/generate.sh --check
# The CRE workflow on the SDK's test runtime (shared vectors with px-don) and the SDK
# compiler's TypeScript-to-JS step (typecheck, determinism checks, bundle); ~25 s.
(cd cre/px-sync && PATH="$PWD/node_modules/.bin:$PATH" bun run check)
# The end-to-end tests run the workspace's binaries as processes. Built with the tests, so that
# dependencies get the features the tests add (tokio's test-util, ...) once: built alone, the
# binaries would be compiled a second time by `cargo test`.
cargo build --workspace --bins --tests --locked
cargo test --workspace --locked
# The keepalive script against px-devnet (deployed by px-deploy) and anvil.
SKIP_BUILD=1 scripts/keepalive-test/run.sh
# @px/sdk: its bindings match abi/ and node/openapi.json, unit tests, then the live tests against
# the local environment (px-env); then the dApp in headless Chromium against another one.
(cd sdk && node scripts/gen.mjs --check && node --test build/test/unit/ \
  && node --test --test-concurrency=1 build/test/live/)
(cd dapp && node --test --test-concurrency=1 test/)
