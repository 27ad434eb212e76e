//! The oracle adapter accepts what the node publishes: its real request path (resolve the
//! token's BTNS name on the same storage node, fetch, verify digest, schema, signature and
//! subject) answers with the node's latest usage.

mod common;

use std::sync::Arc;

use alloy::signers::local::PrivateKeySigner;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use common::{CHAIN_ID, CORE, Harness, MIB};
use http_body_util::BodyExt;
use px_ipfs_testnode::IpfsNode;
use px_oracle_adapter::{AppState, Config, app};
use serde_json::{Value, json};
use tower::ServiceExt;

fn adapter(trusted: Vec<alloy::primitives::Address>) -> Arc<AppState> {
    let mut c = Config::for_node(IpfsNode::shared().api_url(), "/api/v0");
    c.resolve_nocache = false; // js-ipfs --offline refuses nocache
    c.cache_max_age_ms = 0;
    c.trusted_signers = trusted;
    AppState::from_config(&c).unwrap()
}

async fn ask(state: Arc<AppState>, btns_key_hex: &str, token_id: &str) -> (StatusCode, Value) {
    let body = json!({
        "id": "job-1",
        "data": {
            "btnsKey": btns_key_hex,
            "tokenId": token_id,
            "contract": format!("{CORE:#x}"),
            "chainId": CHAIN_ID.to_string(),
        }
    });
    let res = app(state)
        .oneshot(
            Request::post("/")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn the_adapter_relays_each_head_the_node_publishes() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 10).await;
    let key = h.node.state().tokens.journal().token(id).unwrap().unwrap().btns_key;
    let state = adapter(vec![h.usage_signer.address()]);
    let (status, body) = ask(state.clone(), &key.to_hex(), &id.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["sequence"], "1");

    let token = h.sign_in(&owner).await;
    let (_, up) = h.upload(&token, id, vec![3; 4096]).await;
    let (status, body) = ask(state, &key.to_hex(), &id.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data = &body["data"];
    assert_eq!(data["sequence"], "2");
    assert_eq!(data["usedBytes"], "4096");
    assert_eq!(data["uploadCount"], "1");
    assert_eq!(data["metadataCid"], up["headCid"]);
    assert_eq!(data["signer"], format!("{:#x}", h.usage_signer.address()));
    let digest =
        up["headCid"].as_str().unwrap().parse::<px_metadata::RawBlockCid>().unwrap().digest();
    assert_eq!(data["metadataDigest"], format!("{digest:#x}"));
}

#[tokio::test]
async fn error_when_the_adapter_does_not_trust_the_nodes_signer_or_asks_about_another_token() {
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 10).await;
    let key = h.node.state().tokens.journal().token(id).unwrap().unwrap().btns_key;
    let (status, body) =
        ask(adapter(vec![PrivateKeySigner::random().address()]), &key.to_hex(), &id.to_string())
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "untrusted signer: {body}");
    assert_eq!(body["error"]["name"], "AdapterDocumentError");
    let (status, body) = ask(adapter(vec![h.usage_signer.address()]), &key.to_hex(), "999").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a document about token {id} is not one about 999: {body}"
    );
}
