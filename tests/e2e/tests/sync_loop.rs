//! The loop of the mission, end to end, with every part a real process and users acting
//! through `px`: mint (with a key from registration management, and without one as an explorer),
//! sync before any upload, upload, sync, the sync window closing and reopening, and the quota.
//! Syncs here take the Direct Request route (the legacy path, Operator and px-job-runner);
//! `cre_loop.rs` runs the loop through CRE.

use std::{path::PathBuf, process::Output, time::Duration};

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use px_e2e::environment::{Environment, Options, Route};
use serde_json::Value;

/// The sync window the core starts with.
const WINDOW: u64 = 30 * 24 * 3600;

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "px failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The one line a person sees when `px` refuses.
fn refusal(out: &Output) -> String {
    assert!(!out.status.success(), "px succeeded: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

fn token_of(v: &Value) -> U256 {
    v["tokenId"].as_str().unwrap().parse().unwrap()
}

fn file(env: &Environment, name: &str, bytes: usize) -> PathBuf {
    let path = env.dir.join(name);
    let content: Vec<u8> = (0..bytes).map(|i| u8::try_from(i % 251).unwrap()).collect();
    std::fs::write(&path, content).unwrap();
    path
}

async fn px(env: &Environment, user: &PrivateKeySigner, args: &[&str]) -> Output {
    env.px(user, args).await.unwrap()
}

async fn sync(env: &Environment, user: &PrivateKeySigner, token: U256, pay: bool) -> Value {
    let id = token.to_string();
    let mut args = vec!["--json", "sync", id.as_str(), "--timeout", "60"];
    if pay {
        args.push("--pay");
    }
    let out = px(env, user, &args).await;
    assert!(
        out.status.success(),
        "sync failed: {}\n--- job runner ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        env.job_runner_log()
    );
    json(&out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_from_mint_to_sync_window_to_quota() {
    let env = Environment::start(Options { route: Route::DirectRequest, ..Options::default() })
        .await
        .unwrap();
    let (alice, bob, carol) = (env.users[0].clone(), env.users[1].clone(), env.users[2].clone());

    // A user mints through registration management: the node allocates the key and the
    // registrar signs the MintAuthorization.
    let minted = json(&px(&env, &alice, &["--json", "mint", "--plan", "1"]).await);
    let a = token_of(&minted);
    assert!(minted["btnsKey"].as_str().is_some_and(|k| !k.is_empty()));
    // Another mints like an explorer, without a key; the node sees the mint and registers one.
    let b = token_of(&json(&px(&env, &bob, &["--json", "mint", "--plan", "1", "--no-key"]).await));
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    loop {
        let out = px(&env, &bob, &["--json", "usage", &b.to_string()]).await;
        if out.status.success() && json(&out)["node"]["sequence"] == "1" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no key registered for the explorer's token:\n{}",
            env.node_log()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Both sync before any upload: the first document, sequence 1.
    for (user, token) in [(&alice, a), (&bob, b)] {
        let synced = sync(&env, user, token, false).await;
        assert_eq!(synced["sequence"], "1");
        assert_eq!(env.usage(token).await.unwrap().syncSequence, 1);
    }

    // Uploads: the node publishes a new head per upload; the chain has not heard yet.
    let files = [file(&env, "one.bin", 3_000), file(&env, "two.bin", 7_000)];
    let names: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let mut args = vec!["--json", "upload", "--token"];
    let a_id = a.to_string();
    args.push(&a_id);
    args.extend(&names);
    let uploaded = json(&px(&env, &alice, &args).await);
    assert_eq!(uploaded["uploads"].as_array().unwrap().len(), 2);
    let usage = json(&px(&env, &alice, &["--json", "usage", &a_id]).await);
    assert_eq!(usage["node"]["usedBytes"], "10000");
    assert_eq!(usage["node"]["sequence"], "3");
    assert_eq!(usage["chain"]["usedBytes"], "0");
    assert_eq!(usage["inSync"], false);

    // Sync: the chain learns exactly the node's usage, through Chainlink and the adapter.
    let synced = sync(&env, &alice, a, true).await;
    assert_eq!(
        (synced["sequence"].as_str(), synced["usedBytes"].as_str()),
        (Some("3"), Some("10000"))
    );
    let on_chain = env.usage(a).await.unwrap();
    assert_eq!((on_chain.usedBytes, on_chain.uploadCount, on_chain.syncSequence), (10_000, 2, 3));
    let usage = json(&px(&env, &alice, &["--json", "usage", &a_id]).await);
    assert_eq!(usage["inSync"], true);
    // The digest on-chain is the one of the head the node published (single raw block).
    let head: px_metadata::RawBlockCid =
        usage["node"]["headCid"].as_str().unwrap().parse().unwrap();
    assert_eq!(head.digest(), on_chain.metadataDigest);

    // The quota: the owner adds a tiny plan; an upload beyond it is refused.
    json(
        &px(
            &env,
            &env.owner,
            &[
                "--json",
                "admin",
                "set-plan",
                "4",
                "--quota",
                "4096",
                "--uploads",
                "5",
                "--price",
                "1",
            ],
        )
        .await,
    );
    let c = token_of(&json(&px(&env, &carol, &["--json", "mint", "--plan", "4"]).await));
    let c_id = c.to_string();
    let fits = file(&env, "fits.bin", 3_000);
    json(&px(&env, &carol, &["--json", "upload", "--token", &c_id, fits.to_str().unwrap()]).await);
    let too_big = file(&env, "too-big.bin", 2_000);
    let refused =
        refusal(&px(&env, &carol, &["upload", "--token", &c_id, too_big.to_str().unwrap()]).await);
    assert!(refused.contains("quota"), "{refused}");
    assert_eq!(
        json(&px(&env, &carol, &["--json", "usage", &c_id]).await)["node"]["usedBytes"],
        "3000"
    );

    // The sync window passes: uploads stop, on-chain and at the node.
    env.advance(WINDOW + 1).await.unwrap();
    assert!(!env.upload_allowed(a, 1).await.unwrap());
    let extra = file(&env, "three.bin", 100);
    let refused =
        refusal(&px(&env, &alice, &["upload", "--token", &a_id, extra.to_str().unwrap()]).await);
    assert!(refused.contains("sync overdue") || refused.contains("syncOverdue"), "{refused}");
    // A sync reopens them.
    sync(&env, &alice, a, false).await;
    assert!(env.upload_allowed(a, 1).await.unwrap());
    json(&px(&env, &alice, &["--json", "upload", "--token", &a_id, extra.to_str().unwrap()]).await);

    // The chain's clock is now a month ahead of the node's: mint authorizations follow the
    // chain's (the storefront checks their deadline against it).
    let dave = env.users[3].clone();
    json(&px(&env, &dave, &["--json", "mint", "--plan", "1"]).await);
}
