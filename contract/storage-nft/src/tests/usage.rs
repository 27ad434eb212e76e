//! Quota, synced usage, the sync window and the upload gate.

use alloy_primitives::{B256, U256};

use super::{ALICE, Fixture, GIB, MINTER, OWNER, STRANGER, SYNCER, T0, digest, ed25519_key};
use crate::{
    AccessControlUnauthorizedAccount, DEFAULT_SYNC_WINDOW, Error, InvalidSyncWindow,
    MetadataUpdate, OwnableUnauthorizedAccount, QuotaSet, SyncWindowSet, UsageApplied,
    admin::{Administration, SYNCER_ROLE},
    usage::StorageUsage,
};

fn keyed() -> (Fixture, U256) {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &ed25519_key(1));
    f.vm.clear_mocks();
    (f, id)
}

/// (allowed, quotaExceeded, uploadsExceeded, syncOverdue, noBtnsKey, paused)
type Reasons = (bool, bool, bool, bool, bool, bool);
const ALLOWED: Reasons = (true, false, false, false, false, false);

#[test]
fn a_new_token_has_its_quota_and_no_usage() {
    let (f, id) = keyed();
    assert_eq!(f.nft.usage_of(id).unwrap(), (GIB, 50, 0, 0, T0, 0, B256::ZERO));
}

#[test]
fn applies_usage_from_the_syncer() {
    let (mut f, id) = keyed();
    f.advance(100);
    f.sender(SYNCER);
    f.nft.apply_usage(id, 2, 1000, 3, digest(7)).unwrap();
    assert_eq!(f.nft.usage_of(id).unwrap(), (GIB, 50, 1000, 3, T0 + 100, 2, digest(7)));
    assert_eq!(
        f.events::<UsageApplied>(),
        vec![UsageApplied {
            tokenId: id,
            sequence: 2,
            usedBytes: 1000,
            uploadCount: 3,
            metadataDigest: digest(7)
        }]
    );
    assert_eq!(f.events::<MetadataUpdate>(), vec![MetadataUpdate { _tokenId: id }]);
}

#[test]
fn applies_lower_usage_after_deletions() {
    let (mut f, id) = keyed();
    f.sender(SYNCER);
    f.nft.apply_usage(id, 2, 5000, 3, digest(1)).unwrap();
    f.nft.apply_usage(id, 3, 10, 3, digest(2)).unwrap();
    let (_, _, used, count, ..) = f.nft.usage_of(id).unwrap();
    assert_eq!((used, count), (10, 3));
}

#[test]
fn stores_usage_above_the_quota_truthfully_and_blocks_uploads() {
    let (mut f, id) = keyed();
    f.sender(SYNCER);
    f.nft.apply_usage(id, 2, GIB + 1, 1, digest(1)).unwrap();
    assert_eq!(f.nft.usage_of(id).unwrap().2, GIB + 1);
    assert_eq!(f.nft.can_upload(id, 0).unwrap(), (false, true, false, false, false, false));
}

#[test]
fn applies_usage_while_paused() {
    let (mut f, id) = keyed();
    f.sender(OWNER);
    f.nft.pause().unwrap();
    f.sender(SYNCER);
    f.nft.apply_usage(id, 1, 0, 0, digest(1)).unwrap();
    assert_eq!(f.nft.usage_of(id).unwrap().5, 1);
}

#[test]
fn error_when_a_stranger_applies_usage() {
    let (mut f, id) = keyed();
    for caller in [STRANGER, MINTER, OWNER, ALICE] {
        f.sender(caller);
        let err = f.nft.apply_usage(id, 9, 0, 0, digest(1)).unwrap_err();
        assert!(matches!(err,
            Error::UnauthorizedAccount(AccessControlUnauthorizedAccount { account, neededRole })
                if account == caller && neededRole == SYNCER_ROLE));
    }
    assert_eq!(f.nft.usage_of(id).unwrap().5, 0);
}

#[test]
fn error_when_applying_usage_to_a_token_never_minted() {
    let (mut f, _) = keyed();
    f.sender(SYNCER);
    assert!(matches!(
        f.nft.apply_usage(U256::from(8), 1, 0, 0, digest(1)),
        Err(Error::NonexistentToken(_))
    ));
}

#[test]
fn allows_uploads_of_a_fresh_keyed_token() {
    let (f, id) = keyed();
    assert_eq!(f.nft.can_upload(id, GIB).unwrap(), ALLOWED);
    assert!(f.nft.upload_allowed(id, GIB).unwrap());
}

#[test]
fn refuses_uploads_over_quota() {
    let (f, id) = keyed();
    assert_eq!(f.nft.can_upload(id, GIB + 1).unwrap(), (false, true, false, false, false, false));
    assert!(!f.nft.upload_allowed(id, GIB + 1).unwrap());
}

#[test]
fn refuses_uploads_when_the_upload_limit_is_reached() {
    let (mut f, id) = keyed();
    f.sender(SYNCER);
    f.nft.apply_usage(id, 2, 10, 50, digest(1)).unwrap();
    assert_eq!(f.nft.can_upload(id, 1).unwrap(), (false, false, true, false, false, false));
}

#[test]
fn refuses_uploads_of_a_token_without_key() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &[]);
    assert_eq!(f.nft.can_upload(id, 1).unwrap(), (false, false, false, false, true, false));
}

#[test]
fn refuses_uploads_after_the_sync_window_and_allows_them_after_a_sync() {
    let (mut f, id) = keyed();
    f.advance(DEFAULT_SYNC_WINDOW);
    assert!(f.nft.upload_allowed(id, 1).unwrap(), "the last second of the window");
    f.advance(1);
    assert_eq!(f.nft.can_upload(id, 1).unwrap(), (false, false, false, true, false, false));
    f.sender(SYNCER);
    f.nft.apply_usage(id, 1, 0, 0, digest(1)).unwrap();
    assert!(f.nft.upload_allowed(id, 1).unwrap());
}

#[test]
fn refuses_uploads_while_paused() {
    let (mut f, id) = keyed();
    f.sender(OWNER);
    f.nft.pause().unwrap();
    assert_eq!(f.nft.can_upload(id, 1).unwrap(), (false, false, false, false, false, true));
    f.nft.unpause().unwrap();
    assert!(f.nft.upload_allowed(id, 1).unwrap());
}

#[test]
fn error_when_asking_the_gate_for_a_token_never_minted() {
    let (f, _) = keyed();
    assert!(matches!(f.nft.upload_allowed(U256::from(3), 1), Err(Error::NonexistentToken(_))));
    assert!(matches!(f.nft.can_upload(U256::from(3), 1), Err(Error::NonexistentToken(_))));
    assert!(matches!(f.nft.usage_of(U256::from(3)), Err(Error::NonexistentToken(_))));
}

#[test]
fn sets_the_sync_window() {
    let (mut f, id) = keyed();
    f.sender(OWNER);
    f.nft.set_sync_window(60).unwrap();
    assert_eq!(f.nft.sync_window(), 60);
    assert_eq!(f.events::<SyncWindowSet>(), vec![SyncWindowSet { window: 60 }]);
    f.advance(61);
    assert!(!f.nft.upload_allowed(id, 0).unwrap());
}

#[test]
fn error_when_a_stranger_sets_the_sync_window() {
    let (mut f, _) = keyed();
    f.sender(STRANGER);
    let err = f.nft.set_sync_window(60).unwrap_err();
    assert!(matches!(err,
        Error::OwnableUnauthorizedAccount(OwnableUnauthorizedAccount { account }) if account == STRANGER));
    assert_eq!(f.nft.sync_window(), DEFAULT_SYNC_WINDOW);
}

#[test]
fn error_when_the_sync_window_is_zero() {
    let (mut f, _) = keyed();
    f.sender(OWNER);
    let err = f.nft.set_sync_window(0).unwrap_err();
    assert!(matches!(err, Error::InvalidSyncWindow(InvalidSyncWindow { window: 0 })));
}

#[test]
fn sets_the_quota_keeping_usage() {
    let (mut f, id) = keyed();
    f.sender(SYNCER);
    f.nft.apply_usage(id, 2, 700, 4, digest(1)).unwrap();
    f.vm.clear_mocks();
    f.sender(MINTER);
    f.nft.set_quota(id, 5 * GIB, 150).unwrap();
    let (quota, limit, used, count, ..) = f.nft.usage_of(id).unwrap();
    assert_eq!((quota, limit, used, count), (5 * GIB, 150, 700, 4));
    assert_eq!(
        f.events::<QuotaSet>(),
        vec![QuotaSet { tokenId: id, quotaBytes: 5 * GIB, uploadLimit: 150 }]
    );
    assert_eq!(f.events::<MetadataUpdate>().len(), 1);
}

#[test]
fn error_when_a_stranger_sets_a_quota() {
    let (mut f, id) = keyed();
    f.sender(STRANGER);
    assert!(matches!(f.nft.set_quota(id, 1, 1), Err(Error::UnauthorizedAccount(_))));
    assert_eq!(f.nft.usage_of(id).unwrap().0, GIB);
}

#[test]
fn error_when_setting_the_quota_of_a_token_never_minted() {
    let (mut f, _) = keyed();
    f.sender(MINTER);
    assert!(matches!(f.nft.set_quota(U256::from(2), 1, 1), Err(Error::NonexistentToken(_))));
}

#[test]
fn tells_the_syncer_everything_in_one_call() {
    let (mut f, id) = keyed();
    f.sender(SYNCER);
    f.nft.apply_usage(id, 4, 9, 2, digest(5)).unwrap();
    let (key, authorized, quota, sequence, metadata, synced, window, paused) =
        f.nft.sync_context(id, ALICE).unwrap();
    assert_eq!(key.to_vec(), ed25519_key(1));
    assert!(authorized, "the owner may operate its token");
    assert_eq!((quota, sequence, metadata, synced), (GIB, 4, digest(5), T0));
    assert_eq!((window, paused), (DEFAULT_SYNC_WINDOW, false));
}

#[test]
fn tells_the_syncer_who_may_operate_a_token() {
    let (mut f, id) = keyed();
    assert!(!f.nft.sync_context(id, STRANGER).unwrap().1);
    f.sender(ALICE);
    crate::erc721::Erc721::approve(&mut f.nft, STRANGER, id).unwrap();
    assert!(f.nft.sync_context(id, STRANGER).unwrap().1, "approved for the token");
    crate::erc721::Erc721::set_approval_for_all(&mut f.nft, MINTER, true).unwrap();
    assert!(f.nft.sync_context(id, MINTER).unwrap().1, "operator of the owner");
}

#[test]
fn error_when_asking_the_sync_context_of_a_token_never_minted() {
    let (f, _) = keyed();
    assert!(matches!(f.nft.sync_context(U256::from(5), ALICE), Err(Error::NonexistentToken(_))));
}
