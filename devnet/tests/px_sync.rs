//! The PX sync round trip on the artifacts users deploy: the core and `PxSync` WASM programs with
//! Chainlink's LinkToken and Operator, on the Direct Request route (the CRE route's round trip,
//! through Chainlink's `KeystoneForwarder`, is px-don's and the end-to-end tests'). A holder
//! pays with `LINK.transferAndCall` (EVM -> `PxSync`'s WASM -> LINK -> Operator), the
//! Operator emits `OracleRequest`, the node fulfils
//! through `fulfillOracleRequest2` (EVM -> `PxSync` -> core), and an unanswered request is
//! cancelled after Chainlink's five-minute expiry with the LINK refunded.

mod common;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{SolCall, SolEvent, SolStruct, SolValue},
};
use common::{
    Core,
    chainlink_flow::{LINK, LinkToken, Operator},
    deploy_evm, intrinsic, key, send, view,
};
use px_abi::{IPxStorageNft as Nft, IPxSync as Sync, eip712};
use px_devnet::chain::config::DEV_KEYS;

alloy::sol! {
    interface Erc677 {
        function transferAndCall(address to, uint256 amount, bytes calldata data) external returns (bool);
    }
}

const JOB: B256 = B256::repeat_byte(0x70);

struct World {
    c: Core,
    link: Address,
    operator: Address,
    sync: Address,
    node: Address,
    signer: PrivateKeySigner,
    token: U256,
}

fn world() -> World {
    let mut c = Core::new();
    let (owner, node) = (c.owner, c.carol);
    let link = deploy_evm(&mut c.chain, owner, common::chainlink("LinkToken"), &[]);
    let operator = deploy_evm(
        &mut c.chain,
        owner,
        common::chainlink("Operator"),
        &(link, owner).abi_encode_params(),
    );
    send(&mut c.chain, owner, link, &LinkToken::grantMintRoleCall { minter: owner })
        .expect_success();
    send(
        &mut c.chain,
        owner,
        link,
        &LinkToken::mintCall { account: c.alice, amount: U256::from(10 * LINK) },
    )
    .expect_success();
    send(
        &mut c.chain,
        owner,
        operator,
        &Operator::setAuthorizedSendersCall { senders: vec![node] },
    )
    .expect_success();
    let wasm = common::stylus_wasm("px_sync");
    let sync = c
        .chain
        .deploy_stylus_with_constructor(
            owner,
            &wasm,
            &(owner, c.nft).abi_encode_params(),
            U256::ZERO,
        )
        .expect("PxSync deploys");
    c.send(owner, &Nft::setSyncerCall { syncer: sync }).expect_success();
    let set_oracle = Sync::setOracleCall { link, operator, jobId: JOB, fee: U256::from(LINK) };
    send(&mut c.chain, owner, sync, &set_oracle).expect_success();
    // These are the Direct Request round trips; a fresh PxSync routes sponsored syncs via CRE.
    send(&mut c.chain, owner, sync, &Sync::setSyncRouteCall { route: 2 }).expect_success();
    let signer: PrivateKeySigner = DEV_KEYS[10].parse().unwrap();
    send(
        &mut c.chain,
        owner,
        sync,
        &Sync::setUsageSignerCall { signer: signer.address(), trusted: true },
    )
    .expect_success();
    let token = c.mint(c.alice, &key(7));
    World { c, link, operator, sync, node, signer, token }
}

impl World {
    /// Alice pays the fee with `LINK.transferAndCall(sync, fee, abi.encode(token))`; returns the
    /// Operator's request.
    fn pay_and_request(&mut self) -> Operator::OracleRequest {
        let pay = Erc677::transferAndCallCall {
            to: self.sync,
            amount: U256::from(LINK),
            data: self.token.abi_encode().into(),
        };
        let receipt = send(&mut self.c.chain, self.c.alice, self.link, &pay);
        receipt.expect_success();
        receipt
            .logs
            .iter()
            .find_map(|l| Operator::OracleRequest::decode_log(l).ok())
            .expect("the Operator emitted OracleRequest")
            .data
    }

    /// The node answers `request` with a report signed by `signer`.
    fn fulfil(
        &mut self,
        request: &Operator::OracleRequest,
        signer: &PrivateKeySigner,
        used: u64,
        digest: B256,
    ) -> px_devnet::chain::Receipt {
        let report = eip712::UsageReport {
            tokenId: self.token,
            btnsKey: Bytes::from(key(7)),
            sequence: 1,
            usedBytes: used,
            uploadCount: 2,
        };
        let hash = report.eip712_signing_hash(&eip712::domain(412_346, self.c.nft));
        let sig = signer.sign_hash_sync(&hash).unwrap();
        let answer = Sync::fulfillSyncCall {
            requestId: request.requestId,
            sequence: 1,
            usedBytes: used,
            uploadCount: 2,
            metadataDigest: digest,
            v: 27 + u8::from(sig.v()),
            r: sig.r().into(),
            s: sig.s().into(),
        };
        // The Operator passes on everything after the selector; its first word is the request id.
        let data = answer.abi_encode()[4..].to_vec();
        let fulfil = Operator::fulfillOracleRequest2Call {
            requestId: request.requestId,
            payment: request.payment,
            callbackAddress: request.callbackAddr,
            callbackFunctionId: request.callbackFunctionId,
            expiration: request.cancelExpiration,
            data: data.into(),
        };
        send(&mut self.c.chain, self.node, self.operator, &fulfil)
    }

    fn link_of(&self, who: Address) -> U256 {
        view(&self.c.chain, self.link, &LinkToken::balanceOfCall { account: who })
    }
}

#[test]
fn a_paid_sync_request_is_fulfilled_by_the_node_into_the_core() {
    let mut w = world();
    let request = w.pay_and_request();
    assert_eq!(request.specId, JOB);
    assert_eq!(request.callbackAddr, w.sync);
    assert_eq!(request.callbackFunctionId, Sync::fulfillSyncCall::SELECTOR);
    assert_eq!(request.dataVersion, U256::from(2));
    assert_eq!(w.link_of(w.c.alice), U256::from(9 * LINK));
    let signer = w.signer.clone();
    let digest = B256::repeat_byte(0xd1);
    let receipt = w.fulfil(&request, &signer, 123_456, digest);
    receipt.expect_success();
    let fulfilled = receipt
        .logs
        .iter()
        .find_map(|l| Sync::SyncFulfilled::decode_log(l).ok())
        .expect("SyncFulfilled");
    assert_eq!(
        (fulfilled.tokenId, fulfilled.usedBytes, fulfilled.metadataDigest),
        (w.token, 123_456, digest)
    );
    let usage = w.c.view(&Nft::usageOfCall { tokenId: w.token });
    assert_eq!((usage.usedBytes, usage.uploadCount, usage.syncSequence), (123_456, 2, 1));
    assert_eq!(usage.metadataDigest, digest);
    assert_eq!(usage.lastSyncedAt, w.c.chain.latest().header.timestamp);
    assert_eq!(w.link_of(w.operator), U256::from(LINK), "the Operator holds the payment");
}

#[test]
fn error_when_the_report_is_signed_by_an_untrusted_key_the_sync_is_rejected_by_event() {
    let mut w = world();
    let request = w.pay_and_request();
    let stranger: PrivateKeySigner = DEV_KEYS[9].parse().unwrap();
    let receipt = w.fulfil(&request, &stranger, 999, B256::repeat_byte(1));
    // The Operator's call succeeds (PxSync never reverts for the recorded operator) ...
    receipt.expect_success();
    assert!(receipt.logs.iter().any(|l| Sync::SyncRejected::decode_log(l).is_ok()));
    // ... and the core's usage is untouched.
    let usage = w.c.view(&Nft::usageOfCall { tokenId: w.token });
    assert_eq!((usage.usedBytes, usage.syncSequence), (0, 0));
}

#[test]
fn an_unanswered_request_is_cancelled_after_the_expiry_and_refunded() {
    let mut w = world();
    let request = w.pay_and_request();
    let cancel = Sync::cancelSyncCall { requestId: request.requestId };
    let early = send(&mut w.c.chain, w.c.bob, w.sync, &cancel);
    assert!(!early.success, "not before Chainlink's five minutes");
    w.c.chain.increase_time(301);
    send(&mut w.c.chain, w.c.bob, w.sync, &cancel).expect_success();
    assert_eq!(w.link_of(w.c.alice), U256::from(10 * LINK), "the payer got the LINK back");
    assert_eq!(w.link_of(w.operator), U256::ZERO);
}

#[test]
fn a_sponsored_request_from_the_program_makes_the_operator_emit_oracle_request() {
    let mut w = world();
    let owner = w.c.owner;
    send(&mut w.c.chain, owner, w.sync, &Sync::setSponsoredMinQuotaCall { minQuotaBytes: 1 << 20 })
        .expect_success();
    send(
        &mut w.c.chain,
        w.c.alice,
        w.link,
        &LinkToken::transferCall { to: w.sync, amount: U256::from(LINK) },
    )
    .expect_success();
    let receipt =
        send(&mut w.c.chain, w.c.alice, w.sync, &Sync::requestSyncCall { tokenId: w.token });
    receipt.expect_success();
    let request = receipt
        .logs
        .iter()
        .find_map(|l| Operator::OracleRequest::decode_log(l).ok())
        .expect("OracleRequest");
    assert_eq!(request.address, w.operator);
    assert_eq!(request.requester, w.sync);
    assert_eq!(w.link_of(w.sync), U256::ZERO, "PxSync paid the fee");
}

#[test]
fn error_when_sponsored_syncs_are_off() {
    let mut w = world();
    let receipt =
        send(&mut w.c.chain, w.c.alice, w.sync, &Sync::requestSyncCall { tokenId: w.token });
    assert!(!receipt.success);
    assert!(receipt.logs.is_empty());
}

#[test]
fn supports_interface_fits_the_30000_gas_the_forwarders_erc165_probe_forwards_uncached() {
    // KeystoneForwarder asks `ERC165Checker.supportsInterface(receiver, IReceiver)` before every
    // delivery; each query is a staticcall with 30,000 gas, and a query that runs out counts as
    // "no IReceiver": the transmission is recorded INVALID_RECEIVER for good. The first query of
    // a delivery pays PxSync's uncached start-up, so the whole call must fit in 30,000 uncached.
    let w = world();
    for id in [[0x01, 0xff, 0xc9, 0xa7], [0xff; 4], [0x80, 0x5f, 0x21, 0x32]] {
        let query = Sync::supportsInterfaceCall { interfaceId: id.into() };
        let data = query.abi_encode();
        let req = px_devnet::chain::TxRequest::call(w.c.alice, w.sync, data.clone());
        let used = w.c.chain.estimate_gas(&req, None).unwrap() - intrinsic(&data);
        println!("PxSync supportsInterface({id:02x?}): {used} gas uncached");
        assert!(used < 30_000, "{used} gas: the forwarder's probe would fail");
    }
    assert!(view(
        &w.c.chain,
        w.sync,
        &Sync::supportsInterfaceCall { interfaceId: [0x80, 0x5f, 0x21, 0x32].into() }
    ));
    assert!(!view(
        &w.c.chain,
        w.sync,
        &Sync::supportsInterfaceCall { interfaceId: [0xff; 4].into() }
    ));
}
