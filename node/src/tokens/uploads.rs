//! Uploads, deletions and a token's first head: each a new head signed with the node's usage
//! signer and committed to the journal in one transaction.

use alloy::primitives::{Address, U256};
use bytes::Bytes;
use futures::Stream;
use px_metadata::{BtnsKey, FileEntry, Timestamp, UsageDocument};
use px_node_api::UsageChange;

use super::{
    TokenService, change,
    reservations::{Reservation, lock},
    stream,
};
use crate::{
    chain::TokenState,
    error::NodeError,
    journal::{self, Commit, TokenRecord},
    pages,
};

/// An upload that passed its checks: the token is served here, the caller may upload, and
/// its bytes are reserved under the quota (released if it is dropped before committing).
pub struct Admitted {
    token_id: U256,
    len: u64,
    reservation: Reservation,
}

impl TokenService {
    /// Uploads `len` bytes from `body` for `token_id` on behalf of `caller`: [`Self::admit`],
    /// then [`Self::store`].
    ///
    /// # Errors
    /// Those of [`Self::admit`] and [`Self::store`].
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
        let admitted = self.admit(token_id, caller, len).await?;
        self.store(admitted, body).await
    }

    /// Checks an upload of `len` bytes for `token_id` by `caller` and reserves its bytes.
    ///
    /// # Errors
    /// [`NodeError::Refused`] with every reason that applies; `Forbidden`, `NotFound`,
    /// `Conflict`, `Chain`, `Internal`.
    pub async fn admit(
        &self,
        token_id: U256,
        caller: Address,
        len: u64,
    ) -> Result<Admitted, NodeError> {
        self.served_or_refused(token_id, len).await?;
        self.authorize(token_id, caller).await?;
        let reservation = self.check_and_reserve(token_id, len).await.inspect_err(|e| {
            if let NodeError::Refused(reasons) = e {
                for r in reasons {
                    self.metrics.refusal(r.as_str());
                }
            }
        })?;
        Ok(Admitted { token_id, len, reservation })
    }

    /// Streams an admitted upload's `body` to the storage node and commits it. A body that
    /// fails with [`std::io::ErrorKind::TimedOut`] (the HTTP layer's body clock) is a
    /// `RequestTimeout`; either way a failed body commits nothing and frees its reservation.
    ///
    /// # Errors
    /// `BadRequest` (the body was not `len` bytes), `RequestTimeout`, `Storage`, `Internal`.
    pub async fn store<S>(&self, admitted: Admitted, body: S) -> Result<UsageChange, NodeError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let Admitted { token_id, len, reservation } = admitted;
        let (counted_body, tally) = stream::limited(body, len);
        let added = self
            .storage
            .add_stream(stream::coalesce(counted_body, stream::FORWARD_CHUNK), len)
            .await;
        let seen = tally.seen();
        let added = match added {
            Ok(cid) if seen == len => cid,
            Ok(cid) => {
                // Stored and pinned, but refused: unpinned after the grace unless something
                // (another token, a concurrent upload of the same bytes) references it.
                self.journal.release_unreferenced(&cid, self.unpin_at())?;
                self.metrics.upload("bad_length", 0);
                return Err(NodeError::BadRequest(format!(
                    "body had {seen} bytes, Content-Length said {len}"
                )));
            }
            Err(_) if tally.timed_out() => {
                // The storage node's `add` was aborted with the body: it pinned nothing.
                self.metrics.upload("timeout", 0);
                return Err(NodeError::RequestTimeout(format!(
                    "the body stopped after {seen} of {len} bytes and was cut off; nothing was kept"
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
            cid: added.parse().map_err(|source| NodeError::StorageAnswer {
                what: format!("add returned {added}"),
                source,
            })?,
            size: len,
            added_at: Timestamp::now(),
        };
        // In flight from here to the commit: the sweep leaves this CID pinned meanwhile.
        let repin = self.pins.hold(&added).await;
        let committed = self.commit_upload(token_id, entry, tally.ciphertext(), reservation);
        self.pins.release(&added).await;
        let record = committed?;
        if repin {
            // The sweep unpinned these bytes (another copy, unreferenced) between this add's
            // pin and its answer: pin them again.
            self.storage.pin_add(&added).await?;
        }
        self.metrics.upload("ok", len);
        let published = self.publish_until(token_id, record.sequence).await;
        Ok(change(&record, &added, len, published))
    }

    fn commit_upload(
        &self,
        token_id: U256,
        entry: FileEntry,
        ciphertext: bool,
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
        let mut commit = self.build(token_id, record, &files, Some((ordinal, entry)), None)?;
        commit.added_ciphertext = ciphertext;
        self.journal.commit(&commit)?;
        // Committed: the bytes now count in the record, no longer as a reservation.
        reserved.bytes -= reservation.bytes;
        reserved.uploads -= 1;
        reservation.armed = false;
        Ok(commit.record)
    }

    /// Signs the head for `record` and `files` (newest first) and prepares the journal write.
    pub(super) fn build(
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
        journal::hold(&mut record);
        let unpin_at = self.unpin_at();
        Ok(Commit {
            token_id,
            record,
            added,
            added_ciphertext: false,
            removed,
            head: encoded.bytes,
            pages,
            unpin_at,
        })
    }

    /// Removes the newest entry of `cid` from the token and lowers `usedBytes` (not
    /// `uploadCount`); the file is unpinned after the grace once nothing references it (no
    /// entry of any token, no head or page the node holds).
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
                    published_head: String::new(),
                    chain_head: String::new(),
                    held: Vec::new(),
                };
                let commit = self.build(token_id, record, &[], None, None)?;
                self.journal.commit(&commit)?;
                commit.record
            }
        };
        self.publish_until(token_id, record.sequence).await;
        self.record(token_id)
    }
}
