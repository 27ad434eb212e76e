//! The token service: every usage change of a token goes through here.
//!
//! - **Quota.** An upload is checked against the chain's `canUpload(tokenId, size)` AND the
//!   node's own newer state: its unsynced uploads plus the uploads still streaming
//!   (reservations). The stricter answer wins, so a token cannot exceed its quota between
//!   syncs, nor by racing parallel uploads.
//! - **Serialized updates.** Check-and-reserve and commit of one token happen under that
//!   token's lock; the journal write is one transaction. Streaming happens outside the lock, so
//!   parallel uploads to one token stream in parallel and commit one after the other.
//! - **Publishing.** A commit marks the head pending; [`UsageService::publish_latest`]
//!   publishes the token's latest head under a second per-token lock, so publications never
//!   overtake each other and parallel commits coalesce into one publication.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use px_metadata::{BtnsKey, FileEntry, Timestamp, UsageDocument};
use px_node_api::UsageChange;

use crate::{
    chain::{Chain, TokenState},
    error::{NodeError, Refusal},
    journal::{Commit, Journal, TokenRecord},
    metrics::Metrics,
    pages,
    storage::StorageClient,
};

/// Bytes and uploads promised to streams that have not committed yet.
#[derive(Debug, Default)]
struct Reserved {
    bytes: u64,
    uploads: u32,
}

/// Per-token synchronisation.
#[derive(Debug, Default)]
struct Slot {
    // Check-and-reserve and commit (synchronous sections only: no await while held).
    state: Mutex<Reserved>,
    // One publication at a time per token.
    publish: tokio::sync::Mutex<()>,
}

fn lock(slot: &Slot) -> MutexGuard<'_, Reserved> {
    slot.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Releases a reservation unless the upload committed.
struct Reservation {
    slot: Arc<Slot>,
    bytes: u64,
    // The chain's quota and upload limit when the upload was checked (plan upgrades and
    // upload packs reach the head with the next upload).
    quota: (u64, u32),
    armed: bool,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.armed {
            let mut r = lock(&self.slot);
            r.bytes -= self.bytes;
            r.uploads -= 1;
        }
    }
}

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct UsageSettings {
    /// Chain id of the core.
    pub chain_id: u64,
    /// The core.
    pub core: Address,
    /// Record lifetime passed to `name/publish`.
    pub record_lifetime: Duration,
    /// Heads published longer ago than this are republished.
    pub republish_interval: Duration,
}

/// The token service.
#[derive(Debug)]
pub struct UsageService {
    chain: Arc<dyn Chain>,
    storage: StorageClient,
    journal: Arc<Journal>,
    signer: PrivateKeySigner,
    settings: UsageSettings,
    metrics: Arc<Metrics>,
    slots: Mutex<HashMap<U256, Arc<Slot>>>,
}

fn now_unix() -> i64 {
    Timestamp::now().unix()
}

impl UsageService {
    /// A service over these parts.
    pub fn new(
        chain: Arc<dyn Chain>,
        storage: StorageClient,
        journal: Arc<Journal>,
        signer: PrivateKeySigner,
        settings: UsageSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self { chain, storage, journal, signer, settings, metrics, slots: Mutex::default() }
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

    /// Uploads `len` bytes from `body` for `token_id` on behalf of `caller`.
    ///
    /// # Errors
    /// [`NodeError::Refused`] with every reason that applies; `Forbidden`, `NotFound`,
    /// `BadRequest` (the body was not `len` bytes), `Chain`, `Storage`, `Internal`.
    pub async fn upload<S>(
        &self,
        token_id: U256,
        caller: Address,
        len: u64,
        body: S,
    ) -> Result<UsageChange, NodeError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        self.served_or_refused(token_id, len).await?;
        self.authorize(token_id, caller).await?;
        let reservation = self.check_and_reserve(token_id, len).await.inspect_err(|e| {
            if let NodeError::Refused(reasons) = e {
                for r in reasons {
                    self.metrics.refusal(r.as_str());
                }
            }
        })?;
        let seen_bytes = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = seen_bytes.clone();
        let limit = len;
        // Count while streaming and cut the stream off past the declared length: the quota was
        // checked for `len` bytes, so no more may reach the storage node.
        let counted_body = body.map(move |chunk| {
            let chunk = chunk?;
            let total = counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed)
                + chunk.len() as u64;
            if total > limit {
                return Err(std::io::Error::other("body is longer than Content-Length"));
            }
            Ok(chunk)
        });
        let added = self.storage.add_stream(coalesce(counted_body, FORWARD_CHUNK), len).await;
        let seen = seen_bytes.load(std::sync::atomic::Ordering::Relaxed);
        let added = match added {
            Ok(a) if seen == len => a,
            Ok(a) => {
                let _ = self.storage.unpin(&a.cid).await;
                self.metrics.upload("bad_length", 0);
                return Err(NodeError::BadRequest(format!(
                    "body had {seen} bytes, Content-Length said {len}"
                )));
            }
            Err(e) if seen != len => {
                self.metrics.upload("bad_length", 0);
                return Err(NodeError::BadRequest(format!(
                    "body ended after {seen} of {len} bytes ({e})"
                )));
            }
            Err(e) => {
                self.metrics.upload("storage_error", 0);
                return Err(NodeError::from(e));
            }
        };
        let entry = FileEntry {
            cid: added
                .cid
                .parse()
                .map_err(|e| NodeError::Storage(format!("add returned a bad CID: {e}")))?,
            size: len,
            added_at: Timestamp::now(),
        };
        let record = self.commit_upload(token_id, entry, reservation)?;
        self.metrics.upload("ok", len);
        let published = self.publish_until(token_id, record.sequence).await;
        Ok(change(&record, &added.cid, len, published))
    }

    /// Fails unless the node serves the token: a token without a key is refused for that
    /// reason (with the chain's others), a token served elsewhere is not found here.
    async fn served_or_refused(&self, token_id: U256, len: u64) -> Result<(), NodeError> {
        if self.journal.token(token_id)?.is_some() {
            return Ok(());
        }
        let state = self.chain.token(token_id).await.map_err(NodeError::from)?;
        match state {
            None => Err(NodeError::NotFound(format!("token {token_id} does not exist"))),
            Some(s) if s.btns_key.is_empty() => {
                let gate = self.chain.can_upload(token_id, len).await.map_err(NodeError::from)?;
                let mut reasons = vec![Refusal::NoBtnsKey];
                if gate.paused {
                    reasons.push(Refusal::Paused);
                }
                Err(NodeError::Refused(reasons))
            }
            Some(_) => {
                Err(NodeError::NotFound(format!("token {token_id} is not served by this node")))
            }
        }
    }

    async fn check_and_reserve(&self, token_id: U256, len: u64) -> Result<Reservation, NodeError> {
        let (state, gate) =
            tokio::join!(self.chain.token(token_id), self.chain.can_upload(token_id, len));
        let state = state
            .map_err(NodeError::from)?
            .ok_or_else(|| NodeError::NotFound(format!("token {token_id} does not exist")))?;
        let gate = gate.map_err(NodeError::from)?;
        let slot = self.slot(token_id);
        let mut reserved = lock(&slot);
        let record = self.record(token_id)?;
        if state.sync_sequence > record.sequence {
            return Err(NodeError::Conflict(format!(
                "the chain has usage sequence {} for token {token_id}, this node only {}: restore the node's journal",
                state.sync_sequence, record.sequence
            )));
        }
        let node_used = record.used_bytes.saturating_add(reserved.bytes).saturating_add(len);
        let node_uploads = record.upload_count.saturating_add(reserved.uploads);
        let mut reasons = Vec::new();
        if gate.quota_exceeded || node_used > state.quota_bytes {
            reasons.push(Refusal::QuotaExceeded);
        }
        if gate.uploads_exceeded || node_uploads >= state.upload_limit {
            reasons.push(Refusal::UploadsExceeded);
        }
        if gate.sync_overdue {
            reasons.push(Refusal::SyncOverdue);
        }
        if gate.no_btns_key {
            reasons.push(Refusal::NoBtnsKey);
        }
        if gate.paused {
            reasons.push(Refusal::Paused);
        }
        if !reasons.is_empty() {
            return Err(NodeError::Refused(reasons));
        }
        reserved.bytes += len;
        reserved.uploads += 1;
        drop(reserved);
        let quota = (state.quota_bytes, state.upload_limit);
        Ok(Reservation { slot, bytes: len, quota, armed: true })
    }

    fn commit_upload(
        &self,
        token_id: U256,
        entry: FileEntry,
        mut reservation: Reservation,
    ) -> Result<TokenRecord, NodeError> {
        let slot = reservation.slot.clone();
        let mut reserved = lock(&slot);
        let mut record = self.record(token_id)?;
        let mut files: Vec<FileEntry> =
            self.journal.files(token_id)?.into_iter().map(|(_, f)| f).collect();
        files.insert(0, entry.clone());
        (record.quota_bytes, record.upload_limit) = reservation.quota;
        record.used_bytes = record.used_bytes.saturating_add(entry.size);
        record.upload_count = record.upload_count.saturating_add(1);
        record.sequence += 1;
        let ordinal = record.next_ordinal;
        record.next_ordinal += 1;
        let commit = self.build(token_id, record, &files, Some((ordinal, entry)), None)?;
        self.journal.commit(&commit)?;
        // Committed: the bytes now count in the record, no longer as a reservation.
        reserved.bytes -= reservation.bytes;
        reserved.uploads -= 1;
        reservation.armed = false;
        Ok(commit.record)
    }

    /// Signs the head for `record` and `files` (newest first) and prepares the journal write.
    fn build(
        &self,
        token_id: U256,
        mut record: TokenRecord,
        files: &[FileEntry],
        added: Option<(u64, FileEntry)>,
        removed: Option<(u64, String)>,
    ) -> Result<Commit, NodeError> {
        let layout = pages::layout(files)?;
        let encoded = UsageDocument::builder(
            self.settings.chain_id,
            self.settings.core,
            token_id,
            record.btns_key.clone(),
        )
        .sequence(record.sequence)
        .quota(record.quota_bytes, record.upload_limit)
        .usage(record.used_bytes, record.upload_count)
        .files(layout.head_files, layout.files_index)
        .sign(&self.signer)?;
        record.head_cid = encoded.cid.to_string();
        let cids: Vec<String> = layout.pages.iter().map(|p| p.cid.to_string()).collect();
        // Full pages keep their bytes from one head to the next: only new ones are written.
        let pages = layout
            .pages
            .into_iter()
            .zip(&cids)
            .filter(|(_, cid)| !record.pages.contains(cid))
            .map(|(page, cid)| (cid.clone(), page.bytes))
            .collect();
        record.pages = cids;
        Ok(Commit { token_id, record, added, removed, head: encoded.bytes, pages })
    }

    /// Removes the newest entry of `cid` from the token and lowers `usedBytes` (not
    /// `uploadCount`); unpins the file when no entry references it any more.
    pub async fn delete(
        &self,
        token_id: U256,
        caller: Address,
        cid: &str,
    ) -> Result<UsageChange, NodeError> {
        self.record(token_id)?;
        self.authorize(token_id, caller).await?;
        let (record, size) = {
            let slot = self.slot(token_id);
            let _guard = lock(&slot);
            let mut record = self.record(token_id)?;
            let mut files = self.journal.files(token_id)?;
            let index = files.iter().position(|(_, f)| f.cid.as_str() == cid).ok_or_else(|| {
                NodeError::NotFound(format!("token {token_id} has no file {cid}"))
            })?;
            let (ordinal, removed) = files.remove(index);
            record.used_bytes = record.used_bytes.saturating_sub(removed.size);
            record.sequence += 1;
            let listed: Vec<FileEntry> = files.into_iter().map(|(_, f)| f).collect();
            let commit =
                self.build(token_id, record, &listed, None, Some((ordinal, cid.to_owned())))?;
            self.journal.commit(&commit)?;
            (commit.record, removed.size)
        };
        if self.journal.token_of_file(cid)?.is_none()
            && let Err(e) = self.storage.unpin(cid).await
        {
            tracing::warn!(%cid, error = %e, "could not unpin a deleted file");
        }
        self.metrics.delete("ok");
        let published = self.publish_until(token_id, record.sequence).await;
        Ok(change(&record, cid, size, published))
    }

    /// Creates the token's first head (sequence 1, no usage) with key `key_name`, unless the
    /// node already serves the token; then publishes. Returns the record.
    pub async fn create_first(
        &self,
        token_id: U256,
        key_name: &str,
        btns_key: BtnsKey,
        state: &TokenState,
    ) -> Result<TokenRecord, NodeError> {
        let record = {
            let slot = self.slot(token_id);
            let _guard = lock(&slot);
            if let Some(existing) = self.journal.token(token_id)? {
                existing
            } else {
                let record = TokenRecord {
                    key_name: key_name.to_owned(),
                    btns_key,
                    quota_bytes: state.quota_bytes,
                    upload_limit: state.upload_limit,
                    used_bytes: 0,
                    upload_count: 0,
                    sequence: 1,
                    next_ordinal: 0,
                    head_cid: String::new(),
                    pages: Vec::new(),
                    published_sequence: 0,
                    published_pages: Vec::new(),
                    published_at: 0,
                };
                let commit = self.build(token_id, record, &[], None, None)?;
                self.journal.commit(&commit)?;
                commit.record
            }
        };
        self.publish_until(token_id, record.sequence).await;
        self.record(token_id)
    }

    /// Publishes until `sequence` (or a later one) is published; `false` if the storage node
    /// failed (the head stays pending and the background task retries).
    async fn publish_until(&self, token_id: U256, sequence: u64) -> bool {
        match self.publish_latest(token_id).await {
            Ok(published) => published >= sequence,
            Err(e) => {
                tracing::warn!(%token_id, error = %e, "publish failed; will retry");
                false
            }
        }
    }

    /// Publishes the token's latest head if it is not published yet; returns the highest
    /// published sequence.
    pub async fn publish_latest(&self, token_id: U256) -> Result<u64, NodeError> {
        self.publish(token_id, false).await
    }

    async fn publish(&self, token_id: U256, again: bool) -> Result<u64, NodeError> {
        let slot = self.slot(token_id);
        let _one_at_a_time = slot.publish.lock().await;
        let record = self.record(token_id)?;
        if record.published_sequence >= record.sequence && !again {
            return Ok(record.published_sequence);
        }
        let result = self.store_and_publish(token_id, &record).await;
        self.metrics.publish(if result.is_ok() { "ok" } else { "error" });
        result?;
        self.journal.mark_published(token_id, record.sequence, &record.pages, now_unix())?;
        Ok(record.sequence)
    }

    async fn store_and_publish(
        &self,
        token_id: U256,
        record: &TokenRecord,
    ) -> Result<(), NodeError> {
        for cid in record.pages.iter().filter(|c| !record.published_pages.contains(c)) {
            let bytes = self.journal.page(cid)?.ok_or_else(|| {
                NodeError::Internal(format!("page {cid} missing from the journal"))
            })?;
            let expected = cid.parse().map_err(|e| NodeError::Internal(format!("{e}")))?;
            self.storage.add_block(bytes, expected).await.map_err(NodeError::from)?;
        }
        let head = self
            .journal
            .head(token_id)?
            .ok_or_else(|| NodeError::Internal(format!("head of {token_id} missing")))?;
        let expected = record.head_cid.parse().map_err(|e| NodeError::Internal(format!("{e}")))?;
        self.storage.add_block(head, expected).await.map_err(NodeError::from)?;
        self.storage
            .publish(&record.key_name, &record.head_cid, self.settings.record_lifetime)
            .await
            .map_err(NodeError::from)
    }

    /// Re-signs, with the current usage signer, every head another signer signed (after a
    /// rotation of the usage signer): a new head with the next sequence and the same usage, so
    /// the old signer can be untrusted on `PxSync` without stranding any token. Returns how
    /// many tokens got a new head (published by the caller's next publish pass).
    pub fn resign_stale(&self) -> Result<usize, NodeError> {
        let mut done = 0;
        for (token_id, _) in self.journal.tokens()? {
            let slot = self.slot(token_id);
            let _guard = lock(&slot);
            let record = self.record(token_id)?;
            let (_, bytes) = self.head(token_id)?;
            if UsageDocument::from_json(&bytes)?.signer == self.signer.address() {
                continue;
            }
            let mut next = record;
            next.sequence += 1;
            let files: Vec<FileEntry> =
                self.journal.files(token_id)?.into_iter().map(|(_, f)| f).collect();
            let commit = self.build(token_id, next, &files, None, None)?;
            self.journal.commit(&commit)?;
            done += 1;
        }
        Ok(done)
    }

    /// Publishes every head committed but not published (start-up replay and retries);
    /// returns how many were published.
    pub async fn publish_pending(&self) -> Result<usize, NodeError> {
        let mut done = 0;
        for token_id in self.journal.pending()? {
            match self.publish_latest(token_id).await {
                Ok(_) => done += 1,
                Err(e) => tracing::warn!(%token_id, error = %e, "pending publish failed"),
            }
        }
        Ok(done)
    }

    /// Republishes heads last published more than the republish interval ago, so that their
    /// records never outlive their lifetime; returns how many were republished.
    pub async fn republish_due(&self) -> Result<usize, NodeError> {
        let due_before = now_unix()
            - i64::try_from(self.settings.republish_interval.as_secs()).unwrap_or(i64::MAX);
        let mut done = 0;
        for (token_id, record) in self.journal.tokens()? {
            if record.published_at > due_before || record.published_sequence < record.sequence {
                continue;
            }
            match self.publish(token_id, true).await {
                Ok(_) => done += 1,
                Err(e) => tracing::warn!(%token_id, error = %e, "republish failed"),
            }
        }
        Ok(done)
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
        self.storage.cat(cid).await.map_err(NodeError::from)
    }
}

/// Size of the pieces an upload is forwarded in: the request arrives in whatever frames the
/// client's TCP segments make (often a few KiB); forwarding them one by one costs a write per
/// frame, so they are gathered into pieces of the storage node's chunk size first.
const FORWARD_CHUNK: usize = 256 * 1024;

/// Gathers `stream`'s chunks into pieces of `size` bytes (the last may be shorter); memory
/// stays at one piece.
fn coalesce<S>(
    stream: S,
    size: usize,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let state = (Box::pin(stream), bytes::BytesMut::with_capacity(size), false);
    futures::stream::unfold(state, move |(mut inner, mut buf, done)| async move {
        if done {
            return None;
        }
        loop {
            match inner.next().await {
                Some(Ok(chunk)) => {
                    if buf.is_empty() && chunk.len() >= size {
                        return Some((Ok(chunk), (inner, buf, false)));
                    }
                    buf.extend_from_slice(&chunk);
                    if buf.len() >= size {
                        let piece = buf.split().freeze();
                        return Some((Ok(piece), (inner, buf, false)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), (inner, buf, true))),
                None if buf.is_empty() => return None,
                None => {
                    let piece = buf.split().freeze();
                    return Some((Ok(piece), (inner, buf, true)));
                }
            }
        }
    })
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

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    fn pieces(sizes: &[usize], size: usize) -> Vec<usize> {
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            sizes.iter().map(|n| Ok(Bytes::from(vec![1u8; *n]))).collect();
        let out: Vec<Bytes> = futures::executor::block_on(
            coalesce(futures::stream::iter(chunks), size).try_collect(),
        )
        .unwrap();
        out.iter().map(Bytes::len).collect()
    }

    #[test]
    fn coalesces_small_frames_into_pieces_and_keeps_every_byte() {
        assert_eq!(pieces(&[3, 3, 3, 3, 1], 4), vec![6, 6, 1]);
        assert_eq!(pieces(&[10], 4), vec![10], "a large chunk passes as it is");
        assert_eq!(pieces(&[], 4), Vec::<usize>::new());
        assert_eq!(pieces(&[1, 1], 4), vec![2]);
    }

    #[test]
    fn error_when_the_inner_stream_fails_is_passed_on_and_ends_the_stream() {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::other("cut")),
            Ok(Bytes::from_static(b"cd")),
        ];
        let out: Vec<_> = futures::executor::block_on(
            coalesce(futures::stream::iter(chunks), 4).collect::<Vec<_>>(),
        );
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
