#!/usr/bin/env bash
# Deploys the PX programs to a Stylus chain and writes deployments/<chainId>.json.
#
#   PX_DEPLOYER_KEY=0x... scripts/deploy.sh --rpc-url https://sepolia-rollup.arbitrum.io/rpc \
#       --plan deploy/plans/arbitrum-sepolia.toml
#   scripts/deploy.sh --keystore ~/.px/deployer.json ...   (password in PX_KEYSTORE_PASSWORD)
#
# It builds the programs with the size recipe (cargo xtask wasm; the files cargo-stylus would
# deploy with --wasm-file), then runs px-deploy: one StylusDeployer transaction per program
# (deploy + activate + constructor, so no constructor call can be front-run), the roles, PxSync's
# CRE receiver (the plan's KeystoneForwarder, or one deployed and configured for a local DON;
# workflow identity, ETH fee, timeout, route), the legacy Direct Request oracle, the usage
# signers, LINK for sponsored syncs, and optionally a new owner.
# Every px-deploy flag passes through (px-deploy --help).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh rust >/dev/null
cargo xtask wasm
if grep -q '^deploy_local = true' "$(printf '%s\n' "$@" | grep -A1 -- '--plan' | tail -1 2>/dev/null || echo deploy/plans/local.toml)" 2>/dev/null; then
  scripts/setup.sh chainlink >/dev/null
fi
cargo run --quiet --release -p px-deploy -- "$@"
