//! The sync loop through CRE, every part a real process: the real WASM on px-devnet, Chainlink's
//! `KeystoneForwarder` configured for a 4-node DON (f = 1), px-don's nodes each asking the
//! oracle adapter over the real IPFS node, the PX node signing usage. A user mints and uploads
//! through `px`, requests a sponsored sync, then a sync paid in ETH, then one more with
//! `px sync --pay-eth`; each time the DON delivers f + 1 signatures through the forwarder and
//! the core holds exactly the usage the node signed.

use std::{process::Output, time::Duration};

use alloy::{
    primitives::{B256, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use px_abi::IPxSync;
use px_e2e::{
    cre::{self, Answer},
    environment::{Environment, Options},
};
use px_metadata::RawBlockCid;
use serde_json::Value;

const ANSWER_TIMEOUT: Duration = Duration::from_mins(2);

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "px failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn upload(env: &Environment, user: &PrivateKeySigner, token: U256, name: &str, bytes: usize) {
    let path = env.dir.join(name);
    std::fs::write(&path, (0..bytes).map(|i| u8::try_from(i % 251).unwrap()).collect::<Vec<_>>())
        .unwrap();
    let id = token.to_string();
    json(
        &env.px(user, &["--json", "upload", "--token", &id, path.to_str().unwrap()]).await.unwrap(),
    );
}

/// The DON's answer to `request`, checked to be a delivery through the forwarder from the DON's
/// transmitter with exactly f + 1 of the 4 signatures, and the usage it applied.
async fn delivered(env: &Environment, request: B256) -> IPxSync::SyncFulfilled {
    let (answer, tx) = cre::wait_answer(env, request, ANSWER_TIMEOUT).await.unwrap();
    let Answer::Fulfilled(fulfilled) = answer else {
        panic!("rejected: {answer:?}\npx-don:\n{}", env.don_log())
    };
    let delivery = cre::delivery(env, tx).await.unwrap();
    assert_eq!(delivery.to, env.deployment.cre.forwarder, "through the KeystoneForwarder");
    assert_eq!(delivery.receiver, env.deployment.sync);
    assert_eq!(delivery.from, Environment::don_transmitter().address());
    assert_eq!(delivery.signatures, 2, "f + 1 = 2 of the 4 DON signatures");
    eprintln!("onReport through the forwarder: {} gas (tx {tx})", delivery.gas_used);
    fulfilled
}

/// The chain now holds exactly the node's current head for `token`.
async fn chain_matches_the_node(
    env: &Environment,
    token: U256,
    fulfilled: &IPxSync::SyncFulfilled,
) {
    let (doc, bytes) = cre::head(env, token).await.unwrap();
    let on_chain = env.usage(token).await.unwrap();
    assert_eq!(
        (on_chain.usedBytes, on_chain.uploadCount, on_chain.syncSequence),
        (doc.used_bytes, doc.upload_count, doc.sequence)
    );
    assert_eq!(on_chain.metadataDigest, RawBlockCid::of(&bytes).digest());
    assert_eq!(
        (fulfilled.sequence, fulfilled.usedBytes, fulfilled.metadataDigest),
        (doc.sequence, doc.used_bytes, on_chain.metadataDigest)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cre_loop_sponsored_then_paid_in_eth_applies_the_nodes_signed_usage() {
    let env = Environment::start(Options::default()).await.unwrap();
    let alice = env.users[0].clone();
    let provider = env.provider(&alice).unwrap();
    let sync = IPxSync::new(env.deployment.sync, &provider);
    assert_eq!(sync.syncRoute().call().await.unwrap(), 1, "CRE is the deployment's route");

    let minted = json(&env.px(&alice, &["--json", "mint", "--plan", "1"]).await.unwrap());
    let token: U256 = minted["tokenId"].as_str().unwrap().parse().unwrap();
    upload(&env, &alice, token, "one.bin", 3_000).await;
    upload(&env, &alice, token, "two.bin", 7_000).await;

    // Sponsored (a paid plan, once per sync window): nothing is paid per request on CRE.
    let receipt = sync.requestSync(token).send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    let request = cre::requested(&receipt).unwrap();
    assert_eq!((request.tokenId, request.route), (token, 1));
    let fulfilled = delivered(&env, request.requestId).await;
    chain_matches_the_node(&env, token, &fulfilled).await;
    assert_eq!(env.usage(token).await.unwrap().usedBytes, 10_000);
    let pending = sync.pendingRequest(request.requestId).call().await.unwrap();
    assert_eq!(pending.tokenId, U256::ZERO, "the request ended");

    // Paid in ETH: the sponsored sync of this window is spent, the user pays the fee.
    upload(&env, &alice, token, "three.bin", 1_000).await;
    let fee = sync.creConfig().call().await.unwrap().syncFee;
    assert!(fee > U256::ZERO);
    let held_before = provider.get_balance(env.deployment.sync).await.unwrap();
    let receipt = sync
        .requestSyncWithFee(token)
        .value(fee)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());
    let request = cre::requested(&receipt).unwrap();
    assert_eq!((request.payer, request.route), (alice.address(), 1));
    let fulfilled = delivered(&env, request.requestId).await;
    chain_matches_the_node(&env, token, &fulfilled).await;
    assert_eq!(env.usage(token).await.unwrap().usedBytes, 11_000);
    assert_eq!(
        provider.get_balance(env.deployment.sync).await.unwrap(),
        held_before + fee,
        "PxSync earned the fee"
    );

    // The same as a user types it: `px sync --pay-eth` pays the fee and waits for the report.
    upload(&env, &alice, token, "four.bin", 500).await;
    let id = token.to_string();
    let out = env.px(&alice, &["--json", "sync", &id, "--pay-eth", "--timeout", "120"]).await;
    let synced = json(&out.unwrap());
    assert_eq!((synced["fulfilled"].as_bool(), synced["route"].as_u64()), (Some(true), Some(1)));
    let request: B256 = synced["requestId"].as_str().unwrap().parse().unwrap();
    let fulfilled = delivered(&env, request).await;
    chain_matches_the_node(&env, token, &fulfilled).await;
    assert_eq!(env.usage(token).await.unwrap().usedBytes, 11_500);
}
