//! Publishing: a committed head (and its new pages) stored as raw blocks and published under
//! the token's key, one publication at a time per token; replay of pending heads, scheduled
//! republishing, and re-signing after a usage signer rotation.

use alloy::primitives::U256;
use px_metadata::{FileEntry, UsageDocument};

use super::{TokenService, now_unix, reservations::lock};
use crate::{error::NodeError, journal::TokenRecord};

impl TokenService {
    /// Publishes until `sequence` (or a later one) is published; `false` if the storage node
    /// failed (the head stays pending and the background task retries).
    pub(super) async fn publish_until(&self, token_id: U256, sequence: u64) -> bool {
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
        self.journal.mark_published(
            token_id,
            record.sequence,
            (&record.head_cid, &record.pages),
            now_unix(),
            self.unpin_at(),
        )?;
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
            .publish(&record.key_name, &record.head_cid, Some(self.settings.record_lifetime))
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
}
