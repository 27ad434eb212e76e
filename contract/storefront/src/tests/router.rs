//! The program through its ABI router, with calldata from the published bindings (`px-abi`):
//! every function of `IPxStorefront.sol` is called once by its selector, payability is as
//! published, and reverts decode into the published errors.

use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use px_abi::IPxStorefront::{self as abi, IPxStorefrontErrors};
use px_contract_testing::{call_router, route, uncalled};

use super::{ALICE, BOB, CORE, Fixture, GIB, OWNER, PRICES, STOREFRONT, T0, ed25519_key};
use crate::PxStorefront;

/// Calls `call` as `sender` paying `value`, expecting success.
fn ok<C: SolCall>(f: &Fixture, sender: Address, value: u64, call: &C) -> C::Return {
    f.send(sender, value);
    call_router::<PxStorefront, C>(&f.host, call)
        .unwrap_or_else(|e| panic!("{} reverted: {e:02x?}", C::SIGNATURE))
}

/// Calls `call` as `sender` paying `value`, expecting one of the published errors.
fn revert<C: SolCall>(f: &Fixture, sender: Address, value: u64, call: &C) -> IPxStorefrontErrors {
    f.send(sender, value);
    let data = route::<PxStorefront>(&f.host, call.abi_encode()).expect_err(C::SIGNATURE);
    IPxStorefrontErrors::abi_decode(&data).unwrap()
}

#[test]
fn every_function_answers_at_its_published_selector() {
    let f = Fixture::new();
    let key = ed25519_key(1);

    f.core_mints(ALICE, GIB, 50, &[], 1);
    let id = ok(&f, ALICE, PRICES[0], &abi::mintCall { planId: U256::from(1) });
    assert_eq!(id, U256::from(1));
    f.core_mints(BOB, 5 * GIB, 150, &key, 2);
    let signature = Fixture::authorize(BOB, 2, &key, T0);
    let minted = ok(
        &f,
        BOB,
        PRICES[1],
        &abi::mintWithKeyCall {
            planId: U256::from(2),
            btnsKey: key.into(),
            deadline: U256::from(T0),
            signature,
        },
    );
    assert_eq!(minted, U256::from(2));
    assert_eq!(ok(&f, BOB, 0, &abi::planOfCall { tokenId: U256::from(2) }), U256::from(2));

    f.core_has(1, ALICE, GIB, 50);
    ok(
        &f,
        ALICE,
        PRICES[1] - PRICES[0],
        &abi::upgradeCall { tokenId: U256::from(1), newPlanId: U256::from(2) },
    );
    ok(&f, OWNER, 0, &abi::setUploadPackCall { uploads: 10, priceWei: U256::from(7) });
    let pack = ok(&f, BOB, 0, &abi::uploadPackCall {});
    assert_eq!((pack.uploads, pack.priceWei), (10, U256::from(7)));
    ok(&f, BOB, 14, &abi::buyUploadsCall { tokenId: U256::from(1), packs: 2 });

    ok(
        &f,
        OWNER,
        0,
        &abi::setPlanCall {
            planId: U256::from(4),
            quotaBytes: 1,
            uploadLimit: 2,
            priceWei: U256::from(3),
            active: false,
        },
    );
    assert_eq!(ok(&f, BOB, 0, &abi::planCountCall {}), U256::from(5));
    let plan = ok(&f, BOB, 0, &abi::planCall { planId: U256::from(4) });
    assert_eq!(
        (plan.quotaBytes, plan.uploadLimit, plan.priceWei, plan.active),
        (1, 2, U256::from(3), false)
    );
    assert!(!ok(&f, BOB, 0, &abi::freeMintUsedCall { account: BOB }));
    assert_eq!(ok(&f, BOB, 0, &abi::coreCall {}), CORE);

    f.host.set_balance(STOREFRONT, U256::from(99));
    ok(&f, OWNER, 0, &abi::withdrawCall { to: OWNER });
    ok(&f, OWNER, 0, &abi::transferOwnershipCall { newOwner: BOB });
    assert_eq!(ok(&f, BOB, 0, &abi::pendingOwnerCall {}), BOB);
    ok(&f, BOB, 0, &abi::acceptOwnershipCall {});
    assert_eq!(ok(&f, BOB, 0, &abi::ownerCall {}), BOB);
}

#[test]
fn the_test_above_calls_every_published_function() {
    let missing = uncalled(include_str!("router.rs"), abi::IPxStorefrontCalls::SIGNATURES);
    assert!(missing.is_empty(), "not called through the router: {missing:?}");
}

#[test]
fn only_the_buying_functions_take_value() {
    let f = Fixture::new();
    f.send(OWNER, 1);
    for calldata in [
        abi::planCountCall {}.abi_encode(),
        abi::setPlanCall {
            planId: U256::ZERO,
            quotaBytes: 1,
            uploadLimit: 1,
            priceWei: U256::ZERO,
            active: true,
        }
        .abi_encode(),
        abi::withdrawCall { to: OWNER }.abi_encode(),
    ] {
        assert_eq!(route::<PxStorefront>(&f.host, calldata), Err(Vec::new()));
    }
    // A payable function with the wrong value reaches its own check.
    let err = revert(&f, ALICE, 1, &abi::mintCall { planId: U256::from(1) });
    assert_eq!(
        err,
        IPxStorefrontErrors::IncorrectPayment(abi::IncorrectPayment {
            expectedWei: U256::from(PRICES[0]),
            receivedWei: U256::from(1),
        })
    );
}

#[test]
fn reverts_with_the_published_errors() {
    let f = Fixture::new();
    let err = revert(
        &f,
        ALICE,
        0,
        &abi::mintWithKeyCall {
            planId: U256::from(1),
            btnsKey: Bytes::new(),
            deadline: U256::from(T0 - 1),
            signature: Bytes::new(),
        },
    );
    assert_eq!(
        err,
        IPxStorefrontErrors::AuthorizationExpired(abi::AuthorizationExpired {
            deadline: U256::from(T0 - 1)
        })
    );
    let err = revert(&f, ALICE, 0, &abi::buyUploadsCall { tokenId: U256::from(1), packs: 1 });
    assert_eq!(err, IPxStorefrontErrors::UploadPacksUnavailable(abi::UploadPacksUnavailable {}));
    let err = revert(&f, ALICE, 0, &abi::withdrawCall { to: ALICE });
    assert_eq!(
        err,
        IPxStorefrontErrors::OwnableUnauthorizedAccount(abi::OwnableUnauthorizedAccount {
            account: ALICE
        })
    );
    // A core error passes through as the storefront's own ABI declares it.
    f.core_lacks(8);
    let err = revert(
        &f,
        ALICE,
        0,
        &abi::upgradeCall { tokenId: U256::from(8), newPlanId: U256::from(1) },
    );
    assert_eq!(
        err,
        IPxStorefrontErrors::ERC721NonexistentToken(abi::ERC721NonexistentToken {
            tokenId: U256::from(8)
        })
    );
}
