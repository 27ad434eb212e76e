//! `px-don`: a local CRE DON (see the crate docs). `px-don run` answers the syncing program's
//! CRE requests; `px-don deploy-forwarder` deploys Chainlink's `KeystoneForwarder` and
//! configures the DON on it.

use std::{path::PathBuf, time::Duration};

use alloy::{
    primitives::{Address, B256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use px_don::{
    don::{self, Don},
    forwarder::{self, DonConfig},
    listener::Listener,
    node::{Node, WorkflowConfig},
    report::{self, WorkflowIdentity},
};

/// A local CRE DON running the px-sync workflow against Chainlink's `KeystoneForwarder`.
///
/// Keys come from the environment, never flags: `PX_DON_SIGNER_KEYS` (comma-separated, one per
/// node; default: the development keys) and `PX_DON_TRANSMITTER_KEY` (pays the gas).
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Deploys a `KeystoneForwarder` and `setConfig`s the DON on it; prints its address.
    DeployForwarder {
        #[command(flatten)]
        common: Common,
        /// The compiled forwarder.
        #[arg(long, default_value = "tools/chainlink/out/KeystoneForwarder.json")]
        artifact: PathBuf,
    },
    /// Answers CRE sync requests until ctrl-c.
    Run {
        #[command(flatten)]
        common: Common,
        /// The forwarder the DON is configured on.
        #[arg(long, env = "PX_FORWARDER")]
        forwarder: Address,
        /// The syncing program: emits `SyncRequested`, receives `onReport`.
        #[arg(long, env = "PX_SYNC")]
        sync: Address,
        /// The receiver, if not the syncing program.
        #[arg(long)]
        receiver: Option<Address>,
        /// The core contract the usage must be about.
        #[arg(long, env = "PX_CORE")]
        core: Address,
        /// Each node's adapter (`http://host:port`); one URL serves every node.
        #[arg(long = "adapter-url", default_value = "http://127.0.0.1:8080")]
        adapter_urls: Vec<String>,
        /// The workflow owner the report header names.
        #[arg(long)]
        workflow_owner: Address,
        /// The workflow name.
        #[arg(long, default_value = "px-sync")]
        workflow_name: String,
        /// The workflow id (default: Chainlink's id of owner, name and the workflow config file).
        #[arg(long)]
        workflow_id: Option<B256>,
        /// The workflow config the id is computed over.
        #[arg(long, default_value = "cre/px-sync/config.local.json")]
        workflow_config: PathBuf,
        /// First block to watch (default: the head).
        #[arg(long)]
        from_block: Option<u64>,
        /// Poll interval, milliseconds.
        #[arg(long, default_value_t = 500)]
        poll_ms: u64,
        /// Each fetch's timeout, seconds.
        #[arg(long, default_value_t = 10)]
        fetch_timeout_s: u64,
    },
}

#[derive(Args)]
struct Common {
    /// Ethereum JSON-RPC endpoint.
    #[arg(long, env = "PX_RPC_URL", default_value = "http://127.0.0.1:8547")]
    rpc_url: String,
    /// DON id on the forwarder.
    #[arg(long, default_value_t = 1)]
    don_id: u32,
    /// DON configuration version.
    #[arg(long, default_value_t = 1)]
    config_version: u32,
    /// Faults tolerated (the DON has 3f + 1 nodes).
    #[arg(long, default_value_t = 1)]
    f: usize,
}

fn signer_keys(f: usize) -> Result<Vec<PrivateKeySigner>> {
    match std::env::var("PX_DON_SIGNER_KEYS") {
        Ok(list) => list
            .split(',')
            .map(|k| k.trim().parse().context("PX_DON_SIGNER_KEYS holds a non-key"))
            .collect(),
        Err(_) => Ok(don::dev_signers(3 * f + 1)),
    }
}

fn transmitter(rpc_url: &str) -> Result<DynProvider> {
    let key =
        std::env::var("PX_DON_TRANSMITTER_KEY").context("PX_DON_TRANSMITTER_KEY is not set")?;
    let signer: PrivateKeySigner =
        key.trim().parse().context("PX_DON_TRANSMITTER_KEY is not a key")?;
    Ok(ProviderBuilder::new().wallet(signer).connect_http(rpc_url.parse()?).erased())
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("px-don: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::DeployForwarder { common, artifact } => {
            let provider = transmitter(&common.rpc_url)?;
            let signers = signer_keys(common.f)?.iter().map(PrivateKeySigner::address).collect();
            let config = DonConfig {
                don_id: common.don_id,
                config_version: common.config_version,
                f: u8::try_from(common.f).context("f must fit in a uint8")?,
                signers,
            };
            let address = forwarder::deploy_and_configure(&provider, &artifact, &config).await?;
            println!("{address:#x}");
            Ok(())
        }
        Command::Run {
            common,
            forwarder,
            sync,
            receiver,
            core,
            adapter_urls,
            workflow_owner,
            workflow_name,
            workflow_id,
            workflow_config,
            from_block,
            poll_ms,
            fetch_timeout_s,
        } => {
            let provider = transmitter(&common.rpc_url)?;
            let chain_id =
                provider.get_chain_id().await.context("the RPC endpoint does not answer")?;
            let keys = signer_keys(common.f)?;
            if adapter_urls.len() != 1 && adapter_urls.len() != keys.len() {
                bail!("give one --adapter-url or one per node ({})", keys.len());
            }
            let timeout = Duration::from_secs(fetch_timeout_s);
            let nodes = keys
                .into_iter()
                .enumerate()
                .map(|(i, k)| Node::new(k, &adapter_urls[i.min(adapter_urls.len() - 1)], timeout))
                .collect::<Result<Vec<_>, _>>()?;
            let workflow_id = if let Some(id) = workflow_id {
                id
            } else {
                let config = std::fs::read(&workflow_config)
                    .with_context(|| format!("reading {}", workflow_config.display()))?;
                report::workflow_id(workflow_owner, &workflow_name, b"", &config, "")
            };
            let identity = WorkflowIdentity {
                workflow_id,
                workflow_name,
                workflow_owner,
                don_id: common.don_id,
                config_version: common.config_version,
            };
            let config = WorkflowConfig { chain_id, core, trusted_signers: Vec::new() };
            let don = Don::new(
                nodes,
                common.f,
                identity,
                config,
                forwarder,
                receiver.unwrap_or(sync),
                provider.clone(),
            )?;
            let from = match from_block {
                Some(b) => b,
                None => provider.get_block_number().await?,
            };
            tracing::info!(%forwarder, %sync, from, "watching for CRE sync requests");
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            Listener::new(provider, sync, from)
                .run(&don, Duration::from_millis(poll_ms), shutdown)
                .await;
            Ok(())
        }
    }
}
