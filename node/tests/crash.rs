//! Durability: a node killed between storing a file and publishing its head loses nothing;
//! the restarted node replays the publish from its journal. Heads are republished before
//! their records expire.

mod common;

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use axum::http::StatusCode;
use common::{CHAIN_ID, CORE, Harness, MIB, proxy};
use px_ipfs_testnode::IpfsNode;
use px_node::chain::MemoryChain;
use px_storage_client::StorageClient;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn a_node_killed_between_add_and_publish_publishes_the_head_after_restart() {
    let ipfs = IpfsNode::shared();
    let registrar = PrivateKeySigner::random();
    let signer = PrivateKeySigner::random();
    let chain = Arc::new(MemoryChain::new(CHAIN_ID, CORE, registrar.address()));
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let owner = PrivateKeySigner::random();
    let file = vec![7u8; 123_456];

    // First life: the storage node is reached through a proxy that swallows name/publish.
    let first = runtime();
    let id = first.block_on(async {
        let proxy = proxy::start(ipfs.api_url()).await;
        let storage = StorageClient::new(&proxy.url, "/api/v0", "/ipfs").unwrap();
        let h = Arc::new(Harness::build(
            chain.clone(),
            dir.clone(),
            registrar.clone(),
            signer.clone(),
            storage,
            |_| {},
        ));
        let id = h.mint_registered(owner.address(), MIB, 10).await;
        let token = h.sign_in(&owner).await;
        proxy.hold_publish.store(true, Ordering::SeqCst);
        let uploader = h.clone();
        let upload = tokio::spawn(async move { uploader.upload(&token, id, file.clone()).await });
        while proxy.publishes_held.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!upload.is_finished(), "the upload waits for its publish");
        assert_eq!(
            h.node.state().tokens.journal().pending().unwrap(),
            vec![id],
            "committed, not published"
        );
        id
    });
    // The kill: every task of the first life is dropped where it stands.
    drop(first);

    let second = runtime();
    second.block_on(async {
        let h = Harness::build(
            chain.clone(),
            dir.clone(),
            registrar,
            signer.clone(),
            common::storage(),
            |_| {},
        );
        assert_eq!(h.published(id).await.document.sequence, 1, "the crash left the old head out");
        assert_eq!(h.node.replay().await.unwrap(), 1);
        let head = h.published(id).await.document;
        assert_eq!((head.sequence, head.used_bytes, head.upload_count), (2, 123_456, 1));
        assert_eq!(head.signer, signer.address());
        assert!(h.node.state().tokens.journal().pending().unwrap().is_empty());
        assert_eq!(h.node.replay().await.unwrap(), 0, "nothing left to replay");
        // The restarted node carries on from there.
        let token = h.sign_in(&owner).await;
        let (status, body) = h.upload(&token, id, vec![1; 10]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["sequence"], "3");
        assert_eq!(body["usedBytes"], "123466");
    });
}

#[tokio::test]
async fn republishes_heads_older_than_the_interval_and_only_those() {
    let h = Harness::with(|s| s.republish_interval = Duration::from_secs(1));
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 10).await;
    let usage = h.node.state().tokens.clone();
    assert_eq!(usage.republish_due().await.unwrap(), 0, "just published");
    let before = usage.journal().token(id).unwrap().unwrap().published_at;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(usage.republish_due().await.unwrap(), 1);
    let after = usage.journal().token(id).unwrap().unwrap().published_at;
    assert!(after > before, "{after} > {before}");
    assert_eq!(h.published(id).await.document.sequence, 1, "the same head, published again");
}

#[tokio::test]
async fn a_served_node_republishes_and_retries_in_the_background_and_shuts_down_on_signal() {
    let h = Harness::with(|s| {
        s.republish_interval = Duration::from_secs(1);
        s.watch_interval = Duration::from_millis(100);
        s.watch_mints = true;
    });
    // Minted before the node serves: the watcher registers it.
    let id = h.chain.mint(alloy::primitives::Address::repeat_byte(5), MIB, 10, &[]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(h.node.clone().serve(listener, async {
        let _ = stopped.await;
    }));
    let journal = h.node.state().tokens.clone();
    let mut first = None;
    for _ in 0..100 {
        if let Some(r) = journal.journal().token(id).unwrap() {
            first.get_or_insert(r.published_at);
            if r.published_at > first.unwrap() {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let record = journal.journal().token(id).unwrap().expect("the watcher registered the token");
    assert!(record.published_at > first.unwrap(), "republished in the background");
    let health = px_node_api::NodeClient::new(&url).health().await.unwrap();
    assert_eq!(health.status, px_node_api::HealthStatus::Ok);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), served).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_rotated_usage_signer_re_signs_every_head_at_start_up() {
    let old = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = old.mint_registered(owner.address(), MIB, 10).await;
    let token = old.sign_in(&owner).await;
    assert_eq!(old.upload(&token, id, vec![1; 100]).await.0, StatusCode::CREATED);
    let (chain, dir, registrar) = (old.chain.clone(), old.dir.clone(), old.registrar.clone());
    drop(old);
    let rotated = PrivateKeySigner::random();
    let h = Harness::build(chain, dir, registrar, rotated.clone(), common::storage(), |_| {});
    assert_eq!(h.node.replay().await.unwrap(), 1);
    let head = h.published(id).await.document;
    assert_eq!(
        (head.sequence, head.used_bytes, head.upload_count),
        (3, 100, 1),
        "same usage, next sequence"
    );
    assert_eq!(head.signer, rotated.address());
    assert_eq!(h.node.replay().await.unwrap(), 0, "nothing stale any more");
}
