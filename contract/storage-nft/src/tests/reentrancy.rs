//! A receiver that calls back into the token during `safeTransferFrom`, as marketplaces do.
//!
//! The market is code standing in for a contract (`CallHost::on_call`): when the token calls
//! `onERC721Received`, the market calls the token again (a second program instance on the same
//! storage, with the market as sender), then answers the ERC-721 selector. The outer call must
//! find the state the inner call left. That the WASM's entrypoint lets the reentrant call in
//! (the `reentrant` feature) is checked on the local chain, where the real program runs
//! (`devnet/tests/cross_vm.rs`).

use std::rc::Rc;

use alloy_primitives::{Address, FixedBytes, U256, address};
use alloy_sol_types::{SolCall, SolValue};
use px_contract_testing::{CallHost, Handler};

use super::{ALICE, BOB, CAROL, MINTER, OWNER, ed25519_key};
use crate::{
    Error, PxStorageNft, Transfer,
    admin::Administration,
    erc721::{Erc721, IERC721Receiver},
};

const MARKET: Address = address!("0x00000000000000000000000000000000000000ac");

fn accepted() -> Vec<u8> {
    FixedBytes::<4>(IERC721Receiver::onERC721ReceivedCall::SELECTOR).abi_encode()
}

/// Runs `act` as the market, on the token's state, the way its contract would.
fn market(act: impl Fn(&mut PxStorageNft) -> Result<Vec<u8>, Vec<u8>> + 'static) -> Handler {
    Rc::new(move |host: &CallHost, _calldata: &[u8]| {
        let caller = stylus_sdk::prelude::MessageAccess::msg_sender(&**host);
        host.set_sender(MARKET);
        let answer = act(&mut PxStorageNft::from(host));
        host.set_sender(caller);
        answer
    })
}

/// Token 1 owned by ALICE (and token 2 by BOB) on a host where the market runs `handler`.
fn with_market(handler: Handler) -> (CallHost, PxStorageNft, U256) {
    let host = CallHost::new();
    let mut nft = PxStorageNft::from(&host);
    host.set_sender(OWNER);
    nft.constructor(OWNER).unwrap();
    nft.set_minter(MINTER).unwrap();
    host.set_sender(MINTER);
    let id = nft.mint_to(ALICE, 1 << 30, 50, ed25519_key(1).into()).unwrap();
    nft.mint_to(BOB, 1 << 30, 50, alloy_primitives::Bytes::new()).unwrap();
    host.set_code(MARKET, vec![0xfe]);
    host.on_call(MARKET, handler);
    host.clear_mocks(); // forget the set-up's logs
    (host, nft, id)
}

#[test]
fn a_receiver_that_resells_during_the_callback_leaves_consistent_state() {
    let (host, mut nft, id) = with_market(market(|token| {
        // The market sees itself as owner already (effects before the interaction) and
        // passes the token on to the buyer.
        assert_eq!(token.owner_of(U256::from(1)).unwrap(), MARKET);
        token.transfer_from(MARKET, CAROL, U256::from(1)).map_err(Vec::from)?;
        Ok(accepted())
    }));
    host.set_sender(ALICE);
    nft.safe_transfer_from(ALICE, MARKET, id).unwrap();

    assert_eq!(nft.owner_of(id).unwrap(), CAROL);
    assert_eq!(nft.balance_of(ALICE).unwrap(), U256::ZERO);
    assert_eq!(nft.balance_of(MARKET).unwrap(), U256::ZERO);
    assert_eq!(nft.balance_of(CAROL).unwrap(), U256::from(1));
    assert_eq!(
        host.events::<Transfer>(),
        vec![
            Transfer { from: ALICE, to: MARKET, tokenId: id },
            Transfer { from: MARKET, to: CAROL, tokenId: id },
        ]
    );
}

#[test]
fn error_when_a_receiver_calls_back_and_then_rejects() {
    let (host, mut nft, id) = with_market(market(|token| {
        let _ = token.balance_of(MARKET);
        Ok(FixedBytes::<4>([0, 0, 0, 0]).abi_encode())
    }));
    host.set_sender(ALICE);
    assert!(matches!(nft.safe_transfer_from(ALICE, MARKET, id), Err(Error::InvalidReceiver(_))));
}

#[test]
fn a_reentrant_transfer_of_someone_elses_token_is_refused() {
    // While holding token 1 for a moment, the market tries to move BOB's token 2.
    let (host, mut nft, id) =
        with_market(market(|token| match token.transfer_from(BOB, MARKET, U256::from(2)) {
            Err(Error::InsufficientApproval(_)) => Ok(accepted()),
            other => panic!("the market moved a token it may not: {other:?}"),
        }));
    host.set_sender(ALICE);
    nft.safe_transfer_from(ALICE, MARKET, id).unwrap();
    assert_eq!(nft.owner_of(U256::from(2)).unwrap(), BOB);
}
