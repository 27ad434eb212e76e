//! `px` as a user runs it: the binary against px-devnet serving the real programs, a PX node
//! over it, a real IPFS node, the oracle adapter and px-job-runner (the Chainlink node
//! stand-in) answering sync requests.

use std::{path::PathBuf, process::Command, sync::Arc, time::Duration};

use alloy::{
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use px_ipfs_testnode::IpfsNode;
use px_node::{Node, NodeParts, chain::RpcChain, server::Settings};
use px_storage_client::StorageClient;
use px_testkit::{Deployment, DevnetServer};
use serde_json::Value;

struct Env {
    d: Deployment,
    server: DevnetServer,
    node_url: String,
    adapter_url: String,
    _dir: tempfile::TempDir,
}

fn prefix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("cli{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// A deployment served over JSON-RPC, a node (with `usage_signer`) and an adapter.
async fn env_with_signer(usage_signer: Option<PrivateKeySigner>) -> Env {
    let d = Deployment::cached();
    let server = d.serve();
    let chain =
        Arc::new(RpcChain::connect(server.url(), d.core, Some(d.registrar.clone())).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let ipfs = IpfsNode::shared();
    let node = Node::build(NodeParts {
        chain,
        chain_id: 412_346,
        storefront: d.storefront,
        storage: StorageClient::new(ipfs.api_url(), "/api/v0", "/ipfs").unwrap(),
        journal_path: dir.path().join("journal.redb"),
        usage_signer: usage_signer.unwrap_or_else(|| d.usage_signer.clone()),
        registrar: Some(d.registrar.clone()),
        settings: Settings {
            siwe_domain: "localhost".into(),
            watch_mints: false,
            key_prefix: prefix(),
            ..Settings::default()
        },
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let node_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(node.serve(listener, std::future::pending()));
    let mut config = px_oracle_adapter::Config::for_node(ipfs.api_url(), "/api/v0");
    config.resolve_nocache = false;
    config.cache_max_age_ms = 0;
    config.trusted_signers = vec![d.usage_signer.address()];
    let adapter_url =
        serve(px_oracle_adapter::app(px_oracle_adapter::AppState::from_config(&config).unwrap()))
            .await;
    Env { d, server, node_url, adapter_url, _dir: dir }
}

async fn env() -> Env {
    env_with_signer(None).await
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// Runs `px` with `key` in `PX_PRIVATE_KEY` (and `extra` environment).
async fn px(
    env: &Env,
    key: Option<&PrivateKeySigner>,
    extra: &[(&str, &str)],
    args: &[&str],
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_px"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PX_RPC_URL", env.server.url())
        .env("PX_NODE_URL", &env.node_url);
    if let Some(k) = key {
        cmd.env("PX_PRIVATE_KEY", alloy::hex::encode(k.to_bytes()));
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
}

/// One line on stderr, starting with `error: `, and the exit code.
fn one_line_error(r: &Run, code: i32, contains: &str) {
    assert_eq!(r.code, code, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let line = r.stderr.trim_end();
    assert!(!line.contains('\n'), "one line: {line}");
    assert!(line.starts_with("error: "), "{line}");
    assert!(line.contains(contains), "{line:?} should mention {contains:?}");
    assert!(!line.contains("panicked"), "{line}");
}

fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_lists_the_storefronts_four_plans_for_people_and_scripts() {
    let e = env().await;
    let r = px(&e, None, &[], &["plans"]).await;
    ok(&r);
    assert!(r.stdout.contains("100 MiB"), "{}", r.stdout);
    assert!(r.stdout.contains("20 GiB"), "{}", r.stdout);
    let r = px(&e, None, &[], &["plans", "--json"]).await;
    ok(&r);
    let plans = r.json()["plans"].as_array().unwrap().clone();
    assert_eq!(plans.len(), 4);
    assert_eq!(plans[1]["quotaBytes"], (1u64 << 30).to_string());
    assert_eq!(plans[1]["priceWei"], px_testkit::PRICES[0].to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_mints_with_a_key_uploads_lists_sees_usage_and_downloads() {
    let e = env().await;
    let user = e.d.users[0].clone();
    let r = px(&e, Some(&user), &[], &["mint", "--plan", "1", "--json"]).await;
    ok(&r);
    let id = r.json()["tokenId"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["registration"]["sequence"], "1");

    let dir = tempfile::tempdir().unwrap();
    let a = temp_file(&dir, "a.bin", &vec![1u8; 70_000]);
    let b = temp_file(&dir, "b.txt", b"hello px");
    let r = px(
        &e,
        Some(&user),
        &[],
        &["upload", a.to_str().unwrap(), b.to_str().unwrap(), "--token", &id, "--json"],
    )
    .await;
    ok(&r);
    let uploads = r.json()["uploads"].as_array().unwrap().clone();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[1]["result"]["usedBytes"], "70008");
    let cid = uploads[0]["result"]["cid"].as_str().unwrap().to_owned();

    let r = px(&e, None, &[], &["ls", "--token", &id]).await;
    ok(&r);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.contains(&cid));

    let r = px(&e, None, &[], &["usage", &id]).await;
    ok(&r);
    assert!(r.stdout.contains("node is 3 update(s) ahead"), "{}", r.stdout);
    let r = px(&e, None, &[], &["usage", &id, "--json"]).await;
    assert_eq!(r.json()["node"]["usedBytes"], "70008");
    assert_eq!(r.json()["chain"]["usedBytes"], "0");

    let out = dir.path().join("back.bin");
    let r =
        px(&e, None, &[], &["download", &cid, "--token", &id, "-o", out.to_str().unwrap()]).await;
    ok(&r);
    assert_eq!(std::fs::read(&out).unwrap(), vec![1u8; 70_000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_upload_stores_and_counts_ciphertext_and_downloads_decrypted() {
    let e = env().await;
    let user = e.d.users[0].clone();
    let r = px(&e, Some(&user), &[], &["mint", "--plan", "1", "--json"]).await;
    ok(&r);
    let id = r.json()["tokenId"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    // Three 64 KiB chunks and a bit: the ciphertext is the header plus a tag per chunk.
    let plain: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let file = temp_file(&dir, "secret.bin", &plain);
    let stored = px_encryption::ciphertext_len(plain.len() as u64);
    assert_eq!(stored, 200_000 + 56 + 4 * 16);

    let r = px(
        &e,
        Some(&user),
        &[],
        &["upload", file.to_str().unwrap(), "--token", &id, "--encrypt", "--json"],
    )
    .await;
    ok(&r);
    let upload = &r.json()["uploads"][0];
    assert_eq!(upload["encrypted"], true);
    assert_eq!(upload["storedBytes"], stored.to_string());
    assert_eq!(
        upload["result"]["usedBytes"],
        stored.to_string(),
        "the quota counts the ciphertext"
    );
    let cid = upload["result"]["cid"].as_str().unwrap().to_owned();

    let back = dir.path().join("back.bin");
    let r = px(
        &e,
        Some(&user),
        &[],
        &["download", &cid, "--token", &id, "-o", back.to_str().unwrap(), "--json"],
    )
    .await;
    ok(&r);
    assert_eq!(r.json()["decrypted"], true);
    assert_eq!(std::fs::read(&back).unwrap(), plain);

    let raw = dir.path().join("raw.bin");
    let r = px(
        &e,
        None,
        &[],
        &["download", &cid, "--token", &id, "-o", raw.to_str().unwrap(), "--raw"],
    )
    .await;
    ok(&r);
    let sealed = std::fs::read(&raw).unwrap();
    assert_eq!(sealed.len() as u64, stored);
    assert_eq!(&sealed[..5], b"PXENC", "the node holds ciphertext, not the file");
    assert!(!sealed.windows(1000).any(|w| w == &plain[..1000]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_when_another_account_downloads_an_encrypted_file_nothing_is_written() {
    let e = env().await;
    let owner = e.d.users[0].clone();
    let stranger = e.d.users[1].clone();
    let r = px(&e, Some(&owner), &[], &["mint", "--plan", "1", "--json"]).await;
    ok(&r);
    let id = r.json()["tokenId"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let file = temp_file(&dir, "secret.txt", b"for the owner only");
    let r = px(
        &e,
        Some(&owner),
        &[],
        &["upload", file.to_str().unwrap(), "--token", &id, "--encrypt", "--json"],
    )
    .await;
    ok(&r);
    let cid = r.json()["uploads"][0]["result"]["cid"].as_str().unwrap().to_owned();

    let out = dir.path().join("out.txt");
    let r = px(
        &e,
        Some(&stranger),
        &[],
        &["download", &cid, "--token", &id, "-o", out.to_str().unwrap()],
    )
    .await;
    one_line_error(&r, 1, "does not decrypt (wrongKey)");
    let r =
        px(&e, None, &[], &["download", &cid, "--token", &id, "-o", out.to_str().unwrap()]).await;
    one_line_error(&r, 2, "is encrypted (px-enc/1)");
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("secret.txt")], "no plaintext, no partial file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_minted_without_a_key_is_registered_by_the_operator() {
    let e = env().await;
    let user = e.d.users[1].clone();
    let r = px(&e, Some(&user), &[], &["mint", "--no-key", "--json"]).await;
    ok(&r);
    let id = r.json()["tokenId"].as_str().unwrap().to_owned();
    assert!(r.json()["btnsKey"].is_null());
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "f", b"data");
    let r = px(&e, Some(&user), &[], &["upload", f.to_str().unwrap(), "--token", &id]).await;
    one_line_error(&r, 1, "noBtnsKey");
    let r = px(&e, None, &[], &["admin", "register", &id]).await;
    ok(&r);
    assert!(r.stdout.contains("usage sequence 1"), "{}", r.stdout);
    ok(&px(&e, Some(&user), &[], &["upload", f.to_str().unwrap(), "--token", &id]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_sponsored_then_paid_waits_for_the_fulfilment_and_the_chain_matches_the_node() {
    let e = env().await;
    // The Chainlink node stand-in, with the PX job spec, answering through the adapter.
    let spec_text =
        std::fs::read_to_string(px_testkit::root().join("scripts/chainlink/px-sync-job.toml"))
            .unwrap();
    let (mut spec, pipeline) = px_job_runner::spec::JobSpec::parse(&spec_text).unwrap();
    spec.contract_address = e.d.operator;
    spec.requesters = vec![e.d.sync];
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(e.d.oracle_node.clone()))
        .connect_http(e.server.url().parse().unwrap())
        .erased();
    let from = provider.get_block_number().await.unwrap();
    let ctx = px_job_runner::tasks::TaskContext {
        bridges: [("px-oracle-adapter".to_owned(), format!("{}/", e.adapter_url))].into(),
        http: reqwest::Client::new(),
        bridge_timeout: Duration::from_secs(30),
        submitter: px_job_runner::listener::submitter(provider.clone()),
        default_to: Some(e.d.operator),
    };
    let listener = px_job_runner::listener::Listener::new(provider, spec, pipeline, ctx, from);
    tokio::spawn(listener.run(Duration::from_millis(200), std::future::pending()));

    let user = e.d.users[2].clone();
    let r = px(&e, Some(&user), &[], &["mint", "--plan", "1", "--json"]).await;
    ok(&r);
    let id = r.json()["tokenId"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let f = temp_file(&dir, "f", &[9u8; 5000]);
    ok(&px(&e, Some(&user), &[], &["upload", f.to_str().unwrap(), "--token", &id]).await);
    // Sponsored first: PxSync pays from its own LINK.
    let r = px(&e, Some(&user), &[], &["sync", &id, "--timeout", "60", "--json"]).await;
    ok(&r);
    assert_eq!(r.json()["fulfilled"], true);
    assert_eq!(r.json()["sequence"], "2");
    assert_eq!(r.json()["usedBytes"], "5000");
    let r = px(&e, None, &[], &["usage", &id, "--json"]).await;
    assert_eq!(r.json()["inSync"], true, "{}", r.stdout);
    assert_eq!(r.json()["chain"]["usedBytes"], "5000");
    // Once per sync window: the next sponsored request is refused, a paid one goes through.
    let g = temp_file(&dir, "g", &[8u8; 700]);
    ok(&px(&e, Some(&user), &[], &["upload", g.to_str().unwrap(), "--token", &id]).await);
    one_line_error(&px(&e, Some(&user), &[], &["sync", &id]).await, 1, "SponsoredSyncUnavailable");
    let r = px(&e, Some(&user), &[], &["sync", &id, "--pay", "--timeout", "60"]).await;
    ok(&r);
    assert!(r.stdout.contains("sequence 3, 5700 bytes used, 2 uploads"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_a_sound_deployment() {
    let e = env().await;
    let r = px(&e, None, &[], &["doctor", "--adapter-url", &e.adapter_url]).await;
    ok(&r);
    assert!(r.stdout.contains("all checks passed"), "{}", r.stdout);
    assert!(!r.stdout.contains("FAIL"), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_an_untrusted_usage_signer_a_pause_and_a_dead_adapter() {
    let stray = PrivateKeySigner::random();
    let e = env_with_signer(Some(stray.clone())).await;
    ok(&px(&e, Some(&e.d.owner), &[], &["admin", "pause"]).await);
    let r = px(&e, None, &[], &["doctor", "--adapter-url", "http://127.0.0.1:9"]).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains(&format!("px admin add-signer {}", stray.address())), "{}", r.stdout);
    assert!(r.stdout.contains("the core is paused"), "{}", r.stdout);
    assert!(r.stdout.lines().any(|l| l.starts_with("FAIL adapter")), "{}", r.stdout);
    // The owner fixes the signer; that check passes then.
    ok(&px(&e, Some(&e.d.owner), &[], &["admin", "add-signer", &stray.address().to_string()])
        .await);
    let r = px(&e, None, &[], &["doctor", "--json"]).await;
    let failed: Vec<String> = r.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["check"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failed, vec!["core paused"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_plans_and_pausing_closes_uploads() {
    let e = env().await;
    let owner = e.d.owner.clone();
    ok(&px(
        &e,
        Some(&owner),
        &[],
        &["admin", "set-plan", "4", "--quota", "2048", "--uploads", "3", "--price", "7"],
    )
    .await);
    let r = px(&e, None, &[], &["plans", "--json"]).await;
    assert_eq!(r.json()["plans"][4]["quotaBytes"], "2048");
    let user = e.d.users[3].clone();
    let r = px(&e, Some(&user), &[], &["mint", "--plan", "4", "--json"]).await;
    ok(&r);
    let id = r.json()["tokenId"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let big = temp_file(&dir, "big", &[0u8; 4096]);
    one_line_error(
        &px(&e, Some(&user), &[], &["upload", big.to_str().unwrap(), "--token", &id]).await,
        1,
        "quotaExceeded",
    );
    ok(&px(&e, Some(&owner), &[], &["admin", "pause"]).await);
    let small = temp_file(&dir, "small", b"x");
    one_line_error(
        &px(&e, Some(&user), &[], &["upload", small.to_str().unwrap(), "--token", &id]).await,
        1,
        "paused",
    );
    ok(&px(&e, Some(&owner), &[], &["admin", "pause", "--unpause"]).await);
    ok(&px(&e, Some(&user), &[], &["upload", small.to_str().unwrap(), "--token", &id]).await);
    // Not the owner: the program's own error, decoded.
    let r = px(&e, Some(&user), &[], &["admin", "pause"]).await;
    one_line_error(&r, 1, "OwnableUnauthorizedAccount");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_come_from_a_keystore_or_the_environment_never_a_flag() {
    let e = env().await;
    let dir = tempfile::tempdir().unwrap();
    let user = e.d.users[4].clone();
    let mut rng = rand::thread_rng();
    PrivateKeySigner::encrypt_keystore(
        dir.path(),
        &mut rng,
        user.to_bytes(),
        "s3cret",
        Some("user"),
    )
    .unwrap();
    let ks = dir.path().join("user");
    let ks = ks.to_str().unwrap();
    let r = px(
        &e,
        None,
        &[("PX_KEYSTORE_PASSWORD", "s3cret")],
        &["--keystore", ks, "mint", "--no-key", "--json"],
    )
    .await;
    ok(&r);
    let r =
        px(&e, None, &[("PX_KEYSTORE_PASSWORD", "wrong")], &["--keystore", ks, "mint", "--no-key"])
            .await;
    one_line_error(&r, 2, "cannot unlock");
    let r = px(&e, None, &[], &["mint", "--no-key"]).await;
    one_line_error(&r, 2, "PX_PRIVATE_KEY");
    let r = px(&e, None, &[], &["mint", "--private-key", "0x01"]).await;
    assert_eq!(r.code, 2, "no such flag: {}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_one_clear_line() {
    let e = env().await;
    let r = px(&e, None, &[("PX_NODE_URL", "http://127.0.0.1:9")], &["ls", "--token", "1"]).await;
    one_line_error(&r, 1, "127.0.0.1:9");
    let r = px(
        &e,
        None,
        &[("PX_RPC_URL", "http://127.0.0.1:9")],
        &["plans", "--core", "0x00000000000000000000000000000000000000c0"],
    )
    .await;
    one_line_error(&r, 1, "chain");
    let r = px(&e, None, &[], &["usage", "424242"]).await;
    one_line_error(&r, 1, "");
    let r = px(&e, None, &[], &["download", "not-a-cid"]).await;
    one_line_error(&r, 1, "bad_request");
    let r =
        px(&e, Some(&e.d.users[5]), &[], &["upload", "/nonexistent/file", "--token", "1"]).await;
    one_line_error(&r, 1, "/nonexistent/file");
}
