//! The program through its ABI router, with calldata from the published bindings (`px-abi`):
//! every function of `IPxStorageNft.sol` is called once by its selector, and reverts decode
//! into the published errors.

use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolInterface};
use px_abi::IPxStorageNft::{self as abi, IPxStorageNftErrors};
use stylus_sdk::{ArbResult, host::VM, testing::TestVM};

use super::{ALICE, BOB, CAROL, Fixture, MINTER, OWNER, REGISTRAR, SYNCER, ed25519_key};
use crate::PxStorageNft;

fn route(vm: &TestVM, sender: Address, calldata: Vec<u8>) -> ArbResult {
    vm.set_sender(sender);
    stylus_sdk::abi::router_entrypoint::<PxStorageNft, PxStorageNft>(
        calldata,
        VM { host: Box::new(vm.clone()) },
    )
}

/// Calls `call` as `sender` and decodes its return value.
fn ok<C: SolCall>(vm: &TestVM, sender: Address, call: &C) -> C::Return {
    let output = route(vm, sender, call.abi_encode())
        .unwrap_or_else(|e| panic!("{} reverted: {e:02x?}", C::SIGNATURE));
    C::abi_decode_returns(&output).unwrap()
}

/// Calls `call` as `sender`, expecting a revert with one of the published errors.
fn revert<C: SolCall>(vm: &TestVM, sender: Address, call: &C) -> IPxStorageNftErrors {
    let data = route(vm, sender, call.abi_encode()).expect_err(C::SIGNATURE);
    IPxStorageNftErrors::abi_decode(&data).unwrap()
}

#[test]
fn every_function_answers_at_its_published_selector() {
    let f = Fixture::new();
    let vm = &f.vm;
    let key = Bytes::from(ed25519_key(4));

    let id = ok(
        vm,
        MINTER,
        &abi::mintToCall { to: ALICE, quotaBytes: 100, uploadLimit: 2, btnsKey: key.clone() },
    );
    assert_eq!(id, U256::from(1));
    let keyless = ok(
        vm,
        MINTER,
        &abi::mintToCall { to: ALICE, quotaBytes: 100, uploadLimit: 2, btnsKey: Bytes::new() },
    );
    ok(vm, MINTER, &abi::setQuotaCall { tokenId: id, quotaBytes: 200, uploadLimit: 3 });
    ok(
        vm,
        REGISTRAR,
        &abi::registerBtnsKeyCall { tokenId: keyless, btnsKey: ed25519_key(5).into() },
    );
    assert_eq!(ok(vm, ALICE, &abi::btnsKeyOfCall { tokenId: id }), key);
    assert_eq!(ok(vm, ALICE, &abi::tokenOfBtnsKeyCall { btnsKey: key }), id);

    assert_eq!(ok(vm, BOB, &abi::balanceOfCall { owner: ALICE }), U256::from(2));
    assert_eq!(ok(vm, BOB, &abi::ownerOfCall { tokenId: id }), ALICE);
    assert_eq!(ok(vm, BOB, &abi::totalSupplyCall {}), U256::from(2));
    assert_eq!(ok(vm, BOB, &abi::nameCall {}), "PX Storage NFT");
    assert_eq!(ok(vm, BOB, &abi::symbolCall {}), "PXS");
    assert_eq!(ok(vm, BOB, &abi::tokenURICall { tokenId: id }), "");
    assert!(ok(
        vm,
        BOB,
        &abi::supportsInterfaceCall { interfaceId: FixedBytes([0x80, 0xac, 0x58, 0xcd]) }
    ));

    ok(vm, ALICE, &abi::approveCall { to: BOB, tokenId: id });
    assert_eq!(ok(vm, BOB, &abi::getApprovedCall { tokenId: id }), BOB);
    ok(vm, ALICE, &abi::setApprovalForAllCall { operator: CAROL, approved: true });
    assert!(ok(vm, BOB, &abi::isApprovedForAllCall { owner: ALICE, operator: CAROL }));
    ok(vm, BOB, &abi::transferFromCall { from: ALICE, to: BOB, tokenId: id });
    ok(vm, BOB, &abi::safeTransferFrom_0Call { from: BOB, to: CAROL, tokenId: id });
    ok(
        vm,
        CAROL,
        &abi::safeTransferFrom_1Call {
            from: CAROL,
            to: ALICE,
            tokenId: id,
            data: Bytes::from_static(b"x"),
        },
    );
    assert_eq!(ok(vm, BOB, &abi::ownerOfCall { tokenId: id }), ALICE);

    ok(
        vm,
        SYNCER,
        &abi::applyUsageCall {
            tokenId: id,
            sequence: 1,
            usedBytes: 50,
            uploadCount: 1,
            metadataDigest: B256::repeat_byte(3),
        },
    );
    let context = ok(vm, BOB, &abi::syncContextCall { tokenId: id, account: ALICE });
    assert!(context.authorized && context.syncSequence == 1);
    let usage = ok(vm, BOB, &abi::usageOfCall { tokenId: id });
    assert_eq!((usage.quotaBytes, usage.usedBytes, usage.syncSequence), (200, 50, 1));
    assert_eq!(usage.metadataDigest, B256::repeat_byte(3));
    assert!(ok(vm, BOB, &abi::uploadAllowedCall { tokenId: id, additionalBytes: 150 }));
    let gate = ok(vm, BOB, &abi::canUploadCall { tokenId: id, additionalBytes: 151 });
    assert!(!gate.allowed && gate.quotaExceeded && !gate.syncOverdue);

    ok(vm, OWNER, &abi::setSyncWindowCall { window: 3600 });
    assert_eq!(ok(vm, BOB, &abi::syncWindowCall {}), 3600);
    ok(vm, OWNER, &abi::setMinterCall { minter: MINTER });
    ok(vm, OWNER, &abi::setRegistrarCall { registrar: REGISTRAR });
    ok(vm, OWNER, &abi::setSyncerCall { syncer: SYNCER });
    ok(vm, OWNER, &abi::setRendererCall { renderer: Address::ZERO });
    let roles = ok(vm, BOB, &abi::rolesCall {});
    assert_eq!((roles.minter, roles.registrar, roles.syncer), (MINTER, REGISTRAR, SYNCER));
    ok(vm, OWNER, &abi::pauseCall {});
    assert!(ok(vm, BOB, &abi::pausedCall {}));
    ok(vm, OWNER, &abi::unpauseCall {});
    ok(vm, OWNER, &abi::transferOwnershipCall { newOwner: BOB });
    assert_eq!(ok(vm, BOB, &abi::pendingOwnerCall {}), BOB);
    ok(vm, BOB, &abi::acceptOwnershipCall {});
    assert_eq!(ok(vm, BOB, &abi::ownerCall {}), BOB);
}

#[test]
fn the_test_above_calls_every_published_function() {
    // Keeps the test above honest when the interface grows.
    let source = include_str!("router.rs");
    let missing: Vec<_> = abi::IPxStorageNftCalls::SELECTORS
        .iter()
        .zip(abi::IPxStorageNftCalls::SIGNATURES)
        .filter(|(_, signature)| {
            let name = signature.split('(').next().unwrap();
            !source.contains(&format!("abi::{name}Call"))
                && !source.contains(&format!("abi::{name}_"))
        })
        .map(|(_, signature)| *signature)
        .collect();
    assert!(missing.is_empty(), "not called through the router: {missing:?}");
}

#[test]
fn reverts_with_the_published_errors() {
    let f = Fixture::new();
    let vm = &f.vm;
    let err = revert(vm, BOB, &abi::ownerOfCall { tokenId: U256::from(9) });
    assert_eq!(
        err,
        IPxStorageNftErrors::ERC721NonexistentToken(abi::ERC721NonexistentToken {
            tokenId: U256::from(9)
        })
    );
    let err = revert(
        vm,
        BOB,
        &abi::mintToCall { to: BOB, quotaBytes: 1, uploadLimit: 1, btnsKey: Bytes::new() },
    );
    assert!(
        matches!(err, IPxStorageNftErrors::AccessControlUnauthorizedAccount(e) if e.account == BOB)
    );
    let err = revert(vm, BOB, &abi::pauseCall {});
    assert!(matches!(err, IPxStorageNftErrors::OwnableUnauthorizedAccount(_)));
}

#[test]
fn error_when_the_selector_is_unknown() {
    let f = Fixture::new();
    assert_eq!(route(&f.vm, BOB, vec![0xde, 0xad, 0xbe, 0xef]), Err(vec![]));
    assert_eq!(route(&f.vm, BOB, vec![]), Err(vec![]));
}

#[test]
fn error_when_value_is_sent_to_a_non_payable_function() {
    let f = Fixture::new();
    f.vm.set_value(U256::from(1));
    assert!(route(&f.vm, BOB, abi::totalSupplyCall {}.abi_encode()).is_err());
}
