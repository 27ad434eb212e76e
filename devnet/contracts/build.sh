#!/usr/bin/env bash
# Compiles Arbitrum's CacheManager from its published source (npm @arbitrum/nitro-contracts
# 3.2.0, src/chain/CacheManager.sol, with the solady 0.0.182 and OpenZeppelin upgradeable
# 4.7.3 it depends on) into CacheManager.json here, which px-devnet installs at genesis. The
# output is committed so that building px-devnet needs no Node; rerun to regenerate it (needs
# `scripts/setup.sh npm` for solc and the npm registry for the sources, unpacked once into
# tools/nitro-contracts).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SOURCES="$ROOT/tools/nitro-contracts"
PACKAGES=(@arbitrum/nitro-contracts@3.2.0 solady@0.0.182 @openzeppelin/contracts-upgradeable@4.7.3)
if [[ ! -f "$SOURCES/.unpacked" ]]; then
  rm -rf "$SOURCES" && mkdir -p "$SOURCES"
  (cd "$SOURCES" && npm pack --silent "${PACKAGES[@]}" >/dev/null)
  for tgz in "$SOURCES"/*.tgz; do
    dir="$SOURCES/$(basename "$tgz" .tgz)"
    mkdir -p "$dir" && tar xzf "$tgz" -C "$dir" --strip-components 1 && rm "$tgz"
  done
  touch "$SOURCES/.unpacked"
fi
node "$HERE/build.mjs" "$SOURCES" "$HERE/CacheManager.json"
