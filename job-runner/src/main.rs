//! `px-job-runner`: runs a Chainlink directrequest job spec against an Operator, as a Chainlink
//! node would, for the local environment (see the crate docs).

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, Result, bail};
use clap::Parser;
use px_job_runner::{listener::Listener, spec::JobSpec, tasks::TaskContext};

/// Runs a Chainlink directrequest job (the PX sync job) against an Operator.
///
/// The node's key comes from `PX_JOB_RUNNER_KEY` (hex), never from a flag; its address must be
/// one of the Operator's authorized senders.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Ethereum JSON-RPC endpoint.
    #[arg(long, env = "PX_RPC_URL", default_value = "http://127.0.0.1:8547")]
    rpc_url: String,
    /// The job spec (TOML).
    #[arg(long, default_value = "scripts/chainlink/px-sync-job.toml")]
    job_spec: PathBuf,
    /// Bridge definitions (JSON: one `{name, url}` object or a list of them).
    #[arg(long, default_value = "scripts/chainlink/bridge.json")]
    bridges: PathBuf,
    /// Overrides a bridge's URL: `name=url` (repeatable).
    #[arg(long = "bridge-url")]
    bridge_urls: Vec<String>,
    /// The Operator; replaces the spec's contractAddress and an ethtx `to` left as zero.
    #[arg(long, env = "PX_OPERATOR")]
    operator: Option<Address>,
    /// The only requester whose requests run (repeatable): the requesting program, `PxSync`;
    /// replaces the spec's `requesters` (the template's holds a zero-address placeholder).
    #[arg(long = "requester", env = "PX_REQUESTER", value_delimiter = ',')]
    requesters: Vec<Address>,
    /// The node's minimum payment in juels for a job without `minContractPaymentLinkJuels`
    /// (a Chainlink node's `MinContractPayment`, default 0.00001 LINK).
    #[arg(long, default_value_t = px_job_runner::spec::NODE_MIN_CONTRACT_PAYMENT)]
    min_contract_payment: U256,
    /// First block to watch (default: the current head).
    #[arg(long)]
    from_block: Option<u64>,
    /// How often to look for new requests, in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// How long the adapter may take, in seconds.
    #[arg(long, default_value_t = 30)]
    bridge_timeout_s: u64,
}

fn bridges(cli: &Cli) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(&cli.bridges)
        .with_context(|| format!("reading {}", cli.bridges.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).context("bridge file is not JSON")?;
    let list = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    let mut bridges = BTreeMap::new();
    for bridge in list {
        let (Some(name), Some(url)) = (bridge["name"].as_str(), bridge["url"].as_str()) else {
            bail!("a bridge needs a name and a url");
        };
        bridges.insert(name.to_owned(), url.to_owned());
    }
    for pair in &cli.bridge_urls {
        let (name, url) = pair.split_once('=').context("--bridge-url takes name=url")?;
        bridges.insert(name.to_owned(), url.to_owned());
    }
    Ok(bridges)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("px-job-runner: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let text = std::fs::read_to_string(&cli.job_spec)
        .with_context(|| format!("reading {}", cli.job_spec.display()))?;
    let (mut spec, pipeline) = JobSpec::parse(&text)?;
    if let Some(operator) = cli.operator {
        spec.contract_address = operator;
    }
    if spec.contract_address.is_zero() {
        bail!("the job spec's contractAddress is unset; pass --operator");
    }
    if !cli.requesters.is_empty() {
        spec.requesters.clone_from(&cli.requesters);
    }
    if spec.has_placeholder_requester() {
        bail!(
            "the job spec's requesters hold the zero-address placeholder; pass --requester <PxSync>"
        );
    }
    if spec.requesters.is_empty() {
        tracing::warn!("the job lists no requesters: any contract can make this node answer");
    }
    let key = std::env::var("PX_JOB_RUNNER_KEY").context("PX_JOB_RUNNER_KEY is not set")?;
    let signer: PrivateKeySigner = key.trim().parse().context("PX_JOB_RUNNER_KEY is not a key")?;
    let node = signer.address();
    let provider =
        ProviderBuilder::new().wallet(signer).connect_http(cli.rpc_url.parse()?).erased();
    let from_block = match cli.from_block {
        Some(block) => block,
        None => provider.get_block_number().await.context("the RPC endpoint does not answer")?,
    };
    let ctx = TaskContext {
        bridges: bridges(&cli)?,
        http: reqwest::Client::new(),
        bridge_timeout: Duration::from_secs(cli.bridge_timeout_s),
        submitter: px_job_runner::listener::submitter(provider.clone()),
        default_to: Some(spec.contract_address),
    };
    let requesters: Vec<String> = spec.requesters.iter().map(ToString::to_string).collect();
    tracing::info!(job = %spec.name, operator = %spec.contract_address, ?requesters, %node, from_block, "watching");
    let listener = Listener::new(provider, spec, pipeline, ctx, from_block)
        .with_node_min_payment(cli.min_contract_payment);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    listener.run(Duration::from_millis(cli.poll_ms), shutdown).await;
    Ok(())
}
