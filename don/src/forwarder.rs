//! Chainlink's `KeystoneForwarder` (compiled from `@chainlink/contracts` 1.5.0 by
//! `scripts/setup.sh chainlink` into `tools/chainlink/out/KeystoneForwarder.json`): its calls
//! and errors, deploying it, configuring a DON on it with `setConfig`, and delivering a signed
//! report through `report`.
//!
//! [`deploy_and_configure`] is what a deployment tool calls on a local chain: px-deploy can
//! run it for a plan whose forwarder is "deploy one" (on Arbitrum the forwarder is Chainlink's,
//! from its forwarder directory, and only the receiver is configured).

use std::path::Path;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::SolCall,
};

use crate::Error;

alloy::sol! {
    /// The parts of `KeystoneForwarder` (and its `IRouter`) the DON and its tests use.
    #[allow(missing_docs)]
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    interface IKeystoneForwarder {
        /// A delivery attempt's state.
        enum TransmissionState { NOT_ATTEMPTED, SUCCEEDED, INVALID_RECEIVER, FAILED }
        /// What the forwarder recorded for a transmission.
        struct TransmissionInfo {
            bytes32 transmissionId;
            TransmissionState state;
            address transmitter;
            bool invalidReceiver;
            bool success;
            uint80 gasLimit;
        }
        event ReportProcessed(address indexed receiver, bytes32 indexed workflowExecutionId, bytes2 indexed reportId, bool result);
        event ConfigSet(uint32 indexed donId, uint32 indexed configVersion, uint8 f, address[] signers);
        error InvalidReport();
        error FaultToleranceMustBePositive();
        error ExcessSigners(uint256 numSigners, uint256 maxSigners);
        error InsufficientSigners(uint256 numSigners, uint256 minSigners);
        error DuplicateSigner(address signer);
        error InvalidSignatureCount(uint256 expected, uint256 received);
        error InvalidConfig(uint64 configId);
        error InvalidSigner(address signer);
        error InvalidSignature(bytes signature);
        error UnauthorizedForwarder();
        error InsufficientGasForRouting(bytes32 transmissionId);
        error AlreadyAttempted(bytes32 transmissionId);
        function setConfig(uint32 donId, uint32 configVersion, uint8 f, address[] calldata signers) external;
        function report(address receiver, bytes calldata rawReport, bytes calldata reportContext, bytes[] calldata signatures) external;
        function getTransmissionId(address receiver, bytes32 workflowExecutionId, bytes2 reportId) external pure returns (bytes32);
        function getTransmissionInfo(address receiver, bytes32 workflowExecutionId, bytes2 reportId) external view returns (TransmissionInfo memory);
        function typeAndVersion() external view returns (string memory);
    }
}

/// The forwarder's creation bytecode from its compiled artifact (`KeystoneForwarder.json`).
///
/// # Errors
/// [`Error::Artifact`] naming the file and `scripts/setup.sh chainlink`.
pub fn creation_code(artifact: &Path) -> Result<Vec<u8>, Error> {
    let missing = |e: String| {
        Error::Artifact(format!("{}: {e}; run `scripts/setup.sh chainlink`", artifact.display()))
    };
    let text = std::fs::read_to_string(artifact).map_err(|e| missing(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| missing(e.to_string()))?;
    let hex = json["bytecode"].as_str().ok_or_else(|| missing("no bytecode".into()))?;
    alloy::hex::decode(hex).map_err(|e| missing(e.to_string()))
}

/// Sends `tx` from the provider's wallet and waits for a successful receipt.
async fn send_ok(
    provider: &DynProvider,
    tx: TransactionRequest,
    what: &str,
) -> Result<TransactionReceipt, Error> {
    let receipt = provider
        .send_transaction(tx)
        .await
        .map_err(|e| Error::Chain(format!("{what}: {e}")))?
        .get_receipt()
        .await
        .map_err(|e| Error::Chain(format!("{what}: {e}")))?;
    if receipt.status() {
        Ok(receipt)
    } else {
        Err(Error::Chain(format!("{what} reverted (tx {})", receipt.transaction_hash)))
    }
}

/// Deploys a forwarder from `artifact`; the provider's wallet becomes its owner.
///
/// # Errors
/// [`Error::Artifact`] without the artifact, [`Error::Chain`] if the deployment fails.
pub async fn deploy(provider: &DynProvider, artifact: &Path) -> Result<Address, Error> {
    deploy_recorded(provider, artifact).await.map(|(address, _)| address)
}

async fn deploy_recorded(
    provider: &DynProvider,
    artifact: &Path,
) -> Result<(Address, TransactionReceipt), Error> {
    let tx = TransactionRequest::default().with_deploy_code(creation_code(artifact)?);
    let receipt = send_ok(provider, tx, "KeystoneForwarder deployment").await?;
    let address = receipt
        .contract_address
        .ok_or_else(|| Error::Chain("the forwarder deployment created no contract".into()))?;
    Ok((address, receipt))
}

/// A DON's configuration on a forwarder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonConfig {
    /// DON id.
    pub don_id: u32,
    /// Configuration version.
    pub config_version: u32,
    /// Faults tolerated; reports need `f + 1` signatures, the DON `3f + 1` signers.
    pub f: u8,
    /// The DON nodes' signing addresses.
    pub signers: Vec<Address>,
}

/// `setConfig(donId, configVersion, f, signers)` from the forwarder's owner.
///
/// # Errors
/// [`Error::Chain`] if it reverts (e.g. fewer than `3f + 1` signers).
pub async fn configure(
    provider: &DynProvider,
    forwarder: Address,
    config: &DonConfig,
) -> Result<(), Error> {
    configure_recorded(provider, forwarder, config).await.map(|_| ())
}

async fn configure_recorded(
    provider: &DynProvider,
    forwarder: Address,
    config: &DonConfig,
) -> Result<TransactionReceipt, Error> {
    let call = IKeystoneForwarder::setConfigCall {
        donId: config.don_id,
        configVersion: config.config_version,
        f: config.f,
        signers: config.signers.clone(),
    };
    let tx = TransactionRequest::default().with_to(forwarder).with_input(call.abi_encode());
    send_ok(provider, tx, "KeystoneForwarder.setConfig").await
}

/// A forwarder [`deploy_and_configure_recorded`] deployed, and its two transactions.
#[derive(Debug, Clone)]
pub struct Configured {
    /// The forwarder.
    pub forwarder: Address,
    /// Its deployment.
    pub deployment: TransactionReceipt,
    /// Its `setConfig`.
    pub set_config: TransactionReceipt,
}

/// Deploys a forwarder and configures `config` on it: a local DON's forwarder in one call.
///
/// # Errors
/// As [`deploy`] and [`configure`].
pub async fn deploy_and_configure(
    provider: &DynProvider,
    artifact: &Path,
    config: &DonConfig,
) -> Result<Address, Error> {
    deploy_and_configure_recorded(provider, artifact, config).await.map(|c| c.forwarder)
}

/// [`deploy_and_configure`], returning the receipts too (a deployment tool records them).
///
/// # Errors
/// As [`deploy`] and [`configure`].
pub async fn deploy_and_configure_recorded(
    provider: &DynProvider,
    artifact: &Path,
    config: &DonConfig,
) -> Result<Configured, Error> {
    let (forwarder, deployment) = deploy_recorded(provider, artifact).await?;
    let set_config = configure_recorded(provider, forwarder, config).await?;
    Ok(Configured { forwarder, deployment, set_config })
}

/// The `report(receiver, rawReport, reportContext, signatures)` call.
pub fn report_call(
    receiver: Address,
    raw_report: Vec<u8>,
    report_context: &[u8],
    signatures: &[[u8; 65]],
) -> IKeystoneForwarder::reportCall {
    IKeystoneForwarder::reportCall {
        receiver,
        rawReport: raw_report.into(),
        reportContext: Bytes::copy_from_slice(report_context),
        signatures: signatures.iter().map(|s| Bytes::copy_from_slice(s)).collect(),
    }
}

/// Sends a report call with `gas_limit` (the workflow's `writeReport` gas limit) from the
/// provider's wallet; returns the transaction hash. A delivery the receiver reverted is still a
/// mined transaction (the forwarder records it as FAILED); a refused report reverts.
///
/// # Errors
/// [`Error::Chain`] if the transaction fails or reverts (the forwarder refused the report).
pub async fn transmit(
    provider: &DynProvider,
    forwarder: Address,
    call: &IKeystoneForwarder::reportCall,
    gas_limit: u64,
) -> Result<B256, Error> {
    let tx = TransactionRequest::default()
        .with_to(forwarder)
        .with_input(call.abi_encode())
        .with_gas_limit(gas_limit);
    send_ok(provider, tx, "KeystoneForwarder.report").await.map(|r| r.transaction_hash)
}
