//! The usage lookup: cache and coalescing per name, bounded upstream concurrency with a
//! bounded queue, one time budget for resolve + cat, verification of the document, and the
//! per-request subject check. The adapter relays what is published and signed; it computes
//! no usage of its own.

use std::{
    collections::HashSet,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use alloy::primitives::Address;
use futures::FutureExt;
use px_metadata::{BtnsKey, Subject, VerifiedDocument};
use serde_json::json;
use tokio::{sync::Semaphore, time::Instant};

use crate::{
    cache::{Coalescer, Outcome},
    error::AdapterError,
    metrics::Metrics,
    transport::StorageNode,
};

/// A verified document with the adapter's answer for it rendered once (cache hits only add
/// the `jobRunID`).
#[derive(Debug)]
pub struct Answer {
    /// The document and its CID.
    pub verified: VerifiedDocument,
    /// The `data` object of the success body.
    data_json: String,
    /// The top-level `result` (the metadata digest), JSON-quoted.
    result_json: String,
}

impl Answer {
    fn new(verified: VerifiedDocument) -> Self {
        let d = &verified.document;
        let sig = &d.signature;
        let digest = format!("{:#x}", verified.cid.digest());
        let data = json!({
            "sequence": d.sequence.to_string(),
            "usedBytes": d.used_bytes.to_string(),
            "uploadCount": d.upload_count.to_string(),
            "metadataDigest": digest,
            "v": sig.v().to_string(),
            "r": format!("{:#x}", sig.r()),
            "s": format!("{:#x}", sig.s()),
            "quotaBytes": d.quota_bytes.to_string(),
            "metadataCid": verified.cid.to_string(),
            "signer": format!("{:#x}", d.signer),
            "result": digest,
        });
        Self { data_json: data.to_string(), result_json: json!(digest).to_string(), verified }
    }

    /// The EA success body for `job_run_id`.
    pub fn body(&self, job_run_id: &str) -> String {
        let job = serde_json::Value::from(job_run_id).to_string();
        format!(
            r#"{{"jobRunID":{job},"data":{},"result":{},"statusCode":200}}"#,
            self.data_json, self.result_json
        )
    }
}

/// Settings of [`UsageLookup`].
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Time budget of one lookup.
    pub api_timeout: Duration,
    /// How long answers are cached.
    pub cache_max_age: Duration,
    /// Most cached names.
    pub cache_max_items: usize,
    /// Most concurrent upstream lookups.
    pub upstream_concurrency: usize,
    /// Most lookups waiting for a slot.
    pub max_queued_lookups: usize,
    /// Largest document.
    pub max_document_bytes: usize,
    /// Accepted signers; empty = any.
    pub trusted_signers: HashSet<Address>,
}

/// Looks up and checks usage documents.
pub struct UsageLookup {
    node: Arc<dyn StorageNode>,
    cache: Arc<Coalescer<BtnsKey, Arc<Answer>>>,
    upstream: Arc<Semaphore>,
    queued: AtomicUsize,
    config: ServiceConfig,
    metrics: Arc<Metrics>,
}

impl UsageLookup {
    /// A service reading from `node`.
    pub fn new(node: Arc<dyn StorageNode>, config: ServiceConfig, metrics: Arc<Metrics>) -> Self {
        Self {
            node,
            cache: Arc::new(Coalescer::new(config.cache_max_age, config.cache_max_items)),
            upstream: Arc::new(Semaphore::new(config.upstream_concurrency.max(1))),
            queued: AtomicUsize::new(0),
            config,
            metrics,
        }
    }

    /// The answer for `subject`: the document published under its key, verified, and about
    /// that chain, contract and token.
    pub async fn lookup(self: &Arc<Self>, subject: &Subject) -> Result<Arc<Answer>, AdapterError> {
        let this = Arc::clone(self);
        let key = subject.btns_key.clone();
        let (result, outcome) =
            self.cache.get_or_fetch(key.clone(), move || this.fetch(key).boxed()).await;
        match outcome {
            Outcome::Hit => self.metrics.cache_hits.inc(),
            Outcome::Joined => self.metrics.coalesced.inc(),
            Outcome::Fetched => self.metrics.cache_misses.inc(),
        };
        let answer = result?;
        answer.verified.check_subject(subject)?;
        Ok(answer)
    }

    /// Whether the storage node answers (for `/ready`).
    pub async fn ready(&self) -> Result<(), AdapterError> {
        let budget = self.config.api_timeout.min(Duration::from_secs(2));
        self.node.ping(Instant::now() + budget).await
    }

    async fn fetch(self: Arc<Self>, key: BtnsKey) -> Result<Arc<Answer>, AdapterError> {
        // The budget starts now, so time spent queueing counts against it too.
        let deadline = Instant::now() + self.config.api_timeout;
        let _permit = if let Ok(permit) = Arc::clone(&self.upstream).try_acquire_owned() {
            permit
        } else {
            // Bounded queue: past it, answer 503 now rather than pile up behind a slow node.
            if self.queued.fetch_add(1, Ordering::SeqCst) >= self.config.max_queued_lookups {
                self.queued.fetch_sub(1, Ordering::SeqCst);
                return Err(AdapterError::Overloaded);
            }
            let acquire = Arc::clone(&self.upstream).acquire_owned();
            let permit = tokio::time::timeout_at(deadline, acquire).await;
            self.queued.fetch_sub(1, Ordering::SeqCst);
            match permit {
                Ok(Ok(p)) => p,
                Ok(Err(_)) => return Err(AdapterError::Internal("semaphore closed".into())),
                Err(_) => return Err(self.timeout()),
            }
        };
        self.metrics.upstream_in_flight.inc();
        let result =
            tokio::time::timeout_at(deadline, self.resolve_and_check(&key, deadline)).await;
        self.metrics.upstream_in_flight.dec();
        match result {
            Err(_) | Ok(Err(AdapterError::Timeout(_))) => Err(self.timeout()),
            Ok(r) => r.map(Arc::new),
        }
    }

    async fn resolve_and_check(
        &self,
        key: &BtnsKey,
        deadline: Instant,
    ) -> Result<Answer, AdapterError> {
        let cid = self.node.resolve(key, deadline).await?;
        let bytes = self.node.cat(&cid, self.config.max_document_bytes, deadline).await?;
        let verified = VerifiedDocument::verify(cid, &bytes)?;
        let d = &verified.document;
        if d.btns_key != *key {
            return Err(AdapterError::Document(format!(
                "document published under {key} names btnsKey {}",
                d.btns_key.to_hex()
            )));
        }
        if !self.config.trusted_signers.is_empty()
            && !self.config.trusted_signers.contains(&d.signer)
        {
            return Err(AdapterError::Document(format!(
                "signer {:#x} is not in TRUSTED_SIGNERS",
                d.signer
            )));
        }
        Ok(Answer::new(verified))
    }

    fn timeout(&self) -> AdapterError {
        AdapterError::timeout(self.config.api_timeout)
    }
}
