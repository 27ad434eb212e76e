//! Roles, pause and two-step ownership.

use alloy_primitives::{Address, U256};

use super::{ALICE, BOB, Fixture, MINTER, OWNER, REGISTRAR, STRANGER, SYNCER};
use crate::{
    BatchMetadataUpdate, EnforcedPause, Error, ExpectedPause, OwnableInvalidOwner,
    OwnableUnauthorizedAccount, Paused, PxStorageNft, RoleSet, Unpaused,
    admin::{Administration, MINTER_ROLE, RENDERER_ROLE},
};
use px_contract_common::ownable::{Ownable, OwnershipTransferStarted, OwnershipTransferred};

#[test]
fn starts_with_the_given_owner_and_no_roles() {
    let vm = stylus_sdk::testing::TestVM::default();
    let mut nft = PxStorageNft::from(&vm);
    vm.set_sender(STRANGER); // the deployer contract, not the owner
    nft.constructor(OWNER).unwrap();
    assert_eq!(nft.owner(), OWNER);
    assert_eq!(nft.roles(), (Address::ZERO, Address::ZERO, Address::ZERO, Address::ZERO));
    assert!(!nft.paused());
}

#[test]
fn error_when_constructed_without_an_owner() {
    let vm = stylus_sdk::testing::TestVM::default();
    let mut nft = PxStorageNft::from(&vm);
    let err = nft.constructor(Address::ZERO).unwrap_err();
    assert!(
        matches!(err, Error::OwnableInvalidOwner(OwnableInvalidOwner { owner }) if owner.is_zero())
    );
}

#[test]
fn sets_every_role_and_emits_it() {
    let mut f = Fixture::new();
    assert_eq!(f.nft.roles(), (MINTER, REGISTRAR, SYNCER, Address::ZERO));
    f.sender(OWNER);
    f.nft.set_renderer(BOB).unwrap();
    f.nft.set_minter(ALICE).unwrap();
    assert_eq!(f.nft.roles(), (ALICE, REGISTRAR, SYNCER, BOB));
    let roles = f.events::<RoleSet>();
    assert_eq!(roles[0], RoleSet { role: RENDERER_ROLE, account: BOB });
    assert_eq!(roles[1], RoleSet { role: MINTER_ROLE, account: ALICE });
    assert_eq!(
        f.events::<BatchMetadataUpdate>(),
        vec![BatchMetadataUpdate { _fromTokenId: U256::from(1), _toTokenId: U256::MAX }]
    );
}

#[test]
fn error_when_a_stranger_sets_roles() {
    let mut f = Fixture::new();
    f.sender(STRANGER);
    let unauthorized = |r: Result<(), Error>| {
        matches!(r, Err(Error::OwnableUnauthorizedAccount(OwnableUnauthorizedAccount { account }))
            if account == STRANGER)
    };
    assert!(unauthorized(f.nft.set_minter(STRANGER)));
    assert!(unauthorized(f.nft.set_registrar(STRANGER)));
    assert!(unauthorized(f.nft.set_syncer(STRANGER)));
    assert!(unauthorized(f.nft.set_renderer(STRANGER)));
    assert!(unauthorized(f.nft.pause()));
    assert!(unauthorized(f.nft.unpause()));
    assert!(unauthorized(f.nft.transfer_ownership(STRANGER).map_err(Error::from)));
    assert_eq!(f.nft.roles(), (MINTER, REGISTRAR, SYNCER, Address::ZERO));
}

#[test]
fn a_revoked_role_matches_nobody() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.nft.set_minter(Address::ZERO).unwrap();
    f.sender(Address::ZERO);
    assert!(matches!(
        f.nft.mint_to(ALICE, 1, 1, alloy_primitives::Bytes::new()),
        Err(Error::UnauthorizedAccount(_))
    ));
}

#[test]
fn pauses_and_unpauses() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.nft.pause().unwrap();
    assert!(f.nft.paused());
    f.nft.unpause().unwrap();
    assert!(!f.nft.paused());
    assert_eq!(f.events::<Paused>(), vec![Paused { account: OWNER }]);
    assert_eq!(f.events::<Unpaused>(), vec![Unpaused { account: OWNER }]);
}

#[test]
fn error_when_pausing_twice_or_unpausing_while_running() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    assert!(matches!(f.nft.unpause(), Err(Error::ExpectedPause(ExpectedPause {}))));
    f.nft.pause().unwrap();
    assert!(matches!(f.nft.pause(), Err(Error::EnforcedPause(EnforcedPause {}))));
}

#[test]
fn transfers_are_not_paused() {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &[]);
    f.sender(OWNER);
    f.nft.pause().unwrap();
    f.sender(ALICE);
    crate::erc721::Erc721::transfer_from(&mut f.nft, ALICE, BOB, id).unwrap();
}

#[test]
fn transfers_ownership_in_two_steps() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.nft.transfer_ownership(ALICE).unwrap();
    assert_eq!(f.nft.owner(), OWNER, "nothing changes until accepted");
    assert_eq!(f.nft.pending_owner(), ALICE);
    f.sender(ALICE);
    f.nft.accept_ownership().unwrap();
    assert_eq!(f.nft.owner(), ALICE);
    assert_eq!(f.nft.pending_owner(), Address::ZERO);
    assert_eq!(
        f.events::<OwnershipTransferStarted>(),
        vec![OwnershipTransferStarted { previousOwner: OWNER, newOwner: ALICE }]
    );
    assert_eq!(
        f.events::<OwnershipTransferred>(),
        vec![OwnershipTransferred { previousOwner: OWNER, newOwner: ALICE }]
    );
    f.sender(OWNER);
    assert!(matches!(f.nft.set_minter(OWNER), Err(Error::OwnableUnauthorizedAccount(_))));
}

#[test]
fn error_when_someone_else_accepts_ownership() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.nft.transfer_ownership(ALICE).unwrap();
    for caller in [BOB, OWNER] {
        f.sender(caller);
        assert!(matches!(
            f.nft.accept_ownership().map_err(Error::from),
            Err(Error::OwnableUnauthorizedAccount(_))
        ));
    }
    assert_eq!(f.nft.owner(), OWNER);
}

#[test]
fn error_when_accepting_with_no_transfer_pending() {
    let mut f = Fixture::new();
    f.sender(ALICE);
    assert!(matches!(
        f.nft.accept_ownership().map_err(Error::from),
        Err(Error::OwnableUnauthorizedAccount(_))
    ));
}

#[test]
fn cancels_a_pending_transfer_with_the_zero_address() {
    let mut f = Fixture::new();
    f.sender(OWNER);
    f.nft.transfer_ownership(ALICE).unwrap();
    f.nft.transfer_ownership(Address::ZERO).unwrap();
    f.sender(ALICE);
    assert!(f.nft.accept_ownership().is_err());
}
