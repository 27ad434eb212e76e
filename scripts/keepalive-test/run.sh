#!/usr/bin/env bash
# Tests scripts/keepalive.sh (docs/upgrades.md, "Keeping the programs alive"):
#
# 1. argument handling, with no chain;
# 2. px-devnet with the four programs deployed by px-deploy (deploy/plans/local.toml): the
#    deployment file, code hashes, Stylus versions, time left, "not due", "too soon", expiry.
#    px-devnet does not implement `codehashKeepalive` (devnet/src/system/arb_wasm.rs), so there
#    the fee quote is refused, and this test expects exactly that; an expired program comes
#    back, with its state, when its code is activated again;
# 3. anvil with MockArbWasm.sol at 0x…71 (ArbOS' keepalive rules as nitro's source states
#    them): the fee quote, the bump, the transaction, the renewed time left, "too soon" right
#    after, and expiry.
#
#   scripts/keepalive-test/run.sh     # needs scripts/setup.sh chainlink and cargo xtask wasm
#   SKIP_BUILD=1 scripts/keepalive-test/run.sh   # px-devnet and px-deploy are built already
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
K="$ROOT/scripts/keepalive.sh"
BIN="$ROOT/tools/npm/node_modules/@foundry-rs"
CAST="$BIN/cast-linux-amd64/bin/cast"
ANVIL="$BIN/anvil-linux-amd64/bin/anvil"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d)"
DAY=86400
# px-devnet's and anvil's first development account (public key, never use it elsewhere).
DEV_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
# check NAME RC PATTERN COMMAND...: COMMAND exits with RC and prints a line matching PATTERN.
check() {
  local name="$1" want="$2" pattern="$3" rc=0 out
  shift 3
  out="$("$@" 2>&1)" || rc=$?
  if [[ "$rc" != "$want" ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    printf 'FAIL %s: exit %s (want %s), output:\n%s\n(wanted a line matching %s)\n' \
      "$name" "$rc" "$want" "$out" "$pattern" >&2
    exit 1
  fi
  passed=$((passed + 1))
  echo "ok   $name"
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_rpc() {
  for _ in $(seq 1 200); do "$CAST" chain-id --rpc-url "$1" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "no RPC at $1" >&2; exit 1
}
advance() { "$CAST" rpc evm_increaseTime "$2" --rpc-url "$1" >/dev/null; "$CAST" rpc evm_mine --rpc-url "$1" >/dev/null; }

[[ -x "$CAST" && -x "$ANVIL" ]] || scripts/setup.sh npm

# ---------------------------------------------------------------- 1. arguments
check "no RPC URL" 2 "--rpc-url .* is required" env -u PX_RPC_URL "$K"
check "unknown flag" 2 "unknown argument --bogus" "$K" --bogus
check "help" 2 "codehashKeepalive" "$K" --help
check "renew-below not a number" 2 "whole days" "$K" --rpc-url http://127.0.0.1:1 --renew-below soon
check "bump not a number" 2 "whole percentage" "$K" --rpc-url http://127.0.0.1:1 --bump 1.5
check "no chain at the URL" 2 "no answer from" "$K" --rpc-url "http://127.0.0.1:$(free_port)"

# ---------------------------------------------------------------- 2. px-devnet
if [[ -z "${SKIP_BUILD:-}" ]]; then cargo build -q --locked -p px-devnet -p px-deploy; fi
port="$(free_port)"; DEVNET="http://127.0.0.1:$port"
"$TARGET/debug/px-devnet" --port "$port" >"$WORK/devnet.log" 2>&1 &
pids+=($!)
wait_rpc "$DEVNET"
PX_DEPLOYER_KEY=$DEV_KEY "$TARGET/debug/px-deploy" --rpc-url "$DEVNET" --out "$WORK/dep" >"$WORK/deploy.log"
DEP="$WORK/dep/412346.json"
KD=("$K" --rpc-url "$DEVNET" --deployments "$DEP")

check "devnet: missing deployment file" 2 "no deployment file" "$K" --rpc-url "$DEVNET" --deployments "$WORK/none.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["chainId"]=1; json.dump(d, open(sys.argv[2], "w"))' "$DEP" "$WORK/other-chain.json"
check "devnet: deployment file of another chain" 2 "is for chain 1, the RPC is chain 412346" \
  "$K" --rpc-url "$DEVNET" --deployments "$WORK/other-chain.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["renderer"]; json.dump(d, open(sys.argv[2], "w"))' "$DEP" "$WORK/no-renderer.json"
check "devnet: a program missing from the file" 1 "no address under 'renderer'" \
  "$K" --rpc-url "$DEVNET" --deployments "$WORK/no-renderer.json" --dry-run
core="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["core"])' "$DEP")"
core_hash="$("$CAST" keccak "$("$CAST" code "$core" --rpc-url "$DEVNET")")"
# px-devnet runs ArbOS 61 unless told otherwise: its activations get Stylus version 3 (stylus-rules).
check "devnet: fresh programs are not due" 0 "^renderer .*Stylus version 3, 364 days left" "${KD[@]}" --dry-run
check "devnet: code hash is keccak256 of the code" 0 "^core .*code hash $core_hash" "${KD[@]}" --dry-run
check "devnet: due but too soon" 0 "due, but ArbOS accepts a keepalive only in 31 days" "${KD[@]}" --renew-below 400 --dry-run
advance "$DEVNET" $((32 * DAY))
check "devnet: no codehashKeepalive on px-devnet" 1 "keepalive refused: reverted: ArbWasm: keepalive is not implemented by px-devnet" \
  "${KD[@]}" --renew-below 400 --dry-run
advance "$DEVNET" $((340 * DAY))
check "devnet: expired programs" 1 "^core .*expired: 372 days since its activation; re-activate" "${KD[@]}" --dry-run
# An expired program keeps its storage: activating the same code again brings it back.
check "devnet: an expired program does not run" 1 "ProgramExpired|0xc9b12e52" \
  "$CAST" call "$core" 'owner()(address)' --rpc-url "$DEVNET"
"$CAST" send 0x0000000000000000000000000000000000000071 'activateProgram(address)' "$core" \
  --value 1ether --private-key "$DEV_KEY" --rpc-url "$DEVNET" >/dev/null
check "devnet: re-activated, with its state" 0 "^0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266$" \
  "$CAST" call "$core" 'owner()(address)' --rpc-url "$DEVNET"
check "devnet: a re-activated program has a year again" 1 "^core .*Stylus version 3, 36[45] days left" "${KD[@]}" --dry-run

# ---------------------------------------------------------------- 3. anvil + MockArbWasm
node scripts/chainlink/compile.mjs "$WORK/mock" scripts/keepalive-test/MockArbWasm.sol:MockArbWasm 2>/dev/null
mock="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["deployedBytecode"])' "$WORK/mock/MockArbWasm.json")"
port="$(free_port)"; ANVIL_URL="http://127.0.0.1:$port"
"$ANVIL" --port "$port" --chain-id 31337 --silent >"$WORK/anvil.log" 2>&1 &
pids+=($!)
wait_rpc "$ANVIL_URL"
A=(--rpc-url "$ANVIL_URL")
"$CAST" rpc anvil_setCode 0x0000000000000000000000000000000000000071 "$mock" "${A[@]}" >/dev/null
# Four "programs": distinct code at fixed addresses, activated in the mock.
i=0
for name in core sync storefront renderer; do
  i=$((i + 1))
  addr="0x00000000000000000000000000000000000000a$i"
  "$CAST" rpc anvil_setCode "$addr" "0x60$(printf '%02x' "$i")00" "${A[@]}" >/dev/null
  hash="$("$CAST" keccak "0x60$(printf '%02x' "$i")00")"
  "$CAST" send 0x0000000000000000000000000000000000000071 'activate(bytes32)' "$hash" \
    --private-key "$DEV_KEY" "${A[@]}" >/dev/null
  printf '"%s": "%s",\n' "$name" "$addr"
done >"$WORK/fields"
printf '{\n"chainId": 31337,\n%s\n"link": "0x0000000000000000000000000000000000000000"\n}\n' "$(cat "$WORK/fields")" >"$WORK/anvil.json"
KA=("$K" --rpc-url "$ANVIL_URL" --deployments "$WORK/anvil.json")
SEND=(-- --private-key "$DEV_KEY")

check "anvil: not due" 0 "^sync .*36[45] days left" "${KA[@]}" --dry-run
check "anvil: too soon" 0 "due, but ArbOS accepts a keepalive only in 31 days" "${KA[@]}" --renew-below 400 --dry-run
check "anvil: --force tries anyway and reports the refusal" 1 "too soon: ArbOS refuses a keepalive" "${KA[@]}" --force "${SEND[@]}"
advance "$ANVIL_URL" $((300 * DAY))
check "anvil: dry run quotes the fee plus the bump" 0 \
  "would send: cast send 0x0000000000000000000000000000000000000071 'codehashKeepalive\(bytes32\)' 0x[0-9a-f]{64} --value 1200000000000 \(data fee 1000000000000 wei \+ 20%\)" \
  "${KA[@]}" --dry-run
check "anvil: renews every program" 0 "^  renewed in 0x[0-9a-f]{64} \(data fee 1000000000000 wei\); 36[45] days left" \
  "${KA[@]}" --bump 50 "${SEND[@]}"
# The mock keeps each data fee and returns the rest, as ArbOS does: four fees, no bump.
check "anvil: four data fees kept, the bump returned" 0 "^4000000000000$" \
  "$CAST" balance 0x0000000000000000000000000000000000000071 "${A[@]}"
check "anvil: renewed programs are not due" 0 "^renderer .*36[45] days left" "${KA[@]}" --dry-run
advance "$ANVIL_URL" $((366 * DAY))
check "anvil: expired" 1 "^storefront .*expired: 366 days since its activation" "${KA[@]}" --dry-run

echo "keepalive.sh: $passed checks passed"
