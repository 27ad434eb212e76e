//! A large upload streams through the node without being held in memory: the test process
//! (client and node; the storage node is another process) grows its peak resident memory by
//! far less than the file. Alone in its test binary so that no other test moves the peak.
//!
//! `PX_LARGE_UPLOAD_MIB` sets the size (default 1024; the 2 GiB case is
//! `PX_LARGE_UPLOAD_MIB=2048`).

mod common;

use alloy::signers::local::PrivateKeySigner;
use bytes::Bytes;
use common::{Harness, rss::peak_rss_mib};
use px_node_api::NodeClient;

const CHUNK: usize = 256 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_streams_in_constant_memory() {
    let mib: u64 =
        std::env::var("PX_LARGE_UPLOAD_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let len = mib << 20;
    let h = Harness::new();
    let owner = PrivateKeySigner::random();
    let id = h.mint_registered(owner.address(), len * 2, 10).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(h.node.clone().serve(listener, std::future::pending()));
    let mut client = NodeClient::new(&url);
    client.sign_in(&owner).await.unwrap();
    // Warm up every code path once, then take the baseline.
    client.upload(id, 4, reqwest::Body::from(vec![0u8; 4])).await.unwrap();
    let before = peak_rss_mib();

    // Every chunk differs (its index in the first bytes), so the storage node stores every
    // block rather than deduplicating one.
    let chunks = len / CHUNK as u64;
    let body = futures::stream::iter((0..chunks).map(|i| {
        let mut chunk = vec![0xa5u8; CHUNK];
        chunk[..8].copy_from_slice(&i.to_be_bytes());
        Ok::<_, std::io::Error>(Bytes::from(chunk))
    }));
    let res = client.upload(id, len, reqwest::Body::wrap_stream(body)).await.unwrap();
    assert_eq!(res.size, len.to_string());
    assert_eq!(res.used_bytes, (len + 4).to_string());
    let grown = peak_rss_mib().saturating_sub(before);
    println!("{mib} MiB uploaded; peak RSS {before} MiB before, grew by {grown} MiB");
    assert!(grown < 64, "peak RSS grew by {grown} MiB for a {mib} MiB upload");
    let head = h.published(id).await.document;
    assert_eq!(head.files[0].size, len);
}
