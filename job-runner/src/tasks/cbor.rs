//! `cborparse`: the request parameters, "diet" CBOR (key/value pairs with no map header, as
//! Chainlink's Solidity library writes them), read as a map.

use ciborium::Value as Cbor;
use serde_json::{Map, Value};

use super::abi;

/// Parses `data` (`0x` hex of the CBOR bytes) into a JSON object.
pub(super) fn parse(data: &Value) -> Result<Value, String> {
    let bytes = abi::bytes(data)?;
    // A node wraps the pairs in an indefinite-length map before decoding.
    let mut wrapped = Vec::with_capacity(bytes.len() + 2);
    wrapped.push(0xbf);
    wrapped.extend_from_slice(&bytes);
    wrapped.push(0xff);
    let value: Cbor =
        ciborium::de::from_reader(wrapped.as_slice()).map_err(|e| format!("bad CBOR: {e}"))?;
    to_json(value)
}

fn to_json(value: Cbor) -> Result<Value, String> {
    Ok(match value {
        Cbor::Text(text) => Value::String(text),
        Cbor::Bytes(bytes) => Value::String(format!("0x{}", alloy::hex::encode(bytes))),
        Cbor::Integer(i) => {
            let wide = i128::from(i);
            i64::try_from(wide).map_or_else(|_| Value::String(wide.to_string()), Value::from)
        }
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Null => Value::Null,
        Cbor::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Cbor::Map(pairs) => {
            let mut map = Map::new();
            for (key, value) in pairs {
                let Cbor::Text(key) = key else { return Err("a map key is not text".into()) };
                map.insert(key, to_json(value)?);
            }
            Value::Object(map)
        }
        other => return Err(format!("unsupported CBOR value {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_chainlinks_diet_cbor() {
        // What Chainlink.Request.add wrote, recorded from Chainlink's contracts.
        let vectors: Value =
            serde_json::from_str(include_str!("../../../tests/chainlink-vectors/vectors.json"))
                .unwrap();
        let parsed = parse(&vectors["request"]["cbor"]).unwrap();
        assert_eq!(parsed["tokenId"], json!("7"));
        assert_eq!(parsed["chainId"], json!("412346"));
        assert_eq!(parsed["contract"], vectors["inputs"]["core"]);
        assert_eq!(parsed["btnsKey"], vectors["inputs"]["btnsKey"]);
    }

    #[test]
    fn error_when_the_bytes_are_not_cbor_pairs() {
        assert!(parse(&json!("0x67746f6b656e")).is_err());
        assert!(parse(&json!("not hex")).is_err());
    }
}
