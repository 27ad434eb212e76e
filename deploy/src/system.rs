//! The whole deployment, step by step, and its record.

use std::path::{Path, PathBuf};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};
use px_abi::{
    IPxStorageNft, IPxStorefront, IPxSync,
    chainlink::{LinkTokenInterface, OperatorInterface},
};
use px_don::forwarder::DonConfig;
use serde::{Deserialize, Serialize};

use crate::{DeployError, Sent, plan::Plan, send, stylus};

/// The programs' WASM, as `cargo xtask wasm` writes them.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// `PxStorageNft`.
    pub core: Vec<u8>,
    /// `PxSync`.
    pub sync: Vec<u8>,
    /// `PxStorefront`.
    pub storefront: Vec<u8>,
    /// `PxRenderer`.
    pub renderer: Vec<u8>,
    /// Where LinkToken.json and Operator.json are (`tools/chainlink/out`), for local chains.
    pub chainlink_dir: PathBuf,
}

impl Artifacts {
    /// Reads `px_*.wasm` from `wasm_dir` (`target/stylus`).
    ///
    /// # Errors
    /// [`DeployError::Artifact`] naming the file and the command that builds it.
    pub fn read(wasm_dir: &Path, chainlink_dir: &Path) -> Result<Self, DeployError> {
        let read = |name: &str| {
            let path = wasm_dir.join(format!("{name}.wasm"));
            std::fs::read(&path).map_err(|e| {
                DeployError::Artifact(format!("{}: {e}; run `cargo xtask wasm`", path.display()))
            })
        };
        Ok(Self {
            core: read("px_storage_nft")?,
            sync: read("px_sync")?,
            storefront: read("px_storefront")?,
            renderer: read("px_renderer")?,
            chainlink_dir: chainlink_dir.to_path_buf(),
        })
    }

    /// Chainlink's compiled `KeystoneForwarder` (for plans that deploy one).
    pub fn forwarder_artifact(&self) -> PathBuf {
        self.chainlink_dir.join("KeystoneForwarder.json")
    }

    fn chainlink_bytecode(&self, name: &str) -> Result<Vec<u8>, DeployError> {
        let path = self.chainlink_dir.join(format!("{name}.json"));
        let missing = |e: String| {
            DeployError::Artifact(format!(
                "{}: {e}; run `scripts/setup.sh chainlink`",
                path.display()
            ))
        };
        let text = std::fs::read_to_string(&path).map_err(|e| missing(e.to_string()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| missing(e.to_string()))?;
        let hex = json["bytecode"].as_str().ok_or_else(|| missing("no bytecode".into()))?;
        alloy::hex::decode(hex).map_err(|e| missing(e.to_string()))
    }
}

/// One transaction of the deployment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// What it did.
    pub step: String,
    /// Its hash.
    pub transaction: B256,
    /// Gas it used.
    pub gas_used: u64,
}

/// What was deployed where: the deployment file (`deployments/<chainId>.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// The chain.
    pub chain_id: u64,
    /// `PxStorageNft`.
    pub core: Address,
    /// `PxSync`.
    pub sync: Address,
    /// `PxStorefront`.
    pub storefront: Address,
    /// `PxRenderer`.
    pub renderer: Address,
    /// The LINK token.
    pub link: Address,
    /// The Chainlink Operator.
    pub operator: Address,
    /// The job id PxSync's requests carry.
    pub job_id: B256,
    /// LINK per request.
    pub fee: U256,
    /// The registrar.
    pub registrar: Address,
    /// The trusted usage signers.
    pub usage_signers: Vec<Address>,
    /// Sync through CRE: the forwarder and the workflow PxSync accepts.
    #[serde(default)]
    pub cre: CreDeployment,
    /// The route PxSync's requests take (1 CRE, 2 Direct Request).
    #[serde(default)]
    pub sync_route: u8,
    /// The account that deployed (and owns until `newOwner` accepts).
    pub deployer: Address,
    /// The first block of the deployment (where to start reading events).
    pub start_block: u64,
    /// Every transaction, in order.
    pub steps: Vec<Step>,
}

/// PxSync's CRE configuration as deployed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CreDeployment {
    /// The `KeystoneForwarder` allowed to call `onReport`.
    pub forwarder: Address,
    /// The workflow owner reports must name.
    pub workflow_owner: Address,
    /// The workflow id reports must name.
    pub workflow_id: B256,
    /// The workflow name (checked with the owner; empty: not checked).
    pub workflow_name: String,
    /// Wei per user-paid sync.
    pub sync_fee: U256,
    /// Seconds before an unanswered CRE request may be cancelled.
    pub request_timeout_s: u64,
    /// The DON configured on a forwarder this deployment deployed (absent: Chainlink's).
    pub don: Option<DonDeployment>,
}

/// A DON configured with `setConfig` on a forwarder px-deploy deployed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DonDeployment {
    /// DON id.
    pub don_id: u32,
    /// Configuration version.
    pub config_version: u32,
    /// Faults tolerated.
    pub f: u8,
    /// The nodes' signing addresses.
    pub signers: Vec<Address>,
}

impl Deployment {
    /// Writes `dir/<chainId>.json`.
    ///
    /// # Errors
    /// [`DeployError::Artifact`] if the file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, DeployError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| DeployError::Artifact(format!("{}: {e}", dir.display())))?;
        let path = dir.join(format!("{}.json", self.chain_id));
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| DeployError::Artifact(format!("deployment record: {e}")))?
            + "\n";
        std::fs::write(&path, text)
            .map_err(|e| DeployError::Artifact(format!("{}: {e}", path.display())))?;
        Ok(path)
    }

    /// Reads a deployment file.
    ///
    /// # Errors
    /// [`DeployError::Artifact`] if it is missing or malformed.
    pub fn read(path: &Path) -> Result<Self, DeployError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| DeployError::Artifact(format!("{}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| DeployError::Artifact(format!("{}: {e}", path.display())))
    }
}

/// Runs the deployment steps, recording each transaction.
struct Deployer<'a> {
    provider: &'a DynProvider,
    steps: Vec<Step>,
    progress: &'a mut dyn FnMut(&Step),
}

impl Deployer<'_> {
    fn record(&mut self, step: &str, sent: &Sent) {
        let step = Step {
            step: step.to_owned(),
            transaction: sent.receipt.transaction_hash,
            gas_used: sent.receipt.gas_used,
        };
        (self.progress)(&step);
        self.steps.push(step);
    }

    async fn call<C: SolCall>(
        &mut self,
        step: &str,
        to: Address,
        call: &C,
    ) -> Result<(), DeployError> {
        let tx = TransactionRequest::default().with_to(to).with_input(call.abi_encode());
        let sent = send(self.provider, tx).await.map_err(|e| with_step(step, e))?;
        self.record(step, &sent);
        Ok(())
    }

    async fn program(
        &mut self,
        step: &str,
        wasm: &[u8],
        args: &[u8],
    ) -> Result<Address, DeployError> {
        let (address, sent) = stylus::deploy_with_constructor(self.provider, wasm, args)
            .await
            .map_err(|e| with_step(step, e))?;
        self.record(step, &sent);
        Ok(address)
    }

    async fn evm(&mut self, step: &str, init_code: Vec<u8>) -> Result<Address, DeployError> {
        let tx = TransactionRequest::default().with_deploy_code(Bytes::from(init_code));
        let sent = send(self.provider, tx).await.map_err(|e| with_step(step, e))?;
        self.record(step, &sent);
        sent.receipt
            .contract_address
            .ok_or_else(|| DeployError::Chain(format!("{step}: no contract address")))
    }
}

fn with_step(step: &str, error: DeployError) -> DeployError {
    match error {
        DeployError::Chain(m) => DeployError::Chain(format!("{step}: {m}")),
        DeployError::Refused(m) => DeployError::Refused(format!("{step}: {m}")),
        other => other,
    }
}

/// Refuses `address` unless it holds code: a call to an account without code succeeds and
/// does nothing, so a typo or the wrong chain would configure a dead route.
async fn has_code(
    provider: &DynProvider,
    field: &str,
    address: Address,
    chain_id: u64,
) -> Result<(), DeployError> {
    let code =
        provider.get_code_at(address).await.map_err(|e| DeployError::Chain(e.to_string()))?;
    if code.is_empty() {
        return Err(DeployError::Plan(format!(
            "{field} {address} has no code on chain {chain_id}"
        )));
    }
    Ok(())
}

/// The oracle a remote plan names, checked to be contracts on this chain.
async fn remote_oracle(
    provider: &DynProvider,
    plan: &Plan,
    chain_id: u64,
) -> Result<(Address, Address), DeployError> {
    let mut found = Vec::new();
    for (field, address) in [("link", plan.chainlink.link), ("operator", plan.chainlink.operator)] {
        let address =
            address.ok_or_else(|| DeployError::Plan(format!("chainlink.{field} is missing")))?;
        has_code(provider, &format!("chainlink.{field}"), address, chain_id).await?;
        found.push(address);
    }
    Ok((found[0], found[1]))
}

/// LinkToken and Operator from Chainlink's compiled sources, the node authorized, LINK minted
/// to the deployer.
async fn local_oracle(
    d: &mut Deployer<'_>,
    deployer: Address,
    artifacts: &Artifacts,
    plan: &Plan,
) -> Result<(Address, Address), DeployError> {
    let node =
        plan.chainlink.node.ok_or_else(|| DeployError::Plan("chainlink.node is missing".into()))?;
    let link = d.evm("deploy LinkToken", artifacts.chainlink_bytecode("LinkToken")?).await?;
    let mut operator_code = artifacts.chainlink_bytecode("Operator")?;
    operator_code.extend_from_slice(&(link, deployer).abi_encode_params());
    let operator = d.evm("deploy Operator", operator_code).await?;
    let authorize = OperatorInterface::setAuthorizedSendersCall { senders: vec![node] };
    d.call("Operator.setAuthorizedSenders", operator, &authorize).await?;
    d.call("LINK.grantMintRole", link, &LinkTokenInterface::grantMintRoleCall { minter: deployer })
        .await?;
    let amount = plan.link_for_sponsored_syncs()?;
    d.call("LINK.mint", link, &LinkTokenInterface::mintCall { account: deployer, amount }).await?;
    Ok((link, operator))
}

/// Chainlink's `KeystoneForwarder` deployed and `setConfig`ured for the plan's DON, through
/// px-don's own [`px_don::forwarder::deploy_and_configure_recorded`].
async fn local_forwarder(
    d: &mut Deployer<'_>,
    artifacts: &Artifacts,
    plan: &Plan,
) -> Result<(Address, DonDeployment), DeployError> {
    let don =
        plan.cre.don.as_ref().ok_or_else(|| DeployError::Plan("cre.don is missing".into()))?;
    let signers = don.signers.clone().unwrap_or_else(|| {
        px_don::don::dev_signers(3 * usize::from(don.f) + 1)
            .iter()
            .map(alloy::signers::local::PrivateKeySigner::address)
            .collect()
    });
    let config = DonConfig {
        don_id: don.don_id,
        config_version: don.config_version,
        f: don.f,
        signers: signers.clone(),
    };
    let configured = px_don::forwarder::deploy_and_configure_recorded(
        d.provider,
        &artifacts.forwarder_artifact(),
        &config,
    )
    .await
    .map_err(|e| match e {
        px_don::Error::Artifact(m) => DeployError::Artifact(m),
        other => DeployError::Chain(format!("KeystoneForwarder: {other}")),
    })?;
    let record = |receipt| Sent { receipt, earlier: Vec::new() };
    d.record("deploy KeystoneForwarder", &record(configured.deployment));
    d.record("forwarder.setConfig", &record(configured.set_config));
    let deployed =
        DonDeployment { don_id: don.don_id, config_version: don.config_version, f: don.f, signers };
    Ok((configured.forwarder, deployed))
}

/// PxSync's CRE receiver configuration and the route its requests take.
async fn wire_cre(d: &mut Deployer<'_>, p: &Deployment) -> Result<(), DeployError> {
    let (sync, cre) = (p.sync, &p.cre);
    let forwarder = IPxSync::setForwarderAddressCall { forwarder: cre.forwarder };
    d.call("sync.setForwarderAddress", sync, &forwarder).await?;
    let author = IPxSync::setExpectedAuthorCall { author: cre.workflow_owner };
    d.call("sync.setExpectedAuthor", sync, &author).await?;
    let id = IPxSync::setExpectedWorkflowIdCall { id: cre.workflow_id };
    d.call("sync.setExpectedWorkflowId", sync, &id).await?;
    if !cre.workflow_name.is_empty() {
        let name = IPxSync::setExpectedWorkflowNameCall { name: cre.workflow_name.clone() };
        d.call("sync.setExpectedWorkflowName", sync, &name).await?;
    }
    d.call("sync.setSyncFee", sync, &IPxSync::setSyncFeeCall { fee: cre.sync_fee }).await?;
    let timeout = IPxSync::setCreRequestTimeoutCall { timeoutSeconds: cre.request_timeout_s };
    d.call("sync.setCreRequestTimeout", sync, &timeout).await?;
    let route = IPxSync::setSyncRouteCall { route: p.sync_route };
    d.call("sync.setSyncRoute", sync, &route).await
}

/// The programs' roles, PxSync's oracle, signers and LINK, and the new owner.
async fn wire(d: &mut Deployer<'_>, p: &Deployment, plan: &Plan) -> Result<(), DeployError> {
    let (core, sync) = (p.core, p.sync);
    d.call("core.setMinter", core, &IPxStorageNft::setMinterCall { minter: p.storefront }).await?;
    let registrar = IPxStorageNft::setRegistrarCall { registrar: plan.registrar };
    d.call("core.setRegistrar", core, &registrar).await?;
    d.call("core.setSyncer", core, &IPxStorageNft::setSyncerCall { syncer: sync }).await?;
    let renderer = IPxStorageNft::setRendererCall { renderer: p.renderer };
    d.call("core.setRenderer", core, &renderer).await?;
    let oracle =
        IPxSync::setOracleCall { link: p.link, operator: p.operator, jobId: p.job_id, fee: p.fee };
    d.call("sync.setOracle", sync, &oracle).await?;
    wire_cre(d, p).await?;
    for signer in &plan.usage_signers {
        let trust = IPxSync::setUsageSignerCall { signer: *signer, trusted: true };
        d.call("sync.setUsageSigner", sync, &trust).await?;
    }
    let minimum =
        IPxSync::setSponsoredMinQuotaCall { minQuotaBytes: plan.sync.sponsored_min_quota };
    d.call("sync.setSponsoredMinQuota", sync, &minimum).await?;
    let funding = plan.link_for_sponsored_syncs()?;
    if funding > U256::ZERO {
        let transfer = LinkTokenInterface::transferCall { to: sync, value: funding };
        d.call("LINK.transfer to PxSync", p.link, &transfer).await?;
    }
    if let Some(new_owner) = plan.new_owner {
        let propose = IPxStorageNft::transferOwnershipCall { newOwner: new_owner };
        d.call("core.transferOwnership", core, &propose).await?;
        let propose = IPxSync::transferOwnershipCall { newOwner: new_owner };
        d.call("sync.transferOwnership", sync, &propose).await?;
        let propose = IPxStorefront::transferOwnershipCall { newOwner: new_owner };
        d.call("storefront.transferOwnership", p.storefront, &propose).await?;
    }
    Ok(())
}

/// Deploys and configures everything in `plan` with the provider's wallet (`deployer`),
/// calling `progress` after each transaction.
///
/// # Errors
/// The first step that fails, named; a remote oracle without code is refused before anything
/// is sent.
pub async fn deploy(
    provider: &DynProvider,
    deployer: Address,
    artifacts: &Artifacts,
    plan: &Plan,
    progress: &mut dyn FnMut(&Step),
) -> Result<Deployment, DeployError> {
    let chain_err = |e: alloy::transports::TransportError| DeployError::Chain(e.to_string());
    let chain_id = provider.get_chain_id().await.map_err(chain_err)?;
    let start_block = provider.get_block_number().await.map_err(chain_err)? + 1;
    let (fee, job_id, prices) = (plan.fee()?, plan.job_id()?, plan.prices()?);
    let remote = if plan.chainlink.deploy_local {
        None
    } else {
        Some(remote_oracle(provider, plan, chain_id).await?)
    };
    let named_forwarder = plan.forwarder()?;
    if let Some(forwarder) = named_forwarder {
        has_code(provider, "cre.forwarder", forwarder, chain_id).await?;
    }
    let mut d = Deployer { provider, steps: Vec::new(), progress };

    let core = d.program("deploy PxStorageNft", &artifacts.core, &deployer.abi_encode()).await?;
    let sync_args = (deployer, core).abi_encode_params();
    let sync = d.program("deploy PxSync", &artifacts.sync, &sync_args).await?;
    let storefront_args = (deployer, core, prices[0], prices[1], prices[2]).abi_encode_params();
    let storefront =
        d.program("deploy PxStorefront", &artifacts.storefront, &storefront_args).await?;
    let renderer = d.program("deploy PxRenderer", &artifacts.renderer, &core.abi_encode()).await?;
    let (link, operator) = match remote {
        Some(oracle) => oracle,
        None => local_oracle(&mut d, deployer, artifacts, plan).await?,
    };
    let (forwarder, don) = if let Some(forwarder) = named_forwarder {
        (forwarder, None)
    } else {
        let (forwarder, don) = local_forwarder(&mut d, artifacts, plan).await?;
        (forwarder, Some(don))
    };
    let receiver = CreDeployment {
        forwarder,
        workflow_owner: plan.cre.workflow_owner,
        workflow_id: plan.cre.workflow_id,
        workflow_name: plan.cre.workflow_name.clone(),
        sync_fee: plan.sync_fee()?,
        request_timeout_s: plan.cre.request_timeout_s,
        don,
    };

    let mut deployment = Deployment {
        chain_id,
        core,
        sync,
        storefront,
        renderer,
        link,
        operator,
        job_id,
        fee,
        registrar: plan.registrar,
        usage_signers: plan.usage_signers.clone(),
        cre: receiver,
        sync_route: plan.cre.default_route.id(),
        deployer,
        start_block,
        steps: Vec::new(),
    };
    wire(&mut d, &deployment, plan).await?;
    deployment.steps = d.steps;
    Ok(deployment)
}
