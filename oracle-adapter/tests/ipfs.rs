//! The adapter against a real IPFS node (js-ipfs 0.66.1 on loopback, `/api/v0`), with keys
//! made and documents published through the node's own `key/gen`, `add` and `name/publish`.
//! Needs `scripts/setup.sh ipfs`.

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use common::*;
use px_ipfs_testnode::IpfsNode;
use px_metadata::BtnsKey;
use px_oracle_adapter::{AppState, Config, app, server::Server};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
};

/// A key made by the node, as the node prints it and parsed.
async fn new_key(node: &IpfsNode, name: &str) -> BtnsKey {
    let id = node.key_gen(name).await.unwrap();
    assert!(id.starts_with("12D3KooW"), "{id}");
    id.parse().unwrap()
}

/// Adds `bytes` as one raw block and publishes it under `key_name`.
async fn publish(node: &IpfsNode, key_name: &str, bytes: Vec<u8>) -> String {
    let cid = node.add_raw(bytes).await.unwrap();
    node.publish(key_name, &cid).await.unwrap();
    cid
}

fn config_for(api_url: &str) -> Config {
    let mut c = Config::for_node(api_url, "/api/v0");
    c.resolve_nocache = false; // js-ipfs --offline refuses nocache
    c.cache_max_age_ms = 0; // every request goes to the node
    c
}

fn adapter(node: &IpfsNode) -> Arc<AppState> {
    AppState::from_config(&config_for(node.api_url())).unwrap()
}

#[tokio::test]
async fn relays_a_document_published_through_the_real_node() {
    let node = IpfsNode::shared();
    let key = new_key(node, "relay").await;
    let doc = document(&key, 7, 1);
    let cid = publish(node, "relay", doc.bytes.clone()).await;
    // The node's CID is the one the digest rule predicts.
    assert_eq!(cid, doc.cid.to_string());
    let got = post(app(adapter(node)), &request("job-1", &key, 7)).await;
    assert_relays(&got, "job-1", &doc);
}

#[tokio::test]
async fn missing_record_is_404() {
    let node = IpfsNode::shared();
    let key = new_key(node, "never-published").await;
    let got = post(app(adapter(node)), &request("j", &key, 7)).await;
    assert_ea_error(&got, 404, "j", "AdapterNotFoundError", &key.to_base58());
}

#[tokio::test]
async fn garbage_document_is_422() {
    let node = IpfsNode::shared();
    let key = new_key(node, "garbage").await;
    publish(node, "garbage", b"definitely { not a usage document".to_vec()).await;
    let got = post(app(adapter(node)), &request("j", &key, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "invalid usage document");
}

#[tokio::test]
async fn oversize_document_is_422_and_one_within_the_cap_is_relayed() {
    let node = IpfsNode::shared();
    let key = new_key(node, "oversize").await;
    let doc = document(&key, 7, 1);
    publish(node, "oversize", doc.bytes.clone()).await;
    let mut c = config_for(node.api_url());
    c.max_document_bytes = doc.bytes.len() - 1;
    let got = post(app(AppState::from_config(&c).unwrap()), &request("j", &key, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "larger than");
    c.max_document_bytes = doc.bytes.len();
    let got = post(app(AppState::from_config(&c).unwrap()), &request("j", &key, 7)).await;
    assert_relays(&got, "j", &doc);
}

#[tokio::test]
async fn document_not_stored_as_one_raw_block_is_422() {
    let node = IpfsNode::shared();
    let key = new_key(node, "dag-pb").await;
    let cid = node.add_default(document(&key, 7, 1).bytes).await.unwrap();
    assert!(cid.starts_with("Qm"), "{cid}");
    node.publish("dag-pb", &cid).await.unwrap();
    let got = post(app(adapter(node)), &request("j", &key, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "not a single raw block");
}

#[tokio::test]
async fn document_for_another_token_is_422() {
    let node = IpfsNode::shared();
    let key = new_key(node, "wrong-token").await;
    publish(node, "wrong-token", document(&key, 8, 1).bytes).await;
    let got = post(app(adapter(node)), &request("j", &key, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "tokenId 8");
}

#[tokio::test]
async fn document_with_a_forged_signer_is_422() {
    let node = IpfsNode::shared();
    let key = new_key(node, "wrong-signer").await;
    let mut forged: serde_json::Value =
        serde_json::from_slice(&document(&key, 7, 1).bytes).unwrap();
    forged["signer"] = format!("{:#x}", other_signer().address()).into();
    publish(node, "wrong-signer", serde_json::to_vec(&forged).unwrap()).await;
    let got = post(app(adapter(node)), &request("j", &key, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "signature recovers to");
}

#[tokio::test]
async fn document_signed_by_an_untrusted_signer_is_422_when_an_allow_list_is_set() {
    let node = IpfsNode::shared();
    let key = new_key(node, "untrusted").await;
    publish(node, "untrusted", document(&key, 7, 1).bytes).await;
    let mut c = config_for(node.api_url());
    c.trusted_signers = vec![other_signer().address()];
    let got = post(app(AppState::from_config(&c).unwrap()), &request("j", &key, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "TRUSTED_SIGNERS");
}

#[tokio::test]
async fn older_sequence_republished_is_relayed_as_published() {
    // The adapter reports what the name points at; PxSync rejects the stale sequence on-chain.
    let node = IpfsNode::shared();
    let key = new_key(node, "rollback").await;
    let state = adapter(node);
    let newer = document(&key, 7, 5);
    publish(node, "rollback", newer.bytes.clone()).await;
    assert_relays(&post(app(Arc::clone(&state)), &request("j", &key, 7)).await, "j", &newer);
    let older = document(&key, 7, 3);
    publish(node, "rollback", older.bytes.clone()).await;
    let got = post(app(state), &request("j", &key, 7)).await;
    assert_relays(&got, "j", &older);
    assert_eq!(got.2["data"]["sequence"], "3");
}

#[tokio::test]
async fn concurrent_requests_for_one_name_make_one_upstream_resolve() {
    let node = IpfsNode::shared();
    let key = new_key(node, "coalesce").await;
    let doc = document(&key, 7, 1);
    publish(node, "coalesce", doc.bytes.clone()).await;
    let mut c = config_for(node.api_url());
    c.cache_max_age_ms = 3_000;
    let state = AppState::from_config(&c).unwrap();
    let body = request("j", &key, 7);
    let answers =
        futures::future::join_all((0..16).map(|_| post(app(Arc::clone(&state)), &body))).await;
    for got in &answers {
        assert_relays(got, "j", &doc);
    }
    let text = state.metrics.render();
    assert!(
        text.contains(r#"px_adapter_upstream_request_duration_seconds_count{command="name/resolve",outcome="ok"} 1"#),
        "{text}"
    );
    assert!(text.contains("px_adapter_cache_misses_total 1"), "{text}");
}

/// Forwards loopback connections to `target`, holding each one for `delay` first: a slow node.
async fn slow_proxy(target: String, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if let Ok(mut outbound) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
                let _ = inbound.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn node_slower_than_api_timeout_is_504_and_within_it_is_relayed() {
    let node = IpfsNode::shared();
    let key = new_key(node, "slow").await;
    let doc = document(&key, 7, 1);
    publish(node, "slow", doc.bytes.clone()).await;
    let target = node.api_url().trim_start_matches("http://").to_owned();
    let slow = slow_proxy(target, Duration::from_millis(400)).await;
    let mut c = config_for(&slow);
    c.api_timeout_ms = 300;
    let got = post(app(AppState::from_config(&c).unwrap()), &request("j", &key, 7)).await;
    assert_ea_error(&got, 504, "j", "AdapterTimeoutError", "300 ms");
    c.api_timeout_ms = 5_000;
    let got = post(app(AppState::from_config(&c).unwrap()), &request("j", &key, 7)).await;
    assert_relays(&got, "j", &doc);
}

#[tokio::test]
async fn stopped_node_is_502_and_not_ready() {
    let node = tokio::task::spawn_blocking(IpfsNode::start).await.unwrap().unwrap();
    let key = new_key(&node, "stopped").await;
    publish(&node, "stopped", document(&key, 7, 1).bytes).await;
    let state = adapter(&node);
    assert_eq!(post(app(Arc::clone(&state)), &request("j", &key, 7)).await.0, 200);
    assert_eq!(get(app(Arc::clone(&state)), "/ready").await.0, 200);
    tokio::task::spawn_blocking(move || drop(node)).await.unwrap();
    let got = post(app(Arc::clone(&state)), &request("j", &key, 7)).await;
    assert_ea_error(&got, 502, "j", "AdapterConnectionError", "refused");
    assert_eq!(get(app(state), "/ready").await.0, 503);
}

#[tokio::test]
async fn server_serves_both_ports_and_drains_in_flight_requests_on_shutdown() {
    let node = IpfsNode::shared();
    let key = new_key(node, "server").await;
    let doc = document(&key, 7, 1);
    publish(node, "server", doc.bytes.clone()).await;
    // A slow node keeps the request in flight while shutdown starts.
    let target = node.api_url().trim_start_matches("http://").to_owned();
    let mut c = config_for(&slow_proxy(target, Duration::from_secs(2)).await);
    c.host = "127.0.0.1".parse().unwrap();
    c.port = 0;
    c.metrics_port = 0;
    let server = Server::bind(&c).await.unwrap();
    let api = server.api_addr().unwrap();
    let metrics = server.metrics_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = stop_rx.await;
    }));
    let http = reqwest::Client::new();
    let health = http.get(format!("http://{api}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let body = request("in-flight", &key, 7);
    let in_flight = tokio::spawn({
        let http = http.clone();
        async move {
            let res = http.post(format!("http://{api}/")).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<serde_json::Value>().await.unwrap())
        }
    });
    // Poll (not a fixed sleep: CI machines are busy) until the request is in flight.
    let polled = Instant::now();
    loop {
        let text = http
            .get(format!("http://{metrics}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("px_adapter_requests_in_flight 1") {
            break;
        }
        assert!(polled.elapsed() < Duration::from_millis(1_500), "never in flight: {text}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop_tx.send(()).unwrap();
    let (status, answer) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["metadataCid"], doc.cid.to_string());
    tokio::time::timeout(Duration::from_secs(5), running).await.unwrap().unwrap().unwrap();
    assert!(TcpStream::connect(api).await.is_err(), "still accepting after shutdown");
}
