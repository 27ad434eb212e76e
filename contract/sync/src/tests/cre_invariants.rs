//! Invariants of the ETH fee over random sequences of CRE requests (sponsored and paid),
//! reports (accepted or refused), cancellations, withdrawals and time, against a ghost ledger:
//! the fees held are exactly the fees of pending paid CRE requests, so a withdrawal can never
//! take a payer's refund, and every fee paid is either still held, refunded or earned.

use alloy_primitives::{B256, U256};
use proptest::prelude::*;
use px_contract_testing::CallKind;

use super::{
    ALICE, CoreToken, FORWARDER, Fixture, OWNER, STRANGER, SYNC, SYNC_FEE, TOKEN, btns_key,
    cre_report, other_signer, our_metadata, sign, usage_signer,
};
use crate::{
    cre::{CreConfig, DEFAULT_CRE_TIMEOUT},
    requests::SyncRequests,
};

#[derive(Clone, Debug)]
enum Action {
    Request { paid: bool },
    Report { which: usize, trusted: bool },
    Cancel { which: usize },
    Withdraw { amount: u64 },
    Wait { seconds: u64 },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        any::<bool>().prop_map(|paid| Action::Request { paid }),
        (0..6usize, any::<bool>()).prop_map(|(which, trusted)| Action::Report { which, trusted }),
        (0..6usize).prop_map(|which| Action::Cancel { which }),
        (0..4u64).prop_map(|amount| Action::Withdraw { amount }),
        (0..(2 * DEFAULT_CRE_TIMEOUT)).prop_map(|seconds| Action::Wait { seconds }),
    ]
}

/// ETH sent by the program to `to` so far.
fn sent_to(f: &Fixture, to: alloy_primitives::Address) -> U256 {
    f.host
        .calls_to(to)
        .iter()
        .filter(|c| c.kind == CallKind::Call && c.data.is_empty())
        .map(|c| c.value)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn invariant_fees_held_are_the_pending_paid_requests(
        actions in prop::collection::vec(action(), 1..30),
    ) {
        let mut f = Fixture::cre();
        // Ghost ledger: (request id, fee) of every CRE request sent; pending while listed.
        let mut pending: Vec<(B256, U256)> = Vec::new();
        let mut sent: Vec<B256> = Vec::new();
        let (mut paid_in, mut earned, mut refunded) = (U256::ZERO, U256::ZERO, U256::ZERO);
        for action in actions {
            match action {
                Action::Request { paid } => {
                    let result = if paid {
                        f.paid_cre_request(SYNC_FEE)
                    } else {
                        f.core_knows(TOKEN, &CoreToken::default());
                        f.sender(ALICE);
                        f.sync.request_sync(TOKEN)
                    };
                    if let Ok(id) = result {
                        let fee = if paid { SYNC_FEE } else { U256::ZERO };
                        paid_in += fee;
                        pending.push((id, fee));
                        sent.push(id);
                    }
                }
                Action::Report { which, trusted } => {
                    let Some(&id) = sent.get(which) else { continue };
                    let signer = if trusted { usage_signer() } else { other_signer() };
                    let usage = sign(&signer, TOKEN, &btns_key(1), 2, 10, 1);
                    let report = cre_report(id, TOKEN, &usage, B256::repeat_byte(9), &usage.bytes());
                    f.deliver(FORWARDER, our_metadata(), report).unwrap();
                    if let Some(i) = pending.iter().position(|(p, _)| *p == id) {
                        earned += pending.remove(i).1;
                    }
                }
                Action::Cancel { which } => {
                    let Some(&id) = sent.get(which) else { continue };
                    f.sender(STRANGER);
                    if f.sync.cancel_sync(id).is_ok() {
                        let i = pending.iter().position(|(p, _)| *p == id);
                        prop_assert!(i.is_some(), "only a pending request can be cancelled");
                        if let Some(i) = i {
                            refunded += pending.remove(i).1;
                        }
                    }
                }
                Action::Withdraw { amount } => {
                    // The balance the ledger says the program holds.
                    let balance = paid_in - refunded - sent_to(&f, OWNER);
                    f.host.set_balance(SYNC, balance);
                    let held: U256 = pending.iter().map(|(_, fee)| *fee).sum();
                    let amount = U256::from(amount) * SYNC_FEE / U256::from(2);
                    f.sender(OWNER);
                    let ok = f.sync.withdraw_fees(OWNER, amount).is_ok();
                    prop_assert_eq!(ok, amount <= balance - held, "only fees not held leave");
                }
                Action::Wait { seconds } => f.advance(seconds),
            }
            let held: U256 = pending.iter().map(|(_, fee)| *fee).sum();
            prop_assert_eq!(U256::from(f.sync.fees_held.get()), held);
            prop_assert_eq!(sent_to(&f, ALICE), refunded, "refunds go to the payer, once");
            prop_assert_eq!(paid_in, held + earned + refunded);
            for (id, fee) in &pending {
                prop_assert_eq!(f.sync.pending_request(*id).4, *fee);
            }
        }
    }
}
