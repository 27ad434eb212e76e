//! The request contract of the EA endpoint (wire formats, "Adapter request body"):
//! `{"id": jobRunID, "data": {"btnsKey", "tokenId", "contract", "chainId"}}`, every value a
//! string as the contract's CBOR carries it. Validation failures are 400s.

use alloy::primitives::{Address, U256};
use px_metadata::{BtnsKey, Subject, decimal};
use serde::Deserialize;
use serde_json::Value;

use crate::error::AdapterError;

/// jobRunID when the request has none (what the EA framework uses).
pub const DEFAULT_JOB_RUN_ID: &str = "1";

#[derive(Deserialize)]
struct EaRequest {
    id: Option<Value>,
    data: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    btns_key: String,
    token_id: String,
    contract: String,
    chain_id: String,
}

/// Parses a request body into its jobRunID and the subject it asks about. The jobRunID is
/// returned even when the rest is invalid, so the error can echo it.
pub fn parse(body: &[u8]) -> (String, Result<Subject, AdapterError>) {
    let req: EaRequest = match serde_json::from_slice(body) {
        Ok(r) => r,
        Err(e) => {
            return (
                DEFAULT_JOB_RUN_ID.to_owned(),
                Err(AdapterError::Input(format!("body is not an adapter request: {e}"))),
            );
        }
    };
    let job_run_id = match req.id {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => DEFAULT_JOB_RUN_ID.to_owned(),
    };
    (job_run_id, subject(req.data))
}

fn subject(data: Option<Value>) -> Result<Subject, AdapterError> {
    let input = |m: String| AdapterError::Input(m);
    let data = data.ok_or_else(|| input("missing `data`".into()))?;
    let p: Params = serde_json::from_value(data).map_err(|e| {
        input(format!("`data` needs string fields btnsKey, tokenId, contract, chainId: {e}"))
    })?;
    let btns_key: BtnsKey =
        p.btns_key.parse().map_err(|e: px_metadata::Error| input(format!("btnsKey: {e}")))?;
    let token_id: U256 = decimal::parse("tokenId", &p.token_id).map_err(input)?;
    let chain_id: u64 = decimal::parse("chainId", &p.chain_id).map_err(input)?;
    let contract = parse_address(&p.contract).map_err(input)?;
    Ok(Subject { chain_id, contract, token_id, btns_key })
}

/// `0x` + 40 hex digits (any case: the CBOR form is lowercase, operators may paste checksummed).
fn parse_address(s: &str) -> Result<Address, String> {
    if s.len() != 42 || !s.starts_with("0x") {
        return Err(format!("contract must be 0x + 40 hex digits, got {s:?}"));
    }
    s.parse().map_err(|e| format!("contract: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str =
        "0x00240801122009603ce5c90c70779692e02b9d26afc7a09e8869ee36f9ffdc372fd014a7a1c0";

    fn body(data: &Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({"id": "job-1", "data": data})).unwrap()
    }

    fn good() -> Value {
        serde_json::json!({"btnsKey": KEY_HEX, "tokenId": "7", "contract": "0x5fbdb2315678afecb367f032d93f642f64180aa3", "chainId": "42161"})
    }

    #[test]
    fn parses_the_wire_format_request() {
        let (id, s) = parse(&body(&good()));
        assert_eq!(id, "job-1");
        let s = s.unwrap();
        assert_eq!((s.chain_id, s.token_id), (42161, U256::from(7)));
        assert_eq!(s.btns_key.to_hex(), KEY_HEX);
    }

    #[test]
    fn accepts_other_key_forms_and_numeric_job_ids() {
        let mut d = good();
        d["btnsKey"] = "12D3KooWASxx8dTRtpofWaF4y68fGurkvUbyCRvXBWfPDgU7Je4w".into();
        let b = serde_json::to_vec(&serde_json::json!({"id": 42, "data": d})).unwrap();
        let (id, s) = parse(&b);
        assert_eq!(id, "42");
        assert_eq!(s.unwrap().btns_key.to_hex(), KEY_HEX);
    }

    #[test]
    fn refuses_each_malformed_field_but_keeps_the_job_run_id() {
        for (field, value) in [
            ("btnsKey", Value::from("0xzz")),
            ("tokenId", Value::from("07")),
            ("tokenId", Value::from(7)),
            ("chainId", Value::from("-1")),
            ("contract", Value::from("0x1234")),
            ("contract", Value::Null),
        ] {
            let mut d = good();
            d[field] = value.clone();
            let (id, s) = parse(&body(&d));
            assert_eq!(id, "job-1");
            assert!(matches!(s, Err(AdapterError::Input(_))), "{field} = {value}");
        }
        assert!(matches!(parse(b"not json").1, Err(AdapterError::Input(_))));
        assert!(matches!(parse(br#"{"id":"x"}"#).1, Err(AdapterError::Input(_))));
    }
}
