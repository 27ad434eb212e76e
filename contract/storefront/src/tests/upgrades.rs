//! `upgrade` and `buyUploads`.

use alloy_primitives::U256;

use super::{ALICE, BOB, Fixture, GIB, MIB, OWNER, PRICES};
use crate::{
    ERC721IncorrectOwner, Error, IncorrectPayment, InvalidUpgrade, PlanInactive,
    SafeCastOverflowedUintDowncast, UnknownPlan, Upgraded, UploadPacksUnavailable, UploadsBought,
    plans::Plans, sales::Sales,
};

/// A fixture where ALICE holds token 1, minted on plan 1 (1 GiB, 50 uploads).
fn with_token() -> Fixture {
    let mut f = Fixture::new();
    f.core_mints(ALICE, GIB, 50, &[], 1);
    f.send(ALICE, PRICES[0]);
    f.shop.mint(U256::from(1)).unwrap();
    f.host.clear_mocks(); // forget the mint's logs
    f.host.clear_calls();
    f
}

#[test]
fn upgrades_paying_the_difference() {
    let mut f = with_token();
    f.core_has(1, ALICE, GIB, 50);
    f.send(ALICE, PRICES[2] - PRICES[0]);
    f.shop.upgrade(U256::from(1), U256::from(3)).unwrap();

    assert_eq!(f.shop.plan_of(U256::from(1)), U256::from(3));
    assert_eq!(f.core_writes(), [Fixture::set_quota_call(1, 20 * GIB, 400)]);
    let event = &f.events::<Upgraded>()[0];
    assert_eq!(
        (event.tokenId, event.fromPlanId, event.toPlanId, event.paidWei),
        (U256::from(1), U256::from(1), U256::from(3), U256::from(PRICES[2] - PRICES[0]))
    );
}

#[test]
fn upgrades_keeping_bought_uploads() {
    let mut f = with_token();
    // 50 from plan 1 and 30 bought in packs.
    f.core_has(1, ALICE, GIB, 80);
    f.send(ALICE, PRICES[1] - PRICES[0]);
    f.shop.upgrade(U256::from(1), U256::from(2)).unwrap();
    assert_eq!(f.core_writes(), [Fixture::set_quota_call(1, 5 * GIB, 180)]);
}

#[test]
fn upgrades_at_current_prices_after_a_plan_change() {
    let mut f = with_token();
    f.send(OWNER, 0);
    // Plan 1 now costs more and allows more uploads than when token 1 was bought.
    f.shop.set_plan(U256::from(1), GIB, 60, U256::from(PRICES[0] * 2), true).unwrap();
    f.core_has(1, ALICE, GIB, 50);
    f.send(ALICE, PRICES[1] - PRICES[0] * 2);
    f.shop.upgrade(U256::from(1), U256::from(2)).unwrap();
    // 50 - 60 saturates: no bought uploads to keep.
    assert_eq!(f.core_writes(), [Fixture::set_quota_call(1, 5 * GIB, 150)]);
}

#[test]
fn upgrades_a_free_token_at_the_full_price() {
    let mut f = Fixture::new();
    f.core_mints(ALICE, 100 * MIB, 25, &[], 4);
    f.send(ALICE, 0);
    f.shop.mint(U256::ZERO).unwrap();
    f.core_has(4, ALICE, 100 * MIB, 25);
    f.send(ALICE, PRICES[0]);
    f.shop.upgrade(U256::from(4), U256::from(1)).unwrap();
    assert_eq!(f.shop.plan_of(U256::from(4)), U256::from(1));
}

#[test]
fn error_when_stranger_upgrades() {
    let mut f = with_token();
    f.core_has(1, ALICE, GIB, 50);
    f.send(BOB, PRICES[1] - PRICES[0]);
    let err = f.shop.upgrade(U256::from(1), U256::from(2));
    assert_eq!(
        err,
        Err(Error::IncorrectOwner(ERC721IncorrectOwner {
            sender: BOB,
            tokenId: U256::from(1),
            owner: ALICE,
        }))
    );
    assert!(f.core_writes().is_empty());
    assert!(f.host.slots_written().is_empty());
}

#[test]
fn error_when_downgrading_or_staying() {
    let mut f = with_token();
    f.core_has(1, ALICE, GIB, 50);
    for to in [0, 1] {
        f.send(ALICE, 0);
        let err = f.shop.upgrade(U256::from(1), U256::from(to));
        assert_eq!(
            err,
            Err(Error::InvalidUpgrade(InvalidUpgrade {
                fromPlanId: U256::from(1),
                toPlanId: U256::from(to),
            }))
        );
    }
}

#[test]
fn error_when_upgrading_to_an_inactive_or_unknown_plan() {
    let mut f = with_token();
    f.core_has(1, ALICE, GIB, 50);
    f.send(OWNER, 0);
    f.shop.set_plan(U256::from(3), 20 * GIB, 400, U256::from(PRICES[2]), false).unwrap();
    f.send(ALICE, PRICES[2] - PRICES[0]);
    assert_eq!(
        f.shop.upgrade(U256::from(1), U256::from(3)),
        Err(Error::PlanInactive(PlanInactive { planId: U256::from(3) }))
    );
    assert_eq!(
        f.shop.upgrade(U256::from(1), U256::from(9)),
        Err(Error::UnknownPlan(UnknownPlan { planId: U256::from(9) }))
    );
}

#[test]
fn error_when_upgrading_with_the_wrong_payment() {
    let mut f = with_token();
    f.core_has(1, ALICE, GIB, 50);
    f.send(ALICE, PRICES[1]);
    assert_eq!(
        f.shop.upgrade(U256::from(1), U256::from(2)),
        Err(Error::IncorrectPayment(IncorrectPayment {
            expectedWei: U256::from(PRICES[1] - PRICES[0]),
            receivedWei: U256::from(PRICES[1]),
        }))
    );
    assert!(f.core_writes().is_empty());
}

#[test]
fn error_when_upgrading_a_token_that_does_not_exist() {
    let mut f = with_token();
    let revert = f.core_lacks(5);
    f.send(ALICE, PRICES[1]);
    assert_eq!(f.shop.upgrade(U256::from(5), U256::from(2)), Err(Error::Core(revert)));
}

#[test]
fn buys_upload_packs() {
    let mut f = with_token();
    f.send(OWNER, 0);
    f.shop.set_upload_pack(25, U256::from(1000)).unwrap();
    f.core_has(1, ALICE, GIB, 50);
    // Anyone may pay for a token's uploads.
    f.send(BOB, 3000);
    f.shop.buy_uploads(U256::from(1), 3).unwrap();
    assert_eq!(f.core_writes(), [Fixture::set_quota_call(1, GIB, 125)]);
    let event = &f.events::<UploadsBought>()[0];
    assert_eq!(
        (event.tokenId, event.packs, event.uploads, event.paidWei),
        (U256::from(1), 3, 75, U256::from(3000))
    );
}

#[test]
fn error_when_buying_uploads_while_none_are_for_sale() {
    let mut f = with_token();
    f.send(ALICE, 0);
    assert_eq!(
        f.shop.buy_uploads(U256::from(1), 1),
        Err(Error::UploadPacksUnavailable(UploadPacksUnavailable {}))
    );
}

#[test]
fn error_when_buying_uploads_with_the_wrong_payment() {
    let mut f = with_token();
    f.send(OWNER, 0);
    f.shop.set_upload_pack(25, U256::from(1000)).unwrap();
    f.send(ALICE, 1000);
    assert_eq!(
        f.shop.buy_uploads(U256::from(1), 2),
        Err(Error::IncorrectPayment(IncorrectPayment {
            expectedWei: U256::from(2000),
            receivedWei: U256::from(1000),
        }))
    );
    assert!(f.host.calls().is_empty());
}

#[test]
fn error_when_bought_uploads_overflow_the_limit() {
    let mut f = with_token();
    f.send(OWNER, 0);
    f.shop.set_upload_pack(u32::MAX, U256::ZERO).unwrap();
    f.core_has(1, ALICE, GIB, 50);
    f.send(ALICE, 0);
    let total = U256::from(u64::from(u32::MAX) + 50);
    assert_eq!(
        f.shop.buy_uploads(U256::from(1), 1),
        Err(Error::Overflow(SafeCastOverflowedUintDowncast { bits: 32, value: total }))
    );
    assert!(f.core_writes().is_empty());
}

#[test]
fn error_when_buying_uploads_for_a_token_that_does_not_exist() {
    let mut f = with_token();
    f.send(OWNER, 0);
    f.shop.set_upload_pack(25, U256::from(1000)).unwrap();
    let revert = f.core_lacks(5);
    f.send(ALICE, 1000);
    assert_eq!(f.shop.buy_uploads(U256::from(5), 1), Err(Error::Core(revert)));
}
