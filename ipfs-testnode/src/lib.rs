//! A real IPFS node for integration tests: [`IpfsNode::start`] runs `scripts/ipfs-node.sh`
//! (js-ipfs 0.66.1, `daemon --offline`, every listener on a free loopback port, no bootstrap,
//! no MDNS) in a fresh repo under `target/ipfs-testnodes/`, and [`Drop`] stops it. A watchdog
//! started by the script also stops it when the test process exits, so [`IpfsNode::shared`]
//! (one node per test binary) leaves nothing behind.
//!
//! The client methods call the node's real RPC through `px-storage-client`, as the PX node
//! does: `key/gen`, `add` of a single raw block, `name/publish`, `name/resolve`. Needs
//! `scripts/setup.sh ipfs` first.
//!
//! Why a crate: the oracle adapter's tests and the PX node's tests both need it, and a crate is
//! the one way to share test support across workspace members without shipping it in either.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        OnceLock,
        atomic::{AtomicUsize, Ordering},
    },
};

use px_storage_client::StorageClient;

/// Error of the helper: a message with the node's answer.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A running js-ipfs node, stopped on drop.
#[derive(Debug)]
pub struct IpfsNode {
    api_url: String,
    /// The repo of a node this value started (and stops); `None` when attached.
    dir: Option<PathBuf>,
    client: StorageClient,
}

/// No idle connections: a shared node is used from many tests, each with its own tokio
/// runtime, and a pooled connection dies with the runtime that opened it.
fn client(api_url: &str) -> Result<StorageClient, Error> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    Ok(StorageClient::with_http(http, api_url, "/api/v0", "/ipfs"))
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn script() -> PathBuf {
    repo_root().join("scripts/ipfs-node.sh")
}

impl IpfsNode {
    /// Starts a fresh node and waits until its API answers (about 5 s). Blocking: from async
    /// code call it inside `tokio::task::spawn_blocking`, or use [`IpfsNode::shared`].
    pub fn start() -> Result<Self, Error> {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let dir = repo_root().join("target/ipfs-testnodes").join(format!(
            "{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .arg(std::process::id().to_string())
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "ipfs-node.sh start failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let api_url = String::from_utf8(out.stdout)?.trim().to_owned();
        let client = client(&api_url)?;
        Ok(Self { api_url, dir: Some(dir), client })
    }

    /// A client for a node already running at `api_url` (e.g. from `scripts/ipfs-node.sh
    /// start`); dropping it leaves the node running.
    pub fn attach(api_url: &str) -> Result<Self, Error> {
        let api_url = api_url.trim_end_matches('/').to_owned();
        Ok(Self { client: client(&api_url)?, api_url, dir: None })
    }

    /// One node for the whole test binary, started on first use; the watchdog stops it when
    /// the binary exits. Tests sharing it must use their own key names.
    ///
    /// # Panics
    /// If the node cannot start (js-ipfs not installed: run `scripts/setup.sh ipfs`).
    pub fn shared() -> &'static Self {
        static NODE: OnceLock<IpfsNode> = OnceLock::new();
        NODE.get_or_init(|| {
            // OnceLock may be first touched from inside a runtime; starting blocks for seconds,
            // which is acceptable once per binary.
            Self::start().unwrap_or_else(|e| panic!("cannot start the shared IPFS node: {e}"))
        })
    }

    /// `http://127.0.0.1:PORT`, the node's RPC API (paths under `/api/v0`).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// Stops the node now (also done on drop) if this value started it. Idempotent.
    pub fn stop(&self) {
        if let Some(dir) = &self.dir {
            let _ = Command::new(script()).arg("stop").arg(dir).output();
        }
    }

    /// The storage client of this node (IPFS prefixes), as the PX node would hold it.
    pub fn client(&self) -> &StorageClient {
        &self.client
    }

    /// `key/gen` of an ed25519 key named `name`; returns its peer id (`12D3KooW...`).
    pub async fn key_gen(&self, name: &str) -> Result<String, Error> {
        Ok(self.client.key_gen(name).await?)
    }

    /// Adds `bytes` as one raw block (`px_storage_client::RAW_BLOCK_ADD`): the single-raw-block
    /// rule of the usage document.
    pub async fn add_raw(&self, bytes: Vec<u8>) -> Result<String, Error> {
        Ok(self.client.add_raw_block(bytes).await?.to_string())
    }

    /// Adds `bytes` the default way (CID v0, dag-pb): a block that is NOT a single raw block.
    pub async fn add_default(&self, bytes: Vec<u8>) -> Result<String, Error> {
        Ok(self.client.add_part(reqwest::multipart::Part::bytes(bytes), &[]).await?)
    }

    /// `name/publish` of `/ipfs/<cid>` under the key named `key_name` (offline allowed).
    pub async fn publish(&self, key_name: &str, cid: &str) -> Result<(), Error> {
        Ok(self.client.publish(key_name, cid, None).await?)
    }

    /// `name/resolve` of `name`; returns the resolved path.
    pub async fn resolve(&self, name: &str) -> Result<String, Error> {
        Ok(self.client.resolve(name, false).await?)
    }
}

impl Drop for IpfsNode {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
