//! Tests of every path of `PxSync`, on a host whose calls answer their own mocks and whose
//! `ecrecover` is real (`px-contract-testing`), with usage reports signed by a real key over
//! the EIP-712 definitions of `px-abi` (an implementation independent of the program's).

mod cancel;
mod chainlink_vectors;
mod config;
mod cre_cancel;
mod cre_config;
mod cre_invariants;
mod cre_receiver;
mod cre_requests;
mod cre_vectors;
mod fulfil;
mod invariants;
mod requests;
mod router;
mod slots;

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, U256, address, b256};
use alloy_sol_types::{SolCall, SolEvent, SolStruct};
use px_abi::{
    IPxStorageNft::{applyUsageCall, syncContextCall},
    chainlink::{LinkTokenInterface, OperatorInterface},
    eip712,
};
use px_contract_testing::CallHost;

use crate::{PxSync, cbor, config::SyncConfig, cre::CreConfig, requests::EXPIRY_SECONDS};

pub(super) const OWNER: Address = address!("0x00000000000000000000000000000000000000a1");
pub(super) const ALICE: Address = address!("0x00000000000000000000000000000000000000b1");
pub(super) const BOB: Address = address!("0x00000000000000000000000000000000000000b2");
pub(super) const STRANGER: Address = address!("0x00000000000000000000000000000000000000ee");
pub(super) const SYNC: Address = address!("0x0000000000000000000000000000000000005c01");
pub(super) const CORE: Address = address!("0x00000000000000000000000000000000000c0de1");
pub(super) const LINK: Address = address!("0x000000000000000000000000000000000000114c");
pub(super) const OPERATOR: Address = address!("0x0000000000000000000000000000000000000c1a");
pub(super) const JOB_ID: B256 =
    b256!("0x3864616235356433386134373464316139333662653161333131396232656233");
/// 0.1 LINK.
pub(super) const FEE: U256 = U256::from_limbs([100_000_000_000_000_000, 0, 0, 0]);
pub(super) const CHAIN_ID: u64 = 412_346;
pub(super) const T0: u64 = 1_700_000_000;
pub(super) const GIB: u64 = 1 << 30;
pub(super) const WINDOW: u64 = 30 * 24 * 3600;
pub(super) const TOKEN: U256 = U256::from_limbs([7, 0, 0, 0]);
pub(super) const FORWARDER: Address = address!("0x000000000000000000000000000000000000f0f0");
pub(super) const WORKFLOW_ID: B256 =
    b256!("0x00aa0000000000000000000000000000000000000000000000000000000000aa");
pub(super) const WORKFLOW_OWNER: Address = address!("0x00000000000000000000000000000000000000c0");
pub(super) const WORKFLOW_NAME: &str = "px-sync";
/// 0.001 ETH.
pub(super) const SYNC_FEE: U256 = U256::from_limbs([1_000_000_000_000_000, 0, 0, 0]);

/// The PX node's usage signer in these tests.
pub(super) fn usage_signer() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11)).unwrap()
}

/// Some other key.
pub(super) fn other_signer() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(0x22)).unwrap()
}

/// An ed25519 peer id.
pub(super) fn btns_key(seed: u8) -> Bytes {
    px_contract_testing::ed25519_key(seed).into()
}

/// What the core answers about a token.
#[derive(Clone)]
pub(super) struct CoreToken {
    pub(super) key: Bytes,
    pub(super) owner: Address,
    pub(super) quota: u64,
    pub(super) sequence: u64,
    pub(super) digest: B256,
    pub(super) paused: bool,
}

impl Default for CoreToken {
    fn default() -> Self {
        Self {
            key: btns_key(1),
            owner: ALICE,
            quota: GIB,
            sequence: 1,
            digest: B256::repeat_byte(1),
            paused: false,
        }
    }
}

/// A `PxSync` constructed and configured at `T0`, with one trusted usage signer, on the Direct
/// Request route (`Fixture::cre` for the CRE route).
pub(super) struct Fixture {
    pub(super) host: CallHost,
    pub(super) sync: PxSync,
}

impl Fixture {
    pub(super) fn new() -> Self {
        let host = CallHost::new();
        host.set_contract_address(SYNC);
        host.set_chain_id(CHAIN_ID);
        host.set_block_timestamp(T0);
        let mut sync = PxSync::from(&host);
        host.set_sender(OWNER);
        sync.constructor(OWNER, CORE).unwrap();
        sync.set_oracle(LINK, OPERATOR, JOB_ID, FEE).unwrap();
        sync.set_usage_signer(usage_signer().address(), true).unwrap();
        sync.set_sponsored_min_quota(GIB).unwrap();
        crate::cre::CreConfig::set_sync_route(&mut sync, crate::cre::ROUTE_DIRECT).unwrap();
        host.clear_mocks();
        let fixture = Self { host, sync };
        fixture.link_accepts_everything();
        fixture
    }

    /// A fixture on the CRE route: forwarder, workflow id and owner set, and a sync fee.
    pub(super) fn cre() -> Self {
        let mut f = Self::new();
        f.sender(OWNER);
        let sync = &mut f.sync;
        CreConfig::set_sync_route(sync, crate::cre::ROUTE_CRE).unwrap();
        CreConfig::set_forwarder_address(sync, FORWARDER).unwrap();
        CreConfig::set_expected_workflow_id(sync, WORKFLOW_ID).unwrap();
        CreConfig::set_expected_author(sync, WORKFLOW_OWNER).unwrap();
        CreConfig::set_sync_fee(sync, SYNC_FEE).unwrap();
        f.host.clear_mocks();
        f.link_accepts_everything();
        f
    }

    /// Makes the SHA-256 precompile answer for `input`.
    pub(super) fn sha256_knows(&self, input: &[u8]) {
        use sha2::Digest;
        let hash = sha2::Sha256::digest(input).to_vec();
        self.host.mock_static_call(
            address!("0x0000000000000000000000000000000000000002"),
            input.to_vec(),
            Ok(hash),
        );
    }

    /// Sends a sponsored CRE request for `TOKEN` as ALICE; returns its id.
    pub(super) fn cre_request(&mut self) -> B256 {
        self.core_knows(TOKEN, &CoreToken::default());
        self.sender(ALICE);
        crate::requests::SyncRequests::request_sync(&mut self.sync, TOKEN).unwrap()
    }

    /// Sends a user-paid CRE request for `TOKEN` as ALICE with `value` wei.
    pub(super) fn paid_cre_request(&mut self, value: U256) -> Result<B256, crate::Error> {
        self.core_knows(TOKEN, &CoreToken::default());
        self.sender(ALICE);
        self.host.set_value(value);
        let result = crate::requests::SyncRequests::request_sync_with_fee(&mut self.sync, TOKEN);
        self.host.set_value(U256::ZERO);
        result
    }

    /// Calls `onReport` as `from`.
    pub(super) fn deliver(
        &mut self,
        from: Address,
        metadata: Vec<u8>,
        report: Vec<u8>,
    ) -> Result<(), crate::Error> {
        self.sender(from);
        crate::receiver::CreReceiver::on_report(&mut self.sync, metadata.into(), report.into())
    }

    pub(super) fn sender(&self, account: Address) {
        self.host.set_sender(account);
    }

    pub(super) fn now(&self) -> u64 {
        stylus_sdk::prelude::BlockAccess::block_timestamp(&*self.host)
    }

    pub(super) fn advance(&self, seconds: u64) {
        self.host.set_block_timestamp(self.now() + seconds);
    }

    /// Makes the core answer `syncContext` for `token` as `state` says, for the requesters
    /// that matter (the owner, a stranger) and for the fulfilment (the zero address).
    pub(super) fn core_knows(&self, token: U256, state: &CoreToken) {
        for account in [state.owner, STRANGER, BOB, Address::ZERO] {
            let answer =
                syncContextCall::abi_encode_returns(&px_abi::IPxStorageNft::syncContextReturn {
                    btnsKey: state.key.clone(),
                    authorized: account == state.owner,
                    quotaBytes: state.quota,
                    syncSequence: state.sequence,
                    metadataDigest: state.digest,
                    lastSyncedAt: T0,
                    syncWindow: WINDOW,
                    paused: state.paused,
                });
            let query = syncContextCall { tokenId: token, account }.abi_encode();
            self.host.mock_static_call(CORE, query, Ok(answer));
        }
    }

    /// Makes LINK's `transferAndCall` and `transfer` answer `true` for the calls the tests make.
    fn link_accepts_everything(&self) {
        // Calls are matched on exact calldata; the tests that need a specific one mock it. For
        // the others, a generic "true" for the requests of the first nonces is enough.
        for nonce in 1..=8u64 {
            for seed in 0..=3u8 {
                for token in [TOKEN, U256::from(8)] {
                    let call = Self::expected_link_call(nonce, &btns_key(seed), token);
                    self.host.mock_call(LINK, call, U256::ZERO, Ok(true_word()));
                }
            }
        }
        for payer in [ALICE, BOB, OWNER] {
            let refund = LinkTokenInterface::transferCall { to: payer, value: FEE }.abi_encode();
            self.host.mock_call(LINK, refund, U256::ZERO, Ok(true_word()));
        }
    }

    /// The `LINK.transferAndCall` a request with `nonce` must make, built from Chainlink's ABI.
    pub(super) fn expected_link_call(nonce: u64, key: &[u8], token: U256) -> Vec<u8> {
        let request = OperatorInterface::operatorRequestCall {
            sender: Address::ZERO,
            payment: U256::ZERO,
            specId: JOB_ID,
            callbackFunctionId: px_abi::IPxSync::fulfillSyncCall::SELECTOR.into(),
            nonce: U256::from(nonce),
            dataVersion: U256::from(2),
            data: cbor::sync_request(key, token.to(), CORE, CHAIN_ID).into(),
        }
        .abi_encode();
        LinkTokenInterface::transferAndCallCall { to: OPERATOR, value: FEE, data: request.into() }
            .abi_encode()
    }

    /// The request id of `nonce`, as the Operator computes it.
    pub(super) fn request_id(nonce: u64) -> B256 {
        let mut packed = SYNC.to_vec();
        packed.extend_from_slice(&U256::from(nonce).to_be_bytes::<32>());
        alloy_primitives::keccak256(packed)
    }

    /// Sends a sponsored request for `TOKEN` as ALICE; returns its id.
    pub(super) fn request(&mut self) -> B256 {
        self.core_knows(TOKEN, &CoreToken::default());
        self.sender(ALICE);
        crate::requests::SyncRequests::request_sync(&mut self.sync, TOKEN).unwrap()
    }

    /// The logs emitted so far, decoded as `E` where they match.
    pub(super) fn events<E: SolEvent>(&self) -> Vec<E> {
        self.host.events()
    }

    /// The calls made to the core's `applyUsage`.
    pub(super) fn applied(&self) -> Vec<applyUsageCall> {
        self.host
            .calls_to(CORE)
            .iter()
            .filter_map(|c| applyUsageCall::abi_decode(&c.data).ok())
            .collect()
    }
}

pub(super) fn true_word() -> Vec<u8> {
    U256::from(1).to_be_bytes::<32>().to_vec()
}

/// A usage report signed by `signer` over the px-abi EIP-712 definitions.
pub(super) struct Signed {
    pub(super) sequence: u64,
    pub(super) used: u64,
    pub(super) count: u32,
    pub(super) v: u8,
    pub(super) r: B256,
    pub(super) s: B256,
}

pub(super) fn sign(
    signer: &PrivateKeySigner,
    token: U256,
    key: &Bytes,
    sequence: u64,
    used: u64,
    count: u32,
) -> Signed {
    let report = eip712::UsageReport {
        tokenId: token,
        btnsKey: key.clone(),
        sequence,
        usedBytes: used,
        uploadCount: count,
    };
    let hash = report.eip712_signing_hash(&eip712::domain(CHAIN_ID, CORE));
    let signature = signer.sign_hash_sync(&hash).unwrap();
    Signed {
        sequence,
        used,
        count,
        v: 27 + u8::from(signature.v()),
        r: signature.r().into(),
        s: signature.s().into(),
    }
}

/// The forwarder's metadata: workflowId ‖ workflowName ‖ workflowOwner ‖ reportId.
pub(super) fn metadata(id: B256, name: [u8; 10], owner: Address) -> Vec<u8> {
    let mut m = id.to_vec();
    m.extend_from_slice(&name);
    m.extend_from_slice(owner.as_slice());
    m.extend_from_slice(&[0x00, 0x01]);
    m
}

/// The metadata of the configured workflow (its name unknown to the program unless set).
pub(super) fn our_metadata() -> Vec<u8> {
    metadata(WORKFLOW_ID, workflow_name(WORKFLOW_NAME), WORKFLOW_OWNER)
}

/// CRE's bytes10 of a workflow name, computed here independently of the program: the first
/// 10 characters of the lowercase hex of sha256(name).
pub(super) fn workflow_name(name: &str) -> [u8; 10] {
    use sha2::Digest;
    let hex = alloy_primitives::hex::encode(sha2::Sha256::digest(name.as_bytes()));
    hex.as_bytes()[..10].try_into().unwrap()
}

/// A CRE report as the workflow encodes it: `abi.encode(requestId, tokenId, sequence,
/// usedBytes, uploadCount, metadataDigest, signatures)`.
pub(super) fn cre_report(
    request_id: B256,
    token: U256,
    usage: &Signed,
    digest: B256,
    signatures: &[u8],
) -> Vec<u8> {
    alloy_sol_types::SolValue::abi_encode_params(&(
        request_id,
        token,
        usage.sequence,
        usage.used,
        usage.count,
        digest,
        Bytes::copy_from_slice(signatures),
    ))
}

impl Signed {
    /// The 65-byte `r ‖ s ‖ v` form.
    pub(super) fn bytes(&self) -> Vec<u8> {
        let mut out = self.r.to_vec();
        out.extend_from_slice(self.s.as_slice());
        out.push(self.v);
        out
    }
}

/// The Operator's expiry for a request sent at `sent_at`.
pub(super) fn expiry(sent_at: u64) -> u64 {
    sent_at + EXPIRY_SECONDS
}
