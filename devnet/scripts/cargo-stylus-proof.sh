#!/usr/bin/env bash
# Manual proof that cargo-stylus and cast work against px-devnet (not part of the tests or CI:
# it needs `cargo install cargo-stylus --locked`, ~15 minutes on 2 cores, and builds a small
# contract with cargo-stylus' own build, ~3 minutes).
#
#   devnet/scripts/cargo-stylus-proof.sh [PORT]
#
# 1. starts px-devnet on PORT (default 8599);
# 2. `cargo stylus check` and `cargo stylus deploy --constructor-args 42` on a small counter
#    with a #[constructor] (the StylusDeployer path: deploy, activate, construct in one tx);
# 3. `cargo stylus deploy --wasm-file target/stylus/px_storage_nft.wasm` (create + activate),
#    then the constructor, setMinter, mintTo and ownerOf with cast;
# 4. `cargo stylus deploy --no-activate` then `cargo stylus activate`, and a second activate
#    (rejected with ProgramUpToDate, as on Arbitrum).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${1:-8599}"
RPC="http://127.0.0.1:$PORT"
KEY=0xb6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659 # nitro-devnode's dev key
ME=0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E
CAST="$ROOT/tools/npm/node_modules/.bin/cast"
command -v cargo-stylus >/dev/null || { echo "cargo-stylus is not installed (cargo install cargo-stylus --locked)" >&2; exit 1; }
[[ -f "$ROOT/target/stylus/px_storage_nft.wasm" ]] || { echo "run cargo xtask wasm first" >&2; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/devnet}"
cargo build -q -p px-devnet --manifest-path "$ROOT/Cargo.toml"
"$CARGO_TARGET_DIR/debug/px-devnet" --port "$PORT" >/tmp/px-devnet-proof.log 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
sleep 1

# cargo-stylus wants a Stylus.toml at a cargo workspace root; the proof uses its own workspace.
WORK="$(mktemp -d)"
mkdir -p "$WORK/counter/src"
cat >"$WORK/Cargo.toml" <<'TOML'
[workspace]
resolver = "2"
members = ["counter"]
[profile.release]
codegen-units = 1
strip = true
lto = true
panic = "abort"
opt-level = "z"
TOML
printf '[workspace]\n\n[workspace.networks]\n' >"$WORK/Stylus.toml"
printf '[contract]\n' >"$WORK/counter/Stylus.toml"
cp "$ROOT/rust-toolchain.toml" "$WORK/"
cat >"$WORK/counter/Cargo.toml" <<'TOML'
[package]
name = "counter"
version = "0.1.0"
edition = "2021"
[lib]
crate-type = ["lib", "cdylib"]
[dependencies]
stylus-sdk = "=0.10.10"
alloy-primitives = "=1.7.3"
[features]
export-abi = ["stylus-sdk/export-abi"]
TOML
cat >"$WORK/counter/src/lib.rs" <<'RS'
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
extern crate alloc;
use alloy_primitives::U256;
use stylus_sdk::{prelude::*, storage::StorageU256};
#[entrypoint]
#[storage]
pub struct Counter { number: StorageU256 }
#[public]
impl Counter {
    #[constructor]
    pub fn constructor(&mut self, start: U256) { self.number.set(start); }
    pub fn number(&self) -> U256 { self.number.get() }
    pub fn increment(&mut self) { let n = self.number.get(); self.number.set(n + U256::from(1)); }
}
RS
cat >"$WORK/counter/src/main.rs" <<'RS'
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#[cfg(not(any(test, feature = "export-abi")))]
#[no_mangle]
pub extern "C" fn main() {}
#[cfg(feature = "export-abi")]
fn main() { counter::print_from_args(); }
RS
cd "$WORK"
cargo generate-lockfile -q
export CARGO_TARGET_DIR="$WORK/target"

echo "== cargo stylus check (counter)"
cargo stylus check -e "$RPC"
echo "== cargo stylus deploy --constructor-args 42 (counter, through StylusDeployer)"
OUT="$(cargo stylus deploy -e "$RPC" --private-key "$KEY" --no-verify --constructor-args 42 2>&1)"
echo "$OUT" | grep -E "deployed code|tx hash"
COUNTER="$(echo "$OUT" | sed -n 's/.*deployed code at address: .*\(0x[0-9a-fA-F]\{40\}\).*/\1/p')"
"$CAST" call "$COUNTER" "number()(uint256)" --rpc-url "$RPC"
"$CAST" send "$COUNTER" "increment()" --rpc-url "$RPC" --private-key "$KEY" | grep -E "status"
"$CAST" call "$COUNTER" "number()(uint256)" --rpc-url "$RPC"

echo "== cargo stylus deploy --wasm-file px_storage_nft.wasm (create + activate)"
OUT="$(cargo stylus deploy --wasm-file "$ROOT/target/stylus/px_storage_nft.wasm" -e "$RPC" --private-key "$KEY" --no-verify 2>&1)"
echo "$OUT" | grep -E "contract size|data fee|deployed code|activated"
NFT="$(echo "$OUT" | sed -n 's/.*deployed code at address: .*\(0x[0-9a-fA-F]\{40\}\).*/\1/p')"
SEL="$("$CAST" sig "stylus_constructor()")"
ARGS="$("$CAST" abi-encode "f(address)" "$ME")"
"$CAST" send "$NFT" "${SEL}${ARGS#0x}" --rpc-url "$RPC" --private-key "$KEY" | grep status
"$CAST" call "$NFT" "owner()(address)" --rpc-url "$RPC"
"$CAST" send "$NFT" "setMinter(address)" "$ME" --rpc-url "$RPC" --private-key "$KEY" | grep status
"$CAST" send "$NFT" "mintTo(address,uint64,uint32,bytes)" "$ME" 1073741824 50 0x00240801 --rpc-url "$RPC" --private-key "$KEY" | grep -E "status|gasUsed"
"$CAST" call "$NFT" "ownerOf(uint256)(address)" 1 --rpc-url "$RPC"
"$CAST" call "$NFT" "ownerOf(uint256)(address)" 7 --rpc-url "$RPC" 2>&1 | tail -1 || true

echo "== cargo stylus deploy --no-activate, then activate twice"
OUT="$(cargo stylus deploy --wasm-file "$ROOT/target/stylus/px_storage_nft.wasm" -e "$RPC" --private-key "$KEY" --no-verify --no-activate 2>&1)"
SECOND="$(echo "$OUT" | sed -n 's/.*deployed code at address: .*\(0x[0-9a-fA-F]\{40\}\).*/\1/p')"
echo "same code hash as the first deployment, so already active: $SECOND"
"$CAST" call "$SECOND" "totalSupply()(uint256)" --rpc-url "$RPC"
cargo stylus activate --address "$SECOND" -e "$RPC" --private-key "$KEY" 2>&1 | tail -1 || true
