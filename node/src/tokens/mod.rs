//! The token service: every usage change of a token goes through here.
//!
//! - **Quota** ([`reservations`]). An upload is checked against the chain's
//!   `canUpload(tokenId, size)` AND the node's own newer state: its unsynced uploads plus the
//!   uploads still streaming (reservations). The stricter answer wins, so a token cannot exceed
//!   its quota between syncs, nor by racing parallel uploads.
//! - **Serialized updates** ([`uploads`]). Check-and-reserve and commit of one token happen
//!   under that token's lock; the journal write is one transaction. Streaming happens outside
//!   the lock (through [`stream`], which cuts a body off past its declared length), so parallel
//!   uploads to one token stream in parallel and commit one after the other.
//! - **Publishing** ([`publishing`]). A commit marks the head pending;
//!   [`TokenService::publish_latest`] publishes the token's latest head under a second
//!   per-token lock, so publications never overtake each other and parallel commits coalesce
//!   into one publication.

mod pins;
mod publishing;
mod reservations;
mod stream;
mod uploads;

pub use uploads::Admitted;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};
use bytes::Bytes;
use futures::Stream;
use px_metadata::{FileEntry, Timestamp, UsageDocument};
use px_node_api::UsageChange;
use px_storage_client::StorageClient;

use self::{pins::PinGate, reservations::Slot};
use crate::{
    chain::Chain,
    error::NodeError,
    journal::{Journal, TokenRecord},
    metrics::Metrics,
};

/// Settings of the token service.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// Chain id of the core.
    pub chain_id: u64,
    /// The core.
    pub core: Address,
    /// Record lifetime passed to `name/publish`.
    pub record_lifetime: Duration,
    /// Heads published longer ago than this are republished.
    pub republish_interval: Duration,
    /// How long a CID nothing references any more stays pinned (the retention grace).
    pub unpin_grace: Duration,
}

/// The token service.
#[derive(Debug)]
pub struct TokenService {
    chain: Arc<dyn Chain>,
    storage: StorageClient,
    journal: Arc<Journal>,
    signer: PrivateKeySigner,
    settings: TokenSettings,
    metrics: Arc<Metrics>,
    slots: Mutex<HashMap<U256, Arc<Slot>>>,
    pins: PinGate,
}

fn now_unix() -> i64 {
    Timestamp::now().unix()
}

impl TokenService {
    /// When a CID left unreferenced now may be unpinned.
    fn unpin_at(&self) -> i64 {
        now_unix()
            .saturating_add(i64::try_from(self.settings.unpin_grace.as_secs()).unwrap_or(i64::MAX))
    }

    /// A service over these parts.
    pub fn new(
        chain: Arc<dyn Chain>,
        storage: StorageClient,
        journal: Arc<Journal>,
        signer: PrivateKeySigner,
        settings: TokenSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            chain,
            storage,
            journal,
            signer,
            settings,
            metrics,
            slots: Mutex::default(),
            pins: PinGate::default(),
        }
    }

    /// The usage signer's address.
    pub fn signer_address(&self) -> Address {
        self.signer.address()
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The journal, shared.
    pub fn journal_arc(&self) -> Arc<Journal> {
        self.journal.clone()
    }

    fn slot(&self, token_id: U256) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.entry(token_id).or_default().clone()
    }

    fn record(&self, token_id: U256) -> Result<TokenRecord, NodeError> {
        self.journal.token(token_id)?.ok_or_else(|| {
            NodeError::NotFound(format!("token {token_id} is not registered with this node"))
        })
    }

    /// Fails unless `caller` owns the token or is approved for it.
    pub async fn authorize(&self, token_id: U256, caller: Address) -> Result<(), NodeError> {
        if self.chain.is_authorized(token_id, caller).await.map_err(NodeError::from)? {
            Ok(())
        } else {
            Err(NodeError::Forbidden(format!(
                "{caller} is neither the owner of token {token_id} nor approved for it"
            )))
        }
    }

    /// The token's latest head: its CID and exact bytes.
    pub fn head(&self, token_id: U256) -> Result<(String, Vec<u8>), NodeError> {
        let record = self.record(token_id)?;
        let bytes = self
            .journal
            .head(token_id)?
            .ok_or_else(|| NodeError::Internal("head missing".into()))?;
        Ok((record.head_cid, bytes))
    }

    /// One page of the token's file list: the head's files (`page` = `None`) or the
    /// `px-files/1` page `page`; returns the entries and the next page's CID.
    pub fn list(
        &self,
        token_id: U256,
        page: Option<&str>,
    ) -> Result<(Vec<FileEntry>, Option<String>), NodeError> {
        let record = self.record(token_id)?;
        let Some(cid) = page else {
            let (_, bytes) = self.head(token_id)?;
            let doc = UsageDocument::from_json(&bytes)?;
            return Ok((doc.files, doc.files_index.map(|c| c.to_string())));
        };
        if !record.pages.iter().any(|p| p == cid) {
            return Err(NodeError::NotFound(format!(
                "{cid} is not a file page of token {token_id}'s latest head"
            )));
        }
        let bytes =
            self.journal.page(cid)?.ok_or_else(|| NodeError::Internal("page missing".into()))?;
        let page = px_metadata::FilesPage::from_json(&bytes)?;
        Ok((page.files, page.next.map(|c| c.to_string())))
    }

    /// Whether the token lists `cid`.
    pub fn holds(&self, token_id: U256, cid: &str) -> Result<bool, NodeError> {
        self.record(token_id)?;
        self.journal.lists(token_id, cid)
    }

    /// Streams a stored file.
    pub async fn cat(
        &self,
        cid: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<>, NodeError> {
        self.storage.cat(cid, None).await.map_err(NodeError::from)
    }
}

fn change(record: &TokenRecord, cid: &str, size: u64, published: bool) -> UsageChange {
    UsageChange {
        cid: cid.to_owned(),
        size: size.to_string(),
        sequence: record.sequence.to_string(),
        used_bytes: record.used_bytes.to_string(),
        upload_count: record.upload_count.to_string(),
        head_cid: record.head_cid.clone(),
        published,
    }
}
