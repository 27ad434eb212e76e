//! Shared test support: documents signed with anvil's development keys, and request helpers.
#![allow(dead_code, unreachable_pub)]

use alloy::{
    primitives::{Address, U256, address},
    signers::local::PrivateKeySigner,
};
use axum::{Router, body::Body, http::Request};
use http_body_util::BodyExt;
use px_metadata::{BtnsKey, EncodedDocument, Timestamp, UsageDocument};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const CHAIN_ID: u64 = 42161;
pub const CORE: Address = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");

/// The usage signer (anvil key 0).
pub fn signer() -> PrivateKeySigner {
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse().unwrap()
}

/// Someone else (anvil key 1).
pub fn other_signer() -> PrivateKeySigner {
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d".parse().unwrap()
}

/// A signed document for `token` under `key` with `sequence`.
pub fn document(key: &BtnsKey, token: u64, sequence: u64) -> EncodedDocument {
    UsageDocument::builder(CHAIN_ID, CORE, U256::from(token), key.clone())
        .sequence(sequence)
        .quota(1 << 30, 50)
        .usage(1000 * sequence, u32::try_from(sequence).unwrap())
        .updated_at(Timestamp::parse("2026-11-25T10:00:00Z").unwrap())
        .sign(&signer())
        .unwrap()
}

/// The EA request body the bridge sends for `token` under `key`.
pub fn request(job: &str, key: &BtnsKey, token: u64) -> Value {
    json!({
        "id": job,
        "data": {
            "btnsKey": key.to_hex(),
            "tokenId": token.to_string(),
            "contract": format!("{CORE:#x}"),
            "chainId": CHAIN_ID.to_string(),
        },
        "meta": {},
    })
}

/// POSTs `body` to `/` of `app`; returns status, Retry-After and the JSON answer.
pub async fn post(app: Router, body: &Value) -> (u16, Option<String>, Value) {
    post_raw(app, serde_json::to_vec(body).unwrap()).await
}

/// POSTs raw bytes to `/`.
pub async fn post_raw(app: Router, body: Vec<u8>) -> (u16, Option<String>, Value) {
    let req = Request::post("/")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = app.oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// GETs `path` of `app`; returns status and body text.
pub async fn get(app: Router, path: &str) -> (u16, String) {
    let res = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Asserts an EA error body: status, jobRunID echoed, error name, message fragment.
pub fn assert_ea_error(
    got: &(u16, Option<String>, Value),
    status: u16,
    job: &str,
    name: &str,
    fragment: &str,
) {
    let (s, _, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(body["jobRunID"], job, "{body}");
    assert_eq!(body["status"], "errored", "{body}");
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["error"]["name"], name, "{body}");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(fragment), "message {msg:?} lacks {fragment:?}");
}

/// Asserts a success body relays `doc` exactly.
pub fn assert_relays(got: &(u16, Option<String>, Value), job: &str, doc: &EncodedDocument) {
    let (s, _, body) = got;
    assert_eq!(*s, 200, "{body}");
    let d = &doc.document;
    let digest = format!("{:#x}", doc.cid.digest());
    assert_eq!(body["jobRunID"], job);
    assert_eq!(body["statusCode"], 200);
    assert_eq!(body["result"], digest);
    let data = &body["data"];
    assert_eq!(data["result"], digest);
    assert_eq!(data["metadataDigest"], digest);
    assert_eq!(data["metadataCid"], doc.cid.to_string());
    assert_eq!(data["sequence"], d.sequence.to_string());
    assert_eq!(data["usedBytes"], d.used_bytes.to_string());
    assert_eq!(data["uploadCount"], d.upload_count.to_string());
    assert_eq!(data["quotaBytes"], d.quota_bytes.to_string());
    assert_eq!(data["signer"], format!("{:#x}", d.signer));
    assert_eq!(data["v"], d.signature.v().to_string());
    assert_eq!(data["r"], format!("{:#x}", d.signature.r()));
    assert_eq!(data["s"], format!("{:#x}", d.signature.s()));
    assert_eq!(data.as_object().unwrap().len(), 11, "{data}");
}

/// The `GET /usage` path asking about `token` under `key`.
pub fn usage_path(key: &BtnsKey, token: u64) -> String {
    format!("/usage?btnsKey={}&tokenId={token}&contract={CORE:#x}&chainId={CHAIN_ID}", key.to_hex())
}

/// The subject `usage_path` asks about.
pub fn subject(key: &BtnsKey, token: u64) -> px_metadata::Subject {
    px_metadata::Subject {
        chain_id: CHAIN_ID,
        contract: CORE,
        token_id: U256::from(token),
        btns_key: key.clone(),
    }
}
