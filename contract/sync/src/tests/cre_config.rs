//! The CRE configuration: each setter is the owner's, evented, and read back by `creConfig`;
//! the workflow name is encoded as Chainlink's `ReceiverTemplate` does; fee withdrawal keeps
//! the fees of pending requests.

use alloy_primitives::{Address, B256, FixedBytes, U256};
use px_contract_testing::CallKind;

use super::{
    ALICE, FORWARDER, Fixture, OWNER, STRANGER, SYNC, SYNC_FEE, WORKFLOW_ID, WORKFLOW_NAME,
    WORKFLOW_OWNER, workflow_name,
};
use crate::{
    CreRequestTimeoutSet, Error, ExpectedAuthorUpdated, ExpectedWorkflowIdUpdated,
    ExpectedWorkflowNameUpdated, FeesWithdrawn, ForwarderAddressUpdated, InsufficientFees,
    InvalidRoute, InvalidTimeout, SyncFeeSet, SyncRouteSet,
    cre::{CreConfig, DEFAULT_CRE_TIMEOUT, MAX_CRE_TIMEOUT, ROUTE_CRE, ROUTE_DIRECT},
};

#[test]
fn is_configured_by_its_owner() {
    let f = Fixture::cre();
    assert_eq!(
        f.sync.cre_config(),
        (FORWARDER, WORKFLOW_OWNER, WORKFLOW_ID, FixedBytes::ZERO, SYNC_FEE, DEFAULT_CRE_TIMEOUT)
    );
    assert_eq!(f.sync.sync_route(), ROUTE_CRE);
}

#[test]
fn emits_every_cre_configuration_change_with_the_previous_value() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    let (forwarder, author, id) =
        (Address::repeat_byte(1), Address::repeat_byte(2), B256::repeat_byte(3));
    f.sync.set_forwarder_address(forwarder).unwrap();
    f.sync.set_expected_author(author).unwrap();
    f.sync.set_expected_workflow_id(id).unwrap();
    f.sync.set_sync_route(ROUTE_DIRECT).unwrap();
    f.sync.set_sync_fee(U256::from(7)).unwrap();
    f.sync.set_cre_request_timeout(120).unwrap();
    assert_eq!(
        f.events::<ForwarderAddressUpdated>(),
        vec![ForwarderAddressUpdated { previousForwarder: FORWARDER, newForwarder: forwarder }]
    );
    assert_eq!(
        f.events::<ExpectedAuthorUpdated>(),
        vec![ExpectedAuthorUpdated { previousAuthor: WORKFLOW_OWNER, newAuthor: author }]
    );
    assert_eq!(
        f.events::<ExpectedWorkflowIdUpdated>(),
        vec![ExpectedWorkflowIdUpdated { previousId: WORKFLOW_ID, newId: id }]
    );
    assert_eq!(f.events::<SyncRouteSet>(), vec![SyncRouteSet { route: ROUTE_DIRECT }]);
    assert_eq!(f.events::<SyncFeeSet>(), vec![SyncFeeSet { fee: U256::from(7) }]);
    assert_eq!(
        f.events::<CreRequestTimeoutSet>(),
        vec![CreRequestTimeoutSet { timeoutSeconds: 120 }]
    );
    assert_eq!(f.sync.cre_config(), (forwarder, author, id, FixedBytes::ZERO, U256::from(7), 120));
    assert_eq!(f.sync.sync_route(), ROUTE_DIRECT);
}

#[test]
fn encodes_the_workflow_name_as_the_receiver_template_does() {
    let mut f = Fixture::cre();
    f.sha256_knows(WORKFLOW_NAME.as_bytes());
    f.sender(OWNER);
    f.sync.set_expected_workflow_name(WORKFLOW_NAME.into()).unwrap();
    let expected = FixedBytes(workflow_name(WORKFLOW_NAME));
    assert!(expected.iter().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(f.sync.cre_config().3, expected);
    assert_eq!(
        f.events::<ExpectedWorkflowNameUpdated>(),
        vec![ExpectedWorkflowNameUpdated { previousName: FixedBytes::ZERO, newName: expected }]
    );
    f.sync.set_expected_workflow_name(String::new()).unwrap();
    assert_eq!(f.sync.cre_config().3, FixedBytes::ZERO, "\"\" clears the check");
}

#[test]
fn error_when_a_stranger_configures_cre() {
    let mut f = Fixture::cre();
    f.sender(STRANGER);
    let results = [
        f.sync.set_sync_route(ROUTE_DIRECT),
        f.sync.set_forwarder_address(STRANGER),
        f.sync.set_expected_author(STRANGER),
        f.sync.set_expected_workflow_id(B256::ZERO),
        f.sync.set_expected_workflow_name("x".into()),
        f.sync.set_sync_fee(U256::ZERO),
        f.sync.set_cre_request_timeout(60),
        f.sync.withdraw_fees(STRANGER, U256::ZERO),
    ];
    for result in results {
        assert!(matches!(result, Err(Error::OwnableUnauthorizedAccount(_))), "{result:?}");
    }
    assert_eq!(f.sync.cre_config().0, FORWARDER, "nothing changed");
}

#[test]
fn error_when_the_route_is_unknown() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    for route in [0, 3, 255] {
        assert!(matches!(f.sync.set_sync_route(route),
            Err(Error::InvalidRoute(InvalidRoute { route: r })) if r == route));
    }
    assert_eq!(f.sync.sync_route(), ROUTE_CRE);
}

#[test]
fn error_when_the_timeout_is_zero_or_above_thirty_days() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    for timeout in [0, MAX_CRE_TIMEOUT + 1] {
        assert!(matches!(f.sync.set_cre_request_timeout(timeout),
            Err(Error::InvalidTimeout(InvalidTimeout { timeoutSeconds })) if timeoutSeconds == timeout));
    }
    f.sync.set_cre_request_timeout(MAX_CRE_TIMEOUT).unwrap();
}

#[test]
fn error_when_the_sync_fee_does_not_fit_in_96_bits() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    assert!(matches!(f.sync.set_sync_fee(U256::from(1) << 96), Err(Error::IncorrectFee(_))));
    f.sync.set_sync_fee((U256::from(1) << 96) - U256::from(1)).unwrap();
}

#[test]
fn withdraws_earned_fees_but_not_those_held_for_pending_requests() {
    let mut f = Fixture::cre();
    f.paid_cre_request(SYNC_FEE).unwrap();
    let earned = U256::from(5);
    f.host.set_balance(SYNC, SYNC_FEE + earned);
    f.sender(OWNER);
    let err = f.sync.withdraw_fees(OWNER, earned + U256::from(1)).unwrap_err();
    assert!(matches!(err,
        Error::InsufficientFees(InsufficientFees { available, requested })
            if available == earned && requested == earned + U256::from(1)));
    f.sync.withdraw_fees(ALICE, earned).unwrap();
    let sent: Vec<_> = f
        .host
        .calls_to(ALICE)
        .into_iter()
        .filter(|c| c.kind == CallKind::Call && c.data.is_empty())
        .map(|c| c.value)
        .collect();
    assert_eq!(sent, vec![earned]);
    assert_eq!(f.events::<FeesWithdrawn>(), vec![FeesWithdrawn { to: ALICE, amount: earned }]);
}

#[test]
fn error_when_fees_go_to_the_zero_address_or_a_refusing_one() {
    let mut f = Fixture::cre();
    f.host.set_balance(SYNC, U256::from(5));
    f.sender(OWNER);
    assert!(matches!(
        f.sync.withdraw_fees(Address::ZERO, U256::from(5)),
        Err(Error::EthTransferFailed(_))
    ));
    f.host.mock_call(ALICE, Vec::new(), U256::from(5), Err(Vec::new()));
    assert!(matches!(f.sync.withdraw_fees(ALICE, U256::from(5)), Err(Error::EthTransferFailed(_))));
}
