//! Registration management over the memory chain and a real IPFS node: key allocation with the
//! registrar's `MintAuthorization`, binding after `mintWithKey`, `registerBtnsKey` for keyless
//! tokens (on demand and by the mint watcher), sequence 1, idempotence.

mod common;

use alloy::{
    primitives::{Address, Signature, U256},
    signers::local::PrivateKeySigner,
    sol_types::SolStruct,
};
use axum::http::StatusCode;
use common::{CHAIN_ID, Harness, MIB, STOREFRONT};
use px_abi::eip712::{MintAuthorization, domain};
use serde_json::{Value, json};

async fn allocate(h: &Harness, token: &str, plan: u64) -> Value {
    let (status, body) = h.post("/v1/keys", Some(token), json!({"planId": plan.to_string()})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn allocates_a_key_with_a_mint_authorization_the_registrar_signed() {
    let h = Harness::new();
    let minter = PrivateKeySigner::random();
    let token = h.sign_in(&minter).await;
    let a = allocate(&h, &token, 1).await;
    let key: px_metadata::BtnsKey = a["btnsKey"].as_str().unwrap().parse().unwrap();
    assert_eq!(a["btnsKeyHex"], key.to_hex());
    assert_eq!(a["storefront"], format!("{STOREFRONT:#x}"));
    let deadline: u64 = a["deadline"].as_str().unwrap().parse().unwrap();
    assert!(deadline > u64::try_from(px_metadata::Timestamp::now().unix()).unwrap());
    let message = MintAuthorization {
        minter: minter.address(),
        planId: U256::from(1),
        btnsKey: key.to_bytes(),
        deadline: U256::from(deadline),
    };
    let hash = message.eip712_signing_hash(&domain(CHAIN_ID, STOREFRONT));
    let sig_bytes = alloy::hex::decode(a["signature"].as_str().unwrap()).unwrap();
    assert_eq!(sig_bytes.len(), 65);
    assert!(matches!(sig_bytes[64], 27 | 28), "v as Solidity's ecrecover takes it");
    let sig = Signature::try_from(sig_bytes.as_slice()).unwrap();
    assert_eq!(sig.recover_address_from_prehash(&hash).unwrap(), h.registrar.address());
    // The same request again: the same key and authorization, no second key.
    assert_eq!(allocate(&h, &token, 1).await, a);
    // Another plan is another mint: another key.
    assert_ne!(allocate(&h, &token, 2).await["btnsKey"], a["btnsKey"]);
}

#[tokio::test]
async fn binds_a_token_minted_with_its_key_publishes_sequence_1_and_then_allocates_afresh() {
    let h = Harness::new();
    let minter = PrivateKeySigner::random();
    let token = h.sign_in(&minter).await;
    let a = allocate(&h, &token, 1).await;
    let key: px_metadata::BtnsKey = a["btnsKey"].as_str().unwrap().parse().unwrap();
    let id = h.chain.mint(minter.address(), MIB, 50, key.as_bytes());
    let (status, body) = h.post(&format!("/v1/registrations/{id}"), None, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["sequence"], "1");
    assert_eq!(body["btnsKey"], a["btnsKey"]);
    assert_eq!(body["published"], true);
    let d = h.published(id).await.document;
    assert_eq!(
        (d.sequence, d.used_bytes, d.upload_count, d.quota_bytes, d.upload_limit),
        (1, 0, 0, MIB, 50)
    );
    assert_eq!(d.btns_key, key);
    assert_eq!(h.chain.registrations(), 0, "the key came with the mint");
    // The key is spent: the next allocation for the same plan is a new key.
    assert_ne!(allocate(&h, &token, 1).await["btnsKey"], a["btnsKey"]);
}

#[tokio::test]
async fn registers_a_keyless_token_once_however_often_asked() {
    let h = Harness::new();
    let owner = Address::repeat_byte(0x42);
    let id = h.chain.mint(owner, MIB, 25, &[]);
    let path = format!("/v1/registrations/{id}");
    let (status, first) = h.post(&path, None, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = h.post(&path, None, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first, again);
    assert_eq!(h.chain.registrations(), 1, "one registerBtnsKey");
    let state = h.node.state();
    let on_chain = px_node::chain::Chain::token(&*h.chain, id).await.unwrap().unwrap();
    assert_eq!(
        alloy::hex::encode_prefixed(&on_chain.btns_key),
        first["btnsKeyHex"].as_str().unwrap()
    );
    assert_eq!(h.published(id).await.document.sequence, 1);
    assert_eq!(state.tokens.journal().tokens().unwrap().len(), 1);
}

#[tokio::test]
async fn error_when_registering_a_missing_token_a_foreign_key_or_one_with_history() {
    let h = Harness::new();
    assert_eq!(h.post("/v1/registrations/77", None, Value::Null).await.0, StatusCode::NOT_FOUND);
    assert_eq!(h.post("/v1/registrations/x", None, Value::Null).await.0, StatusCode::BAD_REQUEST);
    let foreign = h.chain.mint(Address::repeat_byte(1), MIB, 5, &{
        let mut k = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
        k.extend_from_slice(&[9; 32]);
        k
    });
    let (status, body) = h.post(&format!("/v1/registrations/{foreign}"), None, Value::Null).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let synced = h.chain.mint(Address::repeat_byte(1), MIB, 5, &[]);
    h.chain.apply_usage(synced, 4, 10, 1, alloy::primitives::B256::repeat_byte(1));
    let (status, body) = h.post(&format!("/v1/registrations/{synced}"), None, Value::Null).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(h.chain.registrations(), 0);
}

#[tokio::test]
async fn watcher_registers_minted_tokens_and_skips_other_nodes_tokens() {
    let h = Harness::new();
    let first = h.chain.mint(Address::repeat_byte(1), MIB, 5, &[]);
    let mut foreign_key = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    foreign_key.extend_from_slice(&[7; 32]);
    let foreign = h.chain.mint(Address::repeat_byte(2), MIB, 5, &foreign_key);
    let third = h.chain.mint(Address::repeat_byte(3), MIB, 5, &[]);
    let reg = h.node.state().registration.clone();
    assert_eq!(reg.watch_once().await.unwrap(), 2);
    let journal = h.node.state().tokens.journal().tokens().unwrap();
    let served: Vec<U256> = journal.iter().map(|(id, _)| *id).collect();
    assert_eq!(served, vec![first, third]);
    assert!(!served.contains(&foreign));
    assert_eq!(reg.watch_once().await.unwrap(), 0, "the cursor moved past them");
    let later = h.chain.mint(Address::repeat_byte(4), MIB, 5, &[]);
    assert_eq!(reg.watch_once().await.unwrap(), 1);
    assert_eq!(h.published(later).await.document.sequence, 1);
    assert_eq!(h.chain.registrations(), 3);
}

#[tokio::test]
async fn error_when_a_key_request_has_no_session_or_a_bad_plan() {
    let h = Harness::new();
    assert_eq!(h.post("/v1/keys", None, json!({"planId": "1"})).await.0, StatusCode::UNAUTHORIZED);
    let token = h.sign_in(&PrivateKeySigner::random()).await;
    assert_eq!(
        h.post("/v1/keys", Some(&token), json!({"planId": "-1"})).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        h.post("/v1/keys", Some(&token), json!({"plan": "1"})).await.0,
        StatusCode::BAD_REQUEST
    );
}

/// Finding 4 of issue 15: `POST /v1/keys` took any decimal `planId`, and every new one cost a
/// keystore key, a journal entry and a registrar signature. Now only the storefront's existing,
/// active plans get keys (a served node and the real IPFS keystore).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allocating_keys_for_plans_that_do_not_exist_or_are_off_sale_creates_nothing() {
    let h = Harness::new();
    let url = h.serve().await;
    let minter = PrivateKeySigner::random();
    let mut client = px_node_api::NodeClient::new(&url);
    client.sign_in(&minter).await.unwrap();
    // The key name an allocation would take (deterministic, see registration.rs).
    let key_made = |plan: u64| {
        let name = format!("{}-m-{:x}-{plan}-0", h.settings.key_prefix, minter.address());
        async move { common::storage().key_id(&name).await.unwrap().is_some() }
    };
    for plan in [4u64, 999_999, u64::MAX] {
        let err = client.allocate_key(U256::from(plan)).await.unwrap_err();
        assert_eq!(err.code(), Some(px_node_api::ErrorCode::NotFound), "plan {plan}: {err}");
    }
    h.chain.set_plan(U256::from(2), false);
    let err = client.allocate_key(U256::from(2)).await.unwrap_err();
    assert_eq!(err.code(), Some(px_node_api::ErrorCode::Conflict), "{err}");
    for plan in [4u64, 999_999, u64::MAX, 2] {
        assert!(!key_made(plan).await, "no keystore key for plan {plan}");
    }
    client.allocate_key(U256::from(1)).await.expect("an active plan still gets its key");
    assert!(key_made(1).await);
}
