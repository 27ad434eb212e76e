//! `px-deploy`: deploys and configures the PX programs on a Stylus chain (see the crate docs).
//!
//! The deployer's key comes from `PX_DEPLOYER_KEY` (hex) or `--keystore` (password in
//! `PX_KEYSTORE_PASSWORD`), never from a flag.

use std::path::PathBuf;

use alloy::{
    providers::{Provider, ProviderBuilder},
    signers::local::{LocalSigner, PrivateKeySigner},
};
use anyhow::{Context, Result};
use clap::Parser;
use px_deploy::{
    plan::Plan,
    stylus,
    system::{Artifacts, Step, deploy},
};

/// Deploys PxStorageNft, PxSync, PxStorefront and PxRenderer, wires their roles, the oracle and
/// the usage signers, and writes `<out>/<chainId>.json`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Ethereum JSON-RPC endpoint of a Stylus chain.
    #[arg(long, env = "PX_RPC_URL", default_value = "http://127.0.0.1:8547")]
    rpc_url: String,
    /// The deployment plan (roles, prices, oracle; see deploy/plans/).
    #[arg(long, default_value = "deploy/plans/local.toml")]
    plan: PathBuf,
    /// The programs, as `cargo xtask wasm` builds them.
    #[arg(long, default_value = "target/stylus")]
    wasm_dir: PathBuf,
    /// Chainlink's compiled contracts, for plans that deploy them locally.
    #[arg(long, default_value = "tools/chainlink/out")]
    chainlink_dir: PathBuf,
    /// Where to write the deployment file.
    #[arg(long, default_value = "deployments")]
    out: PathBuf,
    /// An encrypted JSON keystore holding the deployer's key (password in `PX_KEYSTORE_PASSWORD`).
    #[arg(long)]
    keystore: Option<PathBuf>,
}

fn signer(cli: &Cli) -> Result<PrivateKeySigner> {
    if let Some(path) = &cli.keystore {
        let password =
            std::env::var("PX_KEYSTORE_PASSWORD").context("PX_KEYSTORE_PASSWORD is not set")?;
        return LocalSigner::decrypt_keystore(path, password)
            .with_context(|| format!("cannot open keystore {}", path.display()));
    }
    let key = std::env::var("PX_DEPLOYER_KEY").context("set PX_DEPLOYER_KEY or pass --keystore")?;
    key.trim().parse().context("PX_DEPLOYER_KEY is not a private key")
}

#[tokio::main]
async fn main() {
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("px-deploy: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let plan_text = std::fs::read_to_string(&cli.plan)
        .with_context(|| format!("reading {}", cli.plan.display()))?;
    let plan = Plan::parse(&plan_text)?;
    let artifacts = Artifacts::read(&cli.wasm_dir, &cli.chainlink_dir)?;
    let signer = signer(&cli)?;
    let deployer = signer.address();
    let provider =
        ProviderBuilder::new().wallet(signer).connect_http(cli.rpc_url.parse()?).erased();
    let chain_id = provider.get_chain_id().await.context("the RPC endpoint does not answer")?;
    println!("deploying to chain {chain_id} at {} from {deployer}", cli.rpc_url);
    let print =
        |step: &Step| println!("  {:<32} {}  gas {}", step.step, step.transaction, step.gas_used);
    let mut deployment =
        deploy(&provider, deployer, &artifacts, &plan, &mut |step| print(step)).await?;
    if let Some(bid) = plan.cache_bid()? {
        let programs = [
            ("PxStorageNft", deployment.core),
            ("PxSync", deployment.sync),
            ("PxStorefront", deployment.storefront),
            ("PxRenderer", deployment.renderer),
        ];
        for step in stylus::cache_programs(&provider, &programs, bid).await? {
            print(&step);
            deployment.steps.push(step);
        }
    }
    let path = deployment.write(&cli.out)?;
    println!("PxStorageNft  {}", deployment.core);
    println!("PxSync        {}", deployment.sync);
    println!("PxStorefront  {}", deployment.storefront);
    println!("PxRenderer    {}", deployment.renderer);
    println!("LINK          {}", deployment.link);
    println!("Operator      {}", deployment.operator);
    println!("Forwarder     {}", deployment.cre.forwarder);
    println!("sync route    {} (1 CRE, 2 Direct Request)", deployment.sync_route);
    println!("wrote {}", path.display());
    if plan.new_owner.is_some() {
        println!(
            "the new owner must call acceptOwnership() on PxStorageNft, PxSync and PxStorefront"
        );
    }
    Ok(())
}
