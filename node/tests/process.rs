//! The `px-node` binary as an operator runs it, against px-devnet (the real programs over
//! JSON-RPC) and a real IPFS node: configured by environment, killed (SIGKILL) while an upload's
//! head is being published, restarted, and the head is out with the right usage.

mod common;

use std::{
    process::{Child, Command, Stdio},
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Bytes, U256},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use common::proxy;
use px_abi::IPxStorefront;
use px_ipfs_testnode::IpfsNode;
use px_node_api::NodeClient;
use px_testkit::{Deployment, DevnetServer, px_devnet::chain::TxRequest};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct NodeProcess {
    child: Child,
    url: String,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with `storage` as its storage node and waits until it answers.
async fn start(
    d: &Deployment,
    server: &DevnetServer,
    storage: &str,
    data: &std::path::Path,
    prefix: &str,
) -> NodeProcess {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_px-node"))
        .env_clear()
        .env("PX_RPC_URL", server.url())
        .env("PX_CORE", d.core.to_string())
        .env("PX_USAGE_SIGNER_KEY", alloy::hex::encode(d.usage_signer.to_bytes()))
        .env("PX_REGISTRAR_KEY", alloy::hex::encode(d.registrar.to_bytes()))
        .env("PX_STORAGE_API_URL", storage)
        .env("PX_STORAGE_API_PREFIX", "/api/v0")
        .env("PX_STORAGE_PATH_PREFIX", "/ipfs")
        .env("PX_NODE_DATA_DIR", data)
        .env("PX_NODE_PORT", port.to_string())
        .env("PX_KEY_PREFIX", prefix)
        .env("PX_WATCH_MINTS", "false")
        .env("PX_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let node = NodeProcess { child, url: format!("http://127.0.0.1:{port}") };
    let client = NodeClient::new(&node.url);
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.info().await.is_err() {
        assert!(Instant::now() < deadline, "px-node did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    node
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_node_publishes_the_pending_head_after_restart() {
    let d = Deployment::cached();
    let server = d.serve();
    let ipfs = IpfsNode::shared();
    let data = tempfile::tempdir().unwrap();
    let prefix = common::prefix();
    let buyer: PrivateKeySigner = d.users[0].clone();
    let id = {
        let mut chain = server.chain();
        let call = IPxStorefront::mintCall { planId: U256::ZERO };
        let r = chain
            .send(TxRequest::call(buyer.address(), d.storefront, Bytes::from(call.abi_encode())))
            .unwrap();
        r.expect_success();
        IPxStorefront::mintCall::abi_decode_returns(&r.output).unwrap()
    };

    let proxy = proxy::start(ipfs.api_url()).await;
    let first = start(&d, &server, &proxy.url, data.path(), &prefix).await;
    let mut client = NodeClient::new(&first.url);
    let reg = client.register(id).await.unwrap();
    assert_eq!(reg.sequence, "1");
    client.sign_in(&buyer).await.unwrap();
    proxy.hold_publish.store(true, Ordering::SeqCst);
    let uploader = client.clone();
    let upload = tokio::spawn(async move {
        uploader.upload(id, 5000, reqwest::Body::from(vec![4u8; 5000])).await
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while proxy.publishes_held.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the publish never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(first); // SIGKILL, with the head committed and its publish in flight
    assert!(upload.await.unwrap().is_err(), "the client saw the node die");

    let storage = common::storage();
    let key: px_metadata::BtnsKey = reg.btns_key.parse().unwrap();
    let resolve = || async {
        let path = storage.resolve(&key.to_base58(), false).await.unwrap();
        let cid = path.trim_start_matches("/ipfs/").to_owned();
        let bytes = storage.cat_bytes(&cid, 1 << 20).await.unwrap();
        px_metadata::VerifiedDocument::verify(cid.parse().unwrap(), &bytes).unwrap().document
    };
    assert_eq!(resolve().await.sequence, 1, "the kill left the old head published");

    let second = start(&d, &server, ipfs.api_url(), data.path(), &prefix).await;
    let head = resolve().await;
    assert_eq!(
        (head.sequence, head.used_bytes, head.upload_count),
        (2, 5000, 1),
        "replayed at start-up"
    );
    assert_eq!(head.signer, d.usage_signer.address());
    let mut client = NodeClient::new(&second.url);
    client.sign_in(&buyer).await.unwrap();
    let r = client.upload(id, 10, reqwest::Body::from(vec![1u8; 10])).await.unwrap();
    assert_eq!((r.sequence.as_str(), r.used_bytes.as_str()), ("3", "5010"));
    let health = client.health().await.unwrap();
    assert_eq!(health.pending_publishes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_when_the_binary_has_no_usage_signer_it_says_so_in_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_px-node"))
        .env_clear()
        .env("PX_CORE", "0x00000000000000000000000000000000000000c0")
        .env("PX_LOG_LEVEL", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no usage signer"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
