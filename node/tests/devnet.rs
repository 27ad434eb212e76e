//! The node against the real programs: px-devnet serves the core, storefront, sync and
//! renderer WASM (and Chainlink's LinkToken and Operator) over JSON-RPC, and the node talks to
//! it through its production alloy path (`RpcChain`), with a real IPFS node for storage.
//!
//! Covers: mint through the storefront without a key, then the watcher's `registerBtnsKey`;
//! `mintWithKey` with the node's `MintAuthorization`; uploads checked by the real `canUpload`
//! (paused, sync overdue, quota); and the whole sync: the Operator's request, the adapter's
//! answer from the node's head, `fulfillOracleRequest2` → `PxSync.fulfillSync` accepting the
//! node's signature and applying its usage on the core.

mod common;

use std::sync::Arc;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolError, SolEvent, SolValue},
};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use common::MIB;
use http_body_util::BodyExt;
use px_abi::{IPxStorageNft, IPxStorefront, IPxSync, chainlink::OperatorInterface};
use px_node::{Node, NodeParts, chain::RpcChain, server::Settings};
use px_testkit::px_devnet::chain::{Chain, Receipt, TxRequest};
use px_testkit::{Deployment, DevnetServer};
use serde_json::{Value, json};
use tower::ServiceExt;

struct RealChain {
    d: Deployment,
    server: DevnetServer,
    node: Node,
    router: axum::Router,
    _dir: tempfile::TempDir,
}

impl RealChain {
    async fn new() -> Self {
        let d = Deployment::cached();
        let server = d.serve();
        let chain =
            Arc::new(RpcChain::connect(server.url(), d.core, Some(d.registrar.clone())).unwrap());
        let chain_id = px_node::chain::Chain::chain_id(&*chain).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let node = Node::build(NodeParts {
            chain,
            chain_id,
            storefront: d.storefront,
            storage: common::storage(),
            journal_path: dir.path().join("journal.redb"),
            usage_signer: d.usage_signer.clone(),
            registrar: Some(d.registrar.clone()),
            settings: Settings {
                siwe_domain: common::DOMAIN.into(),
                watch_mints: false,
                key_prefix: common::prefix(),
                ..Settings::default()
            },
        })
        .unwrap();
        let router = node.router();
        Self { d, server, node, router, _dir: dir }
    }

    fn send<C: SolCall>(&self, from: Address, to: Address, call: &C, value: U256) -> Receipt {
        let mut chain = self.server.chain();
        chain
            .send(TxRequest::call(from, to, Bytes::from(call.abi_encode())).with_value(value))
            .unwrap()
    }

    fn view<C: SolCall>(&self, to: Address, call: &C) -> C::Return {
        let chain = self.server.chain();
        let out = chain
            .call(&TxRequest::call(Address::ZERO, to, Bytes::from(call.abi_encode())), None)
            .unwrap();
        assert!(out.success, "view reverted");
        C::abi_decode_returns(&out.output).unwrap()
    }

    fn with_chain<T>(&self, f: impl FnOnce(&mut Chain) -> T) -> T {
        f(&mut self.server.chain())
    }

    async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// A harness view over the same node, for its sign-in and upload helpers.
    fn harness(&self) -> HarnessView<'_> {
        HarnessView(self)
    }

    fn mint(&self, buyer: &PrivateKeySigner, plan: u64) -> U256 {
        let price = if plan == 0 {
            U256::ZERO
        } else {
            U256::from(px_testkit::PRICES[usize::try_from(plan - 1).unwrap()])
        };
        let r = self.send(
            buyer.address(),
            self.d.storefront,
            &IPxStorefront::mintCall { planId: U256::from(plan) },
            price,
        );
        r.expect_success();
        IPxStorefront::mintCall::abi_decode_returns(&r.output).unwrap()
    }
}

struct HarnessView<'a>(&'a RealChain);

impl HarnessView<'_> {
    async fn sign_in(&self, wallet: &PrivateKeySigner) -> String {
        let (_, nonce) =
            self.0.call(Request::get("/v1/auth/nonce").body(Body::empty()).unwrap()).await;
        let chain_id = nonce["chainId"].as_u64().unwrap();
        let now = px_metadata::Timestamp::now().unix();
        let msg = px_node::auth::siwe_message(
            common::DOMAIN,
            wallet.address(),
            chain_id,
            nonce["nonce"].as_str().unwrap(),
            now,
            now + 600,
        );
        let sig = alloy::signers::SignerSync::sign_message_sync(wallet, msg.as_bytes()).unwrap();
        let body = json!({"message": msg, "signature": format!("0x{}", alloy::hex::encode(sig.as_bytes()))});
        let (status, body) = self
            .0
            .call(
                Request::post("/v1/auth/sign-in")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    async fn upload_claiming(
        &self,
        token: &str,
        id: U256,
        declared: u64,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let req = Request::post(format!("/v1/tokens/{id}/files"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_LENGTH, declared)
            .body(Body::from(bytes))
            .unwrap();
        self.0.call(req).await
    }

    async fn upload(&self, token: &str, id: U256, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.upload_claiming(token, id, bytes.len() as u64, bytes).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.0.call(req.body(Body::from(body.to_string())).unwrap()).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_minted_without_a_key_gets_one_registered_on_chain_by_the_watcher() {
    let rc = RealChain::new().await;
    let buyer = rc.d.users[0].clone();
    let id = rc.mint(&buyer, 0);
    assert!(rc.view(rc.d.core, &IPxStorageNft::btnsKeyOfCall { tokenId: id }).is_empty());
    let registration = rc.node.state().registration.clone();
    assert!(registration.watch_once().await.unwrap() >= 1);
    let on_chain = rc.view(rc.d.core, &IPxStorageNft::btnsKeyOfCall { tokenId: id });
    let record = rc.node.state().tokens.journal().token(id).unwrap().expect("served");
    assert_eq!(on_chain, record.btns_key.to_bytes(), "registerBtnsKey went through the RPC");
    let gate =
        rc.view(rc.d.core, &IPxStorageNft::canUploadCall { tokenId: id, additionalBytes: 1 });
    assert!(gate.allowed, "the key opened the gate");
    assert_eq!(record.sequence, 1);
    assert_eq!((record.quota_bytes, record.upload_limit), (100 * MIB, 25), "the free plan");
    // Asking again changes nothing on-chain.
    let (status, body) =
        rc.harness().post(&format!("/v1/registrations/{id}"), None, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["btnsKeyHex"], record.btns_key.to_hex());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mint_with_key_uses_the_nodes_authorization_and_uploads_pass_the_real_gate() {
    let rc = RealChain::new().await;
    let buyer = rc.d.users[1].clone();
    let h = rc.harness();
    let token = h.sign_in(&buyer).await;
    let (status, a) = h.post("/v1/keys", Some(&token), json!({"planId": "1"})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let call = IPxStorefront::mintWithKeyCall {
        planId: U256::from(1),
        btnsKey: a["btnsKeyHex"].as_str().unwrap().parse().unwrap(),
        deadline: a["deadline"].as_str().unwrap().parse().unwrap(),
        signature: a["signature"].as_str().unwrap().parse().unwrap(),
    };
    let r = rc.send(buyer.address(), rc.d.storefront, &call, U256::from(px_testkit::PRICES[0]));
    r.expect_success();
    let id = IPxStorefront::mintWithKeyCall::abi_decode_returns(&r.output).unwrap();
    // A forged authorization (another plan than signed) is refused by the storefront.
    let mut forged = call.clone();
    forged.planId = U256::from(2);
    let refused =
        rc.send(buyer.address(), rc.d.storefront, &forged, U256::from(px_testkit::PRICES[1]));
    assert!(!refused.success);
    assert!(IPxStorefront::InvalidAuthorization::abi_decode(&refused.output).is_ok());

    let (status, reg) = h.post(&format!("/v1/registrations/{id}"), None, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{reg}");
    assert_eq!(
        (reg["sequence"].as_str(), reg["btnsKey"].as_str()),
        (Some("1"), a["btnsKey"].as_str())
    );

    let (status, up) = h.upload(&token, id, vec![9; 2048]).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    // More than the 1 GiB quota is refused before a byte is streamed.
    let (status, body) = h.upload_claiming(&token, id, 2 << 30, Vec::new()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reasons"], json!(["quotaExceeded"]));
    // Paused by the owner: the real gate says so.
    rc.send(rc.d.owner.address(), rc.d.core, &IPxStorageNft::pauseCall {}, U256::ZERO)
        .expect_success();
    let (_, body) = h.upload(&token, id, vec![1; 10]).await;
    assert_eq!(body["reasons"], json!(["paused"]));
    rc.send(rc.d.owner.address(), rc.d.core, &IPxStorageNft::unpauseCall {}, U256::ZERO)
        .expect_success();
    // Thirty days without a sync close it.
    let window = rc.view(rc.d.core, &IPxStorageNft::syncWindowCall {});
    rc.with_chain(|c| {
        c.increase_time(window + 1);
        c.mine();
    });
    let (_, body) = h.upload(&token, id, vec![1; 10]).await;
    assert_eq!(body["reasons"], json!(["syncOverdue"]));
    // A stranger is not the owner.
    let stranger = h.sign_in(&rc.d.users[2]).await;
    assert_eq!(h.upload(&stranger, id, vec![1; 10]).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_accepts_the_nodes_usage_through_the_adapter_and_the_operator() {
    let rc = RealChain::new().await;
    let buyer = rc.d.users[3].clone();
    let id = rc.mint(&buyer, 1);
    rc.node.state().registration.register(id).await.unwrap();
    let h = rc.harness();
    let token = h.sign_in(&buyer).await;
    for size in [1000usize, 2345] {
        assert_eq!(h.upload(&token, id, vec![5; size]).await.0, StatusCode::CREATED);
    }
    let key = rc.node.state().tokens.journal().token(id).unwrap().unwrap().btns_key;

    // The owner pays a sync with LINK (ERC-677), as `px sync` does.
    let pay = px_abi::chainlink::LinkTokenInterface::transferAndCallCall {
        to: rc.d.sync,
        value: rc.d.fee,
        data: id.abi_encode().into(),
    };
    let r = rc.send(buyer.address(), rc.d.link, &pay, U256::ZERO);
    r.expect_success();
    let request = r
        .logs
        .iter()
        .find_map(|l| OperatorInterface::OracleRequest::decode_log(l).ok())
        .expect("the Operator emitted OracleRequest")
        .data;

    // The Chainlink node's job: ask the adapter, encode fulfillSync's arguments, fulfil.
    let mut config = px_oracle_adapter::Config::for_node(
        px_ipfs_testnode::IpfsNode::shared().api_url(),
        "/api/v0",
    );
    config.resolve_nocache = false;
    config.cache_max_age_ms = 0;
    config.trusted_signers = vec![rc.d.usage_signer.address()];
    let adapter =
        px_oracle_adapter::app(px_oracle_adapter::AppState::from_config(&config).unwrap());
    let ea = json!({"id": "1", "data": {
        "btnsKey": key.to_hex(), "tokenId": id.to_string(),
        "contract": format!("{:#x}", rc.d.core), "chainId": "412346"}});
    let res = adapter
        .oneshot(
            Request::post("/")
                .header("content-type", "application/json")
                .body(Body::from(ea.to_string()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let data = &answer["data"];
    let num = |k: &str| data[k].as_str().unwrap().parse::<u64>().unwrap();
    let word = |k: &str| data[k].as_str().unwrap().parse::<B256>().unwrap();
    let digest = word("metadataDigest");
    // fulfillSync's arguments, ABI-encoded (the Operator prepends the selector).
    let args = IPxSync::fulfillSyncCall {
        requestId: request.requestId,
        sequence: num("sequence"),
        usedBytes: num("usedBytes"),
        uploadCount: u32::try_from(num("uploadCount")).unwrap(),
        metadataDigest: digest,
        v: u8::try_from(num("v")).unwrap(),
        r: word("r"),
        s: word("s"),
    }
    .abi_encode()[4..]
        .to_vec();
    let fulfil = OperatorInterface::fulfillOracleRequest2Call {
        requestId: request.requestId,
        payment: request.payment,
        callbackAddress: request.callbackAddr,
        callbackFunctionId: request.callbackFunctionId,
        expiration: request.cancelExpiration,
        data: args.into(),
    };
    let r = rc.send(rc.d.oracle_node.address(), rc.d.operator, &fulfil, U256::ZERO);
    r.expect_success();
    let fulfilled = r.logs.iter().find_map(|l| IPxSync::SyncFulfilled::decode_log(l).ok());
    let rejected = r.logs.iter().find_map(|l| IPxSync::SyncRejected::decode_log(l).ok());
    assert!(rejected.is_none(), "rejected: {rejected:?}");
    assert_eq!(fulfilled.expect("SyncFulfilled").data.sequence, 3);

    let usage = rc.view(rc.d.core, &IPxStorageNft::usageOfCall { tokenId: id });
    assert_eq!((usage.syncSequence, usage.usedBytes, usage.uploadCount), (3, 3345, 2));
    let (head_cid, _) = rc.node.state().tokens.head(id).unwrap();
    assert_eq!(
        usage.metadataDigest,
        head_cid.parse::<px_metadata::RawBlockCid>().unwrap().digest()
    );
    // The node carries on above the synced state.
    assert_eq!(h.upload(&token, id, vec![1; 5]).await.0, StatusCode::CREATED);
}

/// The contract wallet fixture (`tests/sol/Erc1271Wallet.sol`, compiled by `tests/sol/build.sh`)
/// with its constructor argument.
fn wallet_init_code(owner: Address) -> Vec<u8> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/Erc1271Wallet.json");
    let json: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut code = alloy::hex::decode(json["bytecode"].as_str().unwrap()).unwrap();
    code.extend_from_slice(&owner.abi_encode());
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_wallet_signs_in_through_erc1271_and_uploads_to_its_token() {
    let rc = RealChain::new().await;
    let user = rc.d.users[4].clone();
    let controller = PrivateKeySigner::random();
    let wallet = rc
        .with_chain(|c| c.deploy(user.address(), wallet_init_code(controller.address())).unwrap());
    let id = rc.mint(&user, 0);
    rc.node.state().registration.register(id).await.unwrap();
    let transfer =
        IPxStorageNft::transferFromCall { from: user.address(), to: wallet, tokenId: id };
    rc.send(user.address(), rc.d.core, &transfer, U256::ZERO).expect_success();

    let sign_in = |signer: PrivateKeySigner| {
        let rc = &rc;
        async move {
            let (_, nonce) =
                rc.call(Request::get("/v1/auth/nonce").body(Body::empty()).unwrap()).await;
            let now = px_metadata::Timestamp::now().unix();
            let msg = px_node::auth::siwe_message(
                common::DOMAIN,
                wallet,
                412_346,
                nonce["nonce"].as_str().unwrap(),
                now,
                now + 600,
            );
            let sig =
                alloy::signers::SignerSync::sign_message_sync(&signer, msg.as_bytes()).unwrap();
            let body = json!({"message": msg, "signature": format!("0x{}", alloy::hex::encode(sig.as_bytes()))});
            rc.call(
                Request::post("/v1/auth/sign-in")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await
        }
    };
    let (status, body) = sign_in(PrivateKeySigner::random()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a stranger's signature: {body}");
    assert!(body["message"].as_str().unwrap().contains("ERC-1271"), "{body}");
    let (status, body) = sign_in(controller).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["address"], wallet.to_checksum(None));
    let token = body["token"].as_str().unwrap();
    let (status, up) = rc.harness().upload(token, id, vec![2; 64]).await;
    assert_eq!(status, StatusCode::CREATED, "the wallet owns the token: {up}");
}
