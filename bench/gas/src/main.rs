//! `px-bench-gas`: the receipt gas of the PX programs' user-facing transactions on px-devnet,
//! beside an OpenZeppelin 4.8.3 ERC-721 on anvil, in one run (`scripts/bench/gas.sh`; results
//! in `docs/benchmarks.md`, "Programs: gas and size").
//!
//! px-devnet side: [`px_testkit::Deployment`] (the WASM `cargo xtask wasm` built, Chainlink's
//! LinkToken and Operator, roles set), driven in-process. Every transaction is mined and its
//! receipt's `gasUsed` (after refunds) recorded, with a decomposition: intrinsic gas with
//! calldata, one Stylus start-up per program frame the call runs, the logs, and the rest
//! (storage, calls, precompiles, compute, EVM code).
//!
//! The share of a fulfilment that the callback (`PxSync.fulfillSync` and the core under it)
//! consumes is measured by difference: the same `fulfillOracleRequest2` transaction, from the
//! same state, once as is and once with `PxSync`'s code replaced by a single `STOP`; the Operator
//! does identical work in both (its commitment check, escrow, the cold `CALL`), so the difference
//! is exactly what the callback frame used, net of the refunds it earned.
//!
//! The same three syncs also run through CRE: the request on PxSync's CRE route, then
//! Chainlink's `KeystoneForwarder.report` from the DON's transmitter with f + 1 DON signatures
//! (px-don's bytes), with the receiver's share by the same `STOP` difference.
//!
//! Anvil side: `bench/gas/sol/BenchERC721.sol`, compiled by `scripts/bench/gas.sh` with solc
//! 0.8.19 (`scripts/chainlink/compile.mjs`), deployed on a fresh anvil (Prague, the same chain id)
//! and driven through the same sequence of mints and transfers; the same bytecode also runs on
//! px-devnet, whose EVM gas must equal anvil's (printed as a check).
//!
//! ```text
//! px-bench-gas [--anvil PATH] [--json PATH]
//! ```

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{SolCall, SolEvent, SolStruct, SolValue},
};
use px_abi::{
    IPxStorageNft as Nft, IPxStorefront as Store, IPxSync as Sync,
    arbitrum::{ARB_WASM, ArbWasm},
    chainlink::{LinkTokenInterface as Link, OperatorInterface as Operator},
    eip712,
};
use px_don::{
    don::WRITE_REPORT_GAS_LIMIT,
    forwarder,
    report::{self, ReportHeader, SyncReport, WorkflowIdentity},
};
use px_testkit::{
    Deployment, PRICES,
    px_devnet::{
        chain::{Receipt, TxRequest, config::DEV_KEYS},
        stylus::pricing::{MIN_CACHED_INIT_GAS, MIN_INIT_GAS},
    },
    root,
};
use serde_json::json;

alloy::sol! {
    /// The Solidity baseline (`bench/gas/sol/BenchERC721.sol`).
    interface BenchErc721 {
        function mint(address to) external returns (uint256 tokenId);
        function transferFrom(address from, address to, uint256 tokenId) external;
    }
}

/// The issue's targets, in gas.
const TARGET_MINT_WITH_KEY: u64 = 150_000;
const TARGET_TRANSFER: u64 = 60_000;
const TARGET_FULFIL: u64 = 60_000;
/// The job spec's gas limit for `fulfillOracleRequest2` (`scripts/chainlink/px-sync-job.toml`).
const FULFIL_GAS_LIMIT: u64 = 1_000_000;
/// Stylus program frames of a CRE delivery: the forwarder's ERC-165 probe of PxSync (three
/// `supportsInterface` calls), `onReport`, and the core under it as under `fulfillSync` (two).
const CRE_FRAMES: u64 = 6;
/// 1 GiB: plan 1's quota, from which syncs are sponsored in this run.
const GIB: u64 = 1 << 30;

/// One measured transaction (or share of one).
#[derive(Debug, Clone)]
struct Row {
    /// What was measured.
    op: String,
    /// `px-devnet` or `anvil`.
    chain: &'static str,
    /// Receipt `gasUsed` (after refunds), or the callback's share.
    gas: u64,
    /// 21,000 plus calldata (EIP-2028), or `None` for a share of a transaction.
    intrinsic: Option<u64>,
    /// Stylus program frames the call runs (read from the programs' code, see `docs/benchmarks.md`).
    frames: u64,
    /// LOG gas of the logs the measured part emitted.
    logs: u64,
    /// The issue's target, if it sets one for this operation.
    target: Option<u64>,
}

impl Row {
    /// What the decomposition does not name: storage, calls, precompiles, compute, EVM code.
    fn rest(&self) -> i64 {
        let named = self.intrinsic.unwrap_or(0) + self.frames * MIN_INIT_GAS + self.logs;
        i64::try_from(self.gas).unwrap_or(i64::MAX) - i64::try_from(named).unwrap_or(i64::MAX)
    }

    /// The same call with every program in ArbOS' cache, at best: each start-up at the cached
    /// minimum instead of the uncached one.
    fn cached(&self) -> u64 {
        self.gas - self.frames * (MIN_INIT_GAS - MIN_CACHED_INIT_GAS)
    }

    fn verdict(&self) -> &'static str {
        match self.target {
            Some(t) if self.gas < t => "met",
            Some(_) => "missed",
            None => "",
        }
    }
}

/// Intrinsic gas of a call with `data` (21,000 + 4 per zero byte + 16 per other byte).
fn intrinsic(data: &[u8]) -> u64 {
    21_000 + data.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum::<u64>()
}

/// LOG gas of `logs` (375 + 375 per topic + 8 per data byte).
fn log_gas<'a>(logs: impl IntoIterator<Item = &'a alloy::primitives::Log>) -> u64 {
    logs.into_iter()
        .map(|l| 375 + 375 * l.topics().len() as u64 + 8 * l.data.data.len() as u64)
        .sum()
}

/// An ed25519 libp2p peer id (identity multihash) with public key bytes `seed`: the key form
/// PX nodes make, stored in one slot by the core.
fn btns_key(seed: u8) -> Bytes {
    let mut key = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    key.extend_from_slice(&[seed; 32]);
    key.into()
}

fn signer(i: usize) -> PrivateKeySigner {
    DEV_KEYS[i].parse().expect("development key")
}

/// A deployed program: name, address, memory footprint in pages, code bytes, code hash.
type Footprint = (&'static str, Address, u16, usize, B256);

/// The Operator's `OracleRequest` in a request's receipt.
fn oracle_request(r: &Receipt) -> Operator::OracleRequest {
    r.logs
        .iter()
        .find_map(|l| Operator::OracleRequest::decode_log(l).ok())
        .expect("the Operator emitted OracleRequest")
        .data
}

/// The request id of PxSync's `SyncRequested` in a request's receipt.
fn sync_request(r: &Receipt) -> B256 {
    r.logs
        .iter()
        .find_map(|l| Sync::SyncRequested::decode_log(l).ok())
        .expect("PxSync emitted SyncRequested")
        .data
        .requestId
}

/// The token a mint's receipt created (the core's `Transfer` from zero).
fn minted(r: &Receipt) -> U256 {
    r.logs
        .iter()
        .find_map(|l| Nft::Transfer::decode_log(l).ok())
        .expect("the core emitted Transfer")
        .data
        .tokenId
}

/// The px-devnet half of the run.
struct Devnet {
    d: Deployment,
    rows: Vec<Row>,
    chain_id: u64,
    /// Whole-transaction gas of each CRE delivery (what the workflow's gas limit must cover).
    cre_whole: Vec<u64>,
}

impl Devnet {
    fn new() -> Self {
        let d = Deployment::new();
        let chain_id = d.chain.config().chain_id;
        Self { d, rows: Vec::new(), chain_id, cre_whole: Vec::new() }
    }

    /// Sends `data` with `value` from `from` to `to`, mined; panics unless it succeeded.
    fn send(&mut self, from: Address, to: Address, value: U256, data: Vec<u8>) -> Receipt {
        let req = TxRequest::call(from, to, data).with_value(value);
        let r = self.d.chain.send(req).expect("valid transaction");
        assert!(r.success, "transaction to {to} reverted: 0x{}", alloy::hex::encode(&r.output));
        r
    }

    /// Sends and records a whole transaction.
    fn measure(
        &mut self,
        op: &str,
        frames: u64,
        target: Option<u64>,
        (from, to, value): (Address, Address, U256),
        data: Vec<u8>,
    ) -> Receipt {
        let intrinsic = intrinsic(&data);
        let r = self.send(from, to, value, data);
        self.rows.push(Row {
            op: op.into(),
            chain: "px-devnet",
            gas: r.gas_used,
            intrinsic: Some(intrinsic),
            frames,
            logs: log_gas(&r.logs),
            target,
        });
        r
    }

    fn mint_authorization(
        &self,
        minter: Address,
        plan: U256,
        key: &Bytes,
        deadline: U256,
    ) -> Bytes {
        let message =
            eip712::MintAuthorization { minter, planId: plan, btnsKey: key.clone(), deadline };
        let hash = message.eip712_signing_hash(&eip712::domain(self.chain_id, self.d.storefront));
        let sig = self.d.registrar.sign_hash_sync(&hash).expect("signs");
        sig.as_bytes().to_vec().into()
    }

    /// The Chainlink node's `fulfillOracleRequest2` for `request`, carrying the report the
    /// usage signer signed.
    fn fulfilment(
        &self,
        request: &Operator::OracleRequest,
        token: U256,
        key: &Bytes,
        (sequence, used, uploads, digest): (u64, u64, u32, B256),
    ) -> Vec<u8> {
        let report = eip712::UsageReport {
            tokenId: token,
            btnsKey: key.clone(),
            sequence,
            usedBytes: used,
            uploadCount: uploads,
        };
        let hash = report.eip712_signing_hash(&eip712::domain(self.chain_id, self.d.core));
        let sig = self.d.usage_signer.sign_hash_sync(&hash).expect("signs");
        let answer = Sync::fulfillSyncCall {
            requestId: request.requestId,
            sequence,
            usedBytes: used,
            uploadCount: uploads,
            metadataDigest: digest,
            v: 27 + u8::from(sig.v()),
            r: sig.r().into(),
            s: sig.s().into(),
        };
        Operator::fulfillOracleRequest2Call {
            requestId: request.requestId,
            payment: request.payment,
            callbackAddress: request.callbackAddr,
            callbackFunctionId: request.callbackFunctionId,
            expiration: request.cancelExpiration,
            data: answer.abi_encode()[4..].to_vec().into(),
        }
        .abi_encode()
    }

    /// The local DON's `KeystoneForwarder.report` for `request`: the payload carries the report
    /// the usage signer signed, the raw report is signed by f + 1 = 2 DON nodes (px-don's
    /// encoding, byte-identical to the workflow's); `execution` makes its transmission unique.
    fn cre_report(
        &self,
        request: B256,
        token: U256,
        key: &Bytes,
        (sequence, used, uploads, digest): (u64, u64, u32, B256),
        execution: u8,
    ) -> Vec<u8> {
        let usage = eip712::UsageReport {
            tokenId: token,
            btnsKey: key.clone(),
            sequence,
            usedBytes: used,
            uploadCount: uploads,
        };
        let hash = usage.eip712_signing_hash(&eip712::domain(self.chain_id, self.d.core));
        let sig = self.d.usage_signer.sign_hash_sync(&hash).expect("signs");
        let payload = SyncReport {
            request_id: request,
            token_id: token,
            sequence,
            used_bytes: used,
            upload_count: uploads,
            metadata_digest: digest,
            signatures: sig.as_bytes().to_vec().into(),
        }
        .encode();
        let identity = WorkflowIdentity {
            workflow_id: px_testkit::WORKFLOW_ID,
            workflow_name: px_testkit::WORKFLOW_NAME.into(),
            workflow_owner: self.d.workflow_owner,
            don_id: px_testkit::DON_ID,
            config_version: 1,
        };
        let header = ReportHeader::new(&identity, B256::repeat_byte(execution), 1_700_000_000);
        let raw = header.raw_report(&payload);
        let context = report::report_context(B256::repeat_byte(0xcd), u32::from(execution));
        let signatures: Vec<[u8; 65]> = self.d.don_signers[..2]
            .iter()
            .map(|k| report::sign(k, &raw, &context).expect("signs"))
            .collect();
        forwarder::report_call(self.d.sync, raw, &context, &signatures).abi_encode()
    }

    /// Sends a CRE delivery from the DON's transmitter with the workflow's gas limit, records
    /// the whole transaction and the receiver's share (by the `STOP` difference, as for
    /// `fulfillSync`), and checks that the report was accepted.
    fn deliver(&mut self, (label, short): (&str, &str), data: Vec<u8>) {
        let transmitter = signer(0).address();
        let intrinsic = intrinsic(&data);
        let tx =
            TxRequest::call(transmitter, self.d.forwarder, data).with_gas(WRITE_REPORT_GAS_LIMIT);
        // With PxSync reduced to `STOP` its ERC-165 probe answers nothing: the forwarder
        // records an invalid receiver and calls no `onReport`. The difference is what a real
        // receiver costs the transmission: the probe (three `supportsInterface` calls) and
        // `onReport` with the core under it.
        let mut without = self.d.chain.clone();
        without.set_code(self.d.sync, Bytes::from_static(&[0x00]));
        let bare = without.send(tx.clone()).expect("valid transaction");
        assert!(bare.success, "delivery without the receiver reverted");

        let r = self.d.chain.send(tx).expect("valid transaction");
        assert!(r.success, "delivery reverted");
        assert!(
            r.logs.iter().any(|l| Sync::SyncFulfilled::decode_log(l).is_ok()),
            "{label}: the report was not accepted"
        );
        self.rows.push(Row {
            op: format!("`KeystoneForwarder.report` → `onReport`, {label}, whole transaction"),
            chain: "px-devnet",
            gas: r.gas_used,
            intrinsic: Some(intrinsic),
            frames: CRE_FRAMES,
            logs: log_gas(&r.logs),
            target: Some(TARGET_FULFIL),
        });
        let (sync, core) = (self.d.sync, self.d.core);
        self.rows.push(Row {
            op: format!("`onReport` receiver's share (ERC-165 probe included), {short}"),
            chain: "px-devnet",
            gas: r.gas_used - bare.gas_used,
            intrinsic: None,
            frames: CRE_FRAMES,
            logs: log_gas(r.logs.iter().filter(|l| l.address == sync || l.address == core)),
            target: Some(TARGET_FULFIL),
        });
        self.cre_whole.push(r.gas_used);
    }

    /// The three syncs of the Direct Request run (first, repeat with a new document, refresh)
    /// through CRE on a token of their own: the request on the CRE route, then the local DON's
    /// delivery through the forwarder.
    fn run_cre(&mut self, deadline: U256) {
        let carol = self.d.users[2].address();
        let (store, sync, core) = (self.d.storefront, self.d.sync, self.d.core);
        let (price, plan) = (U256::from(PRICES[0]), U256::from(1));
        let key = btns_key(0xc0);
        let call = Store::mintWithKeyCall {
            planId: plan,
            btnsKey: key.clone(),
            deadline,
            signature: self.mint_authorization(carol, plan, &key, deadline),
        };
        let token = minted(&self.send(carol, store, price, call.abi_encode()));
        self.d.use_cre();

        let request = Sync::requestSyncCall { tokenId: token }.abi_encode();
        let r = self.measure(
            "`requestSync` (sponsored, CRE route), the token's first request",
            2,
            None,
            (carol, sync, U256::ZERO),
            request.clone(),
        );
        let data =
            self.cre_report(sync_request(&r), token, &key, (1, 0, 0, B256::repeat_byte(0x11)), 1);
        self.deliver(("first sync (sequence 1)", "first sync"), data);

        let fee = U256::from(px_testkit::SYNC_FEE_WEI);
        let r = self.measure(
            "`requestSyncWithFee` (user-paid in ETH, CRE route), a later request",
            2,
            None,
            (carol, sync, fee),
            Sync::requestSyncWithFeeCall { tokenId: token }.abi_encode(),
        );
        let report = (2, 3_000_000, 3, B256::repeat_byte(0x13));
        let data = self.cre_report(sync_request(&r), token, &key, report, 2);
        self.deliver(("repeat sync (sequence 2, a new document)", "repeat sync"), data);

        let query = TxRequest::call(Address::ZERO, core, Nft::syncWindowCall {}.abi_encode());
        let out = self.d.chain.call(&query, None).expect("call runs");
        let window = Nft::syncWindowCall::abi_decode_returns(&out.output).expect("u64");
        self.d.chain.increase_time(window);
        let r = self.measure(
            "`requestSync` (sponsored, CRE route), a later request",
            2,
            None,
            (carol, sync, U256::ZERO),
            request,
        );
        let data = self.cre_report(sync_request(&r), token, &key, report, 3);
        self.deliver(("refresh (sequence 2 again, the same document)", "refresh"), data);
    }

    /// Sends a fulfilment, records the whole transaction and the callback's share (by the
    /// `STOP` difference), and checks that the report was accepted.
    fn fulfil(&mut self, (label, short): (&str, &str), data: Vec<u8>) {
        let node = self.d.oracle_node.address();
        let intrinsic = intrinsic(&data);
        let tx = TxRequest::call(node, self.d.operator, data).with_gas(FULFIL_GAS_LIMIT);
        // The same transaction from the same state, with the callback reduced to `STOP`.
        let mut without = self.d.chain.clone();
        without.set_code(self.d.sync, Bytes::from_static(&[0x00]));
        let bare = without.send(tx.clone()).expect("valid transaction");
        assert!(bare.success, "fulfilment without the callback reverted");

        let r = self.d.chain.send(tx).expect("valid transaction");
        assert!(r.success, "fulfilment reverted");
        assert!(
            r.logs.iter().any(|l| Sync::SyncFulfilled::decode_log(l).is_ok()),
            "{label}: the report was not accepted"
        );
        self.rows.push(Row {
            op: format!("`fulfillOracleRequest2` → `fulfillSync`, {label}, whole transaction"),
            chain: "px-devnet",
            gas: r.gas_used,
            intrinsic: Some(intrinsic),
            frames: 3,
            logs: log_gas(&r.logs),
            target: Some(TARGET_FULFIL),
        });
        let (sync, core) = (self.d.sync, self.d.core);
        self.rows.push(Row {
            op: format!("`fulfillSync` callback's share, {short}"),
            chain: "px-devnet",
            gas: r.gas_used - bare.gas_used,
            intrinsic: None,
            frames: 3,
            logs: log_gas(r.logs.iter().filter(|l| l.address == sync || l.address == core)),
            target: Some(TARGET_FULFIL),
        });
    }

    /// The whole PX sequence, each step on the state the previous ones left.
    #[allow(clippy::too_many_lines)] // one scenario, read top to bottom
    fn run(&mut self) {
        let users: Vec<Address> = self.d.users.iter().map(PrivateKeySigner::address).collect();
        let (alice, bob, carol, dave, early) = (users[0], users[1], users[2], users[3], users[4]);
        let (store, core, sync, link) = (self.d.storefront, self.d.core, self.d.sync, self.d.link);
        let (owner, registrar) = (self.d.owner.address(), self.d.registrar.address());
        let price = U256::from(PRICES[0]);
        let plan = U256::from(1);
        let mint = Store::mintCall { planId: plan }.abi_encode();
        // Timestamps end up in calldata (deadlines, the Operator's expiries), whose gas depends
        // on how many of their bytes are zero: start the clock at the next time whose three
        // low bytes are 0x101010, so that every run prices the same bytes. That is at most
        // 194 days ahead, well inside the programs' 365-day activation.
        let now = self.d.chain.latest().header.timestamp;
        self.d.chain.set_next_block_timestamp((((now >> 24) + 1) << 24) | 0x10_1010);

        // A collection that already sold a token: the supply and the storefront's plan word
        // are non-zero, as for every mint but the first.
        self.send(early, store, price, mint.clone());

        let r = self.measure(
            "`mint` (storefront, no key), new holder",
            2,
            None,
            (alice, store, price),
            mint.clone(),
        );
        let t_keyless = minted(&r);
        let r = self.measure(
            "`mint` (storefront, no key), existing holder",
            2,
            None,
            (alice, store, price),
            mint,
        );
        let t_to_new_holder = minted(&r);

        let deadline = U256::from(self.d.chain.latest().header.timestamp + 3_600);
        let key_bob = btns_key(0xb0);
        let call = Store::mintWithKeyCall {
            planId: plan,
            btnsKey: key_bob.clone(),
            deadline,
            signature: self.mint_authorization(bob, plan, &key_bob, deadline),
        };
        let r = self.measure(
            "`mintWithKey` (registrar's EIP-712 authorization), new holder",
            3,
            Some(TARGET_MINT_WITH_KEY),
            (bob, store, price),
            call.abi_encode(),
        );
        let t_bob = minted(&r);
        let key_alice = btns_key(0xa0);
        let call = Store::mintWithKeyCall {
            planId: plan,
            btnsKey: key_alice.clone(),
            deadline,
            signature: self.mint_authorization(alice, plan, &key_alice, deadline),
        };
        let r = self.measure(
            "`mintWithKey`, existing holder",
            3,
            Some(TARGET_MINT_WITH_KEY),
            (alice, store, price),
            call.abi_encode(),
        );
        let t_to_existing_holder = minted(&r);

        // The core's own mint without the storefront in front, to set beside the Solidity
        // mint: on a copy of the chain whose minter is an account (a transaction cannot come
        // from the storefront's address, which has code).
        let mut copy = self.d.chain.clone();
        let set = Nft::setMinterCall { minter: owner }.abi_encode();
        let r = copy.send(TxRequest::call(owner, core, set)).expect("valid transaction");
        assert!(r.success, "setMinter reverted");
        let data =
            Nft::mintToCall { to: dave, quotaBytes: GIB, uploadLimit: 50, btnsKey: Bytes::new() }
                .abi_encode();
        let r = copy.send(TxRequest::call(owner, core, data.clone())).expect("valid transaction");
        assert!(r.success, "mintTo reverted");
        self.rows.push(Row {
            op: "core `mintTo` called by its minter directly (no key, new holder)".into(),
            chain: "px-devnet",
            gas: r.gas_used,
            intrinsic: Some(intrinsic(&data)),
            frames: 1,
            logs: log_gas(&r.logs),
            target: None,
        });

        let key_2 = btns_key(0x22);
        let call = Nft::registerBtnsKeyCall { tokenId: t_keyless, btnsKey: key_2.clone() };
        self.measure(
            "`registerBtnsKey` (registrar)",
            1,
            None,
            (registrar, core, U256::ZERO),
            call.abi_encode(),
        );

        // Alice holds three tokens; each transfer leaves her at least one.
        let call = Nft::transferFromCall { from: alice, to: carol, tokenId: t_to_new_holder };
        self.measure(
            "`transferFrom`, to a new holder",
            1,
            Some(TARGET_TRANSFER),
            (alice, core, U256::ZERO),
            call.abi_encode(),
        );
        let call = Nft::transferFromCall { from: alice, to: bob, tokenId: t_to_existing_holder };
        self.measure(
            "`transferFrom`, to an existing holder",
            1,
            Some(TARGET_TRANSFER),
            (alice, core, U256::ZERO),
            call.abi_encode(),
        );

        // Syncs; plan 1 (1 GiB) is sponsored.
        let call = Sync::setSponsoredMinQuotaCall { minQuotaBytes: GIB };
        self.send(owner, sync, U256::ZERO, call.abi_encode());

        let request = Sync::requestSyncCall { tokenId: t_keyless }.abi_encode();
        let r = self.measure(
            "`requestSync` (sponsored), the token's first request",
            2,
            None,
            (alice, sync, U256::ZERO),
            request.clone(),
        );
        let data = self.fulfilment(
            &oracle_request(&r),
            t_keyless,
            &key_2,
            (1, 0, 0, B256::repeat_byte(0x01)),
        );
        self.fulfil(("first sync (sequence 1)", "first sync"), data);

        let paid = Link::transferAndCallCall {
            to: sync,
            value: self.d.fee,
            data: t_bob.abi_encode().into(),
        };
        let r = self.measure(
            "`LINK.transferAndCall` (user-paid request), the token's first request",
            2,
            None,
            (bob, link, U256::ZERO),
            paid.abi_encode(),
        );
        let data =
            self.fulfilment(&oracle_request(&r), t_bob, &key_bob, (1, 0, 0, B256::repeat_byte(2)));
        self.send(self.d.oracle_node.address(), self.d.operator, U256::ZERO, data);

        let paid = Link::transferAndCallCall {
            to: sync,
            value: self.d.fee,
            data: t_keyless.abi_encode().into(),
        };
        let r = self.measure(
            "`LINK.transferAndCall` (user-paid request), a later request",
            2,
            None,
            (alice, link, U256::ZERO),
            paid.abi_encode(),
        );
        let report = (2, 3_000_000, 3, B256::repeat_byte(0x03));
        let data = self.fulfilment(&oracle_request(&r), t_keyless, &key_2, report);
        self.fulfil(("repeat sync (sequence 2, a new document)", "repeat sync"), data);

        // A sponsored sync is allowed once per sync window.
        let query = TxRequest::call(Address::ZERO, core, Nft::syncWindowCall {}.abi_encode());
        let out = self.d.chain.call(&query, None).expect("call runs");
        let window = Nft::syncWindowCall::abi_decode_returns(&out.output).expect("u64");
        self.d.chain.increase_time(window);
        let r = self.measure(
            "`requestSync` (sponsored), a later request",
            2,
            None,
            (alice, sync, U256::ZERO),
            request,
        );
        let data = self.fulfilment(&oracle_request(&r), t_keyless, &key_2, report);
        self.fulfil(("refresh (sequence 2 again, the same document)", "refresh"), data);

        let deadline = U256::from(self.d.chain.latest().header.timestamp + 3_600);
        self.run_cre(deadline);
    }

    /// `programMemoryFootprint` of each program (pages of 64 KiB claimed per call).
    fn footprints(&self) -> Vec<Footprint> {
        let programs = [
            ("PxStorageNft", self.d.core),
            ("PxStorefront", self.d.storefront),
            ("PxSync", self.d.sync),
            ("PxRenderer", self.d.renderer),
        ];
        programs
            .into_iter()
            .map(|(name, at)| {
                let query = ArbWasm::programMemoryFootprintCall { program: at }.abi_encode();
                let out = self
                    .d
                    .chain
                    .call(&TxRequest::call(Address::ZERO, ARB_WASM, query), None)
                    .expect("call runs");
                let pages = ArbWasm::programMemoryFootprintCall::abi_decode_returns(&out.output)
                    .unwrap_or_default();
                let code = self.d.chain.code(at);
                (name, at, pages, code.len(), keccak256(&code))
            })
            .collect()
    }
}

/// An anvil process on a free loopback port, killed on drop.
struct Anvil {
    child: Child,
    rt: tokio::runtime::Runtime,
    provider: DynProvider,
}

impl Anvil {
    fn start(bin: &PathBuf) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--hardfork", "prague", "--chain-id", "412346"])
            .arg("--silent")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("anvil at {} does not start ({e}): run scripts/setup.sh", bin.display())
            });
        let rt =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let mut wallet = EthereumWallet::default();
        for key in &DEV_KEYS[1..] {
            wallet.register_signer(key.parse::<PrivateKeySigner>().expect("key"));
        }
        let url = format!("http://127.0.0.1:{port}").parse().expect("url");
        let provider = ProviderBuilder::new().wallet(wallet).connect_http(url).erased();
        let deadline = Instant::now() + Duration::from_secs(30);
        while rt.block_on(provider.get_chain_id()).is_err() {
            assert!(Instant::now() < deadline, "anvil did not answer");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, rt, provider }
    }

    fn version(bin: &PathBuf) -> String {
        Command::new(bin)
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").to_string())
            .unwrap_or_default()
    }

    /// Sends and mines.
    fn send(&self, from: Address, to: Option<Address>, data: Vec<u8>) -> Mined {
        let tx = TransactionRequest::default().with_from(from).with_input(data);
        let tx = match to {
            Some(to) => tx.with_to(to),
            None => tx.into_create(),
        };
        let provider = self.provider.clone();
        self.rt.block_on(async move {
            let pending = provider.send_transaction(tx).await.expect("anvil accepts");
            let r = pending.get_receipt().await.expect("receipt");
            assert!(r.status(), "anvil transaction reverted");
            let logs = log_gas(r.inner.logs().iter().map(|l| &l.inner));
            (r.gas_used, r.contract_address, logs)
        })
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A mined baseline transaction: (gas used, created address, LOG gas).
type Mined = (u64, Option<Address>, u64);

/// The Solidity baseline's sequence, the same on both chains: deploy, an earlier mint, mint to
/// a new holder, to an existing holder, two more mints, then transfers to a new and to an
/// existing holder (the sender keeps tokens, as in the PX sequence). Returns (label, gas,
/// intrinsic, LOG gas) of the measured ones.
fn solidity_sequence(
    creation: &[u8],
    send: &mut dyn FnMut(Address, Option<Address>, Vec<u8>) -> Mined,
) -> Vec<(&'static str, u64, u64, u64)> {
    let a = |i: usize| signer(i).address();
    let (minter, alice, bob, carol, early) = (a(1), a(5), a(6), a(7), a(9));
    let nft = send(minter, None, creation.to_vec()).1.expect("created");
    let mint = |to| BenchErc721::mintCall { to }.abi_encode();
    let transfer = |from, to, id: u64| {
        BenchErc721::transferFromCall { from, to, tokenId: U256::from(id) }.abi_encode()
    };
    let steps: [(Option<&'static str>, Address, Vec<u8>); 7] = [
        (None, minter, mint(early)),                            // token 1
        (Some("`mint`, new holder"), minter, mint(alice)),      // 2
        (Some("`mint`, existing holder"), minter, mint(alice)), // 3
        (None, minter, mint(alice)),                            // 4
        (None, minter, mint(bob)),                              // 5
        (Some("`transferFrom`, to a new holder"), alice, transfer(alice, carol, 3)),
        (Some("`transferFrom`, to an existing holder"), alice, transfer(alice, bob, 4)),
    ];
    let mut rows = Vec::new();
    for (label, from, data) in steps {
        let (gas, _, logs) = send(from, Some(nft), data.clone());
        if let Some(label) = label {
            rows.push((label, gas, intrinsic(&data), logs));
        }
    }
    rows
}

fn creation_code(path: &PathBuf) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{} is missing ({e}): run scripts/bench/gas.sh (it compiles it)", path.display())
    });
    let json: serde_json::Value = serde_json::from_str(&text).expect("JSON artifact");
    alloy::hex::decode(json["bytecode"].as_str().expect("bytecode")).expect("hex")
}

fn fmt(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_signed(n: i64) -> String {
    if n < 0 { format!("-{}", fmt(n.unsigned_abs())) } else { fmt(n.unsigned_abs()) }
}

/// Prints the results as Markdown tables (what `docs/benchmarks.md` records).
fn print_report(
    rows: &[Row],
    on_devnet: &[(&'static str, u64, u64, u64)],
    parity: bool,
    anvil_version: &str,
    footprints: &[Footprint],
) {
    println!(
        "| operation | chain | gas | target | intrinsic + calldata | Stylus start-ups | logs \
         | rest: storage, calls, compute | programs cached (best case) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let target = r.target.map(|t| format!("< {}: {}", fmt(t), r.verdict())).unwrap_or_default();
        let cached = if r.frames == 0 { String::new() } else { fmt(r.cached()) };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {cached} |",
            r.op,
            r.chain,
            fmt(r.gas),
            target,
            r.intrinsic.map_or_else(|| "(in the whole)".into(), fmt),
            if r.frames == 0 {
                String::new()
            } else {
                format!("{} × {}", r.frames, fmt(MIN_INIT_GAS))
            },
            fmt(r.logs),
            fmt_signed(r.rest()),
        );
    }
    println!();
    println!(
        "Stylus start-up on px-devnet: {} gas per program frame (not cached); a cached program's minimum is {}.",
        fmt(MIN_INIT_GAS),
        fmt(MIN_CACHED_INIT_GAS)
    );
    println!(
        "Solidity baseline on px-devnet, same bytecode and sequence: {} (anvil {})",
        if parity { "identical gas" } else { "DIFFERENT gas" },
        anvil_version
    );
    for (label, gas, _, _) in on_devnet {
        println!("  px-devnet {label}: {}", fmt(*gas));
    }
    println!();
    println!(
        "| program | address | deployed code bytes | keccak256(code) | memory footprint (pages) |"
    );
    println!("|---|---|---|---|---|");
    for (name, at, pages, len, hash) in footprints {
        println!("| {name} | {at} | {} | {hash} | {pages} |", fmt(*len as u64));
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut anvil_bin =
        root().join("tools/npm/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    let mut json_out: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--anvil" => anvil_bin = args.next().expect("--anvil PATH").into(),
            "--json" => json_out = Some(args.next().expect("--json PATH").into()),
            other => panic!("unknown argument {other} (px-bench-gas [--anvil PATH] [--json PATH])"),
        }
    }
    let artifact = root().join("bench/gas/sol/out/BenchERC721.json");
    let creation = creation_code(&artifact);

    let mut dev = Devnet::new();
    dev.run();
    let footprints = dev.footprints();

    // The baseline on px-devnet too: its EVM must price it exactly as anvil does.
    let mut chain = dev.d.chain.clone();
    let on_devnet = solidity_sequence(&creation, &mut |from, to, data| {
        let req = match to {
            Some(to) => TxRequest::call(from, to, data),
            None => TxRequest::create(from, data),
        };
        let r = chain.send(req).expect("valid transaction");
        assert!(r.success, "baseline reverted on px-devnet");
        (r.gas_used, r.contract_address, log_gas(&r.logs))
    });
    let anvil = Anvil::start(&anvil_bin);
    let on_anvil = solidity_sequence(&creation, &mut |from, to, data| anvil.send(from, to, data));
    let parity = on_devnet.iter().map(|r| r.1).eq(on_anvil.iter().map(|r| r.1));

    let mut rows = dev.rows.clone();
    for (label, gas, intr, logs) in &on_anvil {
        rows.push(Row {
            op: format!("OpenZeppelin 4.8.3 ERC-721: {label}"),
            chain: "anvil",
            gas: *gas,
            intrinsic: Some(*intr),
            frames: 0,
            logs: *logs,
            target: None,
        });
    }

    print_report(&rows, &on_devnet, parity, &Anvil::version(&anvil_bin), &footprints);
    let most = dev.cre_whole.iter().copied().max().unwrap_or_default();
    println!();
    println!(
        "CRE deliveries (KeystoneForwarder.report, 2 DON signatures, PxSync.onReport): at most {} gas \
         of the workflow's writeReport gas limit {} (px_don::don::WRITE_REPORT_GAS_LIMIT)",
        fmt(most),
        fmt(WRITE_REPORT_GAS_LIMIT)
    );

    if let Some(path) = json_out {
        let out = json!({
            "rows": rows.iter().map(|r| json!({
                "op": r.op, "chain": r.chain, "gas": r.gas, "target": r.target,
                "intrinsic": r.intrinsic, "stylusFrames": r.frames, "logs": r.logs, "rest": r.rest(),
            })).collect::<Vec<_>>(),
            "solidityOnDevnetEqualsAnvil": parity,
            "creDeliveries": dev.cre_whole,
            "writeReportGasLimit": WRITE_REPORT_GAS_LIMIT,
            "programs": footprints.iter().map(|(name, at, pages, len, hash)| json!({
                "name": name, "address": at, "codeBytes": len, "codeHash": hash, "footprintPages": pages,
            })).collect::<Vec<_>>(),
        });
        std::fs::write(&path, serde_json::to_string_pretty(&out).expect("JSON") + "\n")
            .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
    drop(anvil);
}
