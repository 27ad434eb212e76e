//! Unpinning: the journal counts references (`journal`, "Pins are reference-counted here");
//! this sweep unpins what stayed unreferenced through its grace. A head is checked against
//! the chain first: if its digest is the token's `metadataDigest`, it is held again as the
//! on-chain head (with its pages), so what anyone rebuilds from the chain stays fetchable.
//!
//! Uploads in flight (stored by `add`, not committed yet) are registered in [`PinGate`]; the
//! sweep leaves them alone, and an upload whose bytes the sweep unpinned between its `add`'s
//! pin and its answer pins them again.

use std::collections::HashMap;

use alloy::primitives::U256;
use px_metadata::RawBlockCid;
use px_storage_client::StorageError;

use super::{TokenService, now_unix, reservations::lock};
use crate::{error::NodeError, journal::Unpin};

/// How long an unpin is remembered for uploads that may have pinned the same bytes just
/// before it (an `add` answers right after it pins).
const RECENT_SECS: i64 = 600;

/// Retry delay of an unpin the storage node did not take.
const RETRY_SECS: i64 = 60;

#[derive(Debug, Default)]
struct PinState {
    in_flight: HashMap<String, usize>,
    recently_unpinned: HashMap<String, i64>,
}

/// Uploads in flight and recent unpins, behind one lock that the sweep holds while it decides
/// and unpins.
#[derive(Debug, Default)]
pub(super) struct PinGate {
    state: tokio::sync::Mutex<PinState>,
}

impl PinGate {
    /// Registers an upload of `cid` in flight; `true` when the sweep unpinned `cid` recently
    /// (the upload must pin it again after its commit).
    pub(super) async fn hold(&self, cid: &str) -> bool {
        let mut s = self.state.lock().await;
        *s.in_flight.entry(cid.to_owned()).or_default() += 1;
        s.recently_unpinned.contains_key(cid)
    }

    /// The upload of `cid` committed or failed.
    pub(super) async fn release(&self, cid: &str) {
        let mut s = self.state.lock().await;
        if let Some(n) = s.in_flight.get_mut(cid) {
            *n -= 1;
            if *n == 0 {
                s.in_flight.remove(cid);
            }
        }
    }
}

impl TokenService {
    /// Unpins every queued CID whose grace is over and that nothing references, except a head
    /// the chain holds (held again instead); returns how many were unpinned.
    pub async fn sweep_unpins(&self) -> Result<usize, NodeError> {
        let now = now_unix();
        let mut done = 0;
        for (cid, entry) in self.journal.due_unpins(now)? {
            if let Some(token) = &entry.head_of
                && self.still_on_chain(token, &cid, &entry).await?
            {
                continue;
            }
            let mut pins = self.pins.state.lock().await;
            if pins.in_flight.contains_key(&cid) || !self.journal.take_unpin(&cid)? {
                continue;
            }
            match self.storage.unpin(&cid).await {
                // Answered: unpinned, or not pinned (nothing to do either way).
                Ok(()) | Err(StorageError::Api { .. }) => {
                    pins.recently_unpinned.insert(cid, now);
                    done += 1;
                }
                Err(e) => {
                    tracing::warn!(%cid, error = %e, "unpin failed; retrying later");
                    let retry = Unpin { due_at: now + RETRY_SECS, ..entry };
                    self.journal.requeue_unpin(&cid, &retry)?;
                }
            }
        }
        let mut pins = self.pins.state.lock().await;
        pins.recently_unpinned.retain(|_, at| *at > now - RECENT_SECS);
        Ok(done)
    }

    /// Whether `cid`, a head of `token` let go, is the token's on-chain head; if so it is held
    /// again. A chain that does not answer keeps the head queued (decided on the next sweep).
    async fn still_on_chain(
        &self,
        token: &str,
        cid: &str,
        entry: &Unpin,
    ) -> Result<bool, NodeError> {
        let Ok(token_id) = token.parse::<U256>() else { return Ok(false) };
        let state = match self.chain.token(token_id).await {
            Ok(state) => state,
            Err(e) => {
                tracing::warn!(%token_id, error = %e, "cannot read the on-chain head; keeping it");
                return Ok(true);
            }
        };
        let on_chain = state
            .filter(|s| s.sync_sequence > 0)
            .map(|s| RawBlockCid::from_digest(s.metadata_digest).to_string());
        if on_chain.as_deref() != Some(cid) {
            return Ok(false);
        }
        let slot = self.slot(token_id);
        let _guard = lock(&slot);
        self.journal.set_chain_head(token_id, cid, Some(&entry.pages), self.unpin_at())?;
        Ok(true)
    }
}
