//! The shared vectors `cre/px-sync/vectors/reports.json`: recorded adapter answers and the
//! report payload (or the refusal) each must give. This test builds them from px-metadata's
//! signed documents and checks px-don's `node::observation` against them; the workflow's own
//! code runs on the same file under the CRE SDK's test runtime (`cre/px-sync/test/`), so the
//! DON stand-in and the workflow produce byte-identical reports, checked in CI.
//!
//! `PX_WRITE_VECTORS=1 cargo test -p px-don --test vectors` rewrites the file; without it the
//! file must equal what this test builds.

use alloy::{
    primitives::{Address, B256, U256, address},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use px_don::{
    listener::SyncRequested,
    node::{SyncRequest, WorkflowConfig, observation},
};
use px_metadata::{BtnsKey, EncodedDocument, Timestamp, UsageDocument, VerifiedDocument};
use px_oracle_adapter::endpoint::UsageAnswer;
use serde_json::{Value, json};

const CHAIN_ID: u64 = 421_614;
const CORE: Address = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const KEY_A: &str = "12D3KooWASxx8dTRtpofWaF4y68fGurkvUbyCRvXBWfPDgU7Je4w";
const KEY_B: &str = "12D3KooWETS5uDxxALmWZjqGfMv7dgi7uojyU8vNCmbYJqyChiZU";

fn signer(hex: &str) -> PrivateKeySigner {
    hex.parse().unwrap()
}

fn usage_signer() -> PrivateKeySigner {
    signer("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
}

fn doc(key: &str, token: u64, sequence: u64, by: &PrivateKeySigner) -> EncodedDocument {
    UsageDocument::builder(CHAIN_ID, CORE, U256::from(token), key.parse().unwrap())
        .sequence(sequence)
        .quota(1 << 30, 50)
        .usage(1000 * sequence + 17, u32::try_from(sequence).unwrap())
        .updated_at(Timestamp::parse("2026-12-04T10:00:00Z").unwrap())
        .sign(by)
        .unwrap()
}

fn answer(d: &EncodedDocument) -> Value {
    serde_json::to_value(UsageAnswer::of(&VerifiedDocument::verify(d.cid, &d.bytes).unwrap()))
        .unwrap()
}

/// The adapter's exact bytes for `d` (wire-format field order).
fn answer_text(d: &EncodedDocument) -> String {
    serde_json::to_string(&UsageAnswer::of(&VerifiedDocument::verify(d.cid, &d.bytes).unwrap()))
        .unwrap()
}

fn request(token: u64, key: &str) -> SyncRequest {
    let key: BtnsKey = key.parse().unwrap();
    SyncRequest {
        token_id: U256::from(token),
        request_id: B256::repeat_byte(0x5a),
        payer: address!("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
        route: 1,
        btns_key: key.to_bytes(),
        tx_hash: B256::ZERO,
        log_index: 0,
        block_number: 0,
    }
}

fn log(r: &SyncRequest) -> Value {
    let event = SyncRequested {
        tokenId: r.token_id,
        requestId: r.request_id,
        payer: r.payer,
        route: r.route,
        btnsKey: r.btns_key.clone(),
    };
    let data = event.encode_log_data();
    json!({
        "topics": data.topics().iter().map(|t| format!("{t:#x}")).collect::<Vec<_>>(),
        "data": format!("0x{}", alloy::hex::encode(&data.data)),
    })
}

fn cases() -> Vec<(&'static str, SyncRequest, String)> {
    let good = doc(KEY_A, 7, 3, &usage_signer());
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut a = answer(&good);
        f(&mut a);
        serde_json::to_string(&a).unwrap()
    };
    let other = signer("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    let req = request(7, KEY_A);
    vec![
        ("honest answer", req.clone(), answer_text(&good)),
        (
            "answer about another token",
            req.clone(),
            answer_text(&doc(KEY_A, 8, 3, &usage_signer())),
        ),
        ("answer about another key", req.clone(), answer_text(&doc(KEY_B, 7, 3, &usage_signer()))),
        ("edited usage", req.clone(), edit(&|a| a["usedBytes"] = "1".into())),
        (
            "checksummed contract",
            req.clone(),
            edit(&|a| a["contract"] = CORE.to_checksum(None).into()),
        ),
        ("non-canonical decimal", req.clone(), edit(&|a| a["sequence"] = "03".into())),
        (
            "CID not carrying the digest",
            req.clone(),
            edit(&|a| a["metadataDigest"] = format!("{:#x}", B256::repeat_byte(1)).into()),
        ),
        ("untrusted signer", req, answer_text(&doc(KEY_A, 7, 3, &other))),
    ]
}

/// The refusal fragment both implementations' messages contain, by case.
fn expected_error(name: &str) -> Option<&'static str> {
    match name {
        "honest answer" => None,
        "answer about another token" => Some("tokenId"),
        "answer about another key" => Some("btnsKey"),
        "edited usage" => Some("recovers to"),
        "checksummed contract" => Some("lowercase"),
        "non-canonical decimal" => Some("canonical decimal"),
        "CID not carrying the digest" => Some("does not carry"),
        _ => Some("not trusted"),
    }
}

fn build() -> Value {
    let config = WorkflowConfig {
        chain_id: CHAIN_ID,
        core: CORE,
        trusted_signers: vec![usage_signer().address()],
    };
    let cases: Vec<Value> = cases()
        .into_iter()
        .map(|(name, req, body)| {
            let result = observation(&config, &req, body.as_bytes());
            let (payload, error) = match (result, expected_error(name)) {
                (Ok(p), None) => (Value::from(format!("0x{}", alloy::hex::encode(p))), Value::Null),
                (Err(e), Some(fragment)) => {
                    assert!(e.to_string().contains(fragment), "{name}: {e} lacks {fragment:?}");
                    (Value::Null, Value::from(fragment))
                }
                (got, want) => panic!("{name}: got {got:?}, expected refusal {want:?}"),
            };
            json!({
                "name": name,
                "log": log(&req),
                "answer": body,
                "payload": payload,
                "error": error,
            })
        })
        .collect();
    json!({
        "comment": "Generated by `PX_WRITE_VECTORS=1 cargo test -p px-don --test vectors`; checked by that test (px-don) and by cre/px-sync/test (the workflow).",
        "config": {
            "chainId": CHAIN_ID,
            "core": format!("{CORE:#x}"),
            "trustedSigners": [format!("{:#x}", usage_signer().address())],
        },
        "cases": cases,
    })
}

#[test]
fn shared_vectors_are_what_px_don_produces() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cre/px-sync/vectors/reports.json");
    let built = serde_json::to_string_pretty(&build()).unwrap() + "\n";
    if std::env::var_os("PX_WRITE_VECTORS").is_some() {
        std::fs::write(&path, &built).unwrap();
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with PX_WRITE_VECTORS=1", path.display()));
    assert_eq!(stored, built, "vectors drifted from px-don; regenerate with PX_WRITE_VECTORS=1");
}
