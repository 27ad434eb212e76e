//! `px-env`: the local environment for clients that are not Rust (the SDK's integration tests,
//! the dApp's browser tests, `scripts/demo.sh`'s dApp): starts every part as
//! [`Environment::start`] does, prints one line of JSON (URLs, the deployment record as
//! px-deploy writes it, the development buyers' keys), then keeps running until its standard
//! input closes or ctrl-c, and stops every process it started.
//!
//!   px-env [--default-ports] [--deployment-out FILE]

use anyhow::Result;
use px_e2e::environment::{Environment, Options};
use serde_json::json;
use tokio::io::AsyncReadExt;

async fn run(default_ports: bool, deployment_out: Option<String>) -> Result<()> {
    let env = Environment::start(Options { default_ports, ..Options::default() }).await?;
    if let Some(path) = &deployment_out {
        std::fs::write(path, serde_json::to_string_pretty(&env.deployment)? + "\n")?;
    }
    let key = |k: &alloy::signers::local::PrivateKeySigner| json!({"address": k.address().to_string(), "privateKey": format!("0x{}", alloy::hex::encode(k.to_bytes()))});
    let line = json!({
        "rpcUrl": env.rpc_url,
        "nodeUrl": env.node_url,
        "adapterUrl": env.adapter_url,
        "ipfsApiUrl": env.ipfs.api_url(),
        "deployment": env.deployment,
        "users": env.users.iter().map(key).collect::<Vec<_>>(),
        "owner": key(&env.owner),
        "dir": env.dir.display().to_string(),
    });
    println!("{line}");
    // Until stdin closes (the parent process ended or closed the pipe) or ctrl-c.
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 256];
    tokio::select! {
        () = async { while stdin.read(&mut buf).await.is_ok_and(|n| n > 0) {} } => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(env);
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let default_ports = args.iter().any(|a| a == "--default-ports");
    let deployment_out =
        args.iter().position(|a| a == "--deployment-out").and_then(|i| args.get(i + 1)).cloned();
    if let Err(error) = run(default_ports, deployment_out).await {
        eprintln!("px-env: {error:#}");
        std::process::exit(1);
    }
}
