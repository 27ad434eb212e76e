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
#    (rejected with ProgramUpToDate, as on Arbitrum);
# 5. a 40 KB program (ArbOS 61 fragments): `check`, `deploy --wasm-file` (fragments, root,
#    activation), a call, `deploy --no-activate` + `activate`, and `cache status`,
#    `cache suggest-bid`, `cache bid` against the chain's CacheManager;
# 6. the same program on a second px-devnet at `--arbos-version 51`: refused as too large.
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
"$CARGO_TARGET_DIR/debug/px-devnet" --port "$((PORT + 1))" --arbos-version 51 >/tmp/px-devnet-proof-51.log 2>&1 &
OLD=$!
trap 'kill $SERVER $OLD' EXIT
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

echo "== a 40 KB program: fragments at ArbOS 61"
# A valid module carrying 40,000 incompressible bytes (2 fragments) that returns the first 32.
python3 - "$WORK/large.wasm" <<'PY'
import random, sys
def leb(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)
def vec(items): return leb(len(items)) + b"".join(items)
def name(s): return leb(len(s)) + s.encode()
def section(i, body): return bytes([i]) + leb(len(body)) + body
random.seed(61)
data = bytes(random.getrandbits(8) for _ in range(40_000))
types = vec([b"\x60\x01\x7f\x01\x7f", b"\x60\x02\x7f\x7f\x00"])
imports = vec([name("vm_hooks") + name("write_result") + b"\x00\x01"])
body = b"\x00" + b"\x41\x00\x41\x20\x10\x00\x41\x00\x0b"
wasm = b"\0asm\x01\0\0\0" + section(1, types) + section(2, imports) + section(3, vec([b"\x00"])) \
    + section(5, vec([b"\x01\x01\x01"])) \
    + section(7, vec([name("memory") + b"\x02\x00", name("user_entrypoint") + b"\x00\x01"])) \
    + section(10, vec([leb(len(body)) + body])) \
    + section(11, vec([b"\x00\x41\x00\x0b" + leb(len(data)) + data]))
open(sys.argv[1], "wb").write(wasm)
PY
cargo stylus check --wasm-file "$WORK/large.wasm" -e "$RPC" 2>&1 | grep -E "contract size|data fee"
OUT="$(cargo stylus deploy --wasm-file "$WORK/large.wasm" -e "$RPC" --private-key "$KEY" --no-verify 2>&1)"
echo "$OUT" | grep -E "contract size|data fee|deployed code|activated"
LARGE="$(echo "$OUT" | sed -n 's/.*deployed code at address: .*\(0x[0-9a-fA-F]\{40\}\).*/\1/p')"
echo "root code: $("$CAST" code "$LARGE" --rpc-url "$RPC" | cut -c1-12)... ($("$CAST" codesize "$LARGE" --rpc-url "$RPC") bytes)"
"$CAST" call "$LARGE" --rpc-url "$RPC"
"$CAST" call 0x0000000000000000000000000000000000000071 "programInitGas(address)(uint64,uint64)" "$LARGE" --rpc-url "$RPC"
OUT="$(cargo stylus deploy --wasm-file "$WORK/large.wasm" -e "$RPC" --private-key "$KEY" --no-verify --no-activate 2>&1)"
UNACTIVATED="$(echo "$OUT" | sed -n 's/.*deployed code at address: .*\(0x[0-9a-fA-F]\{40\}\).*/\1/p')"
echo "a second root (other fragment addresses, so another code hash): $UNACTIVATED"
cargo stylus activate --address "$UNACTIVATED" -e "$RPC" --private-key "$KEY" 2>&1 | tail -1
echo "== the program cache"
cargo stylus cache status -e "$RPC" --address "$LARGE" 2>&1 | tail -9
cargo stylus cache suggest-bid "$LARGE" -e "$RPC" 2>&1 | tail -1
cargo stylus cache bid "$LARGE" 0 -e "$RPC" --private-key "$KEY" 2>&1 | tail -2
cargo stylus cache status -e "$RPC" --address "$LARGE" 2>&1 | tail -1
"$CAST" estimate "$LARGE" --rpc-url "$RPC"

echo "== the same program at ArbOS 51 (no fragments)"
cargo stylus deploy --wasm-file "$WORK/large.wasm" -e "http://127.0.0.1:$((PORT + 1))" --private-key "$KEY" --no-verify 2>&1 | tail -1 || true
