//! The local environment: every part running, the programs deployed and wired.

use std::{
    path::PathBuf,
    process::Output,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, Result, anyhow};
use px_abi::{IPxStorageNft, chainlink::LinkTokenInterface};
/// A sync route ([`Options::route`]).
pub use px_deploy::plan::Route;
use px_deploy::{
    plan::Plan,
    system::{Artifacts, Deployment, deploy},
};
use px_ipfs_testnode::IpfsNode;

use crate::process::{Process, bin_dir, free_port};

/// px-devnet's development keys (anvil's public keys, never use them elsewhere); the roles are
/// the ones `deploy/plans/local.toml` gives them: 1 owner (and the CRE workflow owner), 2
/// registrar, 3 usage signer, 4 the Chainlink node, 5 to 10 buyers; 0 (nitro-devnode's key) is
/// the local DON's transmitter, which pays for `KeystoneForwarder.report`.
pub use px_devnet::chain::config::DEV_KEYS;

/// One LINK.
pub const LINK: u128 = 1_000_000_000_000_000_000;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// How to start the environment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Give the adapter the usage signer allow-list (it refuses other signers early); without
    /// it the adapter relays any well-formed report and the chain is the judge.
    pub adapter_allow_list: bool,
    /// Listen on the default ports (chain 8547, adapter 8080, node 8090), so that `px`, `cast`
    /// and `cargo stylus` find the environment without flags; otherwise free ports.
    pub default_ports: bool,
    /// Print each deployment transaction.
    pub narrate: bool,
    /// The route sync requests take: CRE (the `KeystoneForwarder` and px-don, the local plan's
    /// default) or Direct Request (the legacy path: the Operator and px-job-runner).
    pub route: Route,
}

/// A port: the default one, or a free one.
fn port(options: &Options, default: u16) -> Result<u16> {
    if options.default_ports {
        std::net::TcpListener::bind(("127.0.0.1", default))
            .with_context(|| format!("port {default} is taken (another environment running?)"))?;
        Ok(default)
    } else {
        free_port()
    }
}

/// Everything running.
pub struct Environment {
    /// Where the parts' logs and the node's data are.
    pub dir: PathBuf,
    /// The chain's JSON-RPC URL.
    pub rpc_url: String,
    /// What was deployed where.
    pub deployment: Deployment,
    /// The storage node.
    pub ipfs: IpfsNode,
    /// The oracle adapter's URL.
    pub adapter_url: String,
    /// The PX node's URL.
    pub node_url: String,
    /// Buyers: development accounts 5 to 10, each with ETH and 100 LINK.
    pub users: Vec<PrivateKeySigner>,
    /// The programs' owner (development account 1, the deployer).
    pub owner: PrivateKeySigner,
    /// The Chainlink node's key (the Operator's authorized sender).
    pub oracle_node: PrivateKeySigner,
    /// The usage signer the node signs with.
    pub usage_signer: PrivateKeySigner,
    devnet: Process,
    adapter: Option<Process>,
    node: Option<Process>,
    job_runner: Option<Process>,
    don: Option<Process>,
    adapter_port: u16,
    options: Options,
}

fn key(i: usize) -> PrivateKeySigner {
    DEV_KEYS[i].parse().expect("a development key")
}

impl Environment {
    /// Starts the chain, deploys the programs, then IPFS, the adapter, the PX node and the
    /// Chainlink stand-in.
    ///
    /// # Errors
    /// When a part does not start; the error carries its log.
    pub async fn start(options: Options) -> Result<Self> {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let run = format!("{}-{}", std::process::id(), RUNS.fetch_add(1, Ordering::Relaxed));
        let dir = bin_dir()?.join("../e2e").join(run);
        std::fs::create_dir_all(&dir)?;
        let dir = dir.canonicalize()?;
        let logs = dir.join("logs");

        let rpc_port = port(&options, 8547)?;
        let rpc_url = format!("http://127.0.0.1:{rpc_port}");
        let mut devnet = Process::spawn(
            "px-devnet",
            "px-devnet",
            &["--port".into(), rpc_port.to_string()],
            &[],
            &logs,
        )?;
        devnet.wait_http(&rpc_url, Duration::from_secs(30)).await?;

        let owner = key(1);
        let deployer = owner.address();
        let provider = Self::provider_at(&rpc_url, &owner)?;
        let mut plan = Plan::parse(include_str!("../../../deploy/plans/local.toml"))?;
        plan.cre.default_route = options.route;
        let artifacts =
            Artifacts::read(&root().join("target/stylus"), &root().join("tools/chainlink/out"))?;
        let narrate = options.narrate;
        let deployment = deploy(&provider, deployer, &artifacts, &plan, &mut |step| {
            if narrate {
                println!("    {:<30} tx {}  gas {}", step.step, step.transaction, step.gas_used);
            }
        })
        .await?;
        let users: Vec<PrivateKeySigner> = (5..DEV_KEYS.len()).map(key).collect();
        let link = LinkTokenInterface::new(deployment.link, &provider);
        for user in &users {
            link.mint(user.address(), U256::from(100 * LINK)).send().await?.get_receipt().await?;
        }

        let ipfs = IpfsNode::start().map_err(|e| anyhow!("IPFS node: {e}"))?;
        let mut env = Self {
            dir,
            rpc_url,
            deployment,
            ipfs,
            adapter_url: String::new(),
            node_url: String::new(),
            users,
            owner,
            oracle_node: key(4),
            usage_signer: key(3),
            devnet,
            adapter: None,
            node: None,
            job_runner: None,
            don: None,
            adapter_port: port(&options, 8080)?,
            options,
        };
        env.adapter_url = format!("http://127.0.0.1:{}/", env.adapter_port);
        env.start_adapter().await?;
        env.start_node().await?;
        env.start_job_runner()?;
        let from = env.deployment.start_block;
        env.start_don(from)?;
        Ok(env)
    }

    fn logs(&self) -> PathBuf {
        self.dir.join("logs")
    }

    /// Starts (or restarts) the oracle adapter on its port.
    ///
    /// # Errors
    /// When it does not come up.
    pub async fn start_adapter(&mut self) -> Result<()> {
        let mut env = vec![
            ("EA_PORT", self.adapter_port.to_string()),
            ("METRICS_PORT", port(&self.options, 9080)?.to_string()),
            ("BTFS_API_URL", self.ipfs.api_url().to_owned()),
            ("BTFS_API_PREFIX", "/api/v0".to_owned()),
            // js-ipfs offline refuses nocache; syncs want fresh answers.
            ("RESOLVE_NOCACHE", "false".to_owned()),
            ("CACHE_MAX_AGE", "0".to_owned()),
            ("API_TIMEOUT", "5000".to_owned()),
        ];
        if self.options.adapter_allow_list {
            env.push(("TRUSTED_SIGNERS", self.usage_signer.address().to_string()));
        }
        let mut adapter =
            Process::spawn("px-oracle-adapter", "px-oracle-adapter", &[], &env, &self.logs())?;
        adapter.wait_http(&format!("{}health", self.adapter_url), Duration::from_secs(20)).await?;
        self.adapter = Some(adapter);
        Ok(())
    }

    /// Stops the oracle adapter.
    pub fn stop_adapter(&mut self) {
        if let Some(mut adapter) = self.adapter.take() {
            adapter.stop();
        }
    }

    async fn start_node(&mut self) -> Result<()> {
        let port = port(&self.options, 8090)?;
        let env = [
            ("PX_NODE_PORT", port.to_string()),
            ("PX_RPC_URL", self.rpc_url.clone()),
            ("PX_CORE", self.deployment.core.to_string()),
            ("PX_STORAGE_API_URL", self.ipfs.api_url().to_owned()),
            ("PX_STORAGE_API_PREFIX", "/api/v0".to_owned()),
            ("PX_STORAGE_PATH_PREFIX", "/ipfs".to_owned()),
            ("PX_NODE_DATA_DIR", self.dir.join("node").display().to_string()),
            ("PX_USAGE_SIGNER_KEY", DEV_KEYS[3].to_owned()),
            ("PX_REGISTRAR_KEY", DEV_KEYS[2].to_owned()),
            ("PX_SIWE_DOMAIN", "localhost".to_owned()),
            ("PX_WATCH_MINTS", "true".to_owned()),
            ("PX_WATCH_INTERVAL_MS", "200".to_owned()),
            ("PX_WATCH_FROM_BLOCK", self.deployment.start_block.to_string()),
        ];
        let mut node = Process::spawn("px-node", "px-node", &[], &env, &self.logs())?;
        self.node_url = format!("http://127.0.0.1:{port}");
        node.wait_http(&format!("{}/health", self.node_url), Duration::from_secs(30)).await?;
        self.node = Some(node);
        Ok(())
    }

    /// Starts (or restarts) the Chainlink stand-in, watching from the current block.
    ///
    /// # Errors
    /// When it cannot start.
    pub fn start_job_runner(&mut self) -> Result<()> {
        let root = root();
        let args = [
            "--rpc-url".to_owned(),
            self.rpc_url.clone(),
            "--operator".to_owned(),
            self.deployment.operator.to_string(),
            "--requester".to_owned(),
            self.deployment.sync.to_string(),
            "--job-spec".to_owned(),
            root.join("scripts/chainlink/px-sync-job.toml").display().to_string(),
            "--bridges".to_owned(),
            root.join("scripts/chainlink/bridge.json").display().to_string(),
            "--bridge-url".to_owned(),
            format!("px-oracle-adapter={}", self.adapter_url),
            "--poll-ms".to_owned(),
            "200".to_owned(),
        ];
        let env = [("PX_JOB_RUNNER_KEY", DEV_KEYS[4].to_owned()), ("RUST_LOG", "info".to_owned())];
        self.job_runner =
            Some(Process::spawn("px-job-runner", "px-job-runner", &args, &env, &self.logs())?);
        Ok(())
    }

    /// The local DON's transmitter (pays for `KeystoneForwarder.report`).
    pub fn don_transmitter() -> PrivateKeySigner {
        key(0)
    }

    /// The local DON's node keys (px-don's development signers, configured on the forwarder).
    pub fn don_signers(&self) -> Vec<PrivateKeySigner> {
        let f = self.deployment.cre.don.as_ref().map_or(1, |d| usize::from(d.f));
        px_don::don::dev_signers(3 * f + 1)
    }

    /// Starts (or restarts) the local DON (`px-don run`: 4 nodes, f = 1) on the deployment's
    /// forwarder and PxSync, each node asking the oracle adapter, watching from `from_block`.
    ///
    /// # Errors
    /// When it cannot start.
    pub fn start_don(&mut self, from_block: u64) -> Result<()> {
        let d = &self.deployment;
        let cre = &d.cre;
        let don = cre.don.as_ref().context("the deployment has no local DON")?;
        let args = [
            "run".to_owned(),
            "--rpc-url".to_owned(),
            self.rpc_url.clone(),
            "--forwarder".to_owned(),
            cre.forwarder.to_string(),
            "--sync".to_owned(),
            d.sync.to_string(),
            "--core".to_owned(),
            d.core.to_string(),
            "--adapter-url".to_owned(),
            self.adapter_url.clone(),
            "--workflow-owner".to_owned(),
            cre.workflow_owner.to_string(),
            "--workflow-name".to_owned(),
            cre.workflow_name.clone(),
            "--workflow-id".to_owned(),
            cre.workflow_id.to_string(),
            "--don-id".to_owned(),
            don.don_id.to_string(),
            "--config-version".to_owned(),
            don.config_version.to_string(),
            "--f".to_owned(),
            don.f.to_string(),
            "--from-block".to_owned(),
            from_block.to_string(),
            "--poll-ms".to_owned(),
            "200".to_owned(),
        ];
        let env =
            [("PX_DON_TRANSMITTER_KEY", DEV_KEYS[0].to_owned()), ("RUST_LOG", "info".to_owned())];
        self.don = Some(Process::spawn("px-don", "px-don", &args, &env, &self.logs())?);
        Ok(())
    }

    /// Restarts the local DON from the chain's next block (it does not see earlier requests).
    ///
    /// # Errors
    /// When the chain does not answer or the DON cannot start.
    pub async fn restart_don(&mut self) -> Result<()> {
        self.stop_don();
        let next = self.provider(&self.owner)?.get_block_number().await? + 1;
        self.start_don(next)
    }

    /// Stops the local DON.
    pub fn stop_don(&mut self) {
        if let Some(mut don) = self.don.take() {
            don.stop();
        }
    }

    /// The local DON's log.
    pub fn don_log(&self) -> String {
        self.don.as_ref().map(Process::log).unwrap_or_default()
    }

    /// Stops the Chainlink stand-in.
    pub fn stop_job_runner(&mut self) {
        if let Some(mut runner) = self.job_runner.take() {
            runner.stop();
        }
    }

    /// The Chainlink stand-in's log (what a node operator would read).
    pub fn job_runner_log(&self) -> String {
        self.job_runner.as_ref().map(Process::log).unwrap_or_default()
    }

    /// The PX node's log.
    pub fn node_log(&self) -> String {
        self.node.as_ref().map(Process::log).unwrap_or_default()
    }

    /// A provider that signs with `key`.
    ///
    /// # Errors
    /// When the URL is malformed.
    pub fn provider(&self, key: &PrivateKeySigner) -> Result<DynProvider> {
        Self::provider_at(&self.rpc_url, key)
    }

    fn provider_at(url: &str, key: &PrivateKeySigner) -> Result<DynProvider> {
        Ok(ProviderBuilder::new().wallet(key.clone()).connect_http(url.parse()?).erased())
    }

    /// Moves the chain's clock forward and mines a block.
    ///
    /// # Errors
    /// When the chain does not answer.
    pub async fn advance(&self, seconds: u64) -> Result<()> {
        let provider = self.provider(&self.owner)?;
        let _: serde_json::Value =
            provider.raw_request("evm_increaseTime".into(), (seconds,)).await?;
        let _: serde_json::Value = provider.raw_request("evm_mine".into(), ()).await?;
        Ok(())
    }

    /// The core's record of a token's usage.
    ///
    /// # Errors
    /// When the token does not exist or the chain does not answer.
    pub async fn usage(&self, token: U256) -> Result<IPxStorageNft::usageOfReturn> {
        let provider = self.provider(&self.owner)?;
        Ok(IPxStorageNft::new(self.deployment.core, &provider).usageOf(token).call().await?)
    }

    /// Whether the core allows an upload of `bytes` now.
    ///
    /// # Errors
    /// When the token does not exist or the chain does not answer.
    pub async fn upload_allowed(&self, token: U256, bytes: u64) -> Result<bool> {
        let provider = self.provider(&self.owner)?;
        Ok(IPxStorageNft::new(self.deployment.core, &provider)
            .uploadAllowed(token, bytes)
            .call()
            .await?)
    }

    /// Runs the `px` command line as `user`.
    ///
    /// # Errors
    /// When the binary cannot run (a failing command is an `Output`, not an error).
    pub async fn px(&self, user: &PrivateKeySigner, args: &[&str]) -> Result<Output> {
        let mut command = std::process::Command::new(bin_dir()?.join("px"));
        command
            .args(args)
            .env("PX_RPC_URL", &self.rpc_url)
            .env("PX_NODE_URL", &self.node_url)
            .env("PX_CORE", self.deployment.core.to_string())
            .env("PX_PRIVATE_KEY", alloy::hex::encode(user.to_bytes()))
            .env_remove("PX_KEYSTORE");
        tokio::task::spawn_blocking(move || command.output()).await?.context("running px")
    }

    /// The LINK balance of `account`.
    ///
    /// # Errors
    /// When the chain does not answer.
    pub async fn link_balance(&self, account: Address) -> Result<U256> {
        let provider = self.provider(&self.owner)?;
        Ok(LinkTokenInterface::new(self.deployment.link, &provider)
            .balanceOf(account)
            .call()
            .await?)
    }

    /// Gas a mined transaction used.
    ///
    /// # Errors
    /// When the chain does not know the transaction.
    pub async fn gas_used(&self, tx: alloy::primitives::B256) -> Result<u64> {
        let provider = self.provider(&self.owner)?;
        let receipt = provider.get_transaction_receipt(tx).await?.context("no receipt")?;
        Ok(receipt.gas_used)
    }

    /// The transaction that answered a sync request (`SyncFulfilled` or `SyncRejected`), and
    /// its gas.
    ///
    /// # Errors
    /// When the chain does not answer or the request was not answered.
    pub async fn fulfilment(
        &self,
        request: alloy::primitives::B256,
    ) -> Result<(alloy::primitives::B256, u64)> {
        use alloy::sol_types::SolEvent;
        let provider = self.provider(&self.owner)?;
        let filter = alloy::rpc::types::Filter::new()
            .address(self.deployment.sync)
            .event_signature(vec![
                px_abi::IPxSync::SyncFulfilled::SIGNATURE_HASH,
                px_abi::IPxSync::SyncRejected::SIGNATURE_HASH,
            ])
            .topic2(request)
            .from_block(self.deployment.start_block);
        let log = provider.get_logs(&filter).await?.into_iter().next().context("not answered")?;
        let tx = log.transaction_hash.context("log without transaction")?;
        Ok((tx, self.gas_used(tx).await?))
    }

    /// Whether the chain process still runs.
    pub fn chain_running(&mut self) -> bool {
        self.devnet.running()
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.stop_don();
        self.stop_job_runner();
        if let Some(mut node) = self.node.take() {
            node.stop();
        }
        self.stop_adapter();
        self.ipfs.stop();
        self.devnet.stop();
    }
}
