#!/usr/bin/env bash
# Installs everything the workspace needs, idempotently, into the repository's ignored folders.
#
#   scripts/setup.sh            # rust (toolchain, wasm target, rust-src) + npm tools
#   scripts/setup.sh all        # the above plus every optional part below
#   scripts/setup.sh rust|npm|chainlink|ipfs|cre|sdk|dapp   # one part only
#   scripts/setup.sh fuzz       # cargo-fuzz, for scripts/fuzz.sh (not in `all`)
#
# Parts: rust, npm, chainlink (Chainlink's LinkToken, Operator and KeystoneForwarder compiled from
# @chainlink/contracts 1.5.0 into tools/chainlink/out; see scripts/chainlink/README.md), ipfs
# (js-ipfs 0.66.1 in tools/ipfs, the loopback IPFS node scripts/ipfs-node.sh runs for the oracle
# adapter's tests and benchmark), cre (the CRE SDK 1.21.1 and Bun 1.4.5 from npm in
# cre/px-sync/node_modules, for the px-sync workflow's tests and its TypeScript-to-JS compile),
# sdk (@px/sdk's npm packages, built into sdk/build), dapp (the dApp's npm packages and its build
# in dapp/dist, and Debian's Chromium for the browser tests).
#
# Nothing is installed outside the repository except the pinned Rust toolchain (through rustup).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

setup_rust() {
  # rust-toolchain.toml pins the channel, the wasm target and rust-src; `rustup show` installs
  # whatever is missing (and is a no-op when everything is there).
  command -v rustup >/dev/null || { echo "rustup is required (https://rustup.rs)" >&2; exit 1; }
  rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
  local channel
  channel="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
  rustup target add --toolchain "$channel" wasm32-unknown-unknown >/dev/null 2>&1
  rustup component add --toolchain "$channel" rust-src rustfmt clippy >/dev/null 2>&1
  log "rust $channel with wasm32-unknown-unknown and rust-src ready"
}

# npm_install DIR WHAT [MODE [NOTE]]: installs DIR/package.json's dependencies into DIR/node_modules
# when package.json or the lockfile changed since the last install. MODE `ci` (the default) runs
# `npm ci`, exact and reproducible; `install` runs `npm install` (for a lockfile `npm ci`
# refuses), which installs the locked versions too. NOTE is shown while installing.
npm_install() {
  local dir="$1" what="$2" mode="${3:-ci}" note="${4:-}" stamp="$1/node_modules/.px-installed" want
  command -v npm >/dev/null || { echo "node and npm are required" >&2; exit 1; }
  want="$(cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "$what in $dir up to date"
    return
  fi
  log "installing $what in $dir${note:+ ($note)}"
  if [[ "$mode" == ci && -f "$dir/package-lock.json" ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
  fi
  want="$(cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
  echo "$want" >"$stamp"
}

setup_npm() {
  npm_install tools/npm "npm tools"
}

# Chainlink's published sources: `npm install @chainlink/contracts` fails on a git dependency, so
# the two packages are fetched with `npm pack` and unpacked where the compiler's import callback
# looks (scripts/chainlink/compile.mjs). The artifacts are rebuilt when the inputs change.
CHAINLINK_PACKAGES=("@chainlink/contracts@1.5.0:@chainlink/contracts"
  "@openzeppelin/contracts@4.8.3:@openzeppelin/contracts-4.8.3"
  "@openzeppelin/contracts@5.0.2:@openzeppelin/contracts-5.0.2")
# Test fixtures compiled with Chainlink's keystone settings: px-don's IReceiver recorder.
CHAINLINK_FIXTURES=(don/tests/fixtures/ReportRecorder.sol)
setup_chainlink() {
  local dir=tools/chainlink entry spec dest tarball
  mkdir -p "$dir/pkg" "$dir/node_modules"
  for entry in "${CHAINLINK_PACKAGES[@]}"; do
    spec="${entry%%:*}" dest="$dir/node_modules/${entry#*:}"
    [[ -f "$dest/package.json" ]] && continue
    log "fetching $spec"
    tarball="$(cd "$dir/pkg" && npm pack --silent "$spec" | tail -n1)"
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    tar -xzf "$dir/pkg/$tarball" -C "$dest.tmp" --strip-components=1
    mv "$dest.tmp" "$dest"
  done
  local stamp="$dir/out/.px-compiled" want
  want="$(cat scripts/chainlink/compile.mjs "$dir"/node_modules/*/*/package.json "${CHAINLINK_FIXTURES[@]}" \
    | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$dir/out/LinkToken.json" && -f "$dir/out/Operator.json" \
    && -f "$dir/out/KeystoneForwarder.json" && -f "$dir/out/ReportRecorder.json" ]]; then
    log "Chainlink artifacts in $dir/out up to date"
    return
  fi
  log "compiling LinkToken and Operator with solc 0.8.19, KeystoneForwarder (and px-don's fixture) with 0.8.24"
  node scripts/chainlink/compile.mjs "$dir/out" \
    "@chainlink/contracts/src/v0.8/shared/token/ERC677/LinkToken.sol:LinkToken" \
    "@chainlink/contracts/src/v0.8/operatorforwarder/Operator.sol:Operator"
  node scripts/chainlink/compile.mjs --solc 0.8.24 "$dir/out" \
    "@chainlink/contracts/src/v0.8/keystone/KeystoneForwarder.sol:KeystoneForwarder" \
    "${CHAINLINK_FIXTURES[@]/%/:ReportRecorder}"
  echo "$want" >"$stamp"
}

# js-ipfs: a real IPFS node (Kubo-style /api/v0 RPC) for the oracle adapter's integration tests
# and benchmark, since no BTFS or Kubo binary can be installed here. package.json pins
# ipfs@0.66.1 with the override "@multiformats/mafmt": "11.1.1" (without it the daemon fails on
# a newer mafmt); tools/ipfs/polyfill.cjs supplies Promise.withResolvers on Node 20 and is loaded
# by scripts/ipfs-node.sh, which runs the node.
# `npm ci` refuses this lockfile (an optional dependency deep in js-ipfs's tree, electron-eval ->
# headless, points at a git tarball that is never installed), so this part uses `npm install`,
# which installs the locked versions and leaves package-lock.json unchanged.
setup_ipfs() {
  npm_install tools/ipfs "js-ipfs 0.66.1" install "about 3 minutes"
}

# The CRE workflow's toolchain: @chainlink/cre-sdk 1.21.1 (its test runtime and compiler) and
# Bun (npm's `bun` package ships the binary through an optional platform package, so no
# download). About 16 s and 250 MB. The compiler's last step, JS to WASM, downloads Javy from
# GitHub at run time and cannot run here (cre/px-sync/README.md).
setup_cre() {
  npm_install cre/px-sync "CRE SDK and Bun"
}

# cargo-fuzz (scripts/fuzz.sh, fuzz/README.md) into .tools/cargo-fuzz, pinned; ~2 minutes to
# build. Not part of `all`: CI checks the fuzz targets' properties through `cargo test`
# (fuzz/tests/corpus.rs), as the instrumented build would add minutes to every run.
CARGO_FUZZ_VERSION=0.13.2
setup_fuzz() {
  local bin=.tools/cargo-fuzz/bin/cargo-fuzz
  if [[ -x "$bin" && "$("$bin" --version)" == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    log "cargo-fuzz $CARGO_FUZZ_VERSION in .tools/cargo-fuzz up to date"
    return
  fi
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION into .tools/cargo-fuzz (about 2 minutes)"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" --root .tools/cargo-fuzz
}

# build_when_changed DIR WHAT COMMAND PATHS...: runs COMMAND in DIR when PATHS (relative to DIR)
# changed since its last successful run.
build_when_changed() {
  local dir="$1" what="$2" command="$3" stamp want
  shift 3
  stamp="$dir/node_modules/.px-built"
  want="$(cd "$dir" && find "$@" -type f | sort | xargs cat | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "$what up to date"
    return
  fi
  log "building $what"
  (cd "$dir" && $command)
  echo "$want" >"$stamp"
}

# @px/sdk (sdk/): viem and TypeScript from its lockfile, then `tsc` into sdk/build (its tests run
# from there). `npm run gen` in sdk/ regenerates its bindings from abi/ and node/openapi.json.
setup_sdk() {
  npm_install sdk "@px/sdk's packages"
  build_when_changed sdk "@px/sdk" "npm run --silent build" src test tsconfig.json package-lock.json
}

# The dApp (dapp/): Vite, playwright-core and the SDK (a local package), built into dapp/dist;
# and Chromium from Debian's packages for the browser tests (playwright's own browser download
# cannot work here), installed with apt-get when /usr/bin/chromium is missing.
setup_dapp() {
  setup_sdk
  if [[ ! -x "${PX_CHROMIUM:-/usr/bin/chromium}" ]]; then
    command -v apt-get >/dev/null || { echo "Chromium is required (apt-get install chromium)" >&2; exit 1; }
    local sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    log "installing Chromium from Debian's packages"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  npm_install dapp "the dApp's packages"
  build_when_changed dapp "the dApp" "npm run --silent build" src dev-wallet index.html vite.config.ts vite.wallet.config.ts tsconfig.json package-lock.json ../sdk/src
}

part="${1:-default}"
case "$part" in
  default) setup_rust; setup_npm ;;
  all)
    # The test scripts (Chainlink vectors, keepalive) use it; say so now, not halfway through.
    command -v python3 >/dev/null || { echo "python3 is required by the test scripts" >&2; exit 1; }
    setup_rust; setup_npm; setup_chainlink; setup_ipfs; setup_cre; setup_sdk; setup_dapp ;;
  rust) setup_rust ;;
  npm) setup_npm ;;
  chainlink) setup_npm; setup_chainlink ;;
  ipfs) setup_ipfs ;;
  cre) setup_cre ;;
  fuzz) setup_rust; setup_fuzz ;;
  sdk) setup_sdk ;;
  dapp) setup_dapp ;;
  *) echo "unknown part: $part (rust|npm|chainlink|ipfs|cre|fuzz|sdk|dapp|all)" >&2; exit 2 ;;
esac
