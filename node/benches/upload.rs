//! Upload throughput through the PX node against `add` on the same storage node directly.
//!
//! `cargo bench -p px-node --bench upload` (release build; needs `scripts/setup.sh ipfs`).
//! Starts a throwaway js-ipfs node, serves a PX node over a memory chain on a loopback port and
//! streams the same generated file (never held in memory) both ways, alternating, several
//! rounds after one warm-up; prints the median throughput of each, the median of the per-round
//! overheads (robust to the drift of a shared machine), and the benchmark process's peak RSS
//! (client and node; the storage node is another process).
//!
//! `PX_BENCH_MIB` (default 512) and `PX_BENCH_ROUNDS` (default 3) change the file size and
//! rounds.

// Sizes and rates here are far below 2^52 and chunk offsets below 2^8 by construction.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use std::{sync::Arc, time::Instant};

use alloy::signers::local::PrivateKeySigner;
use bytes::Bytes;
use futures::stream;
use px_ipfs_testnode::IpfsNode;
use px_node::{Node, NodeParts, chain::MemoryChain, server::Settings};
use px_node_api::NodeClient;
use px_storage_client::StorageClient;

#[path = "../tests/common/rss.rs"]
#[allow(unreachable_pub)]
mod rss;

const CHUNK: usize = 256 * 1024;

/// `len` bytes of a repeating pattern, produced chunk by chunk (constant memory).
fn body(
    len: u64,
    seed: u8,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let chunk = Bytes::from(
        (0..CHUNK).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)).collect::<Vec<u8>>(),
    );
    let full = len / CHUNK as u64;
    let rest = (len % CHUNK as u64) as usize;
    let tail = chunk.slice(..rest);
    stream::iter((0..full).map(move |_| Ok(chunk.clone())).chain((rest > 0).then_some(Ok(tail))))
}

/// CPU seconds this process has used (user + system), from `/proc/self/stat` (clock ticks of
/// 1/100 s, Linux's `USER_HZ`).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let mib: u64 = std::env::var("PX_BENCH_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(512);
    let rounds: usize =
        std::env::var("PX_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let len = mib << 20;
    let ipfs = tokio::task::spawn_blocking(IpfsNode::start)
        .await
        .unwrap()
        .expect("js-ipfs starts (scripts/setup.sh ipfs)");
    let storage = StorageClient::new(ipfs.api_url(), "/api/v0", "/ipfs").unwrap();

    let registrar = PrivateKeySigner::random();
    let core = alloy::primitives::Address::repeat_byte(0xc0);
    let chain = Arc::new(MemoryChain::new(412_346, core, registrar.address()));
    let dir = tempfile::tempdir().unwrap();
    let node = Node::build(NodeParts {
        chain: chain.clone(),
        chain_id: 412_346,
        storefront: alloy::primitives::Address::repeat_byte(0xf0),
        storage: storage.clone(),
        journal_path: dir.path().join("journal.redb"),
        usage_signer: PrivateKeySigner::random(),
        registrar: Some(registrar),
        settings: Settings {
            watch_mints: false,
            key_prefix: "bench".into(),
            ..Settings::default()
        },
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(node.serve(listener, std::future::pending()));

    let owner = PrivateKeySigner::random();
    let token_id = chain.mint(owner.address(), u64::MAX / 2, u32::MAX, &[]);
    let mut client = NodeClient::new(&url);
    client.register(token_id).await.expect("registers");
    client.sign_in(&owner).await.expect("signs in");

    // One unmeasured round of each warms the storage node's repository and both code paths.
    storage.add_stream(body(len.min(64 << 20), 250), len.min(64 << 20)).await.expect("warm-up add");
    client
        .upload(
            token_id,
            len.min(64 << 20),
            reqwest::Body::wrap_stream(body(len.min(64 << 20), 251)),
        )
        .await
        .expect("warm-up upload");
    let (mut direct, mut through, mut overheads, mut node_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let seed = u8::try_from(round % 200).unwrap_or(0);
        // Alternate which goes first (ABBA), so that drift in the storage node's speed within
        // a round does not favour either path.
        let mut rate = (0.0, 0.0);
        let mut cpu = (0.0, 0.0);
        for step in 0..2 {
            if (round + step) % 2 == 0 {
                let (start, cpu0) = (Instant::now(), cpu_secs());
                storage.add_stream(body(len, seed), len).await.expect("direct add");
                rate.0 = mib as f64 / start.elapsed().as_secs_f64();
                cpu.0 = cpu_secs() - cpu0;
            } else {
                let (start, cpu0) = (Instant::now(), cpu_secs());
                let res = client
                    .upload(
                        token_id,
                        len,
                        reqwest::Body::wrap_stream(body(len, seed.wrapping_add(100))),
                    )
                    .await
                    .expect("upload through the node");
                rate.1 = mib as f64 / start.elapsed().as_secs_f64();
                cpu.1 = cpu_secs() - cpu0;
                assert_eq!(res.size, len.to_string());
            }
        }
        direct.push(rate.0);
        through.push(rate.1);
        overheads.push((rate.0 / rate.1 - 1.0) * 100.0);
        // The node's own CPU: what the upload through it cost this process beyond what
        // producing and sending the same bytes directly cost.
        node_cpu.push((cpu.1 - cpu.0) / (mib as f64 / 1024.0));
        println!(
            "round {round}: direct {:.1} MiB/s, through the node {:.1} MiB/s; process CPU {:.2} s vs {:.2} s",
            rate.0, rate.1, cpu.0, cpu.1
        );
    }
    let (d, t, o) = (median(direct), median(through), median(overheads));
    println!("file {mib} MiB, {rounds} rounds, alternating (medians)");
    println!("direct add:        {d:.1} MiB/s");
    println!("through px-node:   {t:.1} MiB/s");
    println!("overhead:          {o:.1}% (median of the per-round ratios)");
    println!(
        "node CPU:          {:.2} s per GiB (median; the extra hop's cost in this process)",
        median(node_cpu)
    );
    println!("peak RSS (client + node process): {} MiB", rss::peak_rss_mib());
}
