//! ERC-721: ownership, transfers, approvals, receivers, metadata, ERC-165.

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_sol_types::{SolCall, SolValue};

use super::{ALICE, BOB, CAROL, Fixture, STRANGER, ed25519_key};
use crate::{
    Approval, ApprovalForAll, ERC721IncorrectOwner, ERC721InsufficientApproval,
    ERC721InvalidApprover, ERC721InvalidOperator, ERC721InvalidOwner, ERC721InvalidReceiver,
    ERC721NonexistentToken, Error, RendererFailed, Transfer,
    admin::Administration,
    erc721::{Erc721, IERC721Receiver},
};

const RECEIVER: Address = alloy_primitives::address!("0x00000000000000000000000000000000000000cc");
const RENDERER: Address = alloy_primitives::address!("0x00000000000000000000000000000000000000dd");

fn minted() -> (Fixture, U256) {
    let mut f = Fixture::new();
    let id = f.mint(ALICE, &ed25519_key(1));
    f.vm.clear_mocks();
    (f, id)
}

#[test]
fn mints_sequential_ids_and_counts_balances() {
    let mut f = Fixture::new();
    assert_eq!(f.mint(ALICE, &[]), U256::from(1));
    assert_eq!(f.mint(ALICE, &[]), U256::from(2));
    assert_eq!(f.mint(BOB, &[]), U256::from(3));
    assert_eq!(f.nft.balance_of(ALICE).unwrap(), U256::from(2));
    assert_eq!(f.nft.balance_of(BOB).unwrap(), U256::from(1));
    assert_eq!(f.nft.owner_of(U256::from(3)).unwrap(), BOB);
    assert_eq!(f.nft.total_supply(), U256::from(3));
    let transfers = f.events::<Transfer>();
    assert_eq!(transfers.len(), 3);
    assert_eq!(transfers[2].from, Address::ZERO);
    assert_eq!(transfers[2].to, BOB);
}

#[test]
fn error_when_checking_balance_of_the_zero_address() {
    let f = Fixture::new();
    let err = f.nft.balance_of(Address::ZERO).unwrap_err();
    assert!(matches!(err, Error::InvalidOwner(ERC721InvalidOwner { owner }) if owner.is_zero()));
}

#[test]
fn error_when_asking_the_owner_of_a_token_never_minted() {
    let (f, _) = minted();
    for id in [U256::ZERO, U256::from(2), U256::MAX] {
        let err = f.nft.owner_of(id).unwrap_err();
        assert!(
            matches!(err, Error::NonexistentToken(ERC721NonexistentToken { tokenId }) if tokenId == id)
        );
    }
}

#[test]
fn transfers_by_the_owner() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    f.nft.transfer_from(ALICE, BOB, id).unwrap();
    assert_eq!(f.nft.owner_of(id).unwrap(), BOB);
    assert_eq!(f.nft.balance_of(ALICE).unwrap(), U256::ZERO);
    assert_eq!(f.nft.balance_of(BOB).unwrap(), U256::from(1));
    assert_eq!(f.events::<Transfer>(), vec![Transfer { from: ALICE, to: BOB, tokenId: id }]);
}

#[test]
fn transfers_by_the_approved_account_and_clears_the_approval() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    f.nft.approve(CAROL, id).unwrap();
    f.sender(CAROL);
    f.nft.transfer_from(ALICE, BOB, id).unwrap();
    assert_eq!(f.nft.owner_of(id).unwrap(), BOB);
    assert_eq!(f.nft.get_approved(id).unwrap(), Address::ZERO);
}

#[test]
fn transfers_by_an_operator() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    f.nft.set_approval_for_all(CAROL, true).unwrap();
    f.sender(CAROL);
    f.nft.transfer_from(ALICE, BOB, id).unwrap();
    assert_eq!(f.nft.owner_of(id).unwrap(), BOB);
}

#[test]
fn error_when_a_stranger_transfers() {
    let (mut f, id) = minted();
    f.sender(STRANGER);
    let err = f.nft.transfer_from(ALICE, STRANGER, id).unwrap_err();
    assert!(matches!(err,
        Error::InsufficientApproval(ERC721InsufficientApproval { operator, tokenId })
            if operator == STRANGER && tokenId == id));
    assert_eq!(f.nft.owner_of(id).unwrap(), ALICE);
}

#[test]
fn error_when_a_former_approval_is_used_after_a_transfer() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    f.nft.approve(CAROL, id).unwrap();
    f.nft.transfer_from(ALICE, BOB, id).unwrap();
    f.sender(CAROL);
    assert!(matches!(f.nft.transfer_from(BOB, CAROL, id), Err(Error::InsufficientApproval(_))));
}

#[test]
fn error_when_transferring_to_the_zero_address() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    let err = f.nft.transfer_from(ALICE, Address::ZERO, id).unwrap_err();
    assert!(
        matches!(err, Error::InvalidReceiver(ERC721InvalidReceiver { receiver }) if receiver.is_zero())
    );
}

#[test]
fn error_when_transferring_from_someone_else() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    let err = f.nft.transfer_from(BOB, CAROL, id).unwrap_err();
    assert!(matches!(err,
        Error::IncorrectOwner(ERC721IncorrectOwner { sender, tokenId, owner })
            if sender == BOB && tokenId == id && owner == ALICE));
}

#[test]
fn error_when_transferring_a_token_never_minted() {
    let (mut f, _) = minted();
    f.sender(ALICE);
    let err = f.nft.transfer_from(ALICE, BOB, U256::from(9)).unwrap_err();
    assert!(matches!(err, Error::NonexistentToken(_)));
}

fn on_received_call(operator: Address, from: Address, id: U256, data: &[u8]) -> Vec<u8> {
    IERC721Receiver::onERC721ReceivedCall {
        operator,
        from,
        tokenId: id,
        data: Bytes::copy_from_slice(data),
    }
    .abi_encode()
}

#[test]
fn safe_transfers_to_an_account_without_code() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    f.nft.safe_transfer_from(ALICE, BOB, id).unwrap();
    assert_eq!(f.nft.owner_of(id).unwrap(), BOB);
}

#[test]
fn safe_transfers_to_a_receiver_that_accepts_with_data() {
    let (mut f, id) = minted();
    f.vm.set_code(RECEIVER, vec![0xfe]);
    let accepted = FixedBytes::<4>(IERC721Receiver::onERC721ReceivedCall::SELECTOR).abi_encode();
    f.vm.mock_call(RECEIVER, on_received_call(ALICE, ALICE, id, b"hi"), U256::ZERO, Ok(accepted));
    f.sender(ALICE);
    f.nft.safe_transfer_from_with_data(ALICE, RECEIVER, id, Bytes::from_static(b"hi")).unwrap();
    assert_eq!(f.nft.owner_of(id).unwrap(), RECEIVER);
}

#[test]
fn error_when_a_receiver_answers_another_selector() {
    let (mut f, id) = minted();
    f.vm.set_code(RECEIVER, vec![0xfe]);
    let wrong = FixedBytes::<4>([0xde, 0xad, 0xbe, 0xef]).abi_encode();
    f.vm.mock_call(RECEIVER, on_received_call(ALICE, ALICE, id, &[]), U256::ZERO, Ok(wrong));
    f.sender(ALICE);
    let err = f.nft.safe_transfer_from(ALICE, RECEIVER, id).unwrap_err();
    assert!(
        matches!(err, Error::InvalidReceiver(ERC721InvalidReceiver { receiver }) if receiver == RECEIVER)
    );
}

#[test]
#[cfg_attr(
    feature = "export-abi",
    ignore = "raw revert data exists only outside the ABI export build (`Error::ReceiverReverted`); \
              `cargo test --workspace` unifies export-abi on, devnet/tests/cross_vm.rs checks the WASM"
)]
fn error_when_a_receiver_reverts_with_data_is_its_revert_data() {
    // OpenZeppelin bubbles the receiver's revert data (a reason or a custom error) unchanged.
    let (mut f, id) = minted();
    f.vm.set_code(RECEIVER, vec![0xfe]);
    f.vm.mock_call(RECEIVER, on_received_call(ALICE, ALICE, id, &[]), U256::ZERO, Err(vec![1, 2]));
    f.sender(ALICE);
    let err = f.nft.safe_transfer_from(ALICE, RECEIVER, id).unwrap_err();
    assert_eq!(Vec::<u8>::from(err), vec![1, 2]);
}

#[test]
fn error_when_a_receiver_reverts_without_data_is_invalid_receiver() {
    let (mut f, id) = minted();
    f.vm.set_code(RECEIVER, vec![0xfe]);
    f.vm.mock_call(RECEIVER, on_received_call(ALICE, ALICE, id, &[]), U256::ZERO, Err(vec![]));
    f.sender(ALICE);
    let err = f.nft.safe_transfer_from(ALICE, RECEIVER, id).unwrap_err();
    assert!(
        matches!(err, Error::InvalidReceiver(ERC721InvalidReceiver { receiver }) if receiver == RECEIVER)
    );
}

#[test]
fn error_when_a_receiver_answers_nothing() {
    let (mut f, id) = minted();
    f.vm.set_code(RECEIVER, vec![0xfe]);
    f.vm.mock_call(RECEIVER, on_received_call(ALICE, ALICE, id, &[]), U256::ZERO, Ok(vec![]));
    f.sender(ALICE);
    assert!(matches!(
        f.nft.safe_transfer_from(ALICE, RECEIVER, id),
        Err(Error::InvalidReceiver(_))
    ));
}

#[test]
fn approves_by_the_owner_and_by_an_operator() {
    let (mut f, id) = minted();
    f.sender(ALICE);
    f.nft.approve(BOB, id).unwrap();
    assert_eq!(f.nft.get_approved(id).unwrap(), BOB);
    f.nft.set_approval_for_all(CAROL, true).unwrap();
    f.sender(CAROL);
    f.nft.approve(CAROL, id).unwrap();
    assert_eq!(f.nft.get_approved(id).unwrap(), CAROL);
    let approvals = f.events::<Approval>();
    assert_eq!(approvals.last().unwrap(), &Approval { owner: ALICE, approved: CAROL, tokenId: id });
}

#[test]
fn error_when_a_stranger_approves() {
    let (mut f, id) = minted();
    f.sender(STRANGER);
    let err = f.nft.approve(STRANGER, id).unwrap_err();
    assert!(
        matches!(err, Error::InvalidApprover(ERC721InvalidApprover { approver }) if approver == STRANGER)
    );
    assert_eq!(f.nft.get_approved(id).unwrap(), Address::ZERO);
}

#[test]
fn error_when_approving_or_reading_the_approval_of_a_token_never_minted() {
    let (mut f, _) = minted();
    f.sender(ALICE);
    assert!(matches!(f.nft.approve(BOB, U256::from(5)), Err(Error::NonexistentToken(_))));
    assert!(matches!(f.nft.get_approved(U256::from(5)), Err(Error::NonexistentToken(_))));
}

#[test]
fn sets_and_revokes_an_operator() {
    let (mut f, _) = minted();
    f.sender(ALICE);
    f.nft.set_approval_for_all(BOB, true).unwrap();
    assert!(f.nft.is_approved_for_all(ALICE, BOB));
    f.nft.set_approval_for_all(BOB, false).unwrap();
    assert!(!f.nft.is_approved_for_all(ALICE, BOB));
    let events = f.events::<ApprovalForAll>();
    assert_eq!(events.len(), 2);
    assert!(!events[1].approved);
}

#[test]
fn error_when_the_operator_is_the_zero_address() {
    let (mut f, _) = minted();
    f.sender(ALICE);
    let err = f.nft.set_approval_for_all(Address::ZERO, true).unwrap_err();
    assert!(
        matches!(err, Error::InvalidOperator(ERC721InvalidOperator { operator }) if operator.is_zero())
    );
}

#[test]
fn names_itself() {
    let f = Fixture::new();
    assert_eq!(f.nft.name(), "PX Storage NFT");
    assert_eq!(f.nft.symbol(), "PXS");
}

#[test]
fn supports_erc165_erc721_metadata_and_erc4906_only() {
    let f = Fixture::new();
    for id in [0x01ff_c9a7u32, 0x80ac_58cd, 0x5b5e_139f, 0x4906_4906] {
        assert!(f.nft.supports_interface(FixedBytes(id.to_be_bytes())), "{id:#x}");
    }
    for id in [0xffff_ffffu32, 0x780e_9d63 /* enumerable */, 0] {
        assert!(!f.nft.supports_interface(FixedBytes(id.to_be_bytes())), "{id:#x}");
    }
}

#[test]
fn token_uri_is_empty_without_a_renderer() {
    let (f, id) = minted();
    assert_eq!(f.nft.token_uri(id).unwrap(), "");
}

#[test]
fn token_uri_comes_from_the_renderer() {
    let (mut f, id) = minted();
    f.sender(super::OWNER);
    f.nft.set_renderer(RENDERER).unwrap();
    let call = crate::renderer::tokenURICall { tokenId: id }.abi_encode();
    let uri = String::from("data:application/json;base64,e30=");
    f.vm.mock_static_call(RENDERER, call, Ok((uri.clone(),).abi_encode_params()));
    assert_eq!(f.nft.token_uri(id).unwrap(), uri);
}

#[test]
fn error_when_the_renderer_fails() {
    let (mut f, id) = minted();
    f.sender(super::OWNER);
    f.nft.set_renderer(RENDERER).unwrap();
    let call = crate::renderer::tokenURICall { tokenId: id }.abi_encode();
    f.vm.mock_static_call(RENDERER, call, Err(vec![]));
    let err = f.nft.token_uri(id).unwrap_err();
    assert!(
        matches!(err, Error::RendererFailed(RendererFailed { renderer }) if renderer == RENDERER)
    );
}

#[test]
fn error_when_rendering_a_token_never_minted() {
    let (f, _) = minted();
    assert!(matches!(f.nft.token_uri(U256::from(7)), Err(Error::NonexistentToken(_))));
}
