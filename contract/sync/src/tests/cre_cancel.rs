//! `cancelSync` of CRE requests (a DON that never answers cannot lock a token, and a user gets
//! the ETH fee back), and of a sponsored Direct Request whose cancel the Operator refuses
//! (issue 15, finding 7).

use alloy_primitives::{B256, U256};
use alloy_sol_types::SolCall;
use px_abi::{IPxSync::fulfillSyncCall, chainlink::OperatorInterface};
use px_contract_testing::CallKind;

use super::{ALICE, FEE, Fixture, OPERATOR, OWNER, STRANGER, SYNC, SYNC_FEE, T0, TOKEN, expiry};
use crate::{
    Error, RequestNotExpired, SyncCancelled,
    cre::{CreConfig, DEFAULT_CRE_TIMEOUT, ROUTE_DIRECT},
    requests::{EXPIRY_SECONDS, SyncRequests},
};

fn eth_calls_to(f: &Fixture, to: alloy_primitives::Address) -> Vec<U256> {
    f.host
        .calls_to(to)
        .iter()
        .filter(|c| c.kind == CallKind::Call && c.data.is_empty())
        .map(|c| c.value)
        .collect()
}

#[test]
fn error_when_cancelling_a_cre_request_before_its_timeout() {
    let mut f = Fixture::cre();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    f.advance(DEFAULT_CRE_TIMEOUT - 1);
    f.sender(STRANGER);
    let err = f.sync.cancel_sync(id).unwrap_err();
    assert!(matches!(err,
        Error::RequestNotExpired(RequestNotExpired { requestId, expiresAt })
            if requestId == id && expiresAt == T0 + DEFAULT_CRE_TIMEOUT));
    assert!(eth_calls_to(&f, ALICE).is_empty());
}

#[test]
fn cancelling_a_user_paid_cre_request_refunds_the_fee_to_the_payer() {
    let mut f = Fixture::cre();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    f.advance(DEFAULT_CRE_TIMEOUT);
    f.sender(STRANGER);
    f.sync.cancel_sync(id).unwrap();
    assert_eq!(eth_calls_to(&f, ALICE), vec![SYNC_FEE]);
    assert_eq!(U256::from(f.sync.fees_held.get()), U256::ZERO, "no longer held");
    assert_eq!(
        f.events::<SyncCancelled>(),
        vec![SyncCancelled { tokenId: TOKEN, requestId: id, payer: ALICE, refunded: true }]
    );
    assert_eq!(f.sync.pending_request(id).0, U256::ZERO);
    f.paid_cre_request(SYNC_FEE).unwrap();
}

#[test]
fn error_when_the_payer_refuses_the_refund() {
    let mut f = Fixture::cre();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    f.host.mock_call(ALICE, Vec::new(), SYNC_FEE, Err(Vec::new()));
    f.advance(DEFAULT_CRE_TIMEOUT);
    assert!(matches!(f.sync.cancel_sync(id), Err(Error::EthTransferFailed(_))));
}

#[test]
fn a_cancelled_sponsored_cre_sync_is_given_back() {
    let mut f = Fixture::cre();
    let id = f.cre_request();
    assert_eq!(f.sync.last_sponsored_at(TOKEN), T0);
    f.advance(DEFAULT_CRE_TIMEOUT);
    f.sync.cancel_sync(id).unwrap();
    assert!(eth_calls_to(&f, SYNC).is_empty() && eth_calls_to(&f, ALICE).is_empty());
    assert_eq!(f.sync.last_sponsored_at(TOKEN), 0);
    assert_eq!(
        f.events::<SyncCancelled>(),
        vec![SyncCancelled { tokenId: TOKEN, requestId: id, payer: SYNC, refunded: true }]
    );
    f.cre_request();
}

fn operator_cancel(request_id: B256) -> Vec<u8> {
    OperatorInterface::cancelOracleRequestCall {
        requestId: request_id,
        payment: FEE,
        callbackFunc: fulfillSyncCall::SELECTOR.into(),
        expiration: U256::from(expiry(T0)),
    }
    .abi_encode()
}

/// Finding 7: the Operator refuses the cancel of a sponsored sync because it already answered
/// (and paid its node from this program's LINK). The request ends, so the token is not locked,
/// but the sponsored sync of this window stays used: nothing came back.
#[test]
fn a_sponsored_direct_request_whose_cancel_the_operator_refuses_is_not_given_back() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_sync_route(ROUTE_DIRECT).unwrap();
    let id = f.cre_request();
    f.host.mock_call(
        OPERATOR,
        operator_cancel(id),
        U256::ZERO,
        Err(b"Params do not match request ID".to_vec()),
    );
    f.advance(EXPIRY_SECONDS);
    f.sender(STRANGER);
    f.sync.cancel_sync(id).unwrap();
    assert_eq!(f.sync.last_sponsored_at(TOKEN), T0, "the sponsored sync was paid for");
    assert_eq!(
        f.events::<SyncCancelled>(),
        vec![SyncCancelled { tokenId: TOKEN, requestId: id, payer: SYNC, refunded: false }]
    );
    assert_eq!(f.sync.pending_request(id).0, U256::ZERO, "the request is over");
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::SponsoredSyncUnavailable(_))));
}

#[test]
fn a_sponsored_direct_request_the_operator_cancels_is_given_back() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_sync_route(ROUTE_DIRECT).unwrap();
    let id = f.cre_request();
    f.advance(EXPIRY_SECONDS);
    f.sync.cancel_sync(id).unwrap();
    assert_eq!(f.sync.last_sponsored_at(TOKEN), 0);
    assert!(f.events::<SyncCancelled>()[0].refunded);
}
