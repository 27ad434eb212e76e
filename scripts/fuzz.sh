#!/usr/bin/env bash
# The long fuzzing run (fuzz/README.md): each cargo-fuzz target of fuzz/libfuzzer for a share of
# DURATION, on its checked-in corpus fuzz/corpus/<target>/ (new interesting inputs are added
# there; minimize with --cmin before committing them).
#
#   scripts/fuzz.sh [DURATION] [TARGET...]   # DURATION: 90s, 10m, 2h (default 10m, split evenly)
#   scripts/fuzz.sh --cmin [TARGET...]       # minimize the corpus (cargo fuzz cmin)
#   FUZZ_SANITIZER=address scripts/fuzz.sh 1h   # with AddressSanitizer (default: none)
#   FUZZ_DEBUG_ASSERTIONS=1 scripts/fuzz.sh 1h   # with overflow checks and debug assertions
#
# Each flag set builds into its own target directory (fuzz/libfuzzer/target-*): the first build
# of one is a release build of the targets' ~285 crates (fuzz/README.md has the numbers).
#
# Runs on the pinned stable toolchain: cargo-fuzz's -Z flags are allowed with RUSTC_BOOTSTRAP=1
# (as `cargo xtask wasm` does for build-std), so no nightly is needed. A crash leaves its input
# in fuzz/libfuzzer/artifacts/<target>/; `cargo fuzz run --fuzz-dir fuzz/libfuzzer <target>
# <file>` replays it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/setup.sh fuzz
export RUSTC_BOOTSTRAP=1 CARGO_INCREMENTAL=0
CARGO_FUZZ=(.tools/cargo-fuzz/bin/cargo-fuzz)
SANITIZER="${FUZZ_SANITIZER:-none}"
if [[ "${FUZZ_DEBUG_ASSERTIONS:-}" == 1 ]]; then
  FLAGS=(--debug-assertions --target-dir "fuzz/libfuzzer/target-$SANITIZER-checked")
else
  FLAGS=(--release --target-dir "fuzz/libfuzzer/target-$SANITIZER")
fi
FLAGS+=(--fuzz-dir fuzz/libfuzzer --sanitizer "$SANITIZER")

cmin=false duration=10m
if [[ "${1:-}" == --cmin ]]; then cmin=true; shift
elif [[ "${1:-}" =~ ^[0-9]+[smh]?$ ]]; then duration="$1"; shift
fi
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <("${CARGO_FUZZ[@]}" list --fuzz-dir fuzz/libfuzzer)
fi

seconds() {
  local n="${1%[smh]}"
  case "$1" in *h) echo $((n * 3600)) ;; *m) echo $((n * 60)) ;; *) echo "$n" ;; esac
}

"${CARGO_FUZZ[@]}" build "${FLAGS[@]}"
each=$(( $(seconds "$duration") / ${#targets[@]} ))
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  if $cmin; then
    "${CARGO_FUZZ[@]}" cmin "${FLAGS[@]}" "$target" "fuzz/corpus/$target"
    continue
  fi
  echo "== $target: ${each}s"
  "${CARGO_FUZZ[@]}" run "${FLAGS[@]}" "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$each" -print_final_stats=1
done
