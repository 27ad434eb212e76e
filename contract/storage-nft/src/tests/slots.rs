//! The storage slots each gas-relevant function touches, pinned: on Arbitrum a Stylus call pays
//! for storage exactly as the EVM does (2,100 gas per cold slot read, 20,000 to fill an empty
//! slot, 2,900 to change one), so these counts are the first gas estimate (docs/gas.md) until
//! the local chain measures it. A change to a count is a change to what users pay.

use alloy_primitives::{Address, Bytes, U256};
use px_contract_testing::CallHost;

use super::{ALICE, BOB, GIB, MINTER, OWNER, REGISTRAR, SYNCER, digest, ed25519_key};
use crate::{
    PxStorageNft, admin::Administration, erc721::Erc721, keys::BtnsKeys, usage::StorageUsage,
};

fn core() -> (CallHost, PxStorageNft) {
    let host = CallHost::new();
    let mut nft = PxStorageNft::from(&host);
    host.set_sender(OWNER);
    nft.constructor(OWNER).unwrap();
    nft.set_minter(MINTER).unwrap();
    nft.set_registrar(REGISTRAR).unwrap();
    nft.set_syncer(SYNCER).unwrap();
    (host, nft)
}

/// (slots read, slots written) by `f`.
#[test]
fn mint_with_an_ed25519_key_fills_five_slots() {
    let (host, mut nft) = core();
    host.set_sender(MINTER);
    let counts = host.slots_touched(|| {
        nft.mint_to(ALICE, GIB, 50, Bytes::from(ed25519_key(1))).unwrap();
    });
    // Reads: minter/paused/supply, the key index, the balance. Writes: the supply (changed in
    // place after the first mint) and five filled slots: record, usage, key head, index, balance.
    assert_eq!(counts, (3, 6));
}

#[test]
fn transfer_rewrites_the_record_and_two_balances() {
    let (host, mut nft) = core();
    host.set_sender(MINTER);
    let id = nft.mint_to(ALICE, GIB, 50, Bytes::new()).unwrap();
    host.set_sender(ALICE);
    let counts = host.slots_touched(|| nft.transfer_from(ALICE, BOB, id).unwrap());
    assert_eq!(
        counts,
        (4, 3),
        "reads: record, approval, two balances; writes: record, two balances"
    );
}

#[test]
fn register_key_writes_record_key_and_index() {
    let (host, mut nft) = core();
    host.set_sender(MINTER);
    let id = nft.mint_to(ALICE, GIB, 50, Bytes::new()).unwrap();
    host.set_sender(REGISTRAR);
    let counts =
        host.slots_touched(|| nft.register_btns_key(id, Bytes::from(ed25519_key(2))).unwrap());
    assert_eq!(counts.1, 3, "record, key head, index");
}

#[test]
fn apply_usage_rewrites_usage_record_and_digest() {
    let (host, mut nft) = core();
    host.set_sender(MINTER);
    let id = nft.mint_to(ALICE, GIB, 50, Bytes::from(ed25519_key(1))).unwrap();
    host.set_sender(SYNCER);
    let first = host.slots_touched(|| nft.apply_usage(id, 1, 10, 1, digest(1)).unwrap());
    assert_eq!(first.1, 3, "usage, record (sequence), digest");
    let refresh = host.slots_touched(|| nft.apply_usage(id, 1, 10, 1, digest(1)).unwrap());
    assert_eq!(refresh.1, 1, "a refresh of the same document writes the usage word only");
}

#[test]
fn sync_context_for_the_syncer_reads_only_what_it_returns() {
    let (host, mut nft) = core();
    host.set_sender(MINTER);
    let id = nft.mint_to(ALICE, GIB, 50, Bytes::from(ed25519_key(1))).unwrap();
    let (reads, writes) = host.slots_touched(|| {
        nft.sync_context(id, Address::ZERO).unwrap();
    });
    // record, usage, digest, key head, window, paused.
    assert_eq!((reads, writes), (6, 0));
    let with_account = host.slots_touched(|| {
        nft.sync_context(U256::from(1), BOB).unwrap();
    });
    assert_eq!(with_account.0, 8, "plus the operator approval and the token approval");
}
