//! The storage slots of this program each gas-relevant function touches, pinned (docs/gas.md):
//! the first gas estimate until the local chain measures it. The core's side of the same
//! calls (`syncContext`, `applyUsage`) is pinned in the core's tests.

use alloy_primitives::B256;
use alloy_sol_types::SolValue;

use super::{ALICE, CoreToken, FEE, Fixture, LINK, OPERATOR, TOKEN, btns_key, sign, usage_signer};
use crate::{
    fulfil::SyncFulfilment,
    requests::{EXPIRY_SECONDS, SyncRequests},
};

/// (slots read, slots written) by `f`.
#[test]
fn a_sponsored_request_reads_seven_slots_and_writes_four() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    let counts = f.host.clone().slots_touched(|| {
        f.sync.request_sync(TOKEN).unwrap();
    });
    // Reads: core, per-token word, sponsored minimum, the route (packed with the forwarder),
    // operator/fee, link/nonce, job id.
    // Writes: link/nonce (in place), two pending words, per-token word.
    assert_eq!(counts, (7, 4));
}

#[test]
fn a_user_paid_request_reads_the_same_but_the_sponsorship_and_the_route() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(LINK);
    let counts = f.host.clone().slots_touched(|| {
        f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).unwrap();
    });
    assert_eq!(counts, (5, 4));
}

#[test]
fn a_fulfilment_reads_four_slots_and_clears_two() {
    let mut f = Fixture::new();
    let id = f.request();
    let report = sign(&usage_signer(), TOKEN, &btns_key(1), 2, 10, 1);
    f.sender(OPERATOR);
    let counts = f.host.clone().slots_touched(|| {
        f.sync
            .fulfill_sync(id, 2, 10, 1, B256::repeat_byte(9), report.v, report.r, report.s)
            .unwrap();
    });
    // Reads: two pending words, core, the signer's trust. Writes: the pending words, emptied
    // (a refund). Then the core's applyUsage rewrites three of its slots.
    assert_eq!(counts, (4, 2));
    assert_eq!(f.applied().len(), 1);
}

#[test]
fn a_cancellation_reads_and_clears_the_pending_words() {
    let mut f = Fixture::new();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(LINK);
    f.sync.on_token_transfer(ALICE, FEE, TOKEN.abi_encode().into()).unwrap();
    f.advance(EXPIRY_SECONDS);
    let counts =
        f.host.clone().slots_touched(|| f.sync.cancel_sync(Fixture::request_id(1)).unwrap());
    // Reads: two pending words, link/nonce (for the refund). Writes: the pending words.
    assert_eq!(counts, (3, 2));
}

#[test]
fn a_sponsored_cre_request_reads_six_slots_and_writes_four() {
    let mut f = super::Fixture::cre();
    f.core_knows(TOKEN, &CoreToken::default());
    f.sender(ALICE);
    let counts = f.host.clone().slots_touched(|| {
        f.sync.request_sync(TOKEN).unwrap();
    });
    // Reads: core, per-token word, sponsored minimum, forwarder/timeout/route, author/name,
    // link/nonce (the workflow id is not read once the author is set).
    // Writes: link/nonce (in place), two pending words, per-token word; no fee is held.
    assert_eq!(counts, (6, 4));
}

#[test]
fn a_cre_report_reads_seven_slots_and_clears_two() {
    let mut f = super::Fixture::cre();
    let id = f.cre_request();
    let usage = sign(&usage_signer(), TOKEN, &btns_key(1), 2, 10, 1);
    let report = super::cre_report(id, TOKEN, &usage, B256::repeat_byte(9), &usage.bytes());
    let counts = f.host.clone().slots_touched(|| {
        f.deliver(super::FORWARDER, super::our_metadata(), report).unwrap();
    });
    // Reads: forwarder, workflow id, author/name, two pending words, core, the signer's trust.
    // Writes: the pending words, emptied (a refund); a sponsored request held no fee.
    assert_eq!(counts, (7, 2));
    assert_eq!(f.applied().len(), 1);
}
