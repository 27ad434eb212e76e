#!/usr/bin/env bash
# Compiles the Solidity test helpers here with the project's setup (solc 0.8.19,
# scripts/chainlink/compile.sh) into ../fixtures/<Contract>.json. The outputs are committed so
# that tests need no Node; rerun after editing a .sol file.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
for sol in "$HERE"/*.sol; do
  "$ROOT/scripts/chainlink/compile.sh" "$sol" "$HERE/../fixtures"
done
