//! `onReport`: every authorization revert (nothing changes, the delivery may be retried), every
//! content refusal (the request ends with `SyncRejected`), and reports that match no pending
//! CRE request (nothing changes, `ReportIgnored`).

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use px_abi::IPxStorageNft::applyUsageCall;

use super::{
    CORE, CoreToken, FORWARDER, Fixture, OPERATOR, OWNER, STRANGER, SYNC_FEE, Signed, TOKEN,
    WORKFLOW_ID, WORKFLOW_NAME, WORKFLOW_OWNER, btns_key, cre_report, metadata, other_signer,
    our_metadata, sign, usage_signer, workflow_name,
};
use crate::{
    CreNotConfigured, Error, InvalidAuthor, InvalidSender, InvalidWorkflowId, InvalidWorkflowName,
    ReportIgnored, SyncFulfilled, SyncRejected,
    cre::CreConfig,
    fulfil::{Rejection, SyncFulfilment},
    receiver::{CreReceiver, IERC165_ID, IRECEIVER_ID, Ignored},
    requests::SyncRequests,
};

const NEW_DIGEST: B256 = B256::repeat_byte(0x42);

fn good_usage() -> Signed {
    sign(&usage_signer(), TOKEN, &btns_key(1), 2, 5_000, 3)
}

fn good_report(request_id: B256) -> Vec<u8> {
    let usage = good_usage();
    cre_report(request_id, TOKEN, &usage, NEW_DIGEST, &usage.bytes())
}

/// A pending sponsored CRE request for `TOKEN` (core state: sequence 1), logs forgotten.
fn pending() -> (Fixture, B256) {
    let mut f = Fixture::cre();
    let id = f.cre_request();
    f.host.clear_calls();
    f.host.clear_mocks();
    (f, id)
}

fn still_pending(f: &Fixture, id: B256) {
    assert_eq!(f.sync.pending_request(id).0, TOKEN, "the request is still pending");
    assert!(f.applied().is_empty());
    assert!(f.events::<SyncFulfilled>().is_empty() && f.events::<SyncRejected>().is_empty());
}

fn rejected(f: &Fixture, id: B256, reason: Rejection) {
    assert_eq!(
        f.events::<SyncRejected>(),
        vec![SyncRejected { tokenId: TOKEN, requestId: id, reason: reason as u8 }]
    );
    assert!(f.applied().is_empty(), "a rejected report changes no usage");
    assert_eq!(f.sync.pending_request(id).0, U256::ZERO, "the request is over");
}

fn ignored(f: &Fixture, id: B256, why: Ignored) {
    assert_eq!(
        f.events::<ReportIgnored>(),
        vec![ReportIgnored { requestId: id, reason: why as u8 }]
    );
    assert!(f.applied().is_empty());
    assert!(f.events::<SyncRejected>().is_empty() && f.events::<SyncFulfilled>().is_empty());
}

// ---------------------------------------------------------------- accepted

#[test]
fn applies_a_trusted_report_from_the_expected_workflow() {
    let (mut f, id) = pending();
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
    assert_eq!(
        f.applied(),
        vec![applyUsageCall {
            tokenId: TOKEN,
            sequence: 2,
            usedBytes: 5_000,
            uploadCount: 3,
            metadataDigest: NEW_DIGEST
        }]
    );
    assert_eq!(
        f.events::<SyncFulfilled>(),
        vec![SyncFulfilled {
            tokenId: TOKEN,
            requestId: id,
            sequence: 2,
            usedBytes: 5_000,
            uploadCount: 3,
            metadataDigest: NEW_DIGEST
        }]
    );
    assert_eq!(f.sync.pending_request(id).0, U256::ZERO, "answered once");
}

#[test]
fn accepts_when_one_of_several_signatures_is_trusted() {
    let (mut f, id) = pending();
    let usage = good_usage();
    let stranger = sign(&other_signer(), TOKEN, &btns_key(1), 2, 5_000, 3);
    let signatures = [stranger.bytes(), usage.bytes()].concat();
    f.deliver(FORWARDER, our_metadata(), cre_report(id, TOKEN, &usage, NEW_DIGEST, &signatures))
        .unwrap();
    assert_eq!(f.applied().len(), 1);
}

#[test]
fn accepts_with_only_the_workflow_id_checked() {
    let (mut f, id) = pending();
    f.sender(OWNER);
    f.sync.set_expected_author(Address::ZERO).unwrap();
    let other_owner = metadata(WORKFLOW_ID, [0; 10], Address::repeat_byte(9));
    f.deliver(FORWARDER, other_owner, good_report(id)).unwrap();
    assert_eq!(f.applied().len(), 1);
}

#[test]
fn accepts_the_expected_workflow_name_with_its_owner() {
    let (mut f, id) = pending();
    f.sha256_knows(WORKFLOW_NAME.as_bytes());
    f.sender(OWNER);
    f.sync.set_expected_workflow_name(WORKFLOW_NAME.into()).unwrap();
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
    assert_eq!(f.applied().len(), 1);
}

#[test]
fn the_request_fee_is_earned_when_a_report_ends_it() {
    let mut f = Fixture::cre();
    let id = f.paid_cre_request(SYNC_FEE).unwrap();
    f.host.set_balance(super::SYNC, SYNC_FEE);
    f.sender(OWNER);
    assert!(matches!(f.sync.withdraw_fees(OWNER, SYNC_FEE), Err(Error::InsufficientFees(_))));
    let forged = sign(&other_signer(), TOKEN, &btns_key(1), 2, 5_000, 3);
    f.deliver(
        FORWARDER,
        our_metadata(),
        cre_report(id, TOKEN, &forged, NEW_DIGEST, &forged.bytes()),
    )
    .unwrap();
    assert_eq!(f.events::<SyncRejected>().len(), 1, "rejected, but the DON did the work");
    f.sender(OWNER);
    f.sync.withdraw_fees(OWNER, SYNC_FEE).unwrap();
}

// ---------------------------------------------------------------- authorization: reverts

#[test]
fn error_when_the_caller_is_not_the_forwarder() {
    let (mut f, id) = pending();
    let err = f.deliver(STRANGER, our_metadata(), good_report(id)).unwrap_err();
    assert!(matches!(err,
        Error::InvalidSender(InvalidSender { sender, expected })
            if sender == STRANGER && expected == FORWARDER));
    still_pending(&f, id);
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
}

#[test]
fn error_when_the_operator_delivers_a_cre_report() {
    let (mut f, id) = pending();
    assert!(matches!(
        f.deliver(OPERATOR, our_metadata(), good_report(id)),
        Err(Error::InvalidSender(_))
    ));
    still_pending(&f, id);
}

#[test]
fn error_when_no_forwarder_is_configured() {
    let (mut f, id) = pending();
    f.sender(OWNER);
    f.sync.set_forwarder_address(Address::ZERO).unwrap();
    f.host.clear_mocks();
    let err = f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap_err();
    assert!(matches!(err,
        Error::InvalidSender(InvalidSender { sender, expected })
            if sender == FORWARDER && expected.is_zero()));
    still_pending(&f, id);
}

#[test]
fn error_when_the_workflow_id_differs() {
    let (mut f, id) = pending();
    let other = metadata(B256::repeat_byte(3), [0; 10], WORKFLOW_OWNER);
    let err = f.deliver(FORWARDER, other, good_report(id)).unwrap_err();
    assert!(matches!(err,
        Error::InvalidWorkflowId(InvalidWorkflowId { received, expected })
            if received == B256::repeat_byte(3) && expected == WORKFLOW_ID));
    still_pending(&f, id);
}

#[test]
fn error_when_the_workflow_owner_differs() {
    let (mut f, id) = pending();
    let other = metadata(WORKFLOW_ID, [0; 10], Address::repeat_byte(4));
    let err = f.deliver(FORWARDER, other, good_report(id)).unwrap_err();
    assert!(matches!(err,
        Error::InvalidAuthor(InvalidAuthor { received, expected })
            if received == Address::repeat_byte(4) && expected == WORKFLOW_OWNER));
    still_pending(&f, id);
}

#[test]
fn error_when_the_workflow_name_differs() {
    let (mut f, id) = pending();
    f.sha256_knows(WORKFLOW_NAME.as_bytes());
    f.sender(OWNER);
    f.sync.set_expected_workflow_name(WORKFLOW_NAME.into()).unwrap();
    let other = metadata(WORKFLOW_ID, workflow_name("another"), WORKFLOW_OWNER);
    let err = f.deliver(FORWARDER, other, good_report(id)).unwrap_err();
    assert!(matches!(err,
        Error::InvalidWorkflowName(InvalidWorkflowName { received, expected })
            if received.0 == workflow_name("another") && expected.0 == workflow_name(WORKFLOW_NAME)));
    still_pending(&f, id);
}

#[test]
fn error_when_a_workflow_name_is_set_without_its_owner() {
    let (mut f, id) = pending();
    f.sha256_knows(WORKFLOW_NAME.as_bytes());
    f.sender(OWNER);
    f.sync.set_expected_workflow_name(WORKFLOW_NAME.into()).unwrap();
    f.sync.set_expected_author(Address::ZERO).unwrap();
    assert!(matches!(
        f.deliver(FORWARDER, our_metadata(), good_report(id)),
        Err(Error::WorkflowNameRequiresAuthorValidation(_))
    ));
    still_pending(&f, id);
}

#[test]
fn error_when_no_workflow_identity_is_configured() {
    let (mut f, id) = pending();
    f.sender(OWNER);
    f.sync.set_expected_author(Address::ZERO).unwrap();
    f.sync.set_expected_workflow_id(B256::ZERO).unwrap();
    assert!(matches!(
        f.deliver(FORWARDER, our_metadata(), good_report(id)),
        Err(Error::CreNotConfigured(CreNotConfigured {}))
    ));
    still_pending(&f, id);
}

#[test]
fn error_when_the_metadata_is_cut_short() {
    let (mut f, id) = pending();
    let short = our_metadata()[..40].to_vec();
    assert!(matches!(f.deliver(FORWARDER, short, good_report(id)), Err(Error::InvalidAuthor(_))));
    still_pending(&f, id);
}

// ---------------------------------------------------------------- content: SyncRejected

#[test]
fn rejects_a_report_from_an_untrusted_signer() {
    let (mut f, id) = pending();
    let forged = sign(&other_signer(), TOKEN, &btns_key(1), 2, 5_000, 3);
    f.deliver(
        FORWARDER,
        our_metadata(),
        cre_report(id, TOKEN, &forged, NEW_DIGEST, &forged.bytes()),
    )
    .unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_numbers_altered_by_the_don() {
    let (mut f, id) = pending();
    let mut usage = good_usage();
    let signature = usage.bytes();
    usage.used = 1;
    f.deliver(FORWARDER, our_metadata(), cre_report(id, TOKEN, &usage, NEW_DIGEST, &signature))
        .unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_an_older_sequence() {
    let (mut f, id) = pending();
    f.core_knows(TOKEN, &CoreToken { sequence: 5, ..CoreToken::default() });
    let usage = sign(&usage_signer(), TOKEN, &btns_key(1), 4, 1, 1);
    f.deliver(FORWARDER, our_metadata(), cre_report(id, TOKEN, &usage, NEW_DIGEST, &usage.bytes()))
        .unwrap();
    rejected(&f, id, Rejection::StaleSequence);
}

#[test]
fn rejects_the_stored_sequence_with_another_document() {
    let (mut f, id) = pending();
    let usage = sign(&usage_signer(), TOKEN, &btns_key(1), 1, 0, 0);
    f.deliver(FORWARDER, our_metadata(), cre_report(id, TOKEN, &usage, NEW_DIGEST, &usage.bytes()))
        .unwrap();
    rejected(&f, id, Rejection::ConflictingDigest);
}

#[test]
fn rejects_a_malformed_signature() {
    let (mut f, id) = pending();
    let usage = good_usage();
    let mut signature = usage.bytes();
    signature[64] = 0;
    f.deliver(FORWARDER, our_metadata(), cre_report(id, TOKEN, &usage, NEW_DIGEST, &signature))
        .unwrap();
    rejected(&f, id, Rejection::MalformedSignature);
}

#[test]
fn rejects_signatures_that_are_not_whole() {
    for length in [0, 64, 66, 129] {
        let (mut f, id) = pending();
        let usage = good_usage();
        let mut signature = usage.bytes();
        signature.resize(length, 0);
        f.deliver(FORWARDER, our_metadata(), cre_report(id, TOKEN, &usage, NEW_DIGEST, &signature))
            .unwrap();
        rejected(&f, id, Rejection::MalformedSignature);
    }
}

#[test]
fn rejects_when_the_core_refuses_the_usage() {
    let (mut f, id) = pending();
    let apply = applyUsageCall {
        tokenId: TOKEN,
        sequence: 2,
        usedBytes: 5_000,
        uploadCount: 3,
        metadataDigest: NEW_DIGEST,
    }
    .abi_encode();
    f.host.mock_call(CORE, apply, U256::ZERO, Err(vec![1]));
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
    assert_eq!(
        f.events::<SyncRejected>(),
        vec![SyncRejected { tokenId: TOKEN, requestId: id, reason: Rejection::CoreRejected as u8 }]
    );
    assert_eq!(f.sync.pending_request(id).0, U256::ZERO);
}

#[test]
fn rejects_a_report_for_another_token() {
    let (mut f, id) = pending();
    let other = U256::from(8);
    f.core_knows(other, &CoreToken::default());
    // Signed for token 8 by the trusted signer: valid, but not what this request asked.
    let usage = sign(&usage_signer(), other, &btns_key(1), 2, 5_000, 3);
    f.deliver(FORWARDER, our_metadata(), cre_report(id, other, &usage, NEW_DIGEST, &usage.bytes()))
        .unwrap();
    rejected(&f, id, Rejection::TokenMismatch);
}

#[test]
fn rejects_a_report_that_is_not_the_canonical_encoding() {
    let edits: [fn(&mut Vec<u8>); 5] = [
        |r| r.push(0),                  // a trailing byte
        |r| r[6 * 32 + 31] = 0xc0,      // another offset for `signatures`
        |r| r[2 * 32] = 1,              // a sequence above 64 bits
        |r| r[4 * 32 + 27] = 1,         // an upload count above 32 bits
        |r| *r.last_mut().unwrap() = 1, // padding that is not zero
    ];
    for edit in edits {
        let (mut f, id) = pending();
        let mut report = good_report(id);
        edit(&mut report);
        f.deliver(FORWARDER, our_metadata(), report).unwrap();
        rejected(&f, id, Rejection::MalformedReport);
    }
}

// ---------------------------------------------------------------- no pending CRE request

#[test]
fn ignores_a_report_for_an_unknown_request() {
    let (mut f, id) = pending();
    let unknown = B256::repeat_byte(0x99);
    f.deliver(FORWARDER, our_metadata(), good_report(unknown)).unwrap();
    ignored(&f, unknown, Ignored::NotPending);
    assert_eq!(f.sync.pending_request(id).0, TOKEN);
}

#[test]
fn ignores_a_replayed_report() {
    let (mut f, id) = pending();
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
    f.host.clear_calls();
    f.host.clear_mocks();
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
    ignored(&f, id, Ignored::NotPending);
}

#[test]
fn ignores_a_report_for_a_direct_request() {
    let mut f = Fixture::cre();
    f.sender(OWNER);
    f.sync.set_sync_route(crate::cre::ROUTE_DIRECT).unwrap();
    let id = f.request();
    f.host.clear_calls();
    f.host.clear_mocks();
    f.deliver(FORWARDER, our_metadata(), good_report(id)).unwrap();
    ignored(&f, id, Ignored::DirectRequest);
    assert_eq!(f.sync.pending_request(id).0, TOKEN, "only its operator answers it");
}

#[test]
fn ignores_a_report_too_short_to_name_a_request() {
    let (mut f, id) = pending();
    f.deliver(FORWARDER, our_metadata(), vec![0x5a; 31]).unwrap();
    ignored(&f, B256::ZERO, Ignored::NoRequestId);
    assert_eq!(f.sync.pending_request(id).0, TOKEN);
}

#[test]
fn error_when_the_operator_fulfils_a_cre_request() {
    let (mut f, id) = pending();
    let usage = good_usage();
    f.sender(OPERATOR);
    let err =
        f.sync.fulfill_sync(id, 2, 5_000, 3, NEW_DIGEST, usage.v, usage.r, usage.s).unwrap_err();
    assert!(matches!(err, Error::UnauthorizedOperator(_)));
    still_pending(&f, id);
}

// ---------------------------------------------------------------- ERC-165

#[test]
fn supports_ireceiver_and_erc165_only() {
    let f = Fixture::cre();
    assert_eq!(IRECEIVER_ID, px_abi::IPxSync::onReportCall::SELECTOR);
    assert_eq!(IRECEIVER_ID, [0x80, 0x5f, 0x21, 0x32]);
    assert!(f.sync.supports_interface(IRECEIVER_ID.into()));
    assert!(f.sync.supports_interface(IERC165_ID.into()));
    assert_eq!(IERC165_ID, px_abi::IPxSync::supportsInterfaceCall::SELECTOR);
    assert!(!f.sync.supports_interface([0xff; 4].into()));
    assert!(!f.sync.supports_interface([0; 4].into()));
}
