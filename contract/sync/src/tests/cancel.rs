//! `cancelSync`: after the Operator's expiry, anyone may end a request; LINK goes back to its
//! payer, and no token stays locked even when the Operator refuses.

use alloy_primitives::{B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use px_abi::{
    IPxSync::fulfillSyncCall,
    chainlink::{LinkTokenInterface, OperatorInterface},
};

use super::{ALICE, CoreToken, FEE, Fixture, LINK, OPERATOR, STRANGER, SYNC, T0, TOKEN, expiry};
use crate::{
    Error, RequestNotExpired, SyncCancelled, UnknownRequest,
    requests::{EXPIRY_SECONDS, SyncRequests},
};

fn operator_cancel(request_id: B256) -> Vec<u8> {
    OperatorInterface::cancelOracleRequestCall {
        requestId: request_id,
        payment: FEE,
        callbackFunc: fulfillSyncCall::SELECTOR.into(),
        expiration: U256::from(expiry(T0)),
    }
    .abi_encode()
}

fn refund_to(payer: alloy_primitives::Address) -> Vec<u8> {
    LinkTokenInterface::transferCall { to: payer, value: FEE }.abi_encode()
}

/// A user-paid request by ALICE.
fn paid_request() -> (Fixture, B256) {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(LINK);
    f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).unwrap();
    f.host.clear_calls();
    (f, Fixture::request_id(1))
}

#[test]
fn error_when_cancelling_before_expiry() {
    let (mut f, id) = paid_request();
    f.advance(EXPIRY_SECONDS - 1);
    f.sender(STRANGER);
    let err = f.sync.cancel_sync(id).unwrap_err();
    assert!(matches!(err,
        Error::RequestNotExpired(RequestNotExpired { requestId, expiresAt })
            if requestId == id && expiresAt == expiry(T0)));
    assert!(f.host.calls().is_empty());
}

#[test]
fn anyone_cancels_after_expiry_and_the_payer_gets_the_link_back() {
    let (mut f, id) = paid_request();
    f.advance(EXPIRY_SECONDS);
    f.sender(STRANGER);
    f.sync.cancel_sync(id).unwrap();
    let calls = f.host.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!((calls[0].to, &calls[0].data), (OPERATOR, &operator_cancel(id)));
    assert_eq!((calls[1].to, &calls[1].data), (LINK, &refund_to(ALICE)));
    assert_eq!(
        f.events::<SyncCancelled>(),
        vec![SyncCancelled { tokenId: TOKEN, requestId: id, payer: ALICE, refunded: true }]
    );
    assert_eq!(f.sync.pending_request(id).0, U256::ZERO);
}

#[test]
fn clears_the_request_even_when_the_operator_refuses() {
    let (mut f, id) = paid_request();
    f.host.mock_call(
        OPERATOR,
        operator_cancel(id),
        U256::ZERO,
        Err(b"Params do not match request ID".to_vec()),
    );
    f.advance(EXPIRY_SECONDS);
    f.sync.cancel_sync(id).unwrap();
    assert_eq!(f.host.calls_to(LINK).len(), 0, "no LINK came back, none is sent");
    assert_eq!(
        f.events::<SyncCancelled>(),
        vec![SyncCancelled { tokenId: TOKEN, requestId: id, payer: ALICE, refunded: false }]
    );
    // The token is not locked out.
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(LINK);
    f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).unwrap();
}

#[test]
fn error_when_the_refund_to_the_payer_fails() {
    let (mut f, id) = paid_request();
    f.host.mock_call(LINK, refund_to(ALICE), U256::ZERO, Ok(vec![0u8; 32]));
    f.advance(EXPIRY_SECONDS);
    assert!(matches!(f.sync.cancel_sync(id), Err(Error::LinkTransferFailed(_))));
}

#[test]
fn a_cancelled_sponsored_sync_is_given_back() {
    let mut f = Fixture::new();
    let id = f.request();
    assert_eq!(f.sync.last_sponsored_at(TOKEN), T0);
    f.host.clear_calls();
    f.advance(EXPIRY_SECONDS);
    f.sync.cancel_sync(id).unwrap();
    assert!(f.host.calls_to(LINK).is_empty(), "the LINK stays with the program");
    assert_eq!(f.sync.last_sponsored_at(TOKEN), 0);
    assert_eq!(
        f.events::<SyncCancelled>().last().unwrap(),
        &SyncCancelled { tokenId: TOKEN, requestId: id, payer: SYNC, refunded: true }
    );
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    f.sync.request_sync(TOKEN).unwrap();
}

#[test]
fn error_when_cancelling_an_unknown_or_finished_request() {
    let (mut f, id) = paid_request();
    f.advance(EXPIRY_SECONDS);
    let err = f.sync.cancel_sync(B256::repeat_byte(3)).unwrap_err();
    assert!(
        matches!(err, Error::UnknownRequest(UnknownRequest { requestId }) if requestId == B256::repeat_byte(3))
    );
    f.sync.cancel_sync(id).unwrap();
    assert!(matches!(f.sync.cancel_sync(id), Err(Error::UnknownRequest(_))));
}
