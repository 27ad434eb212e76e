//! Withdrawal and two-step ownership.

use alloy_primitives::{Address, U256};
use px_contract_common::ownable::{Ownable, OwnershipTransferStarted, OwnershipTransferred};
use px_contract_testing::{CallKind, MadeCall};

use super::{ALICE, BOB, Fixture, OWNER, STOREFRONT, STRANGER};
use crate::{Error, OwnableUnauthorizedAccount, WithdrawFailed, Withdrawn, admin::Administration};

fn unauthorized(account: Address) -> Error {
    Error::OwnableUnauthorizedAccount(OwnableUnauthorizedAccount { account })
}

#[test]
fn withdraws_the_whole_balance() {
    let mut f = Fixture::new();
    f.host.set_balance(STOREFRONT, U256::from(12_345));
    f.send(OWNER, 0);
    f.shop.withdraw(BOB).unwrap();
    let sent =
        MadeCall { kind: CallKind::Call, to: BOB, data: Vec::new(), value: U256::from(12_345) };
    assert_eq!(f.host.calls(), [sent]);
    let event = &f.events::<Withdrawn>()[0];
    assert_eq!((event.to, event.amountWei), (BOB, U256::from(12_345)));
}

#[test]
fn error_when_stranger_withdraws() {
    let mut f = Fixture::new();
    f.host.set_balance(STOREFRONT, U256::from(1));
    f.send(STRANGER, 0);
    assert_eq!(f.shop.withdraw(STRANGER), Err(unauthorized(STRANGER)));
    assert!(f.host.calls().is_empty());
}

#[test]
fn error_when_the_recipient_refuses_the_ether() {
    let mut f = Fixture::new();
    f.host.set_balance(STOREFRONT, U256::from(5));
    f.host.mock_call(BOB, Vec::new(), U256::from(5), Err(Vec::new()));
    f.send(OWNER, 0);
    assert_eq!(f.shop.withdraw(BOB), Err(Error::WithdrawFailed(WithdrawFailed { to: BOB })));
    assert!(f.events::<Withdrawn>().is_empty());
}

#[test]
fn error_when_withdrawing_to_zero() {
    let mut f = Fixture::new();
    f.host.set_balance(STOREFRONT, U256::from(5));
    f.send(OWNER, 0);
    assert_eq!(
        f.shop.withdraw(Address::ZERO),
        Err(Error::WithdrawFailed(WithdrawFailed { to: Address::ZERO }))
    );
    assert!(f.host.calls().is_empty());
}

#[test]
fn transfers_ownership_in_two_steps() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.transfer_ownership(ALICE).unwrap();
    assert_eq!((f.shop.owner(), f.shop.pending_owner()), (OWNER, ALICE));
    f.send(ALICE, 0);
    f.shop.accept_ownership().unwrap();
    assert_eq!((f.shop.owner(), f.shop.pending_owner()), (ALICE, Address::ZERO));
    assert_eq!(f.events::<OwnershipTransferStarted>()[0].newOwner, ALICE);
    assert_eq!(f.events::<OwnershipTransferred>()[0].previousOwner, OWNER);
}

#[test]
fn error_when_stranger_transfers_or_accepts_ownership() {
    let mut f = Fixture::new();
    f.send(STRANGER, 0);
    assert_eq!(
        f.shop.transfer_ownership(STRANGER).map_err(Error::from),
        Err(unauthorized(STRANGER))
    );
    f.send(OWNER, 0);
    f.shop.transfer_ownership(ALICE).unwrap();
    f.send(STRANGER, 0);
    assert_eq!(f.shop.accept_ownership().map_err(Error::from), Err(unauthorized(STRANGER)));
    assert_eq!(f.shop.owner(), OWNER);
}
