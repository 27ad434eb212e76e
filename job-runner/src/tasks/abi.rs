//! `ethabidecodelog` and `ethabiencode`, with runtime ABI strings as a node has them.

use alloy::{
    dyn_abi::{DynSolType, DynSolValue, EventExt, JsonAbiExt, Specifier},
    json_abi::{Event, Function},
    primitives::B256,
};
use serde_json::{Map, Value};

/// A value as text: a JSON string's contents, or a number's digits.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON value, or the one a string holds (task inputs come either way); `what` names the
/// input in the error.
pub(crate) fn json_value(value: &Value, what: &str) -> Result<Value, String> {
    match value {
        Value::String(text) => {
            serde_json::from_str(text).map_err(|e| format!("{what} is not JSON: {e}"))
        }
        other => Ok(other.clone()),
    }
}

/// Bytes from `0x` hex text.
pub(crate) fn bytes(value: &Value) -> Result<Vec<u8>, String> {
    alloy::hex::decode(text(value)).map_err(|e| format!("not hex: {e}"))
}

/// A decoded ABI value as a node hands it to later tasks: addresses and bytes as `0x` hex,
/// integers as numbers (as decimal strings beyond 64 bits).
fn to_json(value: &DynSolValue) -> Value {
    match value {
        DynSolValue::Address(a) => Value::String(a.to_checksum(None)),
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Uint(u, _) => {
            u64::try_from(*u).map_or_else(|_| Value::String(u.to_string()), Value::from)
        }
        DynSolValue::Int(i, _) => {
            i64::try_from(*i).map_or_else(|_| Value::String(i.to_string()), Value::from)
        }
        DynSolValue::FixedBytes(word, size) => {
            Value::String(format!("0x{}", alloy::hex::encode(&word[..*size])))
        }
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", alloy::hex::encode(b))),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        // Function pointers appear in no PX ABI.
        other @ DynSolValue::Function(_) => Value::String(format!("{other:?}")),
    }
}

/// Solidity's data locations mean nothing to the ABI.
fn strip_locations(signature: &str) -> String {
    signature.replace(" calldata", "").replace(" memory", "").replace(" storage", "")
}

/// `ethabidecodelog`: decodes a log by an event signature into `{ name: value }`.
pub(super) fn decode_log(abi: &str, data: &Value, topics: &Value) -> Result<Value, String> {
    let event = Event::parse(&strip_locations(abi)).map_err(|e| format!("abi: {e}"))?;
    let topics: Vec<B256> = topics
        .as_array()
        .ok_or("topics is not a list")?
        .iter()
        .map(|t| text(t).parse().map_err(|e| format!("topic: {e}")))
        .collect::<Result<_, String>>()?;
    let decoded = event
        .decode_log_parts(topics, &bytes(data)?)
        .map_err(|e| format!("log does not match {}: {e}", event.name))?;
    let mut indexed = decoded.indexed.iter();
    let mut body = decoded.body.iter();
    let mut out = Map::new();
    for input in &event.inputs {
        let value = if input.indexed { indexed.next() } else { body.next() };
        out.insert(input.name.clone(), to_json(value.ok_or("missing value")?));
    }
    Ok(Value::Object(out))
}

/// `ethabiencode`: `abi` is a parameter list `(type name, ...)` (encoded without a selector) or
/// a function signature (encoded with its selector); `data` is a JSON object by name.
pub(super) fn encode(abi: &str, data: &Value) -> Result<Value, String> {
    let abi = strip_locations(abi.trim());
    let (function, with_selector) = if abi.starts_with('(') {
        (Function::parse(&format!("encode{abi}")), false)
    } else {
        (Function::parse(&abi), true)
    };
    let function = function.map_err(|e| format!("abi: {e}"))?;
    let data = json_value(data, "data")?;
    let values = function
        .inputs
        .iter()
        .map(|param| {
            let ty: DynSolType = param.resolve().map_err(|e| format!("{}: {e}", param.name))?;
            let given =
                data.get(&param.name).ok_or_else(|| format!("no value for {}", param.name))?;
            ty.coerce_str(&text(given)).map_err(|e| format!("{}: {e}", param.name))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let encoded = if with_selector {
        function.abi_encode_input(&values).map_err(|e| e.to_string())?
    } else {
        DynSolValue::Tuple(values).abi_encode_params()
    };
    Ok(Value::String(format!("0x{}", alloy::hex::encode(encoded))))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ORACLE_REQUEST: &str = "OracleRequest(bytes32 indexed specId, address requester, bytes32 requestId, uint256 payment, address callbackAddr, bytes4 callbackFunctionId, uint256 cancelExpiration, uint256 dataVersion, bytes data)";

    fn vectors() -> Value {
        serde_json::from_str(include_str!("../../../tests/chainlink-vectors/vectors.json")).unwrap()
    }

    #[test]
    fn decodes_the_operators_oracle_request() {
        let v = vectors();
        let log = decode_log(
            ORACLE_REQUEST,
            &v["request"]["oracleRequestData"],
            &v["request"]["oracleRequestTopics"],
        )
        .unwrap();
        assert_eq!(log["specId"], v["inputs"]["jobId"]);
        assert_eq!(log["requestId"], v["request"]["requestId"]);
        assert_eq!(log["payment"], json!(100_000_000_000_000_000u64));
        assert_eq!(log["callbackFunctionId"], json!("0x370b34cc"));
        assert_eq!(log["cancelExpiration"], v["request"]["expiration"]);
        assert_eq!(log["dataVersion"], json!(2));
        assert_eq!(log["data"], v["request"]["cbor"]);
        assert_eq!(
            log["requester"].as_str().unwrap().to_lowercase(),
            v["inputs"]["requester"].as_str().unwrap()
        );
    }

    #[test]
    fn error_when_the_log_is_another_event() {
        let v = vectors();
        let err = decode_log(
            "Transfer(address indexed from, address indexed to, uint256 value)",
            &v["request"]["oracleRequestData"],
            &v["request"]["oracleRequestTopics"],
        )
        .unwrap_err();
        assert!(err.contains("Transfer"), "{err}");
    }

    #[test]
    fn encodes_the_fulfilment_as_the_operator_forwards_it() {
        let v = vectors();
        let f = &v["fulfil"];
        let data = json!({
            "requestId": v["request"]["requestId"], "sequence": f["sequence"], "usedBytes": f["usedBytes"],
            "uploadCount": f["uploadCount"], "metadataDigest": f["metadataDigest"],
            "v": f["v"], "r": f["r"], "s": f["s"],
        });
        let encoded = encode(
            "(bytes32 requestId, uint64 sequence, uint64 usedBytes, uint32 uploadCount, bytes32 metadataDigest, uint8 v, bytes32 r, bytes32 s)",
            &data,
        )
        .unwrap();
        assert_eq!(encoded, f["operatorCalldataTail"]);
    }

    #[test]
    fn encodes_a_function_call_with_its_selector() {
        let encoded = encode(
            "fulfillOracleRequest2(bytes32 requestId, uint256 payment, address callbackAddress, bytes4 callbackFunctionId, uint256 expiration, bytes calldata data)",
            &json!({
                "requestId": format!("0x{}", "11".repeat(32)), "payment": "100", "callbackAddress": "0x00000000000000000000000000000000000000aa",
                "callbackFunctionId": "0x370b34cc", "expiration": 5, "data": "0x1234",
            }),
        )
        .unwrap();
        assert!(encoded.as_str().unwrap().starts_with("0x6ae0bc76"), "{encoded}");
    }

    #[test]
    fn error_when_a_value_is_missing_or_malformed() {
        assert!(encode("(uint64 a)", &json!({})).unwrap_err().contains("no value for a"));
        assert!(encode("(uint64 a)", &json!({ "a": "x" })).is_err());
        assert!(encode("(uint64 a)", &json!({ "a": "18446744073709551616" })).is_err());
    }
}
