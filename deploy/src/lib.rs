//! Deploys and configures the PX programs on a Stylus chain over JSON-RPC.
//!
//! One transaction per program through `StylusDeployer` (deploy, activate, construct), then the
//! wiring every deployment needs: the core's minter (the storefront), registrar, syncer (PxSync)
//! and renderer; PxSync's CRE receiver (forwarder, workflow owner, id and name, fee, timeout,
//! route), its Direct Request oracle, usage signers, sponsorship and LINK; optionally a new
//! owner. On a local chain it also deploys Chainlink's `LinkToken`, `Operator` and
//! `KeystoneForwarder` from their compiled sources and configures a local DON on the forwarder
//! (px-don's `deploy_and_configure`). The result is a deployment file (`deployments/<chainId>.json`) the other tools read.
//!
//! # Layout
//! - [`stylus`]: one program on chain (code form and fragments, activation fee,
//!   `StylusDeployer`, a cache bid).
//! - [`plan`]: what to deploy and who holds which role (a TOML file).
//! - [`system`]: the whole deployment, step by step, and its record.

pub mod plan;
pub mod stylus;
pub mod system;

use alloy::{
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
};

/// Why a deployment stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The plan file is wrong.
    #[error("plan: {0}")]
    Plan(String),
    /// A file the deployment needs is missing or unreadable.
    #[error("{0}")]
    Artifact(String),
    /// The chain did not answer or rejected a transaction.
    #[error("chain: {0}")]
    Chain(String),
    /// A transaction reverted, or the chain refused a program.
    #[error("refused: {0}")]
    Refused(String),
}

/// A mined transaction.
#[derive(Debug, Clone)]
pub struct Sent {
    /// Its receipt.
    pub receipt: TransactionReceipt,
    /// Transactions it needed first (a fragmented program's fragments), mined before it.
    pub earlier: Vec<TransactionReceipt>,
}

/// Sends `tx` from the provider's wallet and waits for a successful receipt.
///
/// # Errors
/// [`DeployError::Chain`] if it cannot be sent, [`DeployError::Refused`] if it reverts.
pub async fn send(provider: &DynProvider, tx: TransactionRequest) -> Result<Sent, DeployError> {
    let pending =
        provider.send_transaction(tx).await.map_err(|e| DeployError::Chain(e.to_string()))?;
    let receipt = pending.get_receipt().await.map_err(|e| DeployError::Chain(e.to_string()))?;
    if !receipt.status() {
        return Err(DeployError::Refused(format!(
            "transaction {} reverted",
            receipt.transaction_hash
        )));
    }
    Ok(Sent { receipt, earlier: Vec::new() })
}
