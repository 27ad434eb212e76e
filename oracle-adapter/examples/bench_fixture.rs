//! Benchmark fixture (scripts/bench/adapter.sh): makes COUNT keys on a running IPFS node,
//! publishes a signed usage document under each, and prints one adapter request body per line
//! (stderr: `name <peer id> -> /ipfs/<cid>` per key).
//!
//! `cargo run --release -p px-oracle-adapter --example bench_fixture -- API_URL PREFIX COUNT`

use alloy::{
    primitives::{U256, address},
    signers::local::PrivateKeySigner,
};
use px_ipfs_testnode::IpfsNode;
use px_metadata::{BtnsKey, Timestamp, UsageDocument};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let (api, prefix) = (args.next().ok_or("API_URL")?, args.next().ok_or("PREFIX")?);
    let count: u64 = args.next().ok_or("COUNT")?.parse()?;
    let node = IpfsNode::attach(&api)?;
    // anvil's first development key: a benchmark, not a deployment.
    let signer: PrivateKeySigner =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse()?;
    for token in 1..=count {
        publish(&node, &signer, &format!("{prefix}-{token}"), token).await?;
    }
    Ok(())
}

async fn publish(
    node: &IpfsNode,
    signer: &PrivateKeySigner,
    name: &str,
    token: u64,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let key: BtnsKey = node.key_gen(name).await?.parse()?;
    let core = address!("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    let doc = UsageDocument::builder(42161, core, U256::from(token), key.clone())
        .sequence(1)
        .quota(1 << 30, 50)
        .usage(123_456, 3)
        .updated_at(Timestamp::now())
        .sign(signer)?;
    let cid = node.add_raw(doc.bytes).await?;
    node.publish(name, &cid).await?;
    let body = serde_json::json!({
        "id": "bench",
        "data": {
            "btnsKey": key.to_hex(),
            "tokenId": token.to_string(),
            "contract": format!("{core:#x}"),
            "chainId": "42161",
        },
    });
    println!("{body}");
    eprintln!("name {} -> /ipfs/{cid}", key.to_base58());
    Ok(())
}
