//! The job spec's encode step, run in Rust on a real adapter answer: what
//! `scripts/chainlink/px-sync-job.toml` makes the Chainlink node send must decode into
//! `IPxSync::fulfillSync` with the signed report's values.
//!
//! The test reads the TOML itself (task attributes, ABI strings, data templates), fills the
//! templates as the node's pipeline does, and encodes with the declared ABI types the way
//! Chainlink's `ethabiencode` coerces JSON (decimal strings to integers with an overflow check,
//! `0x` hex to fixed bytes), so editing the spec is what this test checks.

mod common;

use std::collections::HashMap;

use alloy::{
    dyn_abi::{DynSolType, DynSolValue, JsonAbiExt},
    json_abi::Function,
    primitives::{Address, B256, FixedBytes, U256, keccak256},
    sol_types::SolCall,
};
use common::*;
use px_abi::IPxSync::fulfillSyncCall;
use px_ipfs_testnode::IpfsNode;
use px_metadata::{BtnsKey, EncodedDocument};
use px_oracle_adapter::{AppState, Config, app};
use serde_json::{Value, json};

const JOB_SPEC: &str = include_str!("../../scripts/chainlink/px-sync-job.toml");

/// One task of the pipeline: its attributes, unescaped.
type Task = HashMap<String, String>;

/// Parses the DOT `observationSource` into tasks (`name [key="value" ...]`); edges are ignored.
fn tasks(source: &str) -> HashMap<String, Task> {
    let mut out = HashMap::new();
    let mut rest = source;
    while let Some(open) = rest.find('[') {
        let name = rest[..open].split_whitespace().last().unwrap().to_owned();
        let mut attrs = Task::new();
        let mut s = &rest[open + 1..];
        loop {
            s = s.trim_start();
            if let Some(after) = s.strip_prefix(']') {
                rest = after;
                break;
            }
            let eq = s.find('=').unwrap();
            let key = s[..eq].trim().to_owned();
            let (value, after) = quoted(&s[eq + 1..]);
            attrs.insert(key, value);
            s = after;
        }
        out.insert(name, attrs);
    }
    out
}

/// Reads a `"..."` DOT string starting at `s`; returns it unescaped and what follows.
fn quoted(s: &str) -> (String, &str) {
    let s = s.trim_start().strip_prefix('"').unwrap();
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => value.push(chars.next().unwrap().1),
            '"' => return (value, &s[i + 1..]),
            c => value.push(c),
        }
    }
    panic!("unterminated string");
}

/// Replaces every `$(var)` in `template` with `vars[var]` (already JSON).
fn fill(template: &str, vars: &HashMap<&str, String>) -> String {
    let mut out = template.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("$({k})"), v);
    }
    assert!(!out.contains("$("), "unfilled variable in {out}");
    out
}

/// Chainlink `ethabiencode`'s coercion of one JSON value to `ty`.
fn coerce(ty: &DynSolType, v: &Value) -> Result<DynSolValue, String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("cannot convert {other}")),
    };
    match ty {
        DynSolType::Uint(bits) => {
            let n = U256::from_str_radix(&text, 10).map_err(|e| e.to_string())?;
            if *bits < 256 && n >= U256::from(1) << *bits {
                return Err(format!("overflow: {text} in uint{bits}"));
            }
            Ok(DynSolValue::Uint(n, *bits))
        }
        DynSolType::FixedBytes(len) => {
            let bytes = alloy::hex::decode(text.strip_prefix("0x").ok_or("missing 0x")?)
                .map_err(|e| e.to_string())?;
            if bytes.len() != *len {
                return Err(format!("incorrect length: expected {len}, got {}", bytes.len()));
            }
            let mut word = [0u8; 32];
            word[..*len].copy_from_slice(&bytes);
            Ok(DynSolValue::FixedBytes(B256::from(word), *len))
        }
        DynSolType::Address => {
            Ok(DynSolValue::Address(text.parse::<Address>().map_err(|e| e.to_string())?))
        }
        DynSolType::Bytes => Ok(DynSolValue::Bytes(
            alloy::hex::decode(text.strip_prefix("0x").ok_or("missing 0x")?)
                .map_err(|e| e.to_string())?,
        )),
        other => Err(format!("type {other} not used by the job")),
    }
}

/// `ethabiencode` of `data` (a JSON object) with `abi`; with a function name the selector
/// leads, as the node does for `fulfillOracleRequest2(...)`.
fn ethabiencode(abi: &str, data: &Value) -> Result<Vec<u8>, String> {
    let named = !abi.starts_with('(');
    let f = Function::parse(&if named { abi.to_owned() } else { format!("f{abi}") })
        .map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    for p in &f.inputs {
        let ty: DynSolType = p.ty.parse().map_err(|e: alloy::dyn_abi::Error| e.to_string())?;
        let v = data.get(&p.name).ok_or_else(|| format!("data lacks {}", p.name))?;
        values.push(coerce(&ty, v)?);
    }
    let encoded = DynSolValue::Tuple(values).abi_encode_params();
    Ok(if named { [f.selector().as_slice(), &encoded].concat() } else { encoded })
}

/// What the Operator's `OracleRequest` log carries for one `PxSync` request.
struct Log {
    request_id: B256,
    payment: U256,
    callback: Address,
    expiration: U256,
}

/// Runs the spec's pipeline after `decode_log`: CBOR params -> bridge -> jsonparse ->
/// `encode_data` -> `encode_tx`. Returns the adapter answer, `encode_data` and `encode_tx`.
async fn run_pipeline(
    state: std::sync::Arc<AppState>,
    key: &BtnsKey,
    log: &Log,
) -> (Value, Result<Vec<u8>, String>, Result<Vec<u8>, String>) {
    let spec: toml::Table = JOB_SPEC.parse().unwrap();
    let t = tasks(spec["observationSource"].as_str().unwrap());
    let external_job_id = spec["externalJobID"].as_str().unwrap();
    // cborparse yields the request's text strings (wire formats, "CBOR parameters").
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("jobSpec.externalJobID", json!(external_job_id).to_string()),
        ("decode_cbor.btnsKey", json!(key.to_hex()).to_string()),
        ("decode_cbor.tokenId", json!("7").to_string()),
        ("decode_cbor.contract", json!(format!("{CORE:#x}")).to_string()),
        ("decode_cbor.chainId", json!(CHAIN_ID.to_string()).to_string()),
    ]);
    assert_eq!(t["fetch"]["type"], "bridge");
    assert_eq!(t["fetch"]["name"], "px-oracle-adapter");
    let request: Value = serde_json::from_str(&fill(&t["fetch"]["requestData"], &vars)).unwrap();
    let (status, _, answer) = post(app(state), &request).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["jobRunID"], external_job_id);
    for (name, task) in &t {
        if task["type"] == "jsonparse" {
            let mut v = &answer;
            for part in task["path"].split(',') {
                v = &v[part];
            }
            assert!(!v.is_null(), "{name}: no {} in {answer}", task["path"]);
            vars.insert(name.as_str(), v.to_string());
        }
    }
    vars.insert("decode_log.requestId", json!(log.request_id.to_string()).to_string());
    vars.insert("decode_log.payment", json!(log.payment.to_string()).to_string());
    vars.insert("decode_log.callbackAddr", json!(log.callback.to_string()).to_string());
    vars.insert(
        "decode_log.callbackFunctionId",
        json!(alloy::hex::encode_prefixed(fulfillSyncCall::SELECTOR)).to_string(),
    );
    vars.insert("decode_log.cancelExpiration", json!(log.expiration.to_string()).to_string());
    let data: Value = serde_json::from_str(&fill(&t["encode_data"]["data"], &vars)).unwrap();
    let encode_data = ethabiencode(&t["encode_data"]["abi"], &data);
    let encode_tx = encode_data.clone().and_then(|bytes| {
        vars.insert("encode_data", json!(alloy::hex::encode_prefixed(bytes)).to_string());
        let data: Value = serde_json::from_str(&fill(&t["encode_tx"]["data"], &vars)).unwrap();
        ethabiencode(&t["encode_tx"]["abi"], &data)
    });
    (answer, encode_data, encode_tx)
}

fn log() -> Log {
    Log {
        request_id: keccak256(b"PxSync request 1"),
        payment: U256::from(10u64).pow(U256::from(17)),
        callback: Address::repeat_byte(0x5c),
        expiration: U256::from(1_764_000_300u64),
    }
}

async fn published(
    node: &IpfsNode,
    name: &str,
    sequence: u64,
) -> (BtnsKey, EncodedDocument, std::sync::Arc<AppState>) {
    let key: BtnsKey = node.key_gen(name).await.unwrap().parse().unwrap();
    let doc = document(&key, 7, sequence);
    let cid = node.add_raw(doc.bytes.clone()).await.unwrap();
    node.publish(name, &cid).await.unwrap();
    let mut c = Config::for_node(node.api_url(), "/api/v0");
    c.resolve_nocache = false;
    (key, doc, AppState::from_config(&c).unwrap())
}

#[tokio::test]
async fn job_encodes_the_adapter_answer_into_fulfill_sync_calldata() {
    let (key, doc, state) = published(IpfsNode::shared(), "job-spec", 9).await;
    let log = log();
    let (answer, encode_data, encode_tx) = run_pipeline(state, &key, &log).await;
    let encode_data = encode_data.unwrap();
    // The Operator calls the callback with abi.encodePacked(callbackFunctionId, data).
    let calldata = [fulfillSyncCall::SELECTOR.as_slice(), &encode_data].concat();
    let call = fulfillSyncCall::abi_decode(&calldata).unwrap();
    let d = &doc.document;
    assert_eq!(call.requestId, log.request_id);
    assert_eq!(call.sequence, d.sequence);
    assert_eq!(call.usedBytes, d.used_bytes);
    assert_eq!(call.uploadCount, d.upload_count);
    assert_eq!(call.metadataDigest, doc.cid.digest());
    assert_eq!((call.v, call.r, call.s), (d.signature.v(), d.signature.r(), d.signature.s()));
    assert_eq!(answer["result"], format!("{:#x}", call.metadataDigest));
    // What PxSync checks: (v, r, s) over the report rebuilt from the call recovers the signer.
    let sig = alloy::primitives::Signature::from_scalars_and_parity(call.r, call.s, call.v == 28);
    let hash = d.report().signing_hash();
    assert_eq!(sig.recover_address_from_prehash(&hash).unwrap(), signer().address());

    // The transaction: fulfillOracleRequest2 whose data's first word is the requestId.
    let tx = encode_tx.unwrap();
    let f = Function::parse("fulfillOracleRequest2(bytes32,uint256,address,bytes4,uint256,bytes)")
        .unwrap();
    assert_eq!(tx[..4], f.selector()[..]);
    let args = f.abi_decode_input(&tx[4..]).unwrap();
    assert_eq!(args[0], DynSolValue::FixedBytes(log.request_id, 32));
    assert_eq!(args[2], DynSolValue::Address(log.callback));
    assert_eq!(
        args[3],
        DynSolValue::FixedBytes(
            FixedBytes::<32>::right_padding_from(&fulfillSyncCall::SELECTOR),
            4
        )
    );
    let DynSolValue::Bytes(inner) = &args[5] else { panic!("data is not bytes") };
    assert_eq!(inner[..32], log.request_id[..]);
    assert_eq!(inner.as_slice(), encode_data.as_slice());
}

#[tokio::test]
async fn encoding_fails_like_chainlink_when_a_value_does_not_fit_its_abi_type() {
    // A negative beside the positive: the job's types are enforced, as the node's
    // ethabiencode would (ErrOverflow / incorrect length), not truncated.
    let t = tasks(JOB_SPEC.parse::<toml::Table>().unwrap()["observationSource"].as_str().unwrap());
    let abi = &t["encode_data"]["abi"];
    let good = json!({"requestId": B256::ZERO.to_string(), "sequence": "1", "usedBytes": "0", "uploadCount": "0",
        "metadataDigest": B256::ZERO.to_string(), "v": "27", "r": B256::ZERO.to_string(), "s": B256::ZERO.to_string()});
    assert!(ethabiencode(abi, &good).is_ok());
    for (field, value) in [
        ("uploadCount", "4294967296"),
        ("sequence", "18446744073709551616"),
        ("v", "256"),
        ("r", "0x1234"),
    ] {
        let mut bad = good.clone();
        bad[field] = value.into();
        assert!(ethabiencode(abi, &bad).is_err(), "{field} = {value}");
    }
}

#[test]
fn job_declares_fulfill_sync_types_and_a_gas_limit_above_the_operator_floor() {
    let spec: toml::Table = JOB_SPEC.parse().unwrap();
    assert_eq!(spec["type"].as_str(), Some("directrequest"));
    let t = tasks(spec["observationSource"].as_str().unwrap());
    // The encode_data types, in order, are fulfillSync's (after the selector).
    let f = Function::parse(&format!("fulfillSync{}", t["encode_data"]["abi"])).unwrap();
    assert_eq!(f.selector(), fulfillSyncCall::SELECTOR);
    let gas: u64 = t["submit_tx"]["gasLimit"].parse().unwrap();
    // 400,000 forwarded to the callback at least, plus the Operator's own execution.
    assert!(gas >= 400_000 + 100_000, "gasLimit {gas}");
    assert_eq!(t["submit_tx"]["type"], "ethtx");
    assert_eq!(t["submit_tx"]["to"], spec["contractAddress"].as_str().unwrap());
}
