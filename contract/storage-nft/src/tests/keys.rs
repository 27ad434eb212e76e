//! Minting and BTNS keys.

use alloy_primitives::{Address, Bytes, U256};

use super::{ALICE, BOB, Fixture, GIB, MINTER, REGISTRAR, STRANGER, ed25519_key};
use crate::{
    AccessControlUnauthorizedAccount, BtnsKeyAlreadyRegistered, BtnsKeyAlreadySet,
    BtnsKeyInvalidLength, BtnsKeyRegistered, EnforcedPause, Error, MetadataUpdate,
    admin::{Administration, MINTER_ROLE, REGISTRAR_ROLE},
    erc721::Erc721,
    keys::BtnsKeys,
};

fn key(bytes: &[u8]) -> Bytes {
    Bytes::copy_from_slice(bytes)
}

#[test]
fn mints_with_a_key_and_indexes_it() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &ed25519_key(1));
    assert_eq!(f.nft.btns_key_of(id).unwrap(), key(&ed25519_key(1)));
    assert_eq!(f.nft.token_of_btns_key(key(&ed25519_key(1))), id);
    assert_eq!(
        f.events::<BtnsKeyRegistered>(),
        vec![BtnsKeyRegistered { tokenId: id, btnsKey: key(&ed25519_key(1)) }]
    );
}

#[test]
fn mints_without_a_key() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &[]);
    assert_eq!(f.nft.btns_key_of(id).unwrap(), Bytes::new());
    assert!(f.events::<BtnsKeyRegistered>().is_empty());
}

#[test]
fn keeps_keys_of_every_length_byte_for_byte() {
    let mut f = Fixture::new();
    for len in [1usize, 31, 32, 33, 38, 39, 63, 64] {
        let k: Vec<u8> = (0..len).map(|i| u8::try_from(i).unwrap() ^ 0x5a).collect();
        let id = f.mint(ALICE, &k);
        assert_eq!(f.nft.btns_key_of(id).unwrap(), key(&k), "length {len}");
        assert_eq!(f.nft.token_of_btns_key(key(&k)), id);
    }
}

#[test]
fn error_when_a_stranger_mints() {
    let mut f = Fixture::new();
    f.sender(STRANGER);
    let err = f.nft.mint_to(ALICE, GIB, 50, Bytes::new()).unwrap_err();
    assert!(matches!(err,
        Error::UnauthorizedAccount(AccessControlUnauthorizedAccount { account, neededRole })
            if account == STRANGER && neededRole == MINTER_ROLE));
    assert_eq!(f.nft.total_supply(), U256::ZERO);
}

#[test]
fn error_when_minting_while_paused() {
    let mut f = Fixture::new();
    f.sender(super::OWNER);
    f.nft.pause().unwrap();
    f.sender(MINTER);
    let err = f.nft.mint_to(ALICE, GIB, 50, Bytes::new()).unwrap_err();
    assert!(matches!(err, Error::EnforcedPause(EnforcedPause {})));
}

#[test]
fn error_when_minting_to_the_zero_address() {
    let mut f = Fixture::new();
    f.sender(MINTER);
    assert!(matches!(
        f.nft.mint_to(Address::ZERO, GIB, 50, Bytes::new()),
        Err(Error::InvalidReceiver(_))
    ));
}

#[test]
fn error_when_minting_with_a_key_over_64_bytes() {
    let mut f = Fixture::new();
    f.sender(MINTER);
    let err = f.nft.mint_to(ALICE, GIB, 50, key(&[7; 65])).unwrap_err();
    assert!(matches!(err,
        Error::BtnsKeyInvalidLength(BtnsKeyInvalidLength { length }) if length == U256::from(65)));
    assert_eq!(f.nft.total_supply(), U256::ZERO);
}

#[test]
fn error_when_minting_with_a_key_another_token_owns() {
    let mut f = Fixture::new();
    let first = f.mint(ALICE, &ed25519_key(3));
    f.sender(MINTER);
    let err = f.nft.mint_to(BOB, GIB, 50, key(&ed25519_key(3))).unwrap_err();
    assert!(matches!(err,
        Error::BtnsKeyAlreadyRegistered(BtnsKeyAlreadyRegistered { tokenId }) if tokenId == first));
}

#[test]
fn registers_a_key_for_a_token_minted_without_one() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &[]);
    f.vm.clear_mocks();
    f.sender(REGISTRAR);
    f.nft.register_btns_key(id, key(&ed25519_key(9))).unwrap();
    assert_eq!(f.nft.btns_key_of(id).unwrap(), key(&ed25519_key(9)));
    assert_eq!(f.nft.token_of_btns_key(key(&ed25519_key(9))), id);
    assert_eq!(f.events::<BtnsKeyRegistered>().len(), 1);
    assert_eq!(f.events::<MetadataUpdate>(), vec![MetadataUpdate { _tokenId: id }]);
    // The record keeps its owner and sequence when the key tag is added.
    assert_eq!(f.nft.owner_of(id).unwrap(), ALICE);
}

#[test]
fn error_when_a_stranger_registers_a_key() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &[]);
    for caller in [STRANGER, MINTER, ALICE] {
        f.sender(caller);
        let err = f.nft.register_btns_key(id, key(&ed25519_key(9))).unwrap_err();
        assert!(matches!(err,
            Error::UnauthorizedAccount(AccessControlUnauthorizedAccount { neededRole, .. })
                if neededRole == REGISTRAR_ROLE));
    }
}

#[test]
fn error_when_registering_a_key_for_a_token_that_has_one() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &ed25519_key(1));
    f.sender(REGISTRAR);
    let err = f.nft.register_btns_key(id, key(&ed25519_key(2))).unwrap_err();
    assert!(
        matches!(err, Error::BtnsKeyAlreadySet(BtnsKeyAlreadySet { tokenId }) if tokenId == id)
    );
    assert_eq!(f.nft.btns_key_of(id).unwrap(), key(&ed25519_key(1)));
}

#[test]
fn error_when_registering_a_key_another_token_owns() {
    let mut f = Fixture::new();
    let first = f.mint(ALICE, &ed25519_key(1));
    let second = f.mint(BOB, &[]);
    f.sender(REGISTRAR);
    let err = f.nft.register_btns_key(second, key(&ed25519_key(1))).unwrap_err();
    assert!(matches!(err,
        Error::BtnsKeyAlreadyRegistered(BtnsKeyAlreadyRegistered { tokenId }) if tokenId == first));
}

#[test]
fn error_when_registering_an_empty_or_oversized_key() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &[]);
    f.sender(REGISTRAR);
    for bad in [Vec::new(), vec![1; 65], vec![1; 200]] {
        let err = f.nft.register_btns_key(id, key(&bad)).unwrap_err();
        assert!(matches!(err,
            Error::BtnsKeyInvalidLength(BtnsKeyInvalidLength { length }) if length == U256::from(bad.len())));
    }
}

#[test]
fn error_when_registering_a_key_for_a_token_never_minted() {
    let mut f = Fixture::new();
    f.sender(REGISTRAR);
    assert!(matches!(
        f.nft.register_btns_key(U256::from(4), key(&ed25519_key(1))),
        Err(Error::NonexistentToken(_))
    ));
    assert!(matches!(f.nft.btns_key_of(U256::from(4)), Err(Error::NonexistentToken(_))));
}

#[test]
fn unknown_keys_belong_to_no_token() {
    let mut f = Fixture::new();
    f.mint(ALICE, &ed25519_key(1));
    assert_eq!(f.nft.token_of_btns_key(key(&ed25519_key(2))), U256::ZERO);
    assert_eq!(f.nft.token_of_btns_key(Bytes::new()), U256::ZERO);
}
