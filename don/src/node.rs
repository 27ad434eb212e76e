//! One DON node's part of the px-sync workflow (its node-mode step): fetch the token's usage
//! answer from its own oracle adapter, check it as the adapter does, and encode the report
//! payload. Nodes never share their answers before consensus; each fetches independently.
//!
//! [`observation`] is the workflow's pure step (answer bytes in, payload bytes out): the
//! workflow (`cre/px-sync/src/report.ts`) and this stand-in are both tested on the shared
//! vectors in `cre/px-sync/vectors/`, so their reports are byte-identical.

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    signers::local::PrivateKeySigner,
};
use px_metadata::{BtnsKey, Subject};
use px_oracle_adapter::endpoint::UsageAnswer;

use crate::{Error, report::SyncReport};

/// A sync request as the workflow's log trigger sees it (`SyncRequested`, route 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    /// The token.
    pub token_id: U256,
    /// The syncing program's request id.
    pub request_id: B256,
    /// Who paid.
    pub payer: Address,
    /// 1 = CRE, 2 = Direct Request.
    pub route: u8,
    /// The token's BTNS key bytes.
    pub btns_key: Bytes,
    /// The log's transaction and index (the trigger event).
    pub tx_hash: B256,
    /// Index of the log in its block.
    pub log_index: u64,
    /// Block of the log.
    pub block_number: u64,
}

/// `route` of a request the CRE workflow answers.
pub const ROUTE_CRE: u8 = 1;

/// What the workflow is configured with besides the trigger: the chain and core contract the
/// usage must be about, and optionally the signers it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowConfig {
    /// Chain of the core contract.
    pub chain_id: u64,
    /// The core contract (`PxStorageNft`).
    pub core: Address,
    /// Accepted usage signers; empty = any whose signature verifies (the chain decides).
    pub trusted_signers: Vec<Address>,
}

impl WorkflowConfig {
    /// The subject a request asks about.
    ///
    /// # Errors
    /// [`Error::Request`] when the event's key bytes are not a BTNS key.
    pub fn subject(&self, request: &SyncRequest) -> Result<Subject, Error> {
        let btns_key = BtnsKey::from_bytes(&request.btns_key)
            .map_err(|e| Error::Request(format!("btnsKey: {e}")))?;
        Ok(Subject {
            chain_id: self.chain_id,
            contract: self.core,
            token_id: request.token_id,
            btns_key,
        })
    }

    /// The adapter query for `subject`: `/usage?btnsKey=&tokenId=&contract=&chainId=`.
    pub fn usage_path(subject: &Subject) -> String {
        format!(
            "/usage?btnsKey={}&tokenId={}&contract={:#x}&chainId={}",
            subject.btns_key.to_hex(),
            subject.token_id,
            subject.contract,
            subject.chain_id
        )
    }
}

/// The workflow's node-mode step on an adapter's answer: strict parse, the adapter's checks
/// again, the trusted-signer list, then the report payload.
///
/// # Errors
/// [`Error::Answer`] naming the check that failed.
pub fn observation(
    config: &WorkflowConfig,
    request: &SyncRequest,
    answer_body: &[u8],
) -> Result<Vec<u8>, Error> {
    let subject = config.subject(request)?;
    let answer: UsageAnswer = serde_json::from_slice(answer_body)
        .map_err(|e| Error::Answer(format!("not a usage answer: {e}")))?;
    let checked = answer.check(&subject).map_err(|e| Error::Answer(e.to_string()))?;
    if !config.trusted_signers.is_empty() && !config.trusted_signers.contains(&checked.signer) {
        return Err(Error::Answer(format!("signer {:#x} is not trusted", checked.signer)));
    }
    Ok(SyncReport {
        request_id: request.request_id,
        token_id: request.token_id,
        sequence: checked.report.sequence,
        used_bytes: checked.report.used_bytes,
        upload_count: checked.report.upload_count,
        metadata_digest: checked.metadata_digest,
        signatures: Bytes::copy_from_slice(&checked.signature.to_bytes()),
    }
    .encode())
}

/// One DON node: its signing key and its own adapter.
#[derive(Debug, Clone)]
pub struct Node {
    /// The node's DON signing key (configured on the forwarder).
    pub signer: PrivateKeySigner,
    /// Base URL of the node's oracle adapter (`http://host:port`).
    pub adapter_url: String,
    http: reqwest::Client,
}

impl Node {
    /// A node signing with `signer` and asking the adapter at `adapter_url`, each fetch within
    /// `timeout`.
    ///
    /// # Errors
    /// [`Error::Request`] if the HTTP client cannot be built.
    pub fn new(
        signer: PrivateKeySigner,
        adapter_url: &str,
        timeout: Duration,
    ) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Request(e.to_string()))?;
        Ok(Self { signer, adapter_url: adapter_url.trim_end_matches('/').to_owned(), http })
    }

    /// This node's observation of `request`: its own fetch, its own checks, its payload.
    ///
    /// # Errors
    /// [`Error::Fetch`] when the adapter cannot be reached or answers an error; otherwise as
    /// [`observation`].
    pub async fn observe(
        &self,
        config: &WorkflowConfig,
        request: &SyncRequest,
    ) -> Result<Vec<u8>, Error> {
        let subject = config.subject(request)?;
        let url = format!("{}{}", self.adapter_url, WorkflowConfig::usage_path(&subject));
        let res =
            self.http.get(&url).send().await.map_err(|e| Error::Fetch(format!("{url}: {e}")))?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| Error::Fetch(format!("{url}: {e}")))?;
        if status != reqwest::StatusCode::OK {
            return Err(Error::Fetch(format!(
                "{url}: {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        observation(config, request, &body)
    }
}
