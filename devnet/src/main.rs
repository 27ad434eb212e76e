//! `px-devnet`: serves a local Stylus chain over JSON-RPC (see the crate's README).

use std::sync::{Arc, Mutex};

use clap::Parser;
use px_devnet::{chain::Chain, config::Cli, rpc};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let config = cli.chain_config();
    let chain = Chain::with_wall_clock(config.clone());
    let listener = tokio::net::TcpListener::bind(cli.addr()).await?;
    print_banner(&chain, &listener.local_addr()?.to_string());
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    };
    rpc::serve(listener, Arc::new(Mutex::new(chain)), shutdown).await
}

fn print_banner(chain: &Chain, addr: &str) {
    let config = chain.config();
    println!("px-devnet: a local Arbitrum Stylus chain (chain id {})\n", config.chain_id);
    println!("Development accounts (10,000 ETH each; public keys, never use them elsewhere)");
    for (i, key) in config.dev_keys.iter().enumerate() {
        println!("({i}) {} 0x{}", key.address(), alloy::hex::encode(key.to_bytes()));
    }
    println!("\nListening on http://{addr}");
}
