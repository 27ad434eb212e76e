//! The constructor, plans and the upload pack.

use alloy_primitives::{Address, U256};
use px_contract_common::ownable::{Ownable, OwnershipTransferred};

use super::{ALICE, CORE, Fixture, GIB, MIB, OWNER, PRICES, STRANGER};
use crate::{
    Error, OwnableInvalidOwner, OwnableUnauthorizedAccount, PlanSet, PxStorefront,
    SafeCastOverflowedUintDowncast, UnknownPlan, UploadPackSet,
    plans::{MAX_PLANS, Plans},
    sales::Sales,
};

fn unauthorized(account: Address) -> Error {
    Error::OwnableUnauthorizedAccount(OwnableUnauthorizedAccount { account })
}

#[test]
fn constructs_with_the_pollinationx_plans() {
    let f = Fixture::new();
    assert_eq!(f.shop.owner(), OWNER);
    assert_eq!(f.shop.core(), CORE);
    assert_eq!(f.shop.plan_count(), U256::from(4));
    let [p1, p5, p20] = PRICES.map(U256::from);
    assert_eq!(f.shop.plan(U256::ZERO).unwrap(), (100 * MIB, 25, U256::ZERO, true));
    assert_eq!(f.shop.plan(U256::from(1)).unwrap(), (GIB, 50, p1, true));
    assert_eq!(f.shop.plan(U256::from(2)).unwrap(), (5 * GIB, 150, p5, true));
    assert_eq!(f.shop.plan(U256::from(3)).unwrap(), (20 * GIB, 400, p20, true));
    assert_eq!(f.shop.upload_pack(), (0, U256::ZERO));
}

#[test]
fn constructs_with_ownership_and_plan_events() {
    let host = px_contract_testing::CallHost::new();
    let mut shop = PxStorefront::from(&host);
    shop.constructor(OWNER, CORE, U256::from(1), U256::from(2), U256::from(3)).unwrap();
    assert_eq!(host.events::<OwnershipTransferred>()[0].newOwner, OWNER);
    let plans = host.events::<PlanSet>();
    let ids: Vec<_> = plans.iter().map(|p| p.planId).collect();
    assert_eq!(ids, [0, 1, 2, 3].map(U256::from));
    assert_eq!((plans[3].quotaBytes, plans[3].priceWei), (20 * GIB, U256::from(3)));
}

#[test]
fn error_when_constructing_with_zero_owner() {
    let host = px_contract_testing::CallHost::new();
    let mut shop = PxStorefront::from(&host);
    let err = shop.constructor(Address::ZERO, CORE, U256::ZERO, U256::ZERO, U256::ZERO);
    assert_eq!(err, Err(Error::OwnableInvalidOwner(OwnableInvalidOwner { owner: Address::ZERO })));
}

#[test]
fn error_when_constructing_with_a_price_over_128_bits() {
    let host = px_contract_testing::CallHost::new();
    let mut shop = PxStorefront::from(&host);
    let price = U256::from(u128::MAX) + U256::from(1);
    let err = shop.constructor(OWNER, CORE, U256::ZERO, U256::ZERO, price);
    assert_eq!(
        err,
        Err(Error::Overflow(SafeCastOverflowedUintDowncast { bits: 128, value: price }))
    );
}

#[test]
fn sets_a_new_plan_at_the_next_id() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_plan(U256::from(4), 100 * GIB, 1000, U256::from(99), false).unwrap();
    assert_eq!(f.shop.plan_count(), U256::from(5));
    assert_eq!(f.shop.plan(U256::from(4)).unwrap(), (100 * GIB, 1000, U256::from(99), false));
    let event = &f.events::<PlanSet>()[0];
    assert_eq!(
        (event.planId, event.quotaBytes, event.uploadLimit, event.priceWei, event.active),
        (U256::from(4), 100 * GIB, 1000, U256::from(99), false)
    );
}

#[test]
fn sets_an_existing_plan_without_adding_one() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_plan(U256::from(1), 2 * GIB, 60, U256::from(7), false).unwrap();
    assert_eq!(f.shop.plan_count(), U256::from(4));
    assert_eq!(f.shop.plan(U256::from(1)).unwrap(), (2 * GIB, 60, U256::from(7), false));
}

#[test]
fn sets_up_to_256_plans() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    for id in 4..MAX_PLANS {
        f.shop.set_plan(U256::from(id), 1, 1, U256::from(id), true).unwrap();
    }
    assert_eq!(f.shop.plan_count(), U256::from(256));
    assert_eq!(f.shop.plan(U256::from(255)).unwrap(), (1, 1, U256::from(255), true));
    let err = f.shop.set_plan(U256::from(256), 1, 1, U256::ZERO, true);
    assert_eq!(err, Err(Error::UnknownPlan(UnknownPlan { planId: U256::from(256) })));
}

#[test]
fn error_when_setting_a_plan_past_the_next_id() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    let err = f.shop.set_plan(U256::from(5), 1, 1, U256::ZERO, true);
    assert_eq!(err, Err(Error::UnknownPlan(UnknownPlan { planId: U256::from(5) })));
    assert_eq!(f.shop.plan_count(), U256::from(4));
}

#[test]
fn error_when_setting_a_plan_with_a_price_over_128_bits() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    let price = U256::from(1) << 128;
    let err = f.shop.set_plan(U256::from(1), 1, 1, price, true);
    assert_eq!(
        err,
        Err(Error::Overflow(SafeCastOverflowedUintDowncast { bits: 128, value: price }))
    );
    assert!(f.host.slots_written().is_empty());
}

#[test]
fn error_when_stranger_sets_a_plan() {
    let mut f = Fixture::new();
    f.send(STRANGER, 0);
    let err = f.shop.set_plan(U256::from(1), 1, 1, U256::ZERO, true);
    assert_eq!(err, Err(unauthorized(STRANGER)));
    assert!(f.host.slots_written().is_empty());
}

#[test]
fn error_when_reading_an_unknown_plan() {
    let f = Fixture::new();
    assert_eq!(
        f.shop.plan(U256::from(4)),
        Err(Error::UnknownPlan(UnknownPlan { planId: U256::from(4) }))
    );
    assert_eq!(f.shop.plan(U256::MAX), Err(Error::UnknownPlan(UnknownPlan { planId: U256::MAX })));
}

#[test]
fn sets_the_upload_pack() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_upload_pack(25, U256::from(500)).unwrap();
    assert_eq!(f.shop.upload_pack(), (25, U256::from(500)));
    let event = &f.events::<UploadPackSet>()[0];
    assert_eq!((event.uploads, event.priceWei), (25, U256::from(500)));
}

#[test]
fn error_when_stranger_sets_the_upload_pack() {
    let mut f = Fixture::new();
    f.send(ALICE, 0);
    assert_eq!(f.shop.set_upload_pack(25, U256::from(500)), Err(unauthorized(ALICE)));
    assert_eq!(f.shop.upload_pack(), (0, U256::ZERO));
}

#[test]
fn error_when_setting_the_upload_pack_with_a_price_over_128_bits() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    let err = f.shop.set_upload_pack(1, U256::MAX);
    assert_eq!(
        err,
        Err(Error::Overflow(SafeCastOverflowedUintDowncast { bits: 128, value: U256::MAX }))
    );
}
