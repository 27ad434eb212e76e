//! The bounded load run of issue 15 against a served node (loopback only; the memory chain, the
//! real IPFS node): many tokens uploading concurrently, each owner from its own client address,
//! while slow clients (request heads that never end, sign-in bodies that stall) and a nonce
//! flood from other addresses hit the same node. Every request has a deadline, so the run
//! stops by itself; it then checks what was kept: each token's usage exactly the sum of its
//! answered uploads, every one of them in the journal and in the published head.
//!
//! Run small by `tests/load.rs` (in `cargo test`), in full by `benches/load.rs`
//! (`scripts/bench/node-load.sh`), which prints the figures of `docs/benchmarks.md`.

// Counts and sizes here are far below 2^52.
#![allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]

use std::{
    net::IpAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use futures::future::join_all;
use px_node_api::NodeClient;
use tokio::sync::Semaphore;

use super::{
    Harness,
    raw::{self, Answer},
    rss::peak_rss_mib,
};

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Tokens, each with its own owner and client address.
    pub tokens: usize,
    /// Uploads per token.
    pub uploads_per_token: usize,
    /// Uploads of one token in flight at once.
    pub parallel_per_token: usize,
    /// Largest upload; sizes spread from 1 byte to this.
    pub max_file: usize,
    /// Slow clients (half slow heads, half stalled bodies).
    pub slow_clients: usize,
    /// Nonce requests of the flood.
    pub nonce_requests: usize,
    /// Nonce requests in flight at once.
    pub nonce_parallel: usize,
    /// The node's header and body timeouts in this run (the slow clients last this long).
    pub timeout: Duration,
    /// The deadline of every single request: past it the run fails as a hang.
    pub deadline: Duration,
}

/// What a run measured.
#[derive(Debug)]
pub struct Report {
    /// Uploads answered 201, and their bytes.
    pub stored: usize,
    /// Their bytes.
    pub stored_bytes: u64,
    /// Uploads answered with another status (429, 503), by status.
    pub other_uploads: Vec<(u16, usize)>,
    /// Wall time of the upload phase.
    pub upload_wall: Duration,
    /// Upload latencies, sorted.
    pub upload_latency: Vec<Duration>,
    /// Nonce answers 200 and 429.
    pub nonces_issued: usize,
    /// Nonce requests refused 429.
    pub nonces_refused: usize,
    /// Wall time of the flood.
    pub nonce_wall: Duration,
    /// Nonce latencies, sorted.
    pub nonce_latency: Vec<Duration>,
    /// How each slow client ended: cut off (closed) or answered 408.
    pub slow_cut_off: usize,
    /// Peak resident memory of this process (client and node; not the IPFS node), MiB.
    pub peak_rss_mib: u64,
}

/// The `per_mille`/1000 quantile of sorted `v` (rounded down to a sample).
pub fn quantile(v: &[Duration], per_mille: usize) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[(v.len() - 1) * per_mille / 1000]
}

impl Report {
    /// The figures, one line each.
    pub fn print(&self, plan: &Plan) {
        let secs = self.upload_wall.as_secs_f64();
        println!("plan: {plan:?}");
        println!(
            "uploads: {} stored ({:.1} MiB) in {:.2} s = {:.1} uploads/s, {:.2} MiB/s; other answers {:?}",
            self.stored,
            self.stored_bytes as f64 / f64::from(1 << 20),
            secs,
            self.stored as f64 / secs,
            self.stored_bytes as f64 / f64::from(1 << 20) / secs,
            self.other_uploads
        );
        println!(
            "upload latency: p50 {:?}, p99 {:?}, max {:?}",
            quantile(&self.upload_latency, 500),
            quantile(&self.upload_latency, 990),
            self.upload_latency.last().copied().unwrap_or_default()
        );
        println!(
            "nonce flood: {} issued, {} refused (429) in {:.2} s = {:.0} requests/s; p50 {:?}, p99 {:?}",
            self.nonces_issued,
            self.nonces_refused,
            self.nonce_wall.as_secs_f64(),
            (self.nonces_issued + self.nonces_refused) as f64 / self.nonce_wall.as_secs_f64(),
            quantile(&self.nonce_latency, 500),
            quantile(&self.nonce_latency, 990)
        );
        println!("slow clients cut off: {}", self.slow_cut_off);
        println!("peak RSS (client + node): {} MiB", self.peak_rss_mib);
    }
}

/// The client address of token `i`'s owner: 127.0.1.x, 127.0.2.x, ...
fn owner_ip(i: usize) -> IpAddr {
    IpAddr::from([127, 0, 1 + (i / 200) as u8, 1 + (i % 200) as u8])
}

/// Bytes of upload `n` of token `i`: distinct for every upload (its ids in the first bytes).
fn file(i: usize, n: usize, max: usize) -> Vec<u8> {
    let len = 1 + (i * 7919 + n * 104_729) % max;
    let mut bytes = vec![0x5au8; len];
    let id = format!("{i}/{n}/");
    let m = id.len().min(len);
    bytes[..m].copy_from_slice(&id.as_bytes()[..m]);
    bytes
}

/// What one token's owner got back.
struct TokenRun {
    id: U256,
    stored: Vec<(String, u64)>,
    other: Vec<u16>,
    latency: Vec<Duration>,
}

async fn owner_uploads(
    url: String,
    id: U256,
    owner: PrivateKeySigner,
    i: usize,
    plan: Plan,
) -> TokenRun {
    let http = reqwest::Client::builder().local_address(owner_ip(i)).build().unwrap();
    let mut client = NodeClient::with_http(&url, http);
    tokio::time::timeout(plan.deadline, client.sign_in(&owner))
        .await
        .expect("sign-in answered before the deadline")
        .expect("the owner signs in");
    let client = Arc::new(client);
    let parallel = Arc::new(Semaphore::new(plan.parallel_per_token));
    let uploads = (0..plan.uploads_per_token).map(|n| {
        let (client, parallel) = (client.clone(), parallel.clone());
        async move {
            let _turn = parallel.acquire().await.unwrap();
            let bytes = file(i, n, plan.max_file);
            let len = bytes.len() as u64;
            let started = Instant::now();
            let res = tokio::time::timeout(
                plan.deadline,
                client.upload(id, len, reqwest::Body::from(bytes)),
            )
            .await
            .unwrap_or_else(|_| panic!("upload {n} of token {i} hung past {:?}", plan.deadline));
            (res, len, started.elapsed())
        }
    });
    let mut run = TokenRun { id, stored: Vec::new(), other: Vec::new(), latency: Vec::new() };
    for (res, len, took) in join_all(uploads).await {
        run.latency.push(took);
        match res {
            Ok(change) => {
                assert_eq!(change.size, len.to_string());
                run.stored.push((change.cid, len));
            }
            Err(e) => match e {
                px_node_api::ClientError::Api { status: status @ (429 | 503), .. } => {
                    run.other.push(status);
                }
                e => panic!("upload of token {i} failed: {e}"),
            },
        }
    }
    run
}

/// Slow client `k`: even ones send a request head that never ends, odd ones a sign-in body
/// that stops; each must be cut off (closed, or answered 408) within the deadline.
async fn slow_client(url: String, k: usize, plan: Plan) -> bool {
    let node = raw::addr(&url);
    let mut stream = raw::connect_from(200 + (k % 50) as u8, node).await;
    if k.is_multiple_of(2) {
        raw::send(&mut stream, b"GET /v1/info HTTP/1.1\r\nHost: px.test\r\nX-Slow: ").await;
    } else {
        let head = raw::head(
            "POST",
            "/v1/auth/sign-in",
            &["Content-Type: application/json".into(), "Content-Length: 4096".into()],
        );
        raw::send(&mut stream, &head).await;
        raw::send(&mut stream, b"{\"message\": \"").await;
    }
    match raw::answer(&mut stream, plan.timeout * 3 + Duration::from_secs(2)).await {
        Answer::Closed => true,
        Answer::Response(status, _) => status == 408 || status == 429,
        Answer::Nothing => false,
    }
}

/// The nonce flood from one client address (127.0.0.250).
async fn nonce_flood(url: String, plan: Plan) -> (usize, usize, Vec<Duration>, Duration) {
    let http =
        reqwest::Client::builder().local_address(IpAddr::from([127, 0, 0, 250])).build().unwrap();
    let parallel = Arc::new(Semaphore::new(plan.nonce_parallel));
    let started = Instant::now();
    let requests = (0..plan.nonce_requests).map(|_| {
        let (http, parallel, url) = (http.clone(), parallel.clone(), url.clone());
        async move {
            let _turn = parallel.acquire().await.unwrap();
            let t = Instant::now();
            let res = tokio::time::timeout(
                plan.deadline,
                http.get(format!("{url}/v1/auth/nonce")).send(),
            )
            .await
            .expect("a nonce request hung")
            .expect("the node answers");
            (res.status().as_u16(), t.elapsed())
        }
    });
    let answers = join_all(requests).await;
    let wall = started.elapsed();
    let issued = answers.iter().filter(|(s, _)| *s == 200).count();
    let refused = answers.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!(issued + refused, answers.len(), "every nonce request is 200 or 429");
    let mut latency: Vec<Duration> = answers.into_iter().map(|(_, t)| t).collect();
    latency.sort();
    (issued, refused, latency, wall)
}

/// Runs `plan` against `h` (already configured with `plan.timeout` as its header and body
/// timeouts), checks what was kept, and returns the figures.
pub async fn run(h: &Harness, plan: Plan) -> Report {
    let url = h.serve().await;
    let quota = (plan.max_file * plan.uploads_per_token) as u64;
    let uploads = u32::try_from(plan.uploads_per_token + 1).unwrap();
    let mut owners = Vec::new();
    for _ in 0..plan.tokens {
        let owner = PrivateKeySigner::random();
        let id = h.mint_registered(owner.address(), quota, uploads).await;
        owners.push((id, owner));
    }
    let slow = join_all((0..plan.slow_clients).map(|k| slow_client(url.clone(), k, plan)));
    let flood = nonce_flood(url.clone(), plan);
    let tokens = async {
        let started = Instant::now();
        let runs =
            join_all(owners.into_iter().enumerate().map(|(i, (id, owner))| {
                tokio::spawn(owner_uploads(url.clone(), id, owner, i, plan))
            }))
            .await;
        (runs, started.elapsed())
    };
    let (slow, (nonces_issued, nonces_refused, nonce_latency, nonce_wall), (tokens, upload_wall)) =
        tokio::join!(slow, flood, tokens);
    let tokens: Vec<TokenRun> = tokens.into_iter().map(Result::unwrap).collect();
    let slow_cut_off = slow.iter().filter(|cut| **cut).count();
    assert_eq!(slow_cut_off, plan.slow_clients, "every slow client is cut off");
    for t in &tokens {
        check_kept(h, t).await;
    }

    let mut upload_latency: Vec<Duration> =
        tokens.iter().flat_map(|t| t.latency.iter().copied()).collect();
    upload_latency.sort();
    let mut other_uploads: Vec<(u16, usize)> = Vec::new();
    for status in tokens.iter().flat_map(|t| t.other.iter().copied()) {
        match other_uploads.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => other_uploads.push((status, 1)),
        }
    }
    Report {
        stored: tokens.iter().map(|t| t.stored.len()).sum(),
        stored_bytes: tokens.iter().flat_map(|t| t.stored.iter().map(|(_, n)| *n)).sum(),
        other_uploads,
        upload_wall,
        upload_latency,
        nonces_issued,
        nonces_refused,
        nonce_wall,
        nonce_latency,
        slow_cut_off,
        peak_rss_mib: peak_rss_mib(),
    }
}

/// The token's head, journal and published head hold exactly the uploads answered 201.
async fn check_kept(h: &Harness, t: &TokenRun) {
    let bytes: u64 = t.stored.iter().map(|(_, n)| n).sum();
    let count = t.stored.len() as u64;
    let head = h.head(t.id).await.document;
    assert_eq!(head.used_bytes, bytes, "token {}: usage is the sum of its stored uploads", t.id);
    assert_eq!(u64::from(head.upload_count), count, "token {}", t.id);
    assert_eq!(head.sequence, 1 + count, "token {}: one head per upload", t.id);
    let mut journal: Vec<String> = h
        .node
        .state()
        .tokens
        .journal()
        .files(t.id)
        .unwrap()
        .into_iter()
        .map(|(_, f)| f.cid.to_string())
        .collect();
    let mut answered: Vec<String> = t.stored.iter().map(|(cid, _)| cid.clone()).collect();
    journal.sort();
    answered.sort();
    assert_eq!(journal, answered, "token {}: every stored upload is in the journal", t.id);
    // A publish that failed under load is retried by the background task: wait for it, bounded.
    let mut published = h.published(t.id).await.document.sequence;
    for _ in 0..60 {
        if published == head.sequence {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        published = h.published(t.id).await.document.sequence;
    }
    assert_eq!(published, head.sequence, "token {}: the latest head is published", t.id);
}
