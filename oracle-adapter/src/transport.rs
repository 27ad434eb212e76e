//! The storage node: `name/resolve` then `cat` over its Kubo-style HTTP RPC (`POST
//! {prefix}/<command>`, through `px-storage-client`, which parses its errors), with per-attempt
//! timeouts, retries with backoff for these idempotent reads, and upstream latency metrics. Behind [`StorageNode`] so the router can be tested
//! without a node; the integration tests use [`HttpStorageNode`] against a real one.

use std::{sync::Arc, time::Duration};

use px_metadata::{BtnsKey, RawBlockCid};
use px_storage_client::{StorageClient, StorageError, path_cid};
use serde::Deserialize;
use tokio::time::{Instant, sleep};

use crate::{error::AdapterError, metrics::Metrics};

/// A boxed future, so the trait stays object safe (`Arc<dyn StorageNode>`).
pub use futures::future::BoxFuture;

/// What the adapter needs from a storage node.
pub trait StorageNode: Send + Sync + 'static {
    /// Resolves `key`'s name to the CID it points at (must be one raw block), before `deadline`.
    fn resolve<'a>(
        &'a self,
        key: &'a BtnsKey,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<RawBlockCid, AdapterError>>;

    /// Reads the block's bytes, at most `max` of them (more -> [`AdapterError::Document`]).
    fn cat<'a>(
        &'a self,
        cid: &'a RawBlockCid,
        max: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<u8>, AdapterError>>;

    /// Whether the node answers at all (`/ready`).
    fn ping(&self, deadline: Instant) -> BoxFuture<'_, Result<(), AdapterError>>;
}

/// Retry policy for idempotent reads.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// Delay before the first retry; doubles each time.
    pub backoff: Duration,
}

/// A BTFS / Kubo / js-ipfs node reached over HTTP (through `px-storage-client`).
pub struct HttpStorageNode {
    client: StorageClient,
    retry: RetryPolicy,
    nocache: bool,
    metrics: Arc<Metrics>,
}

/// One failed attempt: whether trying again may help.
enum Attempt {
    Retry(AdapterError),
    Fatal(AdapterError),
}

impl HttpStorageNode {
    /// A client for `api_url` + `prefix` (e.g. `http://127.0.0.1:5001` + `/api/v1`);
    /// `nocache` adds `nocache=true` to `name/resolve`.
    pub fn new(
        api_url: &str,
        prefix: &str,
        retry: RetryPolicy,
        nocache: bool,
        metrics: Arc<Metrics>,
    ) -> Result<Self, AdapterError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AdapterError::Internal(e.to_string()))?;
        // Bare CIDs for `cat`: every node takes them, whatever its path prefix.
        let client = StorageClient::with_http(http, api_url, prefix, "");
        Ok(Self { client, retry, nocache, metrics })
    }

    /// POSTs `command` with `query` until it succeeds, fails for good, or `deadline` passes;
    /// returns the response of the successful attempt (status 2xx).
    async fn post(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<reqwest::Response, AdapterError> {
        let mut backoff = self.retry.backoff;
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let result = self.attempt(command, query, deadline).await;
            self.metrics.observe_upstream(command, started.elapsed(), result.is_ok());
            match result {
                Ok(res) => return Ok(res),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::Retry(e)) => {
                    if attempt >= self.retry.retries || Instant::now() + backoff >= deadline {
                        return Err(e);
                    }
                    tracing::debug!(command, attempt, error = %e, "retrying storage node read");
                    sleep(backoff).await;
                    backoff *= 2;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        command: &'static str,
        query: &[(&str, &str)],
        deadline: Instant,
    ) -> Result<reqwest::Response, Attempt> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let sent = tokio::time::timeout(remaining, self.client.post(command, query)).await;
        let error = match sent {
            Err(_) => return Err(Attempt::Fatal(AdapterError::timeout(remaining))),
            Ok(Ok(res)) => return Ok(res),
            Ok(Err(e)) => e,
        };
        match &error {
            StorageError::Transport { source, .. } if source.is_timeout() => {
                Err(Attempt::Fatal(AdapterError::timeout(remaining)))
            }
            StorageError::Transport { source, .. } => {
                Err(Attempt::Retry(AdapterError::Unreachable(root_cause(source))))
            }
            // A missing record is an answer, not a fault: no retry.
            e if command == "name/resolve" && e.is_not_found() => {
                Err(Attempt::Fatal(AdapterError::NameNotFound(String::new())))
            }
            e => {
                let err = AdapterError::Upstream(e.to_string());
                if e.status().is_some_and(|s| s >= 500) {
                    Err(Attempt::Retry(err))
                } else {
                    Err(Attempt::Fatal(err))
                }
            }
        }
    }
}

/// The innermost cause ("Connection refused"), not reqwest's generic outer message.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl StorageNode for HttpStorageNode {
    fn resolve<'a>(
        &'a self,
        key: &'a BtnsKey,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<RawBlockCid, AdapterError>> {
        Box::pin(async move {
            #[derive(Deserialize)]
            struct Resolved {
                #[serde(rename = "Path")]
                path: String,
            }
            let name = key.to_base58();
            // nocache: a sync wants the record as published now, not the node's cached copy.
            let mut query = vec![("arg", name.as_str())];
            if self.nocache {
                query.push(("nocache", "true"));
            }
            let res = self.post("name/resolve", &query, deadline).await.map_err(|e| match e {
                AdapterError::NameNotFound(_) => AdapterError::NameNotFound(name.clone()),
                other => other,
            })?;
            let body = read_capped(res, 64 * 1024, deadline).await?;
            let resolved: Resolved = serde_json::from_slice(&body).map_err(|e| {
                AdapterError::Upstream(format!("name/resolve: unexpected answer: {e}"))
            })?;
            let cid = path_cid(&resolved.path).ok_or_else(|| {
                AdapterError::Document(format!(
                    "{name} points at {}, not at a single block",
                    resolved.path
                ))
            })?;
            cid.parse::<RawBlockCid>().map_err(|e| {
                AdapterError::Document(format!(
                    "{name} points at {cid}, which is not a single raw block: {e}"
                ))
            })
        })
    }

    fn cat<'a>(
        &'a self,
        cid: &'a RawBlockCid,
        max: usize,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<u8>, AdapterError>> {
        Box::pin(async move {
            let arg = self.client.content_path(&cid.to_string());
            // Ask for one byte more than allowed: getting it proves the document is too large
            // without reading all of it.
            let length = (max + 1).to_string();
            let query = [("arg", arg.as_str()), ("length", length.as_str())];
            let res = self.post("cat", &query, deadline).await?;
            read_capped(res, max, deadline).await
        })
    }

    fn ping(&self, deadline: Instant) -> BoxFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            // `version` exists on BTFS, Kubo and js-ipfs and touches no data.
            let res = self.post("version", &[], deadline).await?;
            read_capped(res, 64 * 1024, deadline).await.map(drop)
        })
    }
}

/// Reads a response body, refusing more than `max` bytes and giving up at `deadline`.
async fn read_capped(
    mut res: reqwest::Response,
    max: usize,
    deadline: Instant,
) -> Result<Vec<u8>, AdapterError> {
    let read =
        async {
            let mut buf = Vec::new();
            while let Some(chunk) = res.chunk().await.map_err(|e| {
                AdapterError::Unreachable(format!("reading answer: {}", root_cause(&e)))
            })? {
                if buf.len() + chunk.len() > max {
                    return Err(AdapterError::Document(format!(
                        "document is larger than the {max}-byte limit"
                    )));
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(buf)
        };
    let remaining = deadline.saturating_duration_since(Instant::now());
    tokio::time::timeout(remaining, read).await.map_err(|_| AdapterError::timeout(remaining))?
}
