//! The core program's compiled WASM (`target/stylus/px_storage_nft.wasm`), deployed through
//! `StylusDeployer` as cargo-stylus does and exercised through its ABI: the native tests'
//! scenarios, now on the artifact users deploy. Reverts are checked by their exact custom-error
//! data, events as mined logs.

mod common;

use alloy::sol_types::{SolCall, SolError, SolEvent};
use common::{Core, GIB, key};
use px_abi::IPxStorageNft as Nft;
use px_devnet::{
    chain::{Chain, TxRequest},
    system::abi::ArbWasm,
};
use revm::primitives::{Address, Bytes, U256};

#[test]
fn mints_sequential_ids_and_counts_balances() {
    let mut c = Core::new();
    assert_eq!(c.mint(c.alice, &key(1)), U256::from(1));
    assert_eq!(c.mint(c.alice, &[]), U256::from(2));
    assert_eq!(c.mint(c.bob, &key(2)), U256::from(3));
    assert_eq!(c.view(&Nft::balanceOfCall { owner: c.alice }), U256::from(2));
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: U256::from(3) }), c.bob);
    assert_eq!(c.view(&Nft::totalSupplyCall {}), U256::from(3));
    assert_eq!(c.view(&Nft::btnsKeyOfCall { tokenId: U256::from(3) }), Bytes::from(key(2)));
}

#[test]
fn mint_emits_transfer_from_zero_as_a_log() {
    let mut c = Core::new();
    let mint =
        Nft::mintToCall { to: c.alice, quotaBytes: GIB, uploadLimit: 50, btnsKey: key(1).into() };
    let receipt = c.send(c.minter, &mint);
    receipt.expect_success();
    let transfers: Vec<_> = receipt
        .logs
        .iter()
        .filter(|l| l.address == c.nft)
        .filter_map(|l| Nft::Transfer::decode_log(l).ok())
        .map(|l| l.data)
        .collect();
    assert_eq!(
        transfers,
        vec![Nft::Transfer { from: Address::ZERO, to: c.alice, tokenId: U256::from(1) }]
    );
    assert_eq!(receipt.logs[0].topics()[0], Nft::Transfer::SIGNATURE_HASH);
}

#[test]
fn error_when_a_stranger_mints() {
    let mut c = Core::new();
    let mint =
        Nft::mintToCall { to: c.alice, quotaBytes: GIB, uploadLimit: 50, btnsKey: Bytes::new() };
    let receipt = c.send(c.stranger, &mint);
    assert!(!receipt.success, "mined with status 0");
    let err =
        Nft::AccessControlUnauthorizedAccount::abi_decode(&receipt.output).expect("custom error");
    assert_eq!(err.account, c.stranger);
    assert!(receipt.logs.is_empty());
    assert_eq!(c.view(&Nft::totalSupplyCall {}), U256::ZERO, "nothing was written");
}

#[test]
fn error_when_asking_the_owner_of_a_token_never_minted() {
    let mut c = Core::new();
    c.mint(c.alice, &[]);
    for id in [U256::ZERO, U256::from(2), U256::MAX] {
        let out = c.call(&Nft::ownerOfCall { tokenId: id });
        assert!(!out.success);
        assert_eq!(
            out.output,
            Bytes::from(Nft::ERC721NonexistentToken { tokenId: id }.abi_encode())
        );
    }
}

#[test]
fn transfers_by_the_owner() {
    let mut c = Core::new();
    let id = c.mint(c.alice, &key(1));
    let receipt = c.send(c.alice, &Nft::transferFromCall { from: c.alice, to: c.bob, tokenId: id });
    receipt.expect_success();
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), c.bob);
    assert_eq!(c.view(&Nft::balanceOfCall { owner: c.alice }), U256::ZERO);
    let event = Nft::Transfer::decode_log(&receipt.logs[0]).unwrap().data;
    assert_eq!(event, Nft::Transfer { from: c.alice, to: c.bob, tokenId: id });
}

#[test]
fn error_when_a_stranger_transfers() {
    let mut c = Core::new();
    let id = c.mint(c.alice, &[]);
    let receipt =
        c.send(c.stranger, &Nft::transferFromCall { from: c.alice, to: c.stranger, tokenId: id });
    assert!(!receipt.success);
    let expected = Nft::ERC721InsufficientApproval { operator: c.stranger, tokenId: id };
    assert_eq!(receipt.output, Bytes::from(expected.abi_encode()));
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), c.alice);
}

#[test]
fn error_when_transferring_from_someone_else() {
    let mut c = Core::new();
    let id = c.mint(c.alice, &[]);
    let receipt = c.send(c.alice, &Nft::transferFromCall { from: c.bob, to: c.carol, tokenId: id });
    let expected = Nft::ERC721IncorrectOwner { sender: c.bob, tokenId: id, owner: c.alice };
    assert_eq!(receipt.output, Bytes::from(expected.abi_encode()));
}

#[test]
fn transfers_by_the_approved_account_and_clears_the_approval() {
    let mut c = Core::new();
    let id = c.mint(c.alice, &[]);
    let approve = c.send(c.alice, &Nft::approveCall { to: c.carol, tokenId: id });
    approve.expect_success();
    let event = Nft::Approval::decode_log(&approve.logs[0]).unwrap().data;
    assert_eq!(event, Nft::Approval { owner: c.alice, approved: c.carol, tokenId: id });
    assert_eq!(c.view(&Nft::getApprovedCall { tokenId: id }), c.carol);
    c.send(c.carol, &Nft::transferFromCall { from: c.alice, to: c.bob, tokenId: id })
        .expect_success();
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), c.bob);
    assert_eq!(c.view(&Nft::getApprovedCall { tokenId: id }), Address::ZERO);
}

#[test]
fn error_when_a_stranger_approves() {
    let mut c = Core::new();
    let id = c.mint(c.alice, &[]);
    let receipt = c.send(c.stranger, &Nft::approveCall { to: c.stranger, tokenId: id });
    let expected = Nft::ERC721InvalidApprover { approver: c.stranger };
    assert_eq!(receipt.output, Bytes::from(expected.abi_encode()));
    assert_eq!(c.view(&Nft::getApprovedCall { tokenId: id }), Address::ZERO);
}

#[test]
fn sets_and_revokes_an_operator() {
    let mut c = Core::new();
    c.mint(c.alice, &[]);
    let set = c.send(c.alice, &Nft::setApprovalForAllCall { operator: c.bob, approved: true });
    set.expect_success();
    let event = Nft::ApprovalForAll::decode_log(&set.logs[0]).unwrap().data;
    assert_eq!(event, Nft::ApprovalForAll { owner: c.alice, operator: c.bob, approved: true });
    assert!(c.view(&Nft::isApprovedForAllCall { owner: c.alice, operator: c.bob }));
    c.send(c.alice, &Nft::setApprovalForAllCall { operator: c.bob, approved: false })
        .expect_success();
    assert!(!c.view(&Nft::isApprovedForAllCall { owner: c.alice, operator: c.bob }));
}

#[test]
fn error_when_the_operator_is_the_zero_address() {
    let mut c = Core::new();
    let receipt =
        c.send(c.alice, &Nft::setApprovalForAllCall { operator: Address::ZERO, approved: true });
    let expected = Nft::ERC721InvalidOperator { operator: Address::ZERO };
    assert_eq!(receipt.output, Bytes::from(expected.abi_encode()));
}

#[test]
fn answers_metadata_and_interfaces() {
    let c = Core::new();
    assert!(!c.view(&Nft::nameCall {}).is_empty());
    assert!(
        c.view(&Nft::supportsInterfaceCall { interfaceId: [0x80, 0xac, 0x58, 0xcd].into() }),
        "ERC-721"
    );
    assert!(!c.view(&Nft::supportsInterfaceCall { interfaceId: [0xff; 4].into() }));
    assert_eq!(c.view(&Nft::ownerCall {}), c.owner);
}

#[test]
fn error_when_the_selector_is_unknown() {
    let c = Core::new();
    let out =
        c.chain.call(&TxRequest::call(c.alice, c.nft, vec![0xde, 0xad, 0xbe, 0xef]), None).unwrap();
    assert!(!out.success);
    assert!(out.output.is_empty());
}

#[test]
fn error_when_value_is_sent_to_a_non_payable_function() {
    let c = Core::new();
    let req = TxRequest::call(c.alice, c.nft, Nft::totalSupplyCall {}.abi_encode())
        .with_value(U256::from(1));
    assert!(!c.chain.call(&req, None).unwrap().success);
}

#[test]
fn the_constructor_runs_only_once() {
    let mut c = Core::new();
    let mut data = px_devnet::chain::constructor_selector().to_vec();
    data.extend_from_slice(&alloy::sol_types::SolValue::abi_encode(&c.stranger));
    let receipt = c.chain.send(TxRequest::call(c.stranger, c.nft, data)).unwrap();
    assert!(!receipt.success);
    assert_eq!(c.view(&Nft::ownerCall {}), c.owner);
}

#[test]
fn error_when_calling_an_unactivated_program() {
    let mut chain = Chain::default();
    let from = chain.dev_accounts()[1];
    let wasm = common::stylus_wasm("px_storage_nft");
    let nft = chain.deploy_stylus_unactivated(from, &wasm).unwrap();
    let out = chain
        .call(&TxRequest::call(from, nft, Nft::totalSupplyCall {}.abi_encode()), None)
        .unwrap();
    assert!(!out.success);
    assert_eq!(out.output, Bytes::from(ArbWasm::ProgramNotActivated {}.abi_encode()));
}

#[test]
fn a_second_deployment_of_the_same_code_is_already_active() {
    let mut c = Core::new();
    let wasm = common::stylus_wasm("px_storage_nft");
    let second = c.chain.deploy_stylus_unactivated(c.owner, &wasm).unwrap();
    // No activation: the code hash is active, so the constructor path is usable at once.
    let mut data = px_devnet::chain::constructor_selector().to_vec();
    data.extend_from_slice(&alloy::sol_types::SolValue::abi_encode(&c.owner));
    c.chain.send(TxRequest::call(c.owner, second, data)).unwrap().expect_success();
    let out = c
        .chain
        .call(&TxRequest::call(c.owner, second, Nft::ownerCall {}.abi_encode()), None)
        .unwrap();
    assert_eq!(Nft::ownerCall::abi_decode_returns(&out.output).unwrap(), c.owner);
}
