#!/usr/bin/env bash
# Keeps the PX programs activated: ArbOS deactivates a Stylus program `expiryDays` (365) after
# its activation or last keepalive, and accepts `ArbWasm.codehashKeepalive(codehash)` (at
# 0x…71, payable: it takes the data fee, returns the excess) only once the program is
# `keepaliveDays` (31) old. See docs/upgrades.md for the schedule and what expiry means.
#
#   scripts/keepalive.sh --rpc-url URL [--deployments FILE] [--renew-below DAYS] [--dry-run]
#                        [--force] [--bump PERCENT] [-- CAST_SEND_WALLET_OPTIONS...]
#
# For each program in the deployment file px-deploy writes (`deployments/<chainId>.json`, keys
# `core`, `sync`, `storefront`, `renderer`): reads its code hash (keccak256 of its code), its
# Stylus version and time left from ArbWasm, and renews it when fewer than --renew-below days
# (default 90) are left and ArbOS allows it. The data fee is quoted by a call first
# (`ProgramInsufficientValue(have, want)`), then sent with --bump percent (default 20) on top.
# Nothing is signed in --dry-run. The wallet options after `--` go to `cast send` unchanged
# (`--keystore FILE --password-file F`, `--ledger`, `--account NAME`, or on a local chain
# `--unlocked --from ADDR`); any account may pay, no role is needed. ETH_KEYSTORE and
# ETH_PASSWORD work as cast documents them.
#
# Exit status: 0 when every program is renewed or not due, 1 when one is expired, not active,
# needs re-activation or a keepalive failed, 2 on a usage error.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ARB_WASM=0x0000000000000000000000000000000000000071
PROGRAMS=(core sync storefront renderer)
DAY=86400
# ArbOS' defaults (nitro: initialKeepaliveDays, initialExpiryDays), used only when the chain
# does not answer the getters.
DEFAULT_KEEPALIVE_DAYS=31
DEFAULT_EXPIRY_DAYS=365

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "keepalive: $*" >&2; exit 2; }

rpc_url="${PX_RPC_URL:-}" deployments="" renew_below=90 dry_run=0 force=0 bump=20
send_opts=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rpc-url) [[ $# -ge 2 ]] || die "--rpc-url needs a URL"; rpc_url="$2"; shift 2 ;;
    --deployments) [[ $# -ge 2 ]] || die "--deployments needs a file"; deployments="$2"; shift 2 ;;
    --renew-below) [[ $# -ge 2 ]] || die "--renew-below needs a number of days"; renew_below="$2"; shift 2 ;;
    --bump) [[ $# -ge 2 ]] || die "--bump needs a percentage"; bump="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --force) force=1; shift ;;
    -h | --help) usage ;;
    --) shift; send_opts=("$@"); break ;;
    *) die "unknown argument $1 (--help)" ;;
  esac
done
[[ -n "$rpc_url" ]] || die "--rpc-url (or PX_RPC_URL) is required"
[[ "$renew_below" =~ ^[0-9]+$ ]] || die "--renew-below takes whole days, got $renew_below"
[[ "$bump" =~ ^[0-9]+$ ]] || die "--bump takes a whole percentage, got $bump"

# Foundry's cast: $CAST, else the binary scripts/setup.sh installs (not its npm wrapper, which
# exits 0 even when cast fails), else cast on the PATH.
CAST="${CAST:-}"
if [[ -z "$CAST" ]]; then
  for c in "$ROOT"/tools/npm/node_modules/@foundry-rs/cast-*/bin/cast; do [[ -x "$c" ]] && CAST="$c"; done
fi
[[ -n "$CAST" ]] || CAST="$(command -v cast || true)"
[[ -n "$CAST" ]] || die "cast not found: run scripts/setup.sh npm, or set CAST"
command -v python3 >/dev/null || die "python3 is required (to read the deployment file)"
RPC=(--rpc-url "$rpc_url")

# c ARGS...: runs cast; its output (stdout and stderr) in $OUT; fails when cast failed, judged by
# its exit status and by an `Error:` line (wrappers that lose the status still print that).
OUT=""
c() {
  local rc=0
  OUT="$("$CAST" "$@" 2>&1)" || rc=$?
  [[ $rc -eq 0 ]] && ! grep -q '^Error' <<<"$OUT"
}

c chain-id "${RPC[@]}" || die "no answer from $rpc_url: $OUT"
chain_id="$OUT"
[[ -n "$deployments" ]] || deployments="$ROOT/deployments/$chain_id.json"
[[ -f "$deployments" ]] || die "no deployment file $deployments (px-deploy writes deployments/<chainId>.json)"

# field FILE KEY: a top-level string of the deployment file.
field() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
v = d.get(sys.argv[2])
if not isinstance(v, str) or not v.startswith("0x"):
    sys.exit(f"{sys.argv[1]}: no address under {sys.argv[2]!r}")
print(v)
EOF
}
file_chain="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("chainId", ""))' "$deployments")"
[[ "$file_chain" == "$chain_id" ]] || die "$deployments is for chain ${file_chain:-?}, the RPC is chain $chain_id"

# revert_data OUTPUT: the revert data cast printed, if any.
revert_data() { sed -n 's/.*data: "\(0x[0-9a-fA-F]*\)".*/\1/p' <<<"$1" | head -n1; }
# decoded SIG ARGS: the first value of ABI-encoded ARGS (cast prints "123 [1.23e2]" for numbers).
decoded() { "$CAST" abi-decode --input "$1" "$2" | head -n1 | sed 's/ \[.*\]$//; s/^"\(.*\)"$/\1/'; }
# explain DATA: ArbWasm's error in words (empty when it is not one of them).
explain() {
  local data="$1" sel="${1:0:10}" args="0x${1:10}"
  case "$sel" in
    "$("$CAST" sig 'ProgramNotActivated()')") echo "not activated (ArbWasm.activateProgram it)" ;;
    "$("$CAST" sig 'ProgramExpired(uint64)')")
      echo "expired: $(( $(decoded 'f(uint64)' "$args") / DAY )) days since its activation; re-activate it with ArbWasm.activateProgram (docs/upgrades.md)" ;;
    "$("$CAST" sig 'ProgramNeedsUpgrade(uint16,uint16)')")
      echo "activated for an older Stylus version: re-activate it with ArbWasm.activateProgram (docs/upgrades.md)" ;;
    "$("$CAST" sig 'ProgramKeepaliveTooSoon(uint64)')")
      echo "too soon: ArbOS refuses a keepalive before the program is keepaliveDays old (age $(( $(decoded 'f(uint64)' "$args") / DAY )) days)" ;;
    "$("$CAST" sig 'ProgramInsufficientValue(uint256,uint256)')") echo "insufficient value" ;;
    0x08c379a0) echo "reverted: $(decoded 'f(string)' "$args")" ;;
    *) [[ -n "$data" ]] && echo "reverted with $data" ;;
  esac
}

if c call "$ARB_WASM" 'expiryDays()(uint16)' "${RPC[@]}"; then expiry_days="$OUT"; else
  expiry_days=$DEFAULT_EXPIRY_DAYS
  echo "note: ArbWasm.expiryDays() did not answer; assuming ArbOS' default of $expiry_days days"
fi
if c call "$ARB_WASM" 'keepaliveDays()(uint16)' "${RPC[@]}"; then keepalive_days="$OUT"; else
  keepalive_days=$DEFAULT_KEEPALIVE_DAYS
  echo "note: ArbWasm.keepaliveDays() did not answer; assuming ArbOS' default of $keepalive_days days"
fi
echo "chain $chain_id, $deployments: programs expire $expiry_days days after activation;" \
  "ArbOS accepts a keepalive from $keepalive_days days; renewing below $renew_below days left" \
  "$([[ $dry_run == 1 ]] && echo '(dry run)')"

failed=0
declare -A seen=()
for name in "${PROGRAMS[@]}"; do
  address="$(field "$deployments" "$name")" || { failed=1; continue; }
  c code "$address" "${RPC[@]}" || { echo "$name $address: $OUT"; failed=1; continue; }
  if [[ "$OUT" == "0x" ]]; then
    echo "$name $address: no code on chain $chain_id"; failed=1; continue
  fi
  c keccak "$OUT" || { echo "$name: $OUT"; failed=1; continue; }
  codehash="$OUT"
  if [[ -n "${seen[$codehash]:-}" ]]; then
    echo "$name $address: same code as ${seen[$codehash]}, renewed with it"; continue
  fi
  seen[$codehash]=$name
  if ! c call "$ARB_WASM" 'codehashVersion(bytes32)(uint16)' "$codehash" "${RPC[@]}"; then
    why="$(explain "$(revert_data "$OUT")")"
    echo "$name $address ($codehash): ${why:-$OUT}"; failed=1; continue
  fi
  version="$OUT"
  c call "$ARB_WASM" 'programTimeLeft(address)(uint64)' "$address" "${RPC[@]}" \
    || { echo "$name $address: programTimeLeft: $OUT"; failed=1; continue; }
  left="${OUT%% *}"
  age=$(( expiry_days * DAY - left ))
  ready_in=$(( keepalive_days * DAY - age ))
  echo "$name $address: code hash $codehash, Stylus version $version, $(( left / DAY )) days left"
  if (( left >= renew_below * DAY )) && (( force == 0 )); then
    echo "  not due (renews below $renew_below days left)"; continue
  fi
  if (( ready_in > 0 )) && (( force == 0 )); then
    echo "  due, but ArbOS accepts a keepalive only in $(( (ready_in + DAY - 1) / DAY )) days (age $(( age / DAY )) < $keepalive_days days)"
    continue
  fi
  # Quote the data fee: with no value, a keepalive ArbOS would accept reverts with
  # ProgramInsufficientValue(0, fee); a free one succeeds.
  fee=0
  if ! c call "$ARB_WASM" 'codehashKeepalive(bytes32)' "$codehash" --value 0 "${RPC[@]}"; then
    data="$(revert_data "$OUT")"
    if [[ "${data:0:10}" == "$("$CAST" sig 'ProgramInsufficientValue(uint256,uint256)')" ]]; then
      fee="$("$CAST" abi-decode --input 'f(uint256,uint256)' "0x${data:10}" | tail -n1 | sed 's/ \[.*\]$//')"
    else
      why="$(explain "$data")"
      echo "  keepalive refused: ${why:-$(tail -n1 <<<"$OUT")}"; failed=1; continue
    fi
  fi
  value=$(python3 -c 'import sys; print(int(sys.argv[1]) * (100 + int(sys.argv[2])) // 100)' "$fee" "$bump")
  if (( dry_run == 1 )); then
    echo "  would send: cast send $ARB_WASM 'codehashKeepalive(bytes32)' $codehash --value $value (data fee $fee wei + $bump%)"
    continue
  fi
  if c send "$ARB_WASM" 'codehashKeepalive(bytes32)' "$codehash" --value "$value" \
      "${RPC[@]}" "${send_opts[@]}" && grep -q '^status *1' <<<"$OUT"; then
    tx="$(sed -n 's/^transactionHash[[:space:]]*//p' <<<"$OUT" | head -n1)"
    c call "$ARB_WASM" 'programTimeLeft(address)(uint64)' "$address" "${RPC[@]}" || true
    echo "  renewed in $tx (data fee $fee wei); $(( ${OUT%% *} / DAY )) days left"
  else
    why="$(explain "$(revert_data "$OUT")")"
    echo "  keepalive failed: ${why:-$(grep -m1 -E '^(Error|revertReason)' <<<"$OUT" || tail -n1 <<<"$OUT")}"
    failed=1
  fi
done
exit "$failed"
