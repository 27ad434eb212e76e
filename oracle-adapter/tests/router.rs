//! The router through `oneshot`, over an in-memory storage node (the real node is exercised
//! in `ipfs.rs`). One test per failure mapping, each beside a positive.

mod common;

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use common::*;
use px_metadata::{BtnsKey, RawBlockCid};
use px_oracle_adapter::{
    AdapterError, AppState, Config, app,
    endpoint::UsageAnswer,
    metrics::Metrics,
    metrics_app,
    transport::{BoxFuture, StorageNode},
};
use tokio::time::Instant;

const KEY_A: &str = "12D3KooWASxx8dTRtpofWaF4y68fGurkvUbyCRvXBWfPDgU7Je4w";
const KEY_B: &str = "12D3KooWETS5uDxxALmWZjqGfMv7dgi7uojyU8vNCmbYJqyChiZU";

fn key(s: &str) -> BtnsKey {
    s.parse().unwrap()
}

/// What the fake node holds for a name.
#[derive(Clone)]
enum Entry {
    /// Published: the CID the name points at and the bytes served for it.
    Block(RawBlockCid, Vec<u8>),
    /// The node is down.
    Down,
}

#[derive(Default)]
struct FakeNode {
    names: Mutex<HashMap<BtnsKey, Entry>>,
    delay: Mutex<Duration>,
    resolves: AtomicUsize,
    up: Mutex<bool>,
}

impl FakeNode {
    fn new() -> Arc<Self> {
        let n = Arc::new(Self::default());
        *n.up.lock().unwrap() = true;
        n
    }
    fn publish(&self, key: &BtnsKey, bytes: Vec<u8>) {
        self.names
            .lock()
            .unwrap()
            .insert(key.clone(), Entry::Block(RawBlockCid::of(&bytes), bytes));
    }
    fn publish_at(&self, key: &BtnsKey, cid: RawBlockCid, bytes: Vec<u8>) {
        self.names.lock().unwrap().insert(key.clone(), Entry::Block(cid, bytes));
    }
}

impl StorageNode for FakeNode {
    fn resolve<'a>(
        &'a self,
        key: &'a BtnsKey,
        _: Instant,
    ) -> BoxFuture<'a, Result<RawBlockCid, AdapterError>> {
        Box::pin(async move {
            self.resolves.fetch_add(1, Ordering::SeqCst);
            let delay = *self.delay.lock().unwrap();
            tokio::time::sleep(delay).await;
            match self.names.lock().unwrap().get(key) {
                None => Err(AdapterError::NameNotFound(key.to_base58())),
                Some(Entry::Down) => Err(AdapterError::Unreachable("Connection refused".into())),
                Some(Entry::Block(cid, _)) => Ok(*cid),
            }
        })
    }
    fn cat<'a>(
        &'a self,
        cid: &'a RawBlockCid,
        max: usize,
        _: Instant,
    ) -> BoxFuture<'a, Result<Vec<u8>, AdapterError>> {
        Box::pin(async move {
            let names = self.names.lock().unwrap();
            let bytes = names
                .values()
                .find_map(|e| match e {
                    Entry::Block(c, b) if c == cid => Some(b.clone()),
                    _ => None,
                })
                .ok_or_else(|| AdapterError::Upstream("no such block".into()))?;
            if bytes.len() > max {
                return Err(AdapterError::Document(format!(
                    "document is larger than the {max}-byte limit"
                )));
            }
            Ok(bytes)
        })
    }
    fn ping(&self, _: Instant) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            if *self.up.lock().unwrap() {
                Ok(())
            } else {
                Err(AdapterError::Unreachable("down".into()))
            }
        })
    }
}

fn config() -> Config {
    Config::for_node("http://unused", "/api/v0")
}

fn state_with(node: &Arc<FakeNode>, config: &Config) -> Arc<AppState> {
    AppState::new(config, Arc::clone(node) as Arc<dyn StorageNode>, Arc::new(Metrics::default()))
}

fn setup() -> (Arc<FakeNode>, Arc<AppState>) {
    let node = FakeNode::new();
    let state = state_with(&node, &config());
    (node, state)
}

#[tokio::test]
async fn relays_the_signed_report_with_job_run_id_echoed() {
    let (node, state) = setup();
    let doc = document(&key(KEY_A), 7, 3);
    node.publish(&key(KEY_A), doc.bytes.clone());
    let got = post(app(state), &request("job-42", &key(KEY_A), 7)).await;
    assert_relays(&got, "job-42", &doc);
}

#[tokio::test]
async fn malformed_request_is_400_with_job_run_id_echoed() {
    let (_, state) = setup();
    let mut body = request("job-1", &key(KEY_A), 7);
    body["data"]["tokenId"] = "seven".into();
    assert_ea_error(
        &post(app(Arc::clone(&state)), &body).await,
        400,
        "job-1",
        "AdapterInputError",
        "tokenId",
    );
    body["data"] = serde_json::json!({});
    assert_ea_error(
        &post(app(Arc::clone(&state)), &body).await,
        400,
        "job-1",
        "AdapterInputError",
        "btnsKey",
    );
    let got = post_raw(app(state), b"{not json".to_vec()).await;
    assert_ea_error(&got, 400, "1", "AdapterInputError", "not an adapter request");
}

#[tokio::test]
async fn oversized_request_body_is_400() {
    let (_, state) = setup();
    let got = post_raw(app(state), vec![b' '; 64 * 1024]).await;
    assert_eq!(got.0, 400, "{}", got.2);
    assert_eq!(got.2["error"]["name"], "AdapterInputError");
}

#[tokio::test]
async fn unpublished_name_is_404() {
    let (_, state) = setup();
    let got = post(app(state), &request("j", &key(KEY_A), 7)).await;
    assert_ea_error(&got, 404, "j", "AdapterNotFoundError", KEY_A);
}

#[tokio::test]
async fn unreachable_node_is_502() {
    let (node, state) = setup();
    node.names.lock().unwrap().insert(key(KEY_A), Entry::Down);
    let got = post(app(state), &request("j", &key(KEY_A), 7)).await;
    assert_ea_error(&got, 502, "j", "AdapterConnectionError", "Connection refused");
}

#[tokio::test(start_paused = true)]
async fn node_slower_than_api_timeout_is_504() {
    let node = FakeNode::new();
    let mut c = config();
    c.api_timeout_ms = 500;
    let state = state_with(&node, &c);
    node.publish(&key(KEY_A), document(&key(KEY_A), 7, 1).bytes);
    *node.delay.lock().unwrap() = Duration::from_millis(600);
    let got = post(app(Arc::clone(&state)), &request("j", &key(KEY_A), 7)).await;
    assert_ea_error(&got, 504, "j", "AdapterTimeoutError", "500 ms");
    *node.delay.lock().unwrap() = Duration::from_millis(400);
    assert_eq!(post(app(state), &request("j", &key(KEY_A), 7)).await.0, 200);
}

#[tokio::test]
async fn each_bad_document_is_422_with_its_reason() {
    let a = key(KEY_A);
    let good = document(&a, 7, 1);
    let mut forged_signer: serde_json::Value = serde_json::from_slice(&good.bytes).unwrap();
    forged_signer["signer"] = format!("{:#x}", other_signer().address()).into();
    let mut edited_usage: serde_json::Value = serde_json::from_slice(&good.bytes).unwrap();
    edited_usage["usedBytes"] = "1".into();
    let mut schema2: serde_json::Value = serde_json::from_slice(&good.bytes).unwrap();
    schema2["schema"] = "px-usage/2".into();
    let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
        ("garbage", b"\x00\x01 not json".to_vec(), 7, "invalid usage document"),
        ("wrong schema", serde_json::to_vec(&schema2).unwrap(), 7, "px-usage/1"),
        ("another token", document(&a, 8, 1).bytes, 7, "tokenId 8"),
        ("another key", document(&key(KEY_B), 7, 1).bytes, 7, "names btnsKey"),
        ("forged signer", serde_json::to_vec(&forged_signer).unwrap(), 7, "signature recovers to"),
        ("edited usage", serde_json::to_vec(&edited_usage).unwrap(), 7, "signature recovers to"),
        ("oversize", vec![b' '; (1 << 20) + 1], 7, "larger than"),
    ];
    for (what, bytes, token, fragment) in cases {
        let (node, state) = setup();
        node.publish(&a, bytes);
        let got = post(app(state), &request(what, &a, token)).await;
        assert_ea_error(&got, 422, what, "AdapterDocumentError", fragment);
    }
}

#[tokio::test]
async fn document_for_another_contract_or_chain_is_422() {
    let a = key(KEY_A);
    let (node, state) = setup();
    node.publish(&a, document(&a, 7, 1).bytes);
    let mut body = request("j", &a, 7);
    body["data"]["contract"] = "0x0000000000000000000000000000000000000001".into();
    assert_ea_error(
        &post(app(Arc::clone(&state)), &body).await,
        422,
        "j",
        "AdapterDocumentError",
        "contract",
    );
    let mut body = request("j", &a, 7);
    body["data"]["chainId"] = "1".into();
    assert_ea_error(&post(app(state), &body).await, 422, "j", "AdapterDocumentError", "chainId");
}

#[tokio::test]
async fn bytes_that_do_not_match_the_resolved_cid_are_422() {
    let a = key(KEY_A);
    let (node, state) = setup();
    let doc = document(&a, 7, 1);
    node.publish_at(&a, RawBlockCid::of(b"other"), doc.bytes);
    let got = post(app(state), &request("j", &a, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "hash to");
}

#[tokio::test]
async fn signer_outside_the_allow_list_is_422_and_inside_it_is_relayed() {
    let a = key(KEY_A);
    let doc = document(&a, 7, 1);
    let node = FakeNode::new();
    node.publish(&a, doc.bytes.clone());
    let mut c = config();
    c.trusted_signers = vec![other_signer().address()];
    let got = post(app(state_with(&node, &c)), &request("j", &a, 7)).await;
    assert_ea_error(&got, 422, "j", "AdapterDocumentError", "TRUSTED_SIGNERS");
    c.trusted_signers.push(signer().address());
    assert_relays(&post(app(state_with(&node, &c)), &request("j", &a, 7)).await, "j", &doc);
}

#[tokio::test(start_paused = true)]
async fn overload_is_503_with_retry_after() {
    let node = FakeNode::new();
    let mut c = config();
    c.upstream_concurrency = 1;
    c.max_queued_lookups = 0;
    let state = state_with(&node, &c);
    let (a, b) = (key(KEY_A), key(KEY_B));
    node.publish(&a, document(&a, 7, 1).bytes);
    node.publish(&b, document(&b, 8, 1).bytes);
    *node.delay.lock().unwrap() = Duration::from_millis(100);
    let (req_a, req_b) = (request("a", &a, 7), request("b", &b, 8));
    let (first, second) =
        tokio::join!(post(app(Arc::clone(&state)), &req_a), post(app(Arc::clone(&state)), &req_b));
    assert_eq!(first.0, 200, "{}", first.2);
    assert_ea_error(&second, 503, "b", "AdapterOverloadedError", "retry");
    assert_eq!(second.1.as_deref(), Some("1"));
    // Once the slot is free the same request goes through.
    assert_eq!(post(app(state), &request("b", &b, 8)).await.0, 200);
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_for_one_name_resolve_once_and_repeats_hit_the_cache() {
    let (node, state) = setup();
    let a = key(KEY_A);
    let doc = document(&a, 7, 1);
    node.publish(&a, doc.bytes.clone());
    *node.delay.lock().unwrap() = Duration::from_millis(50);
    let requests = (0..20).map(|i| {
        let state = Arc::clone(&state);
        let a = a.clone();
        async move { post(app(state), &request(&format!("job-{i}"), &a, 7)).await }
    });
    let answers = futures::future::join_all(requests).await;
    for (i, got) in answers.iter().enumerate() {
        assert_relays(got, &format!("job-{i}"), &doc);
    }
    assert_eq!(node.resolves.load(Ordering::SeqCst), 1);
    // Within CACHE_MAX_AGE (3 s by default): served from memory.
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(post(app(Arc::clone(&state)), &request("j", &a, 7)).await.0, 200);
    assert_eq!(node.resolves.load(Ordering::SeqCst), 1);
    // After it: fresh from the node.
    tokio::time::advance(Duration::from_millis(1_500)).await;
    assert_eq!(post(app(state), &request("j", &a, 7)).await.0, 200);
    assert_eq!(node.resolves.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn failed_lookups_are_not_cached() {
    let (node, state) = setup();
    let a = key(KEY_A);
    assert_eq!(post(app(Arc::clone(&state)), &request("j", &a, 7)).await.0, 404);
    node.publish(&a, document(&a, 7, 1).bytes);
    assert_eq!(post(app(state), &request("j", &a, 7)).await.0, 200);
}

#[tokio::test]
async fn health_is_ok_and_ready_follows_the_node() {
    let (node, state) = setup();
    assert_eq!(get(app(Arc::clone(&state)), "/health").await.0, 200);
    assert_eq!(get(app(Arc::clone(&state)), "/ready").await.0, 200);
    *node.up.lock().unwrap() = false;
    let (status, body) = get(app(state), "/ready").await;
    assert_eq!(status, 503, "{body}");
}

#[tokio::test]
async fn metrics_count_requests_by_status_and_cache_use() {
    let node = FakeNode::new();
    let metrics = Arc::new(Metrics::default());
    let state =
        AppState::new(&config(), Arc::clone(&node) as Arc<dyn StorageNode>, Arc::clone(&metrics));
    let a = key(KEY_A);
    node.publish(&a, document(&a, 7, 1).bytes);
    post(app(Arc::clone(&state)), &request("j", &a, 7)).await;
    post(app(Arc::clone(&state)), &request("j", &a, 7)).await;
    post(app(state), &request("j", &key(KEY_B), 7)).await;
    let (status, text) = get(metrics_app(metrics), "/metrics").await;
    assert_eq!(status, 200);
    for line in [
        "px_adapter_http_requests_total{status_code=\"200\"} 2",
        "px_adapter_http_requests_total{status_code=\"404\"} 1",
        "px_adapter_cache_hits_total 1",
        "px_adapter_cache_misses_total 2",
        "px_adapter_requests_in_flight 0",
        "px_adapter_http_request_duration_seconds_count 3",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[tokio::test]
async fn usage_answers_the_verified_document_in_the_same_bytes_every_time() {
    let (node, state) = setup();
    let a = key(KEY_A);
    let doc = document(&a, 7, 3);
    node.publish(&a, doc.bytes.clone());
    let (status, first) = get(app(Arc::clone(&state)), &usage_path(&a, 7)).await;
    assert_eq!(status, 200, "{first}");
    let (_, second) = get(app(state), &usage_path(&a, 7)).await;
    assert_eq!(first, second, "two DON nodes asking must get identical bytes");
    let answer: UsageAnswer = serde_json::from_str(&first).unwrap();
    let d = &doc.document;
    assert_eq!((answer.sequence, answer.used_bytes, answer.upload_count), (3, 3000, 3));
    assert_eq!(answer.metadata_digest, doc.cid.digest());
    assert_eq!(answer.metadata_cid, doc.cid.to_string());
    assert_eq!(answer.signature, d.signature);
    let checked = answer.check(&subject(&a, 7)).unwrap();
    assert_eq!(checked.signer, signer().address());
    assert_eq!(checked.report, d.report());
    // The wire format's spelling: decimal strings, lowercase hex, fixed field order.
    assert!(first.starts_with(r#"{"chainId":"42161","contract":"0x5fbdb2315678afecb367f032d93f642f64180aa3","tokenId":"7","btnsKey":"0x"#), "{first}");
}

#[tokio::test]
async fn usage_with_a_missing_or_malformed_parameter_is_400() {
    let (_, state) = setup();
    let a = key(KEY_A);
    for path in [
        "/usage".to_owned(),
        format!("/usage?btnsKey={}&tokenId=7&chainId=42161", a.to_hex()),
        usage_path(&a, 7).replace("tokenId=7", "tokenId=07"),
        usage_path(&a, 7).replace(&a.to_hex(), "0xzz"),
        usage_path(&a, 7).replace("chainId=42161", "chainId=-1"),
    ] {
        let (status, body) = get(app(Arc::clone(&state)), &path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["name"], "AdapterInputError", "{path}");
        assert_eq!(body["statusCode"], 400);
    }
}

#[tokio::test]
async fn usage_refuses_what_post_refuses() {
    let a = key(KEY_A);
    let (node, state) = setup();
    let (status, body) = get(app(Arc::clone(&state)), &usage_path(&a, 7)).await;
    assert_eq!(status, 404, "{body}");
    node.publish(&a, document(&a, 8, 1).bytes);
    let (status, body) = get(app(Arc::clone(&state)), &usage_path(&a, 7)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("tokenId 8"), "{body}");
    node.publish(&a, b"not a document".to_vec());
    let (status, body) = get(app(state), &usage_path(&a, 7)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("AdapterDocumentError"), "{body}");
}
