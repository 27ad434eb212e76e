//! The full bounded load run of issue 15 (`tests/common/load.rs`): a served node over the
//! memory chain and a real js-ipfs node, on loopback only; it stops by itself (every request
//! has a deadline), checks exact usage, the journal and the published heads, and prints
//! throughput, p50/p99 latency and peak memory.
//!
//! `scripts/bench/node-load.sh` (release build; needs `scripts/setup.sh ipfs`). Sizes from the
//! environment: `PX_LOAD_TOKENS` (32), `PX_LOAD_UPLOADS` (16 per token), `PX_LOAD_PARALLEL`
//! (4 per token), `PX_LOAD_MAX_FILE_KIB` (256), `PX_LOAD_SLOW` (40 slow clients),
//! `PX_LOAD_NONCES` (20,000), `PX_LOAD_NONCE_PARALLEL` (32), `PX_LOAD_TIMEOUT_SECS` (2: the
//! node's header and body timeouts).

use std::time::Duration;

#[path = "../tests/common/mod.rs"]
mod common;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let timeout = Duration::from_secs(env("PX_LOAD_TIMEOUT_SECS", 2) as u64);
    let plan = common::load::Plan {
        tokens: env("PX_LOAD_TOKENS", 32),
        uploads_per_token: env("PX_LOAD_UPLOADS", 16),
        parallel_per_token: env("PX_LOAD_PARALLEL", 4),
        max_file: env("PX_LOAD_MAX_FILE_KIB", 256) * 1024,
        slow_clients: env("PX_LOAD_SLOW", 40),
        nonce_requests: env("PX_LOAD_NONCES", 20_000),
        nonce_parallel: env("PX_LOAD_NONCE_PARALLEL", 32),
        timeout,
        deadline: Duration::from_mins(2),
    };
    let h = common::Harness::with(|s| {
        s.header_read_timeout = timeout;
        s.body_stall_timeout = timeout;
    });
    let started = std::time::Instant::now();
    let report = common::load::run(&h, plan).await;
    report.print(&plan);
    println!(
        "checks passed: exact usage, every stored upload in the journal and published, every request answered"
    );
    println!("whole run (setup, load, checks): {:.1} s", started.elapsed().as_secs_f64());
}
