//! The storage slots each function reads and writes: on Arbitrum, as on Ethereum, a call's gas
//! is mostly the slots it touches (2,100 per cold read, 20,000 to fill an empty slot, 2,900 to
//! rewrite one). These pin the layout in the crate docs and the per-function slot lists.

use std::collections::BTreeSet;

use alloy_primitives::{Address, B256, U256};

use super::{ALICE, CORE, Fixture, GIB, MIB, OWNER, PRICES, T0, ed25519_key, map_slot};
use crate::{admin::Administration, plans::Plans, sales::Sales};

const CORE_AND_COUNT: u64 = 0;
const UPLOAD_PACK: u64 = 1;
const OWNER_SLOT: u64 = 2;
const PLANS: u64 = 4;
const PLAN_OF: u64 = 5;
const FREE_MINT_USED: u64 = 6;

fn slot(index: u64) -> U256 {
    U256::from(index)
}

fn plan(id: u64) -> U256 {
    map_slot(U256::from(id).into(), PLANS)
}

/// The word holding the plan ids of tokens `32 * word` to `32 * word + 31`.
fn plan_of_word(token_id: u64) -> U256 {
    map_slot(U256::from(token_id / 32).into(), PLAN_OF)
}

fn free_mint_used(account: Address) -> U256 {
    map_slot(account.into_word(), FREE_MINT_USED)
}

fn set(slots: &[U256]) -> BTreeSet<U256> {
    slots.iter().copied().collect()
}

#[test]
fn layout_matches_the_crate_docs() {
    let f = Fixture::new();
    let word = f.host.get_storage(slot(CORE_AND_COUNT));
    assert_eq!(&word[12..], CORE.as_slice());
    assert_eq!(&word[10..12], &[0, 4]);
    assert_eq!(f.host.get_storage(slot(OWNER_SLOT)), OWNER.into_word());
    assert_eq!(
        f.host.get_storage(plan(1)),
        crate::plans::Plan {
            quota_bytes: GIB,
            upload_limit: 50,
            price_wei: PRICES[0].into(),
            active: true,
        }
        .encode()
    );
}

#[test]
fn mint_reads_three_slots_and_rewrites_one() {
    let mut f = Fixture::new();
    for id in [49, 50] {
        f.core_mints(ALICE, GIB, 50, &[], id);
        f.send(ALICE, PRICES[0]);
        f.host.clear_calls();
        f.shop.mint(U256::from(1)).unwrap();
        assert_eq!(f.host.slots_read(), set(&[slot(CORE_AND_COUNT), plan(1), plan_of_word(id)]));
        assert_eq!(f.host.slots_written(), set(&[plan_of_word(id)]));
    }
    // Tokens 49 and 50 share a word: bytes 17 and 18 of word 1.
    let mut expected = B256::ZERO;
    expected[17] = 1;
    expected[18] = 1;
    assert_eq!(f.host.get_storage(plan_of_word(49)), expected);
    assert_eq!(f.shop.plan_of(U256::from(50)), U256::from(1));
}

#[test]
fn free_mint_writes_only_its_flag() {
    let mut f = Fixture::new();
    f.core_mints(ALICE, 100 * MIB, 25, &[], 1);
    f.send(ALICE, 0);
    f.shop.mint(U256::ZERO).unwrap();
    assert_eq!(
        f.host.slots_read(),
        set(&[slot(CORE_AND_COUNT), plan(0), free_mint_used(ALICE), plan_of_word(1)])
    );
    assert_eq!(f.host.slots_written(), set(&[free_mint_used(ALICE)]));
}

#[test]
fn mint_with_key_touches_what_mint_does() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    f.core_mints(ALICE, GIB, 50, &key, 1);
    let signature = Fixture::authorize(ALICE, 1, &key, T0);
    f.send(ALICE, PRICES[0]);
    f.shop.mint_with_key(U256::from(1), key.into(), U256::from(T0), signature).unwrap();
    assert_eq!(f.host.slots_read(), set(&[slot(CORE_AND_COUNT), plan(1), plan_of_word(1)]));
    assert_eq!(f.host.slots_written(), set(&[plan_of_word(1)]));
}

#[test]
fn upgrade_reads_both_plans_and_rewrites_the_plan_id() {
    let mut f = Fixture::new();
    f.core_mints(ALICE, GIB, 50, &[], 1);
    f.send(ALICE, PRICES[0]);
    f.shop.mint(U256::from(1)).unwrap();
    f.core_has(1, ALICE, GIB, 50);
    f.send(ALICE, PRICES[1] - PRICES[0]);
    f.host.clear_calls();
    f.shop.upgrade(U256::from(1), U256::from(2)).unwrap();
    assert_eq!(
        f.host.slots_read(),
        set(&[slot(CORE_AND_COUNT), plan(1), plan(2), plan_of_word(1)])
    );
    assert_eq!(f.host.slots_written(), set(&[plan_of_word(1)]));
}

#[test]
fn buy_uploads_reads_two_slots_and_writes_none() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_upload_pack(10, U256::from(1)).unwrap();
    f.core_has(1, ALICE, GIB, 50);
    f.send(ALICE, 1);
    f.host.clear_calls();
    f.shop.buy_uploads(U256::from(1), 1).unwrap();
    assert_eq!(f.host.slots_read(), set(&[slot(CORE_AND_COUNT), slot(UPLOAD_PACK)]));
    assert!(f.host.slots_written().is_empty());
}

#[test]
fn administration_touches_the_owner_and_its_target() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_plan(U256::from(4), 1, 1, U256::ZERO, true).unwrap();
    assert_eq!(f.host.slots_read(), set(&[slot(OWNER_SLOT), slot(CORE_AND_COUNT)]));
    assert_eq!(f.host.slots_written(), set(&[slot(CORE_AND_COUNT), plan(4)]));
    f.host.clear_calls();
    f.shop.set_upload_pack(1, U256::ZERO).unwrap();
    assert_eq!(f.host.slots_read(), set(&[slot(OWNER_SLOT)]));
    assert_eq!(f.host.slots_written(), set(&[slot(UPLOAD_PACK)]));
    f.host.clear_calls();
    f.shop.withdraw(ALICE).unwrap();
    assert_eq!(f.host.slots_read(), set(&[slot(OWNER_SLOT)]));
    assert!(f.host.slots_written().is_empty());
}
