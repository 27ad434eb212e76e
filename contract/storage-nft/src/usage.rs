//! Quota, synced usage, the sync window and the upload gate.
//!
//! Usage reaches the chain only through `applyUsage`, called by the syncer (the `PxSync`
//! program) for a usage report it verified. The gate answers whether a token may upload now:
//! it must exist, have a BTNS key, be synced within the window, stay within its quota and upload
//! limit, and the program must not be paused.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256, Bytes, U64, U256};
use stylus_sdk::prelude::*;

use crate::{
    Error, InvalidSyncWindow, MetadataUpdate, PxStorageNft, QuotaSet, SyncWindowSet, UsageApplied,
    admin,
    slots::{Record, Usage},
};

/// Why an upload is or is not allowed (`canUpload`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct Gate {
    /// Used bytes plus the new upload exceed the quota.
    pub quota_exceeded: bool,
    /// The token made all the uploads its plan allows.
    pub uploads_exceeded: bool,
    /// The last sync is older than the sync window.
    pub sync_overdue: bool,
    /// The token has no BTNS key yet.
    pub no_btns_key: bool,
    /// The program is paused.
    pub paused: bool,
}

impl Gate {
    /// The gate for a token's state at `now`.
    pub fn evaluate(
        record: &Record,
        usage: &Usage,
        additional_bytes: u64,
        now: u64,
        window: u64,
        paused: bool,
    ) -> Self {
        Self {
            quota_exceeded: usage.used_bytes.saturating_add(additional_bytes) > usage.quota_bytes,
            uploads_exceeded: usage.upload_count >= usage.upload_limit,
            sync_overdue: now > usage.last_synced_at.saturating_add(window),
            no_btns_key: record.key_tag == 0,
            paused,
        }
    }

    /// True when no reason blocks the upload.
    pub fn allowed(&self) -> bool {
        *self == Self::default()
    }
}

/// Usage, the sync window and the upload gate.
#[allow(missing_docs)] // the SDK's macro adds undocumented routing methods
#[public]
pub trait StorageUsage {
    /// The token's quota and its usage as last synced.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    #[allow(clippy::type_complexity)]
    fn usage_of(&self, token_id: U256) -> Result<(u64, u32, u64, u32, u64, u64, B256), Error>;

    /// Everything the syncer reads about a token, in one call: (btnsKey, authorized — whether
    /// `account` owns or may operate the token —, quotaBytes, syncSequence, metadataDigest,
    /// lastSyncedAt, syncWindow, paused).
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    #[allow(clippy::type_complexity)]
    fn sync_context(
        &self,
        token_id: U256,
        account: Address,
    ) -> Result<(Bytes, bool, u64, u64, B256, u64, u64, bool), Error>;

    /// Applies a usage report the syncer accepted and sets `lastSyncedAt` to now. Works while
    /// paused. Usage may go down (deletions) and may exceed the quota (then uploads stop).
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - If the caller is not the syncer.
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    ///
    /// # Events
    /// * `UsageApplied`, `MetadataUpdate`.
    fn apply_usage(
        &mut self,
        token_id: U256,
        sequence: u64,
        used_bytes: u64,
        upload_count: u32,
        metadata_digest: B256,
    ) -> Result<(), Error>;

    /// Seconds a token may go without a sync before uploads stop.
    fn sync_window(&self) -> u64;

    /// Sets the sync window.
    ///
    /// # Errors
    /// * [`Error::OwnableUnauthorizedAccount`] - If the caller is not the owner.
    /// * [`Error::InvalidSyncWindow`] - If `window` is zero.
    ///
    /// # Events
    /// * `SyncWindowSet`.
    fn set_sync_window(&mut self, window: u64) -> Result<(), Error>;

    /// Whether one more upload of `additional_bytes` is allowed now.
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    fn upload_allowed(&self, token_id: U256, additional_bytes: u64) -> Result<bool, Error>;

    /// The upload gate with every reason: (allowed, quotaExceeded, uploadsExceeded, syncOverdue,
    /// noBtnsKey, paused).
    ///
    /// # Errors
    /// * [`Error::NonexistentToken`] - If the token does not exist.
    fn can_upload(
        &self,
        token_id: U256,
        additional_bytes: u64,
    ) -> Result<(bool, bool, bool, bool, bool, bool), Error>;
}

#[public]
impl StorageUsage for PxStorageNft {
    fn usage_of(&self, token_id: U256) -> Result<(u64, u32, u64, u32, u64, u64, B256), Error> {
        let record = self._record_of(token_id)?;
        let token = self.tokens.getter(token_id);
        let usage = Usage::decode(token.usage.get());
        Ok((
            usage.quota_bytes,
            usage.upload_limit,
            usage.used_bytes,
            usage.upload_count,
            usage.last_synced_at,
            record.sync_sequence,
            token.metadata_digest.get(),
        ))
    }

    fn sync_context(
        &self,
        token_id: U256,
        account: Address,
    ) -> Result<(Bytes, bool, u64, u64, B256, u64, u64, bool), Error> {
        let record = self._record_of(token_id)?;
        let token = self.tokens.getter(token_id);
        let usage = Usage::decode(token.usage.get());
        Ok((
            crate::keys::load(&token, record.key_tag).into(),
            // The syncer asks with the zero address when it only needs the sync state: skip the
            // approval reads.
            !account.is_zero() && self._is_authorized(record.owner, account, token_id),
            usage.quota_bytes,
            record.sync_sequence,
            token.metadata_digest.get(),
            usage.last_synced_at,
            self.sync_window.get().as_limbs()[0],
            self.paused.get(),
        ))
    }

    fn apply_usage(
        &mut self,
        token_id: U256,
        sequence: u64,
        used_bytes: u64,
        upload_count: u32,
        metadata_digest: B256,
    ) -> Result<(), Error> {
        self._only_role(self.syncer.get(), admin::SYNCER_ROLE)?;
        let mut record = self._record_of(token_id)?;
        let now = self.vm().block_timestamp();
        let mut token = self.tokens.setter(token_id);
        let mut usage = Usage::decode(token.usage.get());
        usage.used_bytes = used_bytes;
        usage.upload_count = upload_count;
        usage.last_synced_at = now;
        token.usage.set(usage.encode());
        if record.sync_sequence != sequence {
            record.sync_sequence = sequence;
            token.record.set(record.encode());
        }
        // A refresh of the same document keeps its digest: skip the write.
        if token.metadata_digest.get() != metadata_digest {
            token.metadata_digest.set(metadata_digest);
        }
        drop(token);
        self.vm().log(UsageApplied {
            tokenId: token_id,
            sequence,
            usedBytes: used_bytes,
            uploadCount: upload_count,
            metadataDigest: metadata_digest,
        });
        self.vm().log(MetadataUpdate { _tokenId: token_id });
        Ok(())
    }

    fn sync_window(&self) -> u64 {
        self.sync_window.get().as_limbs()[0]
    }

    fn set_sync_window(&mut self, window: u64) -> Result<(), Error> {
        self.ownable.only_owner()?;
        if window == 0 {
            return Err(Error::InvalidSyncWindow(InvalidSyncWindow { window }));
        }
        self.sync_window.set(U64::from(window));
        self.vm().log(SyncWindowSet { window });
        Ok(())
    }

    fn upload_allowed(&self, token_id: U256, additional_bytes: u64) -> Result<bool, Error> {
        Ok(self._gate(token_id, additional_bytes)?.allowed())
    }

    fn can_upload(
        &self,
        token_id: U256,
        additional_bytes: u64,
    ) -> Result<(bool, bool, bool, bool, bool, bool), Error> {
        let gate = self._gate(token_id, additional_bytes)?;
        Ok((
            gate.allowed(),
            gate.quota_exceeded,
            gate.uploads_exceeded,
            gate.sync_overdue,
            gate.no_btns_key,
            gate.paused,
        ))
    }
}

impl PxStorageNft {
    fn _gate(&self, token_id: U256, additional_bytes: u64) -> Result<Gate, Error> {
        let record = self._record_of(token_id)?;
        let usage = Usage::decode(self.tokens.getter(token_id).usage.get());
        Ok(Gate::evaluate(
            &record,
            &usage,
            additional_bytes,
            self.vm().block_timestamp(),
            self.sync_window.get().as_limbs()[0],
            self.paused.get(),
        ))
    }

    /// Sets a token's quota and upload limit.
    pub(crate) fn _set_quota(
        &mut self,
        token_id: U256,
        quota_bytes: u64,
        upload_limit: u32,
    ) -> Result<(), Error> {
        self._record_of(token_id)?;
        let mut token = self.tokens.setter(token_id);
        let mut usage = Usage::decode(token.usage.get());
        usage.quota_bytes = quota_bytes;
        usage.upload_limit = upload_limit;
        token.usage.set(usage.encode());
        drop(token);
        self.vm().log(QuotaSet {
            tokenId: token_id,
            quotaBytes: quota_bytes,
            uploadLimit: upload_limit,
        });
        self.vm().log(MetadataUpdate { _tokenId: token_id });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Address;
    use proptest::prelude::*;

    use super::*;

    fn record(key_tag: u8) -> Record {
        Record { owner: Address::repeat_byte(1), sync_sequence: 0, key_tag }
    }

    fn usage(quota: u64, used: u64, limit: u32, count: u32, synced: u64) -> Usage {
        Usage {
            quota_bytes: quota,
            used_bytes: used,
            upload_limit: limit,
            upload_count: count,
            last_synced_at: synced,
        }
    }

    #[test]
    fn allows_an_upload_that_fits() {
        let gate = Gate::evaluate(&record(0x81), &usage(100, 40, 2, 1, 0), 60, 10, 10, false);
        assert!(gate.allowed());
    }

    #[test]
    fn blocks_an_upload_one_byte_over_quota() {
        let gate = Gate::evaluate(&record(0x81), &usage(100, 40, 2, 1, 0), 61, 10, 10, false);
        assert_eq!(gate, Gate { quota_exceeded: true, ..Gate::default() });
    }

    #[test]
    fn blocks_when_uploads_are_used_up() {
        let gate = Gate::evaluate(&record(0x81), &usage(100, 0, 2, 2, 0), 0, 10, 10, false);
        assert_eq!(gate, Gate { uploads_exceeded: true, ..Gate::default() });
    }

    #[test]
    fn blocks_one_second_after_the_window() {
        let inside = Gate::evaluate(&record(0x81), &usage(100, 0, 2, 0, 5), 0, 15, 10, false);
        assert!(inside.allowed());
        let after = Gate::evaluate(&record(0x81), &usage(100, 0, 2, 0, 5), 0, 16, 10, false);
        assert_eq!(after, Gate { sync_overdue: true, ..Gate::default() });
    }

    #[test]
    fn blocks_without_key_and_when_paused() {
        let gate = Gate::evaluate(&record(0), &usage(100, 0, 2, 0, 0), 0, 0, 10, true);
        assert_eq!(gate, Gate { no_btns_key: true, paused: true, ..Gate::default() });
    }

    proptest! {
        /// The quota rule: an upload is within quota exactly when used + size <= quota, with no
        /// overflow for any sizes.
        #[test]
        fn quota_rule_holds_for_any_sizes(quota: u64, used: u64, size: u64) {
            let gate = Gate::evaluate(&record(0x81), &usage(quota, used, 1, 0, 0), size, 0, 1, false);
            let fits = u128::from(used) + u128::from(size) <= u128::from(quota);
            prop_assert_eq!(!gate.quota_exceeded, fits);
        }

        /// The upload rule: another upload is allowed exactly when count < limit.
        #[test]
        fn upload_rule_holds_for_any_counts(limit: u32, count: u32) {
            let gate = Gate::evaluate(&record(0x81), &usage(1, 0, limit, count, 0), 0, 0, 1, false);
            prop_assert_eq!(!gate.uploads_exceeded, count < limit);
        }

        /// Allowed exactly when no reason applies.
        #[test]
        fn allowed_means_no_reason(quota: u64, used: u64, size: u64, limit: u32, count: u32,
                                   synced: u64, now: u64, window: u64, keyed: bool, paused: bool) {
            let gate = Gate::evaluate(
                &record(if keyed { 0x81 } else { 0 }),
                &usage(quota, used, limit, count, synced), size, now, window, paused,
            );
            let any = gate.quota_exceeded || gate.uploads_exceeded || gate.sync_overdue
                || gate.no_btns_key || gate.paused;
            prop_assert_eq!(gate.allowed(), !any);
        }
    }
}
