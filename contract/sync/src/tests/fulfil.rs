//! `fulfillSync`: who may answer, what is accepted, and every rejection.

use alloy_primitives::{Address, B256, U256};
use px_abi::IPxStorageNft::applyUsageCall;

use super::{
    CORE, CoreToken, FEE, Fixture, LINK, OPERATOR, OWNER, STRANGER, Signed, TOKEN, btns_key,
    other_signer, sign, usage_signer,
};
use crate::{
    Error, SyncFulfilled, SyncRejected, UnauthorizedOperator, UnknownRequest,
    config::SyncConfig,
    fulfil::{Rejection, SyncFulfilment},
    requests::SyncRequests,
};

const NEW_DIGEST: B256 = B256::repeat_byte(0x42);

fn fulfil(
    f: &mut Fixture,
    from: Address,
    request_id: B256,
    report: &Signed,
    digest: B256,
) -> Result<(), Error> {
    f.sender(from);
    f.sync.fulfill_sync(
        request_id,
        report.sequence,
        report.used,
        report.count,
        digest,
        report.v,
        report.r,
        report.s,
    )
}

/// A pending request for `TOKEN`, whose core state is `CoreToken::default()` (sequence 1).
fn pending() -> (Fixture, B256) {
    let mut f = Fixture::new();
    let id = f.request();
    f.host.clear_calls();
    f.host.clear_mocks(); // forget the request's logs
    (f, id)
}

fn good_report() -> Signed {
    sign(&usage_signer(), TOKEN, &btns_key(1), 2, 5_000, 3)
}

fn rejected(f: &Fixture, request_id: B256, reason: Rejection) {
    assert_eq!(
        f.events::<SyncRejected>(),
        vec![SyncRejected { tokenId: TOKEN, requestId: request_id, reason: reason as u8 }]
    );
    assert!(f.events::<SyncFulfilled>().is_empty());
    assert!(f.applied().is_empty(), "a rejected report changes no usage");
    assert_eq!(f.sync.pending_request(request_id).0, U256::ZERO, "the request is over");
}

#[test]
fn applies_a_newer_trusted_report() {
    let (mut f, id) = pending();
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
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
    assert_eq!(
        f.sync.pending_request(id),
        (U256::ZERO, Address::ZERO, 0, Address::ZERO, U256::ZERO, 0)
    );
}

#[test]
fn refreshes_with_the_same_document_again() {
    let (mut f, id) = pending();
    let same = sign(&usage_signer(), TOKEN, &btns_key(1), 1, 0, 0);
    fulfil(&mut f, OPERATOR, id, &same, CoreToken::default().digest).unwrap();
    assert_eq!(f.applied().len(), 1, "lastSyncedAt moves on");
    assert_eq!(f.events::<SyncFulfilled>().len(), 1);
}

#[test]
fn applies_lower_usage_and_usage_over_quota() {
    for used in [0, u64::MAX] {
        let (mut f, id) = pending();
        let report = sign(&usage_signer(), TOKEN, &btns_key(1), 9, used, 1);
        fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
        assert_eq!(f.applied()[0].usedBytes, used);
    }
}

#[test]
fn fulfils_while_the_core_is_paused() {
    let (mut f, id) = pending();
    f.core_knows(TOKEN, &CoreToken { paused: true, ..CoreToken::default() });
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
    assert_eq!(f.applied().len(), 1);
}

#[test]
fn error_when_a_stranger_fulfils() {
    let (mut f, id) = pending();
    let err = fulfil(&mut f, STRANGER, id, &good_report(), NEW_DIGEST).unwrap_err();
    assert!(
        matches!(err, Error::UnauthorizedOperator(UnauthorizedOperator { sender }) if sender == STRANGER)
    );
    assert_eq!(f.sync.pending_request(id).0, TOKEN, "still pending for the real operator");
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
}

#[test]
fn only_the_operator_recorded_for_the_request_may_fulfil_it() {
    let (mut f, id) = pending();
    let new_operator = Address::repeat_byte(0x77);
    f.sender(OWNER);
    f.sync.set_oracle(LINK, new_operator, B256::ZERO, FEE).unwrap();
    assert!(matches!(
        fulfil(&mut f, new_operator, id, &good_report(), NEW_DIGEST),
        Err(Error::UnauthorizedOperator(_))
    ));
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
}

#[test]
fn error_when_the_request_is_unknown_or_already_fulfilled() {
    let (mut f, id) = pending();
    let err =
        fulfil(&mut f, OPERATOR, B256::repeat_byte(9), &good_report(), NEW_DIGEST).unwrap_err();
    assert!(
        matches!(err, Error::UnknownRequest(UnknownRequest { requestId }) if requestId == B256::repeat_byte(9))
    );
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
    let replay = fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap_err();
    assert!(matches!(replay, Error::UnknownRequest(_)));
    assert_eq!(f.applied().len(), 1, "applied once");
}

#[test]
fn rejects_a_report_from_an_untrusted_signer() {
    let (mut f, id) = pending();
    let forged = sign(&other_signer(), TOKEN, &btns_key(1), 2, 5_000, 3);
    fulfil(&mut f, OPERATOR, id, &forged, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_a_report_from_a_signer_no_longer_trusted() {
    let (mut f, id) = pending();
    f.sender(OWNER);
    f.sync.set_usage_signer(usage_signer().address(), false).unwrap();
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_a_report_signed_for_another_token() {
    let (mut f, id) = pending();
    let report = sign(&usage_signer(), U256::from(8), &btns_key(1), 2, 5_000, 3);
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_a_report_signed_for_another_key() {
    let (mut f, id) = pending();
    let report = sign(&usage_signer(), TOKEN, &btns_key(2), 2, 5_000, 3);
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_numbers_altered_by_the_operator() {
    let (mut f, id) = pending();
    let mut report = good_report();
    report.used = 1; // the operator claims less usage than the node signed
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::UntrustedSigner);
}

#[test]
fn rejects_an_older_sequence() {
    let (mut f, id) = pending();
    f.core_knows(TOKEN, &CoreToken { sequence: 5, ..CoreToken::default() });
    let report = sign(&usage_signer(), TOKEN, &btns_key(1), 4, 1, 1);
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::StaleSequence);
}

#[test]
fn rejects_the_stored_sequence_with_another_document() {
    let (mut f, id) = pending();
    let report = sign(&usage_signer(), TOKEN, &btns_key(1), 1, 0, 0);
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::ConflictingDigest);
}

#[test]
fn rejects_a_malformed_signature() {
    let (mut f, id) = pending();
    let mut report = good_report();
    report.v = 0;
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::MalformedSignature);
}

#[test]
fn rejects_the_malleable_twin_of_a_valid_signature() {
    let (mut f, id) = pending();
    let mut report = good_report();
    // (r, n - s, v ^ 1) recovers to the same signer; only the low-s form is accepted.
    let n = U256::from_be_slice(&alloy_primitives::hex!(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    ));
    report.s = (n - U256::from_be_bytes(report.s.0)).into();
    report.v ^= 1;
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    rejected(&f, id, Rejection::MalformedSignature);
}

#[test]
fn rejects_when_the_core_refuses_the_usage() {
    let (mut f, id) = pending();
    let report = good_report();
    let apply = alloy_sol_types::SolCall::abi_encode(&applyUsageCall {
        tokenId: TOKEN,
        sequence: 2,
        usedBytes: 5_000,
        uploadCount: 3,
        metadataDigest: NEW_DIGEST,
    });
    f.host.mock_call(CORE, apply, U256::ZERO, Err(vec![0x01]));
    fulfil(&mut f, OPERATOR, id, &report, NEW_DIGEST).unwrap();
    assert_eq!(
        f.events::<SyncRejected>(),
        vec![SyncRejected { tokenId: TOKEN, requestId: id, reason: Rejection::CoreRejected as u8 }]
    );
}

#[test]
fn a_token_may_request_again_right_after_its_fulfilment() {
    let (mut f, id) = pending();
    fulfil(&mut f, OPERATOR, id, &good_report(), NEW_DIGEST).unwrap();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(LINK);
    f.sync
        .on_token_transfer(super::ALICE, FEE, alloy_sol_types::SolValue::abi_encode(&TOKEN).into())
        .unwrap();
}
