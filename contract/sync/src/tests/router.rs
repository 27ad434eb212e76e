//! The program through its ABI router, with calldata from the published bindings: every
//! function of `IPxSync.sol` answers at its selector and reverts decode into its errors.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolCall, SolInterface, SolValue};
use px_abi::IPxSync::{self as abi, IPxSyncErrors};
use px_contract_testing::{call_router, route};

use super::{
    ALICE, CoreToken, FEE, FORWARDER, Fixture, GIB, JOB_ID, LINK, OPERATOR, OWNER, STRANGER, SYNC,
    SYNC_FEE, TOKEN, WORKFLOW_ID, WORKFLOW_NAME, WORKFLOW_OWNER, cre_report, our_metadata, sign,
    usage_signer,
};
use crate::PxSync;

fn ok<C: SolCall>(f: &Fixture, sender: Address, call: &C) -> C::Return {
    f.sender(sender);
    call_router::<PxSync, C>(&f.host, call)
        .unwrap_or_else(|e| panic!("{} reverted: {e:02x?}", C::SIGNATURE))
}

fn revert<C: SolCall>(f: &Fixture, sender: Address, call: &C) -> IPxSyncErrors {
    f.sender(sender);
    let data = route::<PxSync>(&f.host, call.abi_encode()).expect_err(C::SIGNATURE);
    IPxSyncErrors::abi_decode(&data).unwrap()
}

#[test]
fn every_function_answers_at_its_published_selector() {
    let f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    let id = ok(&f, ALICE, &abi::requestSyncCall { tokenId: TOKEN });
    assert_eq!(id, Fixture::request_id(1));
    let pending = ok(&f, STRANGER, &abi::pendingRequestCall { requestId: id });
    assert_eq!((pending.tokenId, pending.operator, pending.fee), (TOKEN, OPERATOR, FEE));
    assert_eq!(ok(&f, STRANGER, &abi::latestRequestOfCall { tokenId: TOKEN }).requestId, id);
    assert!(ok(&f, STRANGER, &abi::lastSponsoredAtCall { tokenId: TOKEN }) > 0);

    let report = sign(&usage_signer(), TOKEN, &CoreToken::default().key, 2, 10, 1);
    ok(
        &f,
        OPERATOR,
        &abi::fulfillSyncCall {
            requestId: id,
            sequence: report.sequence,
            usedBytes: report.used,
            uploadCount: report.count,
            metadataDigest: B256::repeat_byte(9),
            v: report.v,
            r: report.r,
            s: report.s,
        },
    );

    ok(
        &f,
        LINK,
        &abi::onTokenTransferCall { sender: ALICE, amount: FEE, data: TOKEN.abi_encode().into() },
    );
    let second = Fixture::request_id(2);
    f.host.set_block_timestamp(f.now() + crate::requests::EXPIRY_SECONDS);
    ok(&f, STRANGER, &abi::cancelSyncCall { requestId: second });

    ok(&f, OWNER, &abi::setOracleCall { link: LINK, operator: OPERATOR, jobId: JOB_ID, fee: FEE });
    assert_eq!(ok(&f, STRANGER, &abi::oracleCall {}).operator, OPERATOR);
    assert_eq!(ok(&f, STRANGER, &abi::coreCall {}), super::CORE);
    ok(&f, OWNER, &abi::setSponsoredMinQuotaCall { minQuotaBytes: GIB });
    assert_eq!(ok(&f, STRANGER, &abi::sponsoredMinQuotaCall {}), GIB);
    ok(&f, OWNER, &abi::setUsageSignerCall { signer: ALICE, trusted: true });
    assert!(ok(&f, STRANGER, &abi::isUsageSignerCall { signer: ALICE }));
    f.host.mock_call(
        LINK,
        px_abi::chainlink::LinkTokenInterface::transferCall { to: OWNER, value: U256::from(1) }
            .abi_encode(),
        U256::ZERO,
        Ok(super::true_word()),
    );
    ok(&f, OWNER, &abi::withdrawLinkCall { to: OWNER, amount: U256::from(1) });
    ok(&f, OWNER, &abi::transferOwnershipCall { newOwner: ALICE });
    assert_eq!(ok(&f, STRANGER, &abi::pendingOwnerCall {}), ALICE);
    ok(&f, ALICE, &abi::acceptOwnershipCall {});
    assert_eq!(ok(&f, STRANGER, &abi::ownerCall {}), ALICE);
}

#[test]
fn every_cre_function_answers_at_its_published_selector() {
    let f = Fixture::cre();
    f.core_knows(TOKEN, &CoreToken::default());
    f.host.set_value(SYNC_FEE);
    let id = ok(&f, ALICE, &abi::requestSyncWithFeeCall { tokenId: TOKEN });
    f.host.set_value(U256::ZERO);
    let pending = ok(&f, STRANGER, &abi::pendingRequestCall { requestId: id });
    assert_eq!((pending.payer, pending.fee, pending.route), (ALICE, SYNC_FEE, 1));

    let report = sign(&usage_signer(), TOKEN, &CoreToken::default().key, 2, 10, 1);
    let bytes = cre_report(id, TOKEN, &report, B256::repeat_byte(9), &report.bytes());
    ok(&f, FORWARDER, &abi::onReportCall { metadata: our_metadata().into(), report: bytes.into() });
    assert!(ok(
        &f,
        STRANGER,
        &abi::supportsInterfaceCall { interfaceId: [0x01, 0xff, 0xc9, 0xa7].into() }
    ));

    ok(&f, OWNER, &abi::setSyncRouteCall { route: 2 });
    assert_eq!(ok(&f, STRANGER, &abi::syncRouteCall {}), 2);
    ok(&f, OWNER, &abi::setForwarderAddressCall { forwarder: FORWARDER });
    ok(&f, OWNER, &abi::setExpectedAuthorCall { author: WORKFLOW_OWNER });
    ok(&f, OWNER, &abi::setExpectedWorkflowIdCall { id: WORKFLOW_ID });
    f.sha256_knows(WORKFLOW_NAME.as_bytes());
    ok(&f, OWNER, &abi::setExpectedWorkflowNameCall { name: WORKFLOW_NAME.into() });
    ok(&f, OWNER, &abi::setSyncFeeCall { fee: SYNC_FEE });
    ok(&f, OWNER, &abi::setCreRequestTimeoutCall { timeoutSeconds: 60 });
    let config = ok(&f, STRANGER, &abi::creConfigCall {});
    assert_eq!((config.forwarder, config.requestTimeout), (FORWARDER, 60));
    assert_eq!(config.expectedWorkflowName.0, super::workflow_name(WORKFLOW_NAME));
    f.host.set_balance(SYNC, SYNC_FEE);
    ok(&f, OWNER, &abi::withdrawFeesCall { to: OWNER, amount: SYNC_FEE });
}

#[test]
fn a_payable_request_is_the_only_one_that_takes_value() {
    let f = Fixture::cre();
    f.core_knows(TOKEN, &CoreToken::default());
    f.host.set_value(SYNC_FEE);
    f.sender(ALICE);
    let data = route::<PxSync>(&f.host, abi::requestSyncCall { tokenId: TOKEN }.abi_encode());
    f.host.set_value(U256::ZERO);
    assert!(data.is_err(), "requestSync is not payable");
}

#[test]
fn the_test_above_calls_every_published_function() {
    let source = include_str!("router.rs");
    let missing: Vec<_> = abi::IPxSyncCalls::SIGNATURES
        .iter()
        .filter(|signature| {
            let name = signature.split('(').next().unwrap();
            !source.contains(&format!("abi::{name}Call"))
        })
        .collect();
    assert!(missing.is_empty(), "not called through the router: {missing:?}");
}

#[test]
fn reverts_with_the_published_errors() {
    let f = Fixture::new();
    let err = revert(&f, STRANGER, &abi::cancelSyncCall { requestId: B256::ZERO });
    assert_eq!(err, IPxSyncErrors::UnknownRequest(abi::UnknownRequest { requestId: B256::ZERO }));
    let err = revert(
        &f,
        STRANGER,
        &abi::onTokenTransferCall { sender: ALICE, amount: FEE, data: TOKEN.abi_encode().into() },
    );
    assert!(matches!(err, IPxSyncErrors::OnlyLinkToken(_)));
    let err = revert(&f, STRANGER, &abi::setUsageSignerCall { signer: STRANGER, trusted: true });
    assert!(matches!(err, IPxSyncErrors::OwnableUnauthorizedAccount(_)));
}

#[test]
fn cre_reverts_with_the_published_errors() {
    let f = Fixture::cre();
    let call = abi::onReportCall { metadata: our_metadata().into(), report: vec![0; 32].into() };
    let err = revert(&f, STRANGER, &call);
    assert_eq!(
        err,
        IPxSyncErrors::InvalidSender(abi::InvalidSender { sender: STRANGER, expected: FORWARDER })
    );
    let err = revert(&f, OWNER, &abi::setSyncRouteCall { route: 9 });
    assert_eq!(err, IPxSyncErrors::InvalidRoute(abi::InvalidRoute { route: 9 }));
    f.host.set_value(U256::from(1));
    let err = revert(&f, ALICE, &abi::requestSyncWithFeeCall { tokenId: TOKEN });
    f.host.set_value(U256::ZERO);
    assert_eq!(
        err,
        IPxSyncErrors::IncorrectFee(abi::IncorrectFee {
            expected: SYNC_FEE,
            received: U256::from(1)
        })
    );
}
