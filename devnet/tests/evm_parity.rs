//! EVM-only transactions give the same results and the same gas on px-devnet as on anvil:
//! Chainlink's contracts deployed from the same bytecode and driven by the same transactions.

mod common;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolEvent,
};
use common::{
    backend::Anvil,
    chainlink_flow::{self, Operator},
};
use px_devnet::chain::Chain;

/// The logs with what depends on the chains' clocks (a request's expiry) blanked out.
fn clock_free(logs: &[(Address, Vec<B256>, Bytes)]) -> Vec<(Address, Vec<B256>, Bytes)> {
    logs.iter()
        .map(|(address, topics, data)| {
            let data = match Operator::OracleRequest::decode_raw_log(topics.iter().copied(), data) {
                Ok(mut event) => {
                    event.cancelExpiration = U256::ZERO;
                    event.encode_data().into()
                }
                Err(_) => data.clone(),
            };
            (*address, topics.clone(), data)
        })
        .collect()
}

#[test]
fn evm_transactions_match_anvil_in_results_and_gas() {
    let mut devnet = Chain::default();
    let mut anvil = Anvil::start();
    let ours = chainlink_flow::run(&mut devnet);
    let theirs = chainlink_flow::run(&mut anvil);
    assert_eq!(ours.steps.len(), theirs.steps.len());
    for ((label, a), (_, b)) in ours.steps.iter().zip(&theirs.steps) {
        assert_eq!(a.success, b.success, "{label}: status");
        assert_eq!(a.gas_used, b.gas_used, "{label}: gas used");
        assert_eq!(a.contract, b.contract, "{label}: created address");
        assert_eq!(clock_free(&a.logs), clock_free(&b.logs), "{label}: logs");
    }
    let readings = |t: &chainlink_flow::Trace| (t.last_value, t.consumer_link, t.operator_link);
    assert_eq!(readings(&ours), readings(&theirs));
    for (a, b) in ours.requests.iter().zip(&theirs.requests) {
        assert_eq!((a.requestId, a.payment, &a.data), (b.requestId, b.payment, &b.data));
    }
}

#[test]
fn gas_differs_when_the_evm_rules_differ() {
    // The comparison has teeth: the same transactions under London rules (no EIP-3860
    // init-code metering, cold coinbase) cost different gas than under Prague.
    use px_devnet::chain::ChainConfig;
    use revm::primitives::hardfork::SpecId;
    let prague = chainlink_flow::run(&mut Chain::default());
    let london_config = ChainConfig { spec: SpecId::LONDON, ..ChainConfig::default() };
    let london = chainlink_flow::run(&mut Chain::new(london_config));
    assert_ne!(prague.steps[0].1.gas_used, london.steps[0].1.gas_used, "deploying LinkToken");
}
