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
    rpc::serve(listener, Arc::new(Mutex::new(chain)), shutdown()).await
}

/// Completes on Ctrl-C or SIGTERM (how CI and process managers stop a server).
async fn shutdown() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
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
