#!/usr/bin/env bash
# Compiles a Solidity file against Chainlink's published sources (@chainlink/contracts 1.5.0)
# and OpenZeppelin 4.8.3, with solc 0.8.19 and Chainlink's settings; writes OUTDIR/<Contract>.json
# for each contract the file defines (abi, bytecode, deployedBytecode). See README.md here.
#
#   scripts/chainlink/compile.sh FILE.sol OUTDIR
#
# Imports: `@chainlink/contracts/src/v0.8/...`, `@openzeppelin/contracts@4.8.3/...`, relative paths.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[[ $# -eq 2 ]] || { echo "usage: $0 FILE.sol OUTDIR" >&2; exit 2; }
[[ -d "$ROOT/tools/chainlink/node_modules" ]] || "$ROOT/scripts/setup.sh" chainlink
exec node "$ROOT/scripts/chainlink/compile.mjs" "$2" "$1"
