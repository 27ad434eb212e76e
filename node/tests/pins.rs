//! Pins are reference-counted by the node (issue 15, finding 1), against a served node and the
//! real IPFS node, whose garbage collector then shows what is really kept. Its own test binary:
//! `repo/gc` would collect other tests' unpinned blocks. The tests here also share one IPFS node,
//! so they run one at a time ([`one_at_a_time`]): a collection during the other test's upload
//! could take a block it has added but not yet pinned, and its later pin of that block would wait
//! forever (offline) holding js-ipfs's GC read lock, so every later `repo/gc` hangs (CI saw one).

mod common;

use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use common::{Harness, MIB};
use px_ipfs_testnode::IpfsNode;
use px_node_api::NodeClient;

/// Held for a whole test: the tests of this binary never overlap on the shared IPFS node.
async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

/// Runs the storage node's garbage collector (what a BTFS/Kubo node does on its own schedule).
async fn gc() {
    let run = async {
        let res = IpfsNode::shared().client().post("repo/gc", &[]).await.unwrap();
        res.bytes().await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(30), run).await.expect("repo/gc answers");
}

/// Whether the storage node still has `cid`'s bytes: a block it lacks, an offline js-ipfs
/// waits for forever, so a few seconds without an answer mean "gone".
async fn stored(cid: &str) -> bool {
    let storage = common::storage();
    let read = storage.cat_bytes(cid, 1 << 20);
    matches!(tokio::time::timeout(Duration::from_secs(3), read).await, Ok(Ok(_)))
}

async fn signed_in(url: &str, wallet: &PrivateKeySigner) -> NodeClient {
    let mut client = NodeClient::new(url);
    client.sign_in(wallet).await.unwrap();
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploading_a_victims_head_as_a_file_and_deleting_it_does_not_unpin_the_head() {
    let _serial = one_at_a_time().await;
    let h = Harness::with(|s| {
        s.unpin_grace = Duration::ZERO;
        s.watch_interval = Duration::from_millis(100);
    });
    let url = h.serve().await;
    let (victim, attacker) = (PrivateKeySigner::random(), PrivateKeySigner::random());
    let victim_token = h.mint_registered(victim.address(), MIB, 10).await;
    let attacker_token = h.mint_registered(attacker.address(), MIB, 10).await;
    let v = signed_in(&url, &victim).await;
    v.upload(victim_token, 3, reqwest::Body::from(vec![1u8; 3])).await.unwrap();

    // The attack: the victim's head is public; as a file (raw leaves, one chunk) it gets the
    // head's own CID; upload it with another token, then delete it.
    let head = NodeClient::new(&url).usage(victim_token).await.unwrap();
    let a = signed_in(&url, &attacker).await;
    let len = head.bytes.len() as u64;
    let up = a.upload(attacker_token, len, reqwest::Body::from(head.bytes.clone())).await.unwrap();
    assert_eq!(up.cid, head.cid, "a file with a head's bytes has the head's CID");
    a.delete(attacker_token, &up.cid).await.unwrap();
    h.node.state().tokens.sweep_unpins().await.unwrap();
    gc().await;

    assert!(stored(&head.cid).await, "the victim's published head survived the storage node's GC");
    assert_eq!(h.published(victim_token).await.document.used_bytes, 3);
    // The same bytes uploaded twice by one token and deleted once stay too.
    let file = vec![9u8; 1000];
    let first = a.upload(attacker_token, 1000, reqwest::Body::from(file.clone())).await.unwrap();
    a.upload(attacker_token, 1000, reqwest::Body::from(file)).await.unwrap();
    a.delete(attacker_token, &first.cid).await.unwrap();
    h.node.state().tokens.sweep_unpins().await.unwrap();
    gc().await;
    assert!(stored(&first.cid).await, "the second entry still references it");
    // Deleting the last reference unpins it once the grace (here 0) is over.
    a.delete(attacker_token, &first.cid).await.unwrap();
    h.node.state().tokens.sweep_unpins().await.unwrap();
    gc().await;
    assert!(!stored(&first.cid).await, "an unreferenced file is unpinned and collected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_heads_are_unpinned_after_the_grace_unless_published_or_on_chain() {
    let _serial = one_at_a_time().await;
    let h = Harness::with(|s| s.unpin_grace = Duration::ZERO);
    let url = h.serve().await;
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), MIB, 10).await;
    let c = signed_in(&url, &owner).await;
    let first = NodeClient::new(&url).usage(id).await.unwrap();
    c.upload(id, 5, reqwest::Body::from(vec![2u8; 5])).await.unwrap();
    let synced = NodeClient::new(&url).usage(id).await.unwrap();
    // The chain syncs sequence 2 (its digest on-chain); then the token moves on.
    let digest = synced.cid.parse::<px_metadata::RawBlockCid>().unwrap().digest();
    h.chain.apply_usage(id, 2, 5, 1, digest);
    c.upload(id, 6, reqwest::Body::from(vec![3u8; 6])).await.unwrap();
    c.upload(id, 7, reqwest::Body::from(vec![4u8; 7])).await.unwrap();
    let latest = NodeClient::new(&url).usage(id).await.unwrap();
    h.node.state().tokens.sweep_unpins().await.unwrap();
    gc().await;
    assert!(!stored(&first.cid).await, "sequence 1: neither latest, published nor on-chain");
    assert!(stored(&synced.cid).await, "the on-chain head stays fetchable from the digest");
    assert!(stored(&latest.cid).await, "the published head stays");
}
