#!/usr/bin/env bash
# Records what Chainlink's own contracts do with PxSync's request and callback, as test vectors.
#
#   tests/chainlink-vectors/generate.sh           # rewrites vectors.json
#   tests/chainlink-vectors/generate.sh --check   # fails if a fresh run differs from vectors.json
#
# On a local anvil it deploys Chainlink's LinkToken and Operator (compiled from
# @chainlink/contracts 1.5.0 by scripts/setup.sh chainlink) and ReferenceConsumer.sol, which
# builds PxSync's request with Chainlink's Solidity client (`Chainlink.Request.add` of strings,
# `_sendOperatorRequestTo`). It records:
#   - the exact bytes the consumer hands to `LINK.transferAndCall` (from a call trace),
#   - the Operator's `OracleRequest` log,
#   - a `fulfillOracleRequest2` from an authorized sender and the calldata the Operator forwards
#     to the consumer's `fulfillSync` (from a call trace), and the values the consumer decoded.
# px-sync's tests check that the Stylus program produces the same request bytes for the same
# inputs and accepts the forwarded callback. Everything is deterministic (fixed keys, nonces).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/chainlink-vectors"
OUT="$ROOT/target/chainlink-vectors"
BIN="$ROOT/tools/npm/node_modules/.bin"
CHECK="${1:-}"

"$ROOT/scripts/setup.sh" npm >/dev/null
[[ -f "$ROOT/tools/chainlink/out/Operator.json" ]] || "$ROOT/scripts/setup.sh" chainlink
"$ROOT/scripts/chainlink/compile.sh" "$HERE/ReferenceConsumer.sol" "$OUT" >/dev/null

# Inputs (the same ones px-sync's test feeds the program).
CHAIN_ID=412346
JOB_ID=0x3864616235356433386134373464316139333662653161333131396232656233 # "8dab55d38a474d1a936be1a3119b2eb3"
FEE=100000000000000000                                                   # 0.1 LINK
BTNS_KEY=0x002408011220d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
TOKEN_ID=7
CORE=0x5fc8d32690cc91d4c39d9d3abcbd16989f875707
# Anvil's first two development keys: the deployer and the Chainlink node.
DEPLOYER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
NODE_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
NODE=$("$BIN/cast" wallet address "$NODE_KEY")

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RPC="http://127.0.0.1:$PORT"
"$BIN/anvil" --port "$PORT" --chain-id "$CHAIN_ID" --silent &
ANVIL_PID=$!
trap 'kill $ANVIL_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do "$BIN/cast" chain-id --rpc-url "$RPC" >/dev/null 2>&1 && break; sleep 0.1; done

cast_send() { "$BIN/cast" send --rpc-url "$RPC" --private-key "$DEPLOYER_KEY" "$@" >/dev/null; }
artifact() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
deploy() { # deploy ARTIFACT [CONSTRUCTOR_SIG ARGS...]
  local code args=""
  code=$(artifact "$1" bytecode)
  if [[ $# -gt 1 ]]; then args=$("$BIN/cast" abi-encode "${@:2}"); args=${args#0x}; fi
  "$BIN/cast" send --rpc-url "$RPC" --private-key "$DEPLOYER_KEY" --json --create "$code$args" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["contractAddress"])'
}

DEPLOYER=$("$BIN/cast" wallet address "$DEPLOYER_KEY")
LINK=$(deploy "$ROOT/tools/chainlink/out/LinkToken.json")
OPERATOR=$(deploy "$ROOT/tools/chainlink/out/Operator.json" "constructor(address,address)" "$LINK" "$DEPLOYER")
CONSUMER=$(deploy "$OUT/ReferenceConsumer.json" "constructor(address,address,bytes32,uint256)" "$LINK" "$OPERATOR" "$JOB_ID" "$FEE")
cast_send "$LINK" "grantMintRole(address)" "$DEPLOYER"
cast_send "$LINK" "mint(address,uint256)" "$CONSUMER" 1000000000000000000
cast_send "$OPERATOR" "setAuthorizedSenders(address[])" "[$NODE]"

REQUEST_TX=$("$BIN/cast" send --rpc-url "$RPC" --private-key "$DEPLOYER_KEY" --json "$CONSUMER" \
  "requestSync(string,string,string,string)" "$BTNS_KEY" "$TOKEN_ID" "$CORE" "$CHAIN_ID" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["transactionHash"])')
REQUEST_TRACE=$("$BIN/cast" rpc --rpc-url "$RPC" debug_traceTransaction "$REQUEST_TX" '{"tracer":"callTracer"}')
REQUEST_RECEIPT=$("$BIN/cast" receipt --rpc-url "$RPC" --json "$REQUEST_TX")

# The fulfilment a node sends: fulfillSync's arguments after the request id, ABI-encoded.
read -r REQUEST_ID EXPIRATION < <(python3 - "$REQUEST_RECEIPT" "$OPERATOR" <<'EOF'
import json, sys
receipt, operator = json.loads(sys.argv[1]), sys.argv[2].lower()
log = next(l for l in receipt["logs"] if l["address"].lower() == operator)
data = bytes.fromhex(log["data"][2:])
word = lambda i: data[32 * i: 32 * (i + 1)]
print("0x" + word(1).hex(), int.from_bytes(word(5), "big"))
EOF
)
SEQUENCE=2; USED=123456789; UPLOADS=3
DIGEST=0x$(printf 'px-usage/1 vector document' | sha256sum | cut -d' ' -f1)
V=28; R=0x$(printf 'r' | sha256sum | cut -d' ' -f1); S=0x$(printf 's' | sha256sum | cut -d' ' -f1)
RESPONSE=$("$BIN/cast" abi-encode "f(bytes32,uint64,uint64,uint32,bytes32,uint8,bytes32,bytes32)" \
  "$REQUEST_ID" "$SEQUENCE" "$USED" "$UPLOADS" "$DIGEST" "$V" "$R" "$S")
SELECTOR=$("$BIN/cast" sig "fulfillSync(bytes32,uint64,uint64,uint32,bytes32,uint8,bytes32,bytes32)")
FULFIL_TX=$("$BIN/cast" send --rpc-url "$RPC" --private-key "$NODE_KEY" --gas-limit 500000 --json "$OPERATOR" \
  "fulfillOracleRequest2(bytes32,uint256,address,bytes4,uint256,bytes)" \
  "$REQUEST_ID" "$FEE" "$CONSUMER" "$SELECTOR" "$EXPIRATION" "$RESPONSE" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["transactionHash"])')
FULFIL_TRACE=$("$BIN/cast" rpc --rpc-url "$RPC" debug_traceTransaction "$FULFIL_TX" '{"tracer":"callTracer"}')
DECODED=$(for getter in "sequence()(uint64)" "usedBytes()(uint64)" "uploadCount()(uint32)" "metadataDigest()(bytes32)"; do
  "$BIN/cast" call --rpc-url "$RPC" "$CONSUMER" "$getter" | awk '{print $1}'; done | tr '\n' ' ')

python3 - "$OUT/vectors.json" <<EOF
import json, sys

def find(call, to, selector):
    """Depth-first search of a callTracer frame for a call to \`to\` starting with \`selector\`."""
    if call.get("to", "").lower() == to.lower() and call.get("input", "").startswith(selector):
        return call
    for sub in call.get("calls", []):
        hit = find(sub, to, selector)
        if hit:
            return hit
    return None

request_trace = json.loads('''$REQUEST_TRACE''')
fulfil_trace = json.loads('''$FULFIL_TRACE''')
receipt = json.loads('''$REQUEST_RECEIPT''')
transfer_and_call = find(request_trace, "$LINK", "0x4000aea0")
callback = find(fulfil_trace, "$CONSUMER", "$SELECTOR")
oracle_request = next(l for l in receipt["logs"] if l["address"].lower() == "$OPERATOR".lower())
data = bytes.fromhex(oracle_request["data"][2:])
cbor_offset = int.from_bytes(data[32 * 7: 32 * 8], "big")  # the 8th field, `data`
cbor_length = int.from_bytes(data[cbor_offset: cbor_offset + 32], "big")
cbor = data[cbor_offset + 32: cbor_offset + 32 + cbor_length]
decoded = "$DECODED".split()
vectors = {
    "command": "tests/chainlink-vectors/generate.sh",
    "source": "Chainlink LinkToken + Operator from @chainlink/contracts 1.5.0 (solc 0.8.19) on anvil; ReferenceConsumer.sol",
    "inputs": {
        "chainId": $CHAIN_ID, "jobId": "$JOB_ID", "fee": "$FEE", "btnsKey": "$BTNS_KEY",
        "tokenId": $TOKEN_ID, "core": "$CORE", "nonce": 1,
        "link": "$LINK", "operator": "$OPERATOR", "requester": "$CONSUMER", "node": "$NODE",
    },
    "request": {
        "transferAndCallInput": transfer_and_call["input"],
        "oracleRequestTopics": oracle_request["topics"],
        "oracleRequestData": oracle_request["data"],
        "cbor": "0x" + cbor.hex(),
        "requestId": "$REQUEST_ID",
        "expiration": $EXPIRATION,
    },
    "fulfil": {
        "sequence": $SEQUENCE, "usedBytes": $USED, "uploadCount": $UPLOADS, "metadataDigest": "$DIGEST",
        "v": $V, "r": "$R", "s": "$S",
        "operatorCalldataTail": "$RESPONSE",
        "callbackInput": callback["input"],
        "callbackGasGiven": int(callback["gas"], 16),
        "consumerDecoded": {"sequence": int(decoded[0]), "usedBytes": int(decoded[1]),
                            "uploadCount": int(decoded[2]), "metadataDigest": decoded[3]},
    },
}
json.dump(vectors, open(sys.argv[1], "w"), indent=2)
open(sys.argv[1], "a").write("\n")
EOF

if [[ "$CHECK" == "--check" ]]; then
  # The expiration depends on anvil's clock; everything else must match byte for byte.
  python3 - "$OUT/vectors.json" "$HERE/vectors.json" <<'EOF'
import json, sys
fresh, committed = (json.load(open(p)) for p in sys.argv[1:])
for v in (fresh, committed):
    v["request"].pop("expiration"); v["request"].pop("oracleRequestData")
if fresh != committed:
    sys.exit("tests/chainlink-vectors/vectors.json differs from a fresh run; run tests/chainlink-vectors/generate.sh")
print("chainlink vectors: a fresh run matches vectors.json")
EOF
else
  cp "$OUT/vectors.json" "$HERE/vectors.json"
  echo "wrote $HERE/vectors.json"
fi
