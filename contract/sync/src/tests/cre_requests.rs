//! Requests on the CRE route: sponsored and user-paid (exact ETH fee), the route switch, and the
//! configuration a CRE request needs.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolValue;

use super::{
    ALICE, CoreToken, FEE, Fixture, LINK, OPERATOR, OWNER, STRANGER, SYNC, SYNC_FEE, T0, TOKEN,
    btns_key,
};
use crate::{
    CreNotConfigured, Error, IncorrectFee, SyncPending, SyncRequested,
    cre::{CreConfig, DEFAULT_CRE_TIMEOUT, ROUTE_CRE, ROUTE_DIRECT},
    requests::SyncRequests,
};

#[test]
fn requests_a_sponsored_sync_through_cre() {
    let mut f = Fixture::cre();
    let id = f.cre_request();
    assert_eq!(id, Fixture::request_id(1));
    assert!(f.host.calls_to(LINK).is_empty(), "no LINK is paid on CRE");
    assert_eq!(
        f.sync.pending_request(id),
        (TOKEN, SYNC, T0 + DEFAULT_CRE_TIMEOUT, Address::ZERO, U256::ZERO, ROUTE_CRE)
    );
    assert_eq!(f.sync.last_sponsored_at(TOKEN), T0);
    assert_eq!(f.sync.latest_request_of(TOKEN), (id, T0 + DEFAULT_CRE_TIMEOUT));
    assert_eq!(
        f.events::<SyncRequested>(),
        vec![SyncRequested {
            tokenId: TOKEN,
            requestId: id,
            payer: SYNC,
            route: ROUTE_CRE,
            btnsKey: btns_key(1)
        }]
    );
}

#[test]
fn a_new_program_takes_the_cre_route() {
    let f = Fixture::cre();
    assert_eq!(f.sync.sync_route(), ROUTE_CRE);
    let host = px_contract_testing::CallHost::new();
    let fresh = crate::PxSync::from(&host);
    assert_eq!(fresh.sync_route(), ROUTE_CRE);
}

#[test]
fn requests_a_user_paid_sync_with_the_exact_fee() {
    let mut f = Fixture::cre();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    assert_eq!(
        f.sync.pending_request(id),
        (TOKEN, ALICE, T0 + DEFAULT_CRE_TIMEOUT, Address::ZERO, SYNC_FEE, ROUTE_CRE)
    );
    assert_eq!(f.sync.last_sponsored_at(TOKEN), 0, "no sponsorship used");
    assert_eq!(f.events::<SyncRequested>()[0].payer, ALICE);
    assert_eq!(U256::from(f.sync.fees_held.get()), SYNC_FEE, "held for a refund");
}

#[test]
fn error_when_the_fee_is_not_exact() {
    for paid in [U256::ZERO, SYNC_FEE - U256::from(1), SYNC_FEE + U256::from(1)] {
        let mut f = Fixture::cre();
        let err = f.paid_cre_request(paid).unwrap_err();
        assert!(matches!(err,
            Error::IncorrectFee(IncorrectFee { expected, received })
                if expected == SYNC_FEE && received == paid));
        assert!(f.events::<SyncRequested>().is_empty());
    }
}

#[test]
fn error_when_user_paid_cre_syncs_are_off() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_sync_fee(U256::ZERO).unwrap();
    assert!(matches!(f.paid_cre_request(U256::ZERO), Err(Error::CreNotConfigured(_))));
}

#[test]
fn a_user_paid_sync_takes_cre_whatever_the_sponsored_route() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_sync_route(ROUTE_DIRECT).unwrap();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    assert_eq!(f.sync.pending_request(id).5, ROUTE_CRE);
    assert!(f.host.calls_to(LINK).is_empty());
}

#[test]
fn the_direct_route_sends_the_chainlink_request() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_sync_route(ROUTE_DIRECT).unwrap();
    let id = f.cre_request();
    assert_eq!(f.sync.pending_request(id), (TOKEN, SYNC, T0 + 300, OPERATOR, FEE, ROUTE_DIRECT));
    assert_eq!(f.host.calls_to(LINK).len(), 1);
    assert_eq!(f.events::<SyncRequested>()[0].route, ROUTE_DIRECT);
}

#[test]
fn erc677_takes_the_direct_route_whatever_the_sponsored_route() {
    let mut f = Fixture::cre();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(LINK);
    f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).unwrap();
    assert_eq!(f.sync.pending_request(Fixture::request_id(1)).5, ROUTE_DIRECT);
}

#[test]
fn error_when_cre_has_no_forwarder() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_forwarder_address(Address::ZERO).unwrap();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    assert!(matches!(
        f.sync.request_sync(TOKEN),
        Err(Error::CreNotConfigured(CreNotConfigured {}))
    ));
    assert!(matches!(f.paid_cre_request(SYNC_FEE), Err(Error::CreNotConfigured(_))));
}

#[test]
fn error_when_cre_has_no_workflow_identity() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_expected_author(Address::ZERO).unwrap();
    f.sync.set_expected_workflow_id(B256::ZERO).unwrap();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::CreNotConfigured(_))));
}

#[test]
fn error_when_cre_has_a_name_without_its_owner() {
    let mut f = Fixture::cre();
    f.sha256_knows(super::WORKFLOW_NAME.as_bytes());
    f.sender(OWNER);
    f.sync.set_expected_workflow_name(super::WORKFLOW_NAME.into()).unwrap();
    f.sync.set_expected_author(Address::ZERO).unwrap();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    assert!(matches!(f.sync.request_sync(TOKEN), Err(Error::CreNotConfigured(_))));
}

#[test]
fn error_when_a_cre_request_is_still_pending() {
    let mut f = Fixture::cre();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    f.advance(DEFAULT_CRE_TIMEOUT - 1);
    let err = f.paid_cre_request(SYNC_FEE).unwrap_err();
    assert!(matches!(err,
        Error::SyncPending(SyncPending { requestId, expiresAt, .. })
            if requestId == id && expiresAt == T0 + DEFAULT_CRE_TIMEOUT));
    f.advance(1);
    f.paid_cre_request(SYNC_FEE).unwrap();
}

#[test]
fn a_cre_request_expires_after_the_configured_timeout() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_cre_request_timeout(3600).unwrap();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    assert_eq!(f.sync.pending_request(id).2, T0 + 3600);
}

#[test]
fn error_when_a_stranger_pays_for_a_cre_sync() {
    let mut f = Fixture::cre();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(STRANGER);
    f.host.set_value(SYNC_FEE);
    let err = f.sync.request_sync_with_fee(TOKEN).unwrap_err();
    f.host.set_value(U256::ZERO);
    assert!(matches!(err, Error::InsufficientApproval(_)));
}
