//! Chainlink's own LinkToken and Operator (compiled from @chainlink/contracts 1.5.0 by
//! `scripts/setup.sh chainlink`) on px-devnet: a direct request from a ChainlinkClient
//! consumer, its fulfilment by the authorized node, and cancellation after the 5-minute expiry.

mod common;

use common::chainlink_flow::{self, LINK, SPEC};
use px_devnet::chain::Chain;
use revm::primitives::U256;

#[test]
fn runs_a_direct_request_from_request_to_cancel() {
    let mut chain = Chain::default();
    let trace = chainlink_flow::run(&mut chain);
    let status: Vec<(&str, bool)> = trace.steps.iter().map(|(l, m)| (*l, m.success)).collect();
    let failed: Vec<&str> = status.iter().filter(|(_, ok)| !ok).map(|(l, _)| *l).collect();
    // A stranger may not fulfil, and nobody may cancel before the expiry.
    assert_eq!(failed, vec!["fulfil by a stranger", "cancel before expiry"], "{status:?}");
    let request = &trace.requests[0];
    assert_eq!(request.specId, SPEC);
    assert_eq!(request.dataVersion, U256::from(2));
    assert_eq!(request.payment, U256::from(LINK));
    assert!(!request.data.is_empty(), "CBOR parameters");
    // Expiry is five minutes after the request's block.
    let second = &trace.requests[1];
    assert_eq!(second.cancelExpiration - request.cancelExpiration, U256::from(2));
    assert_eq!(trace.last_value, U256::from(42));
    // 10 LINK funded, 1 paid for the fulfilled request, 1 refunded by the cancel.
    assert_eq!(trace.consumer_link, U256::from(9 * LINK));
    assert_eq!(trace.operator_link, U256::from(LINK));
}
