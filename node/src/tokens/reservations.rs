//! Reservations: bytes and uploads promised to streams that have not committed yet, checked
//! with the chain's gate under the token's lock, released when an upload fails.

use std::sync::{Arc, Mutex, MutexGuard};

use alloy::primitives::U256;

use super::TokenService;
use crate::error::{NodeError, Refusal};

/// Bytes and uploads promised to streams that have not committed yet.
#[derive(Debug, Default)]
pub(super) struct Reserved {
    pub(super) bytes: u64,
    pub(super) uploads: u32,
}

/// Per-token synchronisation.
#[derive(Debug, Default)]
pub(super) struct Slot {
    // Check-and-reserve and commit (synchronous sections only: no await while held).
    pub(super) state: Mutex<Reserved>,
    // One publication at a time per token.
    pub(super) publish: tokio::sync::Mutex<()>,
}

pub(super) fn lock(slot: &Slot) -> MutexGuard<'_, Reserved> {
    slot.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Releases a reservation unless the upload committed.
pub(super) struct Reservation {
    pub(super) slot: Arc<Slot>,
    pub(super) bytes: u64,
    // The chain's quota and upload limit when the upload was checked (plan upgrades and
    // upload packs reach the head with the next upload).
    pub(super) quota: (u64, u32),
    pub(super) armed: bool,
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

impl TokenService {
    /// Fails unless the node serves the token: a token without a key is refused for that
    /// reason (with the chain's others), a token served elsewhere is not found here.
    pub(super) async fn served_or_refused(
        &self,
        token_id: U256,
        len: u64,
    ) -> Result<(), NodeError> {
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

    pub(super) async fn check_and_reserve(
        &self,
        token_id: U256,
        len: u64,
    ) -> Result<Reservation, NodeError> {
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
        if state.sync_sequence > 0 {
            let on_chain = px_metadata::RawBlockCid::from_digest(state.metadata_digest).to_string();
            if on_chain != record.chain_head {
                self.journal.set_chain_head(token_id, &on_chain, None, self.unpin_at())?;
            }
        }
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
}
