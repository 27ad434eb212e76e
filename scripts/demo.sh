#!/usr/bin/env bash
# The README's main job. Until the local end-to-end environment lands, it builds every Stylus
# program, prints its on-chain size and its Solidity interface.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh
cargo xtask wasm
for iface in abi/I*.sol; do
  printf '\n\033[1m== %s\033[0m\n' "$iface"
  grep -E '^\s*(function|event|error) ' "$iface" | sed 's/^ *//'
done
