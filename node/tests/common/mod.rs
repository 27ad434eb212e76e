//! The harness of the node's tests: a node over [`MemoryChain`] and the shared real IPFS node
//! (js-ipfs on loopback), driven through its router with `oneshot`.
#![allow(dead_code, unreachable_pub)]

pub mod load;
pub mod proxy;
pub mod raw;
pub mod rss;

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use alloy::{
    primitives::{Address, U256, address},
    signers::{SignerSync, local::PrivateKeySigner},
};
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use px_ipfs_testnode::IpfsNode;
use px_node::{Node, NodeParts, auth::siwe_message, chain::MemoryChain, server::Settings};
use px_storage_client::StorageClient;
use serde_json::Value;
use tower::ServiceExt;

pub const CHAIN_ID: u64 = 412_346;
pub const CORE: Address = address!("0x00000000000000000000000000000000000000c0");
pub const STOREFRONT: Address = address!("0x00000000000000000000000000000000000000f0");
pub const DOMAIN: &str = "px.test";
pub const MIB: u64 = 1 << 20;

/// The storage client of the shared IPFS node (IPFS paths and API prefix).
pub fn storage() -> StorageClient {
    StorageClient::new(IpfsNode::shared().api_url(), "/api/v0", "/ipfs").unwrap()
}

/// A unique key-name prefix per harness: tests share one keystore.
pub fn prefix() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("t{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

pub struct Harness {
    pub chain: Arc<MemoryChain>,
    pub node: Node,
    pub router: Router,
    pub dir: Arc<tempfile::TempDir>,
    pub usage_signer: PrivateKeySigner,
    pub registrar: PrivateKeySigner,
    pub settings: Settings,
}

impl Harness {
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    pub fn with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let registrar = PrivateKeySigner::random();
        let chain = Arc::new(MemoryChain::new(CHAIN_ID, CORE, registrar.address()));
        let dir = Arc::new(tempfile::tempdir().unwrap());
        Self::build(chain, dir, registrar, PrivateKeySigner::random(), storage(), tweak)
    }

    pub fn build(
        chain: Arc<MemoryChain>,
        dir: Arc<tempfile::TempDir>,
        registrar: PrivateKeySigner,
        usage_signer: PrivateKeySigner,
        storage: StorageClient,
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        let mut settings = Settings {
            siwe_domain: DOMAIN.into(),
            watch_mints: false,
            key_prefix: prefix(),
            ..Settings::default()
        };
        tweak(&mut settings);
        let node = Node::build(NodeParts {
            chain: chain.clone(),
            chain_id: CHAIN_ID,
            storefront: STOREFRONT,
            storage,
            journal_path: dir.path().join("journal.redb"),
            usage_signer: usage_signer.clone(),
            registrar: Some(registrar.clone()),
            settings: settings.clone(),
        })
        .unwrap();
        let router = node.router();
        Self { chain, node, router, dir, usage_signer, registrar, settings }
    }

    /// Serves the node on a loopback port (background tasks included) until the test ends;
    /// returns its URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(self.node.clone().serve(listener, std::future::pending()));
        url
    }

    pub async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, value)
    }

    pub async fn raw(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Request::get(path).body(Body::empty()).unwrap()).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.call(req.body(Body::from(body.to_string())).unwrap()).await
    }

    /// A signed SIWE message for `wallet` with a fresh nonce, valid `valid_for` seconds.
    pub async fn signed_message(
        &self,
        wallet: &PrivateKeySigner,
        valid_for: i64,
    ) -> (String, String) {
        let (_, nonce) = self.get("/v1/auth/nonce").await;
        let now = px_metadata::Timestamp::now().unix();
        let msg = siwe_message(
            DOMAIN,
            wallet.address(),
            CHAIN_ID,
            nonce["nonce"].as_str().unwrap(),
            now,
            now + valid_for,
        );
        let sig = wallet.sign_message_sync(msg.as_bytes()).unwrap();
        (msg, format!("0x{}", alloy::hex::encode(sig.as_bytes())))
    }

    pub async fn sign_in(&self, wallet: &PrivateKeySigner) -> String {
        let (message, signature) = self.signed_message(wallet, 600).await;
        let (status, body) = self
            .post(
                "/v1/auth/sign-in",
                None,
                serde_json::json!({"message": message, "signature": signature}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn upload(&self, token: &str, id: U256, bytes: Vec<u8>) -> (StatusCode, Value) {
        let req = Request::post(format!("/v1/tokens/{id}/files"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes))
            .unwrap();
        self.call(req).await
    }

    pub async fn delete(&self, token: &str, id: U256, cid: &str) -> (StatusCode, Value) {
        let req = Request::delete(format!("/v1/tokens/{id}/files/{cid}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.call(req).await
    }

    /// Mints a keyless token to `owner` and registers it through the API.
    pub async fn mint_registered(&self, owner: Address, quota: u64, uploads: u32) -> U256 {
        let id = self.chain.mint(owner, quota, uploads, &[]);
        let (status, body) = self.post(&format!("/v1/registrations/{id}"), None, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }

    /// The head document as the API serves it, parsed and verified.
    pub async fn head(&self, id: U256) -> px_metadata::VerifiedDocument {
        let (status, headers, bytes) = self
            .raw(Request::get(format!("/v1/tokens/{id}/usage")).body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::OK);
        let cid = headers["x-px-head-cid"].to_str().unwrap().parse().unwrap();
        px_metadata::VerifiedDocument::verify(cid, &bytes).unwrap()
    }

    /// What the storage node resolves the token's key to, fetched and verified.
    pub async fn published(&self, id: U256) -> px_metadata::VerifiedDocument {
        let record = self.node.state().tokens.journal().token(id).unwrap().unwrap();
        let s = storage();
        let path = s.resolve(&record.btns_key.to_base58(), false).await.unwrap();
        let cid = path.trim_start_matches("/ipfs/");
        let bytes = s.cat_bytes(cid, 1 << 20).await.unwrap();
        px_metadata::VerifiedDocument::verify(cid.parse().unwrap(), &bytes).unwrap()
    }
}
