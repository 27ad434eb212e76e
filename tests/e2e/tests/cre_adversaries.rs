//! Adversaries against the CRE route of the running system: the real WASM on px-devnet,
//! Chainlink's `KeystoneForwarder` with a 4-node DON (f = 1), px-don, the adapter, IPFS and the
//! PX node as processes. Each scenario, named by its attack, must leave no wrong state on-chain
//! and end the way PxSync documents: authorization failures revert (the forwarder records the
//! delivery as failed, retryable), content refusals end the request with `SyncRejected`, a
//! report for no pending request changes nothing (`ReportIgnored`).
//!
//! Reports are signed with the local DON's keys outside px-don (the attacker holds what the
//! scenario says), so px-don is stopped while they run. The scenarios share one environment
//! (starting one takes most of a minute) and run in order; each restores what it disturbs.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, TransactionReceipt},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use px_abi::IPxSync::{self, IPxSyncErrors};
use px_don::{
    forwarder::IKeystoneForwarder::{self, IKeystoneForwarderErrors, TransmissionState},
    report::{self, SyncReport, WorkflowIdentity},
};
use px_e2e::{
    cre::{self, Answer, Forger, Signed},
    environment::{Environment, Options},
};
use px_metadata::{BtnsKey, ReportFields, UsageDocument};
use serde_json::Value;

/// `SyncRejected` reasons (abi/IPxSync.sol).
const UNTRUSTED_SIGNER: u8 = 1;
const OTHER_TOKEN: u8 = 6;
/// `ReportIgnored` reason: no such pending request.
const NOT_PENDING: u8 = 1;

struct Scene {
    env: Environment,
    user: PrivateKeySigner,
    token: U256,
    forger: Forger,
}

impl Scene {
    fn provider(&self, key: &PrivateKeySigner) -> DynProvider {
        self.env.provider(key).unwrap()
    }

    fn sync(&self, key: &PrivateKeySigner) -> IPxSync::IPxSyncInstance<DynProvider> {
        IPxSync::new(self.env.deployment.sync, self.provider(key))
    }

    /// A user-paid CRE request for the scene's token: its id.
    async fn request(&self) -> B256 {
        let sync = self.sync(&self.user);
        let fee = sync.creConfig().call().await.unwrap().syncFee;
        let receipt = sync
            .requestSyncWithFee(self.token)
            .value(fee)
            .send()
            .await
            .unwrap()
            .get_receipt()
            .await;
        let receipt = receipt.unwrap();
        assert!(receipt.status());
        cre::requested(&receipt).unwrap().requestId
    }

    async fn is_pending(&self, request: B256) -> bool {
        self.sync(&self.user).pendingRequest(request).call().await.unwrap().tokenId != U256::ZERO
    }

    async fn usage(&self) -> px_abi::IPxStorageNft::usageOfReturn {
        self.env.usage(self.token).await.unwrap()
    }

    /// The report the honest DON would send for `request`: the node's head, as signed.
    async fn honest(&self, request: B256) -> SyncReport {
        let (doc, bytes) = cre::head(&self.env, self.token).await.unwrap();
        cre::payload_of(request, self.token, &doc, &bytes)
    }

    /// The node's head as `UsageReport` fields.
    async fn fields(&self) -> ReportFields {
        cre::head(&self.env, self.token).await.unwrap().0.report()
    }

    fn identity(&self) -> WorkflowIdentity {
        self.forger.identity.clone()
    }

    /// `payload` signed by f + 1 DON nodes under the expected identity.
    fn signed(&self, payload: &SyncReport) -> Signed {
        self.forger.sign(&self.identity(), &payload.encode(), &[0, 1]).unwrap()
    }

    async fn answer(&self, request: B256) -> Option<Answer> {
        cre::answer(&self.env, request).await.unwrap().map(|(a, _)| a)
    }

    fn ignored(receipt: &TransactionReceipt) -> Vec<(B256, u8)> {
        receipt
            .inner
            .logs()
            .iter()
            .filter_map(|l| IPxSync::ReportIgnored::decode_log_data(l.data()).ok())
            .map(|e| (e.requestId, e.reason))
            .collect()
    }
}

/// A delivery the receiver refused by reverting: the forwarder's transaction succeeds, records
/// the transmission FAILED (retryable) and the request stays pending, usage untouched.
async fn refused_by_the_receiver(scene: &Scene, signed: &Signed, request: B256) {
    let before = scene.usage().await;
    let receipt = scene.forger.send(signed).await.unwrap();
    assert!(receipt.status(), "the forwarder records a receiver revert, it does not revert");
    assert_eq!(scene.forger.state(signed).await.unwrap(), TransmissionState::FAILED);
    assert!(scene.is_pending(request).await, "the request waits for a valid report");
    assert_eq!(scene.answer(request).await, None);
    let after = scene.usage().await;
    assert_eq!(
        (after.syncSequence, after.lastSyncedAt),
        (before.syncSequence, before.lastSyncedAt)
    );
}

async fn a_caller_that_is_not_the_forwarder_is_refused(scene: &Scene, request: B256) {
    let payload = scene.honest(request).await;
    let signed = scene.signed(&payload);
    let metadata =
        Bytes::copy_from_slice(&signed.raw[report::METADATA_OFFSET..report::HEADER_LENGTH]);
    let sync = scene.sync(&scene.user);
    let Err(err) = sync.onReport(metadata.clone(), payload.encode().into()).call().await else {
        panic!("onReport from a user went through")
    };
    assert_eq!(
        err.as_decoded_interface_error::<IPxSyncErrors>(),
        Some(IPxSyncErrors::InvalidSender(IPxSync::InvalidSender {
            sender: scene.user.address(),
            expected: scene.env.deployment.cre.forwarder,
        }))
    );
    let sent = sync.onReport(metadata, payload.encode().into()).gas(500_000).send().await.unwrap();
    assert!(!sent.get_receipt().await.unwrap().status(), "mined, reverted");
    assert!(scene.is_pending(request).await);
    assert_eq!(scene.answer(request).await, None);
}

async fn a_report_of_another_workflow_id_is_refused(scene: &Scene, request: B256) {
    let mut identity = scene.identity();
    identity.workflow_id = B256::repeat_byte(0x66);
    let signed =
        scene.forger.sign(&identity, &scene.honest(request).await.encode(), &[0, 1]).unwrap();
    assert!(matches!(
        scene.forger.receiver_refusal(&signed).await.unwrap(),
        Some(IPxSyncErrors::InvalidWorkflowId(e)) if e.received == identity.workflow_id
    ));
    refused_by_the_receiver(scene, &signed, request).await;
}

async fn a_report_of_another_workflow_owner_is_refused(scene: &Scene, request: B256) {
    let mut identity = scene.identity();
    identity.workflow_owner = Address::repeat_byte(0x66);
    let signed =
        scene.forger.sign(&identity, &scene.honest(request).await.encode(), &[0, 1]).unwrap();
    assert!(matches!(
        scene.forger.receiver_refusal(&signed).await.unwrap(),
        Some(IPxSyncErrors::InvalidAuthor(e)) if e.received == identity.workflow_owner
    ));
    refused_by_the_receiver(scene, &signed, request).await;
}

async fn only_f_signatures_are_refused_by_the_forwarder(scene: &Scene, request: B256) {
    let payload = scene.honest(request).await.encode();
    let signed = scene.forger.sign(&scene.identity(), &payload, &[2]).unwrap();
    assert_eq!(
        scene.forger.dry_run(&signed).await.unwrap(),
        Err(IKeystoneForwarderErrors::InvalidSignatureCount(
            IKeystoneForwarder::InvalidSignatureCount {
                expected: U256::from(2),
                received: U256::from(1),
            }
        ))
    );
    assert!(scene.forger.send(&signed).await.is_err(), "the forwarder reverts");
    assert_eq!(scene.forger.state(&signed).await.unwrap(), TransmissionState::NOT_ATTEMPTED);
    assert!(scene.is_pending(request).await);
}

async fn a_report_for_another_token_is_rejected(scene: &Scene, request: B256) {
    let before = scene.usage().await;
    let mut payload = scene.honest(request).await;
    payload.token_id = scene.token + U256::from(1);
    let receipt = scene.forger.send(&scene.signed(&payload)).await.unwrap();
    assert!(receipt.status());
    assert_eq!(scene.answer(request).await, Some(Answer::Rejected(OTHER_TOKEN)));
    assert!(!scene.is_pending(request).await, "a content refusal ends the request");
    assert_eq!(scene.usage().await.lastSyncedAt, before.lastSyncedAt);
}

async fn a_replayed_report_changes_nothing(scene: &Scene) {
    let request = scene.request().await;
    let payload = scene.honest(request).await;
    let signed = scene.signed(&payload);
    assert!(scene.forger.send(&signed).await.unwrap().status());
    assert!(matches!(scene.answer(request).await, Some(Answer::Fulfilled(_))));
    let synced = scene.usage().await;

    // The same transmission again: the forwarder has it as succeeded.
    assert!(matches!(
        scene.forger.dry_run(&signed).await.unwrap(),
        Err(IKeystoneForwarderErrors::AlreadyAttempted(_))
    ));
    // The same report in a new execution: PxSync has no such pending request any more.
    scene.env.advance(60).await.unwrap();
    let again = scene.forger.send(&scene.signed(&payload)).await.unwrap();
    assert!(again.status());
    assert_eq!(Scene::ignored(&again), vec![(request, NOT_PENDING)]);
    let after = scene.usage().await;
    assert_eq!(after.lastSyncedAt, synced.lastSyncedAt, "no refresh from a replay");
}

/// A usage report the trusted signer made for another chain or another core contract (the
/// EIP-712 domain, which names both): it recovers to another address here.
async fn a_usage_report_for_another_chain_or_contract_is_rejected(scene: &Scene) {
    let signer = scene.env.usage_signer.clone();
    let before = scene.usage().await;
    for (chain_id, contract) in [
        (421_614, scene.env.deployment.core),
        (scene.env.deployment.chain_id, scene.env.deployment.storefront),
    ] {
        let request = scene.request().await;
        let mut payload = scene.honest(request).await;
        let fields = ReportFields { chain_id, contract, ..scene.fields().await };
        payload.signatures = cre::usage_signature(&fields, &signer).unwrap();
        assert!(scene.forger.send(&scene.signed(&payload)).await.unwrap().status());
        assert_eq!(scene.answer(request).await, Some(Answer::Rejected(UNTRUSTED_SIGNER)));
    }
    assert_eq!(scene.usage().await.lastSyncedAt, before.lastSyncedAt);
}

/// The DON (or a relay) changes the numbers the node signed: the signature no longer
/// recovers to a trusted signer.
async fn altered_numbers_are_rejected(scene: &Scene) {
    let before = scene.usage().await;
    let request = scene.request().await;
    let mut payload = scene.honest(request).await;
    payload.used_bytes = 1;
    assert!(scene.forger.send(&scene.signed(&payload)).await.unwrap().status());
    assert_eq!(scene.answer(request).await, Some(Answer::Rejected(UNTRUSTED_SIGNER)));
    let after = scene.usage().await;
    assert_eq!((after.usedBytes, after.lastSyncedAt), (before.usedBytes, before.lastSyncedAt));
}

/// A head signed by a key PxSync does not trust, published under the token's name: the
/// adapters relay it, the DON agrees on it, PxSync rejects it.
async fn a_report_from_an_unknown_usage_signer_is_rejected(scene: &mut Scene) {
    scene.env.restart_don().await.unwrap();
    let (current, current_bytes) = cre::head(&scene.env, scene.token).await.unwrap();
    let before = scene.usage().await;
    let key = BtnsKey::from_bytes(&current.btns_key.to_bytes()).unwrap();
    let forged = UsageDocument::builder(
        scene.env.deployment.chain_id,
        scene.env.deployment.core,
        scene.token,
        key,
    )
    .sequence(current.sequence + 1)
    .quota(current.quota_bytes, current.upload_limit)
    .usage(0, 0)
    .sign(&PrivateKeySigner::random())
    .unwrap();
    cre::publish_head(&scene.env, scene.token, forged.bytes).await.unwrap();
    let request = scene.request().await;
    let (answer, tx) = cre::wait_answer(&scene.env, request, Duration::from_mins(2)).await.unwrap();
    assert_eq!(answer, Answer::Rejected(UNTRUSTED_SIGNER));
    assert_eq!(cre::delivery(&scene.env, tx).await.unwrap().signatures, 2, "delivered by the DON");
    let after = scene.usage().await;
    assert_eq!((after.usedBytes, after.syncSequence), (before.usedBytes, before.syncSequence));
    cre::publish_head(&scene.env, scene.token, current_bytes).await.unwrap();
}

/// The DON never answers: after the CRE request timeout anyone may cancel; the payer gets the
/// ETH fee back, a sponsored sync is given back; the DON back, a new sync goes through.
async fn a_silent_don_lets_requests_be_cancelled_and_refunded(scene: &mut Scene) {
    scene.env.stop_don();
    let timeout = scene.sync(&scene.user).creConfig().call().await.unwrap().requestTimeout;
    let stranger = scene.env.users[4].clone();

    // Paid in ETH: refunded.
    let request = scene.request().await;
    let payer = scene.user.address();
    let provider = scene.provider(&scene.user);
    let balance = provider.get_balance(payer).await.unwrap();
    let Err(early) = scene.sync(&stranger).cancelSync(request).call().await else {
        panic!("cancelled before the timeout")
    };
    assert!(matches!(
        early.as_decoded_interface_error::<IPxSyncErrors>(),
        Some(IPxSyncErrors::RequestNotExpired(_))
    ));
    scene.env.advance(timeout).await.unwrap();
    let receipt = scene
        .sync(&stranger)
        .cancelSync(request)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let cancelled = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| IPxSync::SyncCancelled::decode_log_data(l.data()).ok())
        .unwrap();
    assert!(cancelled.refunded);
    let fee = scene.sync(&scene.user).creConfig().call().await.unwrap().syncFee;
    assert_eq!(provider.get_balance(payer).await.unwrap(), balance + fee, "the fee came back");

    // Sponsored: a second token whose sponsored sync of this window is unused.
    let bob = scene.env.users[1].clone();
    let minted: Value = serde_json::from_slice(
        &scene.env.px(&bob, &["--json", "mint", "--plan", "1"]).await.unwrap().stdout,
    )
    .unwrap();
    let token: U256 = minted["tokenId"].as_str().unwrap().parse().unwrap();
    let sync = scene.sync(&bob);
    let receipt = sync.requestSync(token).send().await.unwrap().get_receipt().await.unwrap();
    let request = cre::requested(&receipt).unwrap().requestId;
    scene.env.advance(timeout).await.unwrap();
    assert!(sync.cancelSync(request).send().await.unwrap().get_receipt().await.unwrap().status());
    // Given back: another sponsored request in the same window is accepted and, the DON back,
    // answered.
    scene.env.restart_don().await.unwrap();
    let receipt = sync.requestSync(token).send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "the sponsored sync was given back");
    let request = cre::requested(&receipt).unwrap().requestId;
    let (answer, _) = cre::wait_answer(&scene.env, request, Duration::from_mins(2)).await.unwrap();
    assert!(matches!(answer, Answer::Fulfilled(_)), "{answer:?}");
}

async fn a_wrong_fee_is_refused(scene: &Scene) {
    let sync = scene.sync(&scene.user);
    let fee = sync.creConfig().call().await.unwrap().syncFee;
    let err = sync.requestSyncWithFee(scene.token).value(fee - U256::from(1)).call().await;
    assert_eq!(
        err.unwrap_err().as_decoded_interface_error::<IPxSyncErrors>(),
        Some(IPxSyncErrors::IncorrectFee(IPxSync::IncorrectFee {
            expected: fee,
            received: fee - U256::from(1),
        }))
    );
}

/// Every `SyncFulfilled` PxSync logged for the scene's token.
async fn fulfilments(scene: &Scene) -> usize {
    let filter = Filter::new()
        .address(scene.env.deployment.sync)
        .event_signature(IPxSync::SyncFulfilled::SIGNATURE_HASH)
        .topic1(scene.token)
        .from_block(scene.env.deployment.start_block);
    scene.provider(&scene.user).get_logs(&filter).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cre_adversaries_change_nothing_and_end_as_documented() {
    let env = Environment::start(Options::default()).await.unwrap();
    let user = env.users[0].clone();
    let minted: Value = serde_json::from_slice(
        &env.px(&user, &["--json", "mint", "--plan", "1"]).await.unwrap().stdout,
    )
    .unwrap();
    let token: U256 = minted["tokenId"].as_str().unwrap().parse().unwrap();
    let forger = Forger::new(&env).unwrap();
    let mut scene = Scene { env, user, token, forger };
    // The honest DON syncs the token once (sponsored), then stands aside for the forgeries.
    let receipt = scene.sync(&scene.user).requestSync(token).send().await.unwrap();
    let request = cre::requested(&receipt.get_receipt().await.unwrap()).unwrap().requestId;
    let (answer, _) = cre::wait_answer(&scene.env, request, Duration::from_mins(2)).await.unwrap();
    assert!(matches!(answer, Answer::Fulfilled(_)), "{answer:?}");
    scene.env.stop_don();

    a_wrong_fee_is_refused(&scene).await;
    let request = scene.request().await;
    a_caller_that_is_not_the_forwarder_is_refused(&scene, request).await;
    a_report_of_another_workflow_id_is_refused(&scene, request).await;
    a_report_of_another_workflow_owner_is_refused(&scene, request).await;
    only_f_signatures_are_refused_by_the_forwarder(&scene, request).await;
    a_report_for_another_token_is_rejected(&scene, request).await;
    a_replayed_report_changes_nothing(&scene).await;
    a_usage_report_for_another_chain_or_contract_is_rejected(&scene).await;
    altered_numbers_are_rejected(&scene).await;
    let honest_fulfilments = fulfilments(&scene).await;
    a_report_from_an_unknown_usage_signer_is_rejected(&mut scene).await;
    assert_eq!(fulfilments(&scene).await, honest_fulfilments, "no forgery was applied");
    a_silent_don_lets_requests_be_cancelled_and_refunded(&mut scene).await;
}
