//! Shared test support: px-devnet served over JSON-RPC, Chainlink's `KeystoneForwarder` deployed
//! and configured for a 4-node DON (f = 1) through px-don's own functions, and the
//! `ReportRecorder` receiver fixture (`tests/fixtures/ReportRecorder.sol`, compiled by
//! `scripts/setup.sh chainlink`).
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use px_don::{
    don,
    forwarder::{self, DonConfig},
    report::{WorkflowIdentity, workflow_id},
};
use px_testkit::{
    DevnetServer,
    px_devnet::chain::{Chain, config::DEV_KEYS},
};

alloy::sol! {
    /// The receiver fixture.
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    interface IReportRecorder {
        event ReportReceived(address forwarder, bytes metadata, bytes report);
        function request(uint256 tokenId, bytes32 requestId, uint8 route, bytes calldata btnsKey) external;
        function reports() external view returns (uint256);
    }
}

pub const DON_ID: u32 = 1;
pub const CONFIG_VERSION: u32 = 1;
pub const F: u8 = 1;

pub fn artifact(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/chainlink/out")
        .join(format!("{name}.json"))
}

pub fn key(i: usize) -> PrivateKeySigner {
    DEV_KEYS[i].parse().unwrap()
}

pub fn provider(url: &str, key: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new().wallet(key).connect_http(url.parse().unwrap()).erased()
}

/// A chain with the forwarder (owner: dev key 1, DON: `don::dev_signers(4)`) and the fixture.
pub struct Setup {
    pub server: DevnetServer,
    pub owner: DynProvider,
    pub transmitter: DynProvider,
    pub transmitter_address: Address,
    pub forwarder: Address,
    pub receiver: Address,
    pub signers: Vec<PrivateKeySigner>,
}

impl Setup {
    pub async fn new() -> Self {
        let server = DevnetServer::start(Chain::default());
        let owner = provider(server.url(), key(1));
        let transmitter = provider(server.url(), key(2));
        let signers = don::dev_signers(4);
        let config = DonConfig {
            don_id: DON_ID,
            config_version: CONFIG_VERSION,
            f: F,
            signers: signers.iter().map(PrivateKeySigner::address).collect(),
        };
        let forwarder =
            forwarder::deploy_and_configure(&owner, &artifact("KeystoneForwarder"), &config)
                .await
                .unwrap();
        let code = forwarder::creation_code(&artifact("ReportRecorder")).unwrap();
        let receipt = owner
            .send_transaction(TransactionRequest::default().with_deploy_code(code))
            .await
            .unwrap()
            .get_receipt()
            .await
            .unwrap();
        let receiver = receipt.contract_address.unwrap();
        Self {
            server,
            owner,
            transmitter,
            transmitter_address: key(2).address(),
            forwarder,
            receiver,
            signers,
        }
    }
}

pub fn identity() -> WorkflowIdentity {
    let owner = key(3).address();
    WorkflowIdentity {
        workflow_id: workflow_id(owner, "px-sync", b"", b"{}", ""),
        workflow_name: "px-sync".into(),
        workflow_owner: owner,
        don_id: DON_ID,
        config_version: CONFIG_VERSION,
    }
}

/// The fixture's `ReportReceived` logs in `receipt`.
pub fn received(receipt: &TransactionReceipt) -> Vec<IReportRecorder::ReportReceived> {
    receipt
        .inner
        .logs()
        .iter()
        .filter_map(|l| IReportRecorder::ReportReceived::decode_log_data(l.data()).ok())
        .collect()
}

pub async fn receipt(p: &DynProvider, tx: B256) -> TransactionReceipt {
    p.get_transaction_receipt(tx).await.unwrap().unwrap()
}
