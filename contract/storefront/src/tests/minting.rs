//! `mint` and `mintWithKey`.

use alloy_primitives::{Address, Bytes, U256, uint};
use alloy_sol_types::{SolCall, SolError, SolInterface};
use k256::ecdsa::SigningKey;
use px_abi::{IPxStorageNft as core_abi, IPxStorefront::IPxStorefrontErrors};
use px_contract_testing::{CallKind, ECRECOVER};

use super::{ALICE, BOB, CORE, Fixture, GIB, MIB, OWNER, PRICES, T0, ed25519_key, registrar, sign};
use crate::{
    AuthorizationExpired, Error, FreeMintUsed, IncorrectPayment, InvalidAuthorization,
    PlanInactive, Purchased, UnknownPlan, plans::Plans, sales::Sales,
};

const DEADLINE: u64 = T0 + 600;
/// The order of secp256k1's group.
const N: U256 = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

fn payment(expected: u64, received: u64) -> Error {
    Error::IncorrectPayment(IncorrectPayment {
        expectedWei: U256::from(expected),
        receivedWei: U256::from(received),
    })
}

fn invalid(signer: Address) -> Error {
    Error::InvalidAuthorization(InvalidAuthorization { signer })
}

#[test]
fn mints_a_paid_plan_without_key() {
    let mut f = Fixture::new();
    f.core_mints(ALICE, GIB, 50, &[], 1);
    f.send(ALICE, PRICES[0]);
    assert_eq!(f.shop.mint(U256::from(1)), Ok(U256::from(1)));

    assert_eq!(f.shop.plan_of(U256::from(1)), U256::from(1));
    assert!(!f.shop.free_mint_used(ALICE));
    let minted = &f.core_writes()[0];
    assert_eq!(minted.value, U256::ZERO, "the storefront keeps the payment");
    let call = core_abi::mintToCall::abi_decode(&minted.data).unwrap();
    assert_eq!((call.to, call.quotaBytes, call.uploadLimit), (ALICE, GIB, 50));
    assert!(call.btnsKey.is_empty());
    let event = &f.events::<Purchased>()[0];
    assert_eq!(
        (event.tokenId, event.buyer, event.planId, event.paidWei),
        (U256::from(1), ALICE, U256::from(1), U256::from(PRICES[0]))
    );
}

#[test]
fn mints_each_plan_at_its_price() {
    let mut f = Fixture::new();
    let plans =
        [(1, GIB, 50, PRICES[0]), (2, 5 * GIB, 150, PRICES[1]), (3, 20 * GIB, 400, PRICES[2])];
    for (plan, quota, limit, price) in plans {
        let id = plan + 10;
        f.core_mints(BOB, quota, limit, &[], id);
        f.send(BOB, price);
        assert_eq!(f.shop.mint(U256::from(plan)), Ok(U256::from(id)));
        assert_eq!(f.shop.plan_of(U256::from(id)), U256::from(plan));
    }
}

#[test]
fn mints_the_free_plan_once_per_address() {
    let mut f = Fixture::new();
    f.core_mints(ALICE, 100 * MIB, 25, &[], 1);
    f.core_mints(BOB, 100 * MIB, 25, &[], 2);
    f.send(ALICE, 0);
    assert_eq!(f.shop.mint(U256::ZERO), Ok(U256::from(1)));
    assert!(f.shop.free_mint_used(ALICE));
    assert_eq!(f.shop.plan_of(U256::from(1)), U256::ZERO);

    f.host.clear_calls();
    assert_eq!(f.shop.mint(U256::ZERO), Err(Error::FreeMintUsed(FreeMintUsed { account: ALICE })));
    assert!(f.core_writes().is_empty());
    f.send(BOB, 0);
    assert_eq!(f.shop.mint(U256::ZERO), Ok(U256::from(2)));
}

#[test]
fn error_when_minting_any_free_plan_after_the_free_token() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_plan(U256::from(4), 10 * MIB, 5, U256::ZERO, true).unwrap();
    f.core_mints(ALICE, 100 * MIB, 25, &[], 1);
    f.send(ALICE, 0);
    f.shop.mint(U256::ZERO).unwrap();
    assert_eq!(
        f.shop.mint(U256::from(4)),
        Err(Error::FreeMintUsed(FreeMintUsed { account: ALICE }))
    );
}

#[test]
fn error_when_minting_with_the_wrong_price() {
    let mut f = Fixture::new();
    for (value, plan, expected) in
        [(PRICES[0] - 1, 1, PRICES[0]), (PRICES[0] + 1, 1, PRICES[0]), (0, 3, PRICES[2]), (1, 0, 0)]
    {
        f.send(ALICE, value);
        assert_eq!(f.shop.mint(U256::from(plan)), Err(payment(expected, value)));
    }
    assert!(f.host.calls().is_empty());
    assert!(f.host.slots_written().is_empty());
}

#[test]
fn error_when_minting_an_unknown_plan() {
    let mut f = Fixture::new();
    f.send(ALICE, 0);
    assert_eq!(
        f.shop.mint(U256::from(4)),
        Err(Error::UnknownPlan(UnknownPlan { planId: U256::from(4) }))
    );
}

#[test]
fn error_when_minting_an_inactive_plan() {
    let mut f = Fixture::new();
    f.send(OWNER, 0);
    f.shop.set_plan(U256::from(2), 5 * GIB, 150, U256::from(PRICES[1]), false).unwrap();
    f.send(ALICE, PRICES[1]);
    assert_eq!(
        f.shop.mint(U256::from(2)),
        Err(Error::PlanInactive(PlanInactive { planId: U256::from(2) }))
    );
}

#[test]
fn error_when_minting_while_the_core_is_paused() {
    let mut f = Fixture::new();
    let paused = core_abi::EnforcedPause {}.abi_encode();
    f.core_rejects_mint(ALICE, GIB, 50, &[], paused.clone());
    f.send(ALICE, PRICES[0]);
    let err = f.shop.mint(U256::from(1)).unwrap_err();
    assert_eq!(err, Error::Core(paused.clone()));
    // Passed through unchanged: the storefront's own ABI decodes it.
    let data: Vec<u8> = err.into();
    assert_eq!(data, paused);
    assert!(matches!(
        IPxStorefrontErrors::abi_decode(&data).unwrap(),
        IPxStorefrontErrors::EnforcedPause(_)
    ));
}

#[test]
fn mints_with_a_registrar_authorization() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    f.core_mints(ALICE, GIB, 50, &key, 7);
    let signature = Fixture::authorize(ALICE, 1, &key, DEADLINE);
    f.send(ALICE, PRICES[0]);
    let minted =
        f.shop.mint_with_key(U256::from(1), key.clone().into(), U256::from(DEADLINE), signature);
    assert_eq!(minted, Ok(U256::from(7)));

    assert_eq!(f.shop.plan_of(U256::from(7)), U256::from(1));
    let call = core_abi::mintToCall::abi_decode(&f.core_writes()[0].data).unwrap();
    assert_eq!(call.btnsKey, Bytes::from(key));
    // The registrar came from the core's roles, the signer from the precompile.
    let calls = f.host.calls();
    assert!(calls.iter().any(|c| c.to == ECRECOVER && c.kind == CallKind::Static));
    assert!(calls.iter().any(|c| c.data == core_abi::rolesCall {}.abi_encode()));
    assert_eq!(f.events::<Purchased>()[0].tokenId, U256::from(7));
}

#[test]
fn mints_with_key_at_the_deadline() {
    let mut f = Fixture::new();
    let key = ed25519_key(2);
    f.core_mints(ALICE, 100 * MIB, 25, &key, 3);
    f.host.set_block_timestamp(DEADLINE);
    let signature = Fixture::authorize(ALICE, 0, &key, DEADLINE);
    f.send(ALICE, 0);
    let minted = f.shop.mint_with_key(U256::ZERO, key.into(), U256::from(DEADLINE), signature);
    assert_eq!(minted, Ok(U256::from(3)));
    assert!(f.shop.free_mint_used(ALICE), "a free mint with a key is the free mint");
    assert_eq!(f.shop.mint(U256::ZERO), Err(Error::FreeMintUsed(FreeMintUsed { account: ALICE })));
}

#[test]
fn error_when_minting_with_an_expired_authorization() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    f.host.set_block_timestamp(DEADLINE + 1);
    let signature = Fixture::authorize(ALICE, 1, &key, DEADLINE);
    f.send(ALICE, PRICES[0]);
    let err = f.shop.mint_with_key(U256::from(1), key.into(), U256::from(DEADLINE), signature);
    assert_eq!(
        err,
        Err(Error::AuthorizationExpired(AuthorizationExpired { deadline: U256::from(DEADLINE) }))
    );
    assert!(f.host.calls().is_empty());
}

#[test]
fn error_when_minting_with_a_foreign_signature() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    let stranger = SigningKey::from_slice(&[0x22; 32]).unwrap();
    let signature = sign(&stranger, ALICE, 1, &key, DEADLINE);
    f.send(ALICE, PRICES[0]);
    let err = f.shop.mint_with_key(U256::from(1), key.into(), U256::from(DEADLINE), signature);
    assert_eq!(err, Err(invalid(Address::from_private_key(&stranger))));
    assert!(f.core_writes().is_empty());
    assert!(f.host.slots_written().is_empty());
}

#[test]
fn error_when_minting_with_an_authorization_for_other_terms() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    let registrar = registrar().1;
    // Each field is signed: another minter, plan, key or deadline recovers another signer.
    let cases = [
        (Fixture::authorize(BOB, 1, &key, DEADLINE), 1, key.clone(), DEADLINE),
        (Fixture::authorize(ALICE, 2, &key, DEADLINE), 1, key.clone(), DEADLINE),
        (Fixture::authorize(ALICE, 1, &ed25519_key(9), DEADLINE), 1, key.clone(), DEADLINE),
        (Fixture::authorize(ALICE, 1, &key, DEADLINE + 1), 1, key.clone(), DEADLINE),
    ];
    for (signature, plan, key, deadline) in cases {
        f.send(ALICE, PRICES[0]);
        let err = f
            .shop
            .mint_with_key(U256::from(plan), key.into(), U256::from(deadline), signature)
            .unwrap_err();
        let Error::InvalidAuthorization(InvalidAuthorization { signer }) = err else {
            panic!("{err:?}");
        };
        assert!(!signer.is_zero() && signer != registrar);
    }
    assert!(f.core_writes().is_empty());
}

#[test]
fn error_when_minting_with_a_malformed_signature() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    let good = Fixture::authorize(ALICE, 1, &key, DEADLINE).to_vec();
    // The malleable twin (n - s, other parity) recovers the registrar on the EVM; low-s rejects it.
    let mut twin = good.clone();
    let s = U256::from_be_slice(&good[32..64]);
    twin[32..64].copy_from_slice(&(N - s).to_be_bytes::<32>());
    twin[64] = if good[64] == 27 { 28 } else { 27 };
    let mut bad_v = good.clone();
    bad_v[64] = 1;
    for signature in [good[..64].to_vec(), [good.clone(), vec![0]].concat(), twin, bad_v, vec![]] {
        f.send(ALICE, PRICES[0]);
        let err = f.shop.mint_with_key(
            U256::from(1),
            key.clone().into(),
            U256::from(DEADLINE),
            signature.into(),
        );
        assert_eq!(err, Err(invalid(Address::ZERO)));
    }
}

#[test]
fn error_when_minting_with_key_and_no_registrar() {
    let mut f = Fixture::new();
    f.host.mock_static_call(
        CORE,
        core_abi::rolesCall {}.abi_encode(),
        Ok(core_abi::rolesCall::abi_encode_returns(&core_abi::rolesReturn {
            minter: super::STOREFRONT,
            registrar: Address::ZERO,
            syncer: Address::ZERO,
            renderer: Address::ZERO,
        })),
    );
    let key = ed25519_key(1);
    let signature = Fixture::authorize(ALICE, 1, &key, DEADLINE);
    f.send(ALICE, PRICES[0]);
    let err = f.shop.mint_with_key(U256::from(1), key.into(), U256::from(DEADLINE), signature);
    assert_eq!(err, Err(invalid(registrar().1)));
}

#[test]
fn error_when_replaying_an_authorization() {
    let mut f = Fixture::new();
    let key = ed25519_key(1);
    let signature = Fixture::authorize(ALICE, 1, &key, DEADLINE);
    // The first use registered the key; the core refuses it a second time.
    let taken = core_abi::BtnsKeyAlreadyRegistered { tokenId: U256::from(7) }.abi_encode();
    f.core_rejects_mint(ALICE, GIB, 50, &key, taken.clone());
    f.send(ALICE, PRICES[0]);
    let err = f.shop.mint_with_key(U256::from(1), key.into(), U256::from(DEADLINE), signature);
    assert_eq!(err, Err(Error::Core(taken)));
}

#[test]
fn error_when_the_core_answers_nothing() {
    // Not the core at that address (an account without code answers nothing).
    let mut f = Fixture::new();
    f.send(ALICE, PRICES[0]);
    assert_eq!(f.shop.mint(U256::from(1)), Err(Error::Core(Vec::new())));
}
