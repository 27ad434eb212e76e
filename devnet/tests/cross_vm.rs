//! Calls across the VMs on one state: the core's WASM calling Solidity receivers and
//! renderers that call back into it, Solidity calling the WASM that calls Solidity that calls
//! the WASM again, with reverts rolling back every VM's writes.

mod common;

use alloy::sol_types::{SolError, SolValue};
use common::{Core, deploy_evm, fixture, key, view};
use px_abi::IPxStorageNft as Nft;
use revm::primitives::{Address, Bytes, U256};

alloy::sol! {
    interface CallbackReceiver {
        error Refused(uint256 tokenId);
        function seenOwner() external view returns (address);
        function seenBalance() external view returns (uint256);
        function calls() external view returns (uint256);
    }
    interface Relay {
        function forward(address nft, address to, uint256 tokenId, bytes calldata data) external;
    }
    interface WritingRenderer {
        function writes() external view returns (uint256);
    }
}

/// Alice moves `id` to `to` with `safeTransferFrom(alice, to, id, data)`.
fn safe_transfer(c: &mut Core, to: Address, id: U256, data: &[u8]) -> px_devnet::chain::Receipt {
    let from = c.alice;
    let call =
        Nft::safeTransferFrom_1Call { from, to, tokenId: id, data: Bytes::copy_from_slice(data) };
    c.send(from, &call)
}

#[test]
fn safe_transfer_pays_an_evm_receiver_that_calls_back() {
    let mut c = Core::new();
    let receiver = deploy_evm(&mut c.chain, c.owner, fixture("CallbackReceiver"), &[]);
    let id = c.mint(c.alice, &key(1));
    safe_transfer(&mut c, receiver, id, b"").expect_success();
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), receiver);
    // During the callback the token already reported the new owner and balance.
    assert_eq!(view(&c.chain, receiver, &CallbackReceiver::seenOwnerCall {}), receiver);
    assert_eq!(view(&c.chain, receiver, &CallbackReceiver::seenBalanceCall {}), U256::from(1));
    assert_eq!(view(&c.chain, receiver, &CallbackReceiver::callsCall {}), U256::from(1));
}

/// Alice's safe transfer of a new token to a `CallbackReceiver` that rejects it as `data` says:
/// the revert's output, once both VMs' writes are checked rolled back (the token's transfer and
/// the receiver's counters).
fn rejected_transfer_output(data: &[u8]) -> (Address, U256, Bytes) {
    let mut c = Core::new();
    let receiver = deploy_evm(&mut c.chain, c.owner, fixture("CallbackReceiver"), &[]);
    let id = c.mint(c.alice, &[]);
    let receipt = safe_transfer(&mut c, receiver, id, data);
    assert!(!receipt.success);
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), c.alice);
    assert_eq!(view(&c.chain, receiver, &CallbackReceiver::callsCall {}), U256::ZERO);
    assert_eq!(view(&c.chain, receiver, &CallbackReceiver::seenOwnerCall {}), Address::ZERO);
    (receiver, id, receipt.output)
}

#[test]
fn error_when_an_evm_receiver_calls_back_and_then_rejects_is_its_reason() {
    // OpenZeppelin bubbles the receiver's revert data, so a dApp can show why it refused.
    let (_, _, output) = rejected_transfer_output(b"reject");
    let reason = alloy::sol_types::Revert::from("rejected after calling back");
    assert_eq!(output, Bytes::from(reason.abi_encode()));
}

#[test]
fn error_when_an_evm_receiver_rejects_with_a_custom_error_is_that_error() {
    let (_, id, output) = rejected_transfer_output(b"reject with error");
    assert_eq!(output, Bytes::from(CallbackReceiver::Refused { tokenId: id }.abi_encode()));
}

#[test]
fn error_when_an_evm_receiver_rejects_without_data_is_invalid_receiver() {
    let (receiver, _, output) = rejected_transfer_output(b"reject silently");
    assert_eq!(output, Bytes::from(Nft::ERC721InvalidReceiver { receiver }.abi_encode()));
}

#[test]
fn a_receiver_moves_the_token_on_by_reentering_the_program() {
    let mut c = Core::new();
    let receiver = deploy_evm(&mut c.chain, c.owner, fixture("CallbackReceiver"), &[]);
    let id = c.mint(c.alice, &[]);
    // The receiver calls transferFrom on the token while the token waits for its answer: the
    // core is built with the SDK's `reentrant` feature, so the nested write succeeds.
    safe_transfer(&mut c, receiver, id, b"pass on").expect_success();
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), c.alice);
    assert_eq!(c.view(&Nft::balanceOfCall { owner: receiver }), U256::ZERO);
    assert_eq!(c.view(&Nft::balanceOfCall { owner: c.alice }), U256::from(1));
}

#[test]
fn evm_calls_the_program_which_calls_evm_which_calls_the_program() {
    let mut c = Core::new();
    let relay = deploy_evm(&mut c.chain, c.owner, fixture("Relay"), &[]);
    let receiver = deploy_evm(&mut c.chain, c.owner, fixture("CallbackReceiver"), &[]);
    let id = c.mint(relay, &[]);
    let forward = Relay::forwardCall { nft: c.nft, to: receiver, tokenId: id, data: Bytes::new() };
    common::send(&mut c.chain, c.alice, relay, &forward).expect_success();
    assert_eq!(c.view(&Nft::ownerOfCall { tokenId: id }), receiver);
    assert_eq!(view(&c.chain, receiver, &CallbackReceiver::seenOwnerCall {}), receiver);
}

#[test]
fn error_when_evm_forwards_a_token_it_does_not_hold() {
    let mut c = Core::new();
    let relay = deploy_evm(&mut c.chain, c.owner, fixture("Relay"), &[]);
    let id = c.mint(c.alice, &[]);
    let forward = Relay::forwardCall { nft: c.nft, to: c.bob, tokenId: id, data: Bytes::new() };
    let receipt = common::send(&mut c.chain, c.alice, relay, &forward);
    assert!(!receipt.success);
    // The WASM's custom error bubbles up through the Solidity caller unchanged.
    let expected = Nft::ERC721InsufficientApproval { operator: relay, tokenId: id };
    assert_eq!(receipt.output, Bytes::from(expected.abi_encode()));
}

#[test]
fn token_uri_asks_an_evm_renderer_that_calls_back() {
    let mut c = Core::new();
    let renderer = deploy_evm(&mut c.chain, c.owner, fixture("EchoRenderer"), &c.nft.abi_encode());
    c.send(c.owner, &Nft::setRendererCall { renderer }).expect_success();
    let id = c.mint(c.alice, &[]);
    let uri = c.view(&Nft::tokenURICall { tokenId: id });
    assert_eq!(uri, format!("owner:{}", alloy::hex::encode(c.alice)));
}

#[test]
fn error_when_the_renderer_writes_state_in_the_static_call() {
    let mut c = Core::new();
    let renderer = deploy_evm(&mut c.chain, c.owner, fixture("WritingRenderer"), &[]);
    c.send(c.owner, &Nft::setRendererCall { renderer }).expect_success();
    let id = c.mint(c.alice, &[]);
    let out = c.call(&Nft::tokenURICall { tokenId: id });
    assert!(!out.success);
    assert_eq!(out.output, Bytes::from(Nft::RendererFailed { renderer }.abi_encode()));
    assert_eq!(view(&c.chain, renderer, &WritingRenderer::writesCall {}), U256::ZERO);
}

#[test]
fn cross_vm_transfers_cost_more_than_plain_ones() {
    let mut c = Core::new();
    let receiver = deploy_evm(&mut c.chain, c.owner, fixture("CallbackReceiver"), &[]);
    let (a, b) = (c.mint(c.alice, &[]), c.mint(c.alice, &[]));
    let plain = c.send(c.alice, &Nft::transferFromCall { from: c.alice, to: c.bob, tokenId: a });
    let safe = safe_transfer(&mut c, receiver, b, b"");
    plain.expect_success();
    safe.expect_success();
    assert!(safe.gas_used > plain.gas_used + 40_000, "{} vs {}", safe.gas_used, plain.gas_used);
}
