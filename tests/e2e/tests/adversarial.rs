//! Adversaries against the running system on the Direct Request route (the legacy path: the
//! Operator and px-job-runner; `cre_adversaries.rs` has the CRE route's): each scenario must
//! leave no wrong state on-chain and a clear error where a person would see it (`px`, the
//! chain's events, the Chainlink node's log).
//!
//! The scenarios share one environment (starting one takes most of a minute) and run in order;
//! each restores what it disturbs. The storage-outage scenario stops IPFS and so comes last.

use std::{path::PathBuf, process::Output, time::Duration};

use alloy::{
    primitives::{B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent, SolValue},
};
use px_abi::{
    IPxStorageNft, IPxSync,
    chainlink::{LinkTokenInterface, OperatorInterface},
};
use px_e2e::environment::{Environment, Options, Route};
use px_metadata::{BtnsKey, RawBlockCid, UsageDocument};
use px_node_api::NodeClient;
use serde_json::Value;

/// The Operator's expiry, after which anyone may cancel.
const EXPIRY: u64 = 5 * 60;

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "px failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr_line(out: &Output) -> String {
    assert!(!out.status.success(), "px succeeded: {}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    text
}

struct Scene {
    env: Environment,
    user: PrivateKeySigner,
    token: U256,
}

impl Scene {
    async fn px(&self, args: &[&str]) -> Output {
        self.env.px(&self.user, args).await.unwrap()
    }

    fn provider(&self, key: &PrivateKeySigner) -> DynProvider {
        self.env.provider(key).unwrap()
    }

    async fn upload(&self, name: &str, bytes: usize) {
        let path: PathBuf = self.env.dir.join(name);
        std::fs::write(&path, vec![7u8; bytes]).unwrap();
        json(
            &self
                .px(&[
                    "--json",
                    "upload",
                    "--token",
                    &self.token.to_string(),
                    path.to_str().unwrap(),
                ])
                .await,
        );
    }

    /// The node's current head for the token: the document and its exact bytes.
    async fn head(&self) -> (UsageDocument, Vec<u8>) {
        let head = NodeClient::new(&self.env.node_url).usage(self.token).await.unwrap();
        (UsageDocument::from_json(&head.bytes).unwrap(), head.bytes)
    }

    /// The IPFS key the node publishes the token's head with.
    async fn key_name(&self) -> String {
        let provider = self.provider(&self.user);
        let key = IPxStorageNft::new(self.env.deployment.core, &provider)
            .btnsKeyOf(self.token)
            .call()
            .await
            .unwrap();
        let id = BtnsKey::from_bytes(&key).unwrap().to_base58();
        let list: Value = reqwest::Client::new()
            .post(format!("{}/api/v0/key/list", self.env.ipfs.api_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["Keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["Id"] == id)
            .map(|k| k["Name"].as_str().unwrap().to_owned())
            .expect("the node's key for the token")
    }

    /// Publishes `bytes` (one raw block) as the token's head, as whoever holds its key could.
    async fn publish(&self, bytes: Vec<u8>) {
        let cid = self.env.ipfs.add_raw(bytes).await.unwrap();
        self.env.ipfs.publish(&self.key_name().await, &cid).await.unwrap();
    }

    /// A sync the user pays with LINK (`transferAndCall`).
    async fn request_sync(&self) -> (B256, OperatorInterface::OracleRequest) {
        let provider = self.provider(&self.user);
        let d = &self.env.deployment;
        let receipt = LinkTokenInterface::new(d.link, &provider)
            .transferAndCall(d.sync, d.fee, self.token.abi_encode().into())
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        assert!(receipt.status());
        let request = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| OperatorInterface::OracleRequest::decode_log_data(l.data()).ok())
            .expect("the Operator's OracleRequest");
        (request.requestId, request)
    }

    async fn usage(&self) -> IPxStorageNft::usageOfReturn {
        self.env.usage(self.token).await.unwrap()
    }

    async fn rejections(&self, request: B256) -> Vec<u8> {
        let provider = self.provider(&self.user);
        let filter = Filter::new()
            .address(self.env.deployment.sync)
            .event_signature(IPxSync::SyncRejected::SIGNATURE_HASH)
            .topic2(request)
            .from_block(0);
        provider
            .get_logs(&filter)
            .await
            .unwrap()
            .iter()
            .map(|l| IPxSync::SyncRejected::decode_log_data(l.data()).unwrap().reason)
            .collect()
    }
}

/// `fulfillOracleRequest2` as a node sends it, with `report` as the answer.
fn fulfilment(
    request: &OperatorInterface::OracleRequest,
    report: &UsageDocument,
    digest: B256,
) -> OperatorInterface::fulfillOracleRequest2Call {
    let sig = &report.signature;
    // The answer is fulfillSync's arguments: its calldata without the selector.
    let data = IPxSync::fulfillSyncCall {
        requestId: request.requestId,
        sequence: report.sequence,
        usedBytes: report.used_bytes,
        uploadCount: report.upload_count,
        metadataDigest: digest,
        v: sig.v(),
        r: sig.r(),
        s: sig.s(),
    }
    .abi_encode()[4..]
        .to_vec();
    OperatorInterface::fulfillOracleRequest2Call {
        requestId: request.requestId,
        payment: request.payment,
        callbackAddress: request.callbackAddr,
        callbackFunctionId: request.callbackFunctionId,
        expiration: request.cancelExpiration,
        data: Bytes::from(data),
    }
}

async fn send_fulfilment(
    scene: &Scene,
    from: &PrivateKeySigner,
    call: &OperatorInterface::fulfillOracleRequest2Call,
) -> bool {
    let provider = scene.provider(from);
    let operator = OperatorInterface::new(scene.env.deployment.operator, &provider);
    let sent = operator
        .fulfillOracleRequest2(
            call.requestId,
            call.payment,
            call.callbackAddress,
            call.callbackFunctionId,
            call.expiration,
            call.data.clone(),
        )
        .gas(1_000_000)
        .send()
        .await;
    match sent {
        Ok(pending) => pending.get_receipt().await.is_ok_and(|r| r.status()),
        Err(_) => false,
    }
}

/// A stranger's fulfilment and a replay are refused by the Operator; numbers the authorized
/// node alters are refused by PxSync: usage does not move.
async fn fulfilments_nobody_signed_change_nothing(scene: &mut Scene) {
    scene.env.stop_job_runner();
    scene.upload("adv-1.bin", 1_000).await;
    let before = scene.usage().await;
    let (request_id, request) = scene.request_sync().await;
    let (head, bytes) = scene.head().await;
    let cid = RawBlockCid::of(&bytes);

    let stranger = scene.env.users[5].clone();
    assert!(
        !send_fulfilment(scene, &stranger, &fulfilment(&request, &head, cid.digest())).await,
        "a stranger fulfilled"
    );

    let mut altered = head.clone();
    altered.used_bytes = 1; // the relay claims less usage than the node signed
    let node = scene.env.oracle_node.clone();
    let call = fulfilment(&request, &altered, cid.digest());
    assert!(send_fulfilment(scene, &node, &call).await, "the Operator consumes the request");
    assert_eq!(scene.rejections(request_id).await, vec![1], "PxSync rejects: untrusted signer");
    assert!(!send_fulfilment(scene, &node, &call).await, "a replayed fulfilment went through");
    let after = scene.usage().await;
    assert_eq!((after.usedBytes, after.syncSequence), (before.usedBytes, before.syncSequence));
    scene.env.start_job_runner().unwrap();
}

/// A head signed by a key PxSync does not trust is relayed by the adapter (the chain is the
/// judge) and rejected on-chain; `px sync` says why.
async fn a_report_from_an_unknown_signer_is_rejected(scene: &Scene) {
    let (current, current_bytes) = scene.head().await;
    let before = scene.usage().await;
    let key = BtnsKey::from_bytes(
        &IPxStorageNft::new(scene.env.deployment.core, &scene.provider(&scene.user))
            .btnsKeyOf(scene.token)
            .call()
            .await
            .unwrap(),
    )
    .unwrap();
    let forged = UsageDocument::builder(412_346, scene.env.deployment.core, scene.token, key)
        .sequence(current.sequence + 1)
        .quota(current.quota_bytes, current.upload_limit)
        .usage(0, 0)
        .sign(&PrivateKeySigner::random())
        .unwrap();
    scene.publish(forged.bytes).await;
    let line = stderr_line(
        &scene.px(&["sync", &scene.token.to_string(), "--pay", "--timeout", "60"]).await,
    );
    assert!(line.contains("rejected") && line.contains("signer"), "{line}");
    let after = scene.usage().await;
    assert_eq!((after.usedBytes, after.syncSequence), (before.usedBytes, before.syncSequence));
    scene.publish(current_bytes).await; // the node's own head again
}

/// An older head republished under the name (a rollback) is stale on-chain.
async fn a_rolled_back_head_is_stale(scene: &Scene, old: Vec<u8>) {
    let (_, current) = scene.head().await;
    let before = scene.usage().await;
    scene.publish(old).await;
    let line = stderr_line(
        &scene.px(&["sync", &scene.token.to_string(), "--pay", "--timeout", "60"]).await,
    );
    assert!(line.contains("rejected") && line.contains("stale"), "{line}");
    assert_eq!(scene.usage().await.syncSequence, before.syncSequence);
    scene.publish(current).await;
}

/// With the adapter down a request gets no answer: `px sync` says so; after the Operator's expiry
/// the payer cancels and gets the LINK back; with the adapter back, a new sync goes through.
async fn an_unanswered_paid_sync_is_refunded(scene: &mut Scene) {
    scene.env.stop_adapter();
    let payer = scene.user.address();
    let link_before = scene.env.link_balance(payer).await.unwrap();
    let line = stderr_line(
        &scene.px(&["sync", &scene.token.to_string(), "--pay", "--timeout", "5"]).await,
    );
    assert!(
        line.contains("no answer")
            && line.contains("(Direct Request)")
            && line.contains("cancelSync"),
        "{line}"
    );
    assert!(
        scene.env.job_runner_log().contains("run failed"),
        "the Chainlink node's log names the failure"
    );
    scene.env.start_adapter().await.unwrap();

    let provider = scene.provider(&scene.user);
    let sync = IPxSync::new(scene.env.deployment.sync, &provider);
    let (request, _) =
        sync.latestRequestOf(scene.token).call().await.map(|r| (r.requestId, r.expiresAt)).unwrap();
    scene.env.advance(EXPIRY).await.unwrap();
    let receipt = sync.cancelSync(request).send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    assert_eq!(scene.env.link_balance(payer).await.unwrap(), link_before, "the fee came back");
    let synced = json(
        &scene.px(&["--json", "sync", &scene.token.to_string(), "--pay", "--timeout", "60"]).await,
    );
    assert_eq!(synced["fulfilled"], true);
}

/// With the storage node down the adapter cannot resolve the name: no fulfilment, no change.
async fn a_sync_during_a_storage_outage_changes_nothing(scene: &Scene) {
    let before = scene.usage().await;
    scene.env.ipfs.stop();
    let line = stderr_line(
        &scene.px(&["sync", &scene.token.to_string(), "--pay", "--timeout", "8"]).await,
    );
    assert!(line.contains("no answer") && line.contains("(Direct Request)"), "{line}");
    let after = scene.usage().await;
    assert_eq!(
        (after.usedBytes, after.syncSequence, after.lastSyncedAt),
        (before.usedBytes, before.syncSequence, before.lastSyncedAt)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversaries_change_nothing_and_say_why() {
    let env = Environment::start(Options { route: Route::DirectRequest, ..Options::default() })
        .await
        .unwrap();
    let user = env.users[0].clone();
    let minted = json(&env.px(&user, &["--json", "mint", "--plan", "1"]).await.unwrap());
    let token: U256 = minted["tokenId"].as_str().unwrap().parse().unwrap();
    let mut scene = Scene { env, user, token };
    let (_, first_head) = scene.head().await;
    json(&scene.px(&["--json", "sync", &token.to_string(), "--timeout", "60"]).await);
    scene.upload("adv-0.bin", 2_000).await;
    json(&scene.px(&["--json", "sync", &token.to_string(), "--pay", "--timeout", "60"]).await);

    fulfilments_nobody_signed_change_nothing(&mut scene).await;
    a_report_from_an_unknown_signer_is_rejected(&scene).await;
    a_rolled_back_head_is_stale(&scene, first_head).await;
    an_unanswered_paid_sync_is_refunded(&mut scene).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    a_sync_during_a_storage_outage_changes_nothing(&scene).await;
}
