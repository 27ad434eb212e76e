//! The bounded load run (`common/load.rs`) at a small size, so its assertions run in every
//! `cargo test`: concurrent uploads from several tokens, slow clients and a nonce flood, then
//! exact usage, every stored upload in the journal and published, every request answered.
//! The full run and its figures: `scripts/bench/node-load.sh`, `docs/benchmarks.md`.

mod common;

use std::time::Duration;

use common::{Harness, load};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_slow_clients_and_a_nonce_flood_keep_exact_usage_and_answer_everything()
{
    let plan = load::Plan {
        tokens: 4,
        uploads_per_token: 4,
        parallel_per_token: 2,
        max_file: 64 * 1024,
        slow_clients: 6,
        nonce_requests: 200,
        nonce_parallel: 8,
        timeout: Duration::from_secs(1),
        deadline: Duration::from_mins(1),
    };
    let h = Harness::with(|s| {
        s.header_read_timeout = plan.timeout;
        s.body_stall_timeout = plan.timeout;
        s.max_nonces_per_client = 32;
    });
    let report = load::run(&h, plan).await;
    report.print(&plan);
    assert_eq!(report.stored, 16, "nothing refused at this size: {:?}", report.other_uploads);
    assert_eq!(report.nonces_issued, 32, "the flooding client gets its own share");
    assert_eq!(report.nonces_refused, 200 - 32);
}
